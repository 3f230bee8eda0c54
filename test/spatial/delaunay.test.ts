/**
 * spatialNeighbors(coords, { delaunay: true }) against squidpy 1.8.2's
 * `spatial_neighbors(coord_type="generic", delaunay=True)` (scipy Delaunay / Qhull), from
 * test/fixtures/golden/spatial (bench/reference/make_spatial_reference.py): the same edge set,
 * distances within the spatialNeighbors tolerance of KERNELS.md, equal connectivities; the same
 * graph from every backend; squidpy's outcome on degenerate inputs (recorded in the fixtures)
 * mirrored by typed errors.
 */
import { describe, expect, it } from 'vitest';
import * as ck from '../../src/index.js';
import { KERNEL_TOLERANCE, compareArrays } from '../../src/testing/tolerance.js';
import { golden } from '../helpers/golden.js';
import { spatialCase } from './helpers.js';

const g = golden('spatial');
const js = { backend: 'js' } as const;
type Call = { id: string; params: Record<string, unknown>; results: Record<string, unknown> };
const call = (id: string) => (g.manifest.calls as unknown as Call[]).find((c) => c.id === id)!;

function uniformCoords(): ck.DenseMatrix {
  const c = g.get('input.coords_uniform') as Float64Array;
  return new ck.DenseMatrix({ shape: [c.length / 2, 2], data: c });
}

const dense = (rows: number[][]) => new ck.DenseMatrix({ shape: [rows.length, rows[0]?.length ?? 2], data: Float64Array.from(rows.flat()) });

/** Undirected edges {i < j} of a CSR graph (off-diagonal entries). */
function edgeSet(m: ck.CsrMatrix): Set<string> {
  const s = new Set<string>();
  for (let i = 0; i < m.shape[0]; i++) {
    for (let p = m.indptr[i]!; p < m.indptr[i + 1]!; p++) {
      const j = m.indices[p]!;
      if (j !== i) s.add(i < j ? `${i},${j}` : `${j},${i}`);
    }
  }
  return s;
}

describe('spatialNeighbors({ delaunay: true }) vs squidpy', () => {
  const cases: [string, () => ck.DenseMatrix, ck.SpatialNeighborsOptions][] = [
    ['neighbors.delaunay', () => spatialCase().coords, { delaunay: true }],
    ['neighbors.delaunay_uniform', uniformCoords, { delaunay: true }],
    ['neighbors.delaunay_uniform_diag_20_80_p90', uniformCoords, { delaunay: true, setDiag: true, radius: [20, 80], percentile: 90 }],
  ];
  for (const [id, coords, opts] of cases) {
    it(`${id}: same edges, equal connectivities, distances within the KERNELS.md tolerance`, () => {
      const p = call(id).params;
      expect(p.delaunay).toBe(true);
      expect(opts.setDiag ?? false).toBe(p.set_diag ?? false);
      expect(opts.percentile ?? null).toBe(p.percentile ?? null);
      expect(opts.radius ?? null).toEqual(p.radius ?? null);
      const out = ck.spatialNeighbors(coords(), { ...opts, ...js });
      for (const [which, m] of [['conn', out.connectivities], ['dist', out.distances]] as const) {
        expect(Array.from(m.indptr), `${id}.${which}.indptr`).toEqual(Array.from(g.get(`${id}.${which}.indptr`)));
        expect(Array.from(m.indices), `${id}.${which}.indices`).toEqual(Array.from(g.get(`${id}.${which}.indices`)));
        expect(m.data.constructor).toBe(g.get(`${id}.${which}.data`).constructor);
      }
      expect(Array.from(out.connectivities.data)).toEqual(Array.from(g.get(`${id}.conn.data`)));
      const cmp = compareArrays(out.distances.data, g.get(`${id}.dist.data`), KERNEL_TOLERANCE.spatialNeighbors!, 'f64');
      expect(cmp.ok, cmp.message).toBe(true);
      // measured: the same bits (sqrt(dx² + dy²), as numpy's norm over two columns)
      expect(cmp.worstRatio).toBe(0);
      expect(out.connectivities.nnz).toBe(call(id).results.conn_nnz);
      expect(out.distances.nnz).toBe(call(id).results.dist_nnz);
    });
  }

  it('every backend returns the same graph (the triangulation runs once, in TypeScript)', () => {
    const { coords } = spatialCase();
    const ref = ck.spatialNeighbors(coords, { delaunay: true, ...js });
    for (const b of ck.listBackends().filter((x) => x.available)) {
      const out = ck.spatialNeighbors(coords, { delaunay: true, backend: b.name });
      expect(out, b.name).toEqual(ref);
    }
  });

  it('relabelling the cells relabels the graph (no dependence on input order)', () => {
    const c = uniformCoords();
    const n = c.shape[0];
    const perm = Array.from({ length: n }, (_, i) => (i * 7919) % n); // 7919 is prime, n = 300
    expect(new Set(perm).size).toBe(n);
    const pc = new ck.DenseMatrix({ shape: [n, 2], data: Float64Array.from(perm.flatMap((i) => [c.data[2 * i]!, c.data[2 * i + 1]!])) });
    const a = edgeSet(ck.spatialNeighbors(c, { delaunay: true, ...js }).connectivities);
    const b = edgeSet(ck.spatialNeighbors(pc, { delaunay: true, ...js }).connectivities);
    const mapped = new Set([...b].map((e) => e.split(',').map((k) => perm[Number(k)]!).sort((x, y) => x - y).join(',')));
    expect(mapped).toEqual(a);
  });

  it('planar triangulation: symmetric, no self-loops, 3n − 3 − h edges (h cells on the hull)', () => {
    const { coords } = spatialCase();
    const out = ck.spatialNeighbors(coords, { delaunay: true, ...js });
    const c = out.connectivities;
    const e = edgeSet(c);
    expect(c.nnz).toBe(2 * e.size);
    for (const k of e) {
      const [i, j] = k.split(',').map(Number) as [number, number];
      expect(i).not.toBe(j);
    }
    // convex hull size by Andrew's monotone chain
    const n = coords.shape[0];
    const pts = Array.from({ length: n }, (_, i) => [coords.data[2 * i]!, coords.data[2 * i + 1]!] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const cross = (o: readonly number[], a: readonly number[], b: readonly number[]) => (a[0]! - o[0]!) * (b[1]! - o[1]!) - (a[1]! - o[1]!) * (b[0]! - o[0]!);
    const half = (ps: (readonly [number, number])[]) => {
      const h: (readonly [number, number])[] = [];
      for (const p of ps) {
        while (h.length >= 2 && cross(h[h.length - 2]!, h[h.length - 1]!, p) <= 0) h.pop();
        h.push(p);
      }
      return h.length - 1;
    };
    const hull = half(pts) + half([...pts].reverse());
    expect(e.size).toBe(3 * n - 3 - hull);
  });
});

describe('spatialNeighbors({ delaunay: true }): small cases, options, errors', () => {
  it('a triangle is complete; a cell inside a triangle joins all three corners', () => {
    const t = ck.spatialNeighbors(dense([[0, 0], [4, 0], [0, 3]]), { delaunay: true, ...js });
    expect(Array.from(t.connectivities.indptr)).toEqual([0, 2, 4, 6]);
    expect(Array.from(t.connectivities.indices)).toEqual([1, 2, 0, 2, 0, 1]);
    expect(Array.from(t.distances.data)).toEqual([4, 3, 4, 5, 3, 5]);
    const q = ck.spatialNeighbors(dense([[0, 0], [10, 0], [0, 10], [3, 3]]), { delaunay: true, setDiag: true, ...js });
    expect(Array.from(q.connectivities.indices)).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
    expect(q.connectivities.data.every((v) => v === 1)).toBe(true);
    expect(Array.from(q.distances.indptr)).toEqual([0, 3, 6, 9, 12]);
  });

  it('float32 coordinates give float64 distances of the float32 values', () => {
    const c32 = new ck.DenseMatrix({ shape: [3, 2], data: Float32Array.from([0.1, 0, 0, 0.2, 0.3, 0.3]) });
    const c64 = new ck.DenseMatrix({ shape: [3, 2], data: Float64Array.from(c32.data) });
    expect(ck.spatialNeighbors(c32, { delaunay: true, ...js })).toEqual(ck.spatialNeighbors(c64, { delaunay: true, ...js }));
  });

  it('[min, max] radius and percentile prune the triangulation as squidpy does; nNeighs is ignored', () => {
    const c = uniformCoords();
    const all = ck.spatialNeighbors(c, { delaunay: true, ...js });
    const cut = ck.spatialNeighbors(c, { delaunay: true, radius: [0, 60], ...js });
    const d = all.distances;
    let kept = 0;
    for (let e = 0; e < d.nnz; e++) if (d.data[e]! <= 60) kept++;
    expect(cut.distances.nnz).toBe(kept);
    expect(cut.connectivities.nnz).toBe(kept);
    expect(ck.spatialNeighbors(c, { delaunay: true, nNeighs: 299, ...js })).toEqual(all);
    expect(ck.spatialNeighbors(c, { delaunay: true, radius: [80, 20], ...js })).toEqual(ck.spatialNeighbors(c, { delaunay: true, radius: [20, 80], ...js }));
  });

  it('squidpy ignores a single-number radius with delaunay (recorded); the API refuses it', () => {
    expect(call('neighbors.delaunay_behaviour').results.scalar_radius_15_same_graph_as_no_radius).toBe(true);
    const c = dense([[0, 0], [4, 0], [0, 3]]);
    expect(() => ck.spatialNeighbors(c, { delaunay: true, radius: 15 })).toThrow(ck.InvalidOptionError);
    expect(() => ck.spatialNeighbors(c, { delaunay: true, radius: 15 })).toThrow(/\[0, r\]/);
    expect(() => ck.spatialNeighbors(c, { delaunay: 'yes' as unknown as boolean })).toThrow(ck.InvalidOptionError);
  });

  it('only 2-D coordinates: InvalidOptionError for 1-D and 3-D', () => {
    const c3 = dense([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    expect(() => ck.spatialNeighbors(c3, { delaunay: true })).toThrow(ck.InvalidOptionError);
    expect(() => ck.spatialNeighbors(c3, { delaunay: true })).toThrow(/2-D coordinates.*got 3 columns/);
    expect(() => ck.spatialNeighbors(dense([[0], [1], [2]]), { delaunay: true })).toThrow(/got 1 column;/);
  });

  it('where squidpy raises (recorded), so does the API: fewer than 3 cells, all cells on one line', () => {
    const r = call('neighbors.delaunay_behaviour').results;
    expect(r.no_cells).toMatch(/^raises ValueError: No points given/);
    expect(r.two_cells).toMatch(/^raises QhullError: QH6214/);
    expect(r.collinear_cells).toMatch(/^raises QhullError: QH6154/);
    expect(() => ck.spatialNeighbors(new ck.DenseMatrix({ shape: [0, 2], data: new Float64Array(0) }), { delaunay: true })).toThrow(ck.InvalidInputError);
    expect(() => ck.spatialNeighbors(dense([[0, 0], [1, 1]]), { delaunay: true })).toThrow(/at least 3 cells, got 2/);
    expect(() => ck.spatialNeighbors(dense([[0, 0], [1, 1], [2, 2], [3, 3]]), { delaunay: true })).toThrow(/on one line/);
    expect(() => ck.spatialNeighbors(dense([[0, 5], [0, 1], [0, 3]]), { delaunay: true })).toThrow(ck.InvalidInputError);
  });

  it('repeated coordinates: squidpy isolates all but one copy (recorded); the API refuses them', () => {
    // cells 0 and 3 coincide; Qhull kept cell 0 here, but in general the copy it keeps follows its insertion order
    expect(call('neighbors.delaunay_behaviour').results.repeated_point_degrees).toEqual([3, 2, 3, 0, 2]);
    const c = dense([[0, 1], [0, 0], [1, 0], [0, 1], [1, 1.2]]);
    expect(() => ck.spatialNeighbors(c, { delaunay: true })).toThrow(ck.InvalidInputError);
    expect(() => ck.spatialNeighbors(c, { delaunay: true })).toThrow(/cells 0 and 3 have identical coordinates/);
    expect(() => ck.spatialNeighbors(dense([[-0, 0], [1, 0], [0, 0], [0, 1]]), { delaunay: true })).toThrow(/cells 0 and 2/);
    // near-identical: Qhull (scipy 1.17) merges cells 1e-12·|coordinate| apart into one point here, delaunator keeps both
    expect(() => ck.spatialNeighbors(dense([[0, 0], [1e-17, 0], [1, 0], [0, 1]]), { delaunay: true })).toThrow(/cells 0 and 1 are 1e-17 apart/);
    expect(() => ck.spatialNeighbors(dense([[100, 100], [100 + 1e-10, 100], [101, 100], [100, 101]]), { delaunay: true })).toThrow(/below the precision/);
    expect(ck.spatialNeighbors(dense([[100, 100], [100 + 1e-6, 100], [101, 100], [100, 101]]), { delaunay: true, ...js }).distances.nnz).toBe(10);
  });

  it('a regular grid triangulates (its diagonals are not unique: see docs/spatial.md)', () => {
    const rows: number[][] = [];
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) rows.push([i, j]);
    const out = ck.spatialNeighbors(dense(rows), { delaunay: true, ...js });
    // 16 unit squares, one diagonal each: 40 lattice edges + 16 diagonals
    expect(edgeSet(out.connectivities).size).toBe(56);
    let diag = 0;
    for (const v of out.distances.data) if (v !== 1) diag++;
    expect(diag).toBe(32);
  });
});
