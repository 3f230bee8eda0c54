import { CscMatrix, CsrMatrix } from '../../matrix/index.js';
import type { CsrInput } from '../../runtime/handles.js';
import type { KernelArgs } from '../types.js';
import { type AbiKernel, bytesOf, csrPtrs, floatCtor } from './abi.js';

/**
 * The kernel's output is well formed with indices sorted in every slice; they are strictly
 * increasing (the matrix's `sorted`) exactly when the input's were, i.e. it had no duplicate
 * entries. Then the O(nnz) validation pass is skipped; otherwise it runs and finds out.
 */
function trusted<M extends { sorted: boolean }>(m: M, inputSorted: boolean): M {
  if (inputSorted) m.sorted = true;
  return m;
}

/** CSR → CSC through `ck_to_csc_csr_{f32,f64}`; the result is a plain CscMatrix (handles are CSR only). */
export const toCscKernel: AbiKernel<'toCsc'> = {
  name: 'toCsc',
  symbols: ['ck_to_csc_csr_f32', 'ck_to_csc_csr_f64'],
  impl: (mod) => (x: CsrInput, _args: KernelArgs['toCsc']) =>
    mod.scoped((s) => {
      const p = csrPtrs(mod, x, s);
      const [nrows, ncols] = x.shape;
      const oIndptr = s.alloc((ncols + 1) * 4);
      const oIndices = s.alloc(p.nnz * 4);
      const oData = s.alloc(p.nnz * bytesOf(p.dtype));
      mod.run(`ck_to_csc_csr_${p.dtype}`, p.indptr, p.indices, p.data, nrows, ncols, oIndptr, oIndices, oData);
      return trusted(
        new CscMatrix(
          {
            shape: [nrows, ncols],
            indptr: mod.copyOut(Int32Array, oIndptr, ncols + 1),
            indices: mod.copyOut(Int32Array, oIndices, p.nnz),
            data: mod.copyOut(floatCtor(p.dtype), oData, p.nnz),
          },
          { validate: !x.sorted },
        ),
        x.sorted,
      );
    }),
};

/** CSC → CSR through `ck_to_csr_csc_{f32,f64}`; the result is a plain CsrMatrix. */
export const toCsrKernel: AbiKernel<'toCsr'> = {
  name: 'toCsr',
  symbols: ['ck_to_csr_csc_f32', 'ck_to_csr_csc_f64'],
  impl: (mod) => (x: CscMatrix, _args: KernelArgs['toCsr']) =>
    mod.scoped((s) => {
      const [nrows, ncols] = x.shape;
      const nnz = x.nnz;
      const bytes = bytesOf(x.dtype);
      const oIndptr = s.alloc((nrows + 1) * 4);
      const oIndices = s.alloc(nnz * 4);
      const oData = s.alloc(nnz * bytes);
      mod.run(
        `ck_to_csr_csc_${x.dtype}`,
        s.copyIn(x.indptr),
        s.copyIn(x.indices.subarray(0, nnz)),
        s.copyIn(x.data.subarray(0, nnz)),
        nrows,
        ncols,
        oIndptr,
        oIndices,
        oData,
      );
      return trusted(
        new CsrMatrix(
          {
            shape: [nrows, ncols],
            indptr: mod.copyOut(Int32Array, oIndptr, nrows + 1),
            indices: mod.copyOut(Int32Array, oIndices, nnz),
            data: mod.copyOut(floatCtor(x.dtype), oData, nnz),
          },
          { validate: !x.sorted },
        ),
        x.sorted,
      );
    }),
};
