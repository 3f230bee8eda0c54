import { CsrMatrix } from './csr.js';
import { type FloatArray, allocFloat, dtypeOf } from './types.js';

/**
 * Dense row-major values (rows × cols) → CSR without the zeros, as scipy's
 * `csr_matrix(dense)`: ±0 are dropped, NaN and every other value kept, column indices
 * increasing within each row (so the result is `sorted` and not re-validated).
 */
export function denseToCsr(v: FloatArray, rows: number, cols: number): CsrMatrix {
  const n = rows * cols;
  let nnz = 0;
  for (let i = 0; i < n; i++) if (v[i] !== 0) nnz++;
  const data = allocFloat(dtypeOf(v), nnz);
  const indices = new Int32Array(nnz);
  const indptr = new Int32Array(rows + 1);
  let k = 0;
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    for (let c = 0; c < cols; c++) {
      const value = v[off + c]!;
      if (value !== 0) {
        data[k] = value;
        indices[k++] = c;
      }
    }
    indptr[r + 1] = k;
  }
  const m = new CsrMatrix({ shape: [rows, cols], data, indices, indptr }, { validate: false });
  m.sorted = true;
  return m;
}
