import { type DispatchOptions, checkOptions } from '../dispatch/index.js';
import type { KernelSignatures, StatsInput } from '../backends/types.js';
import { InvalidInputError, InvalidOptionError } from '../errors.js';
import { type CsrInput, isDenseHandle, isHandle } from '../runtime/handles.js';
import { dispatchCsr } from './as_csr.js';
import { filterGenes } from './filter.js';
import {
  HVG_FLAVORS,
  type HighlyVariableGenesResult,
  type HvgArgs,
  type HvgBatchPart,
  type HvgBatchedDispersionResult,
  type HvgBatchedResult,
  type HvgBatchedSeuratV3Result,
  type HvgDispersionResult,
  type HvgFlavor,
  type HvgSeuratV3BatchPart,
  type HvgSeuratV3Result,
  combineHvgBatches,
  combineHvgSeuratV3Batches,
} from './highly_variable_genes_core.js';
import { checkMatrix, dispatchOn } from './operand.js';
import { subset } from './subset.js';

export type {
  HighlyVariableGenesResult,
  HvgBatchedDispersionResult,
  HvgBatchedResult,
  HvgBatchedSeuratV3Result,
  HvgDispersionResult,
  HvgFlavor,
  HvgSeuratV3Result,
} from './highly_variable_genes_core.js';

/** Per-cell batch labels (scanpy's `adata.obs[batch_key]`): strings, or integers. */
export type HvgBatchLabels = readonly string[] | readonly number[] | Int32Array;

/** Options of highlyVariableGenes (scanpy names in camelCase; `batch_key` is `batch`; `layer`, `subset` are not supported). */
export interface HighlyVariableGenesOptions extends DispatchOptions {
  /**
   * Default `'seurat'`. `'seurat'` and `'cell_ranger'` expect log1p data (seurat applies expm1
   * first); `'seurat_v3'` and `'seurat_v3_paper'` expect raw counts (they are identical for one
   * batch; with `batch` they order the selection differently, see highlyVariableGenes).
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

/** Options of highlyVariableGenes with a batch (scanpy's `batch_key`); the result is an HvgBatchedResult. */
export interface HighlyVariableGenesBatchOptions extends HighlyVariableGenesOptions {
  /**
   * scanpy's `batch_key`: one batch label per cell (strings, or integers), any flavor. The
   * result has scanpy's batched columns, computed per batch and combined (see
   * highlyVariableGenes): an HvgBatchedDispersionResult for seurat / cell_ranger, an
   * HvgBatchedSeuratV3Result for seurat_v3 / seurat_v3_paper (`flavor` tells which).
   */
  batch: HvgBatchLabels;
}

const OWN = ['flavor', 'nTopGenes', 'minMean', 'maxMean', 'minDisp', 'maxDisp', 'nBins', 'span', 'batch'] as const;

/**
 * Highly variable genes, like `scanpy.pp.highly_variable_genes(adata, ..., inplace=False)`
 * (scanpy 1.11.5) on a cells × genes matrix: CSR (plain or resident), CSC or dense
 * (plain or resident). Returns scanpy's columns per gene:
 * seurat / cell_ranger → `means`, `dispersions`, `dispersionsNorm`, `meanBin` (category code),
 * `highlyVariable`; seurat_v3 → `means`, `variances`, `variancesNorm`, `highlyVariableRank`
 * (NaN outside the selection), `highlyVariable`. With `batch` see below (an HvgBatchedResult).
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
 * With `batch` (scanpy's `batch_key`) and seurat / cell_ranger (result HvgBatchedDispersionResult): the batches are the sorted unique
 * labels (pandas' categories; numbers ascending, strings by code point). For each batch, its
 * cells are taken with the subset kernel, its unexpressed genes (no value > 0 in the batch,
 * filterGenes minCells 1) dropped as scanpy's `filter_genes(min_cells=1)` does, and the
 * single-batch computation above runs on that matrix in the backend the call names (a resident
 * input's subsets stay resident in its backend and are freed after use; for a plain input the
 * exact subset/filter steps take the auto backend). The results are combined as scanpy does:
 * `means`, `dispersions`, `dispersionsNorm` are the mean over batches (NaN skipped; a gene
 * unexpressed in a batch counts 0 there), `highlyVariableNbatches` and
 * `highlyVariableIntersection` count the per-batch selections; with nTopGenes exactly that many
 * genes are selected by (nbatches, dispersionsNorm) descending, NaN last — ties in gene order,
 * scanpy's in var-name order — and without it `dispersionsNorm` has NaN → 0 and the cut-offs
 * apply to the averages. No `meanBin`. One batch is scanpy's batched path too (unexpressed
 * genes get 0, exactly nTopGenes genes). Cost: one subset copy (rows, then expressed genes)
 * per batch. Accuracy as above (mouse10k, 3 batches: the same selections as scanpy).
 *
 * With `batch` and seurat_v3 / seurat_v3_paper (scanpy's `_highly_variable_genes_seurat_v3`
 * with batch_key; result HvgBatchedSeuratV3Result): `means` and `variances` are those of all
 * cells (the expm1MeanVar pass, in the backend that runs highlyVariableGenes: the same bits as
 * a call without batch). For each batch (sorted unique labels, as `np.unique`) its cells are
 * taken with the subset kernel — all genes, no filter_genes in this flavour — and the
 * single-batch computation runs on them: mean/variance of the batch, LOESS over the genes with
 * variance > 0 in the batch, clip at `reg_std·sqrt(n_batch) + mean`, the normalised variance,
 * the 0-based rank of the batch's nTopGenes best genes. Combined as scanpy does:
 * `variancesNorm` = the mean of the batches' normalised variances, `highlyVariableNbatches` =
 * the batches where the gene ranks among the nTopGenes best, `highlyVariableRank` = the median of
 * those ranks (NaN if none), and exactly nTopGenes genes selected by (rank ascending, nbatches
 * descending) for seurat_v3, (nbatches descending, rank ascending) for seurat_v3_paper, NaN
 * ranks last, ties in gene order (as pandas). Differences from scanpy: the per-batch ranks of
 * genes with exactly equal normalised variance in a batch are in gene order here, in numpy's
 * unspecified argsort order in scanpy, so the ranks and nbatches of such genes (and, when they
 * straddle a batch's cut-off, the selection) can differ; with np.argsort made stable scanpy
 * gives exactly ours (mouse10k, 3 batches, nTopGenes 200 and 2000: identical ranks, nbatches
 * and selections in every backend; `variancesNorm` within rel 1e-12). Cost: one pass over all
 * cells for means/variances, then per batch a row-subset copy and the two passes over it.
 * A batch where every gene is constant, or too small for the LOESS span, is an
 * InvalidInputError naming the batch.
 *
 * Errors: InvalidOptionError for bad options (listing valid values); InvalidInputError where
 * scanpy raises — cell_ranger when the percentile bin edges repeat ("Bin edges must be
 * unique", i.e. when ≥ ~10 % of genes have mean 0; filter unexpressed genes first), and
 * seurat_v3 when the LOESS cannot be fitted (too few genes with variance > 0 for the span).
 */
export function highlyVariableGenes(
  x: StatsInput,
  options: HighlyVariableGenesBatchOptions & { flavor: 'seurat_v3' | 'seurat_v3_paper' },
): HvgBatchedSeuratV3Result;
export function highlyVariableGenes(
  x: StatsInput,
  options: HighlyVariableGenesBatchOptions & { flavor?: 'seurat' | 'cell_ranger' },
): HvgBatchedDispersionResult;
export function highlyVariableGenes(x: StatsInput, options: HighlyVariableGenesBatchOptions): HvgBatchedResult;
export function highlyVariableGenes(x: StatsInput, options?: HighlyVariableGenesOptions): HighlyVariableGenesResult;
export function highlyVariableGenes(
  x: StatsInput,
  options: HighlyVariableGenesOptions & { batch?: HvgBatchLabels | null } = {},
): HighlyVariableGenesResult | HvgBatchedResult {
  checkOptions('highlyVariableGenes', options, OWN);
  checkMatrix('highlyVariableGenes', x, ['csr', 'csc', 'dense']);
  const args = resolveHvgOptions(options);
  const batch = options.batch ?? null;
  const { fn, csr } = dispatchCsr('highlyVariableGenes', x, options);
  if (batch === null) return fn(csr, args);
  const { codes, labels } = batchCodes(batch, csr.shape[0]);
  // subset and filterGenes copy/count exactly, so their backend does not change the result: a
  // resident matrix uses its own backend (it stays resident); a plain one the auto choice, so
  // a backend without those kernels (cuda) still runs the statistics under strict.
  const dispatch: DispatchOptions = {};
  if (isHandle(csr)) {
    if (options.backend !== undefined) dispatch.backend = options.backend;
    if (options.strict !== undefined) dispatch.strict = options.strict;
    if (options.backendOptions !== undefined) dispatch.backendOptions = options.backendOptions;
  }
  if (args.flavor === 'seurat_v3' || args.flavor === 'seurat_v3_paper') {
    return seuratV3Batched(x, csr, fn, args, options, dispatch, codes, labels);
  }
  const ngenes = csr.shape[1];
  const parts: HvgBatchPart[] = [];
  for (let b = 0; b < labels.length; b++) {
    const rows: number[] = [];
    for (let i = 0; i < codes.length; i++) if (codes[i] === b) rows.push(i);
    const cells = subset(csr, { ...dispatch, rows: Int32Array.from(rows) });
    try {
      const { mask } = filterGenes(cells, { ...dispatch, minCells: 1 });
      const genes: number[] = [];
      for (let j = 0; j < ngenes; j++) if (mask[j]) genes.push(j);
      const expressed = genes.length === ngenes ? cells : subset(cells, { ...dispatch, cols: Int32Array.from(genes) });
      try {
        parts.push({ genes: Int32Array.from(genes), result: fn(expressed, args) as HvgDispersionResult });
      } finally {
        if (expressed !== cells && isHandle(expressed)) expressed.free();
      }
    } finally {
      if (isHandle(cells)) cells.free();
    }
  }
  return combineHvgBatches(ngenes, args, labels, parts);
}

/**
 * seurat_v3 / seurat_v3_paper with a batch, as scanpy's `_highly_variable_genes_seurat_v3`:
 * `means` / `variances` of all cells (the kernel's own mean/variance pass, expm1MeanVar, in the
 * backend that runs `fn`), then per batch the single-batch computation `fn` on the batch's cells
 * and all genes (no filter_genes in this flavor), combined by combineHvgSeuratV3Batches.
 */
function seuratV3Batched(
  x: StatsInput,
  csr: CsrInput,
  fn: KernelSignatures['highlyVariableGenes'],
  args: HvgArgs,
  options: HighlyVariableGenesOptions,
  dispatch: DispatchOptions,
  codes: Int32Array,
  labels: (string | number)[],
): HvgBatchedSeuratV3Result {
  const ncells = csr.shape[0];
  const parts: HvgSeuratV3BatchPart[] = [];
  for (let b = 0; b < labels.length; b++) {
    const rows: number[] = [];
    for (let i = 0; i < ncells; i++) if (codes[i] === b) rows.push(i);
    const cells = rows.length === ncells ? csr : subset(csr, { ...dispatch, rows: Int32Array.from(rows) });
    try {
      const r = fn(cells, args) as HvgSeuratV3Result;
      parts.push({ variancesNorm: r.variancesNorm, highlyVariableRank: r.highlyVariableRank });
    } catch (e) {
      if (e instanceof InvalidInputError) {
        throw new InvalidInputError(`${e.message} (in batch ${JSON.stringify(labels[b])}, ${rows.length} cells)`);
      }
      throw e;
    } finally {
      if (cells !== csr && isHandle(cells)) cells.free();
    }
  }
  return combineHvgSeuratV3Batches(args, labels, overallMeanVar(x, csr, fn, args, options), parts);
}

/**
 * scanpy's `df["means"], df["variances"] = _get_mean_var(data)` over all cells: the expm1MeanVar
 * kernel (without expm1) of the backend that runs highlyVariableGenes — the same pass, with the
 * same bits, as the `means` / `variances` of a single-batch call — or, when that backend has
 * no expm1MeanVar, the columns of a single-batch call on the whole matrix.
 */
function overallMeanVar(
  x: StatsInput,
  csr: CsrInput,
  fn: KernelSignatures['highlyVariableGenes'],
  args: HvgArgs,
  options: HighlyVariableGenesOptions,
): { mean: Float64Array; var: Float64Array } {
  const { backend } = dispatchOn('highlyVariableGenes', isDenseHandle(x) ? x : csr, options);
  if (typeof backend.kernels.expm1MeanVar === 'function') {
    const own: DispatchOptions = { backend: backend.name, strict: true };
    if (options.backendOptions !== undefined) own.backendOptions = options.backendOptions;
    return dispatchOn('expm1MeanVar', csr, own).fn(csr, { expm1: false });
  }
  const r = fn(csr, args) as HvgSeuratV3Result;
  return { mean: r.means, var: r.variances };
}

/** Batch codes in pandas' category order (sorted unique labels: numbers ascending, strings by code point). */
function batchCodes(batch: unknown, ncells: number): { codes: Int32Array; labels: (string | number)[] } {
  const fail = (why: string): never => {
    throw new InvalidOptionError(`highlyVariableGenes: batch must be one label per cell (string[], or integers as number[] / Int32Array); ${why}`);
  };
  if (!(Array.isArray(batch) || batch instanceof Int32Array)) fail(`got ${Object.prototype.toString.call(batch)}`);
  const arr = batch as ArrayLike<unknown>;
  if (arr.length !== ncells) fail(`got ${arr.length} labels for ${ncells} cells`);
  const isStr = ncells > 0 && typeof arr[0] === 'string';
  for (let i = 0; i < ncells; i++) {
    const v = arr[i];
    if (isStr ? typeof v !== 'string' : !(typeof v === 'number' && Number.isInteger(v))) {
      fail(`label ${i} is ${JSON.stringify(v) ?? String(v)}, expected ${isStr ? 'a string like label 0' : 'an integer'}`);
    }
  }
  const unique = [...new Set(Array.from(arr as ArrayLike<string | number>))];
  const cmpStr = (a: string, b: string): number => {
    const ca = Array.from(a, (c) => c.codePointAt(0)!);
    const cb = Array.from(b, (c) => c.codePointAt(0)!);
    for (let k = 0; k < Math.min(ca.length, cb.length); k++) if (ca[k] !== cb[k]) return ca[k]! - cb[k]!;
    return ca.length - cb.length;
  };
  unique.sort((a, b) => (isStr ? cmpStr(a as string, b as string) : (a as number) - (b as number)));
  const index = new Map(unique.map((l, k) => [l, k]));
  const codes = new Int32Array(ncells);
  for (let i = 0; i < ncells; i++) codes[i] = index.get(arr[i] as string | number)!;
  return { codes, labels: unique };
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
