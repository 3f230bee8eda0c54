import type { KernelArgs, StatsInput } from '../types.js';
import { forEachEntry, plainMatrix } from './entries.js';

/**
 * Reference sums along an axis in float64 (numpy `X.sum(axis, dtype=float64)`), CSR, CSC or
 * dense, added sequentially in storage order.
 */
export function sum(input: StatsInput, { axis }: KernelArgs['sum']): Float64Array {
  const x = plainMatrix(input);
  const out = new Float64Array(x.shape[axis === 1 ? 0 : 1]);
  forEachEntry(x, (r, c, v) => {
    out[axis === 1 ? r : c]! += v;
  });
  return out;
}
