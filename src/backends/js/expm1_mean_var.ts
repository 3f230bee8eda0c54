import { InvalidInputError } from '../../errors.js';
import type { CsrInput } from '../../runtime/handles.js';
import type { KernelArgs } from '../types.js';
import { plain } from './plain.js';

/**
 * Reference per-column mean and ddof-1 variance of expm1(X) (or X), scanpy's sparse minor-axis
 * `_get_mean_var`: expm1 rounded to the input dtype, each square taken in the input dtype
 * (Math.fround for f32), float64 sums in row order, `var = Σt²/n − mean²`, × n/(n−1) when n ≠ 1.
 */
export function expm1MeanVar(input: CsrInput, { expm1 }: KernelArgs['expm1MeanVar']): { mean: Float64Array; var: Float64Array } {
  const x = plain(input);
  const [nrows, ncols] = x.shape;
  const { indptr, indices, data } = x;
  const f32 = x.dtype === 'f32';
  const s = new Float64Array(ncols);
  const q = new Float64Array(ncols);
  for (let r = 0; r < nrows; r++) {
    for (let k = indptr[r]!; k < indptr[r + 1]!; k++) {
      const j = indices[k]!;
      if (j < 0 || j >= ncols) throw new InvalidInputError(`expm1MeanVar: an index at row ${r} is outside the matrix`);
      let t = data[k]!;
      if (expm1) t = f32 ? Math.fround(Math.expm1(t)) : Math.expm1(t);
      s[j]! += t;
      q[j]! += f32 ? Math.fround(t * t) : t * t;
    }
  }
  const mean = new Float64Array(ncols);
  const variance = new Float64Array(ncols);
  for (let j = 0; j < ncols; j++) {
    const m = s[j]! / nrows;
    let v = q[j]! / nrows - m * m;
    if (nrows !== 1) v *= nrows / (nrows - 1);
    mean[j] = m;
    variance[j] = v;
  }
  return { mean, var: variance };
}
