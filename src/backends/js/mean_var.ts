import type { KernelArgs, MeanVarResult, StatsInput } from '../types.js';
import { alongStoredSlices, forEachEntry, plainMatrix } from './entries.js';

/**
 * Reference mean and variance along an axis (fast_array_utils.stats.mean_var / scanpy
 * _get_mean_var): mean = Σx/n, var = Σx²/n − mean², × n/(n − 1) when ddof = 1 and n ≠ 1, sums
 * in float64 in storage order. Squares are taken in the input dtype (Math.fround for f32)
 * except along stored slices of a sparse matrix (CSR axis 1, CSC axis 0), where the value is
 * cast to float64 first — the two code paths of the reference.
 */
export function meanVar(input: StatsInput, { axis, ddof }: KernelArgs['meanVar']): MeanVarResult {
  const x = plainMatrix(input);
  const len = x.shape[axis === 1 ? 0 : 1];
  const n = x.shape[axis === 1 ? 1 : 0];
  const f32Squares = x.dtype === 'f32' && !alongStoredSlices(x, axis);
  const s = new Float64Array(len);
  const q = new Float64Array(len);
  forEachEntry(x, (r, c, v) => {
    const i = axis === 1 ? r : c;
    s[i]! += v;
    q[i]! += f32Squares ? Math.fround(v * v) : v * v;
  });
  const mean = new Float64Array(len);
  const variance = new Float64Array(len);
  for (let i = 0; i < len; i++) {
    const m = s[i]! / n;
    let v = q[i]! / n - m * m;
    if (ddof !== 0 && n !== 1) v *= n / (n - ddof);
    mean[i] = m;
    variance[i] = v;
  }
  return { mean, var: variance };
}
