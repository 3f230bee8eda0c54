import type { KernelArgs, StatsInput } from '../types.js';
import type { AbiKernel } from './abi.js';
import { allLayoutSymbols, matrixArgs, matrixPtrs } from './operands.js';

/** Axis sums through `ck_sum_{csr,csc,dense}_{f32,f64}` (float64 accumulation). */
export const sumKernel: AbiKernel<'sum'> = {
  name: 'sum',
  symbols: allLayoutSymbols('sum'),
  impl: (mod) => (x: StatsInput, { axis }: KernelArgs['sum']) =>
    mod.scoped((s) => {
      const p = matrixPtrs(mod, x, s);
      const len = axis === 1 ? p.nrows : p.ncols;
      const out = s.alloc(len * 8);
      mod.run(`ck_sum_${p.layout}_${p.dtype}`, ...matrixArgs(p), axis, out);
      return mod.copyOut(Float64Array, out, len);
    }),
};
