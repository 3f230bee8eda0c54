/**
 * `node bench/run.mjs --huge`: the streaming benchmark on a SYNTHETIC matrix larger than the 4 GB
 * wasm heap (nb400k: 400,000 × 20,000, 552 M non-zeros, 4.4 GB of CSR data + indices).
 *
 *   1. bench/data/nb400k/nb400k.h5ad from nb100k tiled 4× with genes rotated per tile
 *      (bench/python/huge.py make; nb100k is generated first when missing, ~7.5 min)
 *   2. scanpy reads the whole file into memory and runs qc → normalize_total → log1p → mean_var
 *      (bench/python/huge.py scanpy): time, peak RSS, reference outputs
 *   3. cellkernels streams the file in row blocks (openH5ad + streamPipeline, what
 *      `cellkernels run --stream` runs), checks every output against scanpy's (bench/node/huge.mjs)
 *   4. bench/results/huge-latest.{md,json} and bench/results/<date>-<host>-huge.json
 * Each side runs alone (one process after the other); neither is ever given more than the data.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { BENCH, DATA_DIR, REPO, ensureDataset } from './datasets.mjs';

const TILES = 4;

function hugeManifest(dir) {
  const f = join(dir, 'manifest.json');
  if (!existsSync(f)) return null;
  const m = JSON.parse(readFileSync(f, 'utf8'));
  const h5 = join(dir, m.file ?? 'nb400k.h5ad');
  if (!existsSync(h5) || statSync(h5).size !== m.fileBytes || m.tiles !== TILES) return null;
  return m;
}

/** Makes (or finds) the huge .h5ad; returns its manifest. */
export function ensureHuge(PY, log) {
  const dir = join(DATA_DIR, 'nb400k');
  const src = ensureDataset('nb100k', log);
  let m = hugeManifest(dir);
  if (m && JSON.stringify(m.source?.key) === JSON.stringify(src.key) && m.source?.generatedAt === src.generatedAt) return m;
  log(`nb400k: writing ${join(dir, 'nb400k.h5ad').replace(REPO + '/', '')} (nb100k tiled ${TILES}×, ~4.4 GB)`);
  mkdirSync(dir, { recursive: true });
  const r = spawnSync(PY, ['bench/python/huge.py', 'make', '--src', join(DATA_DIR, 'nb100k'), '--tiles', String(TILES), '--out', dir], { cwd: REPO, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('bench/python/huge.py make failed');
  m = hugeManifest(dir);
  if (!m) throw new Error('nb400k: manifest missing after huge.py make');
  log(`nb400k: ${m.shape.join(' × ')}, nnz ${m.nnz.toLocaleString('en')}, ${(m.fileBytes / 1e9).toFixed(2)} GB in ${m.generationSeconds} s`);
  return m;
}

const f1 = (x) => (x === undefined || x === null ? '—' : x.toFixed(1));
const f0 = (x) => (x === undefined || x === null ? '—' : x.toFixed(0));
const f2 = (x) => (x === undefined || x === null ? '—' : x.toFixed(2));

export function renderHugeMarkdown(res) {
  const { dataset: d, scanpy: p, cellkernels: c, host: h } = res;
  const L = [];
  L.push(`# Streaming beyond the 4 GB wasm heap — **SYNTHETIC data** (${res.date.slice(0, 16).replace('T', ' ')} UTC)`);
  L.push('');
  L.push(`> **Synthetic dataset**: ${d.label}. ${d.shape[0].toLocaleString('en')} cells × ${d.shape[1].toLocaleString('en')} genes, ${d.nnz.toLocaleString('en')} non-zeros (${(100 * d.density).toFixed(2)} %), CSR data + indices = ${(d.csrBytes / 2 ** 30).toFixed(2)} GiB (> 4 GiB, the most a wasm32 heap can hold); \`${d.file}\` ${(d.fileBytes / 1e9).toFixed(2)} GB, uncompressed. Not real cells: every cell of nb100k appears ${d.tiles} times, with its genes rotated by a different offset per copy.`);
  L.push('');
  L.push(`Host: ${h.cpu}, ${h.cores} cores, ${h.memoryGB} GB; Node ${h.node}; Python ${p.versions.python}, scanpy ${p.versions.scanpy}, anndata ${p.versions.anndata}, numba ${p.versions.numba}. Load average (1/5/15 min) at start ${h.loadAverageStart.join(' / ')}, at end ${h.loadAverageEnd.join(' / ')} (shared 2-core machine: timings are rough). Command: \`${res.command}\`.`);
  L.push('');
  L.push('Same work on both sides: per-cell QC metrics (`calculate_qc_metrics`, qc_vars mt + ribo, percent_top 50/100/200/500, log1p columns) and per-gene QC columns → `normalize_total(target_sum=1e4)` → `log1p` → per-gene mean and variance (ddof 1) of the result.');
  L.push('');
  L.push(`- **cellkernels**: \`openH5ad\` (cellkernels/io, h5wasm reading the file in place) + \`streamPipeline\` (src/pipeline, what \`cellkernels run --stream\` runs) with steps qc, normalize, log1p: ${c.blocks} row blocks of ≤ ${c.blockRows.toLocaleString('en')} cells, ${c.passes} pass; backend ${c.runtime.backend} ${c.runtime.variant ?? ''} × ${c.runtime.threads} threads; gene mean/variance merged over blocks in float64 (Chan et al.).`);
  L.push(`- **scanpy**: \`sc.read_h5ad\` of the whole file into memory, then the calls in place, Numba ${p.threads} threads (kernels warmed on a 2,000-cell slice first, so no JIT time is counted).`);
  L.push('');
  L.push('| | cellkernels (streaming) | scanpy (in memory) | scanpy ÷ cellkernels |');
  L.push('|---|--:|--:|--:|');
  const cs = c.ms.stream / 1000;
  const cTotal = c.ms.total / 1000;
  L.push(`| read + compute, s | ${f1(cs)} | ${f1(p.totalSeconds)} | ${f2(p.totalSeconds / cs)}× |`);
  const stepMs = Object.fromEntries(c.steps.map((s) => [s.step, s.ms / 1000]));
  const ckCompute = ['qc', 'normalize', 'log1p'].reduce((s, k) => s + (stepMs[k] ?? 0), 0);
  L.push(`| of which reading the file, s | ${f1(stepMs.read)} | ${f1(p.seconds.read)} | |`);
  L.push(`| compute only (without reading), s | ${f1(cs - stepMs.read)} | ${f1(p.computeSeconds)} | ${f2(p.computeSeconds / (cs - stepMs.read))}× |`);
  L.push(`| qc, s | ${f1(stepMs.qc)} | ${f1(p.seconds.qc)} | ${f2(p.seconds.qc / stepMs.qc)}× |`);
  L.push(`| normalize, s | ${f1(stepMs.normalize)} | ${f1(p.seconds.normalize)} | ${f2(p.seconds.normalize / stepMs.normalize)}× |`);
  L.push(`| log1p, s | ${f1(stepMs.log1p)} | ${f1(p.seconds.log1p)} | ${f2(p.seconds.log1p / stepMs.log1p)}× |`);
  L.push(`| mean/var (cellkernels: + block upload/download, merging, bookkeeping), s | ${f1(cs - stepMs.read - ckCompute)} | ${f1(p.seconds.meanVar)} | |`);
  L.push(`| throughput (read + compute) | ${(c.throughput.nnzPerS / 1e6).toFixed(1)} M nnz/s, ${f0(c.throughput.cellsPerS)} cells/s, ${f0(c.throughput.csrMBPerS)} MiB/s of CSR | ${(d.nnz / p.totalSeconds / 1e6).toFixed(1)} M nnz/s | |`);
  L.push(`| peak RSS, MB | ${f0(c.memory.peakRssMB)} | ${f0(p.rssMB.peak)} | ${f2(p.rssMB.peak / c.memory.peakRssMB)}× |`);
  L.push(`| kernel wasm heap (peak), MB | ${f0(c.memory.wasmHeapMB)} | — | |`);
  L.push(`| h5wasm heap (peak), MB | ${f0(c.memory.hdf5HeapMB)} | — | |`);
  L.push('');
  L.push(`cellkernels also spent ${f2(c.ms.init / 1000)} s in \`init()\` and ${f2(c.ms.open / 1000)} s opening the file (obs/var names: 400k + 20k strings), ${f1(cTotal)} s in all; the per-step times are the library's own (\`StreamResult.steps\`: ${c.steps.map((s) => `${s.step} ${f1(s.ms / 1000)} s`).join(', ')}), the gene statistics and the block upload/download fall outside them. scanpy's RSS: ${f0(p.rssMB.afterImport)} MB after import, ${f0(p.rssMB.afterRead)} MB after reading.`);
  L.push('');
  L.push(`## Correctness (every output against scanpy's on the same file): ${res.cellkernels.allOk ? `**all ${c.checks.length} match**` : '**MISMATCH**'}`);
  L.push('');
  L.push('Tolerances from src/testing/tolerance.ts: integer columns exact; float columns as reductions at float32 (64·eps32·max(|ref|, 1)); worst = the largest error as a fraction of its tolerance.');
  L.push('');
  L.push('| output | rule | worst | ok |');
  L.push('|---|---|--:|:-:|');
  for (const k of c.checks) L.push(`| ${k.name} | ${k.kind ?? '—'} | ${k.worstRatio === undefined ? '—' : k.worstRatio.toExponential(2)} | ${k.ok ? 'yes' : `**no**: ${k.message}`} |`);
  L.push('');
  return L.join('\n');
}

/** Runs the huge benchmark end to end; returns the result object (and writes the files). */
export function runHuge({ PY, log, argv, t0 }) {
  const loadStart = os.loadavg();
  const d = ensureHuge(PY, log);
  const h5 = join(DATA_DIR, 'nb400k', d.file);
  const tmp = process.env.CK_BENCH_TMP ?? join(BENCH, 'results', 'tmp');
  const refdir = join(tmp, 'huge-ref');
  mkdirSync(refdir, { recursive: true });
  const pyOut = join(tmp, 'huge-scanpy.json');
  const nodeOut = join(tmp, 'huge-cellkernels.json');
  const env = { ...process.env, NUMBA_NUM_THREADS: '2', PYTHONWARNINGS: 'ignore' };
  log('scanpy: read the whole file, qc → normalize_total → log1p → mean_var (in memory)');
  let r = spawnSync(PY, ['bench/python/huge.py', 'scanpy', '--file', h5, '--out', pyOut, '--refdir', refdir, '--threads', '2'], { cwd: REPO, env, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`huge.py scanpy failed (${r.status ?? r.signal})`);
  log('cellkernels: streamPipeline over row blocks (qc, normalize, log1p, gene mean/var)');
  const a = ['bench/node/huge.mjs', '--file', h5, '--refdir', refdir, '--ref', pyOut, '--out', nodeOut];
  const br = argv.indexOf('--block-rows');
  if (br >= 0) a.push('--block-rows', argv[br + 1]);
  r = spawnSync(process.execPath, a, { cwd: REPO, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`bench/node/huge.mjs failed (${r.status ?? r.signal})`);
  const cpus = os.cpus();
  const res = {
    format: 1,
    date: new Date().toISOString(),
    mode: 'huge',
    command: `node bench/run.mjs ${argv.join(' ')}`.trim(),
    host: {
      hostname: os.hostname(), cpu: cpus[0]?.model, cores: os.availableParallelism?.() ?? cpus.length, memoryGB: +(os.totalmem() / 2 ** 30).toFixed(1),
      os: `${os.type()} ${os.release()}`, node: process.version,
      loadAverageStart: loadStart.map((x) => +x.toFixed(2)), loadAverageEnd: os.loadavg().map((x) => +x.toFixed(2)),
    },
    dataset: { ...d, file: h5.replace(REPO + '/', '') },
    scanpy: JSON.parse(readFileSync(pyOut, 'utf8')),
    cellkernels: JSON.parse(readFileSync(nodeOut, 'utf8')),
    seconds: +((performance.now() - t0) / 1000).toFixed(1),
  };
  const dir = join(BENCH, 'results');
  const stamp = res.date.slice(0, 16).replace(/:/g, '');
  writeFileSync(join(dir, `${stamp}-${os.hostname()}-huge.json`), JSON.stringify(res, null, 1));
  writeFileSync(join(dir, 'huge-latest.json'), JSON.stringify(res, null, 1));
  const md = renderHugeMarkdown(res);
  writeFileSync(join(dir, 'huge-latest.md'), md);
  console.log('\n' + md);
  log(`wrote bench/results/${stamp}-${os.hostname()}-huge.json and bench/results/huge-latest.{md,json}`);
  return res;
}

// node bench/lib/huge.mjs <huge-result.json>: re-renders the Markdown next to it
import { fileURLToPath } from 'node:url';
if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2]) {
  const r = JSON.parse(readFileSync(process.argv[2], 'utf8'));
  const md = renderHugeMarkdown(r);
  writeFileSync(process.argv[2].replace(/\.json$/, '.md'), md);
  console.log(md);
}
