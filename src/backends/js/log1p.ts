import { allocFloat } from '../../matrix/index.js';
import type { KernelArgs, TransformInput } from '../types.js';
import { plainInput, storedCount, withValues } from './normalize_total.js';

/**
 * Reference log1p (scanpy.pp.log1p: on `.data` for sparse input, every value for dense):
 * log1p in float64, divided by log(base) in float64 (numpy divides the float32 array by the
 * float64 scalar np.log(base) in float64), rounded once to the output dtype. `inPlace` writes
 * into the input's values and returns the input.
 */
export function log1p<T extends TransformInput>(input: T, { base, inPlace }: KernelArgs['log1p']): T {
  const x = plainInput(input);
  const n = storedCount(x);
  const out = inPlace ? x.data : allocFloat(x.dtype, n);
  const div = base === null ? 1 : Math.log(base);
  for (let i = 0; i < n; i++) out[i] = Math.log1p(x.data[i]!) / div;
  return inPlace ? input : (withValues(x, out) as T);
}
