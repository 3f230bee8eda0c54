/**
 * Conformance recipes of the spatial kernels (spatialNeighbors, spatialAutocorr, coOccurrence,
 * nhoodEnrichment, ligrec); spread into CONFORMANCE by ./kernels.ts.
 *
 * Their inputs are not count matrices, so each case lends its size (and, where a kernel takes
 * features, its matrix) to seeded spatial inputs derived from it: n points on a half-unit grid
 * (so that distances tie), three clusters, and a neighbour graph with isolated cells and
 * unequal weights. The permutation kernels run with a fixed seed: every backend uses the
 * documented generator, so their counts must match exactly.
 * @module
 */
import type { LigrecRaw, NeighborGraph, NhoodEnrichmentRaw, SpatialAutocorrRaw, SpatialKernelArgs } from '../backends/spatial_types.js';
import { CsrMatrix, DenseMatrix, allocFloat } from '../matrix/index.js';
import { type ConformanceCase, rng } from './cases.js';
import { type RecipeTable, compareTyped, describe, guarded, mismatch, worst } from './conformance-common.js';
import type { Comparison, ToleranceKind } from './tolerance.js';

/** The spatial inputs derived from one case. */
interface SpatialInputs {
  /** n × 2 coordinates in the case's dtype, on a half-unit grid. */
  coords: DenseMatrix;
  /** Cluster codes 0, 1, 2 (each present once n ≥ 3), shuffled. */
  labels: Int32Array;
  /** n × n weights in the case's dtype: ring neighbours ±1 and ±7, weights 1–3, every 11th cell isolated. */
  graph: CsrMatrix;
}

const derived = new WeakMap<ConformanceCase, SpatialInputs>();

function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function spatialInputs(c: ConformanceCase): SpatialInputs {
  let s = derived.get(c);
  if (s) return s;
  const n = c.x.shape[0];
  const r = rng(hash(c.name.replace(/ (f32|f64) (csr|csc|dense)$/, '')));
  const side = Math.max(1, Math.ceil(Math.sqrt(n)));
  const xy = allocFloat(c.dtype, 2 * n);
  for (let i = 0; i < 2 * n; i++) xy[i] = Math.round(r() * side * 2) / 2;
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [labels[i], labels[j]] = [labels[j]!, labels[i]!];
  }
  const indptr = new Int32Array(n + 1);
  const indices: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 11 !== 5) {
      const js = [...new Set([i - 7, i - 1, i + 1, i + 7].map((j) => ((j % n) + n) % n))].filter((j) => j !== i).sort((a, b) => a - b);
      for (const j of js) {
        indices.push(j);
        weights.push(1 + ((i + j) % 3));
      }
    }
    indptr[i + 1] = indices.length;
  }
  const data = allocFloat(c.dtype, weights.length);
  data.set(weights);
  s = {
    coords: new DenseMatrix({ shape: [n, 2], data: xy }),
    labels,
    graph: new CsrMatrix({ shape: [n, n], data, indices: Int32Array.from(indices), indptr }),
  };
  derived.set(c, s);
  return s;
}

/** The derived inputs' arrays, for the check that a kernel left them unchanged. */
function arraysOf(s: SpatialInputs): ArrayBufferView[] {
  return [s.coords.data, s.labels, s.graph.indptr, s.graph.indices, s.graph.data];
}

/** Calls a kernel on derived inputs; a kernel that writes into them fails the run, and they are derived afresh. */
function onDerived<R>(c: ConformanceCase, extra: readonly ArrayBufferView[], call: (s: SpatialInputs) => R): R {
  const s = spatialInputs(c);
  return guarded([...arraysOf(s), ...extra], () => call(s), () => derived.delete(c));
}

function fields(out: unknown, names: readonly string[]): Record<string, unknown> | Comparison {
  if (out === null || typeof out !== 'object') return mismatch(`expected { ${names.join(', ')} }, got ${describe(out)}`);
  return out as Record<string, unknown>;
}

function compareGraph(out: unknown, ref: unknown, _c: ConformanceCase, tol: ToleranceKind): Comparison {
  const o = fields(out, ['indptr', 'indices', 'distances']);
  if ('ok' in o) return o as Comparison;
  const r = ref as NeighborGraph;
  const st = worst([
    ['indptr', compareTyped(o.indptr, r.indptr, 'exact', 'f64')],
    ['indices', compareTyped(o.indices, r.indices, 'exact', 'f64')],
  ]);
  if (!st.ok) return st;
  return worst([['distances', compareTyped(o.distances, r.distances, tol, 'f64')]]);
}

function compareAutocorr(out: unknown, ref: unknown, _c: ConformanceCase, tol: ToleranceKind): Comparison {
  const o = fields(out, ['stat', 'nGreaterEqual', 'simMean', 'simVar']);
  if ('ok' in o) return o as Comparison;
  const r = ref as SpatialAutocorrRaw;
  const parts: [string, Comparison][] = [['stat', compareTyped(o.stat, r.stat, tol, 'f64')]];
  for (const [k, kind] of [['nGreaterEqual', 'exact'], ['simMean', tol], ['simVar', tol]] as const) {
    const rv = r[k];
    if (rv === null) {
      if (o[k] !== null) return mismatch(`${k} is ${describe(o[k])}, expected null (no permutations)`);
    } else parts.push([k, compareTyped(o[k], rv, kind, 'f64')]);
  }
  return worst(parts);
}

function compareNhood(out: unknown, ref: unknown, _c: ConformanceCase, tol: ToleranceKind): Comparison {
  const o = fields(out, ['count', 'permMean', 'permStd']);
  if ('ok' in o) return o as Comparison;
  const r = ref as NhoodEnrichmentRaw;
  return worst([
    ['count', compareTyped(o.count, r.count, 'exact', 'f64')],
    ['permMean', compareTyped(o.permMean, r.permMean, tol, 'f64')],
    ['permStd', compareTyped(o.permStd, r.permStd, tol, 'f64')],
  ]);
}

function compareLigrec(out: unknown, ref: unknown, c: ConformanceCase, tol: ToleranceKind): Comparison {
  const o = fields(out, ['means', 'pvalues']);
  if ('ok' in o) return o as Comparison;
  const r = ref as LigrecRaw;
  return worst([
    ['means', compareTyped(o.means, r.means, tol, c.dtype)],
    ['pvalues', compareTyped(o.pvalues, r.pvalues, 'exact', 'f64')],
  ]);
}

/** ligrec's interactions for a case with m genes: (0, 1), (1, 0), (m−1, 0), (m/2, m/2), deduplicated. */
function ligrecPairs(m: number): Int32Array {
  const seen = new Set<string>();
  const out: number[] = [];
  for (const [s, t] of [[0, 1], [1, 0], [m - 1, 0], [m >> 1, m >> 1]] as const) {
    const p = [Math.min(s, m - 1), Math.min(t, m - 1)] as const;
    if (seen.has(p.join())) continue;
    seen.add(p.join());
    out.push(...p);
  }
  return Int32Array.from(out);
}

/**
 * ligrec's argument sets name the clusters taking part in `clusterPairs` (every ordered pair
 * among them is tested; cells of the other clusters get code −1, as the API does); `pairs` is
 * derived from the case's gene count.
 */
const LIGREC_ARGS: { label: string; args: SpatialKernelArgs['ligrec'] }[] = [
  { label: 'clusters 0–2, threshold 0.01', args: { nClusters: 3, pairs: new Int32Array(0), clusterPairs: Int32Array.of(0, 1, 2), threshold: 0.01, nPerms: 20, seed: 11 } },
  { label: 'clusters 0–1, threshold 0.3', args: { nClusters: 3, pairs: new Int32Array(0), clusterPairs: Int32Array.of(0, 1), threshold: 0.3, nPerms: 20, seed: 3 } },
];

const FEW_CELLS = (c: ConformanceCase) => (c.x.shape[0] < 3 ? 'fewer than 3 cells: not every one of the 3 clusters has cells (the API rejects clusters without cells)' : undefined);

/** The spatial kernels' recipes. */
export const SPATIAL_CONFORMANCE: RecipeTable = {
  spatialNeighbors: {
    layouts: ['dense'],
    argSets: [
      { label: 'knn 1', args: { mode: 'knn', nNeighs: 1, radius: 0 } },
      { label: 'knn 6', args: { mode: 'knn', nNeighs: 6, radius: 0 } },
      { label: 'radius 1.5', args: { mode: 'radius', nNeighs: 0, radius: 1.5 } },
      { label: 'radius 0 (duplicates only)', args: { mode: 'radius', nNeighs: 0, radius: 0 } },
    ],
    run: (fn, c, args, bo) => onDerived(c, [], (s) => fn(s.coords, args, bo)),
    compare: compareGraph,
  },
  spatialAutocorr: {
    layouts: ['dense'],
    argSets: [
      { label: 'moran, row-normalised', args: { mode: 'moran', transformation: true, nPerms: 0, seed: 0 } },
      { label: 'moran, 20 permutations', args: { mode: 'moran', transformation: true, nPerms: 20, seed: 5 } },
      { label: 'geary, raw weights, 20 permutations', args: { mode: 'geary', transformation: false, nPerms: 20, seed: 9 } },
      { label: 'geary, row-normalised', args: { mode: 'geary', transformation: true, nPerms: 0, seed: 0 } },
    ],
    run: (fn, c, args, bo) => onDerived(c, [], (s) => fn(s.graph, c.x as DenseMatrix, args, bo)),
    compare: compareAutocorr,
  },
  coOccurrence: {
    layouts: ['dense'],
    argSets: [
      { label: 'thresholds 0, 0.5, 1, 2, 3.5', args: { nClusters: 3, interval: Float32Array.of(0, 0.5, 1, 2, 3.5) } },
      { label: 'thresholds 0, 1.5', args: { nClusters: 3, interval: Float32Array.of(0, 1.5) } },
    ],
    run: (fn, c, args, bo) => onDerived(c, [args.interval], (s) => fn(s.coords, s.labels, args, bo)),
    compare: (out, ref) => compareTyped(out, ref as Float64Array, 'exact', 'f64'),
  },
  nhoodEnrichment: {
    layouts: ['dense'],
    argSets: [
      { label: '20 permutations', args: { nClusters: 3, nPerms: 20, seed: 1 } },
      { label: '1 permutation', args: { nClusters: 3, nPerms: 1, seed: 0 } },
    ],
    skip: FEW_CELLS,
    run: (fn, c, args, bo) => onDerived(c, [], (s) => fn(s.graph, s.labels, args, bo)),
    compare: compareNhood,
  },
  ligrec: {
    layouts: ['dense', 'csr'],
    argSets: LIGREC_ARGS,
    skip: (c) => FEW_CELLS(c) ?? (c.x.shape[1] === 0 ? 'no genes to pair' : undefined),
    run: (fn, c, args, bo) =>
      onDerived(c, [], (s) => {
        const used = new Set(args.clusterPairs);
        const clusterPairs = Int32Array.from([...used].flatMap((a) => [...used].flatMap((b) => [a, b])));
        const labels = Int32Array.from(s.labels, (l) => (used.has(l) ? l : -1));
        const full = { ...args, pairs: ligrecPairs(c.x.shape[1]), clusterPairs };
        return fn(c.x as DenseMatrix | CsrMatrix, labels, full, bo);
      }),
    compare: compareLigrec,
  },
};
