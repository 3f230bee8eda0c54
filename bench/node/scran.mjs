/**
 * scran.js (the WebAssembly build of the tatami/scran C++ libraries behind kana) on the steps it
 * shares with cellkernels, checked against the same scanpy references before a time counts:
 *
 *   qcMetrics        perCellRnaQcMetrics(mat, [qcMask]): total counts, detected genes and the QC
 *                    set's percentage (a subset of scanpy's columns; those three are compared)
 *   lognorm+meanVar  modelGeneVariances(normalizeCounts(mat, { sizeFactors: scanpy's norm_factor,
 *                    log: true })): log2(x / sf + 1) per gene mean and variance (×ln 2 and ×ln² 2
 *                    to compare with scanpy's natural log), plus scran's LOWESS trend, which
 *                    scanpy's step does not fit. normalizeCounts is lazy (a delayed operation),
 *                    so log-normalisation alone has no time of its own in scran.js.
 *
 * resident = the matrix built in scran's heap beforehand (as an upload); transfer = building it
 * from the CSR arrays is part of the timed call. scran.js 4.0.9: 4.1 needs Node ≥ 24.
 *
 *   node bench/node/scran.mjs --threads 2 --datasets mouse10k,nb10k --out r.json [--budget 0.3]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BENCH, DATA_DIR, readDataset } from '../lib/datasets.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => {
    if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : 'true']);
    return acc;
  }, []),
);
const threads = Number(args.threads ?? 1);
const budgetMs = 1000 * Number(args.budget ?? 0.3);
const minReps = Number(args['min-reps'] ?? 3);
const maxReps = 15;
const { compareArrays } = await import(pathToFileURL(join(BENCH, '.build', 'src', 'testing', 'tolerance.js')).href);
const require = createRequire(join(BENCH, 'package.json'));
const scranPath = require.resolve('scran.js');
const scran = await import(pathToFileURL(scranPath).href);
const version = JSON.parse(readFileSync(join(scranPath, '..', '..', 'package.json'), 'utf8')).version;

const t0 = performance.now();
await scran.initialize({ numberOfThreads: threads, localFile: true });
const loadMs = performance.now() - t0;

function typed(file, dtype) {
  const b = readFileSync(file);
  const C = { f64: Float64Array, f32: Float32Array, i32: Int32Array, u8: Uint8Array }[dtype];
  return new C(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
function summary(times) {
  const s = [...times].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.max(0, Math.round(p * (s.length - 1))))];
  return { median: s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2, min: s[0], max: s[s.length - 1], q1: q(0.25), q3: q(0.75), n: s.length, times };
}
function timeIt(fn) {
  const times = [];
  const a0 = performance.now();
  while (times.length < maxReps && (times.length < minReps || performance.now() - a0 < budgetMs)) {
    const a = performance.now();
    fn();
    times.push(performance.now() - a);
  }
  return summary(times);
}

const LN2 = Math.LN2;
const out = { config: 'scran.js', version, threads, loadMs, datasets: {} };
for (const name of args.datasets.split(',')) {
  const d = readDataset(name);
  const refDir = join(DATA_DIR, name, 'ref');
  const refMan = JSON.parse(readFileSync(join(refDir, 'manifest.json'), 'utf8'));
  const ref = (id, o) => typed(join(refDir, refMan.cases[id].outputs[o].file), refMan.cases[id].outputs[o].dtype);
  const [nCells, nGenes] = d.manifest.shape;
  // genes × cells, column-compressed = our cells × genes CSR
  const build = () => scran.initializeSparseMatrixFromSparseArrays(nGenes, nCells, d.data, d.indices, d.indptr, { byRow: false, forceInteger: true, layered: false });
  const res = (out.datasets[name] = {});
  let mat = null; // built after the transfer runs: scran's heap may not hold two copies (100k)
  const steps = {};
  if (refMan.cases.qcMetrics) {
    const qcMask = Array.from(d.qcMask, (v) => v === 1);
    steps.qcMetrics = {
      run: (m) => {
        const r = scran.perCellRnaQcMetrics(m, [qcMask], { numberOfThreads: threads });
        const o = { 'obs.total_counts': r.sum(), 'obs.n_genes_by_counts': r.detected(), 'obs.pct_counts_qc': r.subsetProportion(0).map((v) => v * 100) };
        r.free();
        return o;
      },
      tol: { 'obs.total_counts': ['reduction', 'f32'], 'obs.n_genes_by_counts': ['exact', 'f64'], 'obs.pct_counts_qc': ['reduction', 'f32'] },
      note: 'per-cell sum, detected, subset proportion only (scanpy also computes top-N shares and per-gene metrics)',
    };
  }
  if (refMan.cases['lognorm+meanVar'] && refMan.cases.normalizeTotal) {
    const sf = Float64Array.from(ref('normalizeTotal', 'norm_factor'));
    steps['lognorm+meanVar'] = {
      run: (m) => {
        const norm = scran.normalizeCounts(m, { sizeFactors: sf, log: true, allowZeros: true });
        const v = scran.modelGeneVariances(norm, { numberOfThreads: threads });
        const o = { mean: v.means().map((x) => x * LN2), var: v.variances().map((x) => x * LN2 * LN2) };
        v.free();
        norm.free();
        return o;
      },
      tol: { mean: ['reduction', 'f32'], var: ['reduction', 'f32'] },
      note: 'normalizeCounts (lazy) + modelGeneVariances (includes a LOWESS trend fit)',
    };
  }
  for (const mode of ['transfer', 'resident']) {
    for (const [id, st] of Object.entries(steps)) {
      const entry = (res[id] ??= { note: st.note });
      if (mode === 'resident') mat ??= build();
      const call = mode === 'resident' ? () => st.run(mat) : () => {
        const m = build();
        const o = st.run(m);
        m.free();
        return o;
      };
      let o;
      const a = performance.now();
      try {
        o = call();
      } catch (e) {
        entry[mode] = { error: String(e.message ?? e).slice(0, 200) };
        continue;
      }
      const firstMs = performance.now() - a;
      let bad = null;
      for (const [k, [kind, dtype]] of Object.entries(st.tol)) {
        const r = compareArrays(o[k], ref(id, k.startsWith('obs.') ? k : k), kind, dtype);
        if (!r.ok) bad = `${k}: ${r.message}`;
      }
      entry[mode] = bad ? { wrong: bad, firstMs } : { firstMs, ...timeIt(call) };
    }
  }
  mat?.free();
}
writeFileSync(args.out, JSON.stringify(out, null, 1));
process.exit(0);
