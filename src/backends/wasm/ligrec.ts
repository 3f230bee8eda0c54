import { CsrMatrix, type DenseMatrix } from '../../matrix/index.js';
import type { LigrecRaw, SpatialKernelArgs } from '../spatial_types.js';
import type { AbiKernel } from './abi.js';

/** ligrec through `ck_ligrec_{dense,csr}_{f32,f64}`. */
export const ligrecKernel: AbiKernel<'ligrec'> = {
  name: 'ligrec',
  symbols: ['ck_ligrec_dense_f32', 'ck_ligrec_dense_f64', 'ck_ligrec_csr_f32', 'ck_ligrec_csr_f64'],
  impl: (mod) => (x: DenseMatrix | CsrMatrix, labels: Int32Array, args: SpatialKernelArgs['ligrec']): LigrecRaw =>
    mod.scoped((s) => {
      const [n, m] = x.shape;
      const I = args.pairs.length / 2;
      const C = args.clusterPairs.length / 2;
      const means = s.alloc(I * C * 8);
      const pvalues = s.alloc(I * C * 8);
      const rest = [s.copyIn(labels.subarray(0, n)), args.nClusters, s.copyIn(args.pairs), I, s.copyIn(args.clusterPairs), C, args.threshold, args.nPerms, args.seed, means, pvalues];
      if (x instanceof CsrMatrix) {
        const nnz = x.nnz;
        mod.run(`ck_ligrec_csr_${x.dtype}`, s.copyIn(x.indptr), s.copyIn(x.indices.subarray(0, nnz)), s.copyIn(x.data.subarray(0, nnz)), n, m, ...rest);
      } else {
        mod.run(`ck_ligrec_dense_${x.dtype}`, s.copyIn(x.data), n, m, ...rest);
      }
      return { means: mod.copyOut(Float64Array, means, I * C), pvalues: mod.copyOut(Float64Array, pvalues, I * C) };
    }),
};
