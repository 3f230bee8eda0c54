import { type DispatchOptions, checkOptions } from '../dispatch/index.js';
import { InvalidInputError, InvalidOptionError } from '../errors.js';
import { CsrMatrix, DenseMatrix } from '../matrix/index.js';
import { isHandle } from '../runtime/handles.js';
import { dispatchOn } from './operand.js';
import { checkLabels, checkPerms, checkSeed } from './spatial_common.js';

/** Options of ligrec (squidpy `sq.gr.ligrec`). */
export interface LigrecOptions extends DispatchOptions {
  /** Interactions: (source, target) column indices of X, e.g. [[ligand, receptor], …]. Duplicates are dropped (first kept), as squidpy. */
  pairs: ArrayLike<readonly [number, number]> | Int32Array;
  /**
   * Cluster pairs (cluster 1, cluster 2) to test, or clusters (all ordered pairs among them);
   * default all ordered pairs of the k clusters. Sorted as squidpy sorts them (by code, which
   * is squidpy's order when the category names sort like their codes).
   */
  clusters?: readonly number[] | ArrayLike<readonly [number, number]> | null;
  /** Number of clusters k (default: largest code + 1). */
  nClusters?: number;
  /** Permutations (default 1000). */
  nPerms?: number;
  /** Minimum fraction of a cluster's cells expressing (x > 0) both genes to test a pair (default 0.01). */
  threshold?: number;
  /** Seed of the permutation generator (default 0). */
  seed?: number;
  /** FDR correction of the p-values: null (default, as squidpy) or `fdr_bh`. */
  corrMethod?: 'fdr_bh' | null;
  /** Axis of the correction: `clusters` (default, as `sq.gr.ligrec`: across interactions, per cluster pair) or `interactions`. */
  corrAxis?: 'clusters' | 'interactions';
}

/** What ligrec returns (interactions × cluster pairs, row-major). */
export interface LigrecResult {
  /** The interactions tested (rows): (source, target) column indices, flattened. */
  pairs: Int32Array;
  /** The cluster pairs (columns): (cluster 1, cluster 2) codes, flattened. */
  clusterPairs: Int32Array;
  /** (mean source in cluster 1 + mean target in cluster 2)/2; 0 where a mean is 0 (squidpy's `means`). */
  means: Float64Array;
  /** Permutation p-values (squidpy's `pvalues`); NaN where a mean is 0 or a gene is expressed in fewer than `threshold` of a cluster's cells. */
  pvalues: Float64Array;
}

function pairList(name: string, v: unknown): number[][] {
  if (v instanceof Int32Array) {
    if (v.length % 2 !== 0) throw new InvalidOptionError(`ligrec: ${name} as a flat Int32Array must have an even length`);
    return Array.from({ length: v.length / 2 }, (_, i) => [v[2 * i]!, v[2 * i + 1]!]);
  }
  if (v === null || typeof v !== 'object' || typeof (v as ArrayLike<unknown>).length !== 'number') throw new InvalidOptionError(`ligrec: ${name} must be a list of [a, b] pairs`);
  return Array.from(v as ArrayLike<unknown>, (p, i) => {
    const q = p as ArrayLike<number>;
    if (q === null || typeof q !== 'object' || q.length !== 2) throw new InvalidOptionError(`ligrec: ${name}[${i}] is not a pair [a, b]`);
    return [q[0]!, q[1]!];
  });
}

/**
 * FDR correction of ligrec p-values (interactions × cluster pairs, row-major) as squidpy's
 * `_fdr_correct`: Benjamini–Hochberg per cluster pair (`clusters`: across interactions) or per
 * interaction (`interactions`), NaN counted as 1 and put back afterwards.
 */
export function ligrecFdr(p: Float64Array, I: number, C: number, axis: 'clusters' | 'interactions'): Float64Array {
  const out = new Float64Array(p.length);
  const groups = axis === 'clusters' ? C : I;
  const len = axis === 'clusters' ? I : C;
  const at = (g: number, e: number) => (axis === 'clusters' ? e * C + g : g * C + e);
  for (let g = 0; g < groups; g++) {
    const v = Float64Array.from({ length: len }, (_, e) => (Number.isNaN(p[at(g, e)]!) ? 1 : p[at(g, e)]!));
    const order = Array.from({ length: len }, (_, e) => e).sort((a, b) => v[a]! - v[b]! || a - b);
    let run = Infinity;
    for (let r = len - 1; r >= 0; r--) {
      const e = order[r]!;
      const q = v[e]! / ((r + 1) / len);
      if (q < run) run = q;
      out[at(g, e)] = Number.isNaN(p[at(g, e)]!) ? NaN : Math.min(run, 1);
    }
  }
  return out;
}

/**
 * Ligand–receptor permutation test of CellPhoneDB as squidpy runs it —
 * `squidpy.gr.ligrec(adata, cluster_key, interactions, threshold, n_perms, seed, use_raw=False)`
 * with `copy=True`, on gene indices instead of names (no complexes).
 *
 * For each interaction (source s, target t) and cluster pair (a, b): m1 = mean of s over the
 * cells of a, m2 = mean of t over b; `means` = (m1 + m2)/2 when both are > 0 (else 0); the
 * pair is tested when both are > 0 and both genes are expressed (x > 0) in ≥ `threshold` of
 * their cluster's cells, else its p-value is NaN. Each of `nPerms` permutations shuffles the
 * cluster labels of the cells taking part (those in a tested cluster) and counts m1' + m2' >
 * m1 + m2 (strictly); p = count / nPerms. Permutations use the documented generator
 * (Philox4x32-10, one stream per permutation): identical in every backend and thread count,
 * different from squidpy's numpy draws by sampling noise only. Means are float64 (squidpy's
 * pandas means agree to rel 1e-15).
 */
export function ligrec(x: DenseMatrix | CsrMatrix, labels: ArrayLike<number>, options: LigrecOptions): LigrecResult {
  checkOptions('ligrec', options ?? {}, ['pairs', 'clusters', 'nClusters', 'nPerms', 'threshold', 'seed', 'corrMethod', 'corrAxis']);
  if (isHandle(x) || !(x instanceof DenseMatrix || x instanceof CsrMatrix)) throw new InvalidInputError('ligrec: X must be a plain DenseMatrix or CsrMatrix (cells × genes)');
  const [n, m] = x.shape;
  const { labels: codes, k } = checkLabels('ligrec', labels, n, options.nClusters);
  if (k < 2) throw new InvalidInputError(`ligrec: expected at least 2 clusters, found ${k}`);
  const nPerms = checkPerms('ligrec', options.nPerms, 1000, false);
  const seed = checkSeed('ligrec', options.seed);
  const threshold = options.threshold ?? 0.01;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) throw new InvalidOptionError(`ligrec: threshold must be a finite number, got ${String(threshold)}`);
  const corr = options.corrMethod ?? null;
  if (corr !== null && corr !== 'fdr_bh') throw new InvalidOptionError(`ligrec: corrMethod must be null or "fdr_bh", got ${String(corr)}`);
  const axis = options.corrAxis ?? 'clusters';
  if (axis !== 'clusters' && axis !== 'interactions') throw new InvalidOptionError(`ligrec: corrAxis must be "clusters" or "interactions", got ${String(axis)}`);

  const seen = new Set<string>();
  const pairs: number[] = [];
  for (const [s, t] of pairList('pairs', options.pairs)) {
    for (const g of [s, t]) if (!Number.isInteger(g) || g! < 0 || g! >= m) throw new InvalidOptionError(`ligrec: gene index ${g} is not a column of X (0…${m - 1})`);
    const key = `${s},${t}`;
    if (seen.has(key)) continue;
    seen.add(key);
    pairs.push(s!, t!);
  }
  if (pairs.length === 0) throw new InvalidOptionError('ligrec: no interactions were given');

  const size = new Int32Array(k);
  for (const c of codes) size[c]!++;
  let cp: number[][];
  const cl = options.clusters ?? null;
  if (cl === null) cp = [];
  else if (Array.from(cl as ArrayLike<unknown>).every((c) => typeof c === 'number')) {
    const cs = Array.from(cl as ArrayLike<number>);
    cp = cs.flatMap((a) => cs.map((b) => [a, b]));
  } else cp = pairList('clusters', cl);
  if (cl === null) for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) if (size[a]! > 0 && size[b]! > 0) cp.push([a, b]);
  for (const [a, b] of cp) {
    for (const c of [a!, b!]) {
      if (!Number.isInteger(c) || c < 0 || c >= k || size[c] === 0) throw new InvalidOptionError(`ligrec: invalid cluster ${c} (a code in 0…${k - 1} with cells)`);
    }
  }
  if (cp.length === 0) throw new InvalidOptionError('ligrec: no cluster pairs to test');
  cp.sort((p, q) => p[0]! - q[0]! || p[1]! - q[1]!);
  const used = new Set(cp.flat());
  const member = Int32Array.from(codes, (c) => (used.has(c) ? c : -1));
  const args = { nClusters: k, pairs: Int32Array.from(pairs), clusterPairs: Int32Array.from(cp.flat()), threshold, nPerms, seed };
  const raw = dispatchOn('ligrec', x, options).fn(x, member, args);
  const pvalues = corr === null ? raw.pvalues : ligrecFdr(raw.pvalues, pairs.length / 2, cp.length, axis);
  return { pairs: args.pairs, clusterPairs: args.clusterPairs, means: raw.means, pvalues };
}
