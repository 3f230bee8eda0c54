import type { DType } from '../matrix/index.js';

/**
 * Tolerances of KERNELS.md, written once: tests and validateBackend read them from here.
 * - `elementwise`: |out − ref| ≤ 4 ULP of the output dtype, or ≤ rel·|ref| (f32 1e-6, f64 1e-12),
 *   against a float64 reference.
 * - `reduction`: |out − ref| ≤ k·eps·max(|ref|, 1), k = 64, eps of the input dtype.
 * - `exact`: identical values.
 * - `statistic`: |out − ref| ≤ 1e-6·max(|ref|, 1) (statistics, z-scores, dispersions: rel 1e-6 f64).
 */
export type ToleranceKind = 'elementwise' | 'reduction' | 'exact' | 'statistic';

export const KERNEL_TOLERANCE: Record<string, ToleranceKind> = {
  log1p: 'elementwise',
  // transforms family: element-wise outputs; their mean/std/totals vectors are reductions
  normalizeTotal: 'elementwise',
  scale: 'elementwise',
  sum: 'reduction',
  // stats family:
  meanVar: 'reduction',
  nnzCount: 'exact',
  qcMetrics: 'reduction',
  filterCells: 'reduction',
  filterGenes: 'reduction',
  subset: 'exact',
  toCsc: 'exact',
  toCsr: 'exact',
  highlyVariableGenes: 'statistic',
  expm1MeanVar: 'reduction',
  clippedSums: 'reduction',
  // spatial: distances element-wise (graph structure exact); Moran/Geary and the permutation
  // moments statistics (counts ≥ observed exact: same seed, same generator); co-occurrence
  // pair counts exact; ligrec cluster means reductions (p-values exact, same generator).
  spatialNeighbors: 'elementwise',
  spatialAutocorr: 'statistic',
  coOccurrence: 'exact',
  nhoodEnrichment: 'statistic',
  ligrec: 'reduction',
};

const EPS: Record<DType, number> = { f32: 2 ** -23, f64: 2 ** -52 };

/** Spacing of floats of `dtype` at magnitude |x| (one ULP). */
export function ulp(x: number, dtype: DType): number {
  const a = Math.abs(x);
  if (!Number.isFinite(a)) return 0;
  const e = a === 0 ? (dtype === 'f32' ? -126 : -1022) : Math.max(Math.floor(Math.log2(a)), dtype === 'f32' ? -126 : -1022);
  return 2 ** (e - (dtype === 'f32' ? 23 : 52));
}

/** Allowed absolute error for one value, given the kind, the reference value and the dtype. */
export function allowedError(kind: ToleranceKind, ref: number, dtype: DType): number {
  switch (kind) {
    case 'exact':
      return 0;
    case 'elementwise':
      return Math.max(4 * ulp(ref, dtype), (dtype === 'f32' ? 1e-6 : 1e-12) * Math.abs(ref));
    case 'reduction':
      return 64 * EPS[dtype] * Math.max(Math.abs(ref), 1);
    case 'statistic':
      return 1e-6 * Math.max(Math.abs(ref), 1);
  }
}

/** Result of comparing arrays: the worst element, in units of its allowed error. */
export interface Comparison {
  ok: boolean;
  /** Largest |out − ref| / allowed seen (≤ 1 passes). */
  worstRatio: number;
  worstIndex: number;
  worstOut: number;
  worstRef: number;
  message?: string;
}

/**
 * Compares `out` with `ref` element by element. NaN must match NaN and infinities must match
 * exactly.
 */
export function compareArrays(
  out: ArrayLike<number>,
  ref: ArrayLike<number>,
  kind: ToleranceKind,
  dtype: DType,
): Comparison {
  const res: Comparison = { ok: true, worstRatio: 0, worstIndex: -1, worstOut: NaN, worstRef: NaN };
  if (out.length !== ref.length) {
    return { ...res, ok: false, worstRatio: Infinity, message: `length ${out.length}, expected ${ref.length}` };
  }
  for (let i = 0; i < ref.length; i++) {
    const o = out[i]!;
    const r = ref[i]!;
    let ratio: number;
    if (Number.isNaN(r) || Number.isNaN(o)) ratio = Number.isNaN(r) && Number.isNaN(o) ? 0 : Infinity;
    else if (!Number.isFinite(r) || !Number.isFinite(o)) ratio = o === r ? 0 : Infinity;
    else {
      const err = Math.abs(o - r);
      if (err === 0) ratio = 0;
      else {
        const allowed = allowedError(kind, r, dtype);
        ratio = allowed === 0 ? Infinity : err / allowed;
      }
    }
    if (ratio > res.worstRatio) {
      res.worstRatio = ratio;
      res.worstIndex = i;
      res.worstOut = o;
      res.worstRef = r;
    }
  }
  res.ok = res.worstRatio <= 1;
  if (!res.ok) {
    res.message = `element ${res.worstIndex}: got ${res.worstOut}, expected ${res.worstRef} (${res.worstRatio.toFixed(2)}× the ${kind} tolerance)`;
  }
  return res;
}
