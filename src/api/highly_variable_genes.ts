import { type DispatchOptions, checkOptions } from '../dispatch/index.js';
import type { StatsInput } from '../backends/types.js';
import { InvalidOptionError } from '../errors.js';
import { dispatchCsr } from './as_csr.js';
import { HVG_FLAVORS, type HighlyVariableGenesResult, type HvgArgs, type HvgFlavor } from './highly_variable_genes_core.js';
import { checkMatrix } from './operand.js';

export type {
  HighlyVariableGenesResult,
  HvgDispersionResult,
  HvgFlavor,
  HvgSeuratV3Result,
} from './highly_variable_genes_core.js';

/** Options of highlyVariableGenes (scanpy names in camelCase; `batch_key`, `layer`, `subset` are not supported). */
export interface HighlyVariableGenesOptions extends DispatchOptions {
  /**
   * Default `'seurat'`. `'seurat'` and `'cell_ranger'` expect log1p data (seurat applies expm1
   * first); `'seurat_v3'` (and `'seurat_v3_paper'`, identical for one batch) expect raw counts.
   */
  flavor?: HvgFlavor;
  /**
   * Number of genes to select. Default: null for seurat/cell_ranger (select by the cutoffs
   * below), 2000 for seurat_v3. When given, the four cutoffs are ignored (scanpy warns).
   * seurat/cell_ranger select every gene whose normalised dispersion is ≥ the n-th largest, so
   * ties can select more than nTopGenes.
   */
  nTopGenes?: number | null;
  /** Lower bound, exclusive, on `means` (seurat/cell_ranger, no nTopGenes). Default 0.0125. */
  minMean?: number;
  /** Upper bound, exclusive, on `means`. Default 3. */
  maxMean?: number;
  /** Lower bound, exclusive, on `dispersionsNorm`. Default 0.5. */
  minDisp?: number;
  /** Upper bound, exclusive, on `dispersionsNorm`. Default Infinity. */
  maxDisp?: number;
  /** Number of equal-width mean bins (seurat). Default 20. */
  nBins?: number;
  /** LOESS span, the fraction of genes in each local fit (seurat_v3). Default 0.3. */
  span?: number;
}

const OWN = ['flavor', 'nTopGenes', 'minMean', 'maxMean', 'minDisp', 'maxDisp', 'nBins', 'span'] as const;

/**
 * Highly variable genes, like `scanpy.pp.highly_variable_genes(adata, ..., inplace=False)`
 * (scanpy 1.11.5, no batch_key) on a cells × genes matrix: CSR (plain or resident), CSC or dense
 * (plain or resident). Returns scanpy's columns per gene:
 * seurat / cell_ranger → `means`, `dispersions`, `dispersionsNorm`, `meanBin` (category code),
 * `highlyVariable`; seurat_v3 → `means`, `variances`, `variancesNorm`, `highlyVariableRank`
 * (NaN outside the selection), `highlyVariable`.
 *
 * The two passes over the matrix (mean/variance of expm1(X) or X; for seurat_v3 the clipped
 * sums) run in the chosen backend (wasm: simd-threads with fixed row chunks, so any thread count
 * gives identical bits); binning, normalisation, the LOESS of seurat_v3 and the selection run
 * once in float64 TypeScript, the same for every backend. Details and scanpy's quirks:
 * src/api/highly_variable_genes_core.ts.
 *
 * Layouts: the statistics passes run on CSR. A CSC input is converted once with the toCsr
 * kernel (in the backend the call names when it has toCsr, else the fastest that does) and a
 * dense input (a DenseHandle is downloaded first) by dropping its zeros; either costs one extra
 * pass over the matrix and a CSR copy in JavaScript memory — pass CSR to avoid it. Per-gene
 * sums keep the cell order, so the columns and the selection are identical to those of the
 * same matrix as CSR. A resident dense input still runs in the backend that holds it.
 *
 * Accuracy against scanpy (mouse10k): means, dispersions, variances and normalised values within
 * rel 1e-6 (measured ≤ 1e-9; the LOESS matches skmisc to ≈1e-13); selections equal except genes
 * tied at the cut-off (seurat_v3 breaks ties by gene order, numpy's argsort arbitrarily).
 *
 * Errors: InvalidOptionError for bad options (listing valid values); InvalidInputError where
 * scanpy raises — cell_ranger when the percentile bin edges repeat ("Bin edges must be
 * unique", i.e. when ≥ ~10 % of genes have mean 0; filter unexpressed genes first), and
 * seurat_v3 when the LOESS cannot be fitted (too few genes with variance > 0 for the span).
 */
export function highlyVariableGenes(x: StatsInput, options: HighlyVariableGenesOptions = {}): HighlyVariableGenesResult {
  checkOptions('highlyVariableGenes', options, OWN);
  checkMatrix('highlyVariableGenes', x, ['csr', 'csc', 'dense']);
  const args = resolveHvgOptions(options);
  const { fn, csr } = dispatchCsr('highlyVariableGenes', x, options);
  return fn(csr, args);
}

/** Validates the options and applies scanpy's defaults. */
export function resolveHvgOptions(options: HighlyVariableGenesOptions): HvgArgs {
  const flavor = options.flavor ?? 'seurat';
  if (!(HVG_FLAVORS as readonly string[]).includes(flavor)) {
    throw new InvalidOptionError(`highlyVariableGenes: flavor must be one of ${HVG_FLAVORS.map((f) => `"${f}"`).join(', ')}; got ${JSON.stringify(flavor)}`);
  }
  const nTopGenes = options.nTopGenes ?? null;
  if (nTopGenes !== null && !(Number.isInteger(nTopGenes) && nTopGenes >= 1)) {
    throw new InvalidOptionError(`highlyVariableGenes: nTopGenes must be an integer ≥ 1 or null; got ${String(nTopGenes)}`);
  }
  const num = (name: (typeof OWN)[number], def: number): number => {
    const v = (options as Record<string, unknown>)[name] ?? def;
    if (typeof v !== 'number' || Number.isNaN(v)) {
      throw new InvalidOptionError(`highlyVariableGenes: ${name} must be a number (±Infinity allowed); got ${String(v)}`);
    }
    return v;
  };
  const nBins = options.nBins ?? 20;
  if (!(Number.isInteger(nBins) && nBins >= 1)) {
    throw new InvalidOptionError(`highlyVariableGenes: nBins must be an integer ≥ 1; got ${String(nBins)}`);
  }
  const span = options.span ?? 0.3;
  if (!(typeof span === 'number' && span > 0 && Number.isFinite(span))) {
    throw new InvalidOptionError(`highlyVariableGenes: span must be a finite number > 0 (fraction of genes per local fit); got ${String(span)}`);
  }
  return {
    flavor,
    nTopGenes,
    minMean: num('minMean', 0.0125),
    maxMean: num('maxMean', 3),
    minDisp: num('minDisp', 0.5),
    maxDisp: num('maxDisp', Infinity),
    nBins,
    span,
  };
}
