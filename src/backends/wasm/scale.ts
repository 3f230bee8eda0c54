import { DenseMatrix } from '../../matrix/index.js';
import { DenseHandle, allocBuffer, isHandle } from '../../runtime/handles.js';
import type { KernelArgs, ScaleOutput, ScaleResult, TransformInput } from '../types.js';
import type { AbiKernel } from './abi.js';
import { type OperandPtrs, operandPtrs, runLayout, transformValues } from './normalize_total.js';

/**
 * scale through `ck_scale_{csr,csc,dense}_{f32,f64}`. Zero-centring a sparse input gives a
 * dense float64 matrix: a DenseHandle in the module for a resident input (nothing is copied
 * out), a DenseMatrix otherwise. Without centring the result keeps the input's layout,
 * dtype and residency. Only the mask (in) and mean/std (out) cross as vectors.
 */
export const scaleKernel: AbiKernel<'scale'> = {
  name: 'scale',
  symbols: ['csr', 'csc', 'dense'].flatMap((l) => [`ck_scale_${l}_f32`, `ck_scale_${l}_f64`]),
  impl: (mod) => (x: TransformInput, { zeroCenter, maxValue, mask, inPlace }: KernelArgs['scale']): ScaleResult<ScaleOutput> => {
    const [nrows, ncols] = x.shape;
    let mean: Float64Array | undefined;
    let std: Float64Array | undefined;
    const call = (p: OperandPtrs, out: number, s: { alloc(b: number): number; copyIn(a: ArrayBufferView): number }) => {
      const m = s.alloc(ncols * 8);
      const sd = s.alloc(ncols * 8);
      const maskPtr = mask ? s.copyIn(mask) : 0;
      const tail = [maskPtr, zeroCenter ? 1 : 0, maxValue === null ? 0 : 1, maxValue ?? 0, m, sd, out];
      const sym = `ck_scale_${p.layout}_${p.dtype}`;
      if (p.layout === 'dense') runLayout(mod, p.layout, sym, p.data, nrows, ncols, ...tail);
      else runLayout(mod, p.layout, sym, p.indptr, p.indices, p.data, nrows, ncols, ...tail);
      mean = mod.copyOut(Float64Array, m, ncols);
      std = mod.copyOut(Float64Array, sd, ncols);
    };
    if (!zeroCenter || x instanceof DenseMatrix || x instanceof DenseHandle) {
      const X = transformValues(mod, x, 'all', call, inPlace);
      return { X, mean: mean!, std: std! };
    }
    // Sparse input, zero-centred: dense float64 output.
    const n = nrows * ncols;
    if (isHandle(x)) {
      const buf = allocBuffer(mod, n * 8);
      try {
        mod.scoped((s) => call(operandPtrs(mod, x, s), buf.ptr, s));
      } catch (e) {
        buf.release();
        throw e;
      }
      return { X: new DenseHandle(x.backend, mod, [nrows, ncols], 'f64', buf), mean: mean!, std: std! };
    }
    return mod.scoped((s) => {
      const out = s.alloc(n * 8);
      call(operandPtrs(mod, x, s), out, s);
      const X = new DenseMatrix({ shape: [nrows, ncols], data: mod.copyOut(Float64Array, out, n) });
      return { X, mean: mean!, std: std! };
    });
  },
};
