import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ck from '../../src/index.js';
import { jsBackend } from '../../src/backends/js/index.js';
import type { KernelArgs } from '../../src/backends/types.js';
import { CscMatrix, CsrMatrix, DenseMatrix } from '../../src/matrix/index.js';
import { SPECIAL_SPECS, buildCase, csrToCsc, csrToDense } from '../../src/testing/cases.js';
import { compareArrays } from '../../src/testing/index.js';
import { apiBackends, loadCudaEmu, viaApi } from '../helpers/api_backends.js';
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
    expect(() => ck.subset({ format: 'coo', shape: [3, 4] } as never, {})).toThrow(ck.InvalidInputError);
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

/** Selections as the API takes them (index lists; null = all). */
function apiSelection(sel: KernelArgs['subset']): ck.SubsetOptions {
  return { rows: sel.rows, cols: sel.cols };
}

/** A CSC result equals the CSC of the CSR reference, array for array (both sorted). */
function expectCscOf(out: unknown, ref: CsrMatrix, label: string): void {
  expect(out, label).toBeInstanceOf(CscMatrix);
  const o = out as CscMatrix;
  const want = csrToCsc(ref);
  expect(o.shape, label).toEqual(want.shape);
  expect(o.data.constructor, label).toBe(want.data.constructor);
  expect(o.sorted, `${label} sorted`).toBe(true);
  expect(o.nnz, `${label} nnz`).toBe(want.nnz);
  expect(sameBits(o.indptr, want.indptr), `${label} indptr`).toBe(true);
  expect(sameBits(o.indices.subarray(0, want.nnz), want.indices), `${label} indices`).toBe(true);
  const cmp = compareArrays(o.data.subarray(0, want.nnz), want.data, 'exact', ref.dtype);
  expect(cmp.ok, `${label} data: ${cmp.message}`).toBe(true);
}

/** A dense result equals the densified CSR reference exactly. */
function expectDenseOf(out: unknown, ref: CsrMatrix, label: string): void {
  expect(out, label).toBeInstanceOf(DenseMatrix);
  const o = out as DenseMatrix;
  const want = csrToDense(ref);
  expect(o.shape, label).toEqual(want.shape);
  expect(o.data.constructor, label).toBe(want.data.constructor);
  const cmp = compareArrays(o.data, want.data, 'exact', ref.dtype);
  expect(cmp.ok, `${label}: ${cmp.message}`).toBe(true);
}

describe('subset of CSC and dense input: same layout out, the values of the CSR subset, in every backend', () => {
  it('edge cases and every selection (reorders, repeats, masks, nothing), js and every variant', async () => {
    const cuda = await loadCudaEmu();
    const backends = apiBackends(variants, 'subset', [cuda]);
    expect(backends).toHaveLength(8); // js and 7 variants; cuda does not implement subset
    for (const b of backends) {
      viaApi(b, (backend) => {
        for (const c of cases()) {
          const csc = csrToCsc(c.x);
          const dense = csrToDense(c.x);
          for (const [what, sel] of selections(...c.x.shape)) {
            const ref = jsBackend.kernels.subset!(c.x, sel);
            const label = `${b.label} ${c.name} ${what}`;
            expectCscOf(ck.subset(csc, { ...apiSelection(sel), backend }), ref, `${label} csc`);
            expectDenseOf(ck.subset(dense, { ...apiSelection(sel), backend }), ref, `${label} dense`);
          }
        }
      });
    }
  });

  it('mouse10k: CSC and dense, rows and columns reordered with repeats, and masks', async () => {
    const x = await mouse10k();
    const csc = csrToCsc(x);
    const dense = csrToDense(x);
    for (const [what, sel] of [selections(...x.shape)[3]!, selections(...x.shape)[4]!]) {
      const ref = jsBackend.kernels.subset!(x, sel);
      for (const b of apiBackends(variants, 'subset')) {
        viaApi(b, (backend) => {
          expectCscOf(ck.subset(csc, { ...apiSelection(sel), backend }), ref, `${b.label} ${what} csc`);
          expectDenseOf(ck.subset(dense, { ...apiSelection(sel), backend }), ref, `${b.label} ${what} dense`);
        });
      }
    }
  });

  it('takes masks on CSC and dense like on CSR; an unsorted CSC keeps its entry order unless rows are reordered', () => {
    const x = new CsrMatrix({ shape: [3, 4], data: new Float64Array([1, 2, 3, 4]), indices: new Int32Array([3, 0, 1, 2]), indptr: new Int32Array([0, 1, 3, 4]) });
    const opts = { rows: new Uint8Array([1, 0, 1]), cols: [true, true, false, true], backend: 'js' } as const;
    const want = Array.from(csrToDense(ck.subset(x, opts)).data);
    expect(Array.from(csrToDense(ck.toCsr(ck.subset(csrToCsc(x), opts), { backend: 'js' })).data)).toEqual(want);
    expect(Array.from(ck.subset(csrToDense(x), opts).data)).toEqual(want);
    // A CSC with unsorted row indices in column 0 (rows 2, 0).
    const u = new CscMatrix({ shape: [3, 2], data: new Float32Array([5, 6, 7]), indices: new Int32Array([2, 0, 1]), indptr: new Int32Array([0, 2, 3]) });
    expect(u.sorted).toBe(false);
    const kept = ck.subset(u, { cols: [0, 1], backend: 'js' });
    expect(Array.from(kept.indices)).toEqual([2, 0, 1]);
    expect(kept.sorted).toBe(false);
    const reordered = ck.subset(u, { rows: [2, 1, 0], backend: 'js' });
    expect(Array.from(reordered.indices)).toEqual([0, 2, 1]);
    expect(Array.from(reordered.data)).toEqual([5, 6, 7]);
  });

  it('a DenseHandle gives a DenseHandle in the same module, every variant', () => {
    const dense = csrToDense(buildCase({ name: 'counts', rows: 70, cols: 25, density: 0.4, value: (r) => r() * 10 }, 'f64'));
    const sel = selections(...dense.shape)[3]![1];
    const ref = ck.subset(dense, apiSelection(sel));
    for (const b of apiBackends(variants, 'subset').filter((a) => a.backend.uploadDense)) {
      viaApi(b, (backend) => {
        const h = b.backend.uploadDense!(dense);
        const out = ck.subset(h, { ...apiSelection(sel), backend });
        expect(out).toBeInstanceOf(ck.DenseHandle);
        expect(out.module).toBe(h.module);
        expect(out.backend).toBe(backend);
        expect(sameBits(out.download().data, ref.data), b.label).toBe(true);
        expect(() => ck.subset(h, { rows: [0], backend: 'js' })).toThrow(/resident in the .* backend but backend "js" was requested/);
        out.free();
        h.free();
      });
    }
  });

  it('rejects a layout it does not know, and bad selections on CSC and dense, with typed errors', () => {
    expect(() => ck.subset({ format: 'coo', shape: [2, 2] } as never)).toThrow(/subset: expected a CsrMatrix, a CscMatrix, a DenseMatrix or a resident handle/);
    expect(() => ck.subset(new Float32Array(4) as never)).toThrow(ck.InvalidInputError);
    const d = new DenseMatrix({ shape: [2, 3], data: new Float32Array(6) });
    expect(() => ck.subset(d, { cols: [3] })).toThrow(/cols\[0\] = 3 is not an index in \[0, 3\)/);
    expect(() => ck.subset(csrToCsc(csrToDenseInverse(d)), { rows: new Uint8Array(3) })).toThrow(/rows mask has 3 entries, expected 2/);
  });
});

/** An all-zero CSR of a dense matrix's shape (for the CSC error case). */
function csrToDenseInverse(d: DenseMatrix): CsrMatrix {
  return new CsrMatrix({ shape: d.shape, data: new Float32Array(0), indices: new Int32Array(0), indptr: new Int32Array(d.shape[0] + 1) });
}
