import type { KernelArgs, StatsInput } from '../types.js';
import { forEachEntry, plainMatrix } from './entries.js';

/**
 * Reference non-zero counts along an axis: values with x != 0 (NaN counts, explicit zeros do
 * not) — `getnnz(axis)` after `eliminate_zeros()`, `np.count_nonzero(X, axis)` — or, with
 * `positive`, values with x > 0 (`(X > 0).sum(axis)`).
 */
export function nnzCount(input: StatsInput, { axis, positive }: KernelArgs['nnzCount']): Int32Array {
  const x = plainMatrix(input);
  const out = new Int32Array(x.shape[axis === 1 ? 0 : 1]);
  forEachEntry(x, (r, c, v) => {
    if (positive ? v > 0 : v !== 0) out[axis === 1 ? r : c]!++;
  });
  return out;
}
