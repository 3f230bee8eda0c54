import type { CsrMatrix } from '../../matrix/index.js';
import type { NhoodEnrichmentRaw, SpatialKernelArgs } from '../spatial_types.js';
import { PermStream } from './random.js';

/** Edge counts between clusters: count[a·k + b] = stored entries (i, j) with label i = a, label j = b. */
export function clusterEdgeCounts(w: CsrMatrix, labels: ArrayLike<number>, k: number, out: Int32Array): Int32Array {
  out.fill(0);
  const n = w.shape[0];
  for (let i = 0; i < n; i++) {
    const row = labels[i]! * k;
    for (let p = w.indptr[i]!; p < w.indptr[i + 1]!; p++) out[row + labels[w.indices[p]!]!]!++;
  }
  return out;
}

/**
 * Reference neighbourhood enrichment (squidpy `nhood_enrichment`): edge counts between
 * clusters (weights ignored, every stored entry counts), then for each permutation p the
 * labels shuffled with stream p (random.ts) and counted again; mean and standard deviation
 * (ddof 0) of the permuted counts, summed over permutations in order.
 */
export function nhoodEnrichment(w: CsrMatrix, labels: Int32Array, args: SpatialKernelArgs['nhoodEnrichment']): NhoodEnrichmentRaw {
  const k = args.nClusters;
  const n = w.shape[0];
  const P = args.nPerms;
  const count = clusterEdgeCounts(w, labels, k, new Int32Array(k * k));
  const perms = new Int32Array(P * k * k);
  const shuffled = new Int32Array(n);
  for (let p = 0; p < P; p++) {
    shuffled.set(labels.subarray(0, n));
    new PermStream(args.seed, p).shuffle(shuffled, n);
    clusterEdgeCounts(w, shuffled, k, perms.subarray(p * k * k, (p + 1) * k * k));
  }
  const permMean = new Float64Array(k * k);
  const permStd = new Float64Array(k * k);
  for (let c = 0; c < k * k; c++) {
    let s = 0;
    for (let p = 0; p < P; p++) s += perms[p * k * k + c]!;
    const mean = s / P;
    let ss = 0;
    for (let p = 0; p < P; p++) {
      const d = perms[p * k * k + c]! - mean;
      ss += d * d;
    }
    permMean[c] = mean;
    permStd[c] = Math.sqrt(ss / P);
  }
  return { count, permMean, permStd };
}
