import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ck from '../../src/index.js';
import { jsBackend } from '../../src/backends/js/index.js';
import { CsrMatrix } from '../../src/matrix/index.js';
import { KERNEL_TOLERANCE, compareArrays } from '../../src/testing/index.js';
import { type LoadedVariant, loadAllVariants, shutdownAll } from '../helpers/backends.js';
import { allCases } from '../helpers/cases.js';
import { mouse10k, toF64 } from '../helpers/data.js';
import { golden } from '../helpers/golden.js';
import { BAD_INDEX_ROWS, badIndexCases, layoutCases, sameBits } from '../helpers/stats.js';
import { csrToCsc, csrToDense } from '../../src/testing/cases.js';

const tol = KERNEL_TOLERANCE.sum!;
let variants: LoadedVariant[] = [];
beforeAll(async () => {
  variants = await loadAllVariants();
});
afterAll(() => shutdownAll(variants));

describe('sum: every compiled variant matches the js reference', () => {
  for (const axis of [0, 1] as const) {
    it(`edge cases, axis ${axis}`, () => {
      for (const v of variants) {
        for (const c of allCases()) {
          const ref = jsBackend.kernels.sum!(c.x, { axis });
          const out = v.backend.kernels.sum!(c.x, { axis });
          expect(out.length).toBe(axis === 1 ? c.x.shape[0] : c.x.shape[1]);
          const cmp = compareArrays(out, ref, tol, c.dtype);
          expect(cmp.ok, `${v.label} ${c.name}: ${cmp.message}`).toBe(true);
        }
      }
    });

    it(`edge cases in CSC and dense (and NaN, inf, negatives), axis ${axis}`, () => {
      for (const c of layoutCases()) {
        const ref = jsBackend.kernels.sum!(c.x, { axis });
        // Independent check of the reference: the CSR sum of the same matrix.
        const cmpCsr = compareArrays(ref, jsBackend.kernels.sum!(c.csr, { axis }), tol, c.dtype);
        expect(cmpCsr.ok, `js ${c.name} vs its CSR twin: ${cmpCsr.message}`).toBe(true);
        for (const v of variants) {
          const cmp = compareArrays(v.backend.kernels.sum!(c.x, { axis }), ref, tol, c.dtype);
          expect(cmp.ok, `${v.label} ${c.name}: ${cmp.message}`).toBe(true);
        }
      }
    });

    it(`real scanpy/numpy golden (X.sum(axis=${axis}, dtype=float64)) on mouse10k: js and every variant, CSR and CSC`, async () => {
      const x = await mouse10k();
      const want = golden('mouse10k').f64(`sum.axis${axis}`);
      for (const input of [x, csrToCsc(x)]) {
        expect(sameBits(jsBackend.kernels.sum!(input, { axis }), want)).toBe(true);
        for (const v of variants) {
          const cmp = compareArrays(v.backend.kernels.sum!(input, { axis }), want, tol, 'f32');
          expect(cmp.ok && cmp.worstRatio === 0, `${v.label} ${input.format}: ${cmp.message}`).toBe(true);
        }
      }
    });

    it(`real data (mouse10k), axis ${axis}`, async () => {
      const x32 = await mouse10k();
      for (const x of [x32, toF64(x32)]) {
        const ref = jsBackend.kernels.sum!(x, { axis });
        for (const v of variants) {
          const cmp = compareArrays(v.backend.kernels.sum!(x, { axis }), ref, tol, x.dtype);
          expect(cmp.ok, `${v.label}: ${cmp.message}`).toBe(true);
        }
      }
    });
  }

  it('real data totals are the known dataset facts (691,914 stored counts; one empty cell)', async () => {
    const x = await mouse10k();
    expect(x.shape).toEqual([10000, 1000]);
    expect(x.nnz).toBe(691914);
    const totals = jsBackend.kernels.sum!(x, { axis: 1 });
    expect(totals.filter((t) => t === 0).length).toBe(1);
  });

  it('simd-threads gives bit-identical column sums for 1, 2 and 3 threads', async () => {
    // Values with many significant bits so that a different summation order would show.
    const x = await mouse10k();
    const noisy = x.withData(Float64Array.from(x.data, (v, i) => v * (1 + ((i * 2654435761) % 1000) * 1e-7)));
    const outs = variants.filter((v) => v.variant === 'simd-threads').map((v) => v.backend.kernels.sum!(noisy, { axis: 0 }));
    expect(Buffer.from(outs[1]!.buffer).equals(Buffer.from(outs[0]!.buffer))).toBe(true);
    expect(Buffer.from(outs[2]!.buffer).equals(Buffer.from(outs[0]!.buffer))).toBe(true);
  });

  it('simd-threads gives bit-identical CSC and dense sums for 1, 2 and 3 threads', async () => {
    const x = await mouse10k();
    const noisy = x.withData(Float64Array.from(x.data, (v, i) => v * (1 + ((i * 2654435761) % 1000) * 1e-7)));
    const threads = variants.filter((v) => v.variant === 'simd-threads');
    for (const input of [csrToCsc(noisy), csrToDense(noisy)]) {
      for (const axis of [0, 1] as const) {
        const outs = threads.map((v) => v.backend.kernels.sum!(input, { axis }));
        expect(sameBits(outs[1]!, outs[0]!) && sameBits(outs[2]!, outs[0]!), `${input.format} axis ${axis}`).toBe(true);
      }
    }
  });

  it('an out-of-range index reaching the module is a typed error, and the module stays usable', () => {
    const bad = new CsrMatrix(
      { shape: [2, 3], data: new Float32Array([1, 2]), indices: new Int32Array([0, 7]), indptr: new Int32Array([0, 1, 2]) },
      { validate: false },
    );
    const good = new CsrMatrix({ shape: [1, 1], data: new Float32Array([5]), indices: new Int32Array([0]), indptr: new Int32Array([0, 1]) });
    for (const v of variants) {
      expect(() => v.backend.kernels.sum!(bad, { axis: 0 }), v.label).toThrow(/index at row 1 is outside/);
      expect(Array.from(v.backend.kernels.sum!(good, { axis: 0 }))).toEqual([5]);
    }
  });

  it('along columns reports the first bad index by row: negative, exactly ncols, in the tail, across chunks', () => {
    for (const dtype of ['f32', 'f64'] as const) {
      for (const c of badIndexCases(dtype)) {
        for (const v of variants) {
          const run = () => v.backend.kernels.sum!(c.x, { axis: 0 });
          if (c.row < 0) expect(Array.from(run()), v.label).toEqual(new Array(9).fill(2 * BAD_INDEX_ROWS));
          else expect(run, `${v.label} ${dtype} ${c.name}`).toThrow(new RegExp(`index at row ${c.row} is outside`));
        }
      }
    }
  });

  it('rejects a bad axis', () => {
    const x = new CsrMatrix({ shape: [1, 1], data: new Float32Array([1]), indices: new Int32Array([0]), indptr: new Int32Array([0, 1]) });
    expect(() => ck.sum(x, { axis: 2 as 0 })).toThrow(ck.InvalidOptionError);
  });
});
