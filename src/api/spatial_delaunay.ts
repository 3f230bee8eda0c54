/**
 * The Delaunay neighbour graph of 2-D coordinates (squidpy's `DelaunayBuilder.build_graph`:
 * scipy `Delaunay(coords).vertex_neighbor_vertices`, distances `np.linalg.norm` of the
 * coordinate differences), built once in TypeScript for every backend. The triangulation is
 * delaunator's (mapbox/delaunator, ISC; robust orientation test from robust-predicates,
 * Unlicense); this file turns its triangles into a CSR graph and refuses the inputs on which
 * scipy's Qhull raises or on which the two triangulations cannot be made to agree.
 * @module
 */
import * as delaunatorModule from 'delaunator';
import { CellKernelsError, InvalidInputError, InvalidOptionError } from '../errors.js';
import type { DenseMatrix } from '../matrix/index.js';
import type { NeighborGraph } from '../backends/spatial_types.js';

/**
 * Every edge of the Delaunay triangulation of the n × 2 coordinates, both directions, columns
 * sorted within each row, no self-loops; distances sqrt(dx² + dy²) in float64 (numpy's
 * `linalg.norm` over two columns: the same operations, so the same bits).
 *
 * Throws InvalidOptionError unless the coordinates have 2 columns, and InvalidInputError where
 * scipy's `Delaunay` (Qhull) raises — fewer than 3 cells (QH6214 / "No points given"), all
 * cells collinear (QH6154 "initial simplex is flat") — and for repeated or near-identical
 * coordinates (closer than `nearTolerance`): Qhull keeps one copy of such a point as a vertex
 * and leaves the others without edges, and which copy it keeps follows its insertion order (not
 * the lowest index), which no other triangulation reproduces.
 */
export function delaunayGraph(coords: DenseMatrix): NeighborGraph {
  const [n, d] = coords.shape;
  if (d !== 2) throw new InvalidOptionError(`spatialNeighbors: delaunay needs 2-D coordinates (n × 2), got ${d} column${d === 1 ? '' : 's'}; use nNeighs or radius`);
  if (n < 3) {
    throw new InvalidInputError(
      `spatialNeighbors: a Delaunay graph needs at least 3 cells, got ${n} (scipy's Delaunay raises here as well); use nNeighs or radius`,
    );
  }
  const c = Float64Array.from(coords.data);
  checkNoDuplicates(c, n);
  const tri = new (delaunatorClass())(c);
  const t = tri.triangles;
  if (t.length === 0) {
    throw new InvalidInputError(
      'spatialNeighbors: all cells lie on one line, so there is no Delaunay triangle (scipy\'s Delaunay raises "initial simplex is flat"); use nNeighs or radius',
    );
  }
  // Each undirected edge once: an interior edge is held by two half-edges (take the one whose
  // twin has the larger id), a hull edge by one (twin −1).
  const h = tri.halfedges;
  const deg = new Int32Array(n + 1);
  for (let e = 0; e < t.length; e++) {
    if (h[e]! > e) continue;
    deg[t[e]!]!++;
    deg[t[next(e)]!]!++;
  }
  const indptr = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    // delaunator skips a point within 2^-52 (absolute, per coordinate) of one it already placed
    if (deg[i] === 0) {
      throw new InvalidInputError(
        `spatialNeighbors: cell ${i} (${c[2 * i]}, ${c[2 * i + 1]}) is within 2^-52 of another cell and was left out of the triangulation; remove or merge near-identical cells first`,
      );
    }
    indptr[i + 1] = indptr[i]! + deg[i]!;
  }
  const fill = indptr.slice(0, n);
  const indices = new Int32Array(indptr[n]!);
  for (let e = 0; e < t.length; e++) {
    if (h[e]! > e) continue;
    const a = t[e]!;
    const b = t[next(e)]!;
    indices[fill[a]!++] = b;
    indices[fill[b]!++] = a;
  }
  const distances = new Float64Array(indices.length);
  const tol = nearTolerance(c, n);
  for (let i = 0; i < n; i++) {
    const lo = indptr[i]!;
    const hi = indptr[i + 1]!;
    indices.subarray(lo, hi).sort();
    for (let p = lo; p < hi; p++) {
      const j = indices[p]!;
      const dx = c[2 * i]! - c[2 * j]!;
      const dy = c[2 * i + 1]! - c[2 * j + 1]!;
      const dist = Math.sqrt(dx * dx + dy * dy);
      // a cell's nearest other cell is one of its Delaunay neighbours, so this sees every close pair
      if (dist < tol) {
        throw new InvalidInputError(
          `spatialNeighbors: cells ${Math.min(i, j)} and ${Math.max(i, j)} are ${dist} apart, below the precision of scipy's Delaunay (Qhull) at these coordinates ` +
            `(${tol.toPrecision(3)}): Qhull merges such cells into one point and leaves the other without edges; remove or merge near-identical cells first`,
        );
      }
      distances[p] = dist;
    }
  }
  return { indptr, indices, distances };
}

/**
 * Distance below which two cells count as one: 10⁴·ε·M²/E (ε = 2⁻⁵², M the largest |coordinate|,
 * E the larger side of the bounding box). Qhull works on the lifted coordinate x² + y² (size M²)
 * and drops a cell as coincident when its offset is below about 10³·ε·M²/E (measured with scipy
 * 1.17); delaunator keeps such a cell. Real coordinates are many orders of magnitude apart.
 */
function nearTolerance(c: Float64Array, n: number): number {
  let m = 0;
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = c[2 * i]!;
    const y = c[2 * i + 1]!;
    m = Math.max(m, Math.abs(x), Math.abs(y));
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  const e = Math.max(x1 - x0, y1 - y0);
  return e > 0 ? (1e4 * 2 ** -52 * m * m) / e : 0;
}

type DelaunatorClass = typeof delaunatorModule.default;

/**
 * delaunator's class. The package is ESM only: an ESM import gives it as the default export, a
 * CommonJS bundle (dist/*.cjs, `require(esm)`) gets the module namespace wrapped once more.
 */
function delaunatorClass(): DelaunatorClass {
  let m: unknown = delaunatorModule;
  for (let k = 0; k < 3 && typeof m !== 'function'; k++) m = (m as { default?: unknown } | undefined)?.default;
  if (typeof m !== 'function') throw new CellKernelsError('spatialNeighbors: the delaunator package loaded without its Delaunator class; reinstall cellkernels\' dependencies (npm install)');
  return m as DelaunatorClass;
}

/** The half-edge after e in its triangle. */
function next(e: number): number {
  return e % 3 === 2 ? e - 2 : e + 1;
}

/** InvalidInputError naming the first two cells with identical coordinates (−0 equals 0, as in Qhull). */
function checkNoDuplicates(c: Float64Array, n: number): void {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => c[2 * a]! - c[2 * b]! || c[2 * a + 1]! - c[2 * b + 1]! || a - b);
  for (let r = 1; r < n; r++) {
    const a = order[r - 1]!;
    const b = order[r]!;
    if (c[2 * a] === c[2 * b] && c[2 * a + 1] === c[2 * b + 1]) {
      throw new InvalidInputError(
        `spatialNeighbors: cells ${a} and ${b} have identical coordinates (${c[2 * a]}, ${c[2 * a + 1]}); ` +
          "scipy's Delaunay (Qhull) keeps one copy of a repeated point, chosen by its insertion order, and leaves the others " +
          'without edges, which cannot be reproduced; remove or merge the repeated cells first',
      );
    }
  }
}
