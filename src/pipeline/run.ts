/**
 * The preprocessing pipeline over a whole matrix (scanpy's usual sequence):
 * calculate_qc_metrics → filter_cells / filter_genes → normalize_total → log1p →
 * highly_variable_genes → scale. Each step calls the public API function; the matrix is
 * uploaded once and stays resident in the backend between steps when the backend can hold it.
 * @module
 */
import { highlyVariableGenes } from '../api/highly_variable_genes.js';
import { filterCells, filterGenes } from '../api/filter.js';
import { log1p } from '../api/log1p.js';
import { normalizeTotal } from '../api/normalize_total.js';
import { qcMetrics } from '../api/qc_metrics.js';
import { upload } from '../api/residency.js';
import { scale } from '../api/scale.js';
import { subset } from '../api/subset.js';
import { toCsr } from '../api/convert.js';
import { denseToCsr } from '../matrix/index.js';
import { explain } from '../dispatch/index.js';
import { InvalidInputError } from '../errors.js';
import type { AnnData, Column, DataFrame } from '../io/anndata.js';
import { CscMatrix, CsrMatrix, DenseMatrix, type Matrix } from '../matrix/index.js';
import { type CsrInput, CsrHandle, DenseHandle } from '../runtime/handles.js';
import type { KernelName } from '../backends/types.js';
import { MemoryTracker, type MemoryPeak } from './memory.js';
import { STEPS, type StepName, type StepOptions, qcMasks, requireKernels } from './steps.js';

/** Progress of a pipeline: a step starts, advances (blocks), or ends. */
export interface ProgressEvent {
  step: string;
  phase: 'start' | 'progress' | 'end';
  /** Units done and in total (blocks, rows), when known. */
  done?: number;
  total?: number;
}

/** Options of runPipeline. */
export interface PipelineOptions extends StepOptions {
  /** Steps to run (default all), always in pipeline order. */
  steps?: readonly StepName[];
  /** Backend for every kernel (default auto). */
  backend?: string;
  /** Keep the matrix resident in the backend between steps (default true). */
  resident?: boolean;
  /** Called as steps start and end. */
  onProgress?: (e: ProgressEvent) => void;
}

/** What one step did. */
export interface StepReport {
  /** A step, or a phase of streaming (`pass 1`, `read`, `write`). */
  step: StepName | 'pass 1' | 'read' | 'write';
  /** Wall time in milliseconds. */
  ms: number;
  /** Backend (and variant) that ran its kernels. */
  backend: string;
  /** One line: what changed. */
  note: string;
}

/** What runPipeline returns. */
export interface PipelineResult {
  /** The result: X after the last step, the new obs/var columns, layers `counts` (and `lognorm` when scaled). */
  adata: AnnData;
  steps: StepReport[];
  summary: {
    cellsIn: number;
    genesIn: number;
    cellsKept: number;
    genesKept: number;
    /** Number of highly variable genes (null when hvg did not run). */
    hvgs: number | null;
    /** Target sum used by normalize_total (null when it did not run). */
    targetSum: number | null;
    /** Whether the matrix stayed resident in a backend between steps. */
    resident: boolean;
  };
  memory: MemoryPeak;
}

/** The backend (and variant) that would run `kernel` on `x`. */
export function backendOf(kernel: KernelName, x: unknown, backend?: string): string {
  try {
    const e = explain(kernel, x, backend ? { backend } : {});
    return e.variant ? `${e.backend} (${e.variant})` : e.backend;
  } catch {
    return backend ?? 'auto';
  }
}

function isResident(x: unknown): x is CsrHandle | DenseHandle {
  return x instanceof CsrHandle || x instanceof DenseHandle;
}

function subsetFrame(df: DataFrame, mask: Uint8Array): DataFrame {
  const keep: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i]) keep.push(i);
  const columns: Record<string, Column> = {};
  for (const [k, c] of Object.entries(df.columns)) {
    if (ArrayBuffer.isView(c)) {
      const ctor = c.constructor as new (n: number) => typeof c;
      const out = new ctor(keep.length);
      for (let i = 0; i < keep.length; i++) (out as unknown as number[])[i] = (c as unknown as number[])[keep[i]!]!;
      columns[k] = out;
    } else columns[k] = keep.map((i) => (c as unknown[])[i]) as Column;
  }
  return { index: keep.map((i) => df.index[i]!), columns };
}

function count(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i] ? 1 : 0;
  return n;
}

/** The counts as CSR: CSC is converted with the toCsr kernel, dense by dropping zeros. */
function asCsr(x: Matrix, dispatch: { backend?: string }): CsrMatrix {
  if (x instanceof CsrMatrix) return x;
  if (x instanceof CscMatrix) return toCsr(x, dispatch) as CsrMatrix;
  if (x instanceof DenseMatrix) return denseToCsr(x.data, x.shape[0], x.shape[1]);
  throw new InvalidInputError('runPipeline: X must be a CsrMatrix, CscMatrix or DenseMatrix');
}

/**
 * Runs the steps on `adata` (X: raw counts, cells × genes, CSR) and returns a new AnnData
 * with scanpy's columns: obs — QC metrics, `n_genes` (filter); var — QC metrics, `n_cells`
 * (filter), `highly_variable`, `means`, `dispersions`, `dispersions_norm` (hvg), `mean`,
 * `std` (scale); X — the matrix after the last step; layers — `counts` (the raw counts of the
 * kept cells and genes) and, when scaled, `lognorm` (the normalised log data).
 */
export function runPipeline(adata: AnnData, options: PipelineOptions = {}): PipelineResult {
  const steps = options.steps ?? STEPS;
  const backend = options.backend && options.backend !== 'auto' ? options.backend : undefined;
  const dispatch = backend ? { backend } : {};
  const progress = options.onProgress ?? (() => {});
  const mem = new MemoryTracker();
  if (!adata.X) throw new InvalidInputError('runPipeline: the AnnData has no X');
  for (const s of steps) requireKernels(s);
  const counts0 = asCsr(adata.X, dispatch);
  const [cellsIn, genesIn] = counts0.shape;
  let obs: DataFrame = { index: adata.obs.index, columns: { ...adata.obs.columns } };
  let vars: DataFrame = { index: adata.var.index, columns: { ...adata.var.columns } };
  const reports: StepReport[] = [];
  const owned = new Set<{ free(): void }>();
  const own = <T>(x: T): T => {
    if (isResident(x)) owned.add(x);
    return x;
  };
  const release = (x: unknown) => {
    if (isResident(x) && owned.has(x)) {
      x.free();
      owned.delete(x);
    }
  };
  const time = (step: StepName, kernel: KernelName, input: unknown, fn: () => string) => {
    progress({ step, phase: 'start' });
    const by = backendOf(kernel, input, backend);
    const t0 = performance.now();
    const note = fn();
    const ms = performance.now() - t0;
    mem.sample();
    progress({ step, phase: 'end' });
    reports.push({ step, ms, backend: by, note });
  };

  let resident = false;
  let X: CsrInput = counts0;
  // Upload once; every later step works on the resident handle.
  if (options.resident !== false) {
    const target = backend ?? 'wasm';
    try {
      const h = upload(counts0, { backend: target });
      if (h instanceof CsrHandle) {
        X = own(h);
        resident = true;
      }
    } catch {
      // A backend that cannot hold data (js, or wasm not loaded): work on JavaScript memory.
    }
  }
  let counts: CsrInput = X;
  let hvgs: number | null = null;
  let targetSum: number | null = null;
  let final: CsrInput | DenseMatrix | DenseHandle = X;
  let lognorm: CsrMatrix | null = null;
  let cellsKept = cellsIn;
  let genesKept = genesIn;

  try {
    for (const step of steps) {
      switch (step) {
        case 'qc':
          time('qc', 'qcMetrics', X, () => {
            const masks = qcMasks(vars.index, options.qc?.qcVars);
            const top = (options.qc?.percentTop ?? [50, 100, 200, 500]).filter((n) => n <= X.shape[1]);
            const r = qcMetrics(X, { qcVars: masks, percentTop: top, log1p: true, ...dispatch });
            Object.assign(obs.columns, r.obs);
            Object.assign(vars.columns, r.var);
            const sets = Object.entries(masks).map(([k, m]) => `${k}: ${count(m)} genes`);
            return `${Object.keys(r.obs).length} obs and ${Object.keys(r.var).length} var columns (${sets.join(', ')})`;
          });
          break;
        case 'filter':
          time('filter', 'filterCells', X, () => {
            const f = options.filter ?? {};
            const minGenes = f.minGenes === undefined ? 30 : f.minGenes;
            const minCounts = f.minCounts ?? null;
            const minCells = f.minCells === undefined ? 10 : f.minCells;
            let cellMask: Uint8Array = new Uint8Array(X.shape[0]).fill(1);
            if (minGenes !== null) {
              const r = filterCells(X, { minGenes, ...dispatch });
              cellMask = r.mask;
              obs.columns.n_genes = r.counts;
            }
            if (minCounts !== null) {
              const r = filterCells(X, { minCounts, ...dispatch });
              for (let i = 0; i < cellMask.length; i++) cellMask[i] = cellMask[i]! & r.mask[i]!;
              obs.columns.n_counts = r.counts;
            }
            const nCells = count(cellMask);
            let Y: CsrInput = X;
            if (nCells < X.shape[0]) {
              Y = own(subset(X, { rows: cellMask, ...dispatch }));
              obs = subsetFrame(obs, cellMask);
              if (X !== counts) release(X);
            }
            let geneMask: Uint8Array = new Uint8Array(X.shape[1]).fill(1);
            if (minCells !== null) {
              const r = filterGenes(Y, { minCells, ...dispatch });
              geneMask = r.mask;
              vars.columns.n_cells = r.counts;
            }
            const nGenes = count(geneMask);
            let Z: CsrInput = Y;
            if (nGenes < Y.shape[1]) {
              Z = own(subset(Y, { cols: geneMask, ...dispatch }));
              vars = subsetFrame(vars, geneMask);
              if (Y !== X) release(Y);
            }
            if (X !== Z && X === counts) release(X);
            X = Z;
            counts = Z;
            cellsKept = nCells;
            genesKept = nGenes;
            const crit = [minGenes !== null && `min_genes ${minGenes}`, minCounts !== null && `min_counts ${minCounts}`].filter(Boolean).join(', ');
            return `kept ${nCells.toLocaleString('en-US')} of ${cellMask.length.toLocaleString('en-US')} cells (${crit || 'no criterion'}), ${nGenes.toLocaleString('en-US')} of ${geneMask.length.toLocaleString('en-US')} genes (min_cells ${minCells ?? '-'})`;
          });
          break;
        case 'normalize':
          time('normalize', 'normalizeTotal', X, () => {
            const ts = options.normalize?.targetSum === undefined ? 1e4 : options.normalize.targetSum;
            const r = normalizeTotal(X, { targetSum: ts, ...dispatch });
            const Y = own(r.X as CsrInput);
            if (X !== counts) release(X);
            X = Y;
            targetSum = r.target;
            return `target sum ${r.target}${ts === null ? ' (median of the cell totals)' : ''}`;
          });
          break;
        case 'log1p':
          time('log1p', 'log1p', X, () => {
            const base = options.log1p?.base ?? null;
            // After normalize, X is this run's own matrix: log1p overwrites it (no second copy of
            // the values); the counts themselves are never overwritten (seurat_v3 reads them).
            const inPlace = X !== counts;
            const Y = own(log1p(X, { base, inPlace, ...dispatch }));
            if (X !== counts && Y !== X) release(X);
            X = Y;
            return base === null ? 'natural log' : `base ${base}`;
          });
          break;
        case 'hvg':
          time('hvg', 'highlyVariableGenes', X, () => {
            const flavor = options.hvg?.flavor ?? 'seurat';
            const input = flavor.startsWith('seurat_v3') ? counts : X;
            const r = highlyVariableGenes(input, { flavor, nTopGenes: options.hvg?.nTopGenes ?? null, ...dispatch });
            const hv = Array.from(r.highlyVariable, (b) => b !== 0);
            vars.columns.highly_variable = hv;
            vars.columns.means = r.means;
            if (r.flavor === 'seurat' || r.flavor === 'cell_ranger') {
              vars.columns.dispersions = r.dispersions;
              // scanpy stores dispersions_norm as float32 when it writes in place.
              vars.columns.dispersions_norm = Float32Array.from(r.dispersionsNorm);
            } else if (r.flavor === 'seurat_v3' || r.flavor === 'seurat_v3_paper') {
              vars.columns.variances = r.variances;
              vars.columns.variances_norm = r.variancesNorm;
              vars.columns.highly_variable_rank = Float32Array.from(r.highlyVariableRank);
            }
            hvgs = hv.filter(Boolean).length;
            return `${hvgs} highly variable genes (flavor ${flavor}${options.hvg?.nTopGenes ? `, top ${options.hvg.nTopGenes}` : ''})`;
          });
          break;
        case 'scale':
          time('scale', 'scale', X, () => {
            const zeroCenter = options.scale?.zeroCenter ?? true;
            const maxValue = options.scale?.maxValue === undefined ? 10 : options.scale.maxValue;
            lognorm = X instanceof CsrHandle ? X.download() : (X as CsrMatrix);
            const r = scale(X, { zeroCenter, maxValue, ...dispatch } as Parameters<typeof scale>[1]);
            vars.columns.mean = r.mean;
            vars.columns.std = r.std;
            final = own(r.X as CsrInput | DenseHandle | DenseMatrix);
            return `${zeroCenter ? 'zero-centred, ' : ''}clipped at ${maxValue ?? 'none'}; X is ${final instanceof DenseHandle || final instanceof DenseMatrix ? 'dense' : 'sparse'}`;
          });
          break;
      }
      mem.sample();
    }
    if (!steps.includes('scale')) final = X;
    // Bring the results back to JavaScript memory.
    const outX: Matrix =
      final instanceof CsrHandle || final instanceof DenseHandle ? final.download() : (final as CsrMatrix | DenseMatrix);
    const countsOut: CsrMatrix = counts instanceof CsrHandle ? counts.download() : (counts as CsrMatrix);
    const layers: Record<string, Matrix> = {};
    if (outX !== countsOut) layers.counts = countsOut;
    if (lognorm) layers.lognorm = lognorm;
    mem.sample();
    return {
      adata: { X: outX, obs, var: vars, layers },
      steps: reports,
      summary: { cellsIn, genesIn, cellsKept, genesKept, hvgs, targetSum, resident },
      memory: mem.peak,
    };
  } finally {
    for (const h of owned) h.free();
  }
}
