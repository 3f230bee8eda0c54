import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ck from '../../src/index.js';
import { jsBackend } from '../../src/backends/js/index.js';
import { CsrMatrix } from '../../src/matrix/index.js';
import { KERNEL_TOLERANCE, compareArrays } from '../../src/testing/index.js';
import { type LoadedVariant, loadAllVariants, shutdownAll } from '../helpers/backends.js';
import { allCases } from '../helpers/cases.js';
import { mouse10k, toF64 } from '../helpers/data.js';

const tol = KERNEL_TOLERANCE.log1p!;
let variants: LoadedVariant[] = [];
beforeAll(async () => {
  variants = await loadAllVariants();
});
afterAll(() => shutdownAll(variants));

describe('log1p: every compiled variant matches the js reference', () => {
  for (const base of [null, 2, 10]) {
    it(`edge cases, base ${base}`, () => {
      for (const v of variants) {
        for (const c of allCases()) {
          const ref = jsBackend.kernels.log1p!(c.x, { base });
          const out = v.backend.kernels.log1p!(c.x, { base });
          expect(out.data).toBeInstanceOf(c.x.data.constructor);
          const cmp = compareArrays(out.data, ref.data, tol, c.dtype);
          expect(cmp.ok, `${v.label} ${c.name}: ${cmp.message}`).toBe(true);
          expect(out.indices).toBe(c.x.indices);
        }
      }
    });
  }

  it('real data (mouse10k), f32 and f64', async () => {
    const x32 = await mouse10k();
    for (const x of [x32, toF64(x32)]) {
      const ref = jsBackend.kernels.log1p!(x, { base: null });
      for (const v of variants) {
        const cmp = compareArrays(v.backend.kernels.log1p!(x, { base: null }).data, ref.data, tol, x.dtype);
        expect(cmp.ok, `${v.label}: ${cmp.message}`).toBe(true);
      }
    }
  });

  it('negative values, -1, NaN and infinities behave as numpy', () => {
    const vals = [-0.5, -1, -2, Number.NaN, Number.POSITIVE_INFINITY, 0, 3, 1e-30, 7, 8, 9, 10, 11];
    for (const dtype of ['f32', 'f64'] as const) {
      const data = dtype === 'f32' ? Float32Array.from(vals) : Float64Array.from(vals);
      const x = new CsrMatrix({ shape: [1, vals.length], data, indices: Int32Array.from(vals.map((_, i) => i)), indptr: new Int32Array([0, vals.length]) });
      const numpy = [Math.log1p(-0.5), -Infinity, NaN, NaN, Infinity, 0, Math.log1p(3), 1e-30, Math.log1p(7), Math.log1p(8), Math.log1p(9), Math.log1p(10), Math.log1p(11)];
      for (const v of variants) {
        const cmp = compareArrays(v.backend.kernels.log1p!(x, { base: null }).data, numpy.map((n) => (dtype === 'f32' ? Math.fround(n) : n)), tol, dtype);
        expect(cmp.ok, `${v.label} ${dtype}: ${cmp.message}`).toBe(true);
      }
    }
  });

  it('simd-threads gives bit-identical output for 1, 2 and 3 threads', async () => {
    const x = await mouse10k();
    const outs = variants.filter((v) => v.variant === 'simd-threads').map((v) => v.backend.kernels.log1p!(x, { base: 2 }).data);
    expect(outs).toHaveLength(3);
    expect(Buffer.from(outs[1]!.buffer).equals(Buffer.from(outs[0]!.buffer))).toBe(true);
    expect(Buffer.from(outs[2]!.buffer).equals(Buffer.from(outs[0]!.buffer))).toBe(true);
  });
});

describe('log1p API', () => {
  const x = new CsrMatrix({ shape: [1, 2], data: new Float32Array([1, 3]), indices: new Int32Array([0, 1]), indptr: new Int32Array([0, 2]) });

  it('rejects an invalid base and unknown options with the valid ones listed', () => {
    expect(() => ck.log1p(x, { base: 1 })).toThrow(ck.InvalidOptionError);
    expect(() => ck.log1p(x, { base: -2 })).toThrow(/base must be/);
    expect(() => ck.log1p(x, { bsae: 2 } as never)).toThrow(/did you mean "base".*valid options: base, backend, strict/);
  });

  it('runs on the js backend before init and matches Math.log1p', () => {
    const out = ck.log1p(x, { backend: 'js', base: 2 });
    expect(Array.from(out.data)).toEqual([Math.fround(1), Math.fround(Math.log1p(3) / Math.LN2)]);
  });
});
