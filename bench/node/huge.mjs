/**
 * cellkernels' side of the streaming benchmark on the dataset larger than the 4 GB wasm heap
 * (bench/data/nb400k/nb400k.h5ad, SYNTHETIC): `openH5ad` (cellkernels/io) and `streamPipeline`
 * (src/pipeline, what `cellkernels run --stream` runs) over row blocks — qc → normalize
 * (target_sum 1e4) → log1p, per-gene mean/variance of the result merged across blocks — then
 * every output is compared with scanpy's (bench/python/huge.py scanpy) using
 * src/testing/tolerance.ts. Run by `node bench/run.mjs --huge`; writes JSON to --out.
 *
 *   node bench/node/huge.mjs --file bench/data/nb400k/nb400k.h5ad --refdir DIR --ref r.json --out o.json [--block-rows n]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BENCH, REPO } from '../lib/datasets.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => {
    if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : 'true']);
    return acc;
  }, []),
);
const B = join(BENCH, '.build', 'src');
const imp = (p) => import(pathToFileURL(join(B, p)).href);
const ck = await imp('index.js');
const { openH5ad } = await imp('io/index.js');
const { streamPipeline } = await imp('pipeline/index.js');
const { compareArrays } = await imp('testing/tolerance.js');

function statusKb(key) {
  const m = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : 0;
}
function typed(file, dtype) {
  const b = readFileSync(file);
  const C = { f64: Float64Array, f32: Float32Array, i32: Int32Array, u8: Uint8Array }[dtype];
  return new C(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

const loadAverageStart = os.loadavg();
const rssStartMB = statusKb('VmRSS') / 1024;
const t0 = performance.now();
await ck.init({ wasmPaths: join(REPO, 'build', 'wasm') + '/', backends: ['wasm', 'as'] });
const initMs = performance.now() - t0;
const info = ck.info();
const t1 = performance.now();
const file = await openH5ad(args.file);
const openMs = performance.now() - t1;
let lastLog = performance.now();
const opts = {
  steps: ['qc', 'normalize', 'log1p'],
  normalize: { targetSum: 1e4 },
  onProgress: (e) => {
    if (e.phase === 'progress' && performance.now() - lastLog > 15000) {
      lastLog = performance.now();
      console.log(`[huge] ${e.step}: ${e.done}/${e.total} blocks`);
    }
  },
};
if (args['block-rows']) opts.blockRows = Number(args['block-rows']);
const t2 = performance.now();
const r = await streamPipeline(file, opts);
const streamMs = performance.now() - t2;
const totalMs = performance.now() - t0;
const peakRssMB = statusKb('VmHWM') / 1024;

// ------------------------------------------------------------------ correctness against scanpy
const ref = JSON.parse(readFileSync(args.ref, 'utf8'));
const checks = [];
for (const [name, meta] of Object.entries(ref.refs)) {
  const [part, col] = name.split(/\.(.+)/);
  const out = part === 'obs' ? r.obs.columns[col] : part === 'var' ? r.var.columns[col] : r.geneStats[col];
  const want = typed(join(args.refdir, meta.file), meta.dtype);
  if (!out) {
    checks.push({ name, ok: false, message: 'no such output' });
    continue;
  }
  const exact = meta.dtype === 'i32' || meta.dtype === 'u8';
  const c = compareArrays(Float64Array.from(out, Number), Float64Array.from(want, Number), exact ? 'exact' : 'reduction', exact ? 'f64' : 'f32');
  checks.push({ name, ok: c.ok, kind: exact ? 'exact' : 'reduction f32', worstRatio: c.worstRatio, ...(c.ok ? {} : { message: c.message }) });
}
const [nCells, nGenes] = file.shape;
const nnz = file.X.stored;
const res = {
  file: args.file,
  shape: [nCells, nGenes],
  nnz,
  csrBytes: nnz * 8,
  runtime: { backend: info.backend, variant: info.variant, threads: info.threads, simdTarget: info.simdTarget ?? null, node: process.version },
  blocks: r.blocks,
  blockRows: r.blockRows,
  passes: r.passes,
  ms: { init: initMs, open: openMs, stream: streamMs, total: totalMs },
  steps: r.steps.map((s) => ({ step: s.step, ms: s.ms, backend: s.backend, note: s.note })),
  throughput: { cellsPerS: nCells / (streamMs / 1000), nnzPerS: nnz / (streamMs / 1000), csrMBPerS: (nnz * 8) / 2 ** 20 / (streamMs / 1000) },
  memory: {
    wasmHeapMB: r.memory.wasmHeap / 2 ** 20,
    hdf5HeapMB: r.memory.hdf5Heap / 2 ** 20,
    trackerPeakRssMB: r.memory.rss / 2 ** 20,
    arrayBuffersMB: r.memory.arrayBuffers / 2 ** 20,
    rssStartMB,
    peakRssMB,
    note: 'wasmHeap = sum of the loaded kernel modules\' WebAssembly.Memory sizes (never shrinks: the peak); peakRss = VmHWM of the Node process',
  },
  summary: r.summary,
  checks,
  allOk: checks.length > 0 && checks.every((c) => c.ok),
  loadAverageStart,
  loadAverageEnd: os.loadavg(),
};
writeFileSync(args.out, JSON.stringify(res, null, 1));
console.log(`[huge] cellkernels: ${(streamMs / 1000).toFixed(1)} s streaming, ${r.blocks} blocks, wasm heap ${res.memory.wasmHeapMB.toFixed(0)} MB, peak RSS ${peakRssMB.toFixed(0)} MB; checks ${checks.filter((c) => c.ok).length}/${checks.length} ok`);
ck.shutdown?.();
process.exit(0);
