import type { CsrInput } from '../../runtime/handles.js';
import type { KernelArgs } from '../types.js';
import { type AbiKernel, mapValues } from './abi.js';

/** log1p through `ck_log1p_csr_{f32,f64}` (values only; the structure is shared). */
export const log1pKernel: AbiKernel<'log1p'> = {
  name: 'log1p',
  symbols: ['ck_log1p_csr_f32', 'ck_log1p_csr_f64'],
  impl:
    (mod) =>
    <T extends CsrInput>(x: T, { base }: KernelArgs['log1p']): T =>
      mapValues(mod, x, (p, dst) => mod.run(`ck_log1p_csr_${p.dtype}`, p.data, p.nnz, base ?? 0, dst)),
};
