/**
 * Helpers shared by the spatial API functions (squidpy semantics): option checks for seeds,
 * permutation counts and cluster labels; the normal CDF of scipy (Cephes `ndtr`);
 * Benjamini–Hochberg as statsmodels computes it; numpy's summation orders (for the float32
 * arithmetic that squidpy's analytic variance runs in); the row order of squidpy's tables.
 * Everything here runs once per call in TypeScript, whatever backend ran the kernel, so every
 * backend reports the same p-values for the same kernel output.
 * @module
 */
import { InvalidInputError, InvalidOptionError } from '../errors.js';

// ---------------------------------------------------------------------------------------------
// option checks

/** A permutation seed: an integer in [0, 2^53). Default 0 (squidpy's default, None, is not reproducible). */
export function checkSeed(kernel: string, seed: unknown): number {
  const s = seed ?? 0;
  if (typeof s !== 'number' || !Number.isInteger(s) || s < 0 || s > Number.MAX_SAFE_INTEGER) {
    throw new InvalidOptionError(`${kernel}: seed must be an integer in [0, 2^53), got ${String(seed)}`);
  }
  return s;
}

/** A permutation count: a positive integer below 2^31 (or 0/null where allowed). */
export function checkPerms(kernel: string, n: unknown, dflt: number, allowNone: boolean): number {
  if (n === null && allowNone) return 0;
  const v = n ?? dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < (allowNone ? 0 : 1) || v > 0x7fffffff) {
    throw new InvalidOptionError(`${kernel}: nPerms must be an integer ≥ ${allowNone ? '0 (or null)' : '1'}, got ${String(n)}`);
  }
  return v;
}

/**
 * Cluster codes of the cells: integers in [0, nClusters) (−1 marks a cell to leave out where
 * the kernel allows it). Returns the codes as an Int32Array and the number of clusters
 * (`nClusters`, or max code + 1).
 */
export function checkLabels(
  kernel: string,
  labels: unknown,
  n: number,
  nClusters: unknown,
  allowMissing = false,
): { labels: Int32Array; k: number } {
  if (!(labels instanceof Int32Array || labels instanceof Uint8Array || labels instanceof Uint16Array || labels instanceof Uint32Array || labels instanceof Int16Array || Array.isArray(labels))) {
    throw new InvalidInputError(`${kernel}: labels must be an integer typed array or an array of cluster codes`);
  }
  const arr = labels as ArrayLike<number>;
  if (arr.length !== n) throw new InvalidInputError(`${kernel}: labels has ${arr.length} entries, expected one per cell (${n})`);
  const out = new Int32Array(n);
  let max = -1;
  for (let i = 0; i < n; i++) {
    const v = arr[i]!;
    if (!Number.isInteger(v) || v < (allowMissing ? -1 : 0) || v > 0x7fffffff) {
      throw new InvalidInputError(`${kernel}: labels[${i}] = ${v} is not a cluster code (an integer ≥ ${allowMissing ? '−1' : '0'})`);
    }
    out[i] = v;
    if (v > max) max = v;
  }
  let k = max + 1;
  if (nClusters !== undefined && nClusters !== null) {
    if (typeof nClusters !== 'number' || !Number.isInteger(nClusters) || nClusters < 0) {
      throw new InvalidOptionError(`${kernel}: nClusters must be a non-negative integer, got ${String(nClusters)}`);
    }
    if (nClusters < k) throw new InvalidInputError(`${kernel}: labels contain code ${max}, but nClusters is ${nClusters}`);
    k = nClusters;
  }
  return { labels: out, k };
}

// ---------------------------------------------------------------------------------------------
// normal distribution (scipy.special.ndtr = Cephes ndtr, erf, erfc; coefficients by S. Moshier)

const NDTR_P = [
  2.46196981473530512524e-10, 5.64189564831068821977e-1, 7.46321056442269912687e0, 4.86371970985681366614e1, 1.96520832956077098242e2,
  5.26445194995477358631e2, 9.3452852717195760754e2, 1.02755188689515710272e3, 5.57535335369399327526e2,
];
const NDTR_Q = [
  1.32281951154744992508e1, 8.67072140885989742329e1, 3.54937778887819891062e2, 9.75708501743205489753e2, 1.82390916687909736289e3,
  2.24633760818710981792e3, 1.65666309194161350182e3, 5.57535340817727675546e2,
];
const NDTR_R = [5.64189583547755073984e-1, 1.27536670759978104416e0, 5.01905042251180477414e0, 6.16021097993053585195e0, 7.4097426995044893916e0, 2.9788666537210024067e0];
const NDTR_S = [2.2605286322011727659e0, 9.39603524938001434673e0, 1.20489539808096656605e1, 1.70814450747565897222e1, 9.60896809063285878198e0, 3.3690764510008151605e0];
const NDTR_T = [9.60497373987051638749e0, 9.00260197203842689217e1, 2.23200534594684319226e3, 7.00332514112805075473e3, 5.55923013010394962768e4];
const NDTR_U = [3.35617141647503099647e1, 5.21357949780152679795e2, 4.59432382970980127987e3, 2.26290000613890934246e4, 4.92673942608635921086e4];
const MAXLOG = 7.09782712893383996843e2;

function polevl(x: number, c: readonly number[]): number {
  let a = c[0]!;
  for (let i = 1; i < c.length; i++) a = a * x + c[i]!;
  return a;
}

function p1evl(x: number, c: readonly number[]): number {
  let a = x + c[0]!;
  for (let i = 1; i < c.length; i++) a = a * x + c[i]!;
  return a;
}

/** erf(x), Cephes (relative error ≤ 3.7e-16 on [0, 1]). */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return -erf(-x);
  if (Math.abs(x) > 1) return 1 - erfc(x);
  const z = x * x;
  return (x * polevl(z, NDTR_T)) / p1evl(z, NDTR_U);
}

/** erfc(x), Cephes. */
export function erfc(a: number): number {
  if (Number.isNaN(a)) return NaN;
  const x = Math.abs(a);
  if (x < 1) return 1 - erf(a);
  let z = -a * a;
  if (z < -MAXLOG) return a < 0 ? 2 : 0;
  z = Math.exp(z);
  const p = x < 8 ? polevl(x, NDTR_P) : polevl(x, NDTR_R);
  const q = x < 8 ? p1evl(x, NDTR_Q) : p1evl(x, NDTR_S);
  let y = (z * p) / q;
  if (a < 0) y = 2 - y;
  if (y !== 0) return y;
  return a < 0 ? 2 : 0;
}

/** Standard normal CDF, `scipy.stats.norm.cdf` (Cephes ndtr). */
export function ndtr(a: number): number {
  if (Number.isNaN(a)) return NaN;
  const x = a * Math.SQRT1_2;
  const z = Math.abs(x);
  if (z < Math.SQRT1_2) return 0.5 + 0.5 * erf(x);
  const y = 0.5 * erfc(z);
  return x > 0 ? 1 - y : y;
}

/**
 * squidpy's one-tailed normal p-value of a z-score: `1 − Φ(z)` for z > 0, `Φ(z)` otherwise
 * (computed as written, so p underflows to 0 above z ≈ 8.3 exactly as in squidpy); NaN stays NaN.
 */
export function pOneTailed(z: number): number {
  if (Number.isNaN(z)) return NaN;
  return z > 0 ? 1 - ndtr(z) : ndtr(z);
}

// ---------------------------------------------------------------------------------------------
// multiple testing

/**
 * Benjamini–Hochberg adjusted p-values exactly as `statsmodels.stats.multitest.multipletests(p,
 * method="fdr_bh")` computes them: p sorted ascending, p·m/rank, running minimum from the end,
 * capped at 1. A NaN anywhere makes every adjusted value NaN (statsmodels sorts NaN last and
 * the running minimum carries it), which is what squidpy returns.
 */
export function bhFdr(p: Float64Array): Float64Array {
  const m = p.length;
  const out = new Float64Array(m);
  if (m === 0) return out;
  for (let i = 0; i < m; i++) {
    if (Number.isNaN(p[i]!)) return out.fill(NaN);
  }
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => p[a]! - p[b]! || a - b);
  let run = Infinity;
  for (let r = m - 1; r >= 0; r--) {
    const i = order[r]!;
    const ecdf = (r + 1) / m;
    const v = p[i]! / ecdf;
    if (v < run) run = v;
    out[i] = run > 1 ? 1 : run;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// numpy's summation orders

/**
 * numpy's pairwise summation (`np.add.reduce` over a contiguous array): blocks of up to 128
 * values summed with 8 interleaved accumulators, halves (rounded to a multiple of 8) above.
 * `round` is Math.fround for float32 arrays (numpy accumulates float32 in float32) or the
 * identity for float64.
 */
export function numpyPairwiseSum(a: ArrayLike<number>, start: number, n: number, round: (x: number) => number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res = round(res + a[start + i]!);
    return res;
  }
  if (n <= 128) {
    const r = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let j = 0; j < 8; j++) r[j] = a[start + j]!;
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] = round(r[j]! + a[start + i + j]!);
    }
    let res = round(round(round(r[0]! + r[1]!) + round(r[2]! + r[3]!)) + round(round(r[4]! + r[5]!) + round(r[6]! + r[7]!)));
    for (; i < n; i++) res = round(res + a[start + i]!);
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return round(numpyPairwiseSum(a, start, n2, round) + numpyPairwiseSum(a, start + n2, n - n2, round));
}

const identity = (x: number) => x;

/** Rounding of a numpy dtype: Math.fround for float32, identity for float64. */
export function rounding(dtype: 'f32' | 'f64'): (x: number) => number {
  return dtype === 'f32' ? Math.fround : identity;
}

// ---------------------------------------------------------------------------------------------
// table order

/**
 * Row order of `DataFrame.sort_values(by=stat, ascending)` as squidpy calls it: NaN rows last
 * in their original order; ties in their original order (pandas' default sort is not stable
 * for large frames, so squidpy's tie order can differ; ties of real-valued statistics are rare).
 */
export function squidpyOrder(stat: Float64Array, ascending: boolean): Int32Array {
  const idx: number[] = [];
  const nan: number[] = [];
  for (let i = 0; i < stat.length; i++) (Number.isNaN(stat[i]!) ? nan : idx).push(i);
  idx.sort((a, b) => (ascending ? stat[a]! - stat[b]! : stat[b]! - stat[a]!) || a - b);
  return Int32Array.from([...idx, ...nan]);
}
