/** Edge cases of the stats-family tests in every layout, and shared expectations. */
import { expect } from 'vitest';
import type { StatsInput } from '../../src/backends/types.js';
import type { CsrMatrix, DType } from '../../src/matrix/index.js';
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
