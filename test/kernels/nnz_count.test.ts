import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ck from '../../src/index.js';
import { jsBackend } from '../../src/backends/js/index.js';
import { CsrMatrix } from '../../src/matrix/index.js';
import { csrToCsc, csrToDense } from '../../src/testing/cases.js';
import { KERNEL_TOLERANCE, compareArrays } from '../../src/testing/index.js';
import { type LoadedVariant, loadAllVariants, shutdownAll } from '../helpers/backends.js';
import { mouse10k } from '../helpers/data.js';
import { golden } from '../helpers/golden.js';
import { BAD_INDEX_ROWS, badIndexCases, layoutCases, sameBits } from '../helpers/stats.js';

const tol = KERNEL_TOLERANCE.nnzCount!;
let variants: LoadedVariant[] = [];
beforeAll(async () => {
  variants = await loadAllVariants();
});
afterAll(() => shutdownAll(variants));

describe('nnzCount: every compiled variant matches the js reference exactly', () => {
  it('uses the exact tolerance', () => expect(tol).toBe('exact'));

  for (const axis of [0, 1] as const) {
    for (const positive of [false, true]) {
      it(`edge cases in CSR, CSC and dense, axis ${axis}${positive ? ', positive only' : ''}`, () => {
        for (const c of layoutCases()) {
          const ref = jsBackend.kernels.nnzCount!(c.x, { axis, positive });
          expect(ref).toBeInstanceOf(Int32Array);
          expect(Array.from(ref)).toEqual(Array.from(jsBackend.kernels.nnzCount!(c.csr, { axis, positive })));
          for (const v of variants) {
            const out = v.backend.kernels.nnzCount!(c.x, { axis, positive });
            expect(out).toBeInstanceOf(Int32Array);
            const cmp = compareArrays(out, ref, tol, c.dtype);
            expect(cmp.ok, `${v.label} ${c.name}: ${cmp.message}`).toBe(true);
          }
        }
      });
    }
  }
});

describe('nnzCount against scipy (X.getnnz(axis)) on mouse10k', () => {
  for (const axis of [0, 1] as const) {
    it(`axis ${axis}: js and every variant, CSR, CSC and dense`, async () => {
      const x = await mouse10k();
      const want = golden('mouse10k').get(`nnz.axis${axis}`) as Int32Array;
      expect(want.length).toBe(x.shape[axis === 1 ? 0 : 1]);
      for (const input of [x, csrToCsc(x), csrToDense(x)]) {
        expect(sameBits(jsBackend.kernels.nnzCount!(input, { axis, positive: false }), want), `js ${input.format}`).toBe(true);
        for (const v of variants) expect(sameBits(v.backend.kernels.nnzCount!(input, { axis, positive: false }), want), `${v.label} ${input.format}`).toBe(true);
      }
      // Counts are non-negative here, so x > 0 and x != 0 agree.
      expect(sameBits(ck.nnzCount(x, { axis, positive: true, backend: 'js' }), want)).toBe(true);
    });
  }

  it('simd-threads gives identical counts for 1, 2 and 3 threads', async () => {
    const x = await mouse10k();
    for (const input of [x, csrToCsc(x)]) {
      const outs = variants.filter((v) => v.variant === 'simd-threads').map((v) => v.backend.kernels.nnzCount!(input, { axis: 0, positive: false }));
      expect(sameBits(outs[1]!, outs[0]!) && sameBits(outs[2]!, outs[0]!)).toBe(true);
    }
  });
});

/** Zeros of both signs, NaN, a negative and a positive value: 35 values, the pattern 7 times. */
const PATTERN = [0, NaN, -2, 3, -0];
const patternValues = (Values: Float32ArrayConstructor | Float64ArrayConstructor) => new Values(Array.from({ length: 35 }, (_, k) => PATTERN[k % 5]!));

describe('nnzCount semantics and errors', () => {
  // One row: explicit 0, NaN, −2, 3, −0 → nonzero: NaN, −2, 3 (3); positive: 3 (1).
  const x = new CsrMatrix({ shape: [1, 5], data: new Float32Array([0, NaN, -2, 3, -0]), indices: new Int32Array([0, 1, 2, 3, 4]), indptr: new Int32Array([0, 5]) });

  it('explicit zeros do not count, NaN and negatives do (numpy count_nonzero); positive counts x > 0 only', () => {
    for (const b of [jsBackend, ...variants.map((v) => v.backend)]) {
      for (const input of [x, csrToCsc(x), csrToDense(x)]) {
        expect(Array.from(b.kernels.nnzCount!(input, { axis: 1, positive: false })), b.name).toEqual([3]);
        expect(Array.from(b.kernels.nnzCount!(input, { axis: 1, positive: true }))).toEqual([1]);
        expect(Array.from(b.kernels.nnzCount!(input, { axis: 0, positive: false }))).toEqual([0, 1, 1, 1, 0]);
      }
    }
  });

  it('the same on a row long enough for the unrolled vector loop (the pattern 7 times, f32 and f64)', () => {
    for (const Values of [Float32Array, Float64Array]) {
      const long = new CsrMatrix({
        shape: [1, 35],
        data: patternValues(Values),
        indices: Int32Array.from({ length: 35 }, (_, k) => k),
        indptr: new Int32Array([0, 35]),
      });
      for (const b of [jsBackend, ...variants.map((v) => v.backend)]) {
        for (const input of [long, csrToDense(long)]) {
          expect(Array.from(b.kernels.nnzCount!(input, { axis: 1, positive: false })), b.name).toEqual([21]);
          expect(Array.from(b.kernels.nnzCount!(input, { axis: 1, positive: true })), b.name).toEqual([7]);
        }
      }
    }
  });

  it('along columns over many stored values (the four-at-a-time scatter), and a bad index inside one of its blocks', () => {
    // 7 rows, each storing the pattern in columns 0..4: column c holds PATTERN[c] seven times.
    for (const Values of [Float32Array, Float64Array]) {
      const m = new CsrMatrix({
        shape: [7, 6],
        data: patternValues(Values),
        indices: Int32Array.from({ length: 35 }, (_, k) => k % 5),
        indptr: Int32Array.from({ length: 8 }, (_, r) => 5 * r),
      });
      for (const b of [jsBackend, ...variants.map((v) => v.backend)]) {
        expect(Array.from(b.kernels.nnzCount!(m, { axis: 0, positive: false })), b.name).toEqual([0, 7, 7, 7, 0, 0]);
        expect(Array.from(b.kernels.nnzCount!(m, { axis: 0, positive: true })), b.name).toEqual([0, 0, 0, 7, 0, 0]);
      }
      // row 2's second value (stored value 11, inside the block 8..11) names column 9 of 6
      const bad = new CsrMatrix({ shape: [4, 6], data: new Values(20).fill(1), indices: Int32Array.from({ length: 20 }, (_, k) => (k === 11 ? 9 : k % 5)), indptr: new Int32Array([0, 5, 10, 15, 20]) }, { validate: false });
      for (const v of variants) expect(() => v.backend.kernels.nnzCount!(bad, { axis: 0, positive: false }), v.label).toThrow(/index at row 2 is outside/);
    }
  });

  it('along columns reports the first bad index by row: negative, exactly ncols, in the tail, across chunks', () => {
    for (const dtype of ['f32', 'f64'] as const) {
      for (const c of badIndexCases(dtype)) {
        for (const v of variants) {
          for (const positive of [false, true]) {
            const run = () => v.backend.kernels.nnzCount!(c.x, { axis: 0, positive });
            if (c.row < 0) expect(Array.from(run()), v.label).toEqual(new Array(9).fill(BAD_INDEX_ROWS));
            else expect(run, `${v.label} ${dtype} ${c.name}`).toThrow(new RegExp(`index at row ${c.row} is outside`));
          }
        }
      }
    }
  });

  it('rejects bad options and inputs with typed errors; bad indices in the module too', () => {
    expect(() => ck.nnzCount(x, { axis: -1 as 0 })).toThrow(ck.InvalidOptionError);
    expect(() => ck.nnzCount(x, { positive: 'yes' as never })).toThrow(/positive must be/);
    expect(() => ck.nnzCount([1, 2] as never)).toThrow(ck.InvalidInputError);
    const bad = new CsrMatrix({ shape: [2, 3], data: new Float32Array([1, 2]), indices: new Int32Array([0, 7]), indptr: new Int32Array([0, 1, 2]) }, { validate: false });
    for (const v of variants) expect(() => v.backend.kernels.nnzCount!(bad, { axis: 0, positive: false }), v.label).toThrow(/index at row 1 is outside/);
  });
});
