/**
 * The per-cell steps over row blocks of an `.h5ad`, so a matrix larger than memory (or than
 * the 4 GB wasm heap) is processed with memory bounded by one block: QC metrics, cell and gene
 * filters, normalize_total, log1p, and gene statistics (sums, mean and variance) merged across
 * blocks with a mergeable accumulator. Results can be written block by block to a new `.h5ad`.
 * @module
 */
import { filterCells } from '../api/filter.js';
import { log1p } from '../api/log1p.js';
import { meanVar } from '../api/mean_var.js';
import { nnzCount } from '../api/nnz_count.js';
import { normalizeTotal } from '../api/normalize_total.js';
import { qcMetrics } from '../api/qc_metrics.js';
import { upload } from '../api/residency.js';
import { subset } from '../api/subset.js';
import { sum } from '../api/sum.js';
import { InvalidInputError, InvalidOptionError } from '../errors.js';
import type { Column, DataFrame } from '../io/anndata.js';
import type { H5adFile } from '../io/h5ad.js';
import { H5adWriter } from '../io/h5ad-write.js';
import type { CsrMatrix } from '../matrix/index.js';
import { numpyMedian } from '../numeric.js';
import { type CsrInput, CsrHandle } from '../runtime/handles.js';
import { MemoryTracker, type MemoryPeak } from './memory.js';
import { type ProgressEvent, type StepReport, backendOf } from './run.js';
import { type StepName, type StepOptions, qcMasks, requireKernels } from './steps.js';

/**
 * Per-gene count, mean and sum of squared deviations, mergeable across row blocks in any
 * grouping (Chan, Golub & LeVeque's pairwise update). `add` takes a block's own mean and
 * variance (from the meanVar kernel); `merge` combines two accumulators; `result` gives the
 * mean and the variance with `ddof` (scanpy: 1). Float64 throughout.
 */
export class GeneStatsAccumulator {
  n = 0;
  readonly mean: Float64Array;
  readonly m2: Float64Array;
  /** Float64 sums per gene (from the sum kernel, exact on counts). */
  readonly sum: Float64Array;

  constructor(readonly nGenes: number) {
    this.mean = new Float64Array(nGenes);
    this.m2 = new Float64Array(nGenes);
    this.sum = new Float64Array(nGenes);
  }

  /** Adds a block of `n` rows given its per-gene mean, population variance (ddof 0) and sums. */
  addMoments(n: number, mean: Float64Array, var0: Float64Array, sums: Float64Array): this {
    if (n === 0) return this;
    const other = new GeneStatsAccumulator(this.nGenes);
    other.n = n;
    for (let j = 0; j < this.nGenes; j++) {
      other.mean[j] = mean[j]!;
      other.m2[j] = var0[j]! * n;
      other.sum[j] = sums[j]!;
    }
    return this.merge(other);
  }

  /** Adds a block (CSR, plain or resident) with the meanVar and sum kernels. */
  add(block: CsrInput, options: { backend?: string } = {}): this {
    const n = block.shape[0];
    if (block.shape[1] !== this.nGenes) throw new InvalidInputError(`GeneStatsAccumulator: block has ${block.shape[1]} genes, expected ${this.nGenes}`);
    if (n === 0) return this;
    const mv = meanVar(block, { axis: 0, ddof: 0, ...options });
    return this.addMoments(n, mv.mean, mv.var, sum(block, { axis: 0, ...options }));
  }

  /** Merges another accumulator into this one. */
  merge(o: GeneStatsAccumulator): this {
    if (o.nGenes !== this.nGenes) throw new InvalidInputError('GeneStatsAccumulator: gene counts differ');
    if (o.n === 0) return this;
    const na = this.n;
    const nb = o.n;
    const n = na + nb;
    for (let j = 0; j < this.nGenes; j++) {
      const d = o.mean[j]! - this.mean[j]!;
      this.mean[j] = this.mean[j]! + (d * nb) / n;
      this.m2[j] = this.m2[j]! + o.m2[j]! + (d * d * na * nb) / n;
      this.sum[j] = this.sum[j]! + o.sum[j]!;
    }
    this.n = n;
    return this;
  }

  /** Mean and variance (ddof 1 by default, as scanpy), float64. */
  result(ddof: 0 | 1 = 1): { n: number; mean: Float64Array; var: Float64Array; sum: Float64Array } {
    const d = this.n - ddof;
    return { n: this.n, mean: Float64Array.from(this.mean), var: this.m2.map((m) => (d > 0 ? m / d : Number.NaN)), sum: Float64Array.from(this.sum) };
  }
}

const int = (n: number) => n.toLocaleString('en-US');

const STREAM_NOTES: Partial<Record<StepName, string>> = {
  qc: 'per-cell metrics per block; per-gene counts and totals summed over blocks',
  filter: 'cells by their own counts; genes by the first pass',
  normalize: 'each cell by its own total',
  log1p: 'element-wise; gene mean/variance merged over blocks',
};

/** Steps that run block by block. */
export const STREAM_STEPS: readonly StepName[] = ['qc', 'filter', 'normalize', 'log1p'];

/** Options of streamPipeline. */
export interface StreamOptions extends StepOptions {
  /** Steps (default qc, filter, normalize, log1p); hvg and scale need the whole matrix. */
  steps?: readonly StepName[];
  /** Rows per block (default: about 4 million stored values per block). */
  blockRows?: number;
  /** Backend for every kernel (default auto). */
  backend?: string;
  /** Layer to read instead of X. */
  layer?: string;
  /** Write the result (X block by block, then obs/var) to this `.h5ad` (Node). */
  out?: string;
  /** gzip level of X in `out` (default 4). */
  compression?: number;
  onProgress?: (e: ProgressEvent) => void;
}

/** What streamPipeline returns. */
export interface StreamResult {
  obs: DataFrame;
  var: DataFrame;
  /** Per gene statistics of the output matrix (after the last step), merged over blocks. */
  geneStats: { n: number; mean: Float64Array; var: Float64Array; sum: Float64Array };
  steps: StepReport[];
  /** Passes over the file (1, or 2 with a gene filter or a median target). */
  passes: number;
  blocks: number;
  blockRows: number;
  summary: { cellsIn: number; genesIn: number; cellsKept: number; genesKept: number; targetSum: number | null };
  memory: MemoryPeak;
}

function appendColumn(parts: Map<string, Column[]>, name: string, c: Column): void {
  let list = parts.get(name);
  if (!list) parts.set(name, (list = []));
  list.push(c);
}

function concatColumns(parts: Column[]): Column {
  const first = parts[0]!;
  if (ArrayBuffer.isView(first)) {
    const n = parts.reduce((s, p) => s + p.length, 0);
    const ctor = first.constructor as new (n: number) => typeof first;
    const out = new ctor(n) as unknown as { set(a: ArrayLike<number>, o: number): void };
    let o = 0;
    for (const p of parts) {
      out.set(p as ArrayLike<number>, o);
      o += p.length;
    }
    return out as unknown as Column;
  }
  return parts.flat() as Column;
}

function pick(mask: Uint8Array | null, n: number): Int32Array {
  if (!mask) return Int32Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i]) out.push(i);
  return Int32Array.from(out);
}

function take<T>(a: ArrayLike<T>, idx: Int32Array): T[] {
  return Array.from(idx, (i) => a[i]!);
}

/**
 * Runs QC, filters, normalize_total and log1p over row blocks of an open `.h5ad` (X or a layer,
 * raw counts), merging per-gene results across blocks; writes the result to `out` as it goes.
 * Memory is bounded by one block plus per-cell and per-gene vectors; `memory` reports the
 * peaks. A gene filter or a median target sum adds a first pass (the counts it needs).
 */
export async function streamPipeline(file: H5adFile, options: StreamOptions = {}): Promise<StreamResult> {
  const steps = options.steps ?? STREAM_STEPS;
  for (const s of steps) {
    if (!STREAM_STEPS.includes(s)) {
      throw new InvalidOptionError(`step "${s}" needs the whole matrix and cannot run over row blocks; streaming runs ${STREAM_STEPS.join(', ')} (run ${s} without --stream, e.g. on the HVG subset)`);
    }
    requireKernels(s);
  }
  const backend = options.backend && options.backend !== 'auto' ? options.backend : undefined;
  const dispatch = backend ? { backend } : {};
  const progress = options.onProgress ?? (() => {});
  const mem = new MemoryTracker();
  const info = options.layer ? file.layers[options.layer] : file.X;
  if (!info) throw new InvalidInputError(`${file.name}: has no ${options.layer ? `layer ${options.layer}` : 'X'}`);
  const [nCells, nGenes] = info.shape;
  const blockRows = options.blockRows ?? Math.max(256, Math.min(nCells || 1, Math.floor((4_000_000 * Math.max(1, nCells)) / Math.max(1, info.stored))));
  const nBlocks = Math.ceil(nCells / blockRows);
  const reports: StepReport[] = [];
  // The tables are read once (names included): per-cell and per-gene vectors, not the matrix.
  const baseVar = file.var();
  const baseObs = file.obs();
  const varNames = baseVar.index;
  const obsIndex = baseObs.index;

  const f = options.filter ?? {};
  const doFilter = steps.includes('filter');
  const minGenes = doFilter ? (f.minGenes === undefined ? 30 : f.minGenes) : null;
  const minCounts = doFilter ? (f.minCounts ?? null) : null;
  const minCells = doFilter ? (f.minCells === undefined ? 10 : f.minCells) : null;
  const doNorm = steps.includes('normalize');
  let targetSum: number | null = doNorm ? (options.normalize?.targetSum === undefined ? 1e4 : options.normalize.targetSum) : null;

  const withBlock = <T>(X: CsrMatrix, fn: (h: CsrInput) => T): T => {
    let h: CsrInput = X;
    try {
      const u = upload(X, { backend: backend ?? 'wasm' });
      if (u instanceof CsrHandle) h = u;
    } catch {
      /* a backend without residency: plain memory */
    }
    try {
      return fn(h);
    } finally {
      if (h instanceof CsrHandle) h.free();
    }
  };
  const cellMaskOf = (h: CsrInput): Uint8Array | null => {
    let m: Uint8Array | null = null;
    if (minGenes !== null) m = filterCells(h, { minGenes, ...dispatch }).mask;
    if (minCounts !== null) {
      const r = filterCells(h, { minCounts, ...dispatch }).mask;
      m = m ? m.map((v, i) => v & r[i]!) : r;
    }
    return m;
  };

  // Pass 1 (only when needed): genes' cell counts over the kept cells, then the cell totals for the median.
  let passes = 1;
  let geneMask: Uint8Array | null = null;
  const nCellsPerGene = new Float64Array(nGenes);
  if (minCells !== null || (doNorm && targetSum === null)) {
    passes++;
    const t0 = performance.now();
    progress({ step: 'pass 1', phase: 'start', done: 0, total: nBlocks });
    const totals: number[] = [];
    let b = 0;
    for (const blk of file.rowBlocks(blockRows, options.layer)) {
      withBlock(blk.X, (h) => {
        const cm = cellMaskOf(h);
        const kept = cm ? (subset(h, { rows: cm, ...dispatch }) as CsrInput) : h;
        try {
          const c = nnzCount(kept, { axis: 0, ...dispatch });
          for (let j = 0; j < nGenes; j++) nCellsPerGene[j] = nCellsPerGene[j]! + c[j]!;
          if (doNorm && targetSum === null && minCells === null) for (const t of sum(kept, { axis: 1, ...dispatch })) totals.push(t);
        } finally {
          if (kept !== h && kept instanceof CsrHandle) kept.free();
        }
      });
      mem.sample();
      progress({ step: 'pass 1', phase: 'progress', done: ++b, total: nBlocks });
    }
    if (minCells !== null) geneMask = Uint8Array.from(nCellsPerGene, (c) => (c >= minCells ? 1 : 0));
    if (doNorm && targetSum === null && minCells !== null) {
      // The median needs totals over the kept genes: one more pass.
      passes++;
      for (const blk of file.rowBlocks(blockRows, options.layer)) {
        withBlock(blk.X, (h) => {
          const cm = cellMaskOf(h);
          const kept = subset(h, { rows: cm, cols: geneMask, ...dispatch }) as CsrInput;
          try {
            for (const t of sum(kept, { axis: 1, ...dispatch })) totals.push(t);
          } finally {
            if (kept instanceof CsrHandle) kept.free();
          }
        });
        mem.sample();
      }
    }
    if (doNorm && targetSum === null) {
      // scanpy: the median of the float32 totals of the cells.
      targetSum = Math.fround(numpyMedian(Float64Array.from(totals, (t) => Math.fround(t))));
    }
    progress({ step: 'pass 1', phase: 'end' });
    reports.push({
      step: 'pass 1',
      ms: performance.now() - t0,
      backend: backendOf('filterCells', file.readRows(0, Math.min(1, nCells), options.layer), backend),
      note: `read every block once for ${[minCells !== null && "the genes' cell counts (filter_genes)", options.normalize?.targetSum === null && 'the median total (normalize_total)'].filter(Boolean).join(' and ')}`,
    });
  }

  const genesKept = geneMask ? pick(geneMask, nGenes) : pick(null, nGenes);
  const writer = options.out ? await H5adWriter.create(options.out, { nVars: genesKept.length, dtype: 'f32', ...(options.compression !== undefined ? { compression: options.compression } : {}) }) : undefined;
  const acc = new GeneStatsAccumulator(genesKept.length);
  const obsParts = new Map<string, Column[]>();
  const keptCells: number[] = [];
  const qcVar = { n: new Float64Array(nGenes), total: new Float64Array(nGenes) };
  const masks = steps.includes('qc') ? qcMasks(varNames, options.qc?.qcVars) : {};
  const top = (options.qc?.percentTop ?? [50, 100, 200, 500]).filter((n) => n <= nGenes);
  const stepMs: Partial<Record<StepName, number>> = {};
  const tick = <T>(s: StepName, fn: () => T): T => {
    const t = performance.now();
    const r = fn();
    stepMs[s] = (stepMs[s] ?? 0) + performance.now() - t;
    return r;
  };
  let b = 0;
  let readMs = 0;
  let writeMs = 0;
  let by = backend ?? 'auto';
  progress({ step: 'blocks', phase: 'start', done: 0, total: nBlocks });
  const blocks = file.rowBlocks(blockRows, options.layer);
  try {
    for (;;) {
      const tr = performance.now();
      const next = blocks.next();
      readMs += performance.now() - tr;
      if (next.done) break;
      const blk = next.value;
      if (b === 0) by = backendOf(steps.includes('normalize') ? 'normalizeTotal' : 'qcMetrics', blk.X, backend);
      const out = withBlock(blk.X, (h0) => {
        const owned: CsrHandle[] = [];
        const keep = <T extends CsrInput>(x: T): T => {
          if (x instanceof CsrHandle && x !== h0 && !owned.includes(x)) owned.push(x);
          return x;
        };
        try {
          let h: CsrInput = h0;
          let cm: Uint8Array | null = null;
          if (steps.includes('qc')) {
            tick('qc', () => {
              const r = qcMetrics(h, { qcVars: masks, percentTop: top, log1p: true, ...dispatch });
              for (const [k, c] of Object.entries(r.obs)) appendColumn(obsParts, k, c);
              const nc = r.var.n_cells_by_counts!;
              const tc = r.var.total_counts!;
              for (let j = 0; j < nGenes; j++) {
                qcVar.n[j] = qcVar.n[j]! + nc[j]!;
                qcVar.total[j] = qcVar.total[j]! + tc[j]!;
              }
            });
          }
          if (doFilter) {
            tick('filter', () => {
              cm = cellMaskOf(h);
              if (minGenes !== null) appendColumn(obsParts, 'n_genes', nnzCount(h, { axis: 1, ...dispatch }));
              if (cm || geneMask) h = keep(subset(h, { rows: cm, cols: geneMask, ...dispatch }));
            });
          }
          const rows = pick(cm, blk.X.shape[0]);
          for (const r of rows) keptCells.push(blk.start + r);
          // normalize and log1p overwrite h in place unless it is the reader's block itself (the
          // js backend works on it directly): the block's upload or the filter's subset is ours.
          if (doNorm) tick('normalize', () => (h = keep(normalizeTotal(h, { targetSum, inPlace: h !== blk.X, ...dispatch }).X as CsrInput)));
          if (steps.includes('log1p')) tick('log1p', () => (h = keep(log1p(h, { inPlace: h !== blk.X, ...dispatch }))));
          acc.add(h, dispatch);
          return { X: h instanceof CsrHandle ? h.download() : (h as CsrMatrix), rows };
        } finally {
          for (const x of owned) x.free();
        }
      });
      const tw = performance.now();
      if (writer) writer.append(out.X.dtype === 'f32' ? out.X : out.X.withData(Float32Array.from(out.X.data)));
      writeMs += performance.now() - tw;
      mem.sample();
      progress({ step: 'blocks', phase: 'progress', done: ++b, total: nBlocks });
    }
    progress({ step: 'blocks', phase: 'end' });

    // Tables: obs of the kept cells (QC columns computed on all cells are subset), var of the kept genes.
    const kept = Int32Array.from(keptCells);
    const allCols: Record<string, Column> = {};
    for (const [k, c] of Object.entries(baseObs.columns)) allCols[k] = c;
    for (const [k, parts] of obsParts) allCols[k] = concatColumns(parts);
    const obsColumns: Record<string, Column> = {};
    for (const [k, c] of Object.entries(allCols)) {
      obsColumns[k] = ArrayBuffer.isView(c)
        ? (() => {
            const ctor = c.constructor as new (n: number) => typeof c;
            const o = new ctor(kept.length) as unknown as number[];
            for (let i = 0; i < kept.length; i++) o[i] = (c as unknown as number[])[kept[i]!]!;
            return o as unknown as Column;
          })()
        : (take(c as unknown[], kept) as Column);
    }
    const varAll: Record<string, Column> = { ...baseVar.columns };
    if (steps.includes('qc')) {
      const N = nCells;
      varAll.n_cells_by_counts = Int32Array.from(qcVar.n);
      varAll.mean_counts = qcVar.total.map((t) => t / N);
      varAll.log1p_mean_counts = qcVar.total.map((t) => Math.log1p(t / N));
      varAll.pct_dropout_by_counts = qcVar.n.map((c) => (1 - c / N) * 100);
      varAll.total_counts = Float32Array.from(qcVar.total);
      varAll.log1p_total_counts = Float32Array.from(qcVar.total, (t) => Math.log1p(Math.fround(t)));
    }
    if (minCells !== null) varAll.n_cells = Int32Array.from(nCellsPerGene);
    const varColumns: Record<string, Column> = {};
    for (const [k, c] of Object.entries(varAll)) {
      varColumns[k] = ArrayBuffer.isView(c)
        ? (() => {
            const ctor = c.constructor as new (n: number) => typeof c;
            const o = new ctor(genesKept.length) as unknown as number[];
            for (let i = 0; i < genesKept.length; i++) o[i] = (c as unknown as number[])[genesKept[i]!]!;
            return o as unknown as Column;
          })()
        : (take(c as unknown[], genesKept) as Column);
    }
    const obs: DataFrame = { index: take(obsIndex, kept), columns: obsColumns };
    const vars: DataFrame = { index: take(varNames, genesKept), columns: varColumns };
    const tw = performance.now();
    if (writer) await writer.finish({ obs, var: vars });
    writeMs += performance.now() - tw;
    reports.push({ step: 'read', ms: readMs, backend: 'h5wasm', note: `${int(nBlocks)} block(s) of ≤ ${int(blockRows)} rows from ${file.name}` });
    for (const s of steps) {
      reports.push({ step: s, ms: stepMs[s] ?? 0, backend: by, note: STREAM_NOTES[s] ?? '' });
    }
    if (writer) reports.push({ step: 'write', ms: writeMs, backend: 'h5wasm', note: `appended each block to ${options.out}, then obs/var` });
    mem.sample();
    return {
      obs,
      var: vars,
      geneStats: acc.result(1),
      steps: reports,
      passes,
      blocks: nBlocks,
      blockRows,
      summary: { cellsIn: nCells, genesIn: nGenes, cellsKept: kept.length, genesKept: genesKept.length, targetSum },
      memory: mem.peak,
    };
  } catch (e) {
    writer?.abort();
    throw e;
  }
}
