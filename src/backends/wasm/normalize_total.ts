import { InvalidInputError } from '../../errors.js';
import { numpyMedian } from '../../numeric.js';
import { CscMatrix, type DType, DenseMatrix, type FloatArray, allocFloat } from '../../matrix/index.js';
import { type CsrHandle, DenseHandle, allocBuffer, checkResidentIn, isHandle, isResident } from '../../runtime/handles.js';
import type { AllocScope, KernelModule } from '../../runtime/module.js';
import type { KernelArgs, NormalizeTotalResult, TransformInput } from '../types.js';
import { type AbiKernel, bytesOf, csrPtrs, floatCtor } from './abi.js';

/** Matrix layouts of the C ABI. */
export type Layout = 'csr' | 'csc' | 'dense';

/** A transform operand as module pointers (indptr/indices 0 for dense or when not copied). */
export interface OperandPtrs {
  layout: Layout;
  indptr: number;
  indices: number;
  data: number;
  nrows: number;
  ncols: number;
  /** Stored values: nnz, or rows · cols for dense. */
  n: number;
  dtype: DType;
}

/**
 * Pointers of any transform input: a resident CSR handle's own arrays (no copy), or the arrays
 * of a plain CSR/CSC/dense matrix copied into `scope` (`parts: 'data'` copies only values).
 */
export function operandPtrs(mod: KernelModule, x: TransformInput, scope: AllocScope, parts: 'all' | 'data' = 'all'): OperandPtrs {
  const [nrows, ncols] = x.shape;
  if (x instanceof DenseHandle) {
    checkResidentIn(x, mod);
    return { layout: 'dense', indptr: 0, indices: 0, data: x.ptr, nrows, ncols, n: nrows * ncols, dtype: x.dtype };
  }
  if (x instanceof DenseMatrix) {
    const n = nrows * ncols;
    return { layout: 'dense', indptr: 0, indices: 0, data: scope.copyIn(x.data.subarray(0, n)), nrows, ncols, n, dtype: x.dtype };
  }
  if (x instanceof CscMatrix) {
    const nnz = x.nnz;
    return {
      layout: 'csc',
      indptr: parts === 'all' ? scope.copyIn(x.indptr) : 0,
      indices: parts === 'all' ? scope.copyIn(x.indices.subarray(0, nnz)) : 0,
      data: scope.copyIn(x.data.subarray(0, nnz)),
      nrows,
      ncols,
      n: nnz,
      dtype: x.dtype,
    };
  }
  const p = csrPtrs(mod, x, scope, parts);
  return { layout: 'csr', indptr: p.indptr, indices: p.indices, data: p.data, nrows, ncols, n: p.nnz, dtype: p.dtype };
}

/** The same plain matrix with new values (padded when the input's data array is longer than nnz). */
export function withValues<T extends TransformInput>(x: T, values: FloatArray): T {
  if (isResident(x)) throw new Error('internal: withValues on a handle');
  let data = values;
  if (values.length !== x.data.length) {
    data = allocFloat(x.dtype, x.data.length);
    data.set(values.subarray(0, Math.min(values.length, data.length)));
  }
  return x.withData(data) as T;
}

/**
 * Runs a same-structure value transform. `compute(p, dst, scope)` writes `p.n` values at dst
 * (which equals p.data for a plain input: the temporary copy is transformed in place). A
 * resident input gives a resident result (a CsrHandle sharing the structure, or a new
 * DenseHandle); a plain one a plain matrix. `inPlace`: dst is the input's own values (a
 * handle's module buffer; for a plain input its array, written once the kernel has succeeded)
 * and the input itself is returned.
 */
export function transformValues<T extends TransformInput>(
  mod: KernelModule,
  x: T,
  parts: 'all' | 'data',
  compute: (p: OperandPtrs, dst: number, scope: AllocScope) => void,
  inPlace = false,
): T {
  if (isResident(x)) {
    if (inPlace) {
      mod.scoped((s) => {
        const p = operandPtrs(mod, x, s);
        compute(p, p.data, s);
      });
      return x;
    }
    const n = x instanceof DenseHandle ? x.shape[0] * x.shape[1] : x.nnz;
    const out = allocBuffer(mod, n * bytesOf(x.dtype));
    try {
      mod.scoped((s) => compute(operandPtrs(mod, x, s), out.ptr, s));
    } catch (e) {
      out.release();
      throw e;
    }
    return (x instanceof DenseHandle ? new DenseHandle(x.backend, mod, x.shape, x.dtype, out) : (x as CsrHandle).withData(out)) as T;
  }
  return mod.scoped((s) => {
    const p = operandPtrs(mod, x, s, parts);
    compute(p, p.data, s);
    const values = mod.copyOut(floatCtor(p.dtype), p.data, p.n);
    if (!inPlace) return withValues(x, values);
    x.data.set(values);
    return x;
  });
}

/**
 * mod.run for a layout: a bad index reported by a CSC kernel names the column it was found
 * in (the module's generic message says "row").
 */
export function runLayout(mod: KernelModule, layout: Layout, symbol: string, ...args: number[]): void {
  try {
    mod.run(symbol, ...args);
  } catch (e) {
    const m = layout === 'csc' && e instanceof InvalidInputError ? /an index at row (\d+) is outside/.exec(e.message) : null;
    if (m) throw new InvalidInputError(`${symbol}: a row index in column ${m[1]} is outside the matrix`);
    throw e;
  }
}

const LAYOUTS: readonly Layout[] = ['csr', 'csc', 'dense'];

/**
 * normalize_total through `ck_normalize_total_counts_<layout>_<dtype>` (totals, gene mask)
 * and `ck_normalize_total_<layout>_<dtype>` (factors, scaling). Between the two only vectors
 * cross to JavaScript (totals for the median target, the gene mask, the factors); the
 * matrix stays in the module for a resident input.
 */
export const normalizeTotalKernel: AbiKernel<'normalizeTotal'> = {
  name: 'normalizeTotal',
  symbols: LAYOUTS.flatMap((l) => ['f32', 'f64'].flatMap((d) => [`ck_normalize_total_counts_${l}_${d}`, `ck_normalize_total_${l}_${d}`])),
  impl:
    (mod) =>
    <T extends TransformInput>(x: T, { targetSum, excludeHighlyExpressed, maxFraction, inPlace }: KernelArgs['normalizeTotal']): NormalizeTotalResult<T> => {
      let meta: Omit<NormalizeTotalResult<T>, 'X'> | undefined;
      const X = transformValues(mod, x, 'all', (p, dst, s) => {
        const { layout, dtype, nrows, ncols } = p;
        const totals = s.alloc(nrows * 8);
        const excluded = s.alloc(ncols);
        const exclude = excludeHighlyExpressed ? 1 : 0;
        const counts = `ck_normalize_total_counts_${layout}_${dtype}`;
        if (layout === 'dense') runLayout(mod, layout, counts, p.data, nrows, ncols, exclude, maxFraction, totals, excluded);
        else runLayout(mod, layout, counts, p.indptr, p.indices, p.data, nrows, ncols, exclude, maxFraction, totals, excluded);
        const tot = mod.copyOut(Float64Array, totals, nrows);
        const f32 = dtype === 'f32';
        let target = targetSum;
        if (target === null) {
          const rounded = f32 ? Float64Array.from(tot, Math.fround) : tot;
          target = numpyMedian(layout === 'dense' ? rounded.filter((t) => t > 0) : rounded, f32);
        }
        if (f32) target = Math.fround(target);
        const factors = s.alloc(nrows * bytesOf(dtype));
        const apply = `ck_normalize_total_${layout}_${dtype}`;
        if (layout === 'dense') runLayout(mod, layout, apply, p.data, nrows, ncols, totals, target, factors, dst);
        else if (layout === 'csc') runLayout(mod, layout, apply, p.indptr, p.indices, p.data, nrows, ncols, totals, target, factors, dst);
        else runLayout(mod, layout, apply, p.indptr, p.data, nrows, ncols, totals, target, factors, dst);
        meta = {
          target,
          normFactor: mod.copyOut(floatCtor(dtype), factors, nrows),
          totals: tot,
          excludedGenes: exclude ? mod.copyOut(Uint8Array, excluded, ncols) : null,
        };
      }, inPlace);
      return { X, ...meta! };
    },
};
