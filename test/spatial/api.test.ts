/**
 * The spatial API functions: options and their defaults, input checks with typed errors,
 * equivalent ways of passing the same input, degenerate inputs, and the squidpy rules that the
 * golden fixtures do not reach (BH with NaN, the z-score of a zero standard deviation, …).
 */
import { describe, expect, it } from 'vitest';
import * as ck from '../../src/index.js';
import { analyticVariance, weightMoments } from '../../src/api/spatial_autocorr.js';
import { bhFdr, numpyPairwiseSum, pOneTailed } from '../../src/api/spatial_common.js';
import { numpyPercentile } from '../../src/api/spatial_neighbors.js';
import { permutation } from '../../src/backends/js/random.js';
import { fixtureCsr, sameBits, spatialCase } from './helpers.js';

const js = { backend: 'js' } as const;

function tinyGraph(): ck.CsrMatrix {
  // a path 0-1-2-3-4 (both directions)
  return new ck.CsrMatrix({
    shape: [5, 5],
    indptr: Int32Array.from([0, 1, 3, 5, 7, 8]),
    indices: Int32Array.from([1, 0, 2, 1, 3, 2, 4, 3]),
    data: new Float32Array(8).fill(1),
  });
}

describe('spatialAutocorr API', () => {
  const X = new ck.DenseMatrix({ shape: [5, 3], data: Float64Array.from([1, 7, 2, 2, 7, 9, 3, 7, 1, 4, 7, 8, 5, 7, 0]) });

  it('defaults: Moran, row-normalised, no permutations, BH, sorted (NaN last)', () => {
    const r = ck.spatialAutocorr(tinyGraph(), X, js);
    expect(r.mode).toBe('moran');
    expect(r.columns).toEqual(['I', 'pval_norm', 'var_norm', 'pval_norm_fdr_bh']);
    expect(Array.from(r.index)).toEqual([0, 2, 1]); // gradient (I > 0), alternating (I < 0), constant (NaN)
    expect(r.table.I![2]).toBeNaN();
    expect(r.expected).toBe(-1 / 4);
    expect(r.zSim).toBeNull();
    // a NaN in a p column makes statsmodels' BH all NaN
    expect(Array.from(r.table.pval_norm_fdr_bh!).every(Number.isNaN)).toBe(true);
  });

  it('moransI / gearysC are spatialAutocorr with the mode; sort: false keeps feature order; genes select columns', () => {
    const w = tinyGraph();
    expect(ck.moransI(w, X, js)).toEqual(ck.spatialAutocorr(w, X, { mode: 'moran', ...js }));
    const g = ck.gearysC(w, X, { sort: false, ...js });
    expect(g.columns[0]).toBe('C');
    expect(Array.from(g.index)).toEqual([0, 1, 2]);
    const sub = ck.gearysC(w, X, { genes: [2, 0], sort: false, corrMethod: null, ...js });
    expect(Array.from(sub.index)).toEqual([2, 0]);
    expect(sub.table.C![0]).toBe(g.table.C![2]);
    expect(sub.columns).toEqual(['C', 'pval_norm', 'var_norm']);
  });

  it('a CSR X with genes gives the dense result', () => {
    const { X: dense } = spatialCase();
    const [n, m] = dense.shape;
    const indptr = new Int32Array(n + 1);
    const idx: number[] = [];
    const val: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) if (dense.data[i * m + j] !== 0) (idx.push(j), val.push(dense.data[i * m + j]!));
      indptr[i + 1] = idx.length;
    }
    const csr = new ck.CsrMatrix({ shape: [n, m], indptr, indices: Int32Array.from(idx), data: Float32Array.from(val) });
    const w = fixtureCsr('neighbors.knn6.conn');
    const genes = [3, 0, 17, 5];
    const a = ck.spatialAutocorr(w, csr, { genes, nPerms: 30, seed: 4, ...js });
    const b = ck.spatialAutocorr(w, dense, { genes, nPerms: 30, seed: 4, ...js });
    expect(a).toEqual(b);
  });

  it('permutation columns: two-tailed doubles only pval_norm; p_sim folds the count', () => {
    const w = fixtureCsr('neighbors.knn6.conn');
    const { X } = spatialCase();
    const one = ck.spatialAutocorr(w, X, { nPerms: 50, seed: 1, sort: false, ...js });
    const two = ck.spatialAutocorr(w, X, { nPerms: 50, seed: 1, sort: false, twoTailed: true, ...js });
    for (let f = 0; f < 19; f++) {
      expect(two.table.pval_norm![f]).toBe(one.table.pval_norm![f]! * 2);
      expect(two.table.pval_sim![f]).toBe(one.table.pval_sim![f]);
      expect(two.table.pval_z_sim![f]).toBe(one.table.pval_z_sim![f]);
    }
    // feature 4 (checkerboard) is negatively autocorrelated: all 50 permuted I ≥ observed → folded to 0
    expect(one.table.pval_sim![4]).toBe(1 / 51);
    expect(one.table.pval_sim![19]).toBe(1 / 51); // constant feature, squidpy's (0 + 1)/(N + 1)
  });

  it('rejects bad input with typed errors', () => {
    const w = tinyGraph();
    expect(() => ck.spatialAutocorr(w, X, { mode: 'moron' as 'moran' })).toThrow(ck.InvalidOptionError);
    expect(() => ck.spatialAutocorr(w, X, { nperms: 3 } as ck.SpatialAutocorrOptions)).toThrow(/nPerms/);
    expect(() => ck.spatialAutocorr(w, X, { nPerms: -1 })).toThrow(ck.InvalidOptionError);
    expect(() => ck.spatialAutocorr(w, X, { seed: 1.5 })).toThrow(ck.InvalidOptionError);
    expect(() => ck.spatialAutocorr(w, X, { seed: 2 ** 53 })).toThrow(ck.InvalidOptionError);
    expect(() => ck.spatialAutocorr(w, X, { genes: [3] })).toThrow(/genes\[0\]/);
    expect(() => ck.spatialAutocorr(w, X, { corrMethod: 'bonferroni' as 'fdr_bh' })).toThrow(ck.InvalidOptionError);
    const rect = new ck.CsrMatrix({ shape: [5, 4], indptr: new Int32Array(6), indices: new Int32Array(0), data: new Float32Array(0) });
    expect(() => ck.spatialAutocorr(rect, X)).toThrow(/square/);
    const short = new ck.DenseMatrix({ shape: [4, 3], data: new Float64Array(12) });
    expect(() => ck.spatialAutocorr(w, short)).toThrow(/rows/);
  });

  it('weight moments and the analytic variance follow numpy float32 arithmetic for a float32 graph', () => {
    const w = fixtureCsr('neighbors.knn6.conn');
    const m32 = weightMoments(w, true);
    expect(Math.fround(m32.s1)).toBe(m32.s1);
    const w64 = w.withData(Float64Array.from(w.data));
    const m64 = weightMoments(w64, true);
    expect(m64.s1).not.toBe(m32.s1);
    expect(Math.abs(m64.s1 / m32.s1 - 1)).toBeLessThan(1e-6);
    const v32 = analyticVariance('geary', 2500, m32, 'f32');
    expect(Math.fround(v32)).toBe(v32);
  });
});

describe('shared statistics helpers', () => {
  it('pOneTailed folds at 0 and keeps NaN; bhFdr caps at 1 and is order-free', () => {
    expect(pOneTailed(0)).toBe(0.5);
    expect(pOneTailed(-1)).toBeCloseTo(0.15865525393145707, 15);
    expect(pOneTailed(1)).toBeCloseTo(0.15865525393145707, 15);
    expect(pOneTailed(NaN)).toBeNaN();
    expect(pOneTailed(40)).toBe(0);
    expect(Array.from(bhFdr(Float64Array.from([0.5, 0.01, 0.9, 0.04])))).toEqual([0.6666666666666666, 0.04, 0.9, 0.08]);
    expect(bhFdr(new Float64Array(0)).length).toBe(0);
  });

  it('numpyPairwiseSum reproduces numpy float32 sums (8 accumulators, halving above 128)', () => {
    // np.float32(1 / (arange(1000) + 1)) * np.float32(3.7): numpy's .sum() and a plain float32 loop
    const a = Float32Array.from({ length: 1000 }, (_, i) => Math.fround(Math.fround(1 / (i + 1)) * Math.fround(3.7)));
    let seq = 0;
    for (const v of a) seq = Math.fround(seq + v);
    expect(numpyPairwiseSum(a, 0, a.length, Math.fround)).toBe(27.696243286132812);
    expect(seq).toBe(27.696237564086914);
  });

  it('numpyPercentile is numpy linear interpolation', () => {
    expect(numpyPercentile(Float64Array.from([1, 2, 3, 4]), 50)).toBe(2.5);
    expect(numpyPercentile(Float64Array.from([0, 10]), 90)).toBe(9);
    expect(numpyPercentile(Float64Array.from([5]), 30)).toBe(5);
  });

  it('the generator is a permutation and depends on (seed, stream) only', () => {
    const p = permutation(7, 3, 1000);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(sameBits(p, permutation(7, 3, 1000))).toBe(true);
    expect(sameBits(p, permutation(7, 4, 1000))).toBe(false);
    expect(sameBits(p, permutation(8, 3, 1000))).toBe(false);
  });
});

describe('nhoodEnrichment, coOccurrence, ligrec, spatialNeighbors API', () => {
  it('nhoodEnrichment: zscore = (count − mean)/std; nClusters adds empty clusters (NaN z); at least 2 clusters', () => {
    const { labels } = spatialCase();
    const w = fixtureCsr('neighbors.knn6.conn');
    const r = ck.nhoodEnrichment(w, labels, { nPerms: 20, seed: 3, nClusters: 6, ...js });
    expect(r.nClusters).toBe(6);
    expect(r.count.length).toBe(36);
    for (let c = 0; c < 36; c++) expect(r.zscore[c]).toBe((r.count[c]! - r.permMean[c]!) / r.permStd[c]!);
    expect(r.zscore[5]).toBeNaN(); // cluster 5 has no cells: 0/0
    expect(() => ck.nhoodEnrichment(w, new Int32Array(labels.length), js)).toThrow(/at least 2 clusters/);
    expect(() => ck.nhoodEnrichment(w, labels.subarray(1), js)).toThrow(/labels has/);
    expect(() => ck.nhoodEnrichment(w, labels, { nClusters: 3 })).toThrow(/nClusters/);
    expect(() => ck.nhoodEnrichment(w, labels, { nPerms: 0 })).toThrow(ck.InvalidOptionError);
  });

  it('coOccurrence: thresholds sorted and cast to float32; fewer than 2 thresholds or negative ones are errors', () => {
    const { coordsQuarter, labels } = spatialCase();
    const a = ck.coOccurrence(coordsQuarter, labels, { interval: [30, 10, 20], ...js });
    expect(Array.from(a.interval)).toEqual([10, 20, 30]);
    expect(a.occ.length).toBe(5 * 5 * 2);
    expect(() => ck.coOccurrence(coordsQuarter, labels, { interval: [3] })).toThrow(/length >= 2/);
    expect(() => ck.coOccurrence(coordsQuarter, labels, { interval: [-1, 3] })).toThrow(/≥ 0/);
    expect(() => ck.coOccurrence(coordsQuarter, labels, { interval: 1 })).toThrow(ck.InvalidOptionError);
    const three = new ck.DenseMatrix({ shape: [2, 3], data: new Float64Array(6) });
    expect(() => ck.coOccurrence(three, [0, 1])).toThrow(/2 columns/);
  });

  it('ligrec: duplicate interactions dropped, clusters as a list, CSR and dense agree, FDR option', () => {
    const { X, labels } = spatialCase();
    const pairs: [number, number][] = [[5, 6], [5, 6], [0, 1]];
    const a = ck.ligrec(X, labels, { pairs, clusters: [0, 2], nPerms: 40, seed: 1, ...js });
    expect(Array.from(a.pairs)).toEqual([5, 6, 0, 1]);
    expect(Array.from(a.clusterPairs)).toEqual([0, 0, 0, 2, 2, 0, 2, 2]);
    const explicit = ck.ligrec(X, labels, { pairs: Int32Array.from([5, 6, 0, 1]), clusters: [[2, 2], [0, 0], [2, 0], [0, 2]], nPerms: 40, seed: 1, ...js });
    expect(explicit).toEqual(a);
    const fdr = ck.ligrec(X, labels, { pairs, clusters: [0, 2], nPerms: 40, seed: 1, corrMethod: 'fdr_bh', ...js });
    for (let e = 0; e < a.pvalues.length; e++) {
      if (Number.isNaN(a.pvalues[e]!)) expect(fdr.pvalues[e]).toBeNaN();
      else expect(fdr.pvalues[e]).toBeGreaterThanOrEqual(a.pvalues[e]!);
    }
    expect(() => ck.ligrec(X, labels, { pairs: [[0, 20]] })).toThrow(/not a column/);
    expect(() => ck.ligrec(X, labels, { pairs: [[0, 1]], clusters: [0, 7] })).toThrow(/invalid cluster 7/);
    expect(() => ck.ligrec(X, labels, { pairs: [] })).toThrow(/no interactions/);
  });

  it('spatialNeighbors: nNeighs ≥ n is an error (not with delaunay), empty input gives empty graphs', () => {
    const c = new ck.DenseMatrix({ shape: [3, 2], data: Float64Array.from([0, 0, 1, 0, 0, 2]) });
    expect(() => ck.spatialNeighbors(c, { nNeighs: 3 })).toThrow(/smaller than the number of cells/);
    expect(ck.spatialNeighbors(c, { nNeighs: 3, delaunay: true, ...js }).connectivities.nnz).toBe(6); // Delaunay: test/spatial/delaunay.test.ts
    expect(() => ck.spatialNeighbors(c, { radius: -1 })).toThrow(ck.InvalidOptionError);
    const g = ck.spatialNeighbors(c, { nNeighs: 1, setDiag: true, ...js });
    expect(Array.from(g.connectivities.indices)).toEqual([0, 1, 0, 1, 0, 2]);
    expect(Array.from(g.distances.data)).toEqual([1, 1, 2]);
    const e = ck.spatialNeighbors(new ck.DenseMatrix({ shape: [0, 2], data: new Float64Array(0) }), { radius: 3, ...js });
    expect(e.connectivities.shape).toEqual([0, 0]);
    expect(e.distances.nnz).toBe(0);
    const nan = new ck.DenseMatrix({ shape: [2, 2], data: Float64Array.from([0, NaN, 1, 1]) });
    expect(() => ck.spatialNeighbors(nan)).toThrow(/not finite/);
  });
});
