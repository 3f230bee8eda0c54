import type { KernelArgs, TransformInput } from '../types.js';
import type { AbiKernel } from './abi.js';
import { transformValues } from './normalize_total.js';

/**
 * log1p through `ck_log1p_{csr,csc,dense}_{f32,f64}` (values only: the structure of a sparse
 * input is shared, never copied).
 */
export const log1pKernel: AbiKernel<'log1p'> = {
  name: 'log1p',
  symbols: ['csr', 'csc', 'dense'].flatMap((l) => [`ck_log1p_${l}_f32`, `ck_log1p_${l}_f64`]),
  impl:
    (mod) =>
    <T extends TransformInput>(x: T, { base, inPlace }: KernelArgs['log1p']): T =>
      transformValues(mod, x, 'data', (p, dst) => mod.run(`ck_log1p_${p.layout}_${p.dtype}`, p.data, p.n, base ?? 0, dst), inPlace),
};
