import { type DType, allocFloat } from '../../matrix/index.js';
import type { CsrInput } from '../../runtime/handles.js';
import type { KernelArgs, QcColumn, QcMetricsResult } from '../types.js';
import { plain } from './plain.js';

/**
 * The float64 sums behind calculate_qc_metrics, before scanpy's dtypes are applied (what
 * `ck_qc_metrics_csr_*` computes): per cell `total`, `ngenes`, `qcTotal[q]`, `top[t]` (sum of
 * the `percentTop[t]` largest values); per gene `ncells`, `geneTotal`.
 */
export interface QcRaw {
  total: Float64Array;
  ngenes: Int32Array;
  qcTotal: Float64Array[];
  top: Float64Array[];
  ncells: Int32Array;
  geneTotal: Float64Array;
}

/** Descending, NaN last (numpy sorts NaN to the end). */
function descending(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return b - a || 0;
}

/**
 * Reference qcMetrics (scanpy.pp.calculate_qc_metrics) on a CSR matrix, written literally:
 * explicit zeros are dropped, each cell's non-zero values are padded with implicit zeros up
 * to max(percentTop) (scanpy's top_segment_proportions does the same, so negative values rank
 * below absent genes), sorted descending (NaN last) and summed in that order.
 */
export function qcMetrics(input: CsrInput, args: KernelArgs['qcMetrics']): QcMetricsResult {
  const x = plain(input);
  const [nrows, ncols] = x.shape;
  const { indptr, indices, data } = x;
  const ns = args.percentTop;
  const maxN = ns.length > 0 ? ns[ns.length - 1]! : 0;
  const raw: QcRaw = {
    total: new Float64Array(nrows),
    ngenes: new Int32Array(nrows),
    qcTotal: args.qcVars.map(() => new Float64Array(nrows)),
    top: ns.map(() => new Float64Array(nrows)),
    ncells: new Int32Array(ncols),
    geneTotal: new Float64Array(ncols),
  };
  for (let r = 0; r < nrows; r++) {
    const values: number[] = [];
    for (let k = indptr[r]!; k < indptr[r + 1]!; k++) {
      const v = data[k]!;
      if (v === 0) continue; // eliminate_zeros()
      const j = indices[k]!;
      values.push(v);
      raw.total[r]! += v;
      raw.geneTotal[j]! += v;
      raw.ncells[j]!++;
      args.qcVars.forEach((q, i) => {
        if (q.mask[j]) raw.qcTotal[i]![r]! += v;
      });
    }
    raw.ngenes[r] = values.length;
    if (ns.length === 0) continue;
    const ranked = values.concat(new Array<number>(Math.max(0, maxN - values.length)).fill(0)).sort(descending);
    let acc = 0;
    let taken = 0;
    ns.forEach((n, t) => {
      for (; taken < n; taken++) acc += ranked[taken]!;
      raw.top[t]![r] = acc;
    });
  }
  return qcColumns(raw, x.dtype, nrows, args);
}

/**
 * scanpy's columns from the float64 sums, with its dtypes: with float32 input, `total_counts*`,
 * `log1p_total_counts*` and `pct_counts_<qc>` are float32 (scanpy sums in float32; here the
 * float64 sum is rounded once, identical for counts below 2^24), `pct_counts_<qc>` is computed
 * in float32 arithmetic, and `pct_counts_in_top_N_genes` divides the float32-rounded top sum by
 * the float32 total in float64. Integer columns are Int32Array (scanpy: int32 / int64). Shared
 * by every backend (only the sums differ between them).
 */
export function qcColumns(raw: QcRaw, dtype: DType, nrows: number, args: KernelArgs['qcMetrics']): QcMetricsResult {
  const f32 = dtype === 'f32';
  const round = f32 ? Math.fround : (v: number) => v;
  const floats = (src: ArrayLike<number>, f: (v: number) => number): QcColumn => {
    const out = allocFloat(dtype, src.length);
    for (let i = 0; i < src.length; i++) out[i] = f(src[i]!);
    return out;
  };
  const f64 = (src: ArrayLike<number>, f: (v: number, i: number) => number): Float64Array => Float64Array.from(src, f);
  const obs: Record<string, QcColumn> = {};
  obs.n_genes_by_counts = raw.ngenes;
  if (args.log1p) obs.log1p_n_genes_by_counts = f64(raw.ngenes, Math.log1p);
  const total = floats(raw.total, round);
  obs.total_counts = total;
  if (args.log1p) obs.log1p_total_counts = floats(total, Math.log1p);
  args.percentTop.forEach((n, t) => {
    const top = raw.top[t]!;
    obs[`pct_counts_in_top_${n}_genes`] = f64(total, (tot, r) => (round(top[r]!) / tot) * 100);
  });
  args.qcVars.forEach((q, i) => {
    const qt = floats(raw.qcTotal[i]!, round);
    obs[`total_counts_${q.name}`] = qt;
    if (args.log1p) obs[`log1p_total_counts_${q.name}`] = floats(qt, Math.log1p);
    const pct = allocFloat(dtype, nrows);
    for (let r = 0; r < nrows; r++) pct[r] = round(round(qt[r]! / total[r]!) * 100);
    obs[`pct_counts_${q.name}`] = pct;
  });
  const vars: Record<string, QcColumn> = {};
  vars.n_cells_by_counts = raw.ncells;
  const mean = f64(raw.geneTotal, (s) => s / nrows);
  vars.mean_counts = mean;
  if (args.log1p) vars.log1p_mean_counts = f64(mean, Math.log1p);
  vars.pct_dropout_by_counts = f64(raw.ncells, (c) => (1 - c / nrows) * 100);
  const gt = floats(raw.geneTotal, round);
  vars.total_counts = gt;
  if (args.log1p) vars.log1p_total_counts = floats(gt, Math.log1p);
  return { obs, var: vars };
}
