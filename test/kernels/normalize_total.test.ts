import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ck from '../../src/index.js';
import { jsBackend } from '../../src/backends/js/index.js';
import type { KernelArgs, NormalizeTotalResult } from '../../src/backends/types.js';
import { CscMatrix, CsrMatrix, DenseMatrix } from '../../src/matrix/index.js';
import { KERNEL_TOLERANCE, compareArrays } from '../../src/testing/index.js';
import { type LoadedVariant, loadAllVariants, shutdownAll } from '../helpers/backends.js';
import { SPECIAL_SPECS, allCases, buildCase } from '../helpers/cases.js';
import { mouse10k, toF64 } from '../helpers/data.js';
import { golden } from '../helpers/golden.js';
import { type Plain, f64Stats, inLayouts, sameBits, toDense, values } from '../helpers/transforms.js';

const tol = KERNEL_TOLERANCE.normalizeTotal!;
const G = golden('mouse10k');
let variants: LoadedVariant[] = [];
beforeAll(async () => {
  variants = await loadAllVariants();
});
afterAll(() => shutdownAll(variants));

const ARG_SETS: KernelArgs['normalizeTotal'][] = [
  { targetSum: null, excludeHighlyExpressed: false, maxFraction: 0.05 },
  { targetSum: 1e4, excludeHighlyExpressed: false, maxFraction: 0.05 },
  { targetSum: 0.1, excludeHighlyExpressed: false, maxFraction: 0.05 },
  { targetSum: null, excludeHighlyExpressed: true, maxFraction: 0.05 },
  { targetSum: 1e4, excludeHighlyExpressed: true, maxFraction: 0.3 },
];

type Result = NormalizeTotalResult<Plain>;

/** Compares a backend's result with the reference's; returns the first problem, or ''. */
function diff(out: Result, ref: Result, dtype: 'f32' | 'f64'): string {
  if (out.X.format !== ref.X.format) return `layout ${out.X.format}, expected ${ref.X.format}`;
  if (!(out.X.data instanceof ref.X.data.constructor)) return 'dtype changed';
  const parts: [string, ReturnType<typeof compareArrays>][] = [
    ['X', compareArrays(values(out.X), values(ref.X), tol, dtype)],
    ['normFactor', compareArrays(out.normFactor, ref.normFactor, tol, dtype)],
    ['totals', compareArrays(out.totals, ref.totals, 'reduction', dtype)],
    ['target', compareArrays([out.target], [ref.target], tol, dtype)],
  ];
  for (const [name, c] of parts) if (!c.ok) return `${name}: ${c.message}`;
  if ((out.excludedGenes === null) !== (ref.excludedGenes === null)) return 'excludedGenes presence differs';
  if (out.excludedGenes && !sameBits(out.excludedGenes, ref.excludedGenes!)) return 'excludedGenes differ';
  return '';
}

describe('normalizeTotal: every compiled variant matches the js reference', () => {
  for (const args of ARG_SETS) {
    it(`edge cases in CSR, CSC and dense, ${JSON.stringify(args)}`, () => {
      for (const c of allCases()) {
        for (const { layout, x } of inLayouts(c.x)) {
          const ref = jsBackend.kernels.normalizeTotal!(x, args) as Result;
          for (const v of variants) {
            const out = v.backend.kernels.normalizeTotal!(x, args) as Result;
            expect(diff(out, ref, c.dtype), `${v.label} ${c.name} ${layout}`).toBe('');
          }
        }
      }
    });
  }

  it('NaN, infinities and negative values give the same numbers as the reference', () => {
    for (const dtype of ['f32', 'f64'] as const) {
      const x = buildCase(SPECIAL_SPECS[0]!, dtype);
      for (const { layout, x: xl } of inLayouts(x)) {
        for (const args of ARG_SETS) {
          const ref = jsBackend.kernels.normalizeTotal!(xl, args) as Result;
          for (const v of variants) {
            expect(diff(v.backend.kernels.normalizeTotal!(xl, args) as Result, ref, dtype), `${v.label} ${dtype} ${layout}`).toBe('');
          }
        }
      }
    }
  });

  it('the default target: median of all totals for sparse input, of the totals > 0 for dense', () => {
    // Row totals 0, 0, 2, 4, 6: scanpy's CSR path takes the median of all five (2), its dense
    // path the median of 2, 4, 6 (4).
    const x = new CsrMatrix({
      shape: [5, 3],
      data: new Float32Array([2, 1, 3, 6]),
      indices: new Int32Array([1, 0, 2, 1]),
      indptr: new Int32Array([0, 0, 0, 1, 3, 4]),
    });
    for (const { layout, x: xl } of inLayouts(x)) {
      for (const impl of [{ label: 'js', backend: jsBackend }, ...variants]) {
        const r = impl.backend.kernels.normalizeTotal!(xl, ARG_SETS[0]!);
        expect(r.target, `${impl.label} ${layout}`).toBe(layout === 'dense' ? 4 : 2);
        expect(Array.from(r.normFactor), `${impl.label} ${layout}`).toEqual(layout === 'dense' ? [0, 0, 0.5, 1, 1.5] : [0, 0, 1, 2, 3]);
      }
    }
  });
});

describe('normalizeTotal: mouse10k against scanpy 1.11.5', () => {
  const cases = [
    { id: 'median', args: ARG_SETS[0]!, target: 137 },
    { id: '1e4', args: ARG_SETS[1]!, target: 1e4 },
    { id: 'exclude_hi', args: ARG_SETS[3]!, target: 22 },
  ];
  const impls = () => [{ label: 'js', backend: jsBackend }, ...variants.filter((v) => v.label !== 'simd-threads×2')];

  for (const { id, args, target } of cases) {
    it(`${id}: target, norm_factor (bit-identical) and the normalised matrix`, async () => {
      const x = await mouse10k();
      const stats = ['gene_mean', 'gene_var', 'cell_sum'].map((s) => G.f64(`normalize.${id}.${s}`));
      for (const { label, backend } of impls()) {
        const r = backend.kernels.normalizeTotal!(x, args) as NormalizeTotalResult<CsrMatrix>;
        expect(r.target, label).toBe(target);
        expect(r.X.data, label).toBeInstanceOf(Float32Array);
        expect(r.X.indices, `${label}: structure shared`).toBe(x.indices);
        expect(sameBits(r.normFactor, G.get(`normalize.${id}.norm_factor`)), `${label} norm_factor`).toBe(true);
        const s = f64Stats(r.X);
        for (const [i, ours] of [s.geneMean, s.geneVar, s.cellSum].entries()) {
          const cmp = compareArrays(ours, stats[i]!, 'reduction', 'f32');
          expect(cmp.ok, `${label} ${id} stat ${i}: ${cmp.message}`).toBe(true);
        }
        if (id === 'exclude_hi') {
          expect(Array.from(r.excludedGenes!), label).toEqual(Array.from(G.get('normalize.exclude_hi.excluded_gene_mask')));
          const cmp = compareArrays(r.totals, G.f64('normalize.exclude_hi.totals_kept_genes'), 'reduction', 'f64');
          expect(cmp.ok, `${label} totals_kept_genes: ${cmp.message}`).toBe(true);
        } else {
          const cmp = compareArrays(r.totals, G.f64('normalize.totals_before'), 'reduction', 'f64');
          expect(cmp.ok, `${label} totals_before: ${cmp.message}`).toBe(true);
          expect(r.excludedGenes).toBeNull();
        }
        // The empty cell stays empty with factor 0 (scanpy's norm_factor before 0 → 1).
        expect(r.normFactor[1520]).toBe(0);
      }
    });
  }

  it('CSC and dense input give scanpy’s numbers too (dense: the median of totals > 0 is also 137)', async () => {
    const x = await mouse10k();
    for (const { layout, x: xl } of inLayouts(x).slice(1)) {
      for (const { label, backend } of [{ label: 'js', backend: jsBackend }, variants[0]!, variants.find((v) => v.variant === 'as-simd')!]) {
        for (const [id, args] of [['median', ARG_SETS[0]!], ['exclude_hi', ARG_SETS[3]!]] as const) {
          const r = backend.kernels.normalizeTotal!(xl, args) as NormalizeTotalResult<Plain>;
          expect(r.X.format).toBe(layout);
          expect(sameBits(r.normFactor, G.get(`normalize.${id}.norm_factor`)), `${label} ${layout} ${id}`).toBe(true);
          if (id === 'exclude_hi') expect(Array.from(r.excludedGenes!)).toEqual(Array.from(G.get('normalize.exclude_hi.excluded_gene_mask')));
        }
      }
    }
  });

  it('float64 input keeps float64 and gives the same factors up to float32 rounding', async () => {
    const x = toF64(await mouse10k());
    const r = variants[0]!.backend.kernels.normalizeTotal!(x, ARG_SETS[0]!) as NormalizeTotalResult<CsrMatrix>;
    expect(r.X.data).toBeInstanceOf(Float64Array);
    const cmp = compareArrays(r.normFactor, G.f64('normalize.median.norm_factor'), 'elementwise', 'f32');
    expect(cmp.ok, cmp.message).toBe(true);
  });
});

describe('normalizeTotal: determinism, residency and errors', () => {
  it('simd-threads gives bit-identical output for 1, 2 and 3 threads', async () => {
    const x = await mouse10k();
    const noisy = x.withData(Float32Array.from(x.data, (v, i) => v * (1 + ((i * 2654435761) % 1000) * 1e-4)));
    for (const args of [ARG_SETS[0]!, ARG_SETS[3]!]) {
      for (const input of [noisy, toDense(noisy)]) {
        const outs = variants.filter((v) => v.variant === 'simd-threads').map((v) => v.backend.kernels.normalizeTotal!(input, args) as Result);
        expect(outs).toHaveLength(3);
        for (const o of outs.slice(1)) {
          expect(sameBits(values(o.X), values(outs[0]!.X))).toBe(true);
          expect(sameBits(o.normFactor, outs[0]!.normFactor)).toBe(true);
          expect(sameBits(o.totals, outs[0]!.totals)).toBe(true);
          expect(o.excludedGenes === null || sameBits(o.excludedGenes, outs[0]!.excludedGenes!)).toBe(true);
        }
      }
    }
  });

  it('a resident matrix stays resident: only per-cell and per-gene vectors cross', async () => {
    const x = await mouse10k();
    for (const v of variants) {
      const h = v.backend.upload!(x);
      const before = { ...v.module.transfers };
      const r = v.backend.kernels.normalizeTotal!(h, ARG_SETS[3]!) as NormalizeTotalResult<ck.CsrHandle>;
      const t = v.module.transfers;
      expect(r.X).toBeInstanceOf(ck.CsrHandle);
      expect(t.toModule - before.toModule, v.label).toBe(0);
      expect(t.bytesFromModule - before.bytesFromModule, v.label).toBeLessThanOrEqual(x.shape[0] * 8 + x.shape[0] * 4 + x.shape[1]);
      const back = r.X.download();
      const ref = jsBackend.kernels.normalizeTotal!(x, ARG_SETS[3]!) as NormalizeTotalResult<CsrMatrix>;
      expect(sameBits(back.data, ref.X.data), v.label).toBe(true);
      r.X.free();
      h.free();
    }
  });

  it('integer counts are converted to float32, as scanpy does', () => {
    const x = buildCase({ name: 'ints', rows: 30, cols: 12, density: 0.4, value: (r) => Math.floor(r() * 9) + 1 }, 'f32');
    const ints = new CsrMatrix({ shape: x.shape, indptr: x.indptr, indices: x.indices, data: Int32Array.from(x.data) as never }, { validate: false });
    const fromInts = ck.normalizeTotal(ints, { backend: 'js' });
    const fromFloats = ck.normalizeTotal(x, { backend: 'js' });
    expect(fromInts.X.data).toBeInstanceOf(Float32Array);
    expect(Array.from(fromInts.X.data)).toEqual(Array.from(fromFloats.X.data));
    const dense = ck.normalizeTotal({ format: 'dense', shape: [2, 2], data: new Uint16Array([1, 3, 0, 0]) }, { backend: 'js', targetSum: 1 });
    expect(Array.from(dense.X.data)).toEqual([0.25, 0.75, 0, 0]);
  });

  it('scanpy’s docstring example (exclude_highly_expressed, max_fraction 0.2)', () => {
    const data = new Float32Array([3, 3, 3, 6, 6, 1, 1, 1, 2, 2, 1, 22, 1, 2, 2]);
    const x = new DenseMatrix({ shape: [3, 5], data });
    const r = ck.normalizeTotal(x, { backend: 'js', targetSum: 1, excludeHighlyExpressed: true, maxFraction: 0.2 });
    expect(Array.from(r.excludedGenes!)).toEqual([0, 1, 0, 1, 1]);
    expect(Array.from(r.X.data)).toEqual([0.5, 0.5, 0.5, 1, 1, 0.5, 0.5, 0.5, 1, 1, 0.5, 11, 0.5, 1, 1]);
  });

  it('bad options and inputs are typed errors that say what and where', () => {
    const x = new CsrMatrix({ shape: [1, 2], data: new Float32Array([1, 3]), indices: new Int32Array([0, 1]), indptr: new Int32Array([0, 2]) });
    expect(() => ck.normalizeTotal(x, { targetSum: 0 })).toThrow(/targetSum must be a finite number > 0/);
    expect(() => ck.normalizeTotal(x, { maxFraction: 1.5 })).toThrow(ck.InvalidOptionError);
    expect(() => ck.normalizeTotal(x, { targetsum: 1 } as never)).toThrow(/did you mean "targetSum"/);
    expect(() => ck.normalizeTotal([1, 2] as never)).toThrow(/expected a CsrMatrix, a CscMatrix, a DenseMatrix/);
    expect(() => ck.normalizeTotal({ format: 'csr', shape: [1, 1], data: new Int32Array([1]) } as never)).toThrow(/needs Int32Array indptr and indices/);
    const badCsc = new CscMatrix({ shape: [2, 2], data: new Float32Array([1, 2]), indices: new Int32Array([0, 5]), indptr: new Int32Array([0, 1, 2]) }, { validate: false });
    const badCsr = new CsrMatrix({ shape: [2, 2], data: new Float32Array([1, 2]), indices: new Int32Array([0, 5]), indptr: new Int32Array([0, 1, 2]) }, { validate: false });
    const good = new CsrMatrix({ shape: [1, 1], data: new Float32Array([5]), indices: new Int32Array([0]), indptr: new Int32Array([0, 1]) });
    for (const v of variants) {
      const nt = v.backend.kernels.normalizeTotal!;
      expect(() => nt(badCsc, ARG_SETS[0]!), v.label).toThrow(/row index in column 1 is outside/);
      expect(() => nt(badCsr, ARG_SETS[3]!), v.label).toThrow(/index at row 1 is outside/);
      expect(Array.from(nt(good, ARG_SETS[1]!).X.data)).toEqual([1e4]);
    }
  });

  it('a freed handle is rejected', () => {
    const x = new CsrMatrix({ shape: [1, 1], data: new Float32Array([5]), indices: new Int32Array([0]), indptr: new Int32Array([0, 1]) });
    const h = variants[0]!.backend.upload!(x);
    h.free();
    expect(() => ck.normalizeTotal(h)).toThrow(/normalizeTotal: the resident matrix was freed/);
  });
});
