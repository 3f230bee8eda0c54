/**
 * What the conformance recipes share: the recipe shape, structural comparison of matrices and
 * small helpers. The recipes themselves live in ./kernels.ts and ./conformance-*.ts.
 * @module
 */
import type { BackendCallOptions, KernelArgs, KernelName, KernelSignatures } from '../backends/types.js';
import type { CscMatrix, CsrMatrix, DType, DenseMatrix } from '../matrix/index.js';
import type { ConformanceCase, Layout } from './cases.js';
import { type Comparison, type ToleranceKind, compareArrays } from './tolerance.js';

/** The conformance recipe of one kernel. */
export interface KernelConformance<K extends KernelName> {
  /** Input layouts the kernel takes (by its KernelSignatures entry); other cases are skipped. */
  readonly layouts: readonly Layout[];
  /** Argument sets every case runs with, each with a label for the report. */
  readonly argSets: readonly { readonly label: string; readonly args: KernelArgs[K] }[];
  /**
   * Why this case does not run with these arguments (counted as skipped with the reason), or
   * undefined when it runs. Absent: every case in `layouts` runs.
   */
  skip?(c: ConformanceCase, args: KernelArgs[K]): string | undefined;
  /** Calls one implementation on a case, passing every parameter by name or type, never by guess. */
  run(fn: KernelSignatures[K], c: ConformanceCase, args: KernelArgs[K], backendOptions: BackendCallOptions | undefined): unknown;
  /** Compares a backend's output with the reference's: structure exactly, values within `tolerance`. */
  compare(out: unknown, ref: unknown, c: ConformanceCase, tolerance: ToleranceKind): Comparison;
}

/** A table of recipes, one per kernel. */
export type RecipeTable = { readonly [K in KernelName]?: KernelConformance<K> };

/** A failed comparison that is not about values (wrong type, shape, structure). */
export function mismatch(message: string): Comparison {
  return { ok: false, worstRatio: Infinity, worstIndex: -1, worstOut: NaN, worstRef: NaN, message };
}

/** A passing comparison with nothing compared yet. */
export function agree(): Comparison {
  return { ok: true, worstRatio: 0, worstIndex: -1, worstOut: NaN, worstRef: NaN };
}

/** The type of a value, for messages. */
export function describe(x: unknown): string {
  if (x === null || typeof x !== 'object') return String(x === null ? 'null' : typeof x);
  return (x as object).constructor?.name ?? 'an object';
}

/** The worse of several comparisons (the first failure wins), its message prefixed with what was compared. */
export function worst(parts: readonly (readonly [string, Comparison])[]): Comparison {
  let w = agree();
  for (const [what, c] of parts) {
    if (!c.ok) return { ...c, message: `${what}: ${c.message ?? 'mismatch'}` };
    if (c.worstRatio > w.worstRatio) w = c;
  }
  return w;
}

/** compareArrays after checking that the output is an array of the reference's type. */
export function compareTyped(out: unknown, ref: ArrayLike<number>, kind: ToleranceKind, dtype: DType): Comparison {
  if (describe(out) !== describe(ref)) return mismatch(`expected a ${describe(ref)}, got ${describe(out)}`);
  return compareArrays(out as ArrayLike<number>, ref, kind, dtype);
}

/** A resident result (a handle with download()) as a plain matrix; anything else as is. */
export function plainOf(x: unknown): unknown {
  const h = x as { resident?: boolean; download?: () => unknown } | null;
  return h?.resident === true && typeof h.download === 'function' ? h.download() : x;
}

interface Compressed {
  format: string;
  shape: readonly [number, number];
  data: Float32Array | Float64Array;
  indices: Int32Array;
  indptr: Int32Array;
}

interface Dense {
  format: 'dense';
  shape: readonly [number, number];
  data: Float32Array | Float64Array;
}

function isFloatArray(a: unknown): a is Float32Array | Float64Array {
  return a instanceof Float32Array || a instanceof Float64Array;
}

function isCompressed(x: unknown): x is Compressed {
  const m = x as Partial<Compressed> | null;
  return m !== null && typeof m === 'object' && isFloatArray(m.data) && m.indices instanceof Int32Array && m.indptr instanceof Int32Array && Array.isArray(m.shape);
}

function isDense(x: unknown): x is Dense {
  const m = x as Partial<Dense> | null;
  return m !== null && typeof m === 'object' && m.format === 'dense' && isFloatArray(m.data) && Array.isArray(m.shape);
}

/**
 * A matrix output against the reference's: the same layout, shape, structure (indptr and
 * indices identical) and value dtype as the reference's, values within `tolerance` of the
 * reference's dtype. A resident output is downloaded first.
 */
export function compareMatrix(outRaw: unknown, ref: unknown, tolerance: ToleranceKind): Comparison {
  const out = plainOf(outRaw);
  const r = plainOf(ref) as Compressed | Dense;
  const dtype: DType = r.data instanceof Float32Array ? 'f32' : 'f64';
  const kind = r.data.constructor.name;
  if (r.format === 'dense') {
    if (!isDense(out)) return mismatch(`expected a dense matrix, got ${describe(out)}${isCompressed(out) ? ` (${(out as Compressed).format})` : ''}`);
    if (out.shape[0] !== r.shape[0] || out.shape[1] !== r.shape[1]) return mismatch(`shape ${out.shape.join('×')}, expected ${r.shape.join('×')}`);
    if (out.data.constructor !== r.data.constructor) return mismatch(`output data is ${describe(out.data)}, expected ${kind}`);
    const n = r.shape[0] * r.shape[1];
    if (out.data.length < n) return mismatch(`output has ${out.data.length} values, expected ${n}`);
    return compareArrays(out.data.subarray(0, n), r.data.subarray(0, n), tolerance, dtype);
  }
  const rc = r as Compressed;
  if (!isCompressed(out)) return mismatch(`expected a sparse matrix, got ${describe(out)}${isDense(out) ? ' (dense)' : ''}`);
  if (out.format !== rc.format) return mismatch(`expected ${rc.format} output, got ${out.format}`);
  if (out.shape[0] !== rc.shape[0] || out.shape[1] !== rc.shape[1]) return mismatch(`shape ${out.shape.join('×')}, expected ${rc.shape.join('×')}`);
  const major = rc.format === 'csc' ? rc.shape[1] : rc.shape[0];
  const nnz = rc.indptr[major] ?? 0;
  for (let i = 0; i <= major; i++) if (out.indptr[i] !== rc.indptr[i]) return mismatch(`indptr differs at ${i}: ${out.indptr[i]} vs ${rc.indptr[i]}`);
  for (let i = 0; i < nnz; i++) if (out.indices[i] !== rc.indices[i]) return mismatch(`indices differ at ${i}: ${out.indices[i]} vs ${rc.indices[i]}`);
  if (out.data.constructor !== rc.data.constructor) return mismatch(`output data is ${describe(out.data)}, expected ${kind} (the dtype is kept)`);
  if (out.data.length < nnz) return mismatch(`output has ${out.data.length} values, expected ${nnz}`);
  return compareArrays(out.data.subarray(0, nnz), rc.data.subarray(0, nnz), tolerance, dtype);
}

/** A 32-bit FNV checksum of typed arrays, to detect a kernel that wrote into an argument. */
export function arraysChecksum(arrays: readonly ArrayBufferView[]): number {
  let h = 0x811c9dc5;
  for (const a of arrays) {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
    h = Math.imul(h ^ a.byteLength, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Runs `call` and fails the run (by throwing) when it changed any of `inputs`: kernels must
 * leave their inputs unchanged. `restore` undoes the change for the next run.
 */
export function guarded<R>(inputs: readonly ArrayBufferView[], call: () => R, restore: () => void): R {
  const before = arraysChecksum(inputs);
  let out: R;
  try {
    out = call();
  } finally {
    if (arraysChecksum(inputs) !== before) {
      restore();
      // eslint-disable-next-line no-unsafe-finally
      throw new Error('modified its input (kernels must leave their input unchanged)');
    }
  }
  return out;
}

/**
 * Runs a transform on `x`; with `inPlace`, on a copy of x's values (the case must not change)
 * and fails the run (by throwing) unless `matrixOf(result)` is that copy itself, as inPlace
 * promises.
 */
export function runInPlace<M extends CsrMatrix | CscMatrix | DenseMatrix, R>(
  x: M,
  inPlace: boolean | undefined,
  call: (x: M) => R,
  matrixOf: (r: R) => unknown,
): R {
  if (!inPlace) return call(x);
  const copy = x.withData(x.data.slice()) as M;
  const r = call(copy);
  if (matrixOf(r) !== copy) throw new Error('inPlace returned a new matrix, not its input');
  return r;
}
