import type { CsrMatrix, DenseMatrix } from '../../matrix/index.js';
import type { SpatialAutocorrRaw, SpatialKernelArgs } from '../spatial_types.js';
import type { AbiKernel } from './abi.js';

/** Moran's I / Geary's C with permutations through `ck_spatial_autocorr_dense_{f32,f64}` (X dtype). */
export const spatialAutocorrKernel: AbiKernel<'spatialAutocorr'> = {
  name: 'spatialAutocorr',
  symbols: ['ck_spatial_autocorr_dense_f32', 'ck_spatial_autocorr_dense_f64'],
  impl: (mod) => (w: CsrMatrix, x: DenseMatrix, args: SpatialKernelArgs['spatialAutocorr']): SpatialAutocorrRaw =>
    mod.scoped((s) => {
      const n = w.shape[0];
      const m = x.shape[1];
      const nnz = w.nnz;
      const P = args.nPerms;
      const stat = s.alloc(m * 8);
      const nGe = s.alloc(P > 0 ? m * 4 : 4);
      const mean = s.alloc(P > 0 ? m * 8 : 8);
      const vr = s.alloc(P > 0 ? m * 8 : 8);
      mod.run(
        `ck_spatial_autocorr_dense_${x.dtype}`,
        s.copyIn(w.indptr),
        s.copyIn(w.indices.subarray(0, nnz)),
        s.copyIn(Float64Array.from(w.data.subarray(0, nnz))),
        n,
        w.dtype === 'f32' ? 1 : 0,
        s.copyIn(x.data),
        m,
        args.mode === 'geary' ? 1 : 0,
        args.transformation ? 1 : 0,
        P,
        args.seed,
        stat,
        nGe,
        mean,
        vr,
      );
      return {
        stat: mod.copyOut(Float64Array, stat, m),
        nGreaterEqual: P > 0 ? mod.copyOut(Int32Array, nGe, m) : null,
        simMean: P > 0 ? mod.copyOut(Float64Array, mean, m) : null,
        simVar: P > 0 ? mod.copyOut(Float64Array, vr, m) : null,
      };
    }),
};
