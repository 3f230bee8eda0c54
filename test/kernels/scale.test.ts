import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ck from '../../src/index.js';
import { jsBackend } from '../../src/backends/js/index.js';
import type { KernelArgs, ScaleResult } from '../../src/backends/types.js';
import { CscMatrix, CsrMatrix, DenseMatrix } from '../../src/matrix/index.js';
import { KERNEL_TOLERANCE, compareArrays } from '../../src/testing/index.js';
import { type LoadedVariant, loadAllVariants, shutdownAll } from '../helpers/backends.js';
import { SPECIAL_SPECS, allCases, buildCase } from '../helpers/cases.js';
import { mouse10k } from '../helpers/data.js';
import { golden } from '../helpers/golden.js';
import { type Plain, denseValues, f64Stats, inLayouts, sameBits, toDense, values } from '../helpers/transforms.js';

const tol = KERNEL_TOLERANCE.scale!;
const G = golden('mouse10k');
let variants: LoadedVariant[] = [];
beforeAll(async () => {
  variants = await loadAllVariants();
});
afterAll(() => shutdownAll(variants));

type Result = ScaleResult<Plain>;

// float32 log1p implementations (numpy's, Highway's, the reference's correctly rounded one)
// differ by a few ULP (≤ 4 ULP at |x| ≤ 16); a scaled value v = (x − mean)/std then differs by
// at most 2⁻²¹·(|v| + (|mean| + 1)/std).
const elementBound = (v: number, mean: number, std: number) => 2 ** -21 * (Math.abs(v) + (Math.abs(mean) + 1) / std);
const NORM = { targetSum: 1e4, excludeHighlyExpressed: false, maxFraction: 0.05 };

function argSets(nrows: number): KernelArgs['scale'][] {
  const mask = Uint8Array.from({ length: nrows }, (_, i) => (i % 3 === 1 ? 0 : 1));
  const out: KernelArgs['scale'][] = [];
  for (const zeroCenter of [true, false]) {
    for (const maxValue of [null, 1.5]) for (const m of [null, mask]) out.push({ zeroCenter, maxValue, mask: m });
  }
  return out;
}

function label(a: KernelArgs['scale']): string {
  return `zeroCenter ${a.zeroCenter}, maxValue ${a.maxValue}, ${a.mask ? 'mask' : 'no mask'}`;
}

/** The first difference between a backend's result and the reference's, or ''. */
function diff(out: Result, ref: Result, dtype: 'f32' | 'f64'): string {
  if (out.X.format !== ref.X.format) return `layout ${out.X.format}, expected ${ref.X.format}`;
  if (!(out.X.data instanceof ref.X.data.constructor)) return `data is ${out.X.data.constructor.name}, expected ${ref.X.data.constructor.name}`;
  const outDtype = ref.X.data instanceof Float32Array ? 'f32' : 'f64';
  for (const [name, c] of [
    ['X', compareArrays(values(out.X), values(ref.X), tol, outDtype)],
    ['mean', compareArrays(out.mean, ref.mean, 'reduction', dtype)],
    ['std', compareArrays(out.std, ref.std, 'reduction', dtype)],
  ] as const) {
    if (!c.ok) return `${name}: ${c.message}`;
  }
  return '';
}

describe('scale: every compiled variant matches the js reference', () => {
  it('edge cases in CSR, CSC and dense, with and without centring, clipping and a mask', () => {
    for (const c of allCases()) {
      for (const { layout, x } of inLayouts(c.x)) {
        for (const args of argSets(c.x.shape[0])) {
          const ref = jsBackend.kernels.scale!(x, args) as Result;
          for (const v of variants) {
            const out = v.backend.kernels.scale!(x, args) as Result;
            expect(diff(out, ref, c.dtype), `${v.label} ${c.name} ${layout} ${label(args)}`).toBe('');
          }
        }
      }
    }
  });

  it('NaN, infinities and negative values give the same numbers as the reference', () => {
    for (const dtype of ['f32', 'f64'] as const) {
      const x = buildCase(SPECIAL_SPECS[0]!, dtype);
      for (const { layout, x: xl } of inLayouts(x)) {
        for (const args of argSets(x.shape[0])) {
          const ref = jsBackend.kernels.scale!(xl, args) as Result;
          for (const v of variants) {
            expect(diff(v.backend.kernels.scale!(xl, args) as Result, ref, dtype), `${v.label} ${dtype} ${layout} ${label(args)}`).toBe('');
          }
        }
      }
    }
  });

  it('output layout and dtype follow scanpy: sparse zero-centring → dense float64, dense keeps its dtype', () => {
    const x = buildCase({ name: 'small', rows: 8, cols: 5, density: 0.5, value: (r) => r() * 4 }, 'f32');
    for (const { layout, x: xl } of inLayouts(x)) {
      for (const impl of [{ label: 'js', backend: jsBackend }, ...variants]) {
        const zc = impl.backend.kernels.scale!(xl, { zeroCenter: true, maxValue: null, mask: null }) as Result;
        expect(zc.X, impl.label).toBeInstanceOf(DenseMatrix);
        expect(zc.X.data, impl.label).toBeInstanceOf(layout === 'dense' ? Float32Array : Float64Array);
        const nozc = impl.backend.kernels.scale!(xl, { zeroCenter: false, maxValue: null, mask: null }) as Result;
        expect(nozc.X.format).toBe(layout);
        expect(nozc.X.data).toBeInstanceOf(Float32Array);
        if (layout !== 'dense') expect((nozc.X as CsrMatrix).indices).toBe((xl as CsrMatrix).indices);
      }
    }
  });

  it('with a mask: statistics and scaling of the masked rows equal scale() of those rows alone; other rows unchanged', () => {
    const x = buildCase({ name: 'masked', rows: 40, cols: 12, density: 0.5, value: (r) => Math.floor(r() * 7) + 1 }, 'f32');
    const mask = Uint8Array.from({ length: 40 }, (_, i) => (i % 4 === 0 ? 0 : 1));
    const keep = [...mask.keys()].filter((i) => mask[i]);
    const dense = denseValues(x);
    const sub = new DenseMatrix({ shape: [keep.length, 12], data: Float32Array.from(keep.flatMap((i) => Array.from(dense.subarray(i * 12, i * 12 + 12)))) });
    for (const zeroCenter of [true, false]) {
      for (const impl of [{ label: 'js', backend: jsBackend }, ...variants]) {
        const args = { zeroCenter, maxValue: 2, mask };
        const whole = impl.backend.kernels.scale!(toDense(x), args) as ScaleResult<DenseMatrix>;
        const alone = impl.backend.kernels.scale!(sub, { ...args, mask: null }) as ScaleResult<DenseMatrix>;
        expect(sameBits(whole.mean, alone.mean), impl.label).toBe(true);
        expect(sameBits(whole.std, alone.std), impl.label).toBe(true);
        keep.forEach((i, r) => expect(sameBits(whole.X.data.subarray(i * 12, i * 12 + 12), alone.X.data.subarray(r * 12, r * 12 + 12)), `${impl.label} row ${i}`).toBe(true));
        for (let i = 0; i < 40; i += 4) expect(Array.from(whole.X.data.subarray(i * 12, i * 12 + 12))).toEqual(Array.from(dense.subarray(i * 12, i * 12 + 12)));
      }
    }
  });
});

describe('scale: mouse10k against scanpy 1.11.5 (normalizeTotal(1e4) → log1p → scale)', () => {
  const impls = () => [{ label: 'js', backend: jsBackend }, ...variants.filter((v) => v.label !== 'simd-threads×2')];

  it('zeroCenter, maxValue 10: mean, std, first rows, gene and cell sums', async () => {
    const x = await mouse10k();
    const [gMean, gStd] = [G.f64('scale.zc.mean'), G.f64('scale.zc.std')];
    const first5 = G.f64('scale.zc.first5_rows');
    const [gGene, gCell] = [G.f64('scale.zc.gene_sum'), G.f64('scale.zc.cell_sum')];
    for (const { label, backend } of impls()) {
      const logged = backend.kernels.log1p!(backend.kernels.normalizeTotal!(x, NORM).X, { base: null });
      const r = backend.kernels.scale!(logged, { zeroCenter: true, maxValue: 10, mask: null }) as ScaleResult<DenseMatrix>;
      expect(r.X.data, label).toBeInstanceOf(Float64Array);
      for (const [ours, want, name] of [[r.mean, gMean, 'mean'], [r.std, gStd, 'std']] as const) {
        const cmp = compareArrays(ours, want, 'reduction', 'f32');
        expect(cmp.ok, `${label} ${name}: ${cmp.message}`).toBe(true);
      }
      expect(r.std.filter((s) => s === 1).length, label).toBe(285); // genes with std 0 → 1
      const d = r.X.data;
      const [n, m] = r.X.shape;
      const geneBound = new Float64Array(m);
      const cellBound = new Float64Array(n);
      let clippedHigh = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < m; j++) {
          const v = d[i * m + j]!;
          const e = elementBound(v, gMean[j]!, gStd[j]!);
          geneBound[j]! += e;
          cellBound[i]! += e;
          if (v === 10) clippedHigh++;
          if (i < 5) expect(Math.abs(v - first5[i * m + j]!), `${label} (${i}, ${j})`).toBeLessThanOrEqual(e);
        }
      }
      expect(clippedHigh, label).toBeGreaterThan(4400); // scanpy: 4501 values clipped at 10
      expect(clippedHigh, label).toBeLessThan(4600);
      const s = f64Stats(r.X);
      for (const [ours, want, bound, name] of [[s.geneSum, gGene, geneBound, 'gene'], [s.cellSum, gCell, cellBound, 'cell']] as const) {
        for (let k = 0; k < want.length; k++) expect(Math.abs(ours[k]! - want[k]!), `${label} ${name} sum ${k}`).toBeLessThanOrEqual(bound[k]! + 1e-9);
      }
    }
  });

  it('no centring, maxValue 10: mean, std and gene sums; CSR float32 kept', async () => {
    const x = await mouse10k();
    // scale.nozc.gene_sum holds float32 sums (every value is a float32 accumulated in row
    // order), so ours are summed the same way from our float32 output.
    const want = G.f64('scale.nozc.gene_sum');
    for (const { label, backend } of impls()) {
      const logged = backend.kernels.log1p!(backend.kernels.normalizeTotal!(x, NORM).X, { base: null }) as CsrMatrix;
      const r = backend.kernels.scale!(logged, { zeroCenter: false, maxValue: 10, mask: null }) as ScaleResult<CsrMatrix>;
      expect(r.X).toBeInstanceOf(CsrMatrix);
      expect(r.X.data).toBeInstanceOf(Float32Array);
      for (const [ours, name] of [[r.mean, 'mean'], [r.std, 'std']] as const) {
        const cmp = compareArrays(ours, G.f64(`scale.nozc.${name}`), 'reduction', 'f32');
        expect(cmp.ok, `${label} ${name}: ${cmp.message}`).toBe(true);
      }
      const sums = new Float32Array(r.X.shape[1]);
      for (let k = 0; k < r.X.nnz; k++) sums[r.X.indices[k]!] = Math.fround(sums[r.X.indices[k]!]! + r.X.data[k]!);
      const cmp = compareArrays(sums, want, 'reduction', 'f32');
      expect(cmp.ok, `${label} gene sums: ${cmp.message}`).toBe(true);
      expect(r.X.data.filter((v) => v === 10).length, label).toBeGreaterThan(5300); // scanpy: 5455
    }
  });
});

describe('scale: determinism, residency and errors', () => {
  it('simd-threads gives bit-identical output for 1, 2 and 3 threads', async () => {
    const x = await mouse10k();
    const noisy = x.withData(Float32Array.from(x.data, (v, i) => Math.log1p(v * (1 + ((i * 2654435761) % 1000) * 1e-4))));
    for (const input of [noisy, toDense(noisy)] as Plain[]) {
      for (const args of [{ zeroCenter: true, maxValue: 10, mask: null }, { zeroCenter: false, maxValue: null, mask: Uint8Array.from({ length: 10000 }, (_, i) => i % 5) }]) {
        const outs = variants.filter((v) => v.variant === 'simd-threads').map((v) => v.backend.kernels.scale!(input, args) as Result);
        expect(outs).toHaveLength(3);
        for (const o of outs.slice(1)) {
          expect(sameBits(o.mean, outs[0]!.mean)).toBe(true);
          expect(sameBits(o.std, outs[0]!.std)).toBe(true);
          expect(sameBits(values(o.X), values(outs[0]!.X))).toBe(true);
        }
      }
    }
  });

  it('upload → normalizeTotal → log1p → scale on handles: no matrix-sized copies between the steps', async () => {
    const x = await mouse10k();
    const [nrows, ncols] = x.shape;
    const vector = Math.max(nrows, ncols) * 8; // the largest small vector: float64 per cell
    const ref = jsBackend.kernels.scale!(
      jsBackend.kernels.log1p!(jsBackend.kernels.normalizeTotal!(x, NORM).X, { base: null }),
      { zeroCenter: true, maxValue: 10, mask: null },
    ) as ScaleResult<DenseMatrix>;
    for (const v of variants) {
      const h = v.backend.upload!(x);
      const t0 = { ...v.module.transfers };
      const n = v.backend.kernels.normalizeTotal!(h, NORM);
      const l = v.backend.kernels.log1p!(n.X, { base: null });
      const nozc = v.backend.kernels.scale!(l, { zeroCenter: false, maxValue: 10, mask: null });
      const s = v.backend.kernels.scale!(l, { zeroCenter: true, maxValue: 10, mask: Uint8Array.from({ length: nrows }, () => 1) });
      const t1 = v.module.transfers;
      expect(n.X).toBeInstanceOf(ck.CsrHandle);
      expect(l).toBeInstanceOf(ck.CsrHandle);
      expect(nozc.X).toBeInstanceOf(ck.CsrHandle);
      expect(s.X).toBeInstanceOf(ck.DenseHandle);
      // In: only the mask (nrows bytes). Out: totals, factors, mean and std, twice each.
      expect(t1.bytesToModule - t0.bytesToModule, v.label).toBeLessThanOrEqual(nrows);
      expect(t1.toModule - t0.toModule, v.label).toBeLessThanOrEqual(1);
      const outBytes = t1.bytesFromModule - t0.bytesFromModule;
      expect(outBytes, v.label).toBeLessThanOrEqual(8 * vector);
      expect(outBytes, v.label).toBeLessThan(x.nnz * 4); // far below one matrix-sized copy
      // Same numbers as the js pipeline, within what the log1p ULPs allow (see above).
      const dense = (s.X as ck.DenseHandle).download().data;
      let worst = 0;
      for (let k = 0; k < dense.length; k++) {
        const j = k % ncols;
        worst = Math.max(worst, Math.abs(dense[k]! - ref.X.data[k]!) / elementBound(ref.X.data[k]!, ref.mean[j]!, ref.std[j]!));
      }
      expect(worst, v.label).toBeLessThanOrEqual(1);
      for (const m of [h, n.X, l, nozc.X, s.X] as { free(): void }[]) m.free();
      expect((s.X as ck.DenseHandle).freed).toBe(true);
    }
  });

  it('bad options and inputs are typed errors that say what and where', () => {
    const x = new CsrMatrix({ shape: [2, 2], data: new Float32Array([1, 3]), indices: new Int32Array([0, 1]), indptr: new Int32Array([0, 1, 2]) });
    expect(() => ck.scale(x, { maxValue: Number.NaN })).toThrow(/maxValue must be a number/);
    expect(() => ck.scale(x, { mask: [true] })).toThrow(/mask has 1 entries but the matrix has 2 rows/);
    expect(() => ck.scale(x, { mask: ['a', 'b'] as never })).toThrow(/mask\[0\] is string/);
    expect(() => ck.scale(x, { zeroCentre: false } as never)).toThrow(/did you mean "zeroCenter"/);
    expect(() => ck.scale(new Float32Array(4) as never)).toThrow(ck.InvalidInputError);
    const badCsc = new CscMatrix({ shape: [2, 2], data: new Float32Array([1, 2]), indices: new Int32Array([0, 5]), indptr: new Int32Array([0, 1, 2]) }, { validate: false });
    const badCsr = new CsrMatrix({ shape: [2, 2], data: new Float32Array([1, 2]), indices: new Int32Array([0, 5]), indptr: new Int32Array([0, 1, 2]) }, { validate: false });
    for (const v of variants) {
      for (const zeroCenter of [true, false]) {
        const args = { zeroCenter, maxValue: null, mask: null };
        expect(() => v.backend.kernels.scale!(badCsc, args), v.label).toThrow(/row index in column 1 is outside/);
        expect(() => v.backend.kernels.scale!(badCsr, args), v.label).toThrow(/index at row 1 is outside/);
      }
      const ok = v.backend.kernels.scale!(x, { zeroCenter: true, maxValue: null, mask: null }) as ScaleResult<DenseMatrix>;
      expect(Array.from(ok.X.data)).toEqual(Array.from((jsBackend.kernels.scale!(x, { zeroCenter: true, maxValue: null, mask: null }).X as DenseMatrix).data));
    }
  });

  it('integer counts become float64; the API applies the defaults (zeroCenter true, no clipping)', () => {
    const ints = { format: 'csr' as const, shape: [3, 2] as const, data: new Int32Array([1, 4, 2, 9]), indices: new Int32Array([0, 1, 0, 1]), indptr: new Int32Array([0, 2, 3, 4]) };
    const r = ck.scale(ints, { backend: 'js' });
    const d = (r.X as DenseMatrix).data;
    expect(d).toBeInstanceOf(Float64Array);
    // Gene 0: 1, 2, 0 → mean 1, var 1, std 1; gene 1: 4, 0, 9 → mean 13/3.
    expect(r.mean[0]).toBe(1);
    expect(r.std[0]).toBeCloseTo(1, 14);
    expect(r.mean[1]).toBeCloseTo(13 / 3, 14);
    [0, 1, -1].forEach((want, i) => expect(d[2 * i]).toBeCloseTo(want, 14));
  });
});
