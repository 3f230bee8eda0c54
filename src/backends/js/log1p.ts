import { allocFloat } from '../../matrix/index.js';
import type { CsrInput } from '../../runtime/handles.js';
import type { KernelArgs } from '../types.js';
import { plain } from './plain.js';

/** Reference log1p (scanpy.pp.log1p on `.data`): float64 math, rounded once to the output dtype. */
export function log1p<T extends CsrInput>(input: T, { base }: KernelArgs['log1p']): T {
  const x = plain(input);
  const nnz = x.nnz;
  const out = allocFloat(x.dtype, nnz);
  const div = base === null ? 1 : Math.log(base);
  for (let i = 0; i < nnz; i++) out[i] = Math.log1p(x.data[i]!) / div;
  return x.withData(out) as T;
}
