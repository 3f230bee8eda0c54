import { type DispatchOptions, checkOptions } from '../dispatch/index.js';
import { InvalidInputError, InvalidOptionError } from '../errors.js';
import { CsrMatrix, DenseMatrix } from '../matrix/index.js';
import type { NeighborGraph } from '../backends/spatial_types.js';
import { dispatchOn } from './operand.js';
import { delaunayGraph } from './spatial_delaunay.js';

/** Options of spatialNeighbors (squidpy `sq.gr.spatial_neighbors`, generic coordinates). */
export interface SpatialNeighborsOptions extends DispatchOptions {
  /** Neighbours per cell of the kNN graph (default 6, squidpy's default); ignored with `radius` or `delaunay`. */
  nNeighs?: number;
  /**
   * Radius graph: every other cell within this distance; or [min, max]: built with max, then edges
   * outside [min, max] dropped. Default null (kNN). With `delaunay`, only [min, max] (edges of the
   * triangulation outside it are dropped); a single number is an InvalidOptionError there.
   */
  radius?: number | readonly [number, number] | null;
  /** Put 1 on the diagonal of the connectivities (default false). */
  setDiag?: boolean;
  /** Drop edges longer than this percentile of the stored distances (numpy `percentile`, linear; diagonal zeros included, as squidpy). Default null. */
  percentile?: number | null;
  /**
   * Delaunay triangulation graph (squidpy `delaunay=True`): every edge of the triangles, Euclidean
   * lengths; 2-D coordinates only. Default false.
   */
  delaunay?: boolean;
}

/** What spatialNeighbors returns (squidpy's `obsp['spatial_connectivities']` and `obsp['spatial_distances']`). */
export interface SpatialNeighborsResult {
  /** n × n, float32 ones (and the diagonal with `setDiag`), columns sorted. */
  connectivities: CsrMatrix;
  /** n × n, float64 Euclidean distances of the same edges (zero-length edges are not stored, as scipy's eliminate_zeros). */
  distances: CsrMatrix;
}

/** numpy.percentile(a, q) with the default linear method. */
export function numpyPercentile(values: Float64Array, q: number): number {
  const a = Float64Array.from(values).sort();
  const n = a.length;
  const quant = q / 100;
  const vi = n * quant + (1 + quant * -1) - 1;
  const prev = Math.min(Math.max(Math.floor(vi), 0), n - 1);
  const next = Math.min(prev + 1, n - 1);
  const gamma = vi - Math.floor(vi);
  const lo = a[prev]!;
  const hi = a[next]!;
  const diff = hi - lo;
  return gamma >= 0.5 ? hi - diff * (1 - gamma) : lo + diff * gamma;
}

/**
 * Spatial neighbour graph from coordinates — `squidpy.gr.spatial_neighbors(adata,
 * coord_type="generic", n_neighs, radius, set_diag, percentile)`: the kNN graph (each cell to
 * its `nNeighs` nearest other cells) or the radius graph (every other cell within `radius`),
 * with float32 connectivities and float64 distances, as scikit-learn's KD-tree computes them
 * (sqrt of the sum of squared coordinate differences). A [min, max] radius drops edges outside
 * the interval; `percentile` drops edges longer than that percentile of the distances.
 *
 * `coords`: DenseMatrix, n × d (any d ≥ 1), finite. Ties in distance are broken by the smaller
 * cell index (scikit-learn's order among exact ties is its tree's; ties need duplicated
 * distances, which real coordinates almost never have).
 * Threads: simd-threads splits the queries into fixed blocks; results do not depend on the
 * thread count.
 *
 * `delaunay: true` — squidpy's `spatial_neighbors(coord_type="generic", delaunay=True)`
 * (`DelaunayBuilder`): the edges of the Delaunay triangulation of n × 2 coordinates (from the
 * delaunator package, in TypeScript, whatever the backend: every backend returns the same
 * graph), float64 Euclidean lengths, then `setDiag`, a [min, max] `radius` interval and
 * `percentile` exactly as for the other graphs. Errors (InvalidOptionError): coordinates that are
 * not n × 2, a single-number `radius` (squidpy's `spatial_neighbors` silently ignores it, its
 * `spatial_neighbors_delaunay` reads it as [0, r]: pass the interval). InvalidInputError where
 * scipy's Delaunay raises (fewer than 3 cells, all cells on one line) and for repeated
 * coordinates (Qhull keeps one copy, chosen by its insertion order, and isolates the others).
 * Where four or more cells lie on one circle (regular grids) the triangulation is not unique
 * and Qhull and delaunator may choose different diagonals; on real or jittered coordinates the
 * graph equals squidpy's. See docs/spatial.md.
 */
export function spatialNeighbors(coords: DenseMatrix, options: SpatialNeighborsOptions = {}): SpatialNeighborsResult {
  checkOptions('spatialNeighbors', options, ['nNeighs', 'radius', 'setDiag', 'percentile', 'delaunay']);
  if (!(coords instanceof DenseMatrix)) throw new InvalidInputError('spatialNeighbors: coords must be a DenseMatrix (cells × dimensions)');
  const [n, d] = coords.shape;
  if (d < 1) throw new InvalidInputError('spatialNeighbors: coords need at least one column');
  for (let i = 0; i < n * d; i++) if (!Number.isFinite(coords.data[i]!)) throw new InvalidInputError(`spatialNeighbors: coordinate ${i % d} of cell ${Math.floor(i / d)} is not finite`);
  const delaunay = options.delaunay ?? false;
  if (typeof delaunay !== 'boolean') throw new InvalidOptionError(`spatialNeighbors: delaunay must be true or false, got ${String(delaunay)}`);
  if (delaunay && typeof options.radius === 'number') {
    throw new InvalidOptionError(
      `spatialNeighbors: with delaunay, radius must be an interval [min, max] (edges outside it are dropped), got ${options.radius}; ` +
        "squidpy's spatial_neighbors ignores a single number here and its spatial_neighbors_delaunay reads it as [0, r]: pass [0, r] to drop edges longer than r, or leave radius out",
    );
  }
  const nNeighs = options.nNeighs ?? 6;
  if (!Number.isInteger(nNeighs) || nNeighs < 1) throw new InvalidOptionError(`spatialNeighbors: nNeighs must be a positive integer, got ${nNeighs}`);
  const radius = options.radius ?? null;
  let interval: [number, number] | null = null;
  let r = 0;
  if (radius !== null) {
    if (typeof radius === 'number') r = radius;
    else if (Array.isArray(radius) && radius.length === 2) {
      interval = [Math.min(radius[0]!, radius[1]!), Math.max(radius[0]!, radius[1]!)];
      r = interval[1];
    } else throw new InvalidOptionError('spatialNeighbors: radius must be a number or [min, max]');
    if (!(r >= 0) || !Number.isFinite(r) || (interval && !Number.isFinite(interval[0]))) throw new InvalidOptionError(`spatialNeighbors: radius must be finite and ≥ 0, got ${String(radius)}`);
  }
  const percentile = options.percentile ?? null;
  if (percentile !== null && !(typeof percentile === 'number' && percentile >= 0 && percentile <= 100)) {
    throw new InvalidOptionError(`spatialNeighbors: percentile must be in [0, 100], got ${String(percentile)}`);
  }
  const post = { setDiag: options.setDiag ?? false, interval, percentile };
  if (delaunay) return finishGraph(delaunayGraph(coords), n, post);
  if (radius === null && nNeighs > n - 1 && n > 0) throw new InvalidOptionError(`spatialNeighbors: nNeighs (${nNeighs}) must be smaller than the number of cells (${n})`);
  const g = dispatchOn('spatialNeighbors', coords, options).fn(coords, { mode: radius === null ? 'knn' : 'radius', nNeighs, radius: r });
  return finishGraph(g, n, post);
}

/**
 * squidpy's post-processing of a raw neighbour graph: diagonal entries (1 or 0 in the
 * connectivities, 0 in the distances), the radius interval, the percentile cut, then explicit
 * zeros removed.
 */
export function finishGraph(g: NeighborGraph, n: number, o: { setDiag: boolean; interval: [number, number] | null; percentile: number | null }): SpatialNeighborsResult {
  const keep = new Uint8Array(g.indices.length).fill(1);
  if (o.interval) {
    const [lo, hi] = o.interval;
    for (let e = 0; e < keep.length; e++) if (g.distances[e]! < lo || g.distances[e]! > hi) keep[e] = 0;
  }
  if (o.percentile !== null) {
    // the distances as scipy holds them then: every edge (dropped ones as explicit zeros) plus n diagonal zeros
    const all = new Float64Array(g.distances.length + n);
    for (let e = 0; e < g.distances.length; e++) all[e] = keep[e] ? g.distances[e]! : 0;
    const t = numpyPercentile(all, o.percentile);
    for (let e = 0; e < keep.length; e++) if (keep[e] && g.distances[e]! > t) keep[e] = 0;
  }
  // two passes over the kept edges: sizes, then typed arrays (no intermediate lists)
  const cIndptr = new Int32Array(n + 1);
  const dIndptr = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    let c = o.setDiag ? 1 : 0;
    let d = 0;
    for (let e = g.indptr[i]!; e < g.indptr[i + 1]!; e++) {
      if (!keep[e]) continue;
      c++;
      if (g.distances[e]! !== 0) d++;
    }
    cIndptr[i + 1] = cIndptr[i]! + c;
    dIndptr[i + 1] = dIndptr[i]! + d;
  }
  const cIdx = new Int32Array(cIndptr[n]!);
  const dIdx = new Int32Array(dIndptr[n]!);
  const dVal = new Float64Array(dIndptr[n]!);
  for (let i = 0; i < n; i++) {
    let pc = cIndptr[i]!;
    let pd = dIndptr[i]!;
    let diagDone = !o.setDiag;
    for (let e = g.indptr[i]!; e < g.indptr[i + 1]!; e++) {
      const j = g.indices[e]!;
      if (!diagDone && j > i) {
        cIdx[pc++] = i;
        diagDone = true;
      }
      if (!keep[e]) continue;
      cIdx[pc++] = j;
      if (g.distances[e]! !== 0) {
        dIdx[pd] = j;
        dVal[pd++] = g.distances[e]!;
      }
    }
    if (!diagDone) cIdx[pc++] = i;
  }
  const connectivities = new CsrMatrix({ shape: [n, n], data: new Float32Array(cIdx.length).fill(1), indices: cIdx, indptr: cIndptr });
  const distances = new CsrMatrix({ shape: [n, n], data: dVal, indices: dIdx, indptr: dIndptr });
  return { connectivities, distances };
}
