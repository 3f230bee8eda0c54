import type { DenseMatrix } from '../../matrix/index.js';
import type { NeighborGraph, SpatialKernelArgs } from '../spatial_types.js';
import type { AbiKernel } from './abi.js';

/** Neighbour graphs through `ck_spatial_neighbors_{knn,radius_count,radius}_dense_f64` (coordinates as float64). */
export const spatialNeighborsKernel: AbiKernel<'spatialNeighbors'> = {
  name: 'spatialNeighbors',
  symbols: ['ck_spatial_neighbors_knn_dense_f64', 'ck_spatial_neighbors_radius_count_dense_f64', 'ck_spatial_neighbors_radius_dense_f64'],
  impl: (mod) => (coords: DenseMatrix, args: SpatialKernelArgs['spatialNeighbors']): NeighborGraph =>
    mod.scoped((s) => {
      const [n, d] = coords.shape;
      const c = s.copyIn(coords.data instanceof Float64Array ? coords.data : Float64Array.from(coords.data));
      if (args.mode === 'knn') {
        const k = n > 0 ? Math.min(args.nNeighs, n - 1) : 0;
        const idx = s.alloc(n * k * 4);
        const dist = s.alloc(n * k * 8);
        if (n > 0 && k > 0) mod.run('ck_spatial_neighbors_knn_dense_f64', c, n, d, k, idx, dist);
        const indptr = Int32Array.from({ length: n + 1 }, (_, i) => i * k);
        return { indptr, indices: mod.copyOut(Int32Array, idx, n * k), distances: mod.copyOut(Float64Array, dist, n * k) };
      }
      const counts = s.alloc(n * 4);
      mod.run('ck_spatial_neighbors_radius_count_dense_f64', c, n, d, args.radius, counts);
      const cnt = mod.copyOut(Int32Array, counts, n);
      const indptr = new Int32Array(n + 1);
      for (let i = 0; i < n; i++) indptr[i + 1] = indptr[i]! + cnt[i]!;
      const nnz = indptr[n]!;
      const idx = s.alloc(nnz * 4);
      const dist = s.alloc(nnz * 8);
      mod.run('ck_spatial_neighbors_radius_dense_f64', c, n, d, args.radius, s.copyIn(indptr), idx, dist);
      return { indptr, indices: mod.copyOut(Int32Array, idx, nnz), distances: mod.copyOut(Float64Array, dist, nnz) };
    }),
};
