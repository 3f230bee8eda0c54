import type { DenseMatrix } from '../../matrix/index.js';
import type { NeighborGraph, SpatialKernelArgs } from '../spatial_types.js';

/** Squared Euclidean distance between rows i and j, summed over dimensions in order. */
function dist2(c: ArrayLike<number>, d: number, i: number, j: number): number {
  let s = 0;
  for (let a = 0; a < d; a++) {
    const t = c[i * d + a]! - c[j * d + a]!;
    s += t * t;
  }
  return s;
}

/**
 * Reference neighbour graph (squidpy `spatial_neighbors`, generic coordinates, sklearn
 * `NearestNeighbors` with the query point left out): `knn` keeps the nNeighs other cells with
 * the smallest squared distance (ties: the smaller index); `radius` keeps every other cell with
 * d² ≤ radius². Distances are sqrt(Σ (xᵢ − xⱼ)²) in float64 (as sklearn's KD-tree). Cells are
 * swept in order of their first coordinate, so a search stops once that coordinate alone is
 * too far. Rows come out with their columns sorted.
 */
export function spatialNeighbors(coords: DenseMatrix, args: SpatialKernelArgs['spatialNeighbors']): NeighborGraph {
  const [n, d] = coords.shape;
  const c = Float64Array.from(coords.data);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => c[a * d]! - c[b * d]! || a - b);
  const rank = new Int32Array(n);
  order.forEach((i, r) => (rank[i] = r));
  const rows: { j: number; d2: number }[][] = [];
  const better = (a: { j: number; d2: number }, b: { j: number; d2: number }) => a.d2 < b.d2 || (a.d2 === b.d2 && a.j < b.j);
  for (let i = 0; i < n; i++) {
    const found: { j: number; d2: number }[] = [];
    const x0 = c[i * d]!;
    if (args.mode === 'knn') {
      const k = Math.min(args.nNeighs, n - 1);
      // kept sorted best-first; the last one is the worst kept
      const consider = (j: number) => {
        const cand = { j, d2: dist2(c, d, i, j) };
        if (found.length === k && !better(cand, found[k - 1]!)) return;
        let p = found.length === k ? k - 1 : found.length;
        while (p > 0 && better(cand, found[p - 1]!)) {
          found[p] = found[p - 1]!;
          p--;
        }
        found[p] = cand;
      };
      let lo = rank[i]! - 1;
      let hi = rank[i]! + 1;
      while (k > 0 && (lo >= 0 || hi < n)) {
        const dlo = lo >= 0 ? x0 - c[order[lo]! * d]! : Infinity;
        const dhi = hi < n ? c[order[hi]! * d]! - x0 : Infinity;
        const step = Math.min(dlo, dhi);
        if (found.length === k && step * step > found[k - 1]!.d2) break;
        if (dlo <= dhi) consider(order[lo--]!);
        else consider(order[hi++]!);
      }
    } else {
      const r2 = args.radius * args.radius;
      for (let s = rank[i]! - 1; s >= 0 && (x0 - c[order[s]! * d]!) ** 2 <= r2; s--) {
        const j = order[s]!;
        const d2 = dist2(c, d, i, j);
        if (d2 <= r2) found.push({ j, d2 });
      }
      for (let s = rank[i]! + 1; s < n && (c[order[s]! * d]! - x0) ** 2 <= r2; s++) {
        const j = order[s]!;
        const d2 = dist2(c, d, i, j);
        if (d2 <= r2) found.push({ j, d2 });
      }
    }
    found.sort((a, b) => a.j - b.j);
    rows.push(found);
  }
  const indptr = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) indptr[i + 1] = indptr[i]! + rows[i]!.length;
  const indices = new Int32Array(indptr[n]!);
  const distances = new Float64Array(indptr[n]!);
  rows.forEach((row, i) =>
    row.forEach((e, q) => {
      indices[indptr[i]! + q] = e.j;
      distances[indptr[i]! + q] = Math.sqrt(e.d2);
    }),
  );
  return { indptr, indices, distances };
}
