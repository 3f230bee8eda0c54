import type { StatsInput } from '../backends/types.js';
import { type DispatchOptions, checkOptions } from '../dispatch/index.js';
import { InvalidOptionError } from '../errors.js';
import { type IntegerMatrix, promoteIntegers } from './normalize_total.js';
import { checkMatrix, dispatchOn } from './operand.js';

/** Options of sum. */
export interface SumOptions extends DispatchOptions {
  /** 1 (default): one sum per row (cell totals); 0: one per column (gene totals). */
  axis?: 0 | 1;
}

/** Checks an axis option (0 or 1). */
export function checkAxis(kernel: string, axis: unknown): 0 | 1 {
  if (axis !== 0 && axis !== 1) throw new InvalidOptionError(`${kernel}: axis must be 0 or 1, got ${String(axis)}`);
  return axis;
}

/**
 * The stats kernels' input: CSR (plain or resident), CSC or dense; integer counts
 * (IntegerMatrix) are converted to float64 first, which is exact for |x| < 2^53.
 */
export function statsInput(kernel: string, x: unknown): StatsInput {
  const m = promoteIntegers(kernel, x, 'f64');
  checkMatrix(kernel, m, ['csr', 'csc', 'dense']);
  return m;
}

/**
 * Sums along an axis in float64 whatever the input dtype (numpy `X.sum(axis, dtype=float64)`),
 * of a CSR (plain or resident), CSC or dense matrix. NaN and infinities propagate as in numpy.
 * Accuracy: within 64·eps·max(|ref|, 1) of an exact sum. Threads: reductions across stored
 * slices use a fixed number of chunks merged in order, so every thread count gives identical
 * bits.
 */
export function sum(x: StatsInput | IntegerMatrix, options: SumOptions = {}): Float64Array {
  checkOptions('sum', options, ['axis']);
  const m = statsInput('sum', x);
  const axis = checkAxis('sum', options.axis ?? 1);
  return dispatchOn('sum', m, options).fn(m, { axis });
}
