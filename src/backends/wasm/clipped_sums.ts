import { InvalidInputError } from '../../errors.js';
import type { CsrInput } from '../../runtime/handles.js';
import type { AllocScope, KernelModule } from '../../runtime/module.js';
import type { KernelArgs } from '../types.js';
import { type AbiKernel, type CsrPtrs, csrPtrs } from './abi.js';

/** Runs `ck_clipped_sums_csr_{f32,f64}` on an operand already in the module. */
export function runClippedSums(mod: KernelModule, s: AllocScope, p: CsrPtrs, clip: Float64Array): { sum: Float64Array; sumSq: Float64Array } {
  if (clip.length !== p.ncols) throw new InvalidInputError(`clippedSums: clip has ${clip.length} values for ${p.ncols} columns`);
  const clipPtr = s.copyIn(clip);
  const sum = s.alloc(p.ncols * 8);
  const sumSq = s.alloc(p.ncols * 8);
  mod.run(`ck_clipped_sums_csr_${p.dtype}`, p.indptr, p.indices, p.data, p.nrows, p.ncols, clipPtr, sum, sumSq);
  return { sum: mod.copyOut(Float64Array, sum, p.ncols), sumSq: mod.copyOut(Float64Array, sumSq, p.ncols) };
}

/** Per-gene sums of clipped values and of their squares through `ck_clipped_sums_csr_{f32,f64}`. */
export const clippedSumsKernel: AbiKernel<'clippedSums'> = {
  name: 'clippedSums',
  symbols: ['ck_clipped_sums_csr_f32', 'ck_clipped_sums_csr_f64'],
  impl: (mod) => (x: CsrInput, { clip }: KernelArgs['clippedSums']) => mod.scoped((s) => runClippedSums(mod, s, csrPtrs(mod, x, s), clip)),
};
