// The demo page: load an .h5ad, a Cell Ranger .h5 or the three Cell Ranger files from disk,
// then QC histograms and the HVG mean–dispersion plot, computed by cellkernels in the page.
// The results are also left on window.__ck for the browser tests.
import * as ck from 'cellkernels';
import { read10xH5, read10xMtx, readH5ad } from 'cellkernels/io';

const $ = (id) => document.getElementById(id);
const state = { status: 'loading', info: null, result: null, error: null };
window.__ck = state;

function setStatus(text) {
  $('status').textContent = text;
}

function histogram(canvas, values, { bins = 40, color = '#4f6bd8', log = false, label = '' } = {}) {
  const ctx = canvas.getContext('2d');
  const W = canvas.width;
  const H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  const xs = Array.from(values).filter((v) => Number.isFinite(v)).map((v) => (log ? Math.log10(1 + v) : v));
  if (xs.length === 0) return;
  let lo = Math.min(...xs);
  let hi = Math.max(...xs);
  if (hi === lo) hi = lo + 1;
  const counts = new Array(bins).fill(0);
  for (const x of xs) counts[Math.min(bins - 1, Math.floor(((x - lo) / (hi - lo)) * bins))]++;
  const max = Math.max(...counts);
  const pad = { l: 46, r: 10, t: 10, b: 34 };
  const w = (W - pad.l - pad.r) / bins;
  ctx.fillStyle = color;
  counts.forEach((c, i) => {
    const h = ((H - pad.t - pad.b) * c) / max;
    ctx.fillRect(pad.l + i * w + 1, H - pad.b - h, w - 2, h);
  });
  ctx.fillStyle = '#5b6478';
  ctx.font = '16px system-ui';
  ctx.fillText(String(max), 4, pad.t + 12);
  ctx.fillText('0', 4, H - pad.b);
  const fmt = (v) => (log ? (10 ** v - 1).toFixed(0) : Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1));
  ctx.fillText(fmt(lo), pad.l, H - 10);
  const t = fmt(hi);
  ctx.fillText(t, W - pad.r - ctx.measureText(t).width, H - 10);
  if (label) ctx.fillText(label, W / 2 - ctx.measureText(label).width / 2, H - 10);
}

function meanDispersion(canvas, means, disp, hv) {
  const ctx = canvas.getContext('2d');
  const W = canvas.width;
  const H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  const pad = { l: 60, r: 16, t: 14, b: 44 };
  const idx = [...means.keys()].filter((j) => Number.isFinite(means[j]) && Number.isFinite(disp[j]));
  const xs = idx.map((j) => means[j]);
  const ys = idx.map((j) => disp[j]);
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  const y0 = Math.min(...ys);
  const y1 = Math.max(...ys);
  const X = (x) => pad.l + ((x - x0) / (x1 - x0 || 1)) * (W - pad.l - pad.r);
  const Y = (y) => H - pad.b - ((y - y0) / (y1 - y0 || 1)) * (H - pad.t - pad.b);
  ctx.strokeStyle = '#c9cfdc';
  ctx.beginPath();
  ctx.moveTo(pad.l, pad.t);
  ctx.lineTo(pad.l, H - pad.b);
  ctx.lineTo(W - pad.r, H - pad.b);
  ctx.stroke();
  for (const sel of [false, true]) {
    ctx.fillStyle = sel ? '#d8573a' : 'rgba(79, 107, 216, 0.45)';
    for (const j of idx) {
      if (!!hv[j] !== sel) continue;
      ctx.beginPath();
      ctx.arc(X(means[j]), Y(disp[j]), sel ? 3.5 : 2.5, 0, 2 * Math.PI);
      ctx.fill();
    }
  }
  ctx.fillStyle = '#5b6478';
  ctx.font = '16px system-ui';
  ctx.fillText('mean expression (log1p of the normalised mean)', W / 2 - 170, H - 12);
  ctx.save();
  ctx.translate(16, H / 2 + 80);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText('normalised dispersion', 0, 0);
  ctx.restore();
  ctx.fillStyle = '#d8573a';
  ctx.fillText('● highly variable', W - pad.r - ctx.measureText('● highly variable').width, pad.t + 14);
}

function summary(rows) {
  $('summary').innerHTML = rows.map(([k, v]) => `<tr><td>${k}</td><td>${v}</td></tr>`).join('');
}

async function load(files) {
  const list = [...files];
  const names = list.map((f) => f.name);
  const one = list.length === 1 ? list[0] : undefined;
  if (one && one.name.endsWith('.h5ad')) return { what: one.name, adata: await readH5ad(one, { name: one.name }) };
  if (one && /\.(h5|hdf5)$/.test(one.name)) return { what: one.name, adata: await read10xH5(one, { name: one.name }) };
  return { what: names.join(', '), adata: await read10xMtx(list, { name: 'the chosen Cell Ranger files' }) };
}

async function analyse(files) {
  const t0 = performance.now();
  state.status = 'running';
  setStatus('reading…');
  const { what, adata } = await load(files);
  const tRead = performance.now() - t0;
  let X = adata.X;
  if (X.format !== 'csr') X = ck.toCsr(X);
  const [n, m] = X.shape;
  setStatus(`${n.toLocaleString()} cells × ${m.toLocaleString()} genes — computing…`);
  await new Promise((r) => setTimeout(r, 0));
  const t1 = performance.now();
  // Keep the matrix in the wasm heap across the kernels.
  const h = ck.upload(X);
  const names = adata.var.index;
  const mt = Uint8Array.from(names, (g) => (/^mt-/i.test(g) ? 1 : 0));
  const ribo = Uint8Array.from(names, (g) => (/^rp[sl]/i.test(g) ? 1 : 0));
  const qc = ck.qcMetrics(h, { qcVars: { mt, ribo }, percentTop: [50, 100, 200, 500].filter((k) => k <= m), log1p: true });
  const norm = ck.normalizeTotal(h, { targetSum: 1e4 });
  const logged = ck.log1p(norm.X);
  const hvg = ck.highlyVariableGenes(logged, { flavor: 'seurat' });
  const geneLogSums = ck.sum(logged, { axis: 0 });
  const ms = performance.now() - t1;
  for (const x of [logged, norm.X, h]) if (x && typeof x.free === 'function') x.free();

  histogram($('h-total'), qc.obs.total_counts, { log: true, label: 'counts (log scale)' });
  histogram($('h-genes'), qc.obs.n_genes_by_counts, { color: '#2f9e77', label: 'genes' });
  histogram($('h-mt'), qc.obs.pct_counts_mt, { color: '#b46ad8', label: '%' });
  histogram($('h-ribo'), qc.obs.pct_counts_ribo, { color: '#d89b3a', label: '%' });
  meanDispersion($('mv'), hvg.means, hvg.dispersionsNorm, hvg.highlyVariable);
  const nHv = hvg.highlyVariable.reduce((s, v) => s + v, 0);
  const info = ck.info();
  summary([
    ['input', what],
    ['cells × genes', `${n.toLocaleString()} × ${m.toLocaleString()}`],
    ['median counts per cell', String([...qc.obs.total_counts].sort((a, b) => a - b)[n >> 1])],
    ['highly variable genes', String(nHv)],
    ['backend', `${info.backend} ${info.variant} (${info.threads} thread${info.threads > 1 ? 's' : ''})`],
    ['read', `${tRead.toFixed(0)} ms`],
    ['QC + normalise + log1p + HVG', `${ms.toFixed(0)} ms`],
  ]);
  setStatus(`done: ${nHv} highly variable genes`);
  state.result = {
    shape: [n, m],
    totalCounts: Array.from(qc.obs.total_counts),
    nGenes: Array.from(qc.obs.n_genes_by_counts),
    pctRibo: Array.from(qc.obs.pct_counts_ribo, (v) => (Number.isNaN(v) ? null : v)),
    nCellsByCounts: Array.from(qc.var.n_cells_by_counts),
    targetSum: norm.target,
    geneLogSums: Array.from(geneLogSums),
    hvgMeans: Array.from(hvg.means),
    hvgDispersionsNorm: Array.from(hvg.dispersionsNorm, (v) => (Number.isNaN(v) ? null : v)),
    highlyVariable: Array.from(hvg.highlyVariable),
    ms,
  };
  state.status = 'done';
}

try {
  const info = await ck.init();
  state.info = {
    variant: info.variant,
    threads: info.threads,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    notTaken: info.notTaken,
    backend: info.backend,
  };
  const pill = $('variant');
  pill.textContent = `${info.variant} · ${info.threads} thread${info.threads > 1 ? 's' : ''}`;
  pill.className = `pill ${info.variant === 'simd-threads' ? 'ok' : 'warn'}`;
  $('why').textContent = Object.entries(info.notTaken)
    .map(([v, why]) => `not ${v}: ${why}`)
    .join(' · ');
  state.status = 'ready';
  setStatus('choose files');
} catch (e) {
  state.status = 'error';
  state.error = String(e?.stack ?? e);
  setStatus(`could not start: ${e?.message ?? e}`);
}

$('files').addEventListener('change', (ev) => {
  analyse(ev.target.files).catch((e) => {
    state.status = 'error';
    state.error = String(e?.stack ?? e);
    setStatus(`error: ${e?.message ?? e}`);
  });
});
