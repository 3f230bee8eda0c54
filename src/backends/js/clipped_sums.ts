import { InvalidInputError } from '../../errors.js';
import type { CsrInput } from '../../runtime/handles.js';
import type { KernelArgs } from '../types.js';
import { plain } from './plain.js';

/**
 * Reference per-column Σ min(x, clip[j]) and Σ min(x, clip[j])² over the stored values, in
 * float64 and row order (scanpy seurat_v3 `_sum_and_sum_squares_clipped`; Python's min:
 * clip[j] when clip[j] < x, else x).
 */
export function clippedSums(input: CsrInput, { clip }: KernelArgs['clippedSums']): { sum: Float64Array; sumSq: Float64Array } {
  const x = plain(input);
  const [nrows, ncols] = x.shape;
  const { indptr, indices, data } = x;
  if (clip.length !== ncols) throw new InvalidInputError(`clippedSums: clip has ${clip.length} values for ${ncols} columns`);
  const sum = new Float64Array(ncols);
  const sumSq = new Float64Array(ncols);
  for (let r = 0; r < nrows; r++) {
    for (let k = indptr[r]!; k < indptr[r + 1]!; k++) {
      const j = indices[k]!;
      if (j < 0 || j >= ncols) throw new InvalidInputError(`clippedSums: an index at row ${r} is outside the matrix`);
      const v = data[k]!;
      const c = clip[j]!;
      const e = c < v ? c : v;
      sum[j]! += e;
      sumSq[j]! += e * e;
    }
  }
  return { sum, sumSq };
}
