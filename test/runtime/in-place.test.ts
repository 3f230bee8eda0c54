/**
 * In-place transforms (`inPlace: true` of normalizeTotal, log1p and scale): the input itself
 * comes back holding the same bits the copying call returns, in every backend and layout; a
 * resident handle keeps its buffer and nothing matrix-sized crosses; bad calls are refused
 * before any value is written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ck from '../../src/index.js';
import type { Backend } from '../../src/backends/types.js';
import type { KernelModule, TransferStats } from '../../src/runtime/module.js';
import { apiBackends, loadCudaEmu, viaApi } from '../helpers/api_backends.js';
import { type LoadedVariant, loadAllVariants, shutdownAll } from '../helpers/backends.js';
import { allCases } from '../helpers/cases.js';
import { mouse10k } from '../helpers/data.js';
import { step } from '../helpers/transfers.js';
import { type Plain, firstDifference, inLayouts, sameBits, values } from '../helpers/transforms.js';

let variants: LoadedVariant[] = [];
let cudaEmu: Backend | undefined;
let x10k: ck.CsrMatrix;
beforeAll(async () => {
  [variants, cudaEmu, x10k] = await Promise.all([loadAllVariants(), loadCudaEmu(), mouse10k()]);
  await ck.init({ threads: 2 });
});
afterAll(() => {
  shutdownAll(variants);
  ck.shutdown();
});

/** A copy of x's values over the same structure: what an in-place call may overwrite. */
const copyOf = <M extends Plain>(x: M): M => x.withData(x.data.slice()) as M;

/** Every transform call checked in place: the copying call, and the same call in place. */
const CALLS: { name: string; kernel: 'log1p' | 'normalizeTotal' | 'scale'; sparse: boolean; run: (x: Plain, o: { backend: string; inPlace?: boolean }) => { X: unknown; vectors: ArrayBufferView[] } }[] = [
  { name: 'log1p base 2', kernel: 'log1p', sparse: true, run: (x, o) => ({ X: ck.log1p(x, { base: 2, ...o }), vectors: [] }) },
  {
    name: 'normalizeTotal (median, excluding > 5 %)',
    kernel: 'normalizeTotal',
    sparse: true,
    run: (x, o) => {
      const r = ck.normalizeTotal(x, { excludeHighlyExpressed: true, ...o });
      return { X: r.X, vectors: [r.normFactor, r.totals, Float64Array.of(r.target)] };
    },
  },
  {
    name: 'scale without centring, clip 1.5, mask',
    kernel: 'scale',
    sparse: true,
    run: (x, o) => {
      const mask = Array.from({ length: x.shape[0] }, (_, i) => i % 3 !== 1);
      const r = ck.scale(x, { zeroCenter: false, maxValue: 1.5, mask, ...o });
      return { X: r.X, vectors: [r.mean, r.std] };
    },
  },
  {
    name: 'scale zero-centred (dense only)',
    kernel: 'scale',
    sparse: false,
    run: (x, o) => {
      const r = ck.scale(x, { maxValue: 3, ...o });
      return { X: r.X, vectors: [r.mean, r.std] };
    },
  },
];

// The resident tests run first: viaApi (below) marks the backends it installed as not initialised.
/** Transfers of one call. */
const transfersOf = (mod: KernelModule, fn: () => unknown): TransferStats => step(mod, fn).delta;

describe('inPlace on resident handles', () => {
  it('normalizeTotal → log1p → scale in place on mouse10k: one buffer throughout, only vectors cross, same bits as the copying pipeline', () => {
    const wasm = { backend: 'wasm' } as const;
    const [nrows, ncols] = x10k.shape;
    const h = ck.upload(x10k, wasm) as ck.CsrHandle;
    const mod = h.module;
    const buffer = h.ptrs.data;
    const norm = ck.normalizeTotal(h, { targetSum: 1e4, ...wasm, inPlace: true });
    const dNorm = transfersOf(mod, () => ck.log1p(h, { ...wasm, inPlace: true }));
    let scaled!: ck.ScaleResult<ck.CsrHandle>;
    const dScale = transfersOf(mod, () => (scaled = ck.scale(h, { zeroCenter: false, maxValue: 10, ...wasm, inPlace: true })));
    expect(norm.X).toBe(h);
    expect(scaled.X).toBe(h);
    expect(h.ptrs.data).toBe(buffer);
    expect(dNorm).toEqual({ toModule: 0, fromModule: 0, bytesToModule: 0, bytesFromModule: 0 });
    expect(dScale).toEqual({ toModule: 0, fromModule: 2, bytesToModule: 0, bytesFromModule: 2 * ncols * 8 });

    const pNorm = ck.normalizeTotal(x10k, { targetSum: 1e4, ...wasm });
    const pScaled = ck.scale(ck.log1p(pNorm.X, wasm), { zeroCenter: false, maxValue: 10, ...wasm });
    expect(sameBits(norm.normFactor, pNorm.normFactor)).toBe(true);
    expect(sameBits(scaled.std, pScaled.std)).toBe(true);
    const d = h.download();
    expect(d.shape).toEqual([nrows, ncols]);
    expect(sameBits(d.data.subarray(0, d.nnz), pScaled.X.data.subarray(0, pScaled.X.nnz))).toBe(true);
    h.free();
  });

  it('handle.copy(): an in-module copy of the values, so the original survives an in-place call (every compiled backend)', () => {
    const c = allCases().find((k) => k.x.nnz > 20 && k.dtype === 'f32')!;
    const dense = inLayouts(c.x)[2]!.x as ck.DenseMatrix;
    let denseChecked = 0;
    for (const b of [...variants.map((v) => v.backend), ...(cudaEmu ? [cudaEmu] : [])]) {
      const where = `${b.name} ${b.variant ?? ''}`;
      const ref = b.kernels.log1p!(c.x, { base: null });
      const h = b.upload!(c.x) as ck.CsrHandle;
      const mod = h.module;
      let cp!: ck.CsrHandle;
      const t = transfersOf(mod, () => (cp = h.copy()));
      if (b.name !== 'cuda') expect(t, where).toEqual({ toModule: 0, fromModule: 0, bytesToModule: 0, bytesFromModule: 0 });
      expect(cp.ptrs.data, where).not.toBe(h.ptrs.data);
      expect(cp.ptrs.indices, where).toBe(h.ptrs.indices);
      expect(b.kernels.log1p!(cp, { base: null, inPlace: true }), where).toBe(cp);
      expect(sameBits(cp.download().data, values(ref)), where).toBe(true);
      expect(sameBits(h.download().data, values(c.x)), where).toBe(true);
      h.free();
      expect(sameBits(cp.download().indices, c.x.indices.subarray(0, c.x.nnz)), `${where}: the structure outlives the first handle`).toBe(true);
      cp.free();
      expect(() => h.copy()).toThrow(ck.FreedHandleError);

      if (!b.uploadDense) continue; // the CUDA backend keeps dense matrices in JavaScript memory
      const d = b.uploadDense(dense);
      const dc = d.copy();
      expect(b.kernels.log1p!(dc, { base: null, inPlace: true }), where).toBe(dc);
      expect(sameBits(d.download().data, dense.data), where).toBe(true);
      expect(sameBits(dc.download().data, values(b.kernels.log1p!(dense, { base: null }))), where).toBe(true);
      d.free();
      dc.free();
      denseChecked++;
    }
    expect(denseChecked).toBe(variants.length);
  });

  it('a DenseHandle in place: the same handle and buffer, the copying call\'s bits', () => {
    const c = allCases().find((k) => k.x.shape[0] > 5 && k.x.shape[1] > 5 && k.dtype === 'f32')!;
    const dense = inLayouts(c.x)[2]!.x as ck.DenseMatrix;
    const h = ck.upload(dense, { backend: 'wasm' }) as ck.DenseHandle;
    const before = h.ptr;
    const ref = ck.scale(ck.log1p(dense, { backend: 'wasm' }), { backend: 'wasm' }).X;
    expect(ck.log1p(h, { inPlace: true })).toBe(h);
    expect(ck.scale(h, { inPlace: true }).X).toBe(h);
    expect(h.ptr).toBe(before);
    expect(sameBits(h.download().data, ref.data)).toBe(true);
    h.free();
  });
});

describe('inPlace on plain matrices: every backend and layout', () => {
  for (const call of CALLS) {
    it(`${call.name}: returns its input, holding the copying call's bits`, () => {
      let checked = 0;
      for (const b of apiBackends(variants, call.kernel, [cudaEmu])) {
        viaApi(b, (backend) => {
          for (const c of allCases()) {
            for (const { layout, x } of inLayouts(c.x)) {
              if (!call.sparse && layout !== 'dense') continue;
              const where = `${b.label} ${c.name} ${layout}`;
              const ref = call.run(x, { backend });
              const target = copyOf(x);
              const out = call.run(target, { backend, inPlace: true });
              expect(out.X, where).toBe(target);
              expect(sameBits(values(target), values(ref.X as Plain)), where).toBe(true);
              ref.vectors.forEach((v, i) => expect(sameBits(out.vectors[i]!, v), `${where} vector ${i}`).toBe(true));
              checked++;
            }
          }
        });
      }
      expect(checked).toBeGreaterThan(100);
    });
  }
});

describe('log1p in place: values outside the vector range anywhere in a long array', () => {
  // The compiled kernels check each block of 1,024 values before writing it; in place the check
  // runs one block ahead of the arithmetic. Specials sit in the first block, on both sides of
  // block edges, on the edge of the 65,536-value thread blocks, in the short last block and in
  // the scalar tail (70,001 is not a multiple of 4).
  const n = 70_001;
  const at: [number, number][] = [
    [0, -0], [1023, Number.NaN], [1024, -1], [1500, 3e38], [2047, Number.POSITIVE_INFINITY], [3072, -2],
    [65_535, 3e38], [65_536, Number.NaN], [65_536 + 1023, -0.5], [69_700, Number.NEGATIVE_INFINITY], [69_999, -3], [70_000, Number.NaN],
  ];
  const input = (dtype: 'f32' | 'f64', specials: boolean) => {
    const data = dtype === 'f32' ? new Float32Array(n) : new Float64Array(n);
    for (let i = 0; i < n; i++) data[i] = ((i * 2654435761) % 1000003) / 997;
    if (specials) for (const [i, v] of at) data[i] = v;
    return new ck.DenseMatrix({ shape: [1, n], data });
  };

  it('gives the copying call\'s bits and numpy\'s special values, in every backend', () => {
    let checked = 0;
    for (const b of apiBackends(variants, 'log1p', [cudaEmu])) {
      viaApi(b, (backend) => {
        for (const dtype of ['f32', 'f64'] as const) {
          for (const specials of [false, true]) {
            const where = `${b.label} ${dtype}${specials ? ' with specials' : ''}`;
            const x = input(dtype, specials);
            const ref = ck.log1p(x, { backend });
            const target = copyOf(x);
            expect(ck.log1p(target, { backend, inPlace: true }), where).toBe(target);
            // Equal values, -0 and +0 told apart; any NaN equals any NaN (the js reference's NaN
            // bits depend on V8's tier: log1p(-2) may give 0xfff8… or 0x7ff8…).
            const bad = firstDifference(target.data, ref.data);
            expect(bad, `${where}: first difference at ${bad}: ${target.data[bad]} vs ${ref.data[bad]}`).toBe(-1);
            if (specials) {
              for (const [i, v] of at) {
                const numpy = dtype === 'f32' ? Math.fround(Math.log1p(Math.fround(v))) : Math.log1p(v);
                expect(Object.is(target.data[i], numpy) || Math.abs(target.data[i]! - numpy) <= 2 * Math.abs(numpy) * 2 ** -23, `${where} at ${i} (${v})`).toBe(true);
              }
            }
            checked++;
          }
        }
      });
    }
    expect(checked).toBeGreaterThanOrEqual(4 * 9);
  });
});

describe('inPlace: refused before anything is written', () => {
  const x = allCases().find((k) => k.x.nnz > 10 && k.dtype === 'f32')!.x;

  it('integer counts, sparse zero-centring and a non-boolean value are InvalidOptionErrors', () => {
    const counts = { format: 'csr' as const, shape: x.shape, indptr: x.indptr, indices: x.indices, data: Int32Array.from(x.data, Math.round) };
    for (const f of [() => ck.log1p(counts, { inPlace: true }), () => ck.normalizeTotal(counts, { inPlace: true }), () => ck.scale(counts, { zeroCenter: false, inPlace: true })]) {
      expect(f).toThrow(ck.InvalidOptionError);
      expect(f).toThrow(/inPlace needs float32 or float64 values/);
    }
    const target = copyOf(x);
    expect(() => ck.scale(target, { inPlace: true })).toThrow(/inPlace cannot zero-centre a sparse matrix/);
    expect(() => ck.log1p(target, { inPlace: 'yes' as unknown as boolean })).toThrow(/inPlace must be true or false/);
    expect(sameBits(target.data, x.data)).toBe(true);
  });

  it('a structure error leaves the input values unchanged, in every compiled backend', () => {
    const bad = new ck.CsrMatrix({ shape: x.shape, indptr: x.indptr.slice(), indices: x.indices.slice(), data: x.data.slice() }, { validate: false });
    bad.indices[bad.nnz - 1] = x.shape[1] + 5;
    // (the js reference trusts the structure of a matrix built with validate: false)
    for (const b of apiBackends(variants, 'normalizeTotal', [cudaEmu]).slice(1)) {
      viaApi(b, (backend) => {
        expect(() => ck.normalizeTotal(bad, { backend, excludeHighlyExpressed: true, inPlace: true }), b.label).toThrow(ck.InvalidInputError);
        expect(() => ck.scale(bad, { backend, zeroCenter: false, inPlace: true }), b.label).toThrow(ck.InvalidInputError);
        expect(sameBits(bad.data, x.data), b.label).toBe(true);
      });
    }
  });
});
