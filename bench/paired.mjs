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
 *                         [--configs native,native-sse4] [--name paired-100k]
 *                         [--baseline DIR]
 *
 * Needs what bench/run.mjs prepares: the dataset and its scanpy reference outputs
 * (bench/data/<dataset>/ref; `node bench/run.mjs --datasets nb100k` makes them), the wasm build
 * (npm run build) and the native addons (node bench/native/build.mjs [sse4]). Writes
 * bench/results/<name>.{md,json}.
 *
 * --baseline DIR adds another simd-threads build (DIR holds its ck-simd-threads.{js,wasm}, e.g.
 * a copy of build/wasm made before a change) as a configuration "wasm-base", timed the same way:
 * the column "wasm ÷ wasm-base" is a change's effect measured without the host's drift.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CASES } from './lib/cases.mjs';
import { checkOutputs, inputValues } from './lib/check.mjs';
import { BENCH, DATA_DIR, REPO, readDataset } from './lib/datasets.mjs';
import { loadNative } from './lib/native.mjs';
import { transpileSrc } from './lib/transpile.mjs';

const argv = process.argv.slice(2);
const opt = (n, d) => {
  const i = argv.indexOf(`--${n}`);
  return i >= 0 && argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[i + 1] : d;
};
const dataset = opt('dataset', 'nb100k');
const threads = Number(opt('threads', '2'));
const pairs = Number(opt('pairs', '9'));
const natives = opt('configs', 'native,native-sse4').split(',');
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
log(`${dataset}, ${threads} threads, ${pairs} pairs, ${configs.map(label).join(' / ')}; load average ${loadavg()[0].toFixed(2)}`);
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
  const times = Object.fromEntries(configs.map((b) => [b, []]));
  for (let p = 0; p < pairs; p++) {
    const order = p % 2 === 0 ? configs : [...configs].reverse();
    for (const b of order) {
      const x = fresh(b);
      const t = performance.now();
      const r = call(b, x);
      times[b].push(performance.now() - t);
      c.release?.(r);
    }
  }
  for (const b of configs) entry.ms[label(b)] = { median: median(times[b]), times: times[b].map((t) => +t.toFixed(3)) };
  for (const n of natives) {
    const ratios = times.wasm.map((t, i) => t / times[n][i]);
    entry.ratio[n] = { median: median(ratios), q: quartiles(ratios) };
  }
  log(`${c.id}: ${configs.map((b) => `${label(b)} ${entry.ms[label(b)].median.toFixed(1)} ms`).join(', ')}; wasm ÷ ${natives.map((n) => `${n} ${entry.ratio[n].median.toFixed(2)}`).join(', ')}`);
}
for (const h of Object.values(handles ?? {})) h.free();

// ------------------------------------------------------------------ report
const seconds = (performance.now() - started) / 1000;
const cmd = `node bench/paired.mjs ${argv.join(' ')}`.trim();
const fmt = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const lines = [
  `# wasm ÷ native, paired (${dataset}, ${threads} threads, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC)`,
  '',
  `Host: ${cpus()[0]?.model}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GB; Node ${process.version}. Command: \`${cmd}\`; ${seconds.toFixed(0)} s. Load average at start ${loadStart.map((x) => x.toFixed(2)).join(' / ')}, at end ${loadavg().map((x) => x.toFixed(2)).join(' / ')}.`,
  '',
  `All configurations in one process, resident inputs, each case's calls interleaved (${pairs} repetitions, the order alternating), every first call checked against scanpy's outputs. Ratio = the median over repetitions of (simd-threads time ÷ native time of the same repetition), [quartiles]. native = \`-march=native\` (AVX-512 here), native-sse4 = \`-march=x86-64-v2\` (Highway's SSE4 target: 128-bit vectors, like wasm SIMD). Target: ≤ 1.3.`,
  '',
  `| case | ${configs.map((b) => `${label(b)} ms`).join(' | ')} | ${natives.map((n) => `wasm ÷ ${n}`).join(' | ')} |`,
  `|---|${configs.map(() => '--:').join('|')}|${natives.map(() => '--:').join('|')}|`,
];
for (const [id, e] of Object.entries(results)) {
  if (!e.ms) {
    lines.push(`| ${id} | ${e.wrong ? `**WRONG**: ${e.wrong}` : e.skipped} |`);
    continue;
  }
  const cells = configs.map((b) => fmt(e.ms[label(b)].median));
  const rs = natives.map((n) => {
    const r = e.ratio[n];
    return `${r.median.toFixed(2)}${r.median <= 1.3 || n === 'wasm-base' ? '' : ' ✗'} [${r.q[0].toFixed(2)}–${r.q[1].toFixed(2)}]`;
  });
  lines.push(`| ${id} | ${cells.join(' | ')} | ${rs.join(' | ')} |`);
}
const md = lines.join('\n') + '\n';
writeFileSync(join(BENCH, 'results', `${name}.md`), md);
writeFileSync(join(BENCH, 'results', `${name}.json`), JSON.stringify({ dataset, threads, pairs, configs: configs.map(label), command: cmd, loadStart, loadEnd: loadavg(), seconds, results }, null, 1));
process.stdout.write(md);
log(`wrote bench/results/${name}.{md,json} in ${seconds.toFixed(0)} s`);
wasmMod.shutdown?.();
baseMod?.shutdown?.();
exits[0]?.(0);
process.exit(0);
