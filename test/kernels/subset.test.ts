import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ck from '../../src/index.js';
import { jsBackend } from '../../src/backends/js/index.js';
import type { KernelArgs } from '../../src/backends/types.js';
import { CsrMatrix } from '../../src/matrix/index.js';
import { SPECIAL_SPECS, buildCase, csrToDense } from '../../src/testing/cases.js';
import { compareArrays } from '../../src/testing/index.js';
import { type LoadedVariant, loadAllVariants, shutdownAll } from '../helpers/backends.js';
import { allCases } from '../helpers/cases.js';
import { mouse10k } from '../helpers/data.js';
import { sameBits } from '../helpers/stats.js';

let variants: LoadedVariant[] = [];
beforeAll(async () => {
  variants = await loadAllVariants();
});
afterAll(() => shutdownAll(variants));

const cases = () => [...allCases(), ...SPECIAL_SPECS.flatMap((s) => (['f32', 'f64'] as const).map((dtype) => ({ name: `${s.name} ${dtype}`, dtype, x: buildCase(s, dtype) })))];

/** Selections for a shape: reordered with repeats, masks (as index lists), all. */
function selections(nrows: number, ncols: number): [string, KernelArgs['subset']][] {
  const rows = Int32Array.from([...Array.from({ length: nrows }, (_, i) => nrows - 1 - i).filter((i) => i % 3 !== 1), ...(nrows > 0 ? [0, 0] : [])]);
  const cols = Int32Array.from([...Array.from({ length: ncols }, (_, j) => (j * 5 + 3) % ncols).filter((j, k, a) => a.indexOf(j) === k && j % 4 !== 0), ...(ncols > 1 ? [1, 1] : [])]);
  const maskRows = Int32Array.from(Array.from({ length: nrows }, (_, i) => i).filter((i) => i % 2 === 0));
  const maskCols = Int32Array.from(Array.from({ length: ncols }, (_, j) => j).filter((j) => j % 3 !== 0));
  return [
    ['all', { rows: null, cols: null }],
    ['rows reordered with repeats', { rows, cols: null }],
    ['cols reordered with repeats', { rows: null, cols }],
    ['both reordered', { rows, cols }],
    ['masks', { rows: maskRows, cols: maskCols }],
    ['nothing', { rows: new Int32Array(0), cols: new Int32Array(0) }],
  ];
}

/** X[rows][:, cols] computed on the dense matrix: an independent check of the reference. */
function denseSubset(x: CsrMatrix, { rows, cols }: KernelArgs['subset']): number[] {
  const d = csrToDense(x);
  const [nrows, ncols] = x.shape;
  const rs = rows ?? Array.from({ length: nrows }, (_, i) => i);
  const cs = cols ?? Array.from({ length: ncols }, (_, j) => j);
  return Array.from(rs).flatMap((r) => Array.from(cs).map((c) => d.data[r * ncols + c]!));
}

function expectSameMatrix(out: CsrMatrix, ref: CsrMatrix, label: string): void {
  expect(out.shape, label).toEqual(ref.shape);
  expect(out.data.constructor, label).toBe(ref.data.constructor);
  expect(sameBits(out.indptr, ref.indptr), `${label} indptr`).toBe(true);
  expect(sameBits(out.indices.subarray(0, ref.nnz), ref.indices.subarray(0, ref.nnz)), `${label} indices`).toBe(true);
  expect(sameBits(out.data.subarray(0, ref.nnz), ref.data.subarray(0, ref.nnz)), `${label} data`).toBe(true);
}

describe('subset: every compiled variant matches the js reference exactly', () => {
  it('the js reference equals slicing the dense matrix, and keeps sorted input sorted', () => {
    for (const c of cases()) {
      for (const [what, sel] of selections(...c.x.shape)) {
        const ref = jsBackend.kernels.subset!(c.x, sel);
        const cmp = compareArrays(Array.from(csrToDense(ref).data), denseSubset(c.x, sel), 'exact', c.dtype);
        expect(cmp.ok, `${c.name} ${what}: ${cmp.message}`).toBe(true);
        if (c.x.sorted) expect(ref.sorted, `${c.name} ${what}`).toBe(true);
      }
    }
  });

  it('plain input: every variant, every edge case and selection', () => {
    for (const c of cases()) {
      for (const [what, sel] of selections(...c.x.shape)) {
        const ref = jsBackend.kernels.subset!(c.x, sel);
        for (const v of variants) expectSameMatrix(v.backend.kernels.subset!(c.x, sel), ref, `${v.label} ${c.name} ${what}`);
      }
    }
  });

  it('resident input gives a resident result without copying the matrix, same values', async () => {
    const x = await mouse10k();
    const [, sel] = selections(...x.shape)[3]!;
    const ref = jsBackend.kernels.subset!(x, sel);
    for (const v of variants) {
      const h = v.backend.upload!(x);
      const before = v.module.transfers.bytesToModule;
      const out = v.backend.kernels.subset!(h, sel);
      expect(v.module.transfers.bytesToModule - before).toBe(sel.rows!.byteLength + sel.cols!.byteLength);
      expect(out).toBeInstanceOf(ck.CsrHandle);
      expect(out.sorted).toBe(true);
      expectSameMatrix(out.download(), ref, v.label);
      h.free();
      out.free();
    }
  });

  it('simd-threads gives identical output for 1, 2 and 3 threads', async () => {
    const x = await mouse10k();
    const [, sel] = selections(...x.shape)[3]!;
    const outs = variants.filter((v) => v.variant === 'simd-threads').map((v) => v.backend.kernels.subset!(x, sel));
    for (const o of outs.slice(1)) expectSameMatrix(o, outs[0]!, 'threads');
  });
});

describe('subset API', () => {
  const x = new CsrMatrix({ shape: [3, 4], data: new Float64Array([1, 2, 3, 4]), indices: new Int32Array([3, 0, 1, 2]), indptr: new Int32Array([0, 1, 3, 4]) });

  it('takes masks (Uint8Array, boolean[]) and index lists (Int32Array, number[])', () => {
    const a = ck.subset(x, { rows: new Uint8Array([1, 0, 1]), cols: [true, true, false, true], backend: 'js' });
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(csrToDense(a).data)).toEqual([0, 0, 1, 0, 0, 0]);
    const b = ck.subset(x, { rows: [2, 1], cols: Int32Array.from([2, 0]), backend: 'js' });
    expect(Array.from(csrToDense(b).data)).toEqual([4, 0, 0, 2]);
    expect(b.sorted).toBe(true);
  });

  it('rejects bad selections and inputs with typed errors', () => {
    expect(() => ck.subset(x, { rows: [3] })).toThrow(/rows\[0\] = 3 is not an index in \[0, 3\)/);
    expect(() => ck.subset(x, { cols: [-1] })).toThrow(ck.InvalidOptionError);
    expect(() => ck.subset(x, { rows: [0.5] })).toThrow(ck.InvalidOptionError);
    expect(() => ck.subset(x, { cols: new Uint8Array(3) })).toThrow(/cols mask has 3 entries, expected 4/);
    expect(() => ck.subset(x, { rows: 'all' as never })).toThrow(ck.InvalidOptionError);
    expect(() => ck.subset(ck.toCsc(x, { backend: 'js' }) as never, {})).toThrow(ck.InvalidInputError);
  });

  it('an out-of-range row reaching the module is a typed error and frees what it allocated', () => {
    for (const v of variants) {
      const h = v.backend.upload!(x);
      expect(() => v.backend.kernels.subset!(h, { rows: Int32Array.from([5]), cols: null }), v.label).toThrow(ck.InvalidInputError);
      expect(v.backend.kernels.subset!(h, { rows: Int32Array.from([1]), cols: null }).download().nnz).toBe(2);
      h.free();
    }
  });
});
