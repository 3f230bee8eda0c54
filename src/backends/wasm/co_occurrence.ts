import type { DenseMatrix } from '../../matrix/index.js';
import type { SpatialKernelArgs } from '../spatial_types.js';
import type { AbiKernel } from './abi.js';

/** Co-occurrence counts through `ck_co_occurrence_dense_f32` (coordinates cast to float32, as squidpy). */
export const coOccurrenceKernel: AbiKernel<'coOccurrence'> = {
  name: 'coOccurrence',
  symbols: ['ck_co_occurrence_dense_f32'],
  impl: (mod) => (coords: DenseMatrix, labels: Int32Array, args: SpatialKernelArgs['coOccurrence']): Float64Array =>
    mod.scoped((s) => {
      const n = coords.shape[0];
      const k = args.nClusters;
      const L = args.interval.length - 1;
      const counts = s.alloc(k * k * L * 8);
      const xy = coords.data instanceof Float32Array ? coords.data : Float32Array.from(coords.data);
      mod.run('ck_co_occurrence_dense_f32', s.copyIn(xy), n, s.copyIn(labels.subarray(0, n)), k, s.copyIn(args.interval), args.interval.length, counts);
      return mod.copyOut(Float64Array, counts, k * k * L);
    }),
};
