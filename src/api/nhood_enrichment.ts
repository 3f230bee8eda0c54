import { type DispatchOptions, checkOptions } from '../dispatch/index.js';
import { InvalidInputError } from '../errors.js';
import type { CsrMatrix } from '../matrix/index.js';
import { dispatchOn } from './operand.js';
import { checkGraph } from './spatial_autocorr.js';
import { checkLabels, checkPerms, checkSeed } from './spatial_common.js';

/** Options of nhoodEnrichment (squidpy `sq.gr.nhood_enrichment`). */
export interface NhoodEnrichmentOptions extends DispatchOptions {
  /** Number of clusters k (default: largest code + 1). */
  nClusters?: number;
  /** Label permutations (default 1000, squidpy's default). */
  nPerms?: number;
  /** Seed of the permutation generator (default 0). */
  seed?: number;
}

/** What nhoodEnrichment returns (squidpy's `NhoodEnrichmentResult`, k × k row-major, plus the permutation moments). */
export interface NhoodEnrichmentResult {
  nClusters: number;
  /** (count − mean)/std of the permuted counts: NaN where both are 0, ±inf where only std is 0. */
  zscore: Float64Array;
  /** Stored graph entries from a cell of cluster a (row) to a cell of cluster b (column). */
  count: Int32Array;
  permMean: Float64Array;
  permStd: Float64Array;
}

/**
 * Neighbourhood enrichment by label permutation — `squidpy.gr.nhood_enrichment(adata,
 * cluster_key, n_perms, seed)` with `copy=True`: counts of graph edges between clusters
 * (every stored entry counts, whatever its weight), and the z-score of each count against
 * `nPerms` random relabellings of the cells (mean and ddof-0 standard deviation).
 *
 * `w` is the n × n spatial graph (e.g. `spatialNeighbors(coords).connectivities`), `labels`
 * the cluster code (0 … k−1) of each cell; at least 2 clusters, as squidpy requires.
 * Permutations use the documented generator (Philox4x32-10, one stream per permutation), so
 * every backend, variant and thread count gives the same numbers; they differ from squidpy's
 * (numpy RandomState) by sampling noise only. Counts are exact; z-scores are float64.
 * Threads: permutations run in parallel in simd-threads (bit-identical for any thread count).
 */
export function nhoodEnrichment(w: CsrMatrix, labels: ArrayLike<number>, options: NhoodEnrichmentOptions = {}): NhoodEnrichmentResult {
  checkOptions('nhoodEnrichment', options, ['nClusters', 'nPerms', 'seed']);
  const n = checkGraph('nhoodEnrichment', w);
  const { labels: codes, k } = checkLabels('nhoodEnrichment', labels, n, options.nClusters);
  if (k < 2) throw new InvalidInputError(`nhoodEnrichment: expected at least 2 clusters, found ${k}`);
  const nPerms = checkPerms('nhoodEnrichment', options.nPerms, 1000, false);
  const seed = checkSeed('nhoodEnrichment', options.seed);
  const raw = dispatchOn('nhoodEnrichment', w, options).fn(w, codes, { nClusters: k, nPerms, seed });
  const zscore = new Float64Array(k * k);
  for (let c = 0; c < k * k; c++) zscore[c] = (raw.count[c]! - raw.permMean[c]!) / raw.permStd[c]!;
  return { nClusters: k, zscore, count: raw.count, permMean: raw.permMean, permStd: raw.permStd };
}
