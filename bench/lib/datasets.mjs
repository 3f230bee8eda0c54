/**
 * Benchmark datasets: deterministic, generated once and cached as raw binary CSR under
 * bench/data/<name>/ (gitignored), read by the Node harness, the Python scanpy runner and the
 * native C++ driver alike.
 *
 *   manifest.json   shape, nnz, density, label ("real …" / "SYNTHETIC …"), generator parameters
 *   indptr.i32      int32, n_cells + 1
 *   indices.i32     int32 gene indices, sorted within each row
 *   data.f32        float32 counts
 *   qc_mask.u8      1 for the genes of the QC gene set (mouse10k: Rpl7/Rpl31/Rpl37a, the golden
 *                   fixtures' "ribo" set; synthetic: the first 13 genes, "mt-0" … "mt-12")
 *
 * Raw little-endian, no header (the golden-fixture convention of bench/reference).
 *
 * Synthetic model (negative binomial, fixed seed, sfc32 generator, cells in order):
 *   gene mean    m_g = exp(N(-4.2, 2.2))            (mouse10k: median gene mean 1.3e-3, 28 % unseen)
 *   dispersion   phi_g = exp(N(ln 0.6, 0.6)), NB size r_g = 1/phi_g  (overdispersed genes: HVG signal)
 *   library      s_c = exp(N(0, 0.63)) / median, snapped to 1024 log-spaced levels
 *                (mouse10k's sd of log library size is 0.63)
 *   mean         mu_cg = k · s_c · m_g, k set by bisection so that the expected density is
 *                mouse10k's 691,914 / 10^7 = 6.92 %
 *   value        x_cg = F⁻¹(u) of NB(mu_cg, r_g), one uniform per element (inverse CDF: exact NB)
 * The bytes depend only on the seed and on Math.exp/Math.log of the Node version (recorded).
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH = dirname(dirname(fileURLToPath(import.meta.url)));
export const REPO = dirname(BENCH);
export const DATA_DIR = process.env.CK_BENCH_DATA ?? join(BENCH, 'data');
const FORMAT = 2;
const TARGET_DENSITY = 691_914 / 10_000_000;
const N_QC_SYNTH = 13;
const LEVELS = 1024;

export const MODEL = {
  geneLogMean: [-4.2, 2.2],
  logPhi: [Math.log(0.6), 0.6],
  libLogSd: 0.63,
  libLevels: LEVELS,
  targetDensity: TARGET_DENSITY,
  sampler: 'inverse CDF of NB(mu, r), one sfc32 uniform per element',
};

/** Datasets by name; `quick` marks those bench:quick uses, `huge` those above the 4 GB wasm heap. */
export const DATASETS = {
  mouse10k: { real: true, quick: true },
  nb10k: { nCells: 10_000, nGenes: 20_000, seed: 10_001, quick: true },
  nb100k: { nCells: 100_000, nGenes: 20_000, seed: 100_001 },
  // > 4 GB of CSR: an .h5ad made from nb100k (4 tiles, genes rotated) by bench/lib/huge.mjs (run.mjs --huge)
  nb400k: { nCells: 400_000, nGenes: 20_000, huge: true, tiles: 4, of: 'nb100k' },
};

// ---------------------------------------------------------------- random numbers (sfc32)
function makeRng(seed) {
  let s = seed >>> 0;
  const splitmix = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix(), b = splitmix(), c = splitmix(), d = splitmix();
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 16; i++) next();
  const uniform = () => (next() + 0.5) / 4294967296; // (0, 1)
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return { next, uniform, normal };
}

// ---------------------------------------------------------------- reading
function typed(file, Ctor) {
  const b = readFileSync(file);
  if (b.byteOffset % Ctor.BYTES_PER_ELEMENT === 0) return new Ctor(b.buffer, b.byteOffset, b.byteLength / Ctor.BYTES_PER_ELEMENT);
  return new Ctor(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Reads a dataset: { manifest, indptr, indices, data, qcMask }. */
export function readDataset(name) {
  const dir = join(DATA_DIR, name);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  return {
    manifest,
    indptr: typed(join(dir, 'indptr.i32'), Int32Array),
    indices: typed(join(dir, 'indices.i32'), Int32Array),
    data: typed(join(dir, 'data.f32'), Float32Array),
    qcMask: typed(join(dir, 'qc_mask.u8'), Uint8Array),
  };
}

export function datasetManifest(name) {
  const f = join(DATA_DIR, name, 'manifest.json');
  return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : undefined;
}

// ---------------------------------------------------------------- writing
function isCurrent(dir, key) {
  const f = join(dir, 'manifest.json');
  if (!existsSync(f)) return false;
  let man;
  try {
    man = JSON.parse(readFileSync(f, 'utf8'));
  } catch {
    return false;
  }
  if (JSON.stringify(man.key) !== JSON.stringify(key)) return false;
  return Object.entries(man.fileSizes ?? {}).every(([file, size]) => existsSync(join(dir, file)) && statSync(join(dir, file)).size === size);
}

function finish(dir, fields, t0) {
  const files = ['indptr.i32', 'indices.i32', 'data.f32', 'qc_mask.u8'];
  const man = {
    format: FORMAT,
    ...fields,
    density: fields.nnz / (fields.shape[0] * fields.shape[1]),
    dtype: 'f32',
    files: { indptr: 'indptr.i32', indices: 'indices.i32', data: 'data.f32', qcMask: 'qc_mask.u8' },
    fileSizes: Object.fromEntries(files.map((f) => [f, statSync(join(dir, f)).size])),
    generatedAt: new Date().toISOString(),
    generationSeconds: +((performance.now() - t0) / 1000).toFixed(2),
    node: process.version,
  };
  writeFileSync(join(dir, 'manifest.json.tmp'), JSON.stringify(man, null, 1) + '\n');
  renameSync(join(dir, 'manifest.json.tmp'), join(dir, 'manifest.json'));
  return man;
}

function makeMouse10k(dir) {
  const src = join(REPO, 'data', 'mouse10k-10x');
  const key = { source: 'data/mouse10k-10x', mtxSize: statSync(join(src, 'matrix.mtx.gz')).size, format: FORMAT };
  if (isCurrent(dir, key)) return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const t0 = performance.now();
  mkdirSync(dir, { recursive: true });
  const text = gunzipSync(readFileSync(join(src, 'matrix.mtx.gz'))).toString('latin1');
  const lines = text.split('\n');
  let i = 0;
  while (lines[i].startsWith('%')) i++;
  const [nGenes, nCells, nnz] = lines[i++].trim().split(/\s+/).map(Number);
  const gi = new Int32Array(nnz), ci = new Int32Array(nnz), v = new Float32Array(nnz);
  let k = 0;
  for (; i < lines.length; i++) {
    const l = lines[i];
    if (!l) continue;
    const a = l.indexOf(' '), b = l.indexOf(' ', a + 1);
    gi[k] = +l.slice(0, a) - 1;
    ci[k] = +l.slice(a + 1, b) - 1;
    v[k] = +l.slice(b + 1);
    k++;
  }
  // cells × genes CSR, sorted (counting sort by cell, then by gene within each cell)
  const indptr = new Int32Array(nCells + 1);
  for (let j = 0; j < k; j++) indptr[ci[j] + 1]++;
  for (let r = 0; r < nCells; r++) indptr[r + 1] += indptr[r];
  const order = Array.from({ length: k }, (_, j) => j).sort((x, y) => ci[x] - ci[y] || gi[x] - gi[y]);
  const indices = new Int32Array(k), data = new Float32Array(k);
  order.forEach((j, p) => {
    indices[p] = gi[j];
    data[p] = v[j];
  });
  const names = gunzipSync(readFileSync(join(src, 'features.tsv.gz'))).toString('utf8').split('\n').filter(Boolean).map((l) => l.split('\t')[1]);
  const qc = new Uint8Array(nGenes);
  names.forEach((n, g) => (qc[g] = ['Rpl7', 'Rpl31', 'Rpl37a'].includes(n) ? 1 : 0));
  writeFileSync(join(dir, 'indptr.i32'), indptr);
  writeFileSync(join(dir, 'indices.i32'), indices);
  writeFileSync(join(dir, 'data.f32'), data);
  writeFileSync(join(dir, 'qc_mask.u8'), qc);
  return finish(
    dir,
    {
      name: 'mouse10k',
      label: 'real: 10x mouse, 10k cells × 1k genes (data/mouse10k-10x)',
      synthetic: false,
      shape: [nCells, nGenes],
      nnz: k,
      key,
      qcVar: 'ribo',
      qcGenes: names.filter((_, g) => qc[g]),
    },
    t0,
  );
}

function makeSynthetic(name, spec, dir, log) {
  const { nCells: n, nGenes: G, seed } = spec;
  const key = { n, G, seed, model: MODEL, format: FORMAT };
  if (isCurrent(dir, key)) return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const t0 = performance.now();
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) unlinkSync(join(dir, f));
  const rng = makeRng(seed);
  const m = new Float64Array(G), r = new Float64Array(G);
  for (let g = 0; g < G; g++) m[g] = Math.exp(MODEL.geneLogMean[0] + MODEL.geneLogMean[1] * rng.normal());
  for (let g = 0; g < G; g++) r[g] = 1 / Math.exp(MODEL.logPhi[0] + MODEL.logPhi[1] * rng.normal());
  const logS = new Float64Array(n);
  for (let c = 0; c < n; c++) logS[c] = MODEL.libLogSd * rng.normal();
  const med = Float64Array.from(logS).sort()[n >> 1];
  const lo = -4.5 * MODEL.libLogSd, hi = 4.5 * MODEL.libLogSd, step = (hi - lo) / (LEVELS - 1);
  const level = new Int32Array(n);
  const levelCount = new Float64Array(LEVELS);
  for (let c = 0; c < n; c++) {
    const l = Math.min(LEVELS - 1, Math.max(0, Math.round((logS[c] - med - lo) / step)));
    level[c] = l;
    levelCount[l]++;
  }
  const sLevel = Float64Array.from({ length: LEVELS }, (_, l) => Math.exp(lo + l * step));
  // calibrate k on every 16th level (weighted by its cells)
  const density = (k) => {
    let acc = 0, w = 0;
    for (let l = 0; l < LEVELS; l += 16) {
      let cnt = 0;
      for (let j = l; j < Math.min(LEVELS, l + 16); j++) cnt += levelCount[j];
      if (!cnt) continue;
      const s = sLevel[Math.min(LEVELS - 1, l + 8)] * k;
      let d = 0;
      for (let g = 0; g < G; g++) d += 1 - Math.exp(-r[g] * Math.log1p((s * m[g]) / r[g]));
      acc += (cnt * d) / G;
      w += cnt;
    }
    return acc / w;
  };
  let kLo = 1e-3, kHi = 1e4;
  for (let it = 0; it < 40; it++) {
    const mid = Math.sqrt(kLo * kHi);
    if (density(mid) < TARGET_DENSITY) kLo = mid;
    else kHi = mid;
  }
  const k = Math.sqrt(kLo * kHi);
  // P(x = 0) per (level, gene), float64, computed for the levels in use
  const p0 = new Float64Array(LEVELS * G);
  const q = new Float64Array(LEVELS * G);
  for (let l = 0; l < LEVELS; l++) {
    if (!levelCount[l]) continue;
    const s = sLevel[l] * k;
    for (let g = 0; g < G; g++) {
      const mu = s * m[g];
      p0[l * G + g] = Math.exp(-r[g] * Math.log1p(mu / r[g]));
      q[l * G + g] = mu / (r[g] + mu);
    }
  }
  const indptr = new Int32Array(n + 1);
  const fi = openSync(join(dir, 'indices.i32'), 'w');
  const fd = openSync(join(dir, 'data.f32'), 'w');
  let cap = 1 << 20;
  let bi = new Int32Array(cap), bv = new Float32Array(cap), fill = 0, nnz = 0;
  const flush = () => {
    writeSync(fi, new Uint8Array(bi.buffer, 0, fill * 4));
    writeSync(fd, new Uint8Array(bv.buffer, 0, fill * 4));
    fill = 0;
  };
  const next = rng.next;
  let lastLog = performance.now();
  for (let c = 0; c < n; c++) {
    if (fill + G > cap) {
      flush();
      if (G > cap) {
        cap = G;
        bi = new Int32Array(cap);
        bv = new Float32Array(cap);
      }
    }
    const base = level[c] * G;
    const rowStart = fill;
    for (let g = 0; g < G; g++) {
      const u = (next() + 0.5) * 2.3283064365386963e-10;
      const z = p0[base + g];
      if (u < z) continue;
      // inverse CDF walk: pmf(k+1) = pmf(k)·(k + r)/(k + 1)·q
      const qq = q[base + g], rr = r[g];
      let pmf = z, cdf = z, x = 0;
      while (cdf < u && x < 100000) {
        pmf *= ((x + rr) / (x + 1)) * qq;
        x++;
        cdf += pmf;
        if (pmf === 0) break;
      }
      bi[fill] = g;
      bv[fill] = x === 0 ? 1 : x;
      fill++;
    }
    nnz += fill - rowStart;
    indptr[c + 1] = nnz;
    if (log && performance.now() - lastLog > 10000) {
      lastLog = performance.now();
      log(`${name}: ${c + 1} / ${n} cells`);
    }
  }
  flush();
  closeSync(fi);
  closeSync(fd);
  writeFileSync(join(dir, 'indptr.i32'), indptr);
  const qc = new Uint8Array(G);
  qc.fill(1, 0, N_QC_SYNTH);
  writeFileSync(join(dir, 'qc_mask.u8'), qc);
  return finish(
    dir,
    {
      name,
      label: `SYNTHETIC negative-binomial, ${n / 1000}k cells × ${G / 1000}k genes at mouse10k's density`,
      synthetic: true,
      shape: [n, G],
      nnz,
      key,
      qcVar: 'mt',
      qcGenes: Array.from({ length: N_QC_SYNTH }, (_, i) => `mt-${i}`),
      generator: 'bench/lib/datasets.mjs',
      seed,
      model: MODEL,
      meanScaleK: k,
    },
    t0,
  );
}

/** Generates (or finds cached) the named dataset; returns its manifest. */
export function ensureDataset(name, log = () => {}) {
  const spec = DATASETS[name];
  if (!spec) throw new Error(`unknown dataset ${name}; known: ${Object.keys(DATASETS).join(', ')}`);
  if (spec.huge) throw new Error(`${name} is the streaming dataset, an .h5ad made by bench/lib/huge.mjs: node bench/run.mjs --huge`);
  const dir = join(DATA_DIR, name);
  const t0 = performance.now();
  const man = spec.real ? makeMouse10k(dir) : makeSynthetic(name, spec, dir, log);
  const s = (performance.now() - t0) / 1000;
  if (s > 0.5) log(`${name}: ${man.shape[0]} × ${man.shape[1]}, nnz ${man.nnz.toLocaleString('en')} (${(100 * man.density).toFixed(2)} %) generated in ${s.toFixed(1)} s`);
  return man;
}
