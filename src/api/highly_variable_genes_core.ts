/**
 * The backend-independent part of `highlyVariableGenes` (scanpy.pp.highly_variable_genes,
 * scanpy 1.11.5, one batch; `combineHvgBatches` (seurat, cell_ranger) and
 * `combineHvgSeuratV3Batches` (seurat_v3, seurat_v3_paper) combine per-batch results as its
 * batch_key paths): everything after the per-gene statistics, written once in float64 so that every
 * backend, given the same statistics, makes the same selection. Backends supply the two matrix
 * passes (`HvgPrimitives`); this module does the binning (pandas.cut), the
 * per-bin normalisation (pandas groupby mean/std, median/MAD), the LOESS of seurat_v3
 * (./loess.ts) and the selection.
 *
 * Each step follows the reference's arithmetic, including its quirks:
 * - seurat: `mean == 0 → 1e-12`; `disp = var / mean`; `disp == 0 → NaN`; `log(disp)`;
 *   `mean = log1p(mean)`; `nBins` equal-width bins over [min, max] of the means (numpy
 *   linspace, the first edge lowered by 0.1 % of the range, right-closed as pandas.cut);
 *   per bin the Kahan mean and Welford ddof-1 std of the non-NaN dispersions (pandas'
 *   group_mean / group_var); a bin whose std is NaN (one non-NaN gene) gets avg 0 and dev =
 *   its mean, so that gene's normalised dispersion is 1 (or NaN when its dispersion is 0).
 * - cell_ranger: raw means (`0 → 1e-12`), `disp = var / mean`; bin edges −∞, the 10th…100th
 *   percentiles (step 5, numpy "linear") and +∞; repeated edges raise as pandas does ("Bin
 *   edges must be unique" — whenever ≥ ~10 % of the genes have mean 0). Per bin: median of the
 *   non-NaN dispersions and statsmodels' MAD, `median(|d − median(d)| / 0.6744897501960817)`.
 * - n_top_genes (seurat, cell_ranger): cutoff = the n-th largest non-NaN normalised dispersion;
 *   selected = `nan_to_num(norm, nan=−inf) >= cutoff`, so ties at the cutoff are all selected
 *   (201 genes for n_top_genes = 200 on mouse10k cell_ranger). Without n_top_genes:
 *   `nan_to_num(norm)` (NaN → 0, ±inf → ±max float) then `minMean < mean < maxMean` and
 *   `minDisp < norm < maxDisp`.
 * - seurat_v3: LOESS (span, degree 2) of log10(var) on log10(mean) over the genes with var > 0
 *   (the others get 0), `reg_std = sqrt(10^fit)`, `clip = reg_std·sqrt(n) + mean`,
 *   `norm = 1/((n−1)·reg_std²) · (n·mean² + Σc² − 2·Σc·mean)`; genes ranked by norm
 *   descending. Ties: scanpy ranks with numpy's unstable argsort; here ties keep gene order
 *   (stable), so tied genes at the cut-off may be swapped relative to scanpy (on mouse10k 73
 *   genes tie at the cut-off and 35 are taken).
 * @module
 */
import { InvalidInputError } from '../errors.js';
import { selectFloat64, sortedMedianMad } from '../numeric.js';
import { loess1d } from './loess.js';

/** HVG flavours (scanpy names). `seurat_v3_paper` gives the same result as `seurat_v3` for one batch. */
export const HVG_FLAVORS = ['seurat', 'cell_ranger', 'seurat_v3', 'seurat_v3_paper'] as const;
export type HvgFlavor = (typeof HVG_FLAVORS)[number];

/** Resolved arguments of the highlyVariableGenes kernel (defaults applied). */
export interface HvgArgs {
  flavor: HvgFlavor;
  /** Number of genes to select, or null to select by the mean/dispersion cutoffs (seurat, cell_ranger). */
  nTopGenes: number | null;
  minMean: number;
  maxMean: number;
  minDisp: number;
  maxDisp: number;
  nBins: number;
  span: number;
}

/** Result of the dispersion-based flavours (scanpy's DataFrame columns, per gene). */
export interface HvgDispersionResult {
  flavor: 'seurat' | 'cell_ranger';
  /** `means`: log1p of the mean of expm1(X) (seurat) or the mean of X (cell_ranger); 0 → 1e-12 first. */
  means: Float64Array;
  /** `dispersions`: log(var/mean) (seurat; NaN where var = 0) or var/mean (cell_ranger). */
  dispersions: Float64Array;
  /** `dispersions_norm`: dispersion normalised within its mean bin. */
  dispersionsNorm: Float64Array;
  /** `mean_bin` as its pandas.cut category code (−1 = NaN). */
  meanBin: Int32Array;
  /** `highly_variable`: 1 for selected genes. */
  highlyVariable: Uint8Array;
}

/** Result of seurat_v3 (scanpy's DataFrame columns, per gene; `gene_name` omitted). */
export interface HvgSeuratV3Result {
  flavor: 'seurat_v3' | 'seurat_v3_paper';
  /** `means` of X. */
  means: Float64Array;
  /** `variances` of X (ddof 1). */
  variances: Float64Array;
  /** `variances_norm`: variance of the clipped, regularised-standardised values. */
  variancesNorm: Float64Array;
  /** `highly_variable_rank`: 0-based rank by variancesNorm for the selected genes, NaN for the others. */
  highlyVariableRank: Float64Array;
  /** `highly_variable`: 1 for the nTopGenes best-ranked genes. */
  highlyVariable: Uint8Array;
}

/** What highlyVariableGenes returns; `flavor` tells which columns are present. */
export type HighlyVariableGenesResult = HvgDispersionResult | HvgSeuratV3Result;

/** The two matrix passes a backend provides (over the same cells × genes matrix). */
export interface HvgPrimitives {
  /** Per-gene mean and ddof-1 variance of expm1(X) (`expm1`) or X, scanpy's sparse minor-axis arithmetic. */
  meanVar(expm1: boolean): { mean: Float64Array; var: Float64Array };
  /** Per-gene Σ min(x, clip[j]) and Σ min(x, clip[j])² over the stored values. */
  clippedSums(clip: Float64Array): { sum: Float64Array; sumSq: Float64Array };
}

/** statsmodels' GAUSSIAN_3_4 = scipy.stats.norm.ppf(0.75). */
const MAD_C = 0.6744897501960817;
const MAX_FLOAT = Number.MAX_VALUE;

/** Runs highly_variable_genes for a matrix of `shape` from the statistics the backend computes. */
export function computeHvg(shape: readonly [number, number], args: HvgArgs, prim: HvgPrimitives): HighlyVariableGenesResult {
  if (args.flavor === 'seurat_v3' || args.flavor === 'seurat_v3_paper') return seuratV3(shape, args, prim);
  return dispersionFlavor(shape, args, prim);
}

function dispersionFlavor(shape: readonly [number, number], args: HvgArgs, prim: HvgPrimitives): HvgDispersionResult {
  const flavor = args.flavor as 'seurat' | 'cell_ranger';
  const ngenes = shape[1];
  const { mean, var: variance } = prim.meanVar(flavor === 'seurat');
  const means = new Float64Array(ngenes);
  const disp = new Float64Array(ngenes);
  for (let j = 0; j < ngenes; j++) {
    const m = mean[j] === 0 ? 1e-12 : mean[j]!;
    let d = variance[j]! / m;
    if (flavor === 'seurat') {
      if (d === 0) d = NaN;
      d = Math.log(d);
      means[j] = Math.log1p(m);
    } else means[j] = m;
    disp[j] = d;
  }
  const { meanBin, dispersionsNorm } = normalizeDispersions(flavor, means, disp, args.nBins);
  const highlyVariable = new Uint8Array(ngenes);
  if (args.nTopGenes !== null) {
    const finite = withoutNaN(dispersionsNorm);
    if (finite.length === 0) {
      throw new InvalidInputError(`highlyVariableGenes: no gene has a normalized dispersion (all NaN), so there is no top ${args.nTopGenes}`);
    }
    const n = Math.min(args.nTopGenes, ngenes, finite.length);
    const cutoff = selectFloat64(finite, finite.length - n); // the n-th largest
    for (let j = 0; j < ngenes; j++) highlyVariable[j] = nanToNum(dispersionsNorm[j]!, -Infinity) >= cutoff ? 1 : 0;
  } else {
    for (let j = 0; j < ngenes; j++) {
      const d = nanToNum(dispersionsNorm[j]!, 0);
      const m = means[j]!;
      highlyVariable[j] = m > args.minMean && m < args.maxMean && d > args.minDisp && d < args.maxDisp ? 1 : 0;
    }
  }
  return { flavor, means, dispersions: disp, dispersionsNorm, meanBin, highlyVariable };
}

/**
 * The per-bin normalisation of seurat / cell_ranger from scanpy's `means` and `dispersions`
 * columns: pandas.cut bins of the means, then (disp − avg) / dev within each bin.
 */
export function normalizeDispersions(
  flavor: 'seurat' | 'cell_ranger',
  means: Float64Array,
  disp: Float64Array,
  nBins: number,
): { meanBin: Int32Array; dispersionsNorm: Float64Array } {
  const ngenes = means.length;
  const edges = flavor === 'seurat' ? equalWidthEdges(means, nBins) : percentileEdges(means);
  const meanBin = cut(means, edges);
  const nbins = edges.length - 1;
  const avg = new Float64Array(nbins).fill(NaN);
  const dev = new Float64Array(nbins).fill(NaN);
  // each bin's dispersions, in gene order (a counting sort by bin)
  const start = new Int32Array(nbins + 1);
  for (let j = 0; j < ngenes; j++) if (meanBin[j]! >= 0) start[meanBin[j]! + 1]!++;
  for (let b = 0; b < nbins; b++) start[b + 1]! += start[b]!;
  const grouped = new Float64Array(start[nbins]!);
  const next = start.slice(0, nbins);
  for (let j = 0; j < ngenes; j++) if (meanBin[j]! >= 0) grouped[next[meanBin[j]!]!++] = disp[j]!;
  for (let b = 0; b < nbins; b++) {
    if (start[b] === start[b + 1]) continue;
    const values = grouped.subarray(start[b]!, start[b + 1]!);
    if (flavor === 'seurat') {
      avg[b] = kahanMean(values);
      dev[b] = welfordStd(values);
      if (Number.isNaN(dev[b]!)) {
        dev[b] = avg[b]!;
        avg[b] = 0;
      }
    } else {
      // pandas' median (NaN skipped) and statsmodels' mad; `grouped` is scratch, so each bin
      // is sorted in place once for both
      [avg[b], dev[b]] = sortedMedianMad(values.sort(), MAD_C);
    }
  }
  const dispersionsNorm = new Float64Array(ngenes);
  for (let j = 0; j < ngenes; j++) {
    const b = meanBin[j]!;
    dispersionsNorm[j] = b < 0 ? NaN : (disp[j]! - avg[b]!) / dev[b]!;
  }
  return { meanBin, dispersionsNorm };
}

function seuratV3(shape: readonly [number, number], args: HvgArgs, prim: HvgPrimitives): HvgSeuratV3Result {
  const [ncells, ngenes] = shape;
  const { mean, var: variance } = prim.meanVar(false);
  const idx: number[] = [];
  for (let j = 0; j < ngenes; j++) if (variance[j]! > 0) idx.push(j);
  const estimatVar = new Float64Array(ngenes);
  if (idx.length > 0) {
    const lx = idx.map((j) => Math.log10(mean[j]!));
    const ly = idx.map((j) => Math.log10(variance[j]!));
    const fit = loess1d(lx, ly, { span: args.span, degree: 2 });
    idx.forEach((j, i) => (estimatVar[j] = fit[i]!));
  } else {
    throw new InvalidInputError('highlyVariableGenes: flavor "seurat_v3" needs genes with variance > 0; every gene is constant');
  }
  const regStd = estimatVar.map((e) => Math.sqrt(10 ** e));
  const vmax = Math.sqrt(ncells);
  const clip = new Float64Array(ngenes);
  for (let j = 0; j < ngenes; j++) clip[j] = regStd[j]! * vmax + mean[j]!;
  const { sum, sumSq } = prim.clippedSums(clip);
  const variancesNorm = new Float64Array(ngenes);
  for (let j = 0; j < ngenes; j++) {
    const m = mean[j]!;
    const r = regStd[j]!;
    variancesNorm[j] = (1 / ((ncells - 1) * (r * r))) * (ncells * (m * m) + sumSq[j]! - 2 * sum[j]! * m);
  }
  // argsort(argsort(-x)): descending, NaN last; ties in gene order (numpy's is unspecified).
  const order = Array.from({ length: ngenes }, (_, j) => j);
  order.sort((a, b) => {
    const va = variancesNorm[a]!;
    const vb = variancesNorm[b]!;
    const na = Number.isNaN(va);
    const nb = Number.isNaN(vb);
    if (na || nb) return na === nb ? a - b : na ? 1 : -1;
    return vb > va ? 1 : vb < va ? -1 : a - b;
  });
  const nTop = args.nTopGenes ?? 2000;
  const highlyVariableRank = new Float64Array(ngenes).fill(NaN);
  const highlyVariable = new Uint8Array(ngenes);
  for (let r = 0; r < ngenes && r < nTop; r++) {
    highlyVariableRank[order[r]!] = r;
    highlyVariable[order[r]!] = 1;
  }
  return { flavor: args.flavor as HvgSeuratV3Result['flavor'], means: mean, variances: variance, variancesNorm, highlyVariableRank, highlyVariable };
}

/** numpy.nan_to_num(x, nan=nan): NaN → nan, ±inf → ±max float. */
function nanToNum(x: number, nan: number): number {
  if (Number.isNaN(x)) return nan;
  if (x === Infinity) return MAX_FLOAT;
  if (x === -Infinity) return -MAX_FLOAT;
  return x;
}

/** pandas.cut(x, bins=n) edges: numpy linspace over [min, max], first edge lowered by 0.1 % of the range. */
function equalWidthEdges(x: Float64Array, nbins: number): Float64Array {
  if (x.length === 0) throw new InvalidInputError('highlyVariableGenes: the matrix has no genes (pandas: "Cannot cut empty array")');
  let mn = Infinity;
  let mx = -Infinity;
  for (const v of x) {
    if (Number.isNaN(v)) continue;
    mn = Math.min(mn, v);
    mx = Math.max(mx, v);
  }
  if (!Number.isFinite(mn) || !Number.isFinite(mx)) {
    throw new InvalidInputError('highlyVariableGenes: gene means are infinite or all NaN, so they cannot be binned (pandas: "cannot specify integer `bins` when input data contains infinity")');
  }
  if (mn === mx) {
    mn -= mn !== 0 ? 0.001 * Math.abs(mn) : 0.001;
    mx += mx !== 0 ? 0.001 * Math.abs(mx) : 0.001;
    return linspace(mn, mx, nbins + 1);
  }
  const edges = linspace(mn, mx, nbins + 1);
  edges[0]! -= (mx - mn) * 0.001;
  return edges;
}

/** numpy.linspace(start, stop, num) with endpoint: i·step + start, last = stop. */
function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const div = num - 1;
  const delta = stop - start;
  const step = delta / div;
  for (let i = 0; i < num; i++) out[i] = (step === 0 ? (i / div) * delta : i * step) + start;
  if (num > 1) out[num - 1] = stop;
  return out;
}

/** cell_ranger edges: [−∞, percentiles 10, 15, …, 100 of x, +∞]; pandas' checks on them. */
function percentileEdges(x: Float64Array): Float64Array {
  if (x.length === 0) throw new InvalidInputError('highlyVariableGenes: the matrix has no genes');
  const sorted = x.slice().sort(); // NaN sorts last, as numpy
  const n = sorted.length;
  const hasNaN = Number.isNaN(sorted[n - 1]!);
  const edges = [-Infinity];
  for (let p = 10; p <= 100; p += 5) edges.push(hasNaN ? NaN : percentileSorted(sorted, p / 100));
  edges.push(Infinity);
  for (let i = 1; i < edges.length; i++) {
    if (!(edges[i]! >= edges[i - 1]!)) {
      throw new InvalidInputError('highlyVariableGenes: flavor "cell_ranger": the mean-bin edges do not increase (a gene mean is NaN); pandas: "bins must increase monotonically."');
    }
  }
  for (let i = 1; i < edges.length; i++) {
    if (edges[i] === edges[i - 1]) {
      const zeros = Array.from(x).filter((v) => v === 1e-12).length;
      throw new InvalidInputError(
        `highlyVariableGenes: flavor "cell_ranger" needs distinct mean-bin edges (the 10th, 15th, …, 100th percentiles of the gene means), ` +
          `but edge ${i} repeats the value ${edges[i]} (${zeros} of ${n} genes have mean 0); scanpy raises "ValueError: Bin edges must be unique" here. ` +
          'Drop unexpressed genes first (e.g. keep genes detected in at least one cell).',
      );
    }
  }
  return Float64Array.from(edges);
}

/** numpy.percentile(..., method="linear") of ascending `s` at quantile q (q = p / 100). */
function percentileSorted(s: Float64Array, q: number): number {
  const n = s.length;
  const vi = (n - 1) * q;
  if (vi >= n - 1) return s[n - 1]!;
  const prev = Math.floor(vi);
  const a = s[prev]!;
  const b = s[prev + 1]!;
  const gamma = vi - prev;
  const diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/** pandas.cut codes for right-closed bins: searchsorted(edges, x, "left") − 1; −1 outside or NaN. */
function cut(x: Float64Array, edges: Float64Array): Int32Array {
  const codes = new Int32Array(x.length);
  const nb = edges.length;
  for (let j = 0; j < x.length; j++) {
    const v = x[j]!;
    if (Number.isNaN(v)) {
      codes[j] = -1;
      continue;
    }
    let lo = 0;
    let hi = nb; // first index with edges[i] >= v
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (edges[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    codes[j] = lo === 0 || lo === nb ? -1 : lo - 1;
  }
  return codes;
}

/** pandas group_mean: Kahan-compensated sum of the non-NaN values / their count. */
function kahanMean(values: ArrayLike<number>): number {
  let sum = 0;
  let comp = 0;
  let nobs = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    nobs++;
    const y = v - comp;
    const t = sum + y;
    comp = t - sum - y;
    if (Number.isNaN(comp)) comp = 0;
    sum = t;
  }
  return nobs === 0 ? NaN : sum / nobs;
}

/** pandas group_var (Welford) with ddof 1, then sqrt; NaN with fewer than 2 non-NaN values. */
function welfordStd(values: ArrayLike<number>): number {
  let nobs = 0;
  let mean = 0;
  let ssq = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    nobs++;
    const old = mean;
    mean += (v - old) / nobs;
    ssq += (v - mean) * (v - old);
  }
  return nobs <= 1 ? NaN : Math.sqrt(ssq / (nobs - 1));
}

/** The values of `a` that are not NaN, in order (a loop: TypedArray.prototype.filter calls a function per value). */
function withoutNaN(a: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === a[i]) out[m++] = a[i]!;
  return out.subarray(0, m);
}

/**
 * Result of seurat / cell_ranger with a batch (scanpy's `batch_key`): the columns of scanpy's
 * `_highly_variable_genes_batched`, per gene, in gene order. No `mean_bin` (scanpy drops it).
 */
export interface HvgBatchedDispersionResult {
  flavor: 'seurat' | 'cell_ranger';
  /** The batches in scanpy's order (the categories: sorted unique labels). */
  batches: (string | number)[];
  /** `means`: mean over the batches of the per-batch means (0 in a batch where the gene is not expressed). */
  means: Float64Array;
  /** `dispersions`: mean over the batches, NaN skipped (NaN only when NaN in every batch). */
  dispersions: Float64Array;
  /**
   * `dispersions_norm`: mean over the batches, NaN skipped; without nTopGenes NaN → 0
   * (scanpy's fillna(0)), with nTopGenes NaN stays.
   */
  dispersionsNorm: Float64Array;
  /** `highly_variable`: 1 for selected genes. */
  highlyVariable: Uint8Array;
  /** `highly_variable_nbatches`: in how many batches the gene was selected. */
  highlyVariableNbatches: Int32Array;
  /** `highly_variable_intersection`: 1 where the gene was selected in every batch. */
  highlyVariableIntersection: Uint8Array;
}

/**
 * Result of seurat_v3 / seurat_v3_paper with a batch (scanpy's `batch_key`): the columns of
 * scanpy's `_highly_variable_genes_seurat_v3` with a batch, per gene, in gene order
 * (`gene_name` omitted).
 */
export interface HvgBatchedSeuratV3Result {
  flavor: 'seurat_v3' | 'seurat_v3_paper';
  /** The batches in scanpy's order (`np.unique` of the labels: sorted unique labels). */
  batches: (string | number)[];
  /** `means` of X over all cells (not per batch). */
  means: Float64Array;
  /** `variances` of X over all cells (ddof 1). */
  variances: Float64Array;
  /** `variances_norm`: mean over the batches of each batch's normalised variance (its own LOESS fit and clip). */
  variancesNorm: Float64Array;
  /**
   * `highly_variable_rank`: median over the batches where the gene is among that batch's
   * nTopGenes best of its 0-based rank there (numpy's masked median; x.5 for an even count);
   * NaN when it is in none.
   */
  highlyVariableRank: Float64Array;
  /** `highly_variable_nbatches`: in how many batches the gene ranks among the nTopGenes best. */
  highlyVariableNbatches: Int32Array;
  /**
   * `highly_variable`: 1 for the first nTopGenes genes by (highlyVariableRank ascending,
   * highlyVariableNbatches descending) for seurat_v3, by (nbatches descending, rank ascending)
   * for seurat_v3_paper; NaN ranks last, ties in gene order (pandas' stable sort).
   */
  highlyVariable: Uint8Array;
}

/**
 * What highlyVariableGenes returns with a batch; `flavor` tells which columns are present
 * (seurat / cell_ranger: HvgBatchedDispersionResult; seurat_v3 / seurat_v3_paper:
 * HvgBatchedSeuratV3Result).
 */
export type HvgBatchedResult = HvgBatchedDispersionResult | HvgBatchedSeuratV3Result;

/** One batch's single-batch result over its expressed genes `genes` (indices into all genes, ascending). */
export interface HvgBatchPart {
  genes: Int32Array;
  result: HvgDispersionResult;
}

/**
 * scanpy's `_highly_variable_genes_batched` combination, from the single-batch results of each
 * batch (run on the batch's cells and its expressed genes, `filter_genes(min_cells=1)`), in
 * batch order. A gene not expressed in a batch counts there with means = dispersions =
 * dispersions_norm = 0 and not selected. Columns: pandas groupby mean (Kahan sum of the non-NaN
 * values / their count) and sum. Selection: with nTopGenes, the first nTopGenes genes by
 * (nbatches descending, dispersions_norm descending, NaN last) — exactly nTopGenes, ties in gene
 * order (scanpy: var-name order); otherwise dispersions_norm NaN → 0 and the four cut-offs
 * (exclusive) on the averaged means and dispersions_norm.
 */
export function combineHvgBatches(
  ngenes: number,
  args: HvgArgs,
  batches: (string | number)[],
  parts: HvgBatchPart[],
): HvgBatchedDispersionResult {
  const flavor = args.flavor as 'seurat' | 'cell_ranger';
  const nb = parts.length;
  const pos = parts.map((p) => {
    const m = new Int32Array(ngenes).fill(-1);
    p.genes.forEach((j, k) => (m[j] = k));
    return m;
  });
  const means = new Float64Array(ngenes);
  const dispersions = new Float64Array(ngenes);
  const dispersionsNorm = new Float64Array(ngenes);
  const nbatches = new Int32Array(ngenes);
  const intersection = new Uint8Array(ngenes);
  const col = (j: number, pick: (r: HvgDispersionResult) => Float64Array): number[] =>
    parts.map((p, b) => {
      const k = pos[b]![j]!;
      return k < 0 ? 0 : pick(p.result)[k]!;
    });
  for (let j = 0; j < ngenes; j++) {
    means[j] = kahanMean(col(j, (r) => r.means));
    dispersions[j] = kahanMean(col(j, (r) => r.dispersions));
    dispersionsNorm[j] = kahanMean(col(j, (r) => r.dispersionsNorm));
    let s = 0;
    parts.forEach((p, b) => {
      const k = pos[b]![j]!;
      if (k >= 0) s += p.result.highlyVariable[k]!;
    });
    nbatches[j] = s;
    intersection[j] = s === nb ? 1 : 0;
  }
  const highlyVariable = new Uint8Array(ngenes);
  if (args.nTopGenes !== null) {
    const order = Array.from({ length: ngenes }, (_, j) => j);
    order.sort((a, b) => {
      if (nbatches[a] !== nbatches[b]) return nbatches[b]! - nbatches[a]!;
      const va = dispersionsNorm[a]!;
      const vb = dispersionsNorm[b]!;
      const na = Number.isNaN(va);
      const nn = Number.isNaN(vb);
      if (na || nn) return na === nn ? a - b : na ? 1 : -1;
      return vb > va ? 1 : vb < va ? -1 : a - b;
    });
    for (let r = 0; r < ngenes && r < args.nTopGenes; r++) highlyVariable[order[r]!] = 1;
  } else {
    for (let j = 0; j < ngenes; j++) {
      if (Number.isNaN(dispersionsNorm[j]!)) dispersionsNorm[j] = 0;
      const d = dispersionsNorm[j]!;
      const m = means[j]!;
      highlyVariable[j] = m > args.minMean && m < args.maxMean && d > args.minDisp && d < args.maxDisp ? 1 : 0;
    }
  }
  return { flavor, batches, means, dispersions, dispersionsNorm, highlyVariable, highlyVariableNbatches: nbatches, highlyVariableIntersection: intersection };
}

/** One batch's single-batch seurat_v3 columns over all genes (the batch's cells only). */
export interface HvgSeuratV3BatchPart {
  /** The batch's `variances_norm`. */
  variancesNorm: Float64Array;
  /** The batch's 0-based rank by variancesNorm for its nTopGenes best genes, NaN for the others. */
  highlyVariableRank: Float64Array;
}

/**
 * scanpy's seurat_v3 batch combination (`_highly_variable_genes_seurat_v3` with batch_key),
 * from the single-batch result of each batch (its cells, all genes), in batch order, and the
 * `means` / `variances` of all cells. Per gene: `variances_norm` = Σ_b norm_b / nbatches
 * (numpy's mean over axis 0: sequential sum, NaN propagates); `highly_variable_nbatches` = the
 * batches where its rank is < nTopGenes; `highly_variable_rank` = numpy's masked median of
 * those ranks (float32 in scanpy; the values, integers or x.5, are exact here too), NaN when
 * none. Selection: the first nTopGenes genes sorted by (rank ascending, nbatches descending)
 * for seurat_v3 and (nbatches descending, rank ascending) for seurat_v3_paper, NaN ranks last,
 * ties in gene order (pandas' multi-column sort is stable).
 */
export function combineHvgSeuratV3Batches(
  args: HvgArgs,
  batches: (string | number)[],
  stats: { mean: Float64Array; var: Float64Array },
  parts: HvgSeuratV3BatchPart[],
): HvgBatchedSeuratV3Result {
  const flavor = args.flavor as HvgBatchedSeuratV3Result['flavor'];
  const ngenes = stats.mean.length;
  const nb = parts.length;
  const variancesNorm = new Float64Array(ngenes);
  const rank = new Float64Array(ngenes);
  const nbatches = new Int32Array(ngenes);
  const ranks: number[] = [];
  for (let j = 0; j < ngenes; j++) {
    let s = 0;
    ranks.length = 0;
    for (let b = 0; b < nb; b++) {
      s += parts[b]!.variancesNorm[j]!;
      const r = parts[b]!.highlyVariableRank[j]!;
      if (!Number.isNaN(r)) ranks.push(r);
    }
    variancesNorm[j] = s / nb;
    nbatches[j] = ranks.length;
    rank[j] = maskedMedianF32(ranks);
  }
  const byRank = (a: number, b: number): number => {
    const ra = rank[a]!;
    const rb = rank[b]!;
    const na = Number.isNaN(ra);
    const nn = Number.isNaN(rb);
    if (na || nn) return na === nn ? 0 : na ? 1 : -1;
    return ra - rb;
  };
  const byNbatches = (a: number, b: number): number => nbatches[b]! - nbatches[a]!;
  const [first, second] = flavor === 'seurat_v3' ? [byRank, byNbatches] : [byNbatches, byRank];
  const order = Array.from({ length: ngenes }, (_, j) => j);
  order.sort((a, b) => first(a, b) || second(a, b) || a - b);
  const nTop = args.nTopGenes ?? 2000;
  const highlyVariable = new Uint8Array(ngenes);
  for (let r = 0; r < ngenes && r < nTop; r++) highlyVariable[order[r]!] = 1;
  return {
    flavor,
    batches,
    means: stats.mean,
    variances: stats.var,
    variancesNorm,
    highlyVariableRank: rank,
    highlyVariableNbatches: nbatches,
    highlyVariable,
  };
}

/** numpy.ma.median of float32 values (no NaN among them): the middle value, or the float32 mean of the two middle ones; NaN when empty. */
function maskedMedianF32(values: number[]): number {
  const n = values.length;
  if (n === 0) return NaN;
  const s = values.slice().sort((a, b) => a - b);
  const h = n >> 1;
  return n % 2 === 1 ? s[h]! : Math.fround(Math.fround(s[h - 1]! + s[h]!) / 2);
}
