#!/usr/bin/env node
/**
 * Paired timing of the wasm build against the same C++ compiled natively, in ONE process with
 * the calls interleaved, for the "within 1.3× of native" target of the preprocessing issue.
 *
 * bench/run.mjs times each configuration in its own process, minutes apart; on this shared
 * machine the host's speed drifts by ±30 % over such spans, so a ratio of two of its columns
 * carries that drift. Here every repetition runs each configuration once, back to back, in an
 * order that alternates (A B, then B A, …), and each wasm time is divided by the native time of
 * the same repetition: the median of those paired ratios is what is reported, with its
 * quartiles. Inputs are resident in every configuration (uploaded once, not timed), and each
 * configuration's first call is checked against scanpy's reference outputs before any timing
 * (the gate of bench/run.mjs, bench/lib/check.mjs): a wrong result gets no time.
 *
 *   node bench/paired.mjs [--dataset nb100k] [--threads 2] [--pairs 9] [--cases log1p,scale]
 *                         [--configs native,native-sse4|none] [--name paired-100k]
 *                         [--baseline DIR] [--scanpy]
 *
 * Needs what bench/run.mjs prepares: the dataset and its scanpy reference outputs
 * (bench/data/<dataset>/ref; `node bench/run.mjs --datasets nb100k` makes them), the wasm build
 * (npm run build) and the native addons (node bench/native/build.mjs [sse4]). Writes
 * bench/results/<name>.{md,json}.
 *
 * --baseline DIR adds another simd-threads build (DIR holds its ck-simd-threads.{js,wasm}, e.g.
 * a copy of build/wasm made before a change) as a configuration "wasm-base", timed the same way:
 * the column "wasm ÷ wasm-base" is a change's effect measured without the host's drift.
 *
 * --scanpy adds scanpy itself as a configuration, for the issue's speed-up targets: a Python
 * process (bench/python/bench_scanpy.py --serve, in the reference venv) holds the dataset and
 * times one scanpy call per request (its own clock, its setup untimed, Numba at --threads
 * threads), and the repetitions interleave those calls with ours exactly as above; the column
 * "scanpy ÷ wasm" is the median speed-up of the same repetition. Only one side runs at a time;
 * with --scanpy every timed call starts after a 30 ms pause, so that neither side's idle threads
 * are still spinning in the other's time. scanpy's first call (Numba compiling or loading its
 * cache) is not timed.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CASES } from './lib/cases.mjs';
import { checkOutputs, inputValues } from './lib/check.mjs';
import { BENCH, DATA_DIR, REPO, readDataset } from './lib/datasets.mjs';
import { loadNative } from './lib/native.mjs';
import { meetsSpeedup, speedupTarget } from './lib/report.mjs';
import { transpileSrc } from './lib/transpile.mjs';

const argv = process.argv.slice(2);
const opt = (n, d) => {
  const i = argv.indexOf(`--${n}`);
  return i >= 0 && argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[i + 1] : d;
};
const dataset = opt('dataset', 'nb100k');
const threads = Number(opt('threads', '2'));
const pairs = Number(opt('pairs', '9'));
const configsOpt = opt('configs', 'native,native-sse4');
const natives = configsOpt === 'none' ? [] : configsOpt.split(',');
const withScanpy = argv.includes('--scanpy');
const name = opt('name', `paired-${dataset}`);
const baseline = opt('baseline', null);
const TARGET_CASES = 'log1p,normalizeTotal+log1p,scale,hvg.seurat,hvg.cell_ranger,hvg.seurat_v3,normalizeTotal,meanVar.axis0,nnzCount.axis0,filterCells,filterGenes,qcMetrics';
const wantCases = opt('cases', TARGET_CASES).split(',');
for (const n of natives) if (n !== 'native' && n !== 'native-sse4') throw new Error(`--configs: ${n} is not native or native-sse4`);
for (const c of wantCases) if (!CASES.some((k) => k.id === c)) throw new Error(`--cases: no case "${c}" (bench/lib/cases.mjs)`);

transpileSrc();
const B = join(BENCH, '.build', 'src');
const imp = (p) => import(pathToFileURL(join(B, p)).href);
const ck = await imp('index.js');
const { loadVariant } = await imp('runtime/load.js');
const { KernelModule } = await imp('runtime/module.js');
const { createWasmBackend, ABI_KERNELS } = await imp('backends/wasm/index.js');
const { createAbiBackend } = await imp('backends/wasm/abi.js');
const { installBackend, registerBackend } = await imp('dispatch/index.js');
const { compareArrays } = await imp('testing/tolerance.js');

// Backends: 'wasm' is simd-threads; each native build is a backend of its own name over the
// same adapters (a registered third-party backend, so dispatch routes to it by name).
const wasmMod = await loadVariant('simd-threads', { threads, wasmPaths: join(REPO, 'build', 'wasm') + '/' });
installBackend(createWasmBackend(wasmMod));
const exits = [];
for (const n of natives) {
  const { mod, exit } = loadNative(n, threads, KernelModule);
  registerBackend(createAbiBackend(n, mod, ABI_KERNELS), { trusted: true });
  exits.push(exit);
}
let baseMod = null;
if (baseline) {
  baseMod = await loadVariant('simd-threads', { threads, wasmPaths: baseline.replace(/\/?$/, '/') });
  registerBackend(createAbiBackend('wasm-base', baseMod, ABI_KERNELS), { trusted: true });
  natives.push('wasm-base');
}
const configs = [...natives, 'wasm'];
const label = (b) => (b === 'wasm' ? 'simd-threads' : b);

/** The --scanpy server: `py.time(caseId)` → ms of one scanpy call (see the header). */
const py = withScanpy ? await startScanpy() : null;
async function startScanpy() {
  const exe = join(BENCH, 'reference', '.venv', 'bin', 'python');
  if (!existsSync(exe)) throw new Error('--scanpy needs the reference venv: bash bench/reference/setup-venv.sh');
  const env = { ...process.env, NUMBA_NUM_THREADS: String(threads), PYTHONWARNINGS: 'ignore' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const args = ['bench/python/bench_scanpy.py', '--serve', '--dataset', dataset, '--out', '/dev/null', '--threads', String(threads), '--cases', wantCases.join(',')];
  const child = spawn(exe, args, { cwd: REPO, env, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`bench_scanpy.py --serve ended (exit code ${child.exitCode})`);
    return JSON.parse(value);
  };
  const hello = await next();
  if (!hello.ready) throw new Error(`bench_scanpy.py --serve: unexpected first line ${JSON.stringify(hello)}`);
  return {
    versions: hello.versions,
    async time(caseId) {
      child.stdin.write(JSON.stringify({ case: caseId, threads }) + '\n');
      const r = await next();
      if (r.error) throw new Error(`scanpy: ${r.error}`);
      return r.ms;
    },
    stop: () => child.stdin.end(),
  };
}
const pause = () => new Promise((resolve) => setTimeout(resolve, 30));
/** Every timed configuration: the backends, then scanpy with --scanpy. */
const timed = py ? [...configs, 'scanpy'] : configs;

const d = readDataset(dataset);
const refDir = join(DATA_DIR, dataset, 'ref');
const refMan = JSON.parse(readFileSync(join(refDir, 'manifest.json'), 'utf8'));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const quartiles = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.round(p * (s.length - 1))];
  return [q(0.25), q(0.75)];
};

const log = (m) => process.stderr.write(`[paired] ${m}\n`);
log(`${dataset}, ${threads} threads, ${pairs} pairs, ${timed.map(label).join(' / ')}; load average ${loadavg()[0].toFixed(2)}`);
const started = performance.now();
const loadStart = loadavg();
const results = {};
let inputKind = null;
let handles = null;
for (const c of CASES.filter((k) => wantCases.includes(k.id))) {
  const refCase = refMan.cases[c.id];
  if (!refCase) {
    results[c.id] = { skipped: `no scanpy reference for ${c.id} on ${dataset}` };
    continue;
  }
  const kind = c.input ?? 'counts';
  if (kind !== inputKind) {
    // one resident input per backend at a time (counts and lognorm together would not fit)
    for (const h of Object.values(handles ?? {})) h.free();
    handles = null;
    inputKind = null;
    const data = inputValues(d, refDir, refMan, kind);
    if (!data) {
      results[c.id] = { skipped: 'no lognorm reference' };
      continue;
    }
    const X = new ck.CsrMatrix({ shape: d.manifest.shape, data, indices: d.indices, indptr: d.indptr });
    handles = Object.fromEntries(configs.map((b) => [b, ck.upload(X, { backend: b })]));
    inputKind = kind;
  }
  const ctx = { qcMask: d.qcMask };
  // c.fresh: a copy the call may overwrite, made before each call and not timed
  const fresh = (b) => (c.fresh ? c.fresh(handles[b]) : handles[b]);
  const call = (b, x) => c.run(ck, x, refCase.params, { backend: b, strict: true }, ctx);
  const entry = (results[c.id] = { ms: {}, ratio: {} });
  let wrong = null;
  for (const b of configs) {
    const r = call(b, fresh(b)); // the first call: checked, not timed (also the warm-up)
    const chk = checkOutputs(c, c.outputs(r, ck), refCase, refDir, compareArrays);
    c.release?.(r);
    if (!chk.ok) wrong = `${label(b)}: ${chk.message}`;
  }
  if (wrong) {
    results[c.id] = { wrong };
    log(`${c.id}: WRONG (${wrong})`);
    continue;
  }
  if (py) await py.time(c.id); // scanpy's first call: Numba compiles or loads its cache; not timed
  const times = Object.fromEntries(timed.map((b) => [b, []]));
  for (let p = 0; p < pairs; p++) {
    const order = p % 2 === 0 ? timed : [...timed].reverse();
    for (const b of order) {
      if (py) await pause();
      if (b === 'scanpy') {
        times.scanpy.push(await py.time(c.id));
        continue;
      }
      const x = fresh(b);
      const t = performance.now();
      const r = call(b, x);
      times[b].push(performance.now() - t);
      c.release?.(r);
    }
  }
  for (const b of timed) entry.ms[label(b)] = { median: median(times[b]), times: times[b].map((t) => +t.toFixed(3)) };
  for (const n of natives) {
    const ratios = times.wasm.map((t, i) => t / times[n][i]);
    entry.ratio[n] = { median: median(ratios), q: quartiles(ratios) };
  }
  if (py) {
    const speedups = times.scanpy.map((t, i) => t / times.wasm[i]);
    entry.speedup = { median: median(speedups), q: quartiles(speedups), target: speedupTarget(c.id) };
  }
  const ratioText = natives.length ? `; wasm ÷ ${natives.map((n) => `${n} ${entry.ratio[n].median.toFixed(2)}`).join(', ')}` : '';
  const speedText = py ? `; scanpy ÷ wasm ${entry.speedup.median.toFixed(2)}` : '';
  log(`${c.id}: ${timed.map((b) => `${label(b)} ${entry.ms[label(b)].median.toFixed(1)} ms`).join(', ')}${ratioText}${speedText}`);
}
for (const h of Object.values(handles ?? {})) h.free();

// ------------------------------------------------------------------ report
const seconds = (performance.now() - started) / 1000;
const cmd = `node bench/paired.mjs ${argv.join(' ')}`.trim();
const fmt = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const title = [...(natives.length ? ['wasm ÷ native'] : []), ...(py ? ['scanpy ÷ wasm'] : [])].join(', ');
const lines = [
  `# ${title}, paired (${dataset}, ${threads} threads, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC)`,
  '',
  `Host: ${cpus()[0]?.model}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GB; Node ${process.version}${py ? `; scanpy ${py.versions.scanpy}, numba ${py.versions.numba}` : ''}. Command: \`${cmd}\`; ${seconds.toFixed(0)} s. Load average at start ${loadStart.map((x) => x.toFixed(2)).join(' / ')}, at end ${loadavg().map((x) => x.toFixed(2)).join(' / ')}.`,
  '',
  `All configurations${py ? ' (scanpy in a Python process of its own, answering one timed call per request)' : ''} in one process, resident inputs, each case's calls interleaved (${pairs} repetitions, the order alternating${py ? ', a 30 ms pause before each call' : ''}), every first call checked against scanpy's outputs.` +
    (natives.length ? ` Ratio = the median over repetitions of (simd-threads time ÷ native time of the same repetition), [quartiles]. native = \`-march=native\` (AVX-512 here), native-sse4 = \`-march=x86-64-v2\` (Highway's SSE4 target: 128-bit vectors, like wasm SIMD). Target: ≤ 1.3.` : '') +
    (py ? ` Speed-up = the median over repetitions of (scanpy time ÷ simd-threads time of the same repetition), [quartiles]; target ≥ 2× for log1p, normalizeTotal+log1p, scale and highlyVariableGenes, > 1× for the rest.` : ''),
  '',
  `| case | ${timed.map((b) => `${label(b)} ms`).join(' | ')} |${natives.map((n) => ` wasm ÷ ${n} |`).join('')}${py ? ' speed-up vs scanpy |' : ''}`,
  `|---|${timed.map(() => '--:').join('|')}|${natives.map(() => '--:|').join('')}${py ? '--:|' : ''}`,
];
for (const [id, e] of Object.entries(results)) {
  if (!e.ms) {
    lines.push(`| ${id} | ${e.wrong ? `**WRONG**: ${e.wrong}` : e.skipped} |`);
    continue;
  }
  const cells = timed.map((b) => fmt(e.ms[label(b)].median));
  const rs = natives.map((n) => {
    const r = e.ratio[n];
    return `${r.median.toFixed(2)}${r.median <= 1.3 || n === 'wasm-base' ? '' : ' ✗'} [${r.q[0].toFixed(2)}–${r.q[1].toFixed(2)}]`;
  });
  if (e.speedup) {
    const s = e.speedup;
    rs.push(`${s.median.toFixed(2)}×${meetsSpeedup(s.median, s.target) ? '' : ' ✗'} [${s.q[0].toFixed(2)}–${s.q[1].toFixed(2)}]`);
  }
  lines.push(`| ${id} | ${[...cells, ...rs].join(' | ')} |`);
}
const md = lines.join('\n') + '\n';
writeFileSync(join(BENCH, 'results', `${name}.md`), md);
writeFileSync(join(BENCH, 'results', `${name}.json`), JSON.stringify({ dataset, threads, pairs, configs: timed.map(label), scanpy: py?.versions, command: cmd, loadStart, loadEnd: loadavg(), seconds, results }, null, 1));
process.stdout.write(md);
log(`wrote bench/results/${name}.{md,json} in ${seconds.toFixed(0)} s`);
py?.stop();
wasmMod.shutdown?.();
baseMod?.shutdown?.();
exits[0]?.(0);
process.exit(0);
