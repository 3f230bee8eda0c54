import type { CsrInput } from '../../runtime/handles.js';
import type { KernelArgs } from '../types.js';
import { plain } from './plain.js';

/** Reference sums of a CSR matrix along an axis, in float64 (numpy `X.sum(axis)`). */
export function sum(input: CsrInput, { axis }: KernelArgs['sum']): Float64Array {
  const x = plain(input);
  const [nrows, ncols] = x.shape;
  const { indptr, indices, data } = x;
  if (axis === 1) {
    const out = new Float64Array(nrows);
    for (let r = 0; r < nrows; r++) {
      let s = 0;
      for (let k = indptr[r]!; k < indptr[r + 1]!; k++) s += data[k]!;
      out[r] = s;
    }
    return out;
  }
  const out = new Float64Array(ncols);
  for (let k = 0; k < x.nnz; k++) out[indices[k]!]! += data[k]!;
  return out;
}
