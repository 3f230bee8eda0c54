import { autocorrWeights } from '../backends/js/spatial_autocorr.js';
import type { SpatialAutocorrRaw } from '../backends/spatial_types.js';
import { type DispatchOptions, checkOptions } from '../dispatch/index.js';
import { InvalidInputError, InvalidOptionError } from '../errors.js';
import { CsrMatrix, DenseMatrix, allocFloat } from '../matrix/index.js';
import { isHandle } from '../runtime/handles.js';
import { dispatchOn } from './operand.js';
import { bhFdr, checkPerms, checkSeed, numpyPairwiseSum, pOneTailed, rounding, squidpyOrder } from './spatial_common.js';

/** Options of spatialAutocorr (squidpy `sq.gr.spatial_autocorr`). */
export interface SpatialAutocorrOptions extends DispatchOptions {
  /** `moran` (default): Moran's I; `geary`: Geary's C. */
  mode?: 'moran' | 'geary';
  /** Columns of X to test (squidpy `genes`); default all. The result's `index` refers to columns of X. */
  genes?: readonly number[] | Int32Array | null;
  /** Row-normalise the weights (default true, squidpy's default). */
  transformation?: boolean;
  /** Permutations for `pval_sim` / `pval_z_sim` / `var_sim`; default null (none, as squidpy). */
  nPerms?: number | null;
  /** Double the analytic p-value (default false). Permutation p-values are never doubled, as in squidpy. */
  twoTailed?: boolean;
  /** Multiple-testing correction of every p-value column: `fdr_bh` (default) or null. */
  corrMethod?: 'fdr_bh' | null;
  /** Seed of the permutation generator (default 0); the same seed gives the same numbers in every backend and thread count. */
  seed?: number;
  /** Order the rows as squidpy does (by the statistic; Moran descending, Geary ascending; NaN last). Default true. */
  sort?: boolean;
}

/** The weight moments of the analytic variance (pysal's S0, S1, S2). */
export interface WeightMoments {
  s0: number;
  s1: number;
  s2: number;
}

/** What spatialAutocorr returns: squidpy's DataFrame as columns, plus the pieces behind it. */
export interface SpatialAutocorrResult {
  mode: 'moran' | 'geary';
  /** Column of X of each row (rows in squidpy's order unless `sort: false`). */
  index: Int32Array;
  /** squidpy's column names in its order: `I`/`C`, `pval_norm`, `var_norm`, [`pval_z_sim`, `pval_sim`, `var_sim`], then `<p>_fdr_bh` for each p column. */
  columns: string[];
  /** The columns by name, one value per row. */
  table: Record<string, Float64Array>;
  /** Analytic expectation: −1/(n−1) for Moran's I, 1 for Geary's C. */
  expected: number;
  /** Analytic z-score, (stat − expected)/sqrt(var_norm), per row. */
  zNorm: Float64Array;
  /** Permutation z-score, (stat − mean of permuted)/std of permuted, per row (null without permutations). */
  zSim: Float64Array | null;
  /** Weight moments the analytic variance used. */
  moments: WeightMoments;
}

const KEYS = ['mode', 'genes', 'transformation', 'nPerms', 'twoTailed', 'corrMethod', 'seed', 'sort'];

/**
 * squidpy's weight moments (`_g_moments`) with its arithmetic: in the graph's dtype (float32
 * for a float32 graph, as scipy sums it) — S0 = Σw (numpy pairwise), S1 = ½Σ(w + wᵀ)² over the
 * union of entries (scipy's canonical order), S2 = Σ(row sums + column sums)².
 */
export function weightMoments(w: CsrMatrix, transformation: boolean): WeightMoments {
  const round = rounding(w.dtype);
  const n = w.shape[0];
  const x = canonical(w);
  const data = autocorrWeights(x, transformation);
  const nnz = x.nnz;
  const s0 = numpyPairwiseSum(data, 0, nnz, round);
  // row sums: np.add.reduceat (first value, then the pairwise sum of the rest); column sums: sequential
  const rs = new Float64Array(n);
  const cs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = x.indptr[i]!;
    const len = x.indptr[i + 1]! - s;
    if (len > 0) rs[i] = len === 1 ? data[s]! : round(data[s]! + numpyPairwiseSum(data, s + 1, len - 1, round));
    for (let k = s; k < s + len; k++) cs[x.indices[k]!] = round(cs[x.indices[k]!]! + data[k]!);
  }
  const sq = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = round(rs[i]! + cs[i]!);
    sq[i] = round(t * t);
  }
  const s2 = numpyPairwiseSum(sq, 0, n, round);
  // (w + wᵀ)²: row r of the union, columns ascending; entries that add up to 0 are dropped
  const tp = transposeCsr(x, data);
  const t2: number[] = [];
  for (let r = 0; r < n; r++) {
    let a = x.indptr[r]!;
    const ae = x.indptr[r + 1]!;
    let b = tp.indptr[r]!;
    const be = tp.indptr[r + 1]!;
    while (a < ae || b < be) {
      const ca = a < ae ? x.indices[a]! : Infinity;
      const cb = b < be ? tp.indices[b]! : Infinity;
      let v: number;
      if (ca === cb) v = round(data[a++]! + tp.data[b++]!);
      else if (ca < cb) v = data[a++]!;
      else v = tp.data[b++]!;
      if (v !== 0) t2.push(round(v * v));
    }
  }
  const s1 = round(numpyPairwiseSum(t2, 0, t2.length, round) / 2);
  return { s0, s1, s2 };
}

/** Rows sorted, duplicates summed (scipy's canonical format); the matrix itself when already so. */
function canonical(w: CsrMatrix): CsrMatrix {
  if (w.sorted) return w;
  const n = w.shape[0];
  const indptr = new Int32Array(n + 1);
  const idx: number[] = [];
  const val: number[] = [];
  const round = rounding(w.dtype);
  for (let i = 0; i < n; i++) {
    const es: [number, number][] = [];
    for (let k = w.indptr[i]!; k < w.indptr[i + 1]!; k++) es.push([w.indices[k]!, w.data[k]!]);
    es.sort((a, b) => a[0] - b[0]);
    for (const [j, v] of es) {
      if (idx.length > indptr[i]! && idx[idx.length - 1] === j) val[val.length - 1] = round(val[val.length - 1]! + v);
      else {
        idx.push(j);
        val.push(v);
      }
    }
    indptr[i + 1] = idx.length;
  }
  const data = allocFloat(w.dtype, val.length);
  data.set(val);
  return new CsrMatrix({ shape: w.shape, data, indices: Int32Array.from(idx), indptr });
}

/** Transpose of a square CSR structure with the given values (rows of the result ascending). */
function transposeCsr(x: CsrMatrix, data: Float64Array): { indptr: Int32Array; indices: Int32Array; data: Float64Array } {
  const n = x.shape[0];
  const nnz = x.nnz;
  const indptr = new Int32Array(n + 1);
  for (let k = 0; k < nnz; k++) indptr[x.indices[k]! + 1]!++;
  for (let j = 0; j < n; j++) indptr[j + 1]! += indptr[j]!;
  const next = indptr.slice(0, n);
  const indices = new Int32Array(nnz);
  const out = new Float64Array(nnz);
  for (let i = 0; i < n; i++) {
    for (let k = x.indptr[i]!; k < x.indptr[i + 1]!; k++) {
      const p = next[x.indices[k]!]!++;
      indices[p] = i;
      out[p] = data[k]!;
    }
  }
  return { indptr, indices, data: out };
}

/**
 * squidpy's analytic variance of I or C under normality, in the moments' dtype arithmetic
 * (numpy scalars: float32 for a float32 graph, with Python ints and floats cast to float32).
 */
export function analyticVariance(mode: 'moran' | 'geary', n: number, m: WeightMoments, dtype: 'f32' | 'f64'): number {
  const r = rounding(dtype);
  const { s0, s1, s2 } = m;
  const s02 = r(s0 * s0);
  if (mode === 'geary') {
    const num = r(r(r(r(2 * s1) + s2) * r(n - 1)) - r(4 * s02));
    return r(num / r(r(2 * (n + 1)) * s02));
  }
  const vNum = r(r(r(r(n * n) * s1) - r(r(n) * s2)) + r(3 * s02));
  const vDen = r(r((n - 1) * (n + 1)) * s02);
  const e2 = r((1 / (n - 1)) ** 2);
  return r(r(vNum / vDen) - e2);
}

/**
 * Moran's I or Geary's C of many features over a spatial weight graph, with squidpy's
 * analytic and permutation p-values — `squidpy.gr.spatial_autocorr(adata, mode, genes,
 * transformation, n_perms, two_tailed, corr_method="fdr_bh", seed)` with `copy=True`.
 *
 * `w` is the n × n weight graph (e.g. `spatialNeighbors(coords).connectivities`; float32 as
 * squidpy stores it, or float64); `x` holds the features of the n cells: a DenseMatrix
 * (cells × features) or a CsrMatrix (cells × genes), of which `genes` selects columns.
 *
 * - Statistic: as scanpy's `metrics.morans_i` / `gearys_c`, in float64 (features cast to
 *   float64); a constant feature gives NaN (squidpy warns). With `transformation`, weights are
 *   row-normalised in the graph's dtype.
 * - Analytic: `var_norm` from the weight moments, computed in the graph's dtype as squidpy does
 *   (float32 for a float32 graph); `pval_norm` = one-tailed normal p of (stat − E)/sqrt(var),
 *   doubled when `twoTailed`.
 * - Permutations (`nPerms`): the rows of the weights are shuffled with the documented
 *   generator (Philox4x32-10, one stream per permutation, src/backends/js/random.ts), so the
 *   numbers are the same for any backend, variant and thread count; they differ from
 *   squidpy's (numpy's PCG64) by sampling noise only. `pval_sim` = (min(#≥, nPerms − #≥) + 1)/
 *   (nPerms + 1), `pval_z_sim` from the permutation mean and standard deviation (ddof 0),
 *   `var_sim` their variance. A constant feature gets `pval_sim` = 1/(nPerms + 1), as squidpy.
 * - `corrMethod: 'fdr_bh'`: Benjamini–Hochberg per p-value column, as statsmodels; a NaN in a
 *   column makes the whole corrected column NaN (squidpy's output whenever a feature is constant).
 *
 * Accuracy: statistics rel 1e-6 of squidpy (same operation order in float64); analytic
 * p-values follow scipy's `ndtr`. Threads: permutations run in parallel in simd-threads, each
 * on its own stream, so 1, 2 or N threads give identical bits.
 */
export function spatialAutocorr(w: CsrMatrix, x: DenseMatrix | CsrMatrix, options: SpatialAutocorrOptions = {}): SpatialAutocorrResult {
  checkOptions('spatialAutocorr', options, KEYS);
  const n = checkGraph('spatialAutocorr', w);
  const mode = options.mode ?? 'moran';
  if (mode !== 'moran' && mode !== 'geary') throw new InvalidOptionError(`spatialAutocorr: mode must be "moran" or "geary", got ${String(mode)}`);
  const transformation = options.transformation ?? true;
  const twoTailed = options.twoTailed ?? false;
  const corr = options.corrMethod === undefined ? 'fdr_bh' : options.corrMethod;
  if (corr !== null && corr !== 'fdr_bh') throw new InvalidOptionError(`spatialAutocorr: corrMethod must be "fdr_bh" or null, got ${String(corr)}`);
  const nPerms = checkPerms('spatialAutocorr', options.nPerms === undefined ? null : options.nPerms, 0, true);
  const seed = checkSeed('spatialAutocorr', options.seed);
  const { features, index } = selectFeatures('spatialAutocorr', x, n, options.genes ?? null);
  const raw = dispatchOn('spatialAutocorr', w, options).fn(w, features, { mode, transformation, nPerms, seed });
  return autocorrTable(raw, w, { mode, transformation, twoTailed, corr, nPerms, sort: options.sort ?? true }, index);
}

/** Moran's I: `spatialAutocorr(w, x, { ...options, mode: 'moran' })`. */
export function moransI(w: CsrMatrix, x: DenseMatrix | CsrMatrix, options: Omit<SpatialAutocorrOptions, 'mode'> = {}): SpatialAutocorrResult {
  return spatialAutocorr(w, x, { ...options, mode: 'moran' });
}

/** Geary's C: `spatialAutocorr(w, x, { ...options, mode: 'geary' })`. */
export function gearysC(w: CsrMatrix, x: DenseMatrix | CsrMatrix, options: Omit<SpatialAutocorrOptions, 'mode'> = {}): SpatialAutocorrResult {
  return spatialAutocorr(w, x, { ...options, mode: 'geary' });
}

/** Checks a square weight graph given as a plain CsrMatrix; returns n. */
export function checkGraph(kernel: string, w: unknown): number {
  if (isHandle(w)) throw new InvalidInputError(`${kernel}: the graph must be a plain CsrMatrix (download() a resident one first)`);
  if (!(w instanceof CsrMatrix)) throw new InvalidInputError(`${kernel}: the graph must be a CsrMatrix (cells × cells), e.g. spatialNeighbors(coords).connectivities`);
  if (w.shape[0] !== w.shape[1]) throw new InvalidInputError(`${kernel}: the graph must be square, got ${w.shape[0]} × ${w.shape[1]}`);
  return w.shape[0];
}

/** The features of the test as a DenseMatrix (cells × selected columns) and the selected column indices. */
function selectFeatures(kernel: string, x: unknown, n: number, genes: readonly number[] | Int32Array | null): { features: DenseMatrix; index: Int32Array } {
  if (!(x instanceof DenseMatrix || x instanceof CsrMatrix)) throw new InvalidInputError(`${kernel}: X must be a DenseMatrix or a CsrMatrix (cells × features)`);
  if (x.shape[0] !== n) throw new InvalidInputError(`${kernel}: X has ${x.shape[0]} rows but the graph has ${n} cells`);
  const m = x.shape[1];
  let index: Int32Array;
  if (genes === null) index = Int32Array.from({ length: m }, (_, i) => i);
  else {
    index = Int32Array.from(genes);
    for (let i = 0; i < index.length; i++) {
      if (!Number.isInteger(genes[i]) || index[i]! < 0 || index[i]! >= m) throw new InvalidOptionError(`${kernel}: genes[${i}] = ${genes[i]} is not a column of X (0…${m - 1})`);
    }
  }
  if (x instanceof DenseMatrix && genes === null) return { features: x, index };
  const f = index.length;
  const data = allocFloat(x.dtype, n * f);
  if (x instanceof DenseMatrix) {
    for (let i = 0; i < n; i++) for (let c = 0; c < f; c++) data[i * f + c] = x.data[i * m + index[c]!]!;
  } else {
    const slot = new Int32Array(m).fill(-1);
    for (let c = f - 1; c >= 0; c--) slot[index[c]!] = c;
    const multi = new Set(index).size !== f;
    for (let i = 0; i < n; i++) {
      for (let k = x.indptr[i]!; k < x.indptr[i + 1]!; k++) {
        const j = x.indices[k]!;
        if (slot[j]! < 0) continue;
        if (!multi) data[i * f + slot[j]!]! += x.data[k]!;
        else for (let c = 0; c < f; c++) if (index[c] === j) data[i * f + c]! += x.data[k]!;
      }
    }
  }
  return { features: new DenseMatrix({ shape: [n, f], data }), index };
}

/** squidpy's table from the kernel's raw output (shared by every backend). */
export function autocorrTable(
  raw: SpatialAutocorrRaw,
  w: CsrMatrix,
  o: { mode: 'moran' | 'geary'; transformation: boolean; twoTailed: boolean; corr: 'fdr_bh' | null; nPerms: number; sort: boolean },
  index: Int32Array,
): SpatialAutocorrResult {
  const n = w.shape[0];
  const m = raw.stat.length;
  const moments = weightMoments(w, o.transformation);
  const v = analyticVariance(o.mode, n, moments, w.dtype);
  const se = rounding(w.dtype)(Math.sqrt(v));
  const expected = o.mode === 'moran' ? -1 / (n - 1) : 1;
  const zNorm = new Float64Array(m);
  const pNorm = new Float64Array(m);
  for (let f = 0; f < m; f++) {
    zNorm[f] = (raw.stat[f]! - expected) / se;
    pNorm[f] = pOneTailed(zNorm[f]!) * (o.twoTailed ? 2 : 1);
  }
  const stat = o.mode === 'moran' ? 'I' : 'C';
  const cols: [string, Float64Array][] = [
    [stat, raw.stat],
    ['pval_norm', pNorm],
    ['var_norm', new Float64Array(m).fill(v)],
  ];
  let zSim: Float64Array | null = null;
  if (o.nPerms > 0 && raw.nGreaterEqual && raw.simMean && raw.simVar) {
    const P = o.nPerms;
    const pSim = new Float64Array(m);
    const pZ = new Float64Array(m);
    zSim = new Float64Array(m);
    for (let f = 0; f < m; f++) {
      let large = raw.nGreaterEqual[f]!;
      if (P - large < large) large = P - large;
      pSim[f] = (large + 1) / (P + 1);
      zSim[f] = (raw.stat[f]! - raw.simMean[f]!) / Math.sqrt(raw.simVar[f]!);
      pZ[f] = pOneTailed(zSim[f]!);
    }
    cols.push(['pval_z_sim', pZ], ['pval_sim', pSim], ['var_sim', Float64Array.from(raw.simVar)]);
  }
  if (o.corr !== null) {
    for (const [name, values] of cols.filter(([c]) => c.includes('pval'))) cols.push([`${name}_${o.corr}`, bhFdr(values)]);
  }
  const order = o.sort ? squidpyOrder(raw.stat, o.mode === 'geary') : Int32Array.from({ length: m }, (_, i) => i);
  const pick = (a: Float64Array) => Float64Array.from(order, (i) => a[i]!);
  const table: Record<string, Float64Array> = {};
  for (const [name, values] of cols) table[name] = pick(values);
  return {
    mode: o.mode,
    index: Int32Array.from(order, (i) => index[i]!),
    columns: cols.map(([c]) => c),
    table,
    expected,
    zNorm: pick(zNorm),
    zSim: zSim ? pick(zSim) : null,
    moments,
  };
}
