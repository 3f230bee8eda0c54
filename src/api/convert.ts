import { type DispatchOptions, checkOptions } from '../dispatch/index.js';
import { InvalidInputError } from '../errors.js';
import { CscMatrix, CsrMatrix } from '../matrix/index.js';
import { type CsrInput, isHandle } from '../runtime/handles.js';
import { dispatchOn } from './operand.js';

/** Options of toCsc / toCsr (dispatch options only). */
export type ConvertOptions = DispatchOptions;

/**
 * The same matrix in CSC layout, exactly as scipy's `X.tocsc()`: every stored value kept
 * (explicit zeros and duplicates too), row indices sorted within each column whatever the
 * input order, values copied bit for bit. A CscMatrix is returned as is. Resident input gives
 * a plain CscMatrix (resident handles are CSR only). Threads: fixed chunks, identical output.
 */
export function toCsc(x: CsrInput | CscMatrix, options: ConvertOptions = {}): CscMatrix {
  checkOptions('toCsc', options, []);
  if (x instanceof CscMatrix) return x;
  if (!(x instanceof CsrMatrix) && !isHandle(x)) throw new InvalidInputError(`toCsc: expected a CsrMatrix, a resident handle or a CscMatrix, got ${describe(x)}`);
  if (isHandle(x) && x.freed) throw new InvalidInputError('toCsc: the resident matrix was freed');
  return dispatchOn('toCsc', x, options).fn(x, {});
}

/**
 * The same matrix in CSR layout, exactly as scipy's `X.tocsr()` (column indices sorted within
 * each row). A CsrMatrix or resident handle is returned as is.
 */
export function toCsr(x: CscMatrix, options?: ConvertOptions): CsrMatrix;
export function toCsr<T extends CsrInput>(x: T, options?: ConvertOptions): T;
export function toCsr(x: CsrInput | CscMatrix, options: ConvertOptions = {}): CsrInput {
  checkOptions('toCsr', options, []);
  if (x instanceof CsrMatrix || isHandle(x)) return x;
  if (!(x instanceof CscMatrix)) throw new InvalidInputError(`toCsr: expected a CscMatrix (or a CSR matrix, returned as is), got ${describe(x)}`);
  return dispatchOn('toCsr', x, options).fn(x, {});
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x !== 'object') return typeof x;
  return (x as object).constructor?.name ?? 'an object';
}
