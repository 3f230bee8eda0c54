import type { KernelArgs, MeanVarResult, StatsInput } from '../types.js';
import type { AbiKernel } from './abi.js';
import { allLayoutSymbols, matrixArgs, matrixPtrs } from './operands.js';

/** Means and variances through `ck_mean_var_{csr,csc,dense}_{f32,f64}`. */
export const meanVarKernel: AbiKernel<'meanVar'> = {
  name: 'meanVar',
  symbols: allLayoutSymbols('mean_var'),
  impl: (mod) => (x: StatsInput, { axis, ddof }: KernelArgs['meanVar']): MeanVarResult =>
    mod.scoped((s) => {
      const p = matrixPtrs(mod, x, s);
      const len = axis === 1 ? p.nrows : p.ncols;
      const mean = s.alloc(len * 8);
      const variance = s.alloc(len * 8);
      mod.run(`ck_mean_var_${p.layout}_${p.dtype}`, ...matrixArgs(p), axis, ddof, mean, variance);
      return { mean: mod.copyOut(Float64Array, mean, len), var: mod.copyOut(Float64Array, variance, len) };
    }),
};
