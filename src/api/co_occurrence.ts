import { type DispatchOptions, checkOptions } from '../dispatch/index.js';
import { InvalidInputError, InvalidOptionError } from '../errors.js';
import { DenseMatrix } from '../matrix/index.js';
import { dispatchOn } from './operand.js';
import { checkLabels } from './spatial_common.js';

/** Options of coOccurrence (squidpy `sq.gr.co_occurrence`). */
export interface CoOccurrenceOptions extends DispatchOptions {
  /**
   * Distance thresholds: a number of evenly spaced thresholds between squidpy's automatic
   * minimum and maximum (default 50), or the thresholds themselves (≥ 0; sorted, cast to
   * float32, as squidpy). At least 2.
   */
  interval?: number | ArrayLike<number>;
  /** Number of clusters k (default: largest code + 1). */
  nClusters?: number;
}

/** What coOccurrence returns. */
export interface CoOccurrenceResult {
  nClusters: number;
  /** Co-occurrence probabilities, k × k × (len(interval) − 1), row-major (squidpy's `occ`). */
  occ: Float64Array;
  /** The thresholds, float32 (squidpy's `interval`). */
  interval: Float32Array;
  /** Ordered-pair counts behind `occ`: pairs (i of cluster a, j of cluster b), i ≠ j, with d² ≤ interval[r+1]². */
  counts: Float64Array;
}

/** Euclidean distance of two float32 points as sklearn's pairwise_distances computes it (float64 expansion, float32 sqrt). */
function skDistance(c: Float32Array, d: number, i: number, j: number): number {
  let xy = 0;
  let xx = 0;
  let yy = 0;
  for (let a = 0; a < d; a++) {
    xy += c[i * d + a]! * c[j * d + a]!;
    xx += c[i * d + a]! * c[i * d + a]!;
    yy += c[j * d + a]! * c[j * d + a]!;
  }
  const d2 = Math.max(Math.fround(-2 * xy + xx + yy), 0);
  return Math.fround(Math.sqrt(d2));
}

/**
 * squidpy's automatic thresholds (`_find_min_max` + `np.linspace(..., dtype=float32)`):
 * with s = x + y per cell (float32), tmin = distance between the cells of the two smallest s,
 * tmax = half the distance between the cell of the smallest s and that of the largest;
 * `num` values from tmin to tmax computed in float32 as numpy's linspace does. When the
 * smallest s ties, numpy's argpartition picks CPU-dependently; this takes the lowest index.
 */
export function autoInterval(coords: DenseMatrix, num: number): Float32Array {
  const [n, d] = coords.shape;
  const c = Float32Array.from(coords.data);
  let min1 = -1;
  let min2 = -1;
  let max = -1;
  const s = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let t = 0;
    for (let a = 0; a < d; a++) t = Math.fround(t + c[i * d + a]!);
    s[i] = t;
    if (max < 0 || t > s[max]!) max = i;
    if (min1 < 0 || t < s[min1]!) {
      min2 = min1;
      min1 = i;
    } else if (min2 < 0 || t < s[min2]!) min2 = i;
  }
  const tmax = Math.fround(skDistance(c, d, min1, max) / 2);
  const tmin = skDistance(c, d, min1, min2);
  const out = new Float32Array(num);
  const div = num - 1;
  const delta = Math.fround(tmax - tmin);
  const step = Math.fround(delta / div);
  for (let i = 0; i < num; i++) {
    out[i] = step === 0 ? Math.fround(Math.fround(Math.fround(i / div) * delta) + tmin) : Math.fround(Math.fround(i * step) + tmin);
  }
  if (num > 1) out[num - 1] = tmax;
  return out;
}

/**
 * Co-occurrence probability of clusters across distances — `squidpy.gr.co_occurrence(adata,
 * cluster_key, interval)` with `copy=True`. For each threshold r and clusters (a, b):
 * occ[a, b, r] = (counts[b, a, r] / Σₓ counts[x, a, r]) / (Σₓ counts[x, b, r] / Σ counts[·, ·, r]),
 * 0 where a divisor is 0, with counts over ordered pairs of distinct cells whose float32
 * squared distance is ≤ interval[r+1]² (squidpy's float32 arithmetic).
 *
 * `coords`: n × 2 (x, y), `labels`: cluster code of each cell. Counting is O(n²) pairs (each
 * unordered pair once); simd-threads splits it into fixed row blocks with exact integer
 * counts, so any thread count gives the same result. Counts are exact; occ is float64.
 */
export function coOccurrence(coords: DenseMatrix, labels: ArrayLike<number>, options: CoOccurrenceOptions = {}): CoOccurrenceResult {
  checkOptions('coOccurrence', options, ['interval', 'nClusters']);
  if (!(coords instanceof DenseMatrix)) throw new InvalidInputError('coOccurrence: coords must be a DenseMatrix (cells × 2)');
  const [n, d] = coords.shape;
  if (d !== 2) throw new InvalidInputError(`coOccurrence: coords must have 2 columns (x, y), got ${d}`);
  for (let i = 0; i < n * d; i++) if (!Number.isFinite(coords.data[i]!)) throw new InvalidInputError(`coOccurrence: coordinate ${i % d} of cell ${Math.floor(i / d)} is not finite`);
  const { labels: codes, k } = checkLabels('coOccurrence', labels, n, options.nClusters);
  const iv = options.interval ?? 50;
  let interval: Float32Array;
  if (typeof iv === 'number') {
    if (!Number.isInteger(iv) || iv < 2) throw new InvalidOptionError(`coOccurrence: interval must be an integer ≥ 2 or at least 2 thresholds, got ${iv}`);
    if (n < 3) throw new InvalidInputError('coOccurrence: automatic thresholds need at least 3 cells; pass interval thresholds');
    interval = autoInterval(coords, iv);
  } else {
    const vals = Array.from(iv as ArrayLike<number>);
    if (vals.length < 2) throw new InvalidOptionError(`coOccurrence: expected interval to be of length >= 2, found ${vals.length}`);
    for (const v of vals) if (!(typeof v === 'number' && v >= 0 && Number.isFinite(v))) throw new InvalidOptionError(`coOccurrence: thresholds must be finite and ≥ 0, got ${v}`);
    interval = Float32Array.from(vals.sort((a, b) => a - b));
  }
  const counts = dispatchOn('coOccurrence', coords, options).fn(coords, codes, { nClusters: k, interval });
  return { nClusters: k, occ: occurrenceProbabilities(counts, k, interval.length - 1), interval, counts };
}

/** squidpy's `_co_occurrence_helper` division of the counts. */
export function occurrenceProbabilities(counts: Float64Array, k: number, L: number): Float64Array {
  const occ = new Float64Array(k * k * L);
  for (let r = 0; r < L; r++) {
    const rowSums = new Float64Array(k); // counts.sum(axis=0)[:, r]
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) rowSums[b]! += counts[(a * k + b) * L + r]!;
    let total = 0;
    for (let b = 0; b < k; b++) total += rowSums[b]!;
    for (let c = 0; c < k; c++) {
      for (let i = 0; i < k; i++) {
        const prob = rowSums[i]! / total;
        if (prob !== 0 && rowSums[c]! !== 0) occ[(i * k + c) * L + r] = counts[(c * k + i) * L + r]! / rowSums[c]! / prob;
      }
    }
  }
  return occ;
}
