import type { CsrInput } from '../../runtime/handles.js';
import type { KernelArgs } from '../types.js';
import { type AbiKernel, csrPtrs } from './abi.js';

/** Axis sums through `ck_sum_csr_{f32,f64}` (float64 accumulation). */
export const sumKernel: AbiKernel<'sum'> = {
  name: 'sum',
  symbols: ['ck_sum_csr_f32', 'ck_sum_csr_f64'],
  impl: (mod) => (x: CsrInput, { axis }: KernelArgs['sum']) =>
    mod.scoped((s) => {
      const p = csrPtrs(mod, x, s);
      const len = axis === 1 ? p.nrows : p.ncols;
      const out = s.alloc(len * 8);
      mod.run(`ck_sum_csr_${p.dtype}`, p.indptr, p.indices, p.data, p.nrows, p.ncols, axis, out);
      return mod.copyOut(Float64Array, out, len);
    }),
};
