/**
 * The fixed, seeded edge-case set that kernel tests sweep and validateBackend() runs: empty
 * matrices, empty rows and columns, one row, one column, all zeros, huge and tiny values,
 * unsorted indices, f32 and f64, CSR and CSC.
 * @module
 */
import { InvalidInputError } from '../errors.js';
import { CscMatrix, CsrMatrix, DenseMatrix, type DType, allocFloat } from '../matrix/index.js';

/** mulberry32: a small seeded generator for test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One generated case: its size, density and values. */
export interface CaseSpec {
  name: string;
  rows: number;
  cols: number;
  density: number;
  /** Value generator. */
  value: (r: () => number) => number;
  /** Rows forced empty (every 7th) and columns never used (every 5th). */
  holes?: boolean;
  /** Shuffle indices within rows. */
  unsorted?: boolean;
}

const counts = (r: () => number) => Math.floor(-Math.log(1 - r()) * 3) + 1;

/** The edge cases every kernel test sweeps, in both dtypes. */
export const CASE_SPECS: CaseSpec[] = [
  { name: 'empty 0x0', rows: 0, cols: 0, density: 0, value: counts },
  { name: 'no rows', rows: 0, cols: 5, density: 0, value: counts },
  { name: 'no columns', rows: 4, cols: 0, density: 0, value: counts },
  { name: 'one row', rows: 1, cols: 37, density: 0.5, value: counts },
  { name: 'one column', rows: 29, cols: 1, density: 0.6, value: counts },
  { name: 'all zeros', rows: 12, cols: 9, density: 0, value: counts },
  { name: 'empty rows and columns', rows: 120, cols: 45, density: 0.2, value: counts, holes: true },
  { name: 'huge values', rows: 40, cols: 33, density: 0.3, value: (r) => 1e30 * r() + 1e20 },
  { name: 'tiny and fractional values', rows: 50, cols: 20, density: 0.4, value: (r) => r() * 1e-6 },
  { name: 'unsorted indices', rows: 64, cols: 50, density: 0.3, value: counts, unsorted: true },
  { name: 'dense-ish', rows: 200, cols: 64, density: 0.9, value: counts },
  { name: 'odd lengths', rows: 333, cols: 257, density: 0.11, value: counts },
];

const SPECIAL = [Number.NaN, Number.POSITIVE_INFINITY, -0.5, -1, -2, 1e-30, 3, 7, 1e6];

/**
 * Extra cases of the conformance suite: values where implementations most often part ways
 * with numpy (NaN, infinities, −1 and other negatives).
 */
export const SPECIAL_SPECS: CaseSpec[] = [
  { name: 'special values (NaN, inf, negatives)', rows: 23, cols: 19, density: 0.35, value: (r) => SPECIAL[Math.floor(r() * SPECIAL.length)]! },
];

/** Builds the CSR matrix of a case in the given dtype. */
export function buildCase(spec: CaseSpec, dtype: DType, seed = 42): CsrMatrix {
  const r = rng(seed);
  const indptr = new Int32Array(spec.rows + 1);
  const idx: number[] = [];
  const vals: number[] = [];
  for (let i = 0; i < spec.rows; i++) {
    const row: number[] = [];
    if (!(spec.holes && i % 7 === 3)) {
      for (let j = 0; j < spec.cols; j++) {
        if (spec.holes && j % 5 === 2) continue;
        if (r() < spec.density) row.push(j);
      }
    }
    if (spec.unsorted) {
      for (let k = row.length - 1; k > 0; k--) {
        const t = Math.floor(r() * (k + 1));
        [row[k], row[t]] = [row[t]!, row[k]!];
      }
    }
    for (const j of row) {
      idx.push(j);
      vals.push(spec.value(r));
    }
    indptr[i + 1] = idx.length;
  }
  const data = allocFloat(dtype, vals.length);
  data.set(vals);
  return new CsrMatrix({ shape: [spec.rows, spec.cols], data, indices: Int32Array.from(idx), indptr });
}

/** Every CASE_SPECS case in both dtypes (CSR). */
export function allCases(): { name: string; dtype: DType; x: CsrMatrix }[] {
  return CASE_SPECS.flatMap((s) => (['f32', 'f64'] as const).map((dtype) => ({ name: `${s.name} ${dtype}`, dtype, x: buildCase(s, dtype) })));
}

/** The same matrix in CSC layout (row indices sorted within each column); values are copied. */
export function csrToCsc(x: CsrMatrix): CscMatrix {
  const [rows, cols] = x.shape;
  const nnz = x.nnz;
  const indptr = new Int32Array(cols + 1);
  for (let k = 0; k < nnz; k++) indptr[x.indices[k]! + 1]!++;
  for (let j = 0; j < cols; j++) indptr[j + 1]! += indptr[j]!;
  const next = indptr.slice(0, cols);
  const indices = new Int32Array(nnz);
  const data = allocFloat(x.dtype, nnz);
  for (let i = 0; i < rows; i++) {
    for (let k = x.indptr[i]!; k < x.indptr[i + 1]!; k++) {
      const p = next[x.indices[k]!]!++;
      indices[p] = i;
      data[p] = x.data[k]!;
    }
  }
  return new CscMatrix({ shape: [rows, cols], data, indices, indptr });
}

/** The same matrix as a dense row-major matrix (duplicates add up, like scipy's todense). */
export function csrToDense(x: CsrMatrix): DenseMatrix {
  const [rows, cols] = x.shape;
  const data = allocFloat(x.dtype, rows * cols);
  for (let i = 0; i < rows; i++) for (let k = x.indptr[i]!; k < x.indptr[i + 1]!; k++) data[i * cols + x.indices[k]!]! += x.data[k]!;
  return new DenseMatrix({ shape: [rows, cols], data });
}

/** Matrix layouts the conformance suite covers. */
export type Layout = 'csr' | 'csc' | 'dense';

/** One input of the conformance suite. */
export interface ConformanceCase {
  /** Human-readable label, e.g. `one row f32 csr`. */
  name: string;
  layout: Layout;
  dtype: DType;
  x: CsrMatrix | CscMatrix | DenseMatrix;
  /** From real data (validateBackend's `realData`) rather than generated. */
  real: boolean;
}

/** A real matrix for the conformance suite, optionally named. */
export type RealMatrix = CsrMatrix | { name: string; matrix: CsrMatrix };

/**
 * The conformance case set: CASE_SPECS and SPECIAL_SPECS (seeded by `seed`) in f32 and f64,
 * each in CSR, CSC and dense; then every real matrix in its own dtype and the other, in CSR
 * and CSC (not dense: a real matrix densified would take hundreds of megabytes).
 */
export function conformanceCases(options: { seed?: number; realData?: readonly RealMatrix[] } = {}): ConformanceCase[] {
  const seed = options.seed ?? 42;
  let generated = generatedCache.get(seed);
  if (!generated) {
    generated = [];
    for (const s of [...CASE_SPECS, ...SPECIAL_SPECS]) {
      for (const dtype of ['f32', 'f64'] as const) layouts(generated, s.name, buildCase(s, dtype, seed), false);
    }
    generatedCache.set(seed, generated);
  }
  const out = [...generated];
  (options.realData ?? []).forEach((m, i) => {
    const [name, x] = m instanceof CsrMatrix ? [`real data #${i + 1} (${m.shape[0]}×${m.shape[1]}, nnz ${m.nnz})`, m] : [m?.name, m?.matrix];
    if (!(x instanceof CsrMatrix)) throw new InvalidInputError(`realData[${i}] must be a CsrMatrix or { name, matrix: CsrMatrix }`);
    let real = realCache.get(x)?.get(name);
    if (!real) {
      real = [];
      layouts(real, name, x, true);
      const other = x.dtype === 'f32' ? Float64Array.from(x.data) : Float32Array.from(x.data);
      layouts(real, name, x.withData(other), true);
      const byName = realCache.get(x) ?? new Map<string, ConformanceCase[]>();
      byName.set(name, real);
      realCache.set(x, byName);
    }
    out.push(...real);
  });
  return out;
}

/** Generated cases per seed, and derived real-data cases per matrix: built once, never mutated. */
const generatedCache = new Map<number, ConformanceCase[]>();
const realCache = new WeakMap<CsrMatrix, Map<string, ConformanceCase[]>>();

function layouts(out: ConformanceCase[], name: string, x: CsrMatrix, real: boolean): void {
  out.push({ name: `${name} ${x.dtype} csr`, layout: 'csr', dtype: x.dtype, x, real });
  out.push({ name: `${name} ${x.dtype} csc`, layout: 'csc', dtype: x.dtype, x: csrToCsc(x), real });
  if (!real) out.push({ name: `${name} ${x.dtype} dense`, layout: 'dense', dtype: x.dtype, x: csrToDense(x), real });
}

/** A checksum of a case's arrays, to detect a kernel that modified its input. */
export function inputChecksum(x: ConformanceCase['x']): number {
  let h = 0x811c9dc5;
  const fold = (a: ArrayBufferView & { length: number }) => {
    const w = new Uint32Array(a.buffer, a.byteOffset, (a.byteLength / 4) | 0);
    for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w[i]!, 0x01000193);
    h = Math.imul(h ^ a.length, 0x01000193);
  };
  fold(x.data);
  if (!(x instanceof DenseMatrix)) {
    fold(x.indices);
    fold(x.indptr);
  }
  return h >>> 0;
}
