import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ck from '../../src/index.js';
import { jsBackend } from '../../src/backends/js/index.js';
import type { FilterArgs, FilterResult } from '../../src/backends/types.js';
import { CsrMatrix, type DType } from '../../src/matrix/index.js';
import { csrToCsc, csrToDense } from '../../src/testing/cases.js';
import { KERNEL_TOLERANCE, allowedError, compareArrays } from '../../src/testing/index.js';
import { type LoadedVariant, loadAllVariants, shutdownAll } from '../helpers/backends.js';
import { mouse10k } from '../helpers/data.js';
import { golden } from '../helpers/golden.js';
import { layoutCases, sameBits } from '../helpers/stats.js';

let variants: LoadedVariant[] = [];
beforeAll(async () => {
  variants = await loadAllVariants();
});
afterAll(() => shutdownAll(variants));

const ARGS: FilterArgs[] = [
  { by: 'counts', min: 6, max: null },
  { by: 'counts', min: null, max: 40 },
  { by: 'detected', min: 3, max: null },
  { by: 'detected', min: null, max: 10 },
];

/** Counts within tolerance; masks equal except where the reference count is within tolerance of the threshold. */
function expectSameFilter(out: FilterResult, ref: FilterResult, args: FilterArgs, dtype: DType, tol: 'reduction', label: string): void {
  expect(out.counts.constructor, label).toBe(ref.counts.constructor);
  const cmp = compareArrays(out.counts, ref.counts, ref.counts instanceof Int32Array ? 'exact' : tol, dtype);
  expect(cmp.ok, `${label} counts: ${cmp.message}`).toBe(true);
  const t = (args.min ?? args.max)!;
  for (let i = 0; i < ref.mask.length; i++) {
    if (out.mask[i] !== ref.mask[i]) expect(Math.abs(ref.counts[i]! - t), `${label} mask[${i}]`).toBeLessThanOrEqual(allowedError(tol, ref.counts[i]!, dtype));
  }
  expect(out.mask.length).toBe(ref.mask.length);
}

describe('filterCells / filterGenes: every compiled variant matches the js reference', () => {
  for (const kernel of ['filterCells', 'filterGenes'] as const) {
    it(`${kernel}: edge cases in CSR, CSC and dense, four thresholds`, () => {
      const tol = KERNEL_TOLERANCE[kernel] as 'reduction';
      for (const c of layoutCases()) {
        for (const args of ARGS) {
          const ref = jsBackend.kernels[kernel]!(c.x, args);
          expect(ref.counts).toBeInstanceOf(args.by === 'detected' ? Int32Array : c.dtype === 'f32' ? Float32Array : Float64Array);
          expect(ref.mask.length).toBe(c.x.shape[kernel === 'filterCells' ? 0 : 1]);
          for (const v of variants) expectSameFilter(v.backend.kernels[kernel]!(c.x, args), ref, args, c.dtype, tol, `${v.label} ${c.name} ${JSON.stringify(args)}`);
        }
      }
    });
  }
});

describe('filterCells / filterGenes against real scanpy on mouse10k (inplace=False)', () => {
  const g = golden('mouse10k');
  const calls = g.manifest.calls as unknown as { id: string; params: Record<string, number>; results: { n_kept: number } }[];
  const CALLS = [
    { id: 'filter_cells.min_genes', api: 'filterCells', opts: { minGenes: 30 }, number: 'i32' },
    { id: 'filter_cells.min_counts', api: 'filterCells', opts: { minCounts: 60 }, number: 'f32' },
    { id: 'filter_genes.min_cells', api: 'filterGenes', opts: { minCells: 10 }, number: 'i32' },
    { id: 'filter_genes.min_counts', api: 'filterGenes', opts: { minCounts: 20 }, number: 'f32' },
  ] as const;

  for (const call of CALLS) {
    it(`${call.id}: mask and number bit-identical, js and every variant, CSR/CSC/dense`, async () => {
      const meta = calls.find((c) => c.id === call.id)!;
      const [param, value] = Object.entries(meta.params).find(([k]) => k !== 'inplace')!;
      expect(Object.values(call.opts)[0]).toBe(value); // the threshold the fixture used (${param})
      const x = await mouse10k();
      const wantMask = g.get(`${call.id}.mask`);
      const wantNumber = g.get(`${call.id}.number`);
      expect(wantNumber).toBeInstanceOf(call.number === 'i32' ? Int32Array : Float32Array);
      const fn = call.api === 'filterCells' ? ck.filterCells : ck.filterGenes;
      const check = (r: FilterResult, label: string) => {
        expect(sameBits(r.mask, wantMask), `${label} mask (${param})`).toBe(true);
        expect(r.counts.constructor, label).toBe(wantNumber.constructor);
        expect(sameBits(r.counts, wantNumber), `${label} number`).toBe(true);
        expect(r.mask.reduce((a, b) => a + b, 0)).toBe(meta.results.n_kept);
      };
      for (const input of [x, csrToCsc(x), csrToDense(x)]) {
        check(fn(input, { ...call.opts, backend: 'js' } as never), `js ${input.format}`);
        for (const v of variants) {
          if (input.format === 'dense' && v.variant !== 'simd' && v.variant !== 'as-scalar') continue;
          const k = v.backend.kernels[call.api]!;
          const key = Object.keys(call.opts)[0]!;
          const args: FilterArgs = { by: key.endsWith('Counts') ? 'counts' : 'detected', min: value, max: null };
          check(k(input, args), `${v.label} ${input.format}`);
        }
      }
    });
  }

  it('the mask applied with subset() keeps the filtered cells, resident in, resident out', async () => {
    const x = await mouse10k();
    const { mask } = ck.filterCells(x, { minGenes: 30, backend: 'js' });
    const v = variants.find((v) => v.label === 'simd-threads×3')!;
    const h = v.backend.upload!(x);
    const { mask: m2 } = v.backend.kernels.filterCells!(h, { by: 'detected', min: 30, max: null });
    expect(sameBits(m2, mask)).toBe(true);
    const kept = v.backend.kernels.subset!(h, { rows: Int32Array.from(Array.from(m2.keys()).filter((i) => m2[i])), cols: null });
    expect(kept.shape).toEqual([9741, 1000]);
    expect(kept).toBeInstanceOf(ck.CsrHandle);
    kept.free();
    h.free();
  });
});

describe('filter semantics and errors', () => {
  const x = new CsrMatrix({ shape: [2, 3], data: new Float32Array([2, -1, NaN, 0.5]), indices: new Int32Array([0, 1, 2, 0]), indptr: new Int32Array([0, 3, 4]) });

  it('genes count x > 0 only; NaN totals are never kept; max thresholds keep ≤', () => {
    for (const b of [jsBackend, ...variants.map((v) => v.backend)]) {
      const g = b.kernels.filterCells!(x, { by: 'detected', min: 1, max: null });
      expect(Array.from(g.counts)).toEqual([1, 1]);
      const c = b.kernels.filterCells!(x, { by: 'counts', min: 0, max: null });
      expect(Array.from(c.counts)).toEqual([NaN, 0.5]);
      expect(Array.from(c.mask)).toEqual([0, 1]);
      const mx = b.kernels.filterGenes!(x, { by: 'counts', min: null, max: 2.5 });
      expect(Array.from(mx.mask)).toEqual([1, 1, 0]);
    }
  });

  it('exactly one threshold per call, as scanpy requires; typed errors otherwise', () => {
    expect(() => ck.filterCells(x, {})).toThrow(/give exactly one of minCounts, minGenes, maxCounts, maxGenes/);
    expect(() => ck.filterCells(x, { minCounts: 1, minGenes: 2 })).toThrow(ck.InvalidOptionError);
    expect(() => ck.filterGenes(x, { minCells: NaN })).toThrow(/minCells must be a number/);
    expect(() => ck.filterGenes(x, { minGenes: 1 } as never)).toThrow(/unknown option "minGenes"/);
    expect(() => ck.filterCells('x' as never, { minGenes: 1 })).toThrow(ck.InvalidInputError);
    expect(Array.from(ck.filterGenes(x, { maxCells: 0, backend: 'js' }).mask)).toEqual([0, 1, 1]);
  });
});
