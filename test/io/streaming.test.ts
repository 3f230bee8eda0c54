import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, log1p, meanVar, normalizeTotal, qcMetrics } from '../../src/index.js';
import { H5adWriter, openH5ad, readH5ad } from '../../src/io/index.js';
import type { CsrMatrix } from '../../src/matrix/index.js';
import { GeneStatsAccumulator, streamPipeline } from '../../src/pipeline/index.js';
import { SHARED, tempDir } from './tmp.js';

const TILES = 12;

/**
 * SYNTHETIC data: mouse10k's 10,000 real cells repeated 12 times (120,000 cells × 1,000 genes,
 * 8.3 million stored counts), written block by block with H5adWriter.
 */
describe('streaming over row blocks (synthetic: mouse10k tiled 12×)', () => {
  const tmp = tempDir('ck-stream-');
  const file = path.join(tmp.dir, 'mouse10k-x12.synthetic.h5ad');
  let base: CsrMatrix;
  afterAll(() => tmp.cleanup());
  beforeAll(async () => {
    await init();
    const a = await readH5ad(path.join(SHARED, 'mouse10k.h5ad'));
    base = a.X as CsrMatrix;
    const w = await H5adWriter.create(file, { nVars: 1000, compression: 1 });
    for (let t = 0; t < TILES; t++) w.append(base);
    const names: string[] = [];
    for (let t = 0; t < TILES; t++) for (const n of a.obs.index) names.push(`${n}-${t}`);
    const isRibo = a.var.index.map((n) => /^rp[sl]/i.test(n));
    await w.finish({ obs: { index: names, columns: {} }, var: { index: a.var.index, columns: { ...a.var.columns, is_ribo: isRibo } } });
  }, 120_000);

  it('the writer produced a valid 120,000-cell file', async () => {
    const f = await openH5ad(file);
    expect(f.shape).toEqual([120_000, 1000]);
    expect(f.X?.stored).toBe(TILES * base.nnz);
    const r = f.readRows(10_000 * 7 + 5, 10_000 * 7 + 6);
    expect(Array.from(r.indices)).toEqual(Array.from(base.indices.subarray(base.indptr[5]!, base.indptr[6]!)));
    // A boolean column written after 120,000 rows of X: found from the end and stored as numpy's bool.
    expect((f.var().columns.is_ribo as boolean[]).filter(Boolean)).toHaveLength(3);
    f.close();
  });

  it('qc, normalize and log1p over 12 blocks: per-cell results equal the whole-matrix kernels, memory bounded by a block', async () => {
    const f = await openH5ad(file);
    const r = await streamPipeline(f, { steps: ['qc', 'normalize', 'log1p'], blockRows: 10_000 });
    const varNames = f.varNames();
    f.close();
    expect(r.blocks).toBe(12);
    expect(r.passes).toBe(1);
    // Per-cell QC of every tile equals QC of the original 10,000 cells.
    const ref = qcMetrics(base, { qcVars: { mt: new Uint8Array(1000), ribo: Uint8Array.from(varNames, (n) => (/^rp[sl]/i.test(n) ? 1 : 0)) }, percentTop: [50, 100, 200, 500], log1p: true });
    const total = r.obs.columns.total_counts as Float32Array;
    expect(total.length).toBe(120_000);
    for (const t of [0, 5, 11]) expect(Array.from(total.subarray(t * 10_000, t * 10_000 + 10_000))).toEqual(Array.from(ref.obs.total_counts!));
    expect(Array.from(r.var.columns.n_cells_by_counts as Int32Array)).toEqual(Array.from(ref.var.n_cells_by_counts!, (x) => x * TILES));
    // Gene mean/variance merged over blocks = meanVar of the whole log data of one tile (the tiles repeat it).
    const logged = log1p(normalizeTotal(base, { targetSum: 1e4 }).X);
    const mv = meanVar(logged, { axis: 0, ddof: 0 });
    let worst = 0;
    for (let j = 0; j < 1000; j++) worst = Math.max(worst, Math.abs(r.geneStats.mean[j]! - mv.mean[j]!) / Math.max(1e-3, mv.mean[j]!));
    expect(worst).toBeLessThan(1e-9);
    const n = 120_000;
    let worstVar = 0;
    for (let j = 0; j < 1000; j++) worstVar = Math.max(worstVar, Math.abs(r.geneStats.var[j]! - (mv.var[j]! * n) / (n - 1)) / Math.max(1e-3, mv.var[j]!));
    expect(worstVar).toBeLessThan(1e-6);
    // The whole matrix as f32 + int32 would take 8.3 M × 8 bytes = 66 MiB in a heap; blocks need far less.
    const whole = TILES * base.nnz * 8;
    console.log(`streaming 120,000 × 1,000 (synthetic): peak wasm heaps ${(r.memory.wasmHeap / 2 ** 20).toFixed(1)} MiB, peak RSS ${(r.memory.rss / 2 ** 20).toFixed(1)} MiB; whole X would be ${(whole / 2 ** 20).toFixed(1)} MiB`);
    expect(r.memory.wasmHeap).toBeGreaterThan(0);
    expect(r.memory.wasmHeap).toBeLessThan(whole);
  });

  it('the js backend (normalize and log1p on the reader\'s blocks, not in place) gives the wasm run\'s numbers', { timeout: 120_000 }, async () => {
    const run = async (backend?: string) => {
      const f = await openH5ad(file);
      try {
        return await streamPipeline(f, { steps: ['normalize', 'log1p'], blockRows: 40_000, ...(backend ? { backend } : {}) });
      } finally {
        f.close();
      }
    };
    const [js, wasm] = [await run('js'), await run()];
    let worst = 0;
    for (let j = 0; j < 1000; j++) worst = Math.max(worst, Math.abs(js.geneStats.mean[j]! - wasm.geneStats.mean[j]!) / Math.max(1e-3, wasm.geneStats.mean[j]!));
    expect(worst).toBeLessThan(1e-6);
  });

  it('GeneStatsAccumulator merges in any grouping to the same mean and variance', () => {
    const parts = [0, 2500, 2600, 7000, 10_000];
    const blocks: CsrMatrix[] = [];
    for (let i = 0; i + 1 < parts.length; i++) {
      const s = base.indptr[parts[i]!]!;
      const e = base.indptr[parts[i + 1]!]!;
      blocks.push(
        new (base.constructor as typeof CsrMatrix)({
          shape: [parts[i + 1]! - parts[i]!, 1000],
          data: base.data.slice(s, e),
          indices: base.indices.slice(s, e),
          indptr: Int32Array.from(base.indptr.subarray(parts[i]!, parts[i + 1]! + 1), (x) => x - s),
        }),
      );
    }
    const seq = new GeneStatsAccumulator(1000);
    for (const b of blocks) seq.add(b);
    const left = new GeneStatsAccumulator(1000).add(blocks[0]!).add(blocks[1]!);
    const right = new GeneStatsAccumulator(1000).add(blocks[2]!).add(blocks[3]!);
    const tree = left.merge(right).result(1);
    const whole = meanVar(base, { axis: 0, ddof: 1 });
    const a = seq.result(1);
    for (let j = 0; j < 1000; j++) {
      expect(Math.abs(a.mean[j]! - whole.mean[j]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, whole.mean[j]!));
      expect(Math.abs(a.var[j]! - whole.var[j]!)).toBeLessThanOrEqual(1e-9 * Math.max(1, whole.var[j]!));
      expect(Math.abs(tree.var[j]! - a.var[j]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, a.var[j]!));
    }
    expect(a.n).toBe(10_000);
  });
});
