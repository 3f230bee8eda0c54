/**
 * Benchmarks of the cuda backend on a GPU (scripts/gpu-check.sh runs them with
 * CELLKERNELS_CUDA_BENCH=1; skipped otherwise). Per kernel and dataset: the device build on a
 * resident matrix (upload once; outputs that are vectors are copied back, matrix outputs stay on
 * the device and are waited for), the same with the host↔device copies of a plain matrix, and
 * wasm simd-threads with every core when build/wasm exists. Medians of warm runs, with the spread;
 * the host is printed first.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { type CudaModule, loadCuda } from '../../src/backends/cuda/index.js';
import type { Backend } from '../../src/backends/types.js';
import { createWasmBackend } from '../../src/backends/wasm/index.js';
import { CsrMatrix } from '../../src/matrix/index.js';
import { isHandle } from '../../src/runtime/handles.js';
import { loadVariant } from '../../src/runtime/load.js';
import type { KernelModule } from '../../src/runtime/module.js';
import { rng } from '../../src/testing/cases.js';
import { mouse10k } from '../helpers/data.js';

const RUN = process.env.CELLKERNELS_CUDA_BENCH === '1';

/** cells × genes counts with about `perRow` values per row, sorted indices (f32). */
function synthetic(rows: number, cols: number, perRow: number, seed: number): CsrMatrix {
  const r = rng(seed);
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(rows * perRow);
  const data = new Float32Array(rows * perRow);
  const step = cols / perRow;
  let k = 0;
  for (let i = 0; i < rows; i++) {
    for (let t = 0; t < perRow; t++) {
      indices[k] = Math.min(cols - 1, Math.floor(t * step + r() * step));
      data[k++] = 1 + Math.floor(-Math.log(1 - r()) * 3);
    }
    indptr[i + 1] = k;
  }
  return new CsrMatrix({ shape: [rows, cols], indptr, indices, data });
}

type Case = { name: string; run: (b: Backend, x: unknown) => unknown };
const CASES: Case[] = [
  { name: 'sum axis 0', run: (b, x) => b.kernels.sum!(x as CsrMatrix, { axis: 0 }) },
  { name: 'sum axis 1', run: (b, x) => b.kernels.sum!(x as CsrMatrix, { axis: 1 }) },
  { name: 'nnzCount axis 0', run: (b, x) => b.kernels.nnzCount!(x as CsrMatrix, { axis: 0, positive: false }) },
  { name: 'meanVar axis 0', run: (b, x) => b.kernels.meanVar!(x as CsrMatrix, { axis: 0, ddof: 1 }) },
  { name: 'log1p', run: (b, x) => b.kernels.log1p!(x as CsrMatrix, { base: null }) },
  { name: 'normalizeTotal 1e4', run: (b, x) => b.kernels.normalizeTotal!(x as CsrMatrix, { targetSum: 1e4, excludeHighlyExpressed: false, maxFraction: 0.05 }) },
  { name: 'scale (no centring)', run: (b, x) => b.kernels.scale!(x as CsrMatrix, { zeroCenter: false, maxValue: 10, mask: null }) },
  { name: 'expm1MeanVar', run: (b, x) => b.kernels.expm1MeanVar!(x as CsrMatrix, { expm1: true }) },
  { name: 'clippedSums', run: (b, x) => b.kernels.clippedSums!(x as CsrMatrix, { clip: new Float64Array((x as CsrMatrix).shape[1]).fill(4) }) },
  { name: 'qcMetrics top 50-500', run: (b, x) => b.kernels.qcMetrics!(x as CsrMatrix, { qcVars: [], percentTop: [50, 100, 200, 500], log1p: true }) },
];

/** Frees what a kernel left on the device (resident results). */
function release(out: unknown): void {
  const o = out as { free?: () => void; X?: { free?: () => void } };
  if (isHandle(out)) o.free!();
  else if (o && typeof o === 'object' && o.X && isHandle(o.X)) o.X.free!();
}

function time(fn: () => unknown, sync: () => void, budgetMs = 1500): { median: number; min: number; max: number; runs: number } {
  release(fn());
  sync();
  const t: number[] = [];
  const start = performance.now();
  while (t.length < 3 || (t.length < 25 && performance.now() - start < budgetMs)) {
    const t0 = performance.now();
    const out = fn();
    sync();
    t.push(performance.now() - t0);
    release(out);
  }
  t.sort((a, b) => a - b);
  return { median: t[t.length >> 1]!, min: t[0]!, max: t[t.length - 1]!, runs: t.length };
}

describe.runIf(RUN)('cuda benchmarks (CELLKERNELS_CUDA_BENCH=1)', () => {
  it('times the cuda kernels against wasm simd-threads', { timeout: 1_200_000 }, async () => {
    const cuda = await loadCuda();
    if (!cuda.ok) throw new Error(`the device addon cannot run: ${cuda.reason}`);
    const mod: CudaModule = cuda.module;
    const threads = Math.min(64, os.availableParallelism());
    let wasm: { backend: Backend; module: KernelModule } | undefined;
    if (existsSync(new URL('../../build/wasm/ck-simd-threads.wasm', import.meta.url))) {
      const m = await loadVariant('simd-threads', { threads });
      wasm = { backend: createWasmBackend(m), module: m };
    }
    console.log(
      `host: node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}; cuda: ${mod.simdTarget}, ` +
        `${(mod.device.totalMemory / 2 ** 30).toFixed(0)} GiB; wasm: ${wasm ? `simd-threads × ${threads}` : 'not built'}; load ${os.loadavg()[0]!.toFixed(1)}`,
    );
    const datasets = [
      { name: 'mouse10k', x: await mouse10k() },
      { name: 'synthetic 100k × 20k', x: synthetic(100_000, 20_000, 500, 7) },
    ];
    const rows: string[] = ['| dataset | nnz | kernel | cuda resident ms | cuda + copies ms | wasm ms | wasm / cuda resident |', '|---|---|---|---|---|---|---|'];
    const fmt = (s: { median: number; min: number; max: number }) => `${s.median.toFixed(2)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;
    for (const d of datasets) {
      const h = cuda.backend.upload!(d.x);
      for (const c of CASES) {
        const resident = time(() => c.run(cuda.backend, h), () => mod.synchronize());
        const copies = time(() => c.run(cuda.backend, d.x), () => mod.synchronize());
        const w = wasm ? time(() => c.run(wasm.backend, d.x), () => {}) : undefined;
        rows.push(
          `| ${d.name} | ${d.x.nnz} | ${c.name} | ${fmt(resident)} | ${fmt(copies)} | ${w ? fmt(w) : '-'} | ${w ? (w.median / resident.median).toFixed(1) + '×' : '-'} |`,
        );
      }
      h.free();
    }
    console.log(rows.join('\n'));
    wasm?.module.shutdown();
    expect(mod.liveAllocations).toBe(0);
  });
});
