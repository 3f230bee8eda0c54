import { CscMatrix, DenseMatrix, type DType } from '../../matrix/index.js';
import { DenseHandle, checkResidentIn } from '../../runtime/handles.js';
import type { AllocScope, KernelModule } from '../../runtime/module.js';
import type { StatsInput } from '../types.js';
import { csrPtrs } from './abi.js';

/** Layouts of the C ABI (the `<layout>` of `ck_<kernel>_<layout>_<dtype>`). */
export type AbiLayout = 'csr' | 'csc' | 'dense';

/** A matrix operand of any layout as module pointers (indptr/indices are 0 for dense). */
export interface MatrixPtrs {
  layout: AbiLayout;
  indptr: number;
  indices: number;
  data: number;
  nrows: number;
  ncols: number;
  dtype: DType;
}

/**
 * Pointers of `x` in `mod`: a resident CSR or dense handle's own arrays (no copy), or the
 * arrays of a plain CSR, CSC or dense matrix copied into `scope` (freed when the call ends).
 */
export function matrixPtrs(mod: KernelModule, x: StatsInput, scope: AllocScope): MatrixPtrs {
  const [nrows, ncols] = x.shape;
  if (x instanceof DenseHandle) {
    checkResidentIn(x, mod);
    return { layout: 'dense', indptr: 0, indices: 0, data: x.ptr, nrows, ncols, dtype: x.dtype };
  }
  if (x instanceof DenseMatrix) {
    return { layout: 'dense', indptr: 0, indices: 0, data: scope.copyIn(x.data), nrows, ncols, dtype: x.dtype };
  }
  if (x instanceof CscMatrix) {
    const nnz = x.nnz;
    return {
      layout: 'csc',
      indptr: scope.copyIn(x.indptr),
      indices: scope.copyIn(x.indices.subarray(0, nnz)),
      data: scope.copyIn(x.data.subarray(0, nnz)),
      nrows,
      ncols,
      dtype: x.dtype,
    };
  }
  const p = csrPtrs(mod, x, scope);
  return { layout: 'csr', indptr: p.indptr, indices: p.indices, data: p.data, nrows, ncols, dtype: p.dtype };
}

/** The leading ABI arguments of a matrix: (indptr, indices, data, nrows, ncols) or, dense, (data, nrows, ncols). */
export function matrixArgs(p: MatrixPtrs): number[] {
  return p.layout === 'dense' ? [p.data, p.nrows, p.ncols] : [p.indptr, p.indices, p.data, p.nrows, p.ncols];
}

/** `ck_<kernel>_<layout>_<dtype>` for every layout and dtype. */
export function allLayoutSymbols(kernel: string): string[] {
  return (['csr', 'csc', 'dense'] as const).flatMap((l) => [`ck_${kernel}_${l}_f32`, `ck_${kernel}_${l}_f64`]);
}
