import { CscMatrix, CsrMatrix, allocFloat } from '../../matrix/index.js';
import type { CsrInput } from '../../runtime/handles.js';
import type { KernelArgs } from '../types.js';
import { plain } from './plain.js';

/** Transposes a compressed structure (nmajor slices over nminor positions), as scipy's csr_tocsc. */
function transpose(
  x: { indptr: Int32Array; indices: Int32Array; data: Float32Array | Float64Array; dtype: 'f32' | 'f64' },
  nmajor: number,
  nminor: number,
): { indptr: Int32Array; indices: Int32Array; data: Float32Array | Float64Array } {
  const nnz = x.indptr[nmajor]!;
  const indptr = new Int32Array(nminor + 1);
  for (let k = 0; k < nnz; k++) indptr[x.indices[k]! + 1]!++;
  for (let j = 0; j < nminor; j++) indptr[j + 1]! += indptr[j]!;
  const next = indptr.slice(0, nminor);
  const indices = new Int32Array(nnz);
  const data = allocFloat(x.dtype, nnz);
  for (let m = 0; m < nmajor; m++) {
    for (let k = x.indptr[m]!; k < x.indptr[m + 1]!; k++) {
      const p = next[x.indices[k]!]!++;
      indices[p] = m;
      data[p] = x.data[k]!;
    }
  }
  return { indptr, indices, data };
}

/** Reference CSR → CSC (scipy `tocsc()`): row indices sorted in every column, duplicates and explicit zeros kept. */
export function toCsc(input: CsrInput, _args: KernelArgs['toCsc']): CscMatrix {
  const x = plain(input);
  const [nrows, ncols] = x.shape;
  return new CscMatrix({ shape: [nrows, ncols], ...transpose(x, nrows, ncols) });
}

/** Reference CSC → CSR (scipy `tocsr()`): column indices sorted in every row. */
export function toCsr(x: CscMatrix, _args: KernelArgs['toCsr']): CsrMatrix {
  const [nrows, ncols] = x.shape;
  return new CsrMatrix({ shape: [nrows, ncols], ...transpose(x, ncols, nrows) });
}
