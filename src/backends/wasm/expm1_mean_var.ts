import type { CsrInput } from '../../runtime/handles.js';
import type { AllocScope, KernelModule } from '../../runtime/module.js';
import type { KernelArgs } from '../types.js';
import { type AbiKernel, type CsrPtrs, csrPtrs } from './abi.js';

/** Runs `ck_expm1_mean_var_csr_{f32,f64}` on an operand already in the module. */
export function runExpm1MeanVar(mod: KernelModule, s: AllocScope, p: CsrPtrs, expm1: boolean): { mean: Float64Array; var: Float64Array } {
  const mean = s.alloc(p.ncols * 8);
  const variance = s.alloc(p.ncols * 8);
  mod.run(`ck_expm1_mean_var_csr_${p.dtype}`, p.indptr, p.indices, p.data, p.nrows, p.ncols, expm1 ? 1 : 0, mean, variance);
  return { mean: mod.copyOut(Float64Array, mean, p.ncols), var: mod.copyOut(Float64Array, variance, p.ncols) };
}

/** Per-gene mean/variance of expm1(X) or X through `ck_expm1_mean_var_csr_{f32,f64}`. */
export const expm1MeanVarKernel: AbiKernel<'expm1MeanVar'> = {
  name: 'expm1MeanVar',
  symbols: ['ck_expm1_mean_var_csr_f32', 'ck_expm1_mean_var_csr_f64'],
  impl: (mod) => (x: CsrInput, { expm1 }: KernelArgs['expm1MeanVar']) => mod.scoped((s) => runExpm1MeanVar(mod, s, csrPtrs(mod, x, s), expm1)),
};
