import type { DenseMatrix } from '../../matrix/index.js';
import type { SpatialKernelArgs } from '../spatial_types.js';

/**
 * Squared thresholds of squidpy's co_occurrence: interval[r + 1]² in float32, r < len − 1.
 */
export function squaredThresholds(interval: Float32Array): Float32Array {
  const L = Math.max(interval.length - 1, 0);
  const t = new Float32Array(L);
  for (let r = 0; r < L; r++) t[r] = Math.fround(interval[r + 1]! * interval[r + 1]!);
  return t;
}

/**
 * Reference co-occurrence counts (squidpy `co_occurrence`, `_occur_count`): for every ordered
 * pair of distinct cells (i, j), in float32, dx = xᵢ − xⱼ, dy = yᵢ − yⱼ, d² = dx·dx + dy·dy,
 * and counts[a, b, r] += 1 for every threshold r with d² ≤ interval[r + 1]² (a = label i,
 * b = label j). Returns the float64 counts, k × k × (len(interval) − 1), row-major.
 */
export function coOccurrence(coords: DenseMatrix, labels: Int32Array, args: SpatialKernelArgs['coOccurrence']): Float64Array {
  const n = coords.shape[0];
  const d = coords.shape[1];
  const k = args.nClusters;
  const t = squaredThresholds(args.interval);
  const L = t.length;
  const xs = new Float32Array(n);
  const ys = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    xs[i] = coords.data[i * d]!;
    ys[i] = coords.data[i * d + 1]!;
  }
  // Each unordered pair once: the first threshold it falls under (thresholds ascend), counted
  // for (a, b) and (b, a); then cumulative sums over the thresholds.
  const counts = new Float64Array(k * k * L);
  if (L === 0) return counts;
  const last = t[L - 1]!;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = Math.fround(xs[i]! - xs[j]!);
      const dy = Math.fround(ys[i]! - ys[j]!);
      const d2 = Math.fround(Math.fround(dx * dx) + Math.fround(dy * dy));
      if (!(d2 <= last)) continue;
      let r = 0;
      while (!(d2 <= t[r]!)) r++;
      counts[(labels[i]! * k + labels[j]!) * L + r]!++;
      counts[(labels[j]! * k + labels[i]!) * L + r]!++;
    }
  }
  for (let ab = 0; ab < k * k; ab++) {
    for (let r = 1; r < L; r++) counts[ab * L + r]! += counts[ab * L + r - 1]!;
  }
  return counts;
}
