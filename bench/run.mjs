#!/usr/bin/env node
/**
 * cellkernels benchmark: every kernel × dataset × backend/variant, against scanpy (Numba) and the
 * same C++ compiled natively, each output checked against scanpy's before its time counts.
 *
 *   npm run bench:quick          mouse10k (real) + nb10k (synthetic 10k × 20k); < 2 min
 *   npm run bench                + nb100k (synthetic 100k × 20k, 138 M non-zeros)
 *   node bench/run.mjs --cold-only   cold starts only (nb10k; scanpy cache + JIT, every wasm/AS variant
 *                                    and js): results/cold-latest.{md,svg,json}, ~2 min
 *   node bench/run.mjs --huge        streaming on the SYNTHETIC 400k × 20k .h5ad (> 4 GB of CSR), cellkernels
 *                                    vs scanpy in memory: results/huge-latest.{md,json} (bench/lib/huge.mjs)
 *   node bench/run.mjs [--quick] [--datasets a,b] [--cases log1p,sum.axis0] [--configs simd-threads,js,scran.js]
 *                      [--no-cold] [--no-memory] [--budget s] [--py-budget s] [--min-reps n]
 *                      [--threads 1,2] [--name latest-100k]  (results/<name>.{md,svg,json}) [--block-rows n] (--huge)
 *
 * Steps (each prerequisite is created when missing): build/wasm (npm run build), the pinned
 * Python venv (bench/reference/setup-venv.sh), the datasets (bench/lib/datasets.mjs), the native
 * addon (bench/native/build.mjs), then bench/python/bench_scanpy.py per dataset (scanpy timings and
 * reference outputs) and bench/node/worker.mjs per backend configuration (checks and timings), and
 * finally bench/results/<date>-<host>.json, bench/results/latest{,-quick}.{md,svg,json}, and the table on
 * stdout. Nothing timed runs in parallel: every timed process gets the machine alone (other users
 * of the machine still disturb it: the load average at start and end is recorded); only the native
 * compile overlaps the dataset generation, before any timing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { DATASETS, DATA_DIR, REPO, BENCH, ensureDataset } from './lib/datasets.mjs';
import { transpileSrc } from './lib/transpile.mjs';
import { renderMarkdown, renderSvg } from './lib/report.mjs';

const argv = process.argv.slice(2);
const flag = (n) => argv.includes(`--${n}`);
const opt = (n, d) => {
  const i = argv.indexOf(`--${n}`);
  return i >= 0 && argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[i + 1] : d;
};
const quick = flag('quick');
const t0 = performance.now();
const log = (m) => console.log(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${m}`);
const THREADS = (opt('threads', '1,2')).split(',').map(Number);
const maxThreads = Math.max(...THREADS);

// --cold-only: the cold starts alone (cheap: nb10k, every wasm/AS variant and js, one call each)
const coldOnly = flag('cold-only');
const datasets = opt('datasets', quick ? 'mouse10k,nb10k' : coldOnly ? 'nb10k' : 'mouse10k,nb10k,nb100k').split(',');
// native-sse4 (128-bit, like wasm SIMD) in full runs only: it separates vector width from wasm overhead
const configs = opt('configs', coldOnly ? 'simd-threads,simd,scalar,as-simd,as-scalar,js' : `native,${quick ? '' : 'native-sse4,'}simd-threads,simd,scalar,as-simd,as-scalar,js,scran.js`).split(',');
const cases = opt('cases', '');
const nodeBudget = Number(opt('budget', quick || coldOnly ? (coldOnly ? 0 : 0.05) : 1));
const nodeMinReps = Number(opt('min-reps', coldOnly ? 1 : quick ? 2 : 5));
const pyBudget = Number(opt('py-budget', quick || coldOnly ? 0 : 1.5));
// every configuration runs on these; the others get only native and simd-threads (bench:quick's time limit)
const wideDatasets = quick ? ['mouse10k'] : null;
const loadStart = os.loadavg();

// ------------------------------------------------------------------ prerequisites
function sh(cmd, args, o = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: REPO, ...o });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status})`);
}
if (!existsSync(join(REPO, 'build', 'wasm', 'ck-simd.wasm'))) {
  log('build/wasm is missing: npm run build');
  sh('npm', ['run', 'build']);
}
const PY = join(BENCH, 'reference', '.venv', 'bin', 'python');
if (!existsSync(PY)) {
  log('the reference venv is missing: bench/reference/setup-venv.sh');
  sh('bash', [join(BENCH, 'reference', 'setup-venv.sh')]);
}
{
  const nT = transpileSrc();
  if (nT) log(`transpiled ${nT} changed source file(s) of src/ for the harness`);
}
if (flag('huge')) {
  // the streaming benchmark on the SYNTHETIC matrix larger than the 4 GB wasm heap, alone
  const { runHuge } = await import('./lib/huge.mjs');
  runHuge({ PY, log, argv, t0 });
  process.exit(0);
}
// The native compile (~10–30 s on a fresh clone, 2 compilers) runs in a child process while this
// one generates the datasets (one JS thread); it is awaited before anything is timed.
const nativeBuilds = {};
const nativeFlavors = ['native', 'native-sse4'].filter((c) => configs.includes(c));
const nativePending = (async () => {
  for (const flavor of nativeFlavors) {
    const r = await new Promise((resolve) => {
      const p = spawn(process.execPath, [join(BENCH, 'native', 'build.mjs'), flavor === 'native' ? 'native' : 'sse4'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '', err = '';
      p.stdout.on('data', (b) => (out += b));
      p.stderr.on('data', (b) => (err += b));
      p.on('close', (code) => resolve({ code, out, err }));
    });
    const lines = r.out.trim().split('\n');
    try {
      if (r.code !== 0) throw new Error((r.err || r.out).trim().split('\n').slice(-3).join(' '));
      nativeBuilds[flavor] = JSON.parse(lines.pop());
      for (const l of lines) if (l) log(l);
    } catch (e) {
      nativeBuilds[flavor] = { error: String(e.message).split('\n').slice(0, 3).join(' ') };
      log(`${flavor} build failed: ${nativeBuilds[flavor].error}`);
    }
  }
})();
for (const d of datasets) {
  if (DATASETS[d]?.huge) throw new Error(`${d} is the streaming dataset: node bench/run.mjs --huge`);
  ensureDataset(d, log);
}
const runnable = datasets;
await nativePending;
const native = nativeBuilds.native ?? null;

// ------------------------------------------------------------------ Python (scanpy + Numba)
const tmp = process.env.CK_BENCH_TMP ?? join(BENCH, 'results', 'tmp');
mkdirSync(tmp, { recursive: true });
const pyEnv = { ...process.env, NUMBA_NUM_THREADS: String(maxThreads), PYTHONWARNINGS: 'ignore' };
delete pyEnv.OPENBLAS_CORETYPE;
delete pyEnv.OPENBLAS_L2_SIZE;
const python = {};
let pyVersionsAll = {};
{
  const out = join(tmp, 'py.json');
  const cold = flag('no-cold') || quick ? 'none' : 'both';
  const memory = !flag('no-memory') && !quick && !coldOnly;
  log(`scanpy on ${runnable.join(', ')} (cold starts: ${cold}${memory ? `; memory on ${runnable[runnable.length - 1]}` : ''})`);
  // --cold-only: scanpy's warm time at 1 thread (one repetition) beside its cold starts
  const a = ['bench/python/bench_scanpy.py', '--dataset', runnable.join(','), '--out', out, '--threads', coldOnly ? '1' : THREADS.join(','), '--budget', String(pyBudget), '--min-reps', String(coldOnly ? 1 : quick ? 2 : 3), '--cold', cold];
  if (memory) a.push('--memory');
  if (coldOnly) a.push('--no-numba', '--quick');
  if (quick) a.push('--numba-threads', String(maxThreads), '--quick');
  if (cases) a.push('--cases', cases);
  const r = spawnSync(PY, a, { cwd: REPO, env: pyEnv, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error('bench_scanpy.py failed');
  const res = JSON.parse(readFileSync(out, 'utf8'));
  pyVersionsAll = res.versions;
  for (const d of runnable) python[d] = { ...res.datasets[d], versions: res.versions };
}

// ------------------------------------------------------------------ Node (cellkernels)
const runs = [];
for (const c of configs) {
  if (c.startsWith('native') && (!nativeBuilds[c] || nativeBuilds[c].error)) continue;
  if (c === 'scran.js') continue;
  // quick: native and simd-threads at 2 threads only (the headline ratios); full: 1 and 2
  const ts = c === 'simd-threads' || c.startsWith('native') ? (quick || coldOnly ? [maxThreads] : THREADS) : [1];
  for (const t of ts) runs.push({ config: c, threads: t });
}
const node = [];
for (const r of runs) {
  const out = join(tmp, `node-${r.config}-${r.threads}.json`);
  const headline = r.config.startsWith('native') || r.config === 'simd-threads';
  const ds = headline || !wideDatasets ? runnable : runnable.filter((d) => wideDatasets.includes(d));
  if (!ds.length) continue;
  const a = ['bench/node/worker.mjs', '--config', r.config, '--threads', String(r.threads), '--datasets', ds.join(','), '--out', out, '--budget', String(nodeBudget), '--min-reps', String(nodeMinReps)];
  if (cases) a.push('--cases', cases);
  if (quick) a.push('--slow', '1');
  log(`cellkernels ${r.config}×${r.threads}`);
  const p = spawnSync(process.execPath, a, { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'], timeout: (quick ? 300 : 3600) * 1000, killSignal: 'SIGKILL' });
  if (p.status !== 0) {
    node.push({ ...r, error: p.signal ? `worker killed (${p.signal}) after the time limit` : `worker exited with ${p.status}` });
    continue;
  }
  node.push(JSON.parse(readFileSync(out, 'utf8')));
}
// scran.js (npm, bench/package.json): its own init, the steps it shares with cellkernels
const scranRuns = [];
if (configs.includes('scran.js') || (!argv.includes('--configs') && !coldOnly)) {
  let why = null;
  if (!existsSync(join(BENCH, 'node_modules', 'scran.js', 'package.json'))) {
    log('installing scran.js (bench/package.json)');
    const p = spawnSync('npm', ['install', '--prefix', BENCH, '--no-audit', '--no-fund'], { cwd: BENCH, stdio: 'inherit' });
    if (p.status !== 0) why = 'npm install --prefix bench failed (offline?)';
  }
  for (const t of why ? [] : quick ? [maxThreads] : THREADS) {
    const out = join(tmp, `scran-${t}.json`);
    log(`scran.js ×${t}`);
    const p = spawnSync(process.execPath, ['bench/node/scran.mjs', '--threads', String(t), '--datasets', runnable.join(','), '--out', out, '--budget', String(nodeBudget), '--min-reps', String(nodeMinReps)], { cwd: REPO, stdio: 'inherit', timeout: (quick ? 300 : 3600) * 1000, killSignal: 'SIGKILL' });
    if (p.status === 0) scranRuns.push(JSON.parse(readFileSync(out, 'utf8')));
    else scranRuns.push({ config: 'scran.js', threads: t, error: `exited with ${p.status ?? p.signal}` });
  }
  if (why) scranRuns.push({ config: 'scran.js', error: why });
}

const memory = [];
if (!flag('no-memory') && !quick && !coldOnly) {
  const d = runnable[runnable.length - 1];
  for (const config of ['simd-threads', 'native'].filter((c) => configs.includes(c))) {
    if (config === 'native' && (!native || native.error)) continue;
    const out = join(tmp, `mem-${config}.json`);
    log(`memory: cellkernels ${config}×${maxThreads} pipeline on ${d}`);
    const p = spawnSync(process.execPath, ['--expose-gc', 'bench/node/worker.mjs', '--config', config, '--threads', String(maxThreads), '--datasets', d, '--out', out, '--memory'], { cwd: REPO, stdio: 'inherit', timeout: 1800 * 1000, killSignal: 'SIGKILL' });
    if (p.status === 0) memory.push(JSON.parse(readFileSync(out, 'utf8')));
  }
}

// ------------------------------------------------------------------ report
const cpus = os.cpus();
const pyVersions = pyVersionsAll;
const host = {
  hostname: os.hostname(),
  cpu: cpus[0]?.model,
  cores: os.availableParallelism?.() ?? cpus.length,
  memoryGB: +(os.totalmem() / 2 ** 30).toFixed(1),
  os: `${os.type()} ${os.release()}`,
  node: process.version,
  python: pyVersions.python,
  scanpy: pyVersions.scanpy,
  numba: pyVersions.numba,
  numpy: pyVersions.numpy,
  'fast-array-utils': pyVersions['fast-array-utils'],
  numbaThreadingLayer: pyVersions.numba_threading_layer_env,
  nativeCompiler: native?.compiler,
  nativeFlags: native?.flags,
  nativeSse4Flags: nativeBuilds['native-sse4']?.flags,
  nativeTarget: node.find((n) => n.config === 'native')?.simdTarget,
  wasmTarget: node.find((n) => n.config === 'simd' || n.config === 'simd-threads')?.simdTarget,
  loadAverageStart: loadStart.map((x) => +x.toFixed(2)),
  loadAverageEnd: os.loadavg().map((x) => +x.toFixed(2)),
};
const manifests = Object.fromEntries(runnable.map((d) => [d, JSON.parse(readFileSync(join(DATA_DIR, d, 'manifest.json'), 'utf8'))]));
const result = {
  format: 1,
  date: new Date().toISOString(),
  mode: coldOnly ? 'cold' : quick ? 'quick' : 'full',
  command: `node bench/run.mjs ${argv.join(' ')}`.trim(),
  host,
  threads: THREADS,
  datasets: Object.fromEntries(Object.entries(manifests).map(([d, m]) => [d, { label: m.label, synthetic: m.synthetic, shape: m.shape, nnz: m.nnz, density: m.density }])),
  native: nativeBuilds,
  python,
  node,
  scran: scranRuns,
  memory,
  seconds: +((performance.now() - t0) / 1000).toFixed(1),
};
const dir = join(BENCH, 'results');
const stamp = result.date.slice(0, 16).replace(/:/g, '');  // 2026-11-22T0119: one file per run
const file = join(dir, `${stamp}-${os.hostname()}${coldOnly ? '-cold' : quick ? '-quick' : ''}.json`);
writeFileSync(file, JSON.stringify(result, null, 1));
// full runs write latest.*; quick runs latest-quick.* (so a quick run does not replace the full table)
const base = join(dir, opt('name', coldOnly ? 'cold-latest' : quick ? 'latest-quick' : 'latest'));
writeFileSync(`${base}.json`, JSON.stringify(result, null, 1));
const md = renderMarkdown(result);
writeFileSync(`${base}.md`, md);
writeFileSync(`${base}.svg`, renderSvg(result));
console.log('\n' + md);
log(`wrote ${file.replace(REPO + '/', '')} and ${base.replace(REPO + '/', '')}.{md,svg,json} in ${result.seconds} s`);
