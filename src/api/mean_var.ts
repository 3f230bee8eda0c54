import type { MeanVarResult, StatsInput } from '../backends/types.js';
import { type DispatchOptions, checkOptions } from '../dispatch/index.js';
import { InvalidOptionError } from '../errors.js';
import type { IntegerMatrix } from './normalize_total.js';
import { dispatchOn } from './operand.js';
import { checkAxis, statsInput } from './sum.js';

/** Options of meanVar. */
export interface MeanVarOptions extends DispatchOptions {
  /** 0 (default): per column (gene means/variances, length n_vars); 1: per row. */
  axis?: 0 | 1;
  /** Delta degrees of freedom: 1 (default, R's unbiased variance, as scanpy) or 0. */
  ddof?: 0 | 1;
}

/**
 * Mean and variance along an axis in float64, matching `fast_array_utils.stats.mean_var(X,
 * axis, correction=ddof)` and scanpy's `_get_mean_var`: `mean = Σx/n`, `var = Σx²/n − mean²`,
 * times `n/(n−1)` when ddof = 1 and n ≠ 1 (n = 0 gives NaN). As the reference, a sparse
 * matrix reduced across its stored slices (CSR axis 0, CSC axis 1) and a dense matrix square
 * the values in the input dtype (a float32 value above ~1.8e19 squares to inf), while a sparse
 * matrix reduced along its slices (CSR axis 1, CSC axis 0) casts to float64 first. The one-pass
 * formula loses precision when var ≪ mean² — as scanpy's does. CSR (plain or resident), CSC
 * or dense; integer counts are converted to float64.
 *
 * Accuracy: sums are sequential float64 sums in storage order, so on count data the result is
 * bit-identical to scanpy; in general within 64·eps·max(|ref|, 1). Threads: fixed blocks and
 * chunk partials merged in order — every thread count gives identical bits.
 */
export function meanVar(x: StatsInput | IntegerMatrix, options: MeanVarOptions = {}): MeanVarResult {
  checkOptions('meanVar', options, ['axis', 'ddof']);
  const m = statsInput('meanVar', x);
  const axis = checkAxis('meanVar', options.axis ?? 0);
  const ddof = options.ddof ?? 1;
  if (ddof !== 0 && ddof !== 1) throw new InvalidOptionError(`meanVar: ddof must be 0 or 1, got ${String(ddof)}`);
  return dispatchOn('meanVar', m, options).fn(m, { axis, ddof });
}
