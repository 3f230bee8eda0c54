import { CscMatrix, CsrMatrix, DenseMatrix, allocFloat } from '../../matrix/index.js';
import type { KernelArgs, ScaleOutput, ScaleResult, TransformInput } from '../types.js';
import { eachStored, plainInput, storedCount, withValues } from './normalize_total.js';

/**
 * Reference scale (scanpy.pp.scale with `mask_obs`), float64 with scanpy's roundings:
 *
 * - mean/var per gene over the cells in `mask` (all cells when null): mean = Σx/n,
 *   var = (Σx²/n − mean²)·n/(n−1) (not scaled when n = 1); x² is rounded to the dtype where
 *   scanpy squares in the dtype (CSR, dense; CSC only on its CSR path: no centring with a
 *   mask). std = √var, std = 0 → 1.
 * - zeroCenter, sparse input: dense float64 (x − mean)/std, clipped to [−max, max];
 *   rows outside the mask keep their values.
 * - zeroCenter, dense input: dtype((dtype(x − mean))/std), then clipped, in the dtype.
 * - no centring: x/std per stored value, only the upper clip; CSR (and CSC with a mask, which
 *   scanpy converts to CSR) use numba's `min(max, x/std)`, so NaN becomes max; CSC without a
 *   mask and dense use `clip` (NaN stays NaN). Rows outside the mask keep their values.
 * - inPlace (the API refuses it with sparse zero-centring): into the input's values; X is the input.
 */
export function scale(input: TransformInput, { zeroCenter, maxValue, mask, inPlace }: KernelArgs['scale']): ScaleResult<ScaleOutput> {
  const x = plainInput(input);
  const [nrows, ncols] = x.shape;
  const f32 = x.dtype === 'f32';
  const round = f32 ? Math.fround : (a: number) => a;
  const data = x.data;
  const used = (r: number) => mask === null || mask[r] !== 0;
  const csc = x instanceof CscMatrix;
  const cscAsCsr = csc && !zeroCenter && mask !== null;
  const squareInDtype = !csc || cscAsCsr;

  let n = 0;
  for (let r = 0; r < nrows; r++) if (used(r)) n++;
  const sum = new Float64Array(ncols);
  const sq = new Float64Array(ncols);
  eachStored(x, (r, c, k) => {
    if (!used(r)) return;
    const v = data[k]!;
    sum[c]! += v;
    sq[c]! += squareInDtype ? round(v * v) : v * v;
  });
  const mean = new Float64Array(ncols);
  const std = new Float64Array(ncols);
  for (let c = 0; c < ncols; c++) {
    const m = sum[c]! / n;
    let v = sq[c]! / n - m * m;
    if (n !== 1) v *= n / (n - 1);
    mean[c] = m;
    const s = Math.sqrt(v);
    std[c] = s === 0 ? 1 : s;
  }

  const max = maxValue;
  if (zeroCenter && !(x instanceof DenseMatrix)) {
    // Densify (duplicates add up, like scipy's todense), then centre, scale and clip.
    const out = new Float64Array(nrows * ncols);
    eachStored(x, (r, c, k) => {
      out[r * ncols + c]! += data[k]!;
    });
    for (let r = 0; r < nrows; r++) {
      if (!used(r)) continue;
      for (let c = 0; c < ncols; c++) {
        const i = r * ncols + c;
        out[i] = clipBoth((out[i]! - mean[c]!) / std[c]!, max);
      }
    }
    return { X: new DenseMatrix({ shape: [nrows, ncols], data: out }), mean, std };
  }

  const out = inPlace ? data : allocFloat(x.dtype, storedCount(x));
  const minRule = x instanceof CsrMatrix || cscAsCsr;
  eachStored(x, (r, c, k) => {
    const v = data[k]!;
    if (!used(r)) out[k] = v;
    else if (zeroCenter) out[k] = clipBoth(round(round(v - mean[c]!) / std[c]!), max, round);
    else if (max === null) out[k] = v / std[c]!;
    else if (minRule) {
      const s = v / std[c]!;
      out[k] = s < max ? s : max; // numba's min(max_value, x / std): NaN gives max_value
    } else {
      const s = round(v / std[c]!);
      out[k] = s > max ? max : s;
    }
  });
  return { X: inPlace ? input : withValues(x, out), mean, std };
}

/** scanpy's clip with zero-centring: > max → max, else < −max → −max (NaN stays NaN). */
function clipBoth(v: number, max: number | null, round: (a: number) => number = (a) => a): number {
  if (max === null) return v;
  if (v > max) return round(max);
  if (v < -max) return round(-max);
  return v;
}
