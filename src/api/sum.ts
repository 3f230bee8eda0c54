import { type DispatchOptions, checkOptions } from '../dispatch/index.js';
import { InvalidOptionError } from '../errors.js';
import type { CsrInput } from '../runtime/handles.js';
import { checkCsr, dispatchOn } from './operand.js';

/** Options of sum. */
export interface SumOptions extends DispatchOptions {
  /** 1 (default): one sum per row (cell totals); 0: one per column (gene totals). */
  axis?: 0 | 1;
}

/**
 * Sums along an axis in float64 whatever the input dtype (numpy `X.sum(axis, dtype=float64)`).
 * Accuracy: within 64·eps·max(|ref|, 1) of an exact sum. Threads: column sums use a fixed
 * number of row chunks merged in order, so every thread count gives identical bits.
 */
export function sum(x: CsrInput, options: SumOptions = {}): Float64Array {
  checkOptions('sum', options, ['axis']);
  checkCsr('sum', x);
  const axis = options.axis ?? 1;
  if (axis !== 0 && axis !== 1) throw new InvalidOptionError(`sum: axis must be 0 or 1, got ${String(axis)}`);
  return dispatchOn('sum', x, options).fn(x, { axis });
}
