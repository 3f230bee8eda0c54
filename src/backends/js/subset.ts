import { CsrMatrix, allocFloat } from '../../matrix/index.js';
import type { CsrInput } from '../../runtime/handles.js';
import type { KernelArgs } from '../types.js';
import { plain } from './plain.js';

/**
 * Reference subset `X[rows][:, cols]`: output row i is input row rows[i], output column k is
 * input column cols[k] (null: all). Each output row keeps the input order of its entries when
 * cols is non-decreasing; otherwise it is sorted by the new column index (ties in input order).
 */
export function subset<T extends CsrInput>(input: T, { rows, cols }: KernelArgs['subset']): T {
  const x = plain(input);
  const [nrows, ncols] = x.shape;
  const rowList = rows ?? Int32Array.from({ length: nrows }, (_, i) => i);
  // New positions of each input column, in increasing order.
  const newCols: number[][] | null = cols ? Array.from({ length: ncols }, () => []) : null;
  let monotone = true;
  cols?.forEach((j, k) => {
    newCols![j]!.push(k);
    if (k > 0 && j < cols[k - 1]!) monotone = false;
  });
  const outIdx: number[] = [];
  const outVal: number[] = [];
  const indptr = new Int32Array(rowList.length + 1);
  rowList.forEach((r, i) => {
    const row: [number, number][] = [];
    for (let k = x.indptr[r]!; k < x.indptr[r + 1]!; k++) {
      const j = x.indices[k]!;
      for (const p of newCols ? newCols[j]! : [j]) row.push([p, x.data[k]!]);
    }
    if (!monotone) row.sort((a, b) => a[0] - b[0]); // stable: ties keep input order
    for (const [p, v] of row) {
      outIdx.push(p);
      outVal.push(v);
    }
    indptr[i + 1] = outIdx.length;
  });
  const data = allocFloat(x.dtype, outVal.length);
  data.set(outVal);
  return new CsrMatrix({ shape: [rowList.length, cols ? cols.length : ncols], data, indices: Int32Array.from(outIdx), indptr }) as T;
}
