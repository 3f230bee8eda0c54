/**
 * Markdown tables and a hand-written SVG chart from a bench result (bench/run.mjs).
 * Times are medians in ms; resident = the matrix uploaded beforehand (handle in, handle out),
 * with transfer = plain matrices in and out (copies counted). Speed-ups compare with scanpy's
 * function at the same thread count (its Numba kernels, where it has them, run inside it).
 */

// targets of the preprocessing issue: ahead of scanpy everywhere, ≥ 2× on these, ≤ 1.3× of native
const TWO_X = new Set(['log1p', 'normalizeTotal+log1p', 'scale', 'hvg.seurat', 'hvg.cell_ranger', 'hvg.seurat_v3']);
const NATIVE_LIMIT = 1.3;
/** The speed-up over scanpy a case must reach: 2 (≥) for the TWO_X cases, else 1 (>). */
export const speedupTarget = (id) => (TWO_X.has(id) ? 2 : 1);
/** Whether speed-up `x` meets `target` (speedupTarget). */
export const meetsSpeedup = (x, target) => x > target || (target === 2 && x >= 2);

export function fmt(ms) {
  if (ms === undefined || ms === null || Number.isNaN(ms)) return '—';
  if (ms < 1) return ms.toFixed(3);
  if (ms < 10) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  return ms.toFixed(0);
}
const ratio = (x) => (x === undefined || !Number.isFinite(x) ? '—' : x >= 10 ? `${x.toFixed(0)}×` : `${x.toFixed(2)}×`);

function runOf(result, config, threads) {
  return result.node.find((n) => n.config === config && n.threads === threads && !n.error);
}

/** The cell of one node run: { ms, q1, q3, text } or a status text. */
export function cell(result, config, threads, d, id, mode = 'resident') {
  const run = runOf(result, config, threads);
  if (!run) return { text: 'n/a' };
  let e = run.datasets?.[d]?.[id];
  if (!e) return { text: '—' };
  if (e.skipped) return { text: 'missing', why: e.skipped };
  const m = e[mode] ?? e.transfer; // js has no resident mode
  if (!m) return { text: '—' };
  if (m.wrong) return { text: 'WRONG', why: m.wrong };
  if (m.error) return { text: 'error', why: m.error };
  if (m.skipped) return { text: 'missing', why: m.skipped };
  return { ms: m.median, q1: m.q1, q3: m.q3, first: m.firstMs, text: fmt(m.median) };
}

/** scran.js cell (resident): only for the steps it shares. */
export function scranCell(result, threads, d, id, mode = 'resident') {
  const run = (result.scran ?? []).find((r) => r.threads === threads);
  if (!run) return { text: (result.scran ?? []).find((r) => r.error && r.threads === undefined) ? 'n/a' : '' };
  if (run.error) return { text: 'error', why: run.error };
  const m = run.datasets?.[d]?.[id]?.[mode];
  if (!m) return { text: '' };
  if (m.wrong) return { text: 'WRONG', why: m.wrong };
  if (m.error) return { text: 'error', why: m.error };
  return { ms: m.median, text: fmt(m.median) };
}

function py(result, d, id) {
  return result.python[d]?.cases?.[id];
}

function caseIds(result, d) {
  return Object.keys(result.python[d]?.cases ?? {});
}

export function speedups(result, d, id, t = 2) {
  const p = py(result, d, id);
  const base = p?.scanpy?.[String(t)]?.median;
  const st = cell(result, 'simd-threads', t, d, id);
  const nat = cell(result, 'native', t, d, id);
  return {
    vsScanpy: base && st.ms ? base / st.ms : undefined,
    vsNative: nat.ms && st.ms ? st.ms / nat.ms : undefined,
    vsNumbaKernel: p?.numba?.[String(t)]?.median && st.ms ? p.numba[String(t)].median / st.ms : undefined,
  };
}

/** Cold-start configurations: [config, threads, label]. */
const COLD_CONFIGS = [['simd-threads', 2, 'simd-threads×2'], ['simd', 1, 'simd'], ['scalar', 1, 'scalar'], ['as-simd', 1, 'as-simd'], ['as-scalar', 1, 'as-scalar'], ['js', 1, 'js']];

/** load (compile + instantiate; js: 0) + the case's first call (with transfer) of one configuration, ms. */
export function coldOf(result, config, threads, d, id) {
  const run = runOf(result, config, threads);
  const f = cell(result, config, threads, d, id, 'transfer').first;
  return run && f !== undefined ? (run.loadMs ?? 0) + f : undefined;
}

/** The Markdown of a --cold-only run: cold starts per case and configuration. */
export function renderColdMarkdown(result) {
  const L = [];
  const h = result.host;
  const d = Object.keys(result.datasets)[0];
  const ds = result.datasets[d];
  L.push(`# Cold start: first call in a fresh process (${result.date.slice(0, 16).replace('T', ' ')} UTC)`);
  L.push('');
  L.push(`Dataset ${d}: ${ds.shape[0].toLocaleString('en')} × ${ds.shape[1].toLocaleString('en')}, ${ds.nnz.toLocaleString('en')} non-zeros — ${ds.synthetic ? '**synthetic**' : 'real'} (${ds.label}).`);
  L.push(`Host: ${h.cpu}, ${h.cores} cores, ${h.memoryGB} GB; Node ${h.node}; Python ${h.python}, scanpy ${h.scanpy}, numba ${h.numba}. Load average at start ${h.loadAverageStart.join(' / ')}, at end ${h.loadAverageEnd.join(' / ')} (shared machine). Command: \`${result.command}\`; ${result.seconds} s.`);
  L.push('');
  L.push('All times in ms. **scanpy**: the first call in a process that has imported scanpy and loaded the data (a fork per case); *cache* = with Numba\'s on-disk cache as earlier runs left it (cache load), *JIT* = with an empty `NUMBA_CACHE_DIR` (compilation included); *warm* = a later call (1 thread). **cellkernels**: module load (fetch + compile + instantiate the variant; js: none) + the case\'s first call with transfer (plain matrices in and out) in that process — the first case of a process also pays V8\'s first run of the harness code; each configuration is its own process. Every first call was checked against scanpy\'s output (a wrong one shows WRONG).');
  L.push('');
  const cfgs = COLD_CONFIGS.filter(([c, t]) => runOf(result, c, t));
  const loads = cfgs.map(([c, t, label]) => `${label} ${fmt(runOf(result, c, t).loadMs)}`);
  L.push(`Module load alone: ${loads.join(', ')} ms.`);
  L.push('');
  L.push(`| case | scanpy first call (cache) | scanpy first call (JIT) | scanpy warm ×1 | ${cfgs.map(([, , l]) => `${l} load + first call`).join(' | ')} |`);
  L.push(`|---|--:|--:|--:|${cfgs.map(() => '--:').join('|')}|`);
  for (const id of caseIds(result, d)) {
    const p = py(result, d, id);
    const c = p.cold ?? {};
    const cells = cfgs.map(([cf, t]) => {
      const v = coldOf(result, cf, t, d, id);
      return v === undefined ? cell(result, cf, t, d, id, 'transfer').text : fmt(v);
    });
    L.push(`| ${id} | ${fmt(c.cache?.['1']?.ms)} | ${fmt(c.jit?.['1']?.ms)} | ${fmt(p.scanpy['1']?.median)} | ${cells.join(' | ')} |`);
  }
  L.push('');
  return L.join('\n');
}

export function renderMarkdown(result) {
  if (result.mode === 'cold') return renderColdMarkdown(result);
  const L = [];
  const h = result.host;
  L.push(`# cellkernels benchmark (${result.mode}, ${result.date.slice(0, 16).replace('T', ' ')} UTC)`);
  L.push('');
  L.push(`Host: ${h.cpu}, ${h.cores} cores, ${h.memoryGB} GB; ${h.os}; Node ${h.node}; Python ${h.python}, scanpy ${h.scanpy}, numba ${h.numba}, numpy ${h.numpy}, fast-array-utils ${h['fast-array-utils']}.`);
  L.push(`Native reference: ${h.nativeCompiler ?? 'not built'} \`${h.nativeFlags ?? ''}\`, Highway target ${h.nativeTarget ?? '?'} — static dispatch: one target fixed at compile time by the flags (\`HWY_COMPILE_ONLY_STATIC\`), not Highway's runtime dynamic dispatch, which the kernels do not use; wasm target ${h.wasmTarget ?? '?'} (128-bit).`);
  L.push(`Load average at start ${h.loadAverageStart.join(' / ')}, at end ${h.loadAverageEnd.join(' / ')} (shared machine: other jobs disturb the timings). Command: \`${result.command}\`; ${result.seconds} s.`);
  L.push('');
  L.push('Medians in ms. ×1/×2 = threads (Numba: `numba.set_num_threads`). cellkernels columns are **resident** (matrix uploaded once; handle in, handle out) unless marked *transfer* (plain matrices in and out, copies included). Every number passed the correctness gate against scanpy\'s output on the same data; **WRONG** = failed it (no time), *missing* = not implemented yet. Speed-up = scanpy ×2 ÷ simd-threads ×2; wasm/native = simd-threads ×2 ÷ native ×2. scran.js (4.0.9, resident) only where it has the same step: qcMetrics (its per-cell subset: sum, detected, QC-set share; only those columns are checked) and lognorm+meanVar (normalizeCounts + modelGeneVariances, which also fits a LOWESS trend).');
  L.push('');
  for (const d of Object.keys(result.datasets)) {
    const ds = result.datasets[d];
    L.push(`## ${d}: ${ds.shape[0].toLocaleString('en')} × ${ds.shape[1].toLocaleString('en')}, ${ds.nnz.toLocaleString('en')} non-zeros (${(100 * ds.density).toFixed(2)} %) — ${ds.synthetic ? '**synthetic**' : 'real'}`);
    L.push('');
    L.push('| case | scanpy ×1 | scanpy ×2 | Numba kernel ×1 / ×2 | native ×1 | native ×2 | simd-threads ×1 | simd-threads ×2 | simd-threads ×2 *transfer* | scran.js ×2 | speed-up vs scanpy | wasm/native |');
    L.push('|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
    for (const id of caseIds(result, d)) {
      const p = py(result, d, id);
      const nk = p.numba ? `${fmt(p.numba['1']?.median)} / ${fmt(p.numba['2']?.median)}` : '(none)';
      const s = speedups(result, d, id);
      L.push(
        `| ${id} | ${fmt(p.scanpy['1']?.median)} | ${fmt(p.scanpy['2']?.median)} | ${nk} | ${cell(result, 'native', 1, d, id).text} | ${cell(result, 'native', 2, d, id).text} | ${cell(result, 'simd-threads', 1, d, id).text} | ${cell(result, 'simd-threads', 2, d, id).text} | ${cell(result, 'simd-threads', 2, d, id, 'transfer').text} | ${scranCell(result, 2, d, id).text} | ${ratio(s.vsScanpy)} | ${ratio(s.vsNative)} |`,
      );
    }
    L.push('');
    L.push(`<details><summary>${d}: every other variant, resident / <i>transfer</i>, median [q1–q3] (native-sse4 = the same C++ at -march=x86-64-v2, Highway's SSE4 target, 128-bit vectors like wasm SIMD, 2 threads)</summary>`);
    L.push('');
    const cfgs = [['native-sse4', 2], ['simd', 1], ['scalar', 1], ['as-simd', 1], ['as-scalar', 1], ['js', 1]].filter(([c, t]) => runOf(result, c, t));
    L.push(`| case | ${cfgs.map(([c]) => c).join(' | ')} |`);
    L.push(`|---|${cfgs.map(() => '--:').join('|')}|`);
    for (const id of caseIds(result, d)) {
      const cells = cfgs.map(([c, t]) => {
        const r = cell(result, c, t, d, id);
        const tr = cell(result, c, t, d, id, 'transfer');
        if (r.ms === undefined) return r.text;
        const spread = `[${fmt(r.q1)}–${fmt(r.q3)}]`;
        return c === 'js' ? `${r.text} ${spread}` : `${r.text} ${spread} / *${tr.text}*`;
      });
      L.push(`| ${id} | ${cells.join(' | ')} |`);
    }
    L.push('');
    L.push('</details>');
    L.push('');
  }
  // contention per process
  const la = result.node.filter((n) => n.loadAverageStart).map((n) => `${n.config}×${n.threads} ${n.loadAverageStart[0].toFixed(1)}→${n.loadAverageEnd?.[0]?.toFixed(1)}`);
  if (la.length) {
    L.push(`Load average (1 min) at start → end of each cellkernels process: ${la.join(', ')}. On 2 cores anything above ~1 means the timings shared the CPU.`);
    L.push('');
  }
  // what each case runs
  const d0 = Object.keys(result.datasets)[0];
  L.push('## Cases');
  L.push('');
  L.push('| case | scanpy call (reference and timing) | Numba kernel timed directly | note |');
  L.push('|---|---|---|---|');
  for (const id of caseIds(result, d0)) {
    const p = py(result, d0, id);
    L.push(`| ${id} | \`${p.call.replace(/\|/g, '\\|')}\` | ${p.numba?.name ?? '—'} | ${(p.note ?? '').replace(/\|/g, '/')} |`);
  }
  L.push('');
  L.push('nnzCount.axis1: `X.getnnz(axis=1)` is `np.diff(indptr)` (stored entries), while cellkernels counts the values ≠ 0 (scanpy\'s QC semantics: explicit zeros do not count), which has to read every value.');
  L.push('');
  // problems
  const problems = [];
  for (const n of result.node) {
    if (n.error) problems.push(`- ${n.config}×${n.threads}: ${n.error}`);
    for (const [d, cases] of Object.entries(n.datasets ?? {})) {
      for (const [id, e] of Object.entries(cases)) {
        if (id.startsWith('__') || !e || typeof e !== 'object') continue;
        if (e.skipped) continue;
        for (const [mode, m] of Object.entries(e)) if (m.wrong || m.error) problems.push(`- ${d} ${id} ${n.config}×${n.threads} ${mode}: ${m.wrong ? 'WRONG: ' + m.wrong : 'error: ' + m.error}`);
      }
    }
  }
  for (const r of result.scran ?? []) {
    if (r.error) problems.push(`- scran.js${r.threads ? `×${r.threads}` : ''}: ${r.error}`);
    for (const [d, cases] of Object.entries(r.datasets ?? {})) for (const [id, e] of Object.entries(cases)) for (const [mode, m] of Object.entries(e)) if (m && (m.wrong || m.error)) problems.push(`- ${d} ${id} scran.js×${r.threads} ${mode}: ${m.wrong ? 'WRONG: ' + m.wrong : 'error: ' + m.error}`);
  }
  const missing = new Set();
  for (const n of result.node) for (const cases of Object.values(n.datasets ?? {})) for (const [id, e] of Object.entries(cases)) if (e && typeof e === 'object' && e.skipped) missing.add(`${id} (${e.skipped})`);
  if (problems.length || missing.size) {
    L.push('## Not reported');
    L.push('');
    for (const m of missing) L.push(`- missing: ${m}`);
    L.push(...[...new Set(problems)].slice(0, 40));
    L.push('');
  }
  // targets on the largest dataset
  const big = Object.keys(result.datasets).sort((a, b) => result.datasets[b].nnz - result.datasets[a].nnz)[0];
  L.push(`## Targets of the preprocessing issue on ${big} (simd-threads ×2 resident vs scanpy ×2; vs native ×2)`);
  L.push('');
  const hasSse = !!runOf(result, 'native-sse4', 2);
  L.push(`| case | speed-up vs scanpy | target | met | wasm/native | ≤ 1.3× |${hasSse ? ' wasm/native-sse4 (128-bit) |' : ''}`);
  L.push(`|---|--:|--:|:-:|--:|:-:|${hasSse ? '--:|' : ''}`);
  for (const id of caseIds(result, big)) {
    const s = speedups(result, big, id);
    const target = speedupTarget(id);
    const met = s.vsScanpy === undefined ? '?' : meetsSpeedup(s.vsScanpy, target) ? 'yes' : 'no';
    const nat = s.vsNative === undefined ? '?' : s.vsNative <= NATIVE_LIMIT ? 'yes' : 'no';
    const sse = cell(result, 'native-sse4', 2, big, id).ms;
    const st = cell(result, 'simd-threads', 2, big, id).ms;
    L.push(`| ${id} | ${ratio(s.vsScanpy)} | ${target === 2 ? '≥ 2×' : '> 1×'} | ${met} | ${ratio(s.vsNative)} | ${nat} |${hasSse ? ` ${ratio(sse && st ? st / sse : undefined)} |` : ''}`);
  }
  L.push('');
  // cold start
  const first = Object.keys(result.datasets)[0];
  const st2 = runOf(result, 'simd-threads', 2);
  const nat2 = runOf(result, 'native', 2);
  const anyCold = caseIds(result, first).some((id) => py(result, first, id)?.cold);
  if (anyCold) {
  L.push(`## Cold start on ${first} (first call in a fresh process, ms)`);
  L.push('');
  L.push(`scanpy: the first call after \`import scanpy\` and loading the data; *cache* = Numba's on-disk cache as left by earlier runs, *JIT* = an empty NUMBA_CACHE_DIR (compilation included). cellkernels: module load (compile + instantiate${st2 ? `: simd-threads×2 ${fmt(st2.loadMs)} ms` : ''}${nat2 ? `, native ${fmt(nat2.loadMs)} ms` : ''}) + the case's first call in that process (V8 may still run baseline code).`);
  L.push('');
  L.push('| case | scanpy first call (cache) | scanpy first call (JIT) | scanpy warm ×1 | simd-threads×2 load + first call | simd-threads×2 warm |');
  L.push('|---|--:|--:|--:|--:|--:|');
  for (const id of caseIds(result, first)) {
    const p = py(result, first, id);
    const c = p.cold ?? {};
    const f = cell(result, 'simd-threads', 2, first, id, 'transfer');
    const fl = f.first !== undefined && st2 ? `${fmt(st2.loadMs + f.first)}` : f.text;
    L.push(`| ${id} | ${fmt(c.cache?.['1']?.ms)} | ${fmt(c.jit?.['1']?.ms)} | ${fmt(p.scanpy['1']?.median)} | ${fl} | ${cell(result, 'simd-threads', 2, first, id).text} |`);
  }
  L.push('');
  } else {
    L.push(`Cold starts were not measured in this run (bench:quick and --no-cold skip them; the full run measures them on ${first}, and \`node bench/run.mjs --cold-only\` alone on nb10k: bench/results/cold-latest.md).`);
    L.push('');
  }
  // memory
  const pm = Object.entries(result.python).find(([, v]) => v.memory)?.[1]?.memory;
  if (pm || result.memory.length) {
    const d = Object.entries(result.python).find(([, v]) => v.memory)?.[0] ?? result.memory[0]?.dataset;
    L.push(`## Peak memory, pipeline on ${d}`);
    L.push('');
    L.push(`Pipeline: ${pm?.pipeline ?? 'qcMetrics → normalizeTotal → log1p → highlyVariableGenes(seurat) → scale(zeroCenter false)'}. RSS in MB: peak (VmHWM, reset before the pipeline) and the baseline just before it (interpreter + loaded data).`);
    L.push('');
    L.push('| process | heap (MB) | baseline RSS | peak RSS | peak − baseline |');
    L.push('|---|--:|--:|--:|--:|');
    if (pm && !pm.error) L.push(`| Python (scanpy, ${pm.threads} threads) | — | ${pm.baseline_rss_mb.toFixed(0)} | ${pm.peak_rss_mb.toFixed(0)} | ${(pm.peak_rss_mb - pm.baseline_rss_mb).toFixed(0)} |`);
    for (const m of result.memory) L.push(`| Node, cellkernels ${m.config}×${m.threads} | ${m.heapMB === null ? '—' : m.heapMB.toFixed(0)} | ${m.baselineRssMB.toFixed(0)} | ${m.peakRssMB.toFixed(0)} | ${(m.peakRssMB - m.baselineRssMB).toFixed(0)} |`);
    L.push('');
    L.push('wasm heap = the WebAssembly.Memory size after the pipeline (it never shrinks, so it is the peak); native = the arena high-water mark.');
    L.push('');
  }
  return L.join('\n');
}

// ------------------------------------------------------------------ SVG
function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

export function renderSvg(result) {
  const ds = Object.keys(result.datasets);
  const ids = [...new Set(ds.flatMap((d) => caseIds(result, d)))];
  const colors = ['#4c78a8', '#f58518', '#54a24b', '#b279a2', '#e45756'];
  const W = 980, rowH = 12 * Math.max(ds.length, 1) + 8, top = 60, left = 170, plotW = 560;
  const cold = result.mode === 'cold';
  const h1 = cold ? 40 : top + ids.length * rowH + 40;
  // speed-up panel, log2 scale from 1/8 to 256
  const lo = Math.log2(1 / 8), hi = Math.log2(256);
  const x = (v) => left + ((Math.log2(Math.min(Math.max(v, 1 / 8), 256)) - lo) / (hi - lo)) * plotW;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="HEIGHT" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  if (!cold) {
  out.push(`<text x="10" y="20" font-size="14" font-weight="bold">cellkernels simd-threads ×2 (resident) speed-up vs scanpy ×2 (Numba) — log scale</text>`);
  out.push(`<text x="10" y="36" fill="#555">${esc(result.host.cpu)}, ${result.host.cores} cores; ${esc(result.date.slice(0, 10))}; load avg ${result.host.loadAverageStart[0]}; synthetic datasets marked *</text>`);
  for (const v of [0.125, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256]) {
    out.push(`<line x1="${x(v)}" y1="${top - 6}" x2="${x(v)}" y2="${top + ids.length * rowH}" stroke="${v === 1 ? '#000' : v === 2 ? '#c00' : '#ddd'}" stroke-dasharray="${v === 2 ? '4 3' : ''}"/>`);
    out.push(`<text x="${x(v)}" y="${top - 9}" text-anchor="middle" fill="#555">${v < 1 ? `1/${1 / v}` : v}×</text>`);
  }
  ids.forEach((id, i) => {
    const y0 = top + i * rowH;
    out.push(`<text x="${left - 6}" y="${y0 + rowH / 2 + 3}" text-anchor="end">${esc(id)}</text>`);
    ds.forEach((d, j) => {
      const s = speedups(result, d, id).vsScanpy;
      const y = y0 + 4 + j * 12;
      if (s === undefined) {
        const c = cell(result, 'simd-threads', 2, d, id);
        if (caseIds(result, d).includes(id)) out.push(`<text x="${x(1) + 4}" y="${y + 9}" fill="#999">${esc(c.text)}</text>`);
        return;
      }
      const xa = Math.min(x(1), x(s)), xb = Math.max(x(1), x(s));
      out.push(`<rect x="${xa}" y="${y}" width="${Math.max(1, xb - xa)}" height="10" fill="${colors[j % colors.length]}"/>`);
      out.push(`<text x="${xb + 3}" y="${y + 9}" fill="#333">${s >= 10 ? s.toFixed(0) : s.toFixed(2)}×</text>`);
    });
  });
  ds.forEach((d, j) => {
    const lx = left + plotW + 60, ly = top + j * 16;
    out.push(`<rect x="${lx}" y="${ly}" width="12" height="10" fill="${colors[j % colors.length]}"/>`);
    out.push(`<text x="${lx + 16}" y="${ly + 9}">${esc(d)}${result.datasets[d].synthetic ? ' *' : ''} (${result.datasets[d].shape.map((v) => (v >= 1000 ? `${v / 1000}k` : v)).join(' × ')})</text>`);
  });
  }
  // cold-start panel (first dataset), log10 ms
  const first = ds[0];
  const series = [
    ['scanpy first call (Numba cache)', (id) => py(result, first, id)?.cold?.cache?.['1']?.ms, '#e45756'],
    ['scanpy first call (JIT)', (id) => py(result, first, id)?.cold?.jit?.['1']?.ms, '#b279a2'],
    [cold ? 'simd-threads×2: load + first call' : 'cellkernels load + first call', (id) => coldOf(result, 'simd-threads', 2, first, id), '#4c78a8'],
    ...(cold
      ? [
          ['simd: load + first call', (id) => coldOf(result, 'simd', 1, first, id), '#72b7b2'],
          ['as-simd: load + first call', (id) => coldOf(result, 'as-simd', 1, first, id), '#54a24b'],
          ['js: first call', (id) => coldOf(result, 'js', 1, first, id), '#9d755d'],
        ]
      : []),
  ].filter(([, f]) => ids.some((id) => f(id) !== undefined));
  const top2 = h1 + 30, rowH2 = 12 * series.length + 8;
  const lx0 = Math.log10(0.1), lx1 = Math.log10(100000);
  const x2 = (v) => left + ((Math.log10(Math.min(Math.max(v, 0.1), 100000)) - lx0) / (lx1 - lx0)) * plotW;
  out.push(`<text x="10" y="${top2 - 24}" font-size="14" font-weight="bold">Cold start on ${esc(first)}${result.datasets[first]?.synthetic ? ' (synthetic)' : ''}: first call in a fresh process (ms, log scale)</text>`);
  if (cold) out.push(`<text x="10" y="20" fill="#555">${esc(result.host.cpu)}, ${result.host.cores} cores; ${esc(result.date.slice(0, 10))}; load avg ${result.host.loadAverageStart[0]}</text>`);
  for (const v of [0.1, 1, 10, 100, 1000, 10000, 100000]) {
    out.push(`<line x1="${x2(v)}" y1="${top2 - 6}" x2="${x2(v)}" y2="${top2 + ids.length * rowH2}" stroke="#ddd"/>`);
    out.push(`<text x="${x2(v)}" y="${top2 - 9}" text-anchor="middle" fill="#555">${v}</text>`);
  }
  ids.forEach((id, i) => {
    const y0 = top2 + i * rowH2;
    out.push(`<text x="${left - 6}" y="${y0 + rowH2 / 2 + 3}" text-anchor="end">${esc(id)}</text>`);
    series.forEach(([, f, color], j) => {
      const v = f(id);
      if (v === undefined) return;
      const y = y0 + 4 + j * 12;
      out.push(`<rect x="${left}" y="${y}" width="${Math.max(1, x2(v) - left)}" height="10" fill="${color}"/>`);
      out.push(`<text x="${x2(v) + 3}" y="${y + 9}" fill="#333">${fmt(v)}</text>`);
    });
  });
  series.forEach(([name, , color], j) => {
    const lx = left + plotW + 60, ly = top2 + j * 16;
    out.push(`<rect x="${lx}" y="${ly}" width="12" height="10" fill="${color}"/>`);
    out.push(`<text x="${lx + 16}" y="${ly + 9}">${esc(name)}</text>`);
  });
  const H = top2 + ids.length * rowH2 + 20;
  out.push('</svg>');
  return out.join('\n').replace('HEIGHT', String(H));
}

// node bench/lib/report.mjs <result.json>: re-renders <result>.md / .svg next to it and prints the table
import { readFileSync as _rf, writeFileSync as _wf } from 'node:fs';
import { fileURLToPath as _f2p } from 'node:url';
if (process.argv[1] === _f2p(import.meta.url) && process.argv[2]) {
  const r = JSON.parse(_rf(process.argv[2], 'utf8'));
  const base = process.argv[2].replace(/\.json$/, '');
  const md = renderMarkdown(r);
  _wf(`${base}.md`, md);
  _wf(`${base}.svg`, renderSvg(r));
  console.log(md);
}
