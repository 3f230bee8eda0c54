/**
 * How the conformance suite runs and compares each kernel: one entry per kernel. Adding a
 * kernel to KernelSignatures means adding its entry here (and its tolerance kind to
 * KERNEL_TOLERANCE); until then validateBackend() reports it as skipped, saying so. When a
 * kernel's signature starts accepting CscMatrix, add 'csc' to its `layouts` and the CSC twins
 * of every case run too.
 * @module
 */
import type { BackendCallOptions, KernelArgs, KernelName, KernelSignatures } from '../backends/types.js';
import type { ConformanceCase, Layout } from './cases.js';
import { type Comparison, type ToleranceKind, compareArrays } from './tolerance.js';
import { STATS_CONFORMANCE } from './conformance-stats.js';

/** The conformance recipe of one kernel. */
export interface KernelConformance<K extends KernelName> {
  /** Input layouts the kernel takes (by its KernelSignatures entry); other cases are skipped. */
  readonly layouts: readonly Layout[];
  /** Argument sets every case runs with, each with a label for the report. */
  readonly argSets: readonly { readonly label: string; readonly args: KernelArgs[K] }[];
  /** Calls one implementation on a case, passing every parameter by name or type, never by guess. */
  run(fn: KernelSignatures[K], c: ConformanceCase, args: KernelArgs[K], backendOptions: BackendCallOptions | undefined): unknown;
  /** Compares a backend's output with the reference's: structure exactly, values within `tolerance`. */
  compare(out: unknown, ref: unknown, c: ConformanceCase, tolerance: ToleranceKind): Comparison;
}

/** A failed comparison that is not about values (wrong type, shape, structure). */
export function mismatch(message: string): Comparison {
  return { ok: false, worstRatio: Infinity, worstIndex: -1, worstOut: NaN, worstRef: NaN, message };
}

function sameInts(a: ArrayLike<number>, b: ArrayLike<number>, n: number): number {
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return -1;
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

function describe(x: unknown): string {
  if (x === null || typeof x !== 'object') return String(x === null ? 'null' : typeof x);
  return (x as object).constructor?.name ?? 'an object';
}

function isCompressed(x: unknown): x is Compressed {
  const m = x as Partial<Compressed> | null;
  return (
    m !== null &&
    typeof m === 'object' &&
    (m.data instanceof Float32Array || m.data instanceof Float64Array) &&
    m.indices instanceof Int32Array &&
    m.indptr instanceof Int32Array &&
    Array.isArray(m.shape)
  );
}

function isDense(x: unknown): x is Dense {
  const m = x as Partial<Dense> | null;
  return m !== null && typeof m === 'object' && m.format === 'dense' && (m.data instanceof Float32Array || m.data instanceof Float64Array) && Array.isArray(m.shape);
}

/** Same layout and structure as the input, values within tolerance, dtype kept: element-wise transforms. */
function compareSameStructure(out: unknown, ref: unknown, c: ConformanceCase, tolerance: ToleranceKind): Comparison {
  const expectedCtor = c.dtype === 'f32' ? Float32Array : Float64Array;
  if (c.layout === 'dense') {
    if (!isDense(out)) return mismatch(`expected a dense matrix, got ${describe(out)}`);
    const r = ref as Dense;
    if (out.shape[0] !== r.shape[0] || out.shape[1] !== r.shape[1]) return mismatch(`shape ${out.shape.join('×')}, expected ${r.shape.join('×')}`);
    if (!(out.data instanceof expectedCtor)) return mismatch(`output data is ${describe(out.data)}, expected ${expectedCtor.name} (the dtype is kept)`);
    return compareArrays(out.data, r.data, tolerance, c.dtype);
  }
  if (!isCompressed(out)) return mismatch(`expected a sparse matrix, got ${describe(out)}`);
  const r = ref as Compressed;
  if (out.format !== r.format) return mismatch(`expected ${r.format} output, got ${out.format}`);
  if (out.shape[0] !== r.shape[0] || out.shape[1] !== r.shape[1]) return mismatch(`shape ${out.shape.join('×')}, expected ${r.shape.join('×')}`);
  const major = r.format === 'csc' ? r.shape[1] : r.shape[0];
  const nnz = r.indptr[major] ?? 0;
  const p = sameInts(out.indptr, r.indptr, major + 1);
  if (p >= 0) return mismatch(`indptr differs at ${p}: ${out.indptr[p]} vs ${r.indptr[p]}`);
  const i = sameInts(out.indices, r.indices, nnz);
  if (i >= 0) return mismatch(`indices differ at ${i}: ${out.indices[i]} vs ${r.indices[i]}`);
  if (!(out.data instanceof expectedCtor)) return mismatch(`output data is ${describe(out.data)}, expected ${expectedCtor.name} (the dtype is kept)`);
  if (out.data.length < nnz) return mismatch(`output has ${out.data.length} values, expected ${nnz}`);
  return compareArrays(out.data.subarray(0, nnz), r.data.subarray(0, nnz), tolerance, c.dtype);
}

/** A Float64Array of the reference's length, values within tolerance: reductions. */
function compareF64Vector(out: unknown, ref: unknown, c: ConformanceCase, tolerance: ToleranceKind): Comparison {
  if (!(out instanceof Float64Array)) return mismatch(`expected a Float64Array, got ${describe(out)}`);
  return compareArrays(out, ref as Float64Array, tolerance, c.dtype);
}

type Table = { readonly [K in KernelName]?: KernelConformance<K> };

/** The conformance recipes, one per kernel. */
export const CONFORMANCE: Table = {
  ...STATS_CONFORMANCE, // meanVar, nnzCount, qcMetrics, filterCells, filterGenes, subset, toCsc, toCsr
  log1p: {
    layouts: ['csr', 'csc', 'dense'],
    argSets: [
      { label: 'base null', args: { base: null } },
      { label: 'base 2', args: { base: 2 } },
      { label: 'base 10', args: { base: 10 } },
    ],
    run: (fn, c, args, bo) => fn(c.x as Parameters<typeof fn>[0], args, bo),
    compare: compareSameStructure,
  },
  sum: {
    layouts: ['csr', 'csc', 'dense'],
    argSets: [
      { label: 'axis 0', args: { axis: 0 } },
      { label: 'axis 1', args: { axis: 1 } },
    ],
    run: (fn, c, args, bo) => fn(c.x as Parameters<typeof fn>[0], args, bo),
    compare: compareF64Vector,
  },
};
