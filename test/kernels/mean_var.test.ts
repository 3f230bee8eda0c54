import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ck from '../../src/index.js';
import { jsBackend } from '../../src/backends/js/index.js';
import type { MeanVarResult, StatsInput } from '../../src/backends/types.js';
import { CsrMatrix } from '../../src/matrix/index.js';
import { csrToCsc, csrToDense } from '../../src/testing/cases.js';
import { KERNEL_TOLERANCE, compareArrays } from '../../src/testing/index.js';
import { type LoadedVariant, loadAllVariants, shutdownAll } from '../helpers/backends.js';
import { mouse10k, toF64 } from '../helpers/data.js';
import { golden } from '../helpers/golden.js';
import { badIndexCases, layoutCases, sameBits } from '../helpers/stats.js';

const tol = KERNEL_TOLERANCE.meanVar!;
let variants: LoadedVariant[] = [];
beforeAll(async () => {
  variants = await loadAllVariants();
});
afterAll(() => shutdownAll(variants));

function expectClose(out: MeanVarResult, ref: MeanVarResult, dtype: 'f32' | 'f64', label: string): void {
  for (const k of ['mean', 'var'] as const) {
    expect(out[k]).toBeInstanceOf(Float64Array);
    const cmp = compareArrays(out[k], ref[k], tol, dtype);
    expect(cmp.ok, `${label} ${k}: ${cmp.message}`).toBe(true);
  }
}

describe('meanVar: every compiled variant matches the js reference', () => {
  for (const [axis, ddof] of [[0, 1], [1, 1], [0, 0], [1, 0]] as const) {
    it(`edge cases in CSR, CSC and dense, axis ${axis}, ddof ${ddof}`, () => {
      const cases = layoutCases();
      for (const c of cases) {
        const ref = jsBackend.kernels.meanVar!(c.x, { axis, ddof });
        expect(ref.mean.length).toBe(c.x.shape[axis === 1 ? 0 : 1]);
        for (const v of variants) expectClose(v.backend.kernels.meanVar!(c.x, { axis, ddof }), ref, c.dtype, `${v.label} ${c.name}`);
      }
    });
  }

  it('simd-threads gives bit-identical output for 1, 2 and 3 threads (CSR, CSC, dense; both axes)', async () => {
    const x = await mouse10k();
    const noisy = x.withData(Float64Array.from(x.data, (v, i) => v * (1 + ((i * 2654435761) % 1000) * 1e-7)));
    const threads = variants.filter((v) => v.variant === 'simd-threads');
    expect(threads).toHaveLength(3);
    for (const input of [noisy, csrToCsc(noisy), csrToDense(noisy.withData(Float32Array.from(noisy.data)))] as StatsInput[]) {
      for (const axis of [0, 1] as const) {
        const outs = threads.map((v) => v.backend.kernels.meanVar!(input, { axis, ddof: 1 }));
        for (const o of outs.slice(1)) {
          expect(sameBits(o.mean, outs[0]!.mean)).toBe(true);
          expect(sameBits(o.var, outs[0]!.var)).toBe(true);
        }
      }
    }
  });
});

describe('meanVar against real scanpy (fast_array_utils.stats.mean_var) on mouse10k', () => {
  const g = golden('mouse10k');

  for (const layout of ['csr', 'csc'] as const) {
    for (const axis of [0, 1] as const) {
      it(`${layout} float32, axis ${axis}: js and every variant, bit-exact on counts`, async () => {
        const x32 = await mouse10k();
        const x = layout === 'csr' ? x32 : csrToCsc(x32);
        const want = { mean: g.f64(`meanvar.${layout}.axis${axis}.mean`), var: g.f64(`meanvar.${layout}.axis${axis}.var`) };
        const ref = jsBackend.kernels.meanVar!(x, { axis, ddof: 1 });
        expectClose(ref, want, 'f32', 'js');
        expect(sameBits(ref.mean, want.mean)).toBe(true);
        expect(sameBits(ref.var, want.var)).toBe(true);
        for (const v of variants) {
          const out = v.backend.kernels.meanVar!(x, { axis, ddof: 1 });
          expectClose(out, want, 'f32', v.label);
          expect(sameBits(out.var, want.var), v.label).toBe(true);
        }
      });
    }
  }

  it('dense float64, both axes: js and wasm/as variants', async () => {
    const x = csrToDense(toF64(await mouse10k()));
    for (const axis of [0, 1] as const) {
      const want = { mean: g.f64(`meanvar.dense.axis${axis}.mean`), var: g.f64(`meanvar.dense.axis${axis}.var`) };
      expectClose(jsBackend.kernels.meanVar!(x, { axis, ddof: 1 }), want, 'f64', 'js');
      for (const v of variants.filter((v) => ['simd-threads×2', 'scalar', 'as-simd'].includes(v.label))) {
        expectClose(v.backend.kernels.meanVar!(x, { axis, ddof: 1 }), want, 'f64', v.label);
      }
    }
  });

  it('the public API defaults (axis 0, ddof 1) give the golden gene variances', async () => {
    const x = await mouse10k();
    const out = ck.meanVar(x, { backend: 'js' });
    expect(sameBits(out.var, g.f64('meanvar.csr.axis0.var'))).toBe(true);
  });
});

describe('meanVar semantics and errors', () => {
  // 2 × 1 matrix [[1e20], [0]]: across rows (CSR axis 0) the square is taken in float32 and
  // overflows (scanpy's minor-axis path); along the row (CSR axis 1) it is taken in float64.
  const big = new CsrMatrix({ shape: [2, 1], data: new Float32Array([1e20]), indices: new Int32Array([0]), indptr: new Int32Array([0, 1, 1]) });

  it('squares in float32 across stored slices and in float64 along them, as scanpy', () => {
    const m = Math.fround(1e20);
    for (const b of [jsBackend, ...variants.map((v) => v.backend)]) {
      const across = b.kernels.meanVar!(big, { axis: 0, ddof: 1 });
      expect(across.mean[0]).toBe(m / 2);
      expect(across.var[0]).toBe(Infinity);
      const along = b.kernels.meanVar!(big, { axis: 1, ddof: 1 });
      expect(Array.from(along.mean)).toEqual([m, 0]);
      expect(Array.from(along.var)).toEqual([m * m - m * m, 0]);
      const f64 = b.kernels.meanVar!(big.withData(new Float64Array([m])), { axis: 0, ddof: 1 });
      expect(f64.var[0]).toBe((m * m / 2 - (m / 2) * (m / 2)) * 2);
    }
  });

  it('known values: ddof 1 multiplies by n/(n−1), ddof 0 does not; n = 1 is never corrected', () => {
    const x = new CsrMatrix({ shape: [3, 2], data: new Float64Array([1, 2, 4, 3]), indices: new Int32Array([0, 0, 1, 0]), indptr: new Int32Array([0, 1, 3, 4]) });
    // column 0: [1, 2, 3] → mean 2, var (ddof 1) 1; column 1: [0, 4, 0] → mean 4/3, var 16/3.
    for (const b of [jsBackend, ...variants.map((v) => v.backend)]) {
      const r1 = b.kernels.meanVar!(x, { axis: 0, ddof: 1 });
      expect(r1.mean[0]).toBeCloseTo(2, 14);
      expect(r1.var[0]).toBeCloseTo(1, 14);
      expect(r1.var[1]).toBeCloseTo(16 / 3, 13);
      const r0 = b.kernels.meanVar!(x, { axis: 0, ddof: 0 });
      expect(r0.var[0]).toBeCloseTo(2 / 3, 14);
      const one = b.kernels.meanVar!(new CsrMatrix({ shape: [1, 1], data: new Float64Array([5]), indices: new Int32Array([0]), indptr: new Int32Array([0, 1]) }), { axis: 0, ddof: 1 });
      expect(Array.from(one.var)).toEqual([0]);
    }
  });

  it('rejects bad options and inputs with typed errors', () => {
    const x = new CsrMatrix({ shape: [1, 1], data: new Float32Array([1]), indices: new Int32Array([0]), indptr: new Int32Array([0, 1]) });
    expect(() => ck.meanVar(x, { axis: 2 as 0 })).toThrow(ck.InvalidOptionError);
    expect(() => ck.meanVar(x, { ddof: 2 as 1 })).toThrow(/ddof must be 0 or 1/);
    expect(() => ck.meanVar(x, { ddf: 1 } as never)).toThrow(/did you mean "ddof"/);
    expect(() => ck.meanVar({} as never)).toThrow(ck.InvalidInputError);
  });

  it('an out-of-range index reaching the module is a typed error, and the module stays usable', () => {
    const bad = new CsrMatrix({ shape: [2, 3], data: new Float32Array([1, 2]), indices: new Int32Array([0, 7]), indptr: new Int32Array([0, 1, 2]) }, { validate: false });
    for (const v of variants) {
      expect(() => v.backend.kernels.meanVar!(bad, { axis: 0, ddof: 1 }), v.label).toThrow(/index at row 1 is outside/);
      expect(() => v.backend.kernels.meanVar!(csrToCsc(big), { axis: 1, ddof: 1 })).not.toThrow();
    }
  });

  it('along columns reports the first bad index by row (negative, exactly ncols, in the tail, across chunks), as does expm1MeanVar', () => {
    for (const dtype of ['f32', 'f64'] as const) {
      for (const c of badIndexCases(dtype)) {
        for (const v of variants) {
          const runs: Array<[string, () => MeanVarResult]> = [
            ['meanVar', () => v.backend.kernels.meanVar!(c.x, { axis: 0, ddof: 1 })],
            ['expm1MeanVar plain', () => v.backend.kernels.expm1MeanVar!(c.x, { expm1: false })],
          ];
          for (const [name, run] of runs) {
            const label = `${v.label} ${name} ${dtype} ${c.name}`;
            if (c.row >= 0) expect(run, label).toThrow(new RegExp(`index at row ${c.row} is outside`));
            else {
              const r = run(); // every stored value is 2
              expect(Array.from(r.mean), label).toEqual(new Array(9).fill(2));
              expect(Array.from(r.var), label).toEqual(new Array(9).fill(0));
            }
          }
        }
      }
    }
  });

  it('integer counts are accepted (converted to float64) and resident input is not copied', async () => {
    const ints = { format: 'csr' as const, shape: [3, 2] as const, data: new Int32Array([1, 2, 4, 3]), indices: new Int32Array([0, 0, 1, 0]), indptr: new Int32Array([0, 1, 3, 4]) };
    expect(ck.meanVar(ints, { backend: 'js' }).mean[0]).toBe(2);
    const v = variants.find((v) => v.label === 'simd')!;
    const x = await mouse10k();
    const h = v.backend.upload!(x);
    const before = v.module.transfers.bytesToModule;
    const out = v.backend.kernels.meanVar!(h, { axis: 0, ddof: 1 });
    expect(v.module.transfers.bytesToModule).toBe(before);
    expect(sameBits(out.var, golden('mouse10k').f64('meanvar.csr.axis0.var'))).toBe(true);
    h.free();
  });
});
