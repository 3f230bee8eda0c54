import { InvalidInputError } from '../../errors.js';
import { CscMatrix, CsrMatrix, DenseMatrix } from '../../matrix/index.js';
import { isResident } from '../../runtime/handles.js';
import type { StatsInput } from '../types.js';

/** A matrix in JavaScript memory, in any layout. */
export type PlainMatrix = CsrMatrix | CscMatrix | DenseMatrix;

/** The input as a plain matrix; a resident handle is an error (dispatch never sends one here). */
export function plainMatrix(x: StatsInput): PlainMatrix {
  if (isResident(x)) throw new InvalidInputError(`the js backend got a matrix resident in ${x.backend}; download() it first`);
  return x;
}

/**
 * Calls `fn(row, col, value)` for every stored value in storage order: CSR row by row, CSC
 * column by column, dense row-major (every value, zeros included). Reductions written over it
 * add in the order a sequential pass over the arrays does.
 */
export function forEachEntry(x: PlainMatrix, fn: (row: number, col: number, value: number) => void): void {
  const [nrows, ncols] = x.shape;
  if (x instanceof DenseMatrix) {
    for (let r = 0, k = 0; r < nrows; r++) for (let c = 0; c < ncols; c++, k++) fn(r, c, x.data[k]!);
    return;
  }
  const csr = x instanceof CsrMatrix;
  const major = csr ? nrows : ncols;
  for (let m = 0; m < major; m++) {
    for (let k = x.indptr[m]!; k < x.indptr[m + 1]!; k++) {
      if (csr) fn(m, x.indices[k]!, x.data[k]!);
      else fn(x.indices[k]!, m, x.data[k]!);
    }
  }
}

/** Whether reducing along `axis` reduces each stored slice (CSR rows, CSC columns). */
export function alongStoredSlices(x: PlainMatrix | { format: string }, axis: 0 | 1): boolean {
  return (x.format === 'csr' && axis === 1) || (x.format === 'csc' && axis === 0);
}
