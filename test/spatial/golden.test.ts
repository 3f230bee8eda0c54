/**
 * The spatial kernels against real squidpy 1.8.2 (test/fixtures/golden/spatial, written by
 * bench/reference/make_spatial_reference.py): deterministic outputs to rel 1e-6 or exactly,
 * permutation outputs (different generator) within the binomial 99.9 % band, NaN placement and
 * row order exactly. Runs the public API on the js backend; test/spatial/variants.test.ts shows
 * that every compiled variant gives the js backend's bits.
 */
import { describe, expect, it } from 'vitest';
import * as ck from '../../src/index.js';
import { ligrecFdr } from '../../src/api/ligrec.js';
import { bhFdr, ndtr } from '../../src/api/spatial_common.js';
import { golden } from '../helpers/golden.js';
import { N_PERMS, Z999, fixtureCsr, maxRelErr, spatialCase, withinBinomialBand } from './helpers.js';

const g = golden('spatial');
const js = { backend: 'js' } as const;
type Call = { id: string; params: Record<string, unknown>; results: Record<string, unknown> };
const call = (id: string) => (g.manifest.calls as unknown as Call[]).find((c) => c.id === id)!;

/** |z| of a one-tailed p-value as squidpy folds it (p = 1 − Φ(|z|)). */
function absZ(p: number): number {
  let lo = 0;
  let hi = 40;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (1 - ndtr(mid) > p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

describe('spatialNeighbors vs squidpy (generic coordinates)', () => {
  const cases: [string, ck.SpatialNeighborsOptions][] = [
    ['neighbors.knn6', { nNeighs: 6 }],
    ['neighbors.knn10_diag', { nNeighs: 10, setDiag: true }],
    ['neighbors.radius15', { radius: 15 }],
    ['neighbors.radius_9_15', { radius: [9, 15] }],
    ['neighbors.knn6_p90', { nNeighs: 6, percentile: 90 }],
    ['neighbors.radius_9_15_p50', { radius: [9, 15], percentile: 50 }],
  ];
  for (const [id, opts] of cases) {
    it(`${id}: identical connectivities and distances`, () => {
      const { coords } = spatialCase();
      const out = ck.spatialNeighbors(coords, { ...opts, ...js });
      for (const [which, m] of [['conn', out.connectivities], ['dist', out.distances]] as const) {
        expect(Array.from(m.indptr), `${id}.${which}.indptr`).toEqual(Array.from(g.get(`${id}.${which}.indptr`)));
        expect(Array.from(m.indices), `${id}.${which}.indices`).toEqual(Array.from(g.get(`${id}.${which}.indices`)));
        expect(m.data.constructor).toBe(g.get(`${id}.${which}.data`).constructor);
        expect(maxRelErr(m.data, g.get(`${id}.${which}.data`)), `${id}.${which}.data`).toBe(0);
      }
    });
  }
});

describe('spatialAutocorr vs squidpy', () => {
  const ids = [
    'autocorr.moran',
    'autocorr.geary',
    'autocorr.moran.analytic_two_tailed',
    'autocorr.geary.no_transformation',
    'autocorr.moran.no_transformation',
    'autocorr.moran.expressed',
    'autocorr.geary.expressed',
  ];
  const w = () => fixtureCsr('neighbors.knn6.conn');
  for (const id of ids) {
    it(`${id}: statistic, analytic p-values, order and NaN placement; permutation columns within the binomial band`, () => {
      const p = call(id).params;
      const { X } = spatialCase();
      const genes = (p.genes as string[] | undefined)?.map((s) => Number(s.slice(1)));
      const res = ck.spatialAutocorr(w(), X, {
        mode: p.mode as 'moran' | 'geary',
        nPerms: (p.n_perms as number | null) ?? null,
        seed: (p.seed as number | undefined) ?? 0,
        twoTailed: (p.two_tailed as boolean | undefined) ?? false,
        transformation: (p.transformation as boolean | undefined) ?? true,
        ...(genes ? { genes } : {}),
        ...js,
      });
      expect(res.columns).toEqual(call(id).results.columns);
      expect(Array.from(res.index)).toEqual(Array.from(g.get(`${id}.order`)));
      const m = (call(id).results.g_moments as Record<string, number>)!;
      expect([res.moments.s0, res.moments.s1, res.moments.s2]).toEqual([m.s0, m.s1, m.s2]);
      const stat = res.columns[0]!;
      expect(maxRelErr(res.table[stat]!, g.f64(`${id}.${stat}`)), stat).toBeLessThan(1e-12);
      expect(maxRelErr(res.table.var_norm!, g.f64(`${id}.var_norm`)), 'var_norm').toBe(0);
      expect(maxRelErr(res.table.pval_norm!, g.f64(`${id}.pval_norm`)), 'pval_norm').toBeLessThan(1e-6);
      expect(maxRelErr(res.table.pval_norm_fdr_bh!, g.f64(`${id}.pval_norm_fdr_bh`)), 'pval_norm_fdr_bh').toBeLessThan(1e-6);
      if (!res.columns.includes('pval_sim')) return;
      const N = p.n_perms as number;
      const ref = { sim: g.f64(`${id}.pval_sim`), z: g.f64(`${id}.pval_z_sim`), v: g.f64(`${id}.var_sim`) };
      res.index.forEach((_, r) => {
        const where = `${id} row ${r}`;
        expect(withinBinomialBand(res.table.pval_sim![r]!, ref.sim[r]!, N), `${where} pval_sim ${res.table.pval_sim![r]} vs ${ref.sim[r]}`).toBe(true);
        const v = res.table.var_sim![r]!;
        if (Number.isNaN(ref.v[r]!)) {
          expect(v, where).toBeNaN();
          expect(res.table.pval_z_sim![r], where).toBeNaN();
          expect(res.table.pval_sim![r], `${where}: constant feature, squidpy's (0 + 1)/(N + 1)`).toBe(1 / (N + 1));
          return;
        }
        // sample variances of N draws: relative sd sqrt(2/N) each
        expect(Math.abs(v / ref.v[r]! - 1), `${where} var_sim`).toBeLessThan(Z999 * Math.sqrt(2) * Math.sqrt(2 / N));
        const pa = res.table.pval_z_sim![r]!;
        const pb = ref.z[r]!;
        if (pa < 1e-300 || pb < 1e-300) {
          expect(Math.max(pa, pb), `${where} pval_z_sim`).toBeLessThan(1e-12);
          return;
        }
        const za = absZ(pa);
        const zb = absZ(pb);
        expect(Math.abs(za - zb), `${where} |z_sim| ${za} vs ${zb}`).toBeLessThan(Z999 * Math.sqrt(2) * Math.sqrt((1 + (zb * zb) / 2) / N));
      });
      // BH exactly as statsmodels: on squidpy's own p-values, and ours on ours
      expect(maxRelErr(bhFdr(ref.sim), g.f64(`${id}.pval_sim_fdr_bh`))).toBeLessThan(1e-15);
      expect(maxRelErr(bhFdr(ref.z), g.f64(`${id}.pval_z_sim_fdr_bh`))).toBeLessThan(1e-15);
      expect(Array.from(res.table.pval_sim_fdr_bh!)).toEqual(Array.from(bhFdr(res.table.pval_sim!)));
    });
  }
});

describe('coOccurrence vs squidpy', () => {
  for (const id of ['co_occurrence.default', 'co_occurrence.interval']) {
    it(`${id}: same float32 thresholds, occurrence probabilities to rel 1e-12`, () => {
      const { coordsQuarter, labels } = spatialCase();
      const p = call(id).params;
      const res = ck.coOccurrence(coordsQuarter, labels, { ...(p.interval ? { interval: p.interval as number[] } : {}), ...js });
      expect(Array.from(res.interval)).toEqual(Array.from(g.get(`${id}.interval`)));
      expect(res.occ.length).toBe(g.get(`${id}.occ`).length);
      expect(maxRelErr(res.occ, g.f64(`${id}.occ`))).toBeLessThan(1e-12);
    });
  }
});

describe('nhoodEnrichment vs squidpy', () => {
  it('counts exactly; z-scores within the 99.9 % band of two independent estimates', () => {
    const { labels } = spatialCase();
    const res = ck.nhoodEnrichment(fixtureCsr('neighbors.knn6.conn'), labels, { nPerms: N_PERMS, seed: 0, ...js });
    expect(Array.from(res.count)).toEqual(Array.from(g.get('nhood_enrichment.count')));
    const zr = g.f64('nhood_enrichment.zscore');
    res.zscore.forEach((z, c) => {
      const band = Z999 * Math.sqrt(2) * Math.sqrt((1 + (zr[c]! * zr[c]!) / 2) / N_PERMS);
      expect(Math.abs(z - zr[c]!), `cell ${c}: ${z} vs ${zr[c]}`).toBeLessThan(band);
    });
  });
});

describe('ligrec vs squidpy', () => {
  for (const id of ['ligrec', 'ligrec.threshold0.1']) {
    it(`${id}: same rows, columns, means (rel 1e-12) and NaN placement; p-values within the binomial band`, () => {
      const { X, labels } = spatialCase();
      const p = call(id).params;
      const pairs = (p.interactions as string[][]).map(([s, t]) => [Number(s!.slice(1)), Number(t!.slice(1))] as [number, number]);
      const res = ck.ligrec(X, labels, { pairs, nPerms: N_PERMS, seed: 0, threshold: p.threshold as number, ...js });
      expect(Array.from(res.pairs)).toEqual(Array.from(g.get(`${id}.pairs`)));
      expect(Array.from(res.clusterPairs)).toEqual(Array.from(g.get(`${id}.cluster_pairs`)));
      expect(maxRelErr(res.means, g.f64(`${id}.means`))).toBeLessThan(1e-12);
      const ref = g.f64(`${id}.pvalues`);
      let tested = 0;
      res.pvalues.forEach((v, c) => {
        expect(Number.isNaN(v), `NaN placement at ${c}`).toBe(Number.isNaN(ref[c]!));
        if (!Number.isNaN(v)) {
          tested++;
          // p = count/N here (no +1): band without the (N+1) term's shift
          expect(withinBinomialBand(v, ref[c]!, N_PERMS), `entry ${c}: ${v} vs ${ref[c]}`).toBe(true);
        }
      });
      expect(tested).toBeGreaterThan(50);
    });
  }
});

describe('ligrec FDR (corr_method="fdr_bh") as squidpy', () => {
  for (const [id, axis] of [['ligrec.fdr_clusters', 'clusters'], ['ligrec.fdr_interactions', 'interactions']] as const) {
    it(`${id}: ligrecFdr on squidpy's raw p-values gives squidpy's corrected ones`, () => {
      const raw = g.f64('ligrec.pvalues');
      const [I, C] = g.meta('ligrec.pvalues').shape as [number, number];
      expect(maxRelErr(ligrecFdr(raw, I, C, axis), g.f64(`${id}.pvalues`))).toBeLessThan(1e-15);
    });
  }
});
