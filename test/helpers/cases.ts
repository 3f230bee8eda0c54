/**
 * The edge-case matrix every kernel test sweeps: seeded, deterministic, f32 and f64.
 * Real data comes from test/helpers/data.ts.
 */
import { CsrMatrix, type DType, allocFloat } from '../../src/matrix/index.js';

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

/** Every case in both dtypes. */
export function allCases(): { name: string; dtype: DType; x: CsrMatrix }[] {
  return CASE_SPECS.flatMap((s) => (['f32', 'f64'] as const).map((dtype) => ({ name: `${s.name} ${dtype}`, dtype, x: buildCase(s, dtype) })));
}
