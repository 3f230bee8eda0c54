/**
 * One benchmark process: loads ONE backend configuration (a wasm variant with a thread count,
 * an AssemblyScript flavour, the native build, or js), then for every dataset and case: calls
 * cellkernels' public API once, checks every output against scanpy's reference (a wrong result
 * gets no time), and times repetitions, with-transfer (plain matrices) and resident (uploaded
 * handle). Run by bench/run.mjs; writes JSON to --out.
 *
 *   node bench/node/worker.mjs --config simd-threads --threads 2 --datasets mouse10k,nb10k \
 *        --out r.json [--cases log1p,...] [--budget 0.3] [--min-reps 3] [--memory]
 *
 * Configs: simd-threads | simd | scalar | as-simd | as-scalar | native | native-sse4 | js.
 * --memory: instead of timing, runs the pipeline upload → qcMetrics → normalizeTotal → log1p →
 * highlyVariableGenes(seurat) → scale(zeroCenter false) → download on the first dataset and
 * reports the wasm heap size and the process's peak RSS.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CASES } from '../lib/cases.mjs';
import { checkOutputs, inputValues } from '../lib/check.mjs';
import { BENCH, DATA_DIR, REPO, readDataset } from '../lib/datasets.mjs';
import { loadNative } from '../lib/native.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => {
    if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : 'true']);
    return acc;
  }, []),
);
const config = args.config;
const threads = Number(args.threads ?? 1);
const budgetMs = 1000 * Number(args.budget ?? 0.3);
const minReps = Number(args['min-reps'] ?? 3);
const maxReps = Number(args['max-reps'] ?? 15);
// --slow s (bench:quick): one repetition for calls whose checked first call took longer than s
const slowMs = args.slow ? 1000 * Number(args.slow) : Infinity;
const wantCases = args.cases ? new Set(args.cases.split(',')) : null;
const B = join(BENCH, '.build', 'src');
const imp = (p) => import(pathToFileURL(join(B, p)).href);

const tStart = performance.now();
const ck = await imp('index.js');
const { loadVariant } = await imp('runtime/load.js');
const { KernelModule } = await imp('runtime/module.js');
const { createWasmBackend } = await imp('backends/wasm/index.js');
const { createAsBackend } = await imp('backends/as/index.js');
const { installBackend } = await imp('dispatch/index.js');
const { compareArrays } = await imp('testing/tolerance.js');
const importMs = performance.now() - tStart;

// ------------------------------------------------------------------ load the configuration
const wasmPaths = join(REPO, 'build', 'wasm') + '/';
let mod = null;
let backendName = 'js';
let nativeHeap = null;
let nativeExit = null;
const tLoad = performance.now();
if (config === 'native' || config === 'native-sse4') {
  ({ mod, heapTop: nativeHeap, exit: nativeExit } = loadNative(config, threads, KernelModule));
  installBackend(createWasmBackend(mod));
  backendName = 'wasm';
} else if (config !== 'js') {
  mod = await loadVariant(config, { threads, wasmPaths });
  if (config.startsWith('as-')) {
    installBackend(createAsBackend(mod));
    backendName = 'as';
  } else {
    installBackend(createWasmBackend(mod));
    backendName = 'wasm';
  }
}
const loadMs = performance.now() - tLoad;
const heapBytes = () => (nativeHeap ? nativeHeap() : mod ? mod.heapBytes : null);
const opts = { backend: backendName, strict: true };

/** Ends the process; the native build must skip static destructors (see addon.cc exit()). */
function finish() {
  if (nativeExit) nativeExit(0);
  mod?.shutdown();
  process.exit(0);
}

// ------------------------------------------------------------------ helpers
function statusKb(key) {
  const m = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : 0;
}

function summary(times) {
  const s = [...times].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.max(0, Math.round(p * (s.length - 1))))];
  return { median: s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2, min: s[0], max: s[s.length - 1], q1: q(0.25), q3: q(0.75), n: s.length, times: times.map((t) => +t.toFixed(4)) };
}

/** Times fn(prepare()) repeatedly; prepare (the case's fresh input) and release are not timed. */
function timeIt(fn, release, firstMs, prepare) {
  const times = [];
  const t0 = performance.now();
  const least = firstMs > slowMs ? 1 : minReps;
  while (times.length < maxReps && (times.length < least || performance.now() - t0 < budgetMs)) {
    const input = prepare();
    const a = performance.now();
    const r = fn(input);
    times.push(performance.now() - a);
    release?.(r);
  }
  return summary(times);
}

function apiHas(c) {
  const names = Array.isArray(c.api) ? c.api : [c.api];
  const missing = names.filter((n) => typeof ck[n] !== 'function');
  return missing.length ? `cellkernels does not export ${missing.join(', ')} yet` : null;
}

// ------------------------------------------------------------------ memory mode
if (args.memory === 'true') {
  const name = args.datasets.split(',')[0];
  const d = readDataset(name);
  const refMan = JSON.parse(readFileSync(join(DATA_DIR, name, 'ref', 'manifest.json'), 'utf8'));
  const X = new ck.CsrMatrix({ shape: d.manifest.shape, data: d.data, indices: d.indices, indptr: d.indptr });
  const pct = refMan.cases.qcMetrics?.params.percentTop ?? [50, 100, 200, 500].filter((p) => p <= d.manifest.shape[1]);
  const ntop = refMan.cases['hvg.seurat']?.params.nTopGenes ?? 2000;
  const steps = [];
  const pipeline = () => {
    const h = backendName === 'js' ? X : ck.upload(X, { backend: backendName });
    if (typeof ck.qcMetrics === 'function') (ck.qcMetrics(h, { qcVars: { qc: d.qcMask }, percentTop: pct, ...opts }), steps.push('qcMetrics'));
    const n = ck.normalizeTotal(h, opts);
    steps.push('normalizeTotal');
    const l = ck.log1p(n.X, opts);
    steps.push('log1p');
    n.X.free?.();
    if (typeof ck.highlyVariableGenes === 'function') (ck.highlyVariableGenes(l, { flavor: 'seurat', nTopGenes: ntop, ...opts }), steps.push('highlyVariableGenes'));
    const s = ck.scale(l, { zeroCenter: false, maxValue: 10, ...opts });
    steps.push('scale');
    const out = ck.download(s.X);
    const heap = heapBytes();
    s.X.free?.();
    l.free?.();
    if (h !== X) h.free();
    return { out, heap };
  };
  pipeline(); // warm (tier-up), so the peak is the data's
  steps.length = 0;
  global.gc?.();
  writeFileSync('/proc/self/clear_refs', '5');
  const base = statusKb('VmRSS');
  const t0 = performance.now();
  const { heap } = pipeline();
  const ms = performance.now() - t0;
  const res = {
    config, threads, dataset: name, steps, ms,
    heapMB: heap === null ? null : heap / 2 ** 20,
    heapNote: config.startsWith('native') ? 'arena high-water mark (bump pointer)' : 'WebAssembly.Memory size after the pipeline (wasm memory never shrinks: its peak)',
    baselineRssMB: base / 1024, peakRssMB: statusKb('VmHWM') / 1024,
  };
  writeFileSync(args.out, JSON.stringify(res, null, 1));
  finish();
}

// ------------------------------------------------------------------ timing mode
const out = {
  loadAverageStart: (await import('node:os')).loadavg(),
  config, threads: mod ? mod.threads : 1, simdTarget: mod ? mod.simdTarget : null, backend: backendName,
  importMs, loadMs, node: process.version, datasets: {},
};
let firstCallDone = false;
for (const name of args.datasets.split(',')) {
  const d = readDataset(name);
  const refDir = join(DATA_DIR, name, 'ref');
  const refMan = JSON.parse(readFileSync(join(refDir, 'manifest.json'), 'utf8'));
  const inputs = {};
  const getInput = (kind) => {
    if (inputs[kind]) return inputs[kind];
    const data = inputValues(d, refDir, refMan, kind);
    if (!data) return null;
    const X = new ck.CsrMatrix({ shape: d.manifest.shape, data, indices: d.indices, indptr: d.indptr });
    inputs[kind] = { X, h: null };
    return inputs[kind];
  };
  const res = (out.datasets[name] = {});
  for (const c of CASES) {
    if (wantCases && !wantCases.has(c.id)) continue;
    const refCase = refMan.cases[c.id];
    if (!refCase) continue; // the Python side did not run it on this dataset
    const missing = apiHas(c);
    if (missing) {
      res[c.id] = { skipped: missing };
      continue;
    }
    const inp = getInput(c.input ?? 'counts');
    if (!inp) {
      res[c.id] = { skipped: 'no lognorm reference' };
      continue;
    }
    const ctx = { qcMask: d.qcMask };
    const modes = backendName === 'js' ? ['transfer'] : ['transfer', 'resident'];
    const entry = (res[c.id] = {});
    for (const mode of modes) {
      let X = inp.X;
      if (mode === 'resident') {
        try {
          // one resident input at a time (100k × 20k: counts and lognorm together would take
          // 2.2 GB of the 4 GB heap before any output); uploading is not timed
          for (const o of Object.values(inputs)) {
            if (o !== inp && o.h) {
              o.h.free();
              o.h = null;
            }
          }
          inp.h ??= ck.upload(inp.X, { backend: backendName });
        } catch (e) {
          entry[mode] = { error: `upload: ${e.message}` };
          continue;
        }
        X = inp.h;
      }
      const fresh = () => (c.fresh ? c.fresh(X) : X);
      const call = (x) => c.run(ck, x, refCase.params, opts, ctx);
      let r;
      let first;
      try {
        first = fresh();
      } catch (e) {
        entry[mode] = { error: `fresh input: ${e.message}` };
        continue;
      }
      const a = performance.now();
      try {
        r = call(first);
      } catch (e) {
        const nie = e?.constructor?.name === 'KernelNotImplementedError';
        entry[mode] = nie ? { skipped: `not implemented in ${config}` } : { error: `${e?.constructor?.name}: ${e?.message}`.slice(0, 300) };
        continue;
      }
      const firstMs = performance.now() - a;
      if (!firstCallDone) {
        out.firstCall = { dataset: name, case: c.id, mode, ms: firstMs };
        firstCallDone = true;
      }
      const chk = checkOutputs(c, c.outputs(r, ck), refCase, refDir, compareArrays);
      c.release?.(r);
      if (!chk.ok) {
        entry[mode] = { wrong: chk.message, firstMs };
        continue;
      }
      entry[mode] = { firstMs, worst: chk.worst, ...timeIt(call, c.release, firstMs, fresh) };
    }
  }
  for (const v of Object.values(inputs)) v.h?.free?.();
  out.datasets[name].__heapMB = heapBytes() === null ? null : heapBytes() / 2 ** 20;
}
out.loadAverageEnd = (await import('node:os')).loadavg();
writeFileSync(args.out, JSON.stringify(out, null, 1));
finish();
