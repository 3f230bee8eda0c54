import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ck from '../../src/index.js';
import { jsBackend } from '../../src/backends/js/index.js';
import { CscMatrix, CsrMatrix } from '../../src/matrix/index.js';
import { SPECIAL_SPECS, buildCase, csrToCsc, csrToDense } from '../../src/testing/cases.js';
import { KERNEL_TOLERANCE } from '../../src/testing/index.js';
import { type LoadedVariant, loadAllVariants, shutdownAll } from '../helpers/backends.js';
import { allCases } from '../helpers/cases.js';
import { mouse10k, toF64 } from '../helpers/data.js';
import { sameBits } from '../helpers/stats.js';

let variants: LoadedVariant[] = [];
beforeAll(async () => {
  variants = await loadAllVariants();
});
afterAll(() => shutdownAll(variants));

const cases = () => [...allCases(), ...SPECIAL_SPECS.flatMap((s) => (['f32', 'f64'] as const).map((dtype) => ({ name: `${s.name} ${dtype}`, dtype, x: buildCase(s, dtype) })))];

function expectSame(out: CsrMatrix | CscMatrix, ref: CsrMatrix | CscMatrix, label: string): void {
  expect(out.format, label).toBe(ref.format);
  expect(out.shape, label).toEqual(ref.shape);
  expect(out.data.constructor, label).toBe(ref.data.constructor);
  expect(sameBits(out.indptr, ref.indptr), `${label} indptr`).toBe(true);
  expect(sameBits(out.indices, ref.indices), `${label} indices`).toBe(true);
  expect(sameBits(out.data, ref.data), `${label} data`).toBe(true);
  expect(out.sorted, label).toBe(ref.sorted);
}

describe('toCsc / toCsr: exact, every variant identical to the js reference', () => {
  it('tolerances are exact', () => {
    expect(KERNEL_TOLERANCE.toCsc).toBe('exact');
    expect(KERNEL_TOLERANCE.toCsr).toBe('exact');
  });

  it('toCsc equals an independent CSR→CSC transpose (sorted row indices) on every edge case, unsorted input included', () => {
    for (const c of cases()) {
      const ref = jsBackend.kernels.toCsc!(c.x, {});
      expectSame(ref, csrToCsc(c.x), `js ${c.name}`);
      expect(ref.sorted).toBe(true);
      for (const v of variants) expectSame(v.backend.kernels.toCsc!(c.x, {}), ref, `${v.label} ${c.name}`);
    }
  });

  it('toCsr of the CSC gives the same matrix back with sorted indices', () => {
    for (const c of cases()) {
      const csc = csrToCsc(c.x);
      const ref = jsBackend.kernels.toCsr!(csc, {});
      expect(ref.sorted).toBe(true);
      expect(sameBits(csrToDense(ref).data, csrToDense(c.x).data), c.name).toBe(true);
      if (c.x.sorted) expectSame(ref, c.x, `js ${c.name} round trip`);
      for (const v of variants) expectSame(v.backend.kernels.toCsr!(csc, {}), ref, `${v.label} ${c.name}`);
    }
  });

  it('larger random matrices over several row chunks and column tiles: unsorted, sorted, one row unsorted; duplicated, empty rows and columns, f32 and f64', () => {
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    // Sorted input takes the tiled scatter (512 output slices at a time) when there are more
    // than 512 columns; one unsorted row anywhere must send it back to the plain scatter.
    const orders = ['unsorted', 'sorted', 'sorted but one row'] as const;
    for (const [nrows, ncols, order] of [
      [700, 129, 0], [1500, 1000, 0], [50, 300, 0], [1500, 1000, 1], [3000, 1300, 1], [2200, 1100, 2], [40, 2000, 1],
    ] as const) {
      const indptr = [0];
      const indices: number[] = [];
      for (let r = 0; r < nrows; r++) {
        const len = r % 7 === 3 ? 0 : rnd(60); // some empty rows
        const row: number[] = [];
        for (let i = 0; i < len; i++) row.push(rnd(ncols) & ~1); // odd columns stay empty; duplicates
        if (order > 0) row.sort((a, b) => a - b);
        indices.push(...row);
        indptr.push(indices.length);
      }
      if (order === 2) {
        // One descent, at the end of a row in the last chunk, across two column tiles: its last
        // two values go to columns ncols − 2 and 2, which later rows also hold.
        let r = nrows - 50;
        while (indptr[r + 1]! - indptr[r]! < 2) r--;
        indices[indptr[r + 1]! - 2] = ncols - 2;
        indices[indptr[r + 1]! - 1] = 2;
      }
      const label = `${nrows}×${ncols} ${orders[order]}`;
      for (const dtype of ['f32', 'f64'] as const) {
        const values = indices.map((_, k) => (k % 5 === 0 ? 0 : (k % 97) - 40.25));
        const data = dtype === 'f32' ? Float32Array.from(values) : Float64Array.from(values);
        const x = new CsrMatrix({ shape: [nrows, ncols], data, indices: Int32Array.from(indices), indptr: Int32Array.from(indptr) });
        const ref = csrToCsc(x);
        expectSame(jsBackend.kernels.toCsc!(x, {}), ref, `js ${label} ${dtype}`);
        for (const v of variants) expectSame(v.backend.kernels.toCsc!(x, {}), ref, `${v.label} ${label} ${dtype}`);
        // Back to CSR (the CSC is sorted, so this direction tiles over the rows): the reference is
        // the transpose of the CSC read as the CSR of the transposed matrix.
        const t = csrToCsc(new CsrMatrix({ shape: [ncols, nrows], data: ref.data, indices: ref.indices, indptr: ref.indptr }));
        const back = new CsrMatrix({ shape: [nrows, ncols], data: t.data, indices: t.indices, indptr: t.indptr });
        for (const v of variants) expectSame(v.backend.kernels.toCsr!(ref, {}), back, `${v.label} ${label} ${dtype} back to CSR`);
      }
    }
  });

  it('duplicates and explicit zeros are kept, as scipy', () => {
    // Row 0 holds column 1 twice (unsorted, duplicated) and an explicit zero at column 0.
    const x = new CsrMatrix({ shape: [2, 2], data: new Float32Array([5, 0, 7, 1]), indices: new Int32Array([1, 0, 1, 1]), indptr: new Int32Array([0, 3, 4]) });
    for (const b of [jsBackend, ...variants.map((v) => v.backend)]) {
      const c = b.kernels.toCsc!(x, {});
      expect(Array.from(c.indptr)).toEqual([0, 1, 4]);
      expect(Array.from(c.indices)).toEqual([0, 0, 0, 1]);
      expect(Array.from(c.data)).toEqual([0, 5, 7, 1]);
      expect(c.sorted).toBe(false); // duplicated row 0 in column 1
    }
  });

  it('mouse10k f32 and f64; simd-threads with 1, 2, 3 threads and a resident input give the same arrays', async () => {
    const x32 = await mouse10k();
    for (const x of [x32, toF64(x32)]) {
      const ref = jsBackend.kernels.toCsc!(x, {});
      for (const v of variants) expectSame(v.backend.kernels.toCsc!(x, {}), ref, v.label);
      const back = jsBackend.kernels.toCsr!(ref, {});
      expectSame(back, x, 'round trip');
      for (const v of variants) expectSame(v.backend.kernels.toCsr!(ref, {}), x, `${v.label} round trip`);
    }
    const v = variants[2]!;
    const h = v.backend.upload!(x32);
    expectSame(v.backend.kernels.toCsc!(h, {}), jsBackend.kernels.toCsc!(x32, {}), 'resident');
    h.free();
  });
});

describe('toCsc / toCsr API', () => {
  const x = new CsrMatrix({ shape: [2, 3], data: new Float64Array([1, 2]), indices: new Int32Array([2, 0]), indptr: new Int32Array([0, 1, 2]) });

  it('returns a matrix already in the layout as is', () => {
    const c = ck.toCsc(x, { backend: 'js' });
    expect(ck.toCsc(c)).toBe(c);
    expect(ck.toCsr(x)).toBe(x);
    expect(Array.from(ck.toCsr(c, { backend: 'js' }).indices)).toEqual([2, 0]);
  });

  it('rejects other inputs with typed errors; a bad index in the module too', () => {
    expect(() => ck.toCsc(new ck.DenseMatrix({ shape: [1, 1], data: new Float32Array(1) }) as never)).toThrow(ck.InvalidInputError);
    expect(() => ck.toCsr({} as never)).toThrow(ck.InvalidInputError);
    expect(() => ck.toCsc(x, { axis: 0 } as never)).toThrow(ck.InvalidOptionError);
    const bad = new CsrMatrix({ shape: [2, 3], data: new Float32Array([1, 2]), indices: new Int32Array([0, 9]), indptr: new Int32Array([0, 1, 2]) }, { validate: false });
    for (const v of variants) expect(() => v.backend.kernels.toCsc!(bad, {}), v.label).toThrow(/index at row 1 is outside/);
  });
});
