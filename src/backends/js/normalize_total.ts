import { InvalidInputError } from '../../errors.js';
import { CscMatrix, CsrMatrix, DenseMatrix, type FloatArray, allocFloat } from '../../matrix/index.js';
import { numpyMedian } from '../../numeric.js';
import { isResident } from '../../runtime/handles.js';
import type { KernelArgs, NormalizeTotalResult, TransformInput } from '../types.js';

/** A plain (JavaScript-memory) transform input; the js backend never receives handles. */
export type PlainInput = CsrMatrix | CscMatrix | DenseMatrix;

/** The input as a plain matrix; a resident handle is an error (dispatch never sends one here). */
export function plainInput(x: TransformInput): PlainInput {
  if (isResident(x)) throw new InvalidInputError(`the js backend got a matrix resident in ${x.backend}; download() it first`);
  return x;
}

/**
 * Calls `fn(row, col, k)` for every stored value `data[k]`: CSR row by row, CSC column by
 * column, dense in row-major order. For sorted CSR and CSC, each row's values come in
 * increasing column order either way.
 */
export function eachStored(x: PlainInput, fn: (row: number, col: number, k: number) => void): void {
  const [nrows, ncols] = x.shape;
  if (x instanceof DenseMatrix) {
    for (let r = 0, k = 0; r < nrows; r++) for (let c = 0; c < ncols; c++, k++) fn(r, c, k);
    return;
  }
  const major = x instanceof CsrMatrix ? nrows : ncols;
  for (let m = 0; m < major; m++) {
    for (let k = x.indptr[m]!; k < x.indptr[m + 1]!; k++) {
      if (x instanceof CsrMatrix) fn(m, x.indices[k]!, k);
      else fn(x.indices[k]!, m, k);
    }
  }
}

/** Number of stored values (dense: rows × cols). */
export function storedCount(x: PlainInput): number {
  return x instanceof DenseMatrix ? x.shape[0] * x.shape[1] : x.nnz;
}

/**
 * Reference normalize_total (scanpy.pp.normalize_total), in float64 with every rounding to
 * the data dtype that scanpy does:
 *
 * - totals: float64 sums of each row, rounded to the dtype (scanpy's `counts_per_cell`);
 * - excludeHighlyExpressed: a gene is excluded when some cell has x > maxFraction·total —
 *   sparse (scanpy's numba CSR path): float64 `maxFraction · total`; dense (numpy): the
 *   product in the dtype — and the totals are recomputed over the kept genes;
 * - target: `targetSum`, else the median of the totals: sparse input (CSR path) the median
 *   of all totals, zeros included; dense input the median of the totals > 0;
 * - factor = dtype(total) / dtype(target) in the dtype; x / factor in the dtype, factor 0 → 1
 *   (into the input's own values with `inPlace`, which returns the input as X).
 */
export function normalizeTotal<T extends TransformInput>(
  input: T,
  { targetSum, excludeHighlyExpressed, maxFraction, inPlace }: KernelArgs['normalizeTotal'],
): NormalizeTotalResult<T> {
  const x = plainInput(input);
  const [nrows, ncols] = x.shape;
  const f32 = x.dtype === 'f32';
  const round = f32 ? Math.fround : (a: number) => a;
  const dense = x instanceof DenseMatrix;
  const data = x.data;

  let totals = new Float64Array(nrows);
  eachStored(x, (r, _c, k) => {
    totals[r]! += data[k]!;
  });
  let excludedGenes: Uint8Array | null = null;
  if (excludeHighlyExpressed) {
    const excluded = new Uint8Array(ncols);
    const threshold = Float64Array.from(totals, (t) => (dense ? round(round(t) * round(maxFraction)) : round(t) * maxFraction));
    eachStored(x, (r, c, k) => {
      if (data[k]! > threshold[r]!) excluded[c] = 1;
    });
    const kept = new Float64Array(nrows);
    eachStored(x, (r, c, k) => {
      if (!excluded[c]) kept[r]! += data[k]!;
    });
    totals = kept;
    excludedGenes = excluded;
  }

  const rounded = Float64Array.from(totals, round);
  const target = round(targetSum ?? numpyMedian(dense ? rounded.filter((t) => t > 0) : rounded, f32));
  const normFactor = allocFloat(x.dtype, nrows);
  for (let r = 0; r < nrows; r++) normFactor[r] = round(rounded[r]! / target);

  const out = inPlace ? data : allocFloat(x.dtype, storedCount(x));
  eachStored(x, (r, _c, k) => {
    const f = normFactor[r]!;
    out[k] = data[k]! / (f === 0 ? 1 : f);
  });
  return { X: inPlace ? input : (withValues(x, out) as T), target, normFactor, totals, excludedGenes };
}

/** The same matrix (structure shared) with new values. */
export function withValues(x: PlainInput, data: FloatArray): PlainInput {
  return x.withData(data.length === x.data.length ? data : padTo(data, x.data.length));
}

function padTo(data: FloatArray, n: number): FloatArray {
  const out = allocFloat(data instanceof Float32Array ? 'f32' : 'f64', n);
  out.set(data.subarray(0, Math.min(n, data.length)));
  return out;
}
