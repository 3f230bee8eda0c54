/**
 * Every compiled variant (simd-threads with 1, 2 and 3 threads, simd, scalar, and the
 * AssemblyScript flavours where they implement the kernel) against the js reference with the
 * same seed: the permutation generator and every sum are defined to the operation, so the raw
 * outputs must be identical to the bit — which also makes simd-threads bit-identical for any
 * thread count.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsBackend } from '../../src/backends/js/index.js';
import type { SpatialKernelSignatures } from '../../src/backends/spatial_types.js';
import { CsrMatrix, DenseMatrix } from '../../src/matrix/index.js';
import { rng } from '../../src/testing/cases.js';
import { type LoadedVariant, loadAllVariants, shutdownAll } from '../helpers/backends.js';
import { fixtureCsr, sameBits, spatialCase } from './helpers.js';

let variants: LoadedVariant[] = [];
beforeAll(async () => {
  variants = await loadAllVariants();
});
afterAll(() => shutdownAll(variants));

type K = keyof SpatialKernelSignatures;
const ref = jsBackend.kernels as unknown as SpatialKernelSignatures;
function impls<T extends K>(k: T): { label: string; fn: SpatialKernelSignatures[T] }[] {
  // every Emscripten variant implements every spatial kernel
  const wasm = variants.filter((v) => !v.variant.startsWith('as-'));
  expect(wasm.length).toBe(5);
  for (const v of wasm) expect(typeof v.backend.kernels[k], `${v.label} lacks ${k}`).toBe('function');
  return variants.filter((v) => typeof v.backend.kernels[k] === 'function').map((v) => ({ label: v.label, fn: v.backend.kernels[k] as unknown as SpatialKernelSignatures[T] }));
}

/** Field-by-field bitwise equality of two result objects (typed arrays or null). */
function expectSameBits(out: object, want: object, where: string): void {
  for (const [key, v] of Object.entries(want)) {
    const o = (out as Record<string, unknown>)[key];
    if (v === null) expect(o, `${where} ${key}`).toBeNull();
    else expect(sameBits(o as ArrayBufferView, v as ArrayBufferView), `${where} ${key}`).toBe(true);
  }
}

/** A small random graph: kNN-like rows of random width, some empty rows, random weights. */
function randomGraph(n: number, seed: number, dtype: 'f32' | 'f64'): CsrMatrix {
  const r = rng(seed);
  const indptr = new Int32Array(n + 1);
  const idx: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 11 !== 5) {
      const cols = new Set<number>();
      const deg = 1 + Math.floor(r() * 7);
      for (let t = 0; t < deg; t++) cols.add(Math.floor(r() * n));
      cols.delete(i);
      for (const j of [...cols].sort((a, b) => a - b)) {
        idx.push(j);
        val.push(0.25 + r() * 2);
      }
    }
    indptr[i + 1] = idx.length;
  }
  return new CsrMatrix({ shape: [n, n], indptr, indices: Int32Array.from(idx), data: dtype === 'f32' ? Float32Array.from(val) : Float64Array.from(val) });
}

function randomFeatures(n: number, m: number, seed: number, dtype: 'f32' | 'f64'): DenseMatrix {
  const r = rng(seed);
  const data = dtype === 'f32' ? new Float32Array(n * m) : new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < m; f++) {
      data[i * m + f] = f === 0 ? 2.5 : f === 1 ? (r() < 0.1 ? Math.floor(r() * 4) : 0) : f === 2 && i === 3 ? NaN : r() * 10 - 5 + (i % 7);
    }
  }
  return new DenseMatrix({ shape: [n, m], data });
}

describe('spatialAutocorr: every variant gives the js reference bits', () => {
  it('fixture graph and features, Moran and Geary, 200 permutations', () => {
    const { X } = spatialCase();
    const w = fixtureCsr('neighbors.knn6.conn');
    for (const mode of ['moran', 'geary'] as const) {
      const args = { mode, transformation: true, nPerms: 200, seed: 12345, };
      const want = ref.spatialAutocorr(w, X, args);
      for (const v of impls('spatialAutocorr')) expectSameBits(v.fn(w, X, args), want, `${v.label} ${mode}`);
    }
  });

  it('random graphs with empty rows, f32/f64 weights and features, constant / NaN / sparse features, without and with permutations', () => {
    for (const [n, m, wd, xd, transformation, nPerms] of [
      [97, 7, 'f32', 'f64', true, 50],
      [64, 5, 'f64', 'f32', false, 33],
      [3, 4, 'f64', 'f64', true, 10],
      [130, 9, 'f32', 'f32', true, 0],
    ] as const) {
      const w = randomGraph(n, n + 1, wd);
      const X = randomFeatures(n, m, n + 2, xd);
      for (const mode of ['moran', 'geary'] as const) {
        const args = { mode, transformation, nPerms, seed: 2 ** 40 + 17 };
        const want = ref.spatialAutocorr(w, X, args);
        expect(Number.isNaN(want.stat[0]!), 'constant feature gives NaN').toBe(true);
        for (const v of impls('spatialAutocorr')) expectSameBits(v.fn(w, X, args), want, `${v.label} ${mode} n=${n}`);
      }
    }
  });

  it('seeds change the permutations; the same seed repeats them', () => {
    const { X } = spatialCase();
    const w = fixtureCsr('neighbors.knn6.conn');
    const a = ref.spatialAutocorr(w, X, { mode: 'moran', transformation: true, nPerms: 20, seed: 1 });
    const b = ref.spatialAutocorr(w, X, { mode: 'moran', transformation: true, nPerms: 20, seed: 2 });
    const c = ref.spatialAutocorr(w, X, { mode: 'moran', transformation: true, nPerms: 20, seed: 1 });
    expect(sameBits(a.simMean!, b.simMean!)).toBe(false);
    expect(sameBits(a.simMean!, c.simMean!)).toBe(true);
  });
});

describe('nhoodEnrichment: every variant gives the js reference bits', () => {
  it('fixture graph, 5 clusters, 300 permutations; a random graph with 300 clusters (int32 labels path)', () => {
    const { labels } = spatialCase();
    const w = fixtureCsr('neighbors.knn6.conn');
    const args = { nClusters: 5, nPerms: 300, seed: 99 };
    const want = ref.nhoodEnrichment(w, labels, args);
    for (const v of impls('nhoodEnrichment')) expectSameBits(v.fn(w, labels, args), want, v.label);
    const g = randomGraph(700, 3, 'f32');
    const lab = Int32Array.from({ length: 700 }, (_, i) => (i * 7919) % 300);
    const args2 = { nClusters: 300, nPerms: 7, seed: 5 };
    const want2 = ref.nhoodEnrichment(g, lab, args2);
    for (const v of impls('nhoodEnrichment')) expectSameBits(v.fn(g, lab, args2), want2, `${v.label} k=300`);
  });
});

describe('coOccurrence: every variant gives the js reference counts', () => {
  it('fixture coordinates (automatic and explicit thresholds, including pairs exactly at a threshold) and random f64 coordinates', () => {
    const { coordsQuarter, coords, labels } = spatialCase();
    const sets: [DenseMatrix, Float32Array][] = [
      [coordsQuarter, Float32Array.from([0, 5, 12.5, 20, 30, 40, 60, 90, 150])],
      [coords, Float32Array.from({ length: 50 }, (_, i) => 3 + i * 6.5)],
      [new DenseMatrix({ shape: [5, 2], data: Float64Array.from([0, 0, 1, 0, 0, 1, 1, 1, 0.5, 0.5]) }), Float32Array.from([0, 0.5, 1, 1.5])],
    ];
    for (const [c, interval] of sets) {
      const lab = c.shape[0] === labels.length ? labels : Int32Array.from({ length: c.shape[0] }, (_, i) => i % 2);
      const args = { nClusters: 5, interval };
      const want = ref.coOccurrence(c, lab, args);
      for (const v of impls('coOccurrence')) expect(sameBits(v.fn(c, lab, args), want), `${v.label} n=${c.shape[0]}`).toBe(true);
    }
  });
});

describe('ligrec: every variant gives the js reference bits', () => {
  it('dense f32 and CSR f64 expression, all cluster pairs, a left-out cluster', () => {
    const { X, labels } = spatialCase();
    const pairs = Int32Array.from([5, 6, 6, 5, 0, 1, 2, 7, 8, 9, 15, 16, 16, 17, 18, 5, 19, 2, 17, 18, 3, 4, 11, 18]);
    const cp = Int32Array.from([0, 0, 0, 1, 0, 2, 1, 0, 1, 2, 2, 2, 2, 0]);
    const member = Int32Array.from(labels, (c) => (c === 3 ? -1 : c));
    const args = { nClusters: 5, pairs, clusterPairs: cp, threshold: 0.05, nPerms: 150, seed: 3 };
    // CSR f64 copy of X
    const [n, m] = X.shape;
    const indptr = new Int32Array(n + 1);
    const idx: number[] = [];
    const val: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let g = 0; g < m; g++) {
        const v = X.data[i * m + g]!;
        if (v !== 0) {
          idx.push(g);
          val.push(v);
        }
      }
      indptr[i + 1] = idx.length;
    }
    const csr = new CsrMatrix({ shape: [n, m], indptr, indices: Int32Array.from(idx), data: Float64Array.from(val) });
    const want = ref.ligrec(X, member, args);
    const wantCsr = ref.ligrec(csr, member, args);
    expect(sameBits(want.means, wantCsr.means)).toBe(true);
    for (const v of impls('ligrec')) {
      expectSameBits(v.fn(X, member, args), want, `${v.label} dense`);
      expectSameBits(v.fn(csr, member, args), wantCsr, `${v.label} csr`);
    }
  });
});

describe('spatialNeighbors: every variant gives the js reference graph', () => {
  it('kNN and radius on the fixture; 3-D and 1-D coordinates with duplicated points and ties', () => {
    const { coords } = spatialCase();
    const r = rng(8);
    const d3 = new DenseMatrix({ shape: [300, 3], data: Float64Array.from({ length: 900 }, (_, i) => (i < 30 ? 1 : Math.round(r() * 40) / 4)) });
    const d1 = new DenseMatrix({ shape: [50, 1], data: Float32Array.from({ length: 50 }, (_, i) => i % 10) });
    for (const [c, args] of [
      [coords, { mode: 'knn', nNeighs: 6, radius: 0 }],
      [coords, { mode: 'radius', nNeighs: 6, radius: 15 }],
      [d3, { mode: 'knn', nNeighs: 10, radius: 0 }],
      [d3, { mode: 'radius', nNeighs: 6, radius: 2.5 }],
      [d1, { mode: 'knn', nNeighs: 7, radius: 0 }],
      [d1, { mode: 'radius', nNeighs: 6, radius: 1 }],
    ] as const) {
      const want = ref.spatialNeighbors(c, args);
      for (const v of impls('spatialNeighbors')) expectSameBits(v.fn(c, args), want, `${v.label} ${args.mode} d=${c.shape[1]}`);
    }
  });
});
