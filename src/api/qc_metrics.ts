import type { QcMetricsResult, QcVarMask, StatsInput } from '../backends/types.js';
import { type DispatchOptions, checkOptions } from '../dispatch/index.js';
import { InvalidOptionError } from '../errors.js';
import { dispatchCsr } from './as_csr.js';
import type { IntegerMatrix } from './normalize_total.js';
import { statsInput } from './sum.js';

/** A gene mask: one entry per gene, truthy = in the set. */
export type GeneMask = Uint8Array | readonly boolean[] | readonly number[];

/** Options of qcMetrics. */
export interface QcMetricsOptions extends DispatchOptions {
  /**
   * QC gene sets, name → gene mask (length n_vars), e.g. `{ mt: isMito }`; each adds
   * `total_counts_<name>`, `log1p_total_counts_<name>` and `pct_counts_<name>` per cell.
   * Default: none.
   */
  qcVars?: Readonly<Record<string, GeneMask>>;
  /**
   * Sizes N of `pct_counts_in_top_{N}_genes`: positive integers ≤ n_vars (scanpy raises
   * otherwise; so does this). Default [50, 100, 200, 500]; null or [] for none. Sorted and
   * deduplicated, as scanpy does.
   */
  percentTop?: readonly number[] | null;
  /** Add the `log1p_*` columns (default true). */
  log1p?: boolean;
}

const DEFAULT_TOP = [50, 100, 200, 500];

/**
 * Quality-control metrics of `scanpy.pp.calculate_qc_metrics(adata, qc_vars, percent_top,
 * log1p, inplace=False)` on a cells × genes matrix: CSR (plain or resident), CSC or dense
 * (plain or resident); integer counts are converted to float64. Returns `{ obs, var }`, column
 * name → values, with scanpy's names, order and dtypes.
 *
 * Layouts: the kernel runs on CSR. A CSC input is converted once with the toCsr kernel (in the
 * backend the call names when it has toCsr, else the fastest that does) and a dense input (a
 * DenseHandle is downloaded first) by dropping its zeros; either costs one extra pass over the
 * matrix and a CSR copy in JavaScript memory — pass CSR to avoid it. The results equal those
 * of the same matrix as CSR (scanpy too converts CSC to CSR for the top-N shares, and counts
 * non-zeros of a dense matrix with `count_nonzero`). A resident dense input still runs in the
 * backend that holds it.
 *
 * Per cell (obs): `n_genes_by_counts` (Int32Array: values ≠ 0 — NaN counts, ±0 does not;
 * explicit zeros are eliminated first, as scanpy does), `log1p_n_genes_by_counts` (f64), `total_counts`,
 * `log1p_total_counts`, `pct_counts_in_top_{N}_genes` (f64: share of the N largest values of
 * the row ×100; short rows are padded with zeros, so negative values rank below absent
 * genes), and per QC set `total_counts_<qc>`, `log1p_total_counts_<qc>`, `pct_counts_<qc>`.
 * Per gene (var): `n_cells_by_counts` (Int32Array), `mean_counts`, `log1p_mean_counts`,
 * `pct_dropout_by_counts` (f64), `total_counts`, `log1p_total_counts`.
 *
 * Dtypes as scanpy: with float32 input `total_counts*`, `log1p_total_counts*` and
 * `pct_counts_<qc>` are Float32Array (float64 input: Float64Array). A cell with total 0 gets
 * NaN in the pct columns (0/0), as scanpy. Negative values and NaN propagate as in numpy.
 *
 * Accuracy: sums are float64 (scanpy sums float32 input in float32; for integer counts below
 * 2^24 the results are identical — bit-exact on count data except `log1p_*` of float32 columns,
 * where numpy's float32 log1p differs by ≤ 1 ULP); in general within 64·eps·max(|ref|, 1).
 * Threads: one pass over fixed row chunks (per-row partial sort for the top-N shares),
 * identical bits for any thread count.
 */
export function qcMetrics(x: StatsInput | IntegerMatrix, options: QcMetricsOptions = {}): QcMetricsResult {
  checkOptions('qcMetrics', options, ['qcVars', 'percentTop', 'log1p']);
  const m = statsInput('qcMetrics', x);
  const nvars = m.shape[1];
  const qcVars = checkQcVars(options.qcVars ?? {}, nvars);
  const percentTop = checkPercentTop(options.percentTop === undefined ? DEFAULT_TOP : options.percentTop, nvars);
  const log1p = options.log1p ?? true;
  if (typeof log1p !== 'boolean') throw new InvalidOptionError(`qcMetrics: log1p must be true or false, got ${String(log1p)}`);
  const { fn, csr } = dispatchCsr('qcMetrics', m, options);
  return fn(csr, { qcVars, percentTop, log1p });
}

function checkQcVars(qcVars: unknown, nvars: number): QcVarMask[] {
  if (qcVars === null || typeof qcVars !== 'object' || Array.isArray(qcVars)) {
    throw new InvalidOptionError('qcMetrics: qcVars must be an object mapping a name to a gene mask, e.g. { mt: mask }');
  }
  return Object.entries(qcVars as Record<string, unknown>).map(([name, mask]) => {
    if (name === '') throw new InvalidOptionError('qcMetrics: qcVars names must be non-empty');
    const ok = mask instanceof Uint8Array || (Array.isArray(mask) && mask.every((v) => typeof v === 'boolean' || typeof v === 'number'));
    if (!ok) throw new InvalidOptionError(`qcMetrics: qcVars.${name} must be a Uint8Array or an array of booleans, one per gene`);
    const arr = mask as ArrayLike<number | boolean>;
    if (arr.length !== nvars) {
      throw new InvalidOptionError(`qcMetrics: qcVars.${name} has ${arr.length} entries, expected one per gene (${nvars})`);
    }
    return { name, mask: Uint8Array.from(arr as ArrayLike<number>, (v) => (v ? 1 : 0)) };
  });
}

function checkPercentTop(top: unknown, nvars: number): number[] {
  if (top === null) return [];
  if (!Array.isArray(top)) throw new InvalidOptionError('qcMetrics: percentTop must be an array of positive integers, or null');
  for (const n of top as unknown[]) {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
      throw new InvalidOptionError(`qcMetrics: percentTop entries must be positive integers, got ${String(n)}`);
    }
    if (n > nvars) {
      throw new InvalidOptionError(
        `qcMetrics: percentTop ${n} is more than the number of genes (${nvars}); scanpy raises "Positions outside range of features" — pass smaller values or percentTop: null`,
      );
    }
  }
  return [...new Set(top as number[])].sort((a, b) => a - b);
}
