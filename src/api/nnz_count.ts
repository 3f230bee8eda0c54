import type { StatsInput } from '../backends/types.js';
import { type DispatchOptions, checkOptions } from '../dispatch/index.js';
import { InvalidOptionError } from '../errors.js';
import type { IntegerMatrix } from './normalize_total.js';
import { dispatchOn } from './operand.js';
import { checkAxis, statsInput } from './sum.js';

/** Options of nnzCount. */
export interface NnzCountOptions extends DispatchOptions {
  /** 1 (default): per row (genes detected per cell); 0: per column (cells per gene). */
  axis?: 0 | 1;
  /**
   * false (default): count values x != 0; true: count only x > 0 — `(X > 0).sum(axis)`, the
   * number filter_cells(min_genes) / filter_genes(min_cells) use.
   */
  positive?: boolean;
}

/**
 * Number of non-zero values along an axis, as int32: scipy's `X.getnnz(axis)` after
 * `X.eliminate_zeros()`, numpy's `np.count_nonzero(X, axis)` for dense — what
 * calculate_qc_metrics reports as n_genes_by_counts (axis 1) and n_cells_by_counts (axis 0).
 * Explicitly stored zeros are not counted (unlike getnnz on a matrix that still holds them);
 * NaN and negative values count (they are != 0). CSR (plain or resident), CSC or dense.
 * Exact; any thread count gives the same counts.
 */
export function nnzCount(x: StatsInput | IntegerMatrix, options: NnzCountOptions = {}): Int32Array {
  checkOptions('nnzCount', options, ['axis', 'positive']);
  const m = statsInput('nnzCount', x);
  const axis = checkAxis('nnzCount', options.axis ?? 1);
  const positive = options.positive ?? false;
  if (typeof positive !== 'boolean') throw new InvalidOptionError(`nnzCount: positive must be true or false, got ${String(positive)}`);
  return dispatchOn('nnzCount', m, options).fn(m, { axis, positive });
}
