import type { KernelArgs, StatsInput } from '../types.js';
import type { AbiKernel } from './abi.js';
import { allLayoutSymbols, matrixArgs, matrixPtrs } from './operands.js';

/** Non-zero counts through `ck_nnz_count_{csr,csc,dense}_{f32,f64}`. */
export const nnzCountKernel: AbiKernel<'nnzCount'> = {
  name: 'nnzCount',
  symbols: allLayoutSymbols('nnz_count'),
  impl: (mod) => (x: StatsInput, { axis, positive }: KernelArgs['nnzCount']) =>
    mod.scoped((s) => {
      const p = matrixPtrs(mod, x, s);
      const len = axis === 1 ? p.nrows : p.ncols;
      const out = s.alloc(len * 4);
      mod.run(`ck_nnz_count_${p.layout}_${p.dtype}`, ...matrixArgs(p), axis, positive ? 1 : 0, out);
      return mod.copyOut(Int32Array, out, len);
    }),
};
