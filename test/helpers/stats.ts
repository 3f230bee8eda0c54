/** Edge cases of the stats-family tests in every layout, and shared expectations. */
import { expect } from 'vitest';
import type { StatsInput } from '../../src/backends/types.js';
import { CsrMatrix, type DType } from '../../src/matrix/index.js';
import { SPECIAL_SPECS, allCases, buildCase, csrToCsc, csrToDense } from '../../src/testing/cases.js';
import type { Golden } from './golden.js';

export interface LayoutCase {
  name: string;
  dtype: DType;
  layout: 'csr' | 'csc' | 'dense';
  x: StatsInput;
  /** The same matrix as CSR. */
  csr: CsrMatrix;
}

/** allCases() plus the special-value cases (NaN, inf, negatives), each as CSR, CSC and dense. */
export function layoutCases(): LayoutCase[] {
  const csr = [
    ...allCases(),
    ...SPECIAL_SPECS.flatMap((s) => (['f32', 'f64'] as const).map((dtype) => ({ name: `${s.name} ${dtype}`, dtype, x: buildCase(s, dtype) }))),
  ];
  return csr.flatMap((c) => [
    { name: `${c.name} csr`, dtype: c.dtype, layout: 'csr' as const, x: c.x, csr: c.x },
    { name: `${c.name} csc`, dtype: c.dtype, layout: 'csc' as const, x: csrToCsc(c.x), csr: c.x },
    { name: `${c.name} dense`, dtype: c.dtype, layout: 'dense' as const, x: csrToDense(c.x), csr: c.x },
  ]);
}

/** Bitwise equality of typed arrays. */
export function sameBits(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** The golden array `name`, checked against its manifest length. */
export function goldenArray(g: Golden, name: string, length: number): Float64Array {
  const a = g.f64(name);
  expect(a.length, name).toBe(length);
  return a;
}

/** Rows of BAD_INDEX_MATRIX: three row chunks of the compiled column reductions. */
export const BAD_INDEX_ROWS = 3000;

/**
 * Bad column indices for the column scatter loops (sums and counts along columns): a 3,000 × 9
 * CSR matrix of 2s, 9 stored values per row (two runs of four, then one alone), with the given
 * indices overwritten, `[stored value, column]`; unvalidated, so the module must find them.
 * The compiled loops clamp bad indices to the last column and check once at the end, so each case
 * names the row that must be reported (the first bad one).
 */
export function badIndexCases(dtype: DType): Array<{ name: string; x: CsrMatrix; row: number }> {
  const n = BAD_INDEX_ROWS;
  const make = (bad: Array<[number, number]>) => {
    const indices = Int32Array.from({ length: 9 * n }, (_, k) => k % 9);
    for (const [k, j] of bad) indices[k] = j;
    const data = (dtype === 'f32' ? new Float32Array(9 * n) : new Float64Array(9 * n)).fill(2);
    return new CsrMatrix({ shape: [n, 9], data, indices, indptr: Int32Array.from({ length: n + 1 }, (_, r) => 9 * r) }, { validate: false });
  };
  const cases: Array<[string, Array<[number, number]>, number]> = [
    ['none', [], -1],
    ['a negative index in a run of four', [[9 * 17 + 2, -1]], 17],
    ['index == ncols, one past the last column', [[9 * 40 + 5, 9]], 40],
    ['the most negative index', [[9 * 41 + 0, -2147483648]], 41],
    ['a bad index in the tail of a row', [[9 * 2500 + 8, 12]], 2500],
    ['two bad indices in different chunks: the first row wins', [[9 * 2900 + 1, 99], [9 * 1500 + 3, -7]], 1500],
    ['a bad index in the very last value', [[9 * n - 1, 9]], n - 1],
  ];
  return cases.map(([name, bad, row]) => ({ name, x: make(bad), row }));
}
