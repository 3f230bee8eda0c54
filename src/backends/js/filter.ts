import { type DType, type FloatArray, allocFloat } from '../../matrix/index.js';
import type { FilterResult, KernelArgs, StatsInput } from '../types.js';
import { plainMatrix } from './entries.js';
import { nnzCount } from './nnz_count.js';
import { sum } from './sum.js';

/**
 * The mask of scanpy's filter_cells / filter_genes from the per-cell (axis 1) or per-gene
 * (axis 0) numbers: `number >= min` or `number <= max` (NaN is never kept). Shared by every
 * backend (only the numbers differ between them).
 */
export function filterMask(counts: ArrayLike<number>, { min, max }: KernelArgs['filterCells']): Uint8Array {
  const mask = new Uint8Array(counts.length);
  for (let i = 0; i < counts.length; i++) mask[i] = (min !== null ? counts[i]! >= min : counts[i]! <= max!) ? 1 : 0;
  return mask;
}

/** Float64 sums as scanpy reports them: in the input dtype (float32 sums stay float32). */
export function sumsInDtype(sums: Float64Array, dtype: DType): FloatArray {
  if (dtype === 'f64') return sums;
  const out = allocFloat(dtype, sums.length);
  out.set(sums);
  return out;
}

function filter(input: StatsInput, args: KernelArgs['filterCells'], axis: 0 | 1): FilterResult {
  const x = plainMatrix(input);
  const counts = args.by === 'counts' ? sumsInDtype(sum(x, { axis }), x.dtype) : nnzCount(x, { axis, positive: true });
  return { mask: filterMask(counts, args), counts };
}

/**
 * Reference filter_cells (inplace=False): per cell the total counts (by 'counts', float64 sum
 * rounded to the input dtype) or the number of genes with x > 0 (by 'detected'); the mask keeps
 * cells with number >= min, or <= max.
 */
export function filterCells(input: StatsInput, args: KernelArgs['filterCells']): FilterResult {
  return filter(input, args, 1);
}

/** Reference filter_genes (inplace=False): as filterCells, per gene (cells with x > 0). */
export function filterGenes(input: StatsInput, args: KernelArgs['filterGenes']): FilterResult {
  return filter(input, args, 0);
}
