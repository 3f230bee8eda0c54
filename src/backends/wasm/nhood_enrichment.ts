import type { CsrMatrix } from '../../matrix/index.js';
import type { NhoodEnrichmentRaw, SpatialKernelArgs } from '../spatial_types.js';
import type { AbiKernel } from './abi.js';

/** Neighbourhood enrichment through `ck_nhood_enrichment_csr_i32` (graph structure + int32 labels). */
export const nhoodEnrichmentKernel: AbiKernel<'nhoodEnrichment'> = {
  name: 'nhoodEnrichment',
  symbols: ['ck_nhood_enrichment_csr_i32'],
  impl: (mod) => (w: CsrMatrix, labels: Int32Array, args: SpatialKernelArgs['nhoodEnrichment']): NhoodEnrichmentRaw =>
    mod.scoped((s) => {
      const n = w.shape[0];
      const kk = args.nClusters * args.nClusters;
      const count = s.alloc(kk * 4);
      const mean = s.alloc(kk * 8);
      const std = s.alloc(kk * 8);
      mod.run(
        'ck_nhood_enrichment_csr_i32',
        s.copyIn(w.indptr),
        s.copyIn(w.indices.subarray(0, w.nnz)),
        n,
        s.copyIn(labels.subarray(0, n)),
        args.nClusters,
        args.nPerms,
        args.seed,
        count,
        mean,
        std,
      );
      return { count: mod.copyOut(Int32Array, count, kk), permMean: mod.copyOut(Float64Array, mean, kk), permStd: mod.copyOut(Float64Array, std, kk) };
    }),
};
