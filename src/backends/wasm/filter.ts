import { filterMask, sumsInDtype } from '../js/filter.js';
import type { KernelModule } from '../../runtime/module.js';
import type { FilterResult, KernelArgs, StatsInput } from '../types.js';
import type { AbiKernel } from './abi.js';
import { allLayoutSymbols, matrixArgs, matrixPtrs } from './operands.js';

/**
 * filter_cells / filter_genes: the per-cell or per-gene numbers come from `ck_sum_*` (by
 * counts, float64 sums rounded to the input dtype) or `ck_nnz_count_*` with positive = 1 (by
 * detected: x > 0); the threshold is applied in TypeScript by the reference's filterMask().
 */
function filterImpl(mod: KernelModule, axis: 0 | 1) {
  return (x: StatsInput, args: KernelArgs['filterCells']): FilterResult =>
    mod.scoped((s) => {
      const p = matrixPtrs(mod, x, s);
      const len = axis === 1 ? p.nrows : p.ncols;
      let counts: FilterResult['counts'];
      if (args.by === 'counts') {
        const out = s.alloc(len * 8);
        mod.run(`ck_sum_${p.layout}_${p.dtype}`, ...matrixArgs(p), axis, out);
        counts = sumsInDtype(mod.copyOut(Float64Array, out, len), p.dtype);
      } else {
        const out = s.alloc(len * 4);
        mod.run(`ck_nnz_count_${p.layout}_${p.dtype}`, ...matrixArgs(p), axis, 1, out);
        counts = mod.copyOut(Int32Array, out, len);
      }
      return { mask: filterMask(counts, args), counts };
    });
}

const SYMBOLS = [...allLayoutSymbols('sum'), ...allLayoutSymbols('nnz_count')];

/** filter_cells through the sum / nnz_count kernels. */
export const filterCellsKernel: AbiKernel<'filterCells'> = { name: 'filterCells', symbols: SYMBOLS, impl: (mod) => filterImpl(mod, 1) };

/** filter_genes through the sum / nnz_count kernels. */
export const filterGenesKernel: AbiKernel<'filterGenes'> = { name: 'filterGenes', symbols: SYMBOLS, impl: (mod) => filterImpl(mod, 0) };
