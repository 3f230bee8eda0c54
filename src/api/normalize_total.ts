import type { NormalizeTotalResult, TransformInput } from '../backends/types.js';
import { type DispatchOptions, checkOptions } from '../dispatch/index.js';
import { InvalidInputError, InvalidOptionError } from '../errors.js';
import { CscMatrix, CsrMatrix, type DType, DenseMatrix, type Matrix } from '../matrix/index.js';
import { isHandle } from '../runtime/handles.js';
import { checkMatrix, dispatchOn } from './operand.js';

/** Integer typed arrays accepted as counts by the transforms. */
export type IntegerArray = Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array;

/**
 * A matrix of integer counts: a CsrMatrix/CscMatrix built with `{ validate: false }` over an
 * integer array, or a plain object of that shape (`indptr`/`indices` for sparse layouts).
 * The transforms convert it like scanpy does — normalizeTotal to float32, log1p and scale to
 * float64 — and validate the structure.
 */
export interface IntegerMatrix {
  format: 'csr' | 'csc' | 'dense';
  shape: readonly [number, number];
  data: IntegerArray;
  indptr?: Int32Array;
  indices?: Int32Array;
}

function isIntegerArray(a: unknown): a is IntegerArray {
  return (
    a instanceof Int8Array ||
    a instanceof Uint8Array ||
    a instanceof Uint8ClampedArray ||
    a instanceof Int16Array ||
    a instanceof Uint16Array ||
    a instanceof Int32Array ||
    a instanceof Uint32Array
  );
}

/**
 * Integer counts as a float matrix of `dtype` (scanpy's `astype`), structure validated;
 * anything else is returned as is for checkMatrix to judge.
 */
export function promoteIntegers(kernel: string, x: unknown, dtype: DType): unknown {
  if (x === null || typeof x !== 'object' || isHandle(x)) return x;
  const m = x as Partial<IntegerMatrix>;
  if (!isIntegerArray(m.data)) return x;
  const data = dtype === 'f32' ? Float32Array.from(m.data) : Float64Array.from(m.data);
  const shape = m.shape;
  if (!shape || shape.length !== 2) throw new InvalidInputError(`${kernel}: integer input needs a shape [rows, cols]`);
  if (m.format === 'dense') return new DenseMatrix({ shape, data });
  if (m.format !== 'csr' && m.format !== 'csc') {
    throw new InvalidInputError(`${kernel}: integer input needs format 'csr', 'csc' or 'dense', got ${String(m.format)}`);
  }
  if (!(m.indptr instanceof Int32Array) || !(m.indices instanceof Int32Array)) {
    throw new InvalidInputError(`${kernel}: integer ${m.format.toUpperCase()} input needs Int32Array indptr and indices`);
  }
  const init = { shape, data, indptr: m.indptr, indices: m.indices };
  return m.format === 'csr' ? new CsrMatrix(init) : new CscMatrix(init);
}

/**
 * The `inPlace` option of a transform (default false). In place needs float values the result
 * can be written into, so integer counts (`input` is then the converted copy of `x`) are refused.
 */
export function inPlaceOption(kernel: string, value: unknown, x: unknown, input: unknown): boolean {
  const inPlace = value ?? false;
  if (typeof inPlace !== 'boolean') throw new InvalidOptionError(`${kernel}: inPlace must be true or false, got ${String(inPlace)}`);
  if (inPlace && x !== input) {
    throw new InvalidOptionError(
      `${kernel}: inPlace needs float32 or float64 values; integer counts are converted to a new float matrix (convert them first, or leave inPlace off)`,
    );
  }
  return inPlace;
}

/** Options every transform (normalizeTotal, log1p, scale) takes. */
export interface InPlaceOption {
  /**
   * Write the result into the input's own values (its data array, or a handle's module
   * memory) and return the input itself as the result, like scanpy's default `copy=False`:
   * no second copy of the values is allocated. Default false (a new matrix sharing the
   * structure). The input must hold float32/float64 values; its values are written only once
   * the checks that can fail have passed.
   */
  inPlace?: boolean;
}

/** Options of normalizeTotal. */
export interface NormalizeTotalOptions extends DispatchOptions, InPlaceOption {
  /**
   * Total of every cell after normalisation (a finite number > 0). Default null: the median
   * of the cell totals — of all of them, zeros included, for sparse input (scanpy's CSR path;
   * CSC is converted to CSR there) and of the totals > 0 for dense input (scanpy's dense path).
   */
  targetSum?: number | null;
  /** Leave highly expressed genes out of the totals (default false). */
  excludeHighlyExpressed?: boolean;
  /**
   * A gene is highly expressed when some cell has more than `maxFraction` of its total in it
   * (strict >). Default 0.05; must lie in [0, 1] (checked even when not excluding, as scanpy).
   */
  maxFraction?: number;
}

/**
 * Normalises every cell (row) to the same total, like `scanpy.pp.normalize_total(adata,
 * inplace=False)` in scanpy 1.11.5.
 *
 * Per cell, total = the float64 sum of its values (over the genes that are not highly
 * expressed when `excludeHighlyExpressed`), rounded to the dtype; factor = total / target in
 * the dtype (float32 for float32 input, as scanpy's `norm_factor`); each value becomes
 * x / factor in the dtype, a zero factor counting as 1 (all-zero cells stay zero). For
 * float32 input the output is bit-identical to scanpy's whenever the totals are (always for
 * counts below 2^24 per cell). Integer input is converted to float32 first, as scanpy does.
 *
 * Returns `{ X, target, normFactor, totals, excludedGenes }`: X has the input's layout,
 * structure (shared, not copied) and residency — a CsrHandle gives a CsrHandle, and only the
 * per-cell vectors cross to JavaScript. CSC input stays CSC (scanpy returns CSR; the values
 * are the same). With `inPlace: true`, X is the input itself, its values overwritten.
 *
 * Differences from scanpy: dense float32 totals are float64 sums rounded once, where numpy
 * sums in float32 pairwise (only non-integer data can differ, by float32 rounding).
 * Threads: row blocks; the gene mask merges fixed chunks in order — bit-identical for any
 * thread count.
 */
export function normalizeTotal<T extends TransformInput>(x: T, options?: NormalizeTotalOptions): NormalizeTotalResult<T>;
export function normalizeTotal(x: IntegerMatrix, options?: NormalizeTotalOptions): NormalizeTotalResult<Matrix>;
export function normalizeTotal(x: TransformInput | IntegerMatrix, options: NormalizeTotalOptions = {}): NormalizeTotalResult<TransformInput> {
  checkOptions('normalizeTotal', options, ['targetSum', 'excludeHighlyExpressed', 'maxFraction', 'inPlace']);
  const input = promoteIntegers('normalizeTotal', x, 'f32');
  const inPlace = inPlaceOption('normalizeTotal', options.inPlace, x, input);
  checkMatrix('normalizeTotal', input, ['csr', 'csc', 'dense']);
  const targetSum = options.targetSum ?? null;
  if (targetSum !== null && !(typeof targetSum === 'number' && Number.isFinite(targetSum) && targetSum > 0)) {
    throw new InvalidOptionError(`normalizeTotal: targetSum must be a finite number > 0, or null for the median; got ${String(targetSum)}`);
  }
  const excludeHighlyExpressed = options.excludeHighlyExpressed ?? false;
  if (typeof excludeHighlyExpressed !== 'boolean') {
    throw new InvalidOptionError(`normalizeTotal: excludeHighlyExpressed must be true or false, got ${String(excludeHighlyExpressed)}`);
  }
  const maxFraction = options.maxFraction ?? 0.05;
  if (!(typeof maxFraction === 'number' && maxFraction >= 0 && maxFraction <= 1)) {
    throw new InvalidOptionError(`normalizeTotal: maxFraction must be a number in [0, 1], got ${String(maxFraction)}`);
  }
  return dispatchOn('normalizeTotal', input, options).fn(input, { targetSum, excludeHighlyExpressed, maxFraction, inPlace });
}
