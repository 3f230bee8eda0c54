import { type DispatchOptions, checkOptions } from '../dispatch/index.js';
import { InvalidOptionError } from '../errors.js';
import type { CsrInput } from '../runtime/handles.js';
import { checkCsr, dispatchOn } from './operand.js';

/** Options of log1p. */
export interface Log1pOptions extends DispatchOptions {
  /** Logarithm base; default null (natural log). Must be > 0 and ≠ 1. */
  base?: number | null;
}

/**
 * log(1 + x) of every stored value, like `scanpy.pp.log1p` (sparse: on `.data`; zeros stay
 * zero). With `base`, the result is divided by log(base). Returns a new matrix sharing the
 * structure; the dtype is kept (f32 stays f32). Accuracy: ≤ 4 ULP of the output dtype against
 * a float64 reference (wasm: Highway Log1p, 2 ULP). Threads: element-wise blocks in
 * simd-threads, bit-identical for any thread count.
 */
export function log1p<T extends CsrInput>(x: T, options: Log1pOptions = {}): T {
  checkOptions('log1p', options, ['base']);
  checkCsr('log1p', x);
  const base = options.base ?? null;
  if (base !== null && !(typeof base === 'number' && base > 0 && base !== 1 && Number.isFinite(base))) {
    throw new InvalidOptionError(`log1p: base must be a finite number > 0 and ≠ 1, or null; got ${base}`);
  }
  return dispatchOn('log1p', x, options).fn(x, { base });
}
