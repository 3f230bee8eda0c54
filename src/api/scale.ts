import type { ScaleOutput, ScaleResult, TransformInput } from '../backends/types.js';
import { type DispatchOptions, checkOptions } from '../dispatch/index.js';
import { InvalidInputError, InvalidOptionError } from '../errors.js';
import type { CscMatrix, CsrMatrix, DenseMatrix } from '../matrix/index.js';
import type { CsrHandle, CsrInput, DenseHandle } from '../runtime/handles.js';
import { type InPlaceOption, type IntegerMatrix, inPlaceOption, promoteIntegers } from './normalize_total.js';
import { checkMatrix, dispatchOn } from './operand.js';

/** Options of scale. */
export interface ScaleOptions extends DispatchOptions, InPlaceOption {
  /** Subtract each gene's mean (default true). Densifies sparse input. */
  zeroCenter?: boolean;
  /**
   * Clip the scaled values at this value (and at −maxValue when zero-centring). Default
   * null: no clipping. Any number but NaN.
   */
  maxValue?: number | null;
  /**
   * Cells to use (scanpy's `mask_obs`): one entry per row, true/non-zero = use. The mean and
   * std come from these cells only and only these rows are scaled; the other rows keep their
   * values. Default null: all cells.
   */
  mask?: ArrayLike<boolean | number> | null;
}

/**
 * Scales every gene (column) to unit variance, and zero mean unless `zeroCenter: false`,
 * like `scanpy.pp.scale(X, zero_center, max_value, mask_obs)` in scanpy 1.11.5.
 *
 * mean and std per gene are float64 over the cells in `mask` (all cells by default):
 * std from the ddof = 1 variance `(Σx²/n − mean²)·n/(n−1)`, and std = 0 becomes 1. Then:
 *
 * - zeroCenter (default), sparse input: a dense **float64** matrix (x − mean)/std, clipped to
 *   [−maxValue, maxValue] — as scanpy, whose sparse zero-centring densifies to float64. A
 *   resident CsrHandle gives a resident DenseHandle (nothing copied out; `download()` it).
 *   A resident DenseHandle input gives a DenseHandle (dtype kept) in the same backend.
 * - zeroCenter, dense input: dense, dtype kept, computed in place as numpy does
 *   (float32: (x − mean) and /std each rounded to float32), clipped both ways.
 * - zeroCenter false: the input's layout, structure (shared), dtype and residency; each stored
 *   value x/std, clipped only above. For CSR (and CSC with a mask) that is scanpy's numba
 *   `min(maxValue, x/std)`, which turns NaN into maxValue; for CSC without a mask and dense,
 *   numpy-style clipping that keeps NaN.
 *
 * With a mask, rows outside it keep their values. Integer input becomes float64 first.
 * `inPlace: true` overwrites the input's values and returns it as X (not with sparse
 * zero-centring, whose result is a new dense matrix).
 * Returns `{ X, mean, std }`.
 *
 * Differences from scanpy: CSC without centring and without a mask keeps float32 (scanpy
 * silently returns float64 there); sparse zero-centring with a mask returns the dense float64
 * matrix (scanpy writes the rows back into its float32 sparse matrix, rounding them to
 * float32); CSC stays CSC where scanpy converts to CSR. The sums behind mean and var are
 * float64 like scanpy's, merged over fixed row chunks (reduction tolerance).
 * Threads: fixed row chunks for the statistics, element-wise transform — bit-identical for any
 * thread count.
 */
export function scale<T extends CsrInput | CscMatrix>(x: T, options: ScaleOptions & { zeroCenter: false }): ScaleResult<T>;
export function scale(x: CsrHandle, options?: ScaleOptions & { zeroCenter?: true }): ScaleResult<DenseHandle>;
export function scale(x: CsrMatrix | CscMatrix | DenseMatrix, options?: ScaleOptions & { zeroCenter?: true }): ScaleResult<DenseMatrix>;
export function scale(x: DenseMatrix, options?: ScaleOptions): ScaleResult<DenseMatrix>;
export function scale(x: DenseHandle, options?: ScaleOptions): ScaleResult<DenseHandle>;
export function scale(x: TransformInput | IntegerMatrix, options?: ScaleOptions): ScaleResult<ScaleOutput>;
export function scale(x: TransformInput | IntegerMatrix, options: ScaleOptions = {}): ScaleResult<ScaleOutput> {
  checkOptions('scale', options, ['zeroCenter', 'maxValue', 'mask', 'inPlace']);
  const input = promoteIntegers('scale', x, 'f64');
  const inPlace = inPlaceOption('scale', options.inPlace, x, input);
  checkMatrix('scale', input, ['csr', 'csc', 'dense']);
  const zeroCenter = options.zeroCenter ?? true;
  if (typeof zeroCenter !== 'boolean') throw new InvalidOptionError(`scale: zeroCenter must be true or false, got ${String(zeroCenter)}`);
  const maxValue = options.maxValue ?? null;
  if (maxValue !== null && !(typeof maxValue === 'number' && !Number.isNaN(maxValue))) {
    throw new InvalidOptionError(`scale: maxValue must be a number (not NaN) or null, got ${String(maxValue)}`);
  }
  if (inPlace && zeroCenter && input.format !== 'dense') {
    throw new InvalidOptionError('scale: inPlace cannot zero-centre a sparse matrix (the result is a new dense float64 matrix); pass zeroCenter: false or leave inPlace off');
  }
  const mask = toMask(input.shape[0], options.mask ?? null);
  return dispatchOn('scale', input, options).fn(input, { zeroCenter, maxValue, mask, inPlace });
}

function toMask(nrows: number, m: ArrayLike<boolean | number> | null): Uint8Array | null {
  if (m === null) return null;
  if (typeof m !== 'object' || typeof m.length !== 'number') {
    throw new InvalidOptionError(`scale: mask must be an array of booleans (one per cell) or null, got ${typeof m}`);
  }
  if (m.length !== nrows) throw new InvalidInputError(`scale: mask has ${m.length} entries but the matrix has ${nrows} rows (cells)`);
  const out = new Uint8Array(nrows);
  for (let i = 0; i < nrows; i++) {
    const v = m[i];
    if (typeof v !== 'boolean' && typeof v !== 'number') {
      throw new InvalidOptionError(`scale: mask[${i}] is ${typeof v}; expected a boolean or 0/1`);
    }
    out[i] = v ? 1 : 0;
  }
  return out;
}
