import type { CsrInput } from '../../runtime/handles.js';
import { type QcRaw, qcColumns } from '../js/qc_metrics.js';
import type { KernelArgs, QcMetricsResult } from '../types.js';
import { type AbiKernel, csrPtrs } from './abi.js';

/**
 * calculate_qc_metrics through `ck_qc_metrics_csr_{f32,f64}` (all sums and the per-row top-N
 * selection in one pass); scanpy's columns and dtypes are then derived in TypeScript by the
 * same qcColumns() as the reference.
 */
export const qcMetricsKernel: AbiKernel<'qcMetrics'> = {
  name: 'qcMetrics',
  symbols: ['ck_qc_metrics_csr_f32', 'ck_qc_metrics_csr_f64'],
  impl: (mod) => (x: CsrInput, args: KernelArgs['qcMetrics']): QcMetricsResult =>
    mod.scoped((s) => {
      const p = csrPtrs(mod, x, s);
      const n = p.nrows;
      const m = p.ncols;
      const nq = args.qcVars.length;
      const nt = args.percentTop.length;
      const masks = new Uint8Array(nq * m);
      args.qcVars.forEach((q, i) => masks.set(q.mask.subarray(0, m), i * m));
      const pMasks = s.copyIn(masks);
      const pNs = s.copyIn(Int32Array.from(args.percentTop));
      const total = s.alloc(n * 8);
      const ngenes = s.alloc(n * 4);
      const qc = s.alloc(nq * n * 8);
      const top = s.alloc(nt * n * 8);
      const ncells = s.alloc(m * 4);
      const geneTotal = s.alloc(m * 8);
      mod.run(`ck_qc_metrics_csr_${p.dtype}`, p.indptr, p.indices, p.data, n, m, pMasks, nq, pNs, nt, total, ngenes, qc, top, ncells, geneTotal);
      const qcAll = mod.copyOut(Float64Array, qc, nq * n);
      const topAll = mod.copyOut(Float64Array, top, nt * n);
      const raw: QcRaw = {
        total: mod.copyOut(Float64Array, total, n),
        ngenes: mod.copyOut(Int32Array, ngenes, n),
        qcTotal: args.qcVars.map((_, i) => qcAll.subarray(i * n, (i + 1) * n)),
        top: args.percentTop.map((_, t) => topAll.subarray(t * n, (t + 1) * n)),
        ncells: mod.copyOut(Int32Array, ncells, m),
        geneTotal: mod.copyOut(Float64Array, geneTotal, m),
      };
      return qcColumns(raw, p.dtype, n, args);
    }),
};
