import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ck from '../../src/index.js';
import { jsBackend } from '../../src/backends/js/index.js';
import { CsrMatrix } from '../../src/matrix/index.js';
import { KERNEL_TOLERANCE, compareArrays } from '../../src/testing/index.js';
import { type LoadedVariant, loadAllVariants, shutdownAll } from '../helpers/backends.js';
import { allCases } from '../helpers/cases.js';
import { mouse10k, toF64 } from '../helpers/data.js';
import { golden } from '../helpers/golden.js';
import { type Plain, f64Stats, inLayouts, sameBits, values } from '../helpers/transforms.js';

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

  it('CSC and dense layouts, every base: same numbers as the reference, layout and structure kept', () => {
    for (const base of [null, 2]) {
      for (const c of allCases()) {
        for (const { layout, x } of inLayouts(c.x).slice(1)) {
          const ref = jsBackend.kernels.log1p!(x, { base }) as Plain;
          for (const v of variants) {
            const out = v.backend.kernels.log1p!(x, { base }) as Plain;
            expect(out.format).toBe(layout);
            expect(out.data).toBeInstanceOf(c.x.data.constructor);
            const cmp = compareArrays(values(out), values(ref), tol, c.dtype);
            expect(cmp.ok, `${v.label} ${c.name} ${layout}: ${cmp.message}`).toBe(true);
            if (layout === 'csc') expect((out as ck.CscMatrix).indices).toBe((x as ck.CscMatrix).indices);
          }
        }
      }
    }
  });

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

  it('float32 accuracy: at most 2 ULP of float64 log1p over the whole range [+0, FLT_MAX] (every variant)', () => {
    // Every 1024th float32 bit pattern from +0 to the largest finite, plus every float32 in
    // [0.49, 0.51] and near 2, where ck::log1p_nonnegative's exponent k steps (x + 1 = 1.5, 3).
    const bits: number[] = [];
    for (let b = 0; b < 0x7f7fffff; b += 1024) bits.push(b);
    bits.push(0x7f7fffff);
    const f = new Float32Array(1);
    const u = new Uint32Array(f.buffer);
    for (const [lo, hi] of [[0.49, 0.51], [1.99, 2.01]] as const) {
      f[0] = lo;
      const b0 = u[0]!;
      f[0] = hi;
      for (let b = b0; b <= u[0]!; b++) bits.push(b);
    }
    const data = new Float32Array(Uint32Array.from(bits).buffer);
    const x = new ck.DenseMatrix({ shape: [1, data.length], data });
    const ulp = (r: number) => {
      f[0] = r;
      const below = f[0]!;
      u[0] = u[0]! + 1;
      return Math.max(Math.abs(f[0]! - below), 2 ** -149);
    };
    for (const v of variants) {
      const out = v.backend.kernels.log1p!(x, { base: null }).data;
      let worst = 0;
      let at = 0;
      for (let i = 0; i < data.length; i++) {
        const ref = Math.log1p(data[i]!);
        const e = Math.abs(out[i]! - ref) / ulp(Math.abs(ref));
        if (e > worst) [worst, at] = [e, data[i]!];
      }
      expect(worst, `${v.label}: ${worst.toFixed(3)} ULP at ${at}`).toBeLessThanOrEqual(2);
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

describe('log1p: mouse10k against scanpy 1.11.5', () => {
  const G = golden('mouse10k');

  it('normalizeTotal(1e4) → log1p: gene mean, gene variance and cell sums (js, every variant, resident)', async () => {
    const x = await mouse10k();
    const want = ['gene_mean', 'gene_var', 'cell_sum'].map((s) => G.f64(`log1p.norm1e4.${s}`));
    const check = (label: string, out: ck.CsrMatrix) => {
      expect(out.data, label).toBeInstanceOf(Float32Array);
      const s = f64Stats(out);
      for (const [i, ours] of [s.geneMean, s.geneVar, s.cellSum].entries()) {
        const cmp = compareArrays(ours, want[i]!, 'reduction', 'f32');
        expect(cmp.ok, `${label} stat ${i}: ${cmp.message}`).toBe(true);
      }
    };
    const args = { targetSum: 1e4, excludeHighlyExpressed: false, maxFraction: 0.05 };
    check('js', jsBackend.kernels.log1p!(jsBackend.kernels.normalizeTotal!(x, args).X, { base: null }));
    for (const v of variants) {
      const h = v.backend.upload!(x);
      const n = v.backend.kernels.normalizeTotal!(h, args).X;
      const l = v.backend.kernels.log1p!(n, { base: null });
      check(v.label, l.download());
      for (const m of [h, n, l]) m.free();
    }
  });

  it('log1p(raw, base=2): cell sums', async () => {
    const x = await mouse10k();
    const want = G.f64('log1p.base2.raw.cell_sum');
    for (const impl of [{ label: 'js', backend: jsBackend }, ...variants]) {
      const cmp = compareArrays(f64Stats(impl.backend.kernels.log1p!(x, { base: 2 })).cellSum, want, 'reduction', 'f32');
      expect(cmp.ok, `${impl.label}: ${cmp.message}`).toBe(true);
    }
  });

  it('the division by log(base) is numpy’s: float64, rounded once (not a float32 division)', () => {
    // Values whose float32 log1p divided by a float32 log(2) rounds differently.
    const data = Float32Array.from({ length: 4096 }, (_, i) => 0.37 + i * 0.731);
    const x = new ck.DenseMatrix({ shape: [64, 64], data });
    for (const v of variants.filter((w) => w.variant === 'scalar' || w.variant === 'as-scalar')) {
      const plain = v.backend.kernels.log1p!(x, { base: null });
      const b2 = v.backend.kernels.log1p!(x, { base: 2 });
      const numpy = Float32Array.from(plain.data, (r) => r / Math.log(2));
      expect(sameBits(b2.data, numpy), v.label).toBe(true);
    }
  });
});

describe('log1p API', () => {
  const x = new CsrMatrix({ shape: [1, 2], data: new Float32Array([1, 3]), indices: new Int32Array([0, 1]), indptr: new Int32Array([0, 2]) });

  it('rejects an invalid base and unknown options with the valid ones listed', () => {
    expect(() => ck.log1p(x, { base: 1 })).toThrow(ck.InvalidOptionError);
    expect(() => ck.log1p(x, { base: -2 })).toThrow(/base must be/);
    expect(() => ck.log1p(x, { bsae: 2 } as never)).toThrow(/did you mean "base".*valid options: base, inPlace, backend, strict/);
  });

  it('integer counts become float64, as scanpy does; any layout is accepted', () => {
    const ints = new CsrMatrix({ shape: [1, 2], data: new Int32Array([1, 3]) as never, indices: new Int32Array([0, 1]), indptr: new Int32Array([0, 2]) }, { validate: false });
    const out = ck.log1p(ints, { backend: 'js' });
    expect(out.data).toBeInstanceOf(Float64Array);
    expect(Array.from(out.data)).toEqual([Math.log1p(1), Math.log1p(3)]);
    const dense = ck.log1p({ format: 'dense', shape: [1, 2], data: new Uint8Array([0, 7]) }, { backend: 'js' });
    expect(Array.from(dense.data)).toEqual([0, Math.log1p(7)]);
    expect(() => ck.log1p({ format: 'coo', shape: [1, 1], data: new Int32Array([1]) } as never)).toThrow(/format 'csr', 'csc' or 'dense'/);
  });

  it('runs on the js backend before init and matches Math.log1p', () => {
    const out = ck.log1p(x, { backend: 'js', base: 2 });
    expect(Array.from(out.data)).toEqual([Math.fround(1), Math.fround(Math.log1p(3) / Math.LN2)]);
  });
});
