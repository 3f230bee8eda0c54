// cellkernels bench — numpyMedian (src/numeric.ts: selection from 4,096 values on, the engine's
// sort below) against the median taken from V8's Float64Array.prototype.sort(), which is what
// normalize_total's target and the HVG bins' medians used before. Values shaped like per-cell
// totals (integers 500–20,000, some repeated).
//
//   node bench/micro/median.mjs
//
// For each size: "warm" = the median over 15 timed calls after 5 untimed ones, in ms (one
// process, the two methods alternating); "first" = the first call in a fresh process (module
// loaded, nothing run yet), the median of 5 processes. Both methods give the same value (checked).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUILD, transpileSrc } from '../lib/transpile.mjs';

const SIZES = [1000, 20000, 100000];
const child = process.argv[2] === '--first';
if (!child) transpileSrc();
const { numpyMedian } = await import(pathToFileURL(join(BUILD, 'src', 'numeric.js')).href);

function values(n, seed) {
  let s = seed >>> 0 || 1;
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    a[i] = 500 + (s % 19500);
  }
  return a;
}

/** The median from the engine's sort (numpy's rule for an even count; no NaN here). */
function sortMedian(v) {
  const s = v.slice().sort();
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];

if (child) {
  // child: one call of one method in this fresh process
  const v = values(Number(process.argv[3]), 7);
  const t = performance.now();
  process.argv[4] === 'select' ? numpyMedian(v) : sortMedian(v);
  console.log(performance.now() - t);
  process.exit(0);
}

const rows = [];
for (const n of SIZES) {
  const v = values(n, 7);
  if (numpyMedian(v) !== sortMedian(v)) throw new Error(`n = ${n}: the two medians differ`);
  const warm = { sort: [], select: [] };
  for (let rep = 0; rep < 20; rep++) {
    for (const m of rep % 2 ? ['select', 'sort'] : ['sort', 'select']) {
      const t = performance.now();
      m === 'select' ? numpyMedian(v) : sortMedian(v);
      if (rep >= 5) warm[m].push(performance.now() - t);
    }
  }
  const first = { sort: [], select: [] };
  for (let p = 0; p < 5; p++) {
    for (const m of ['sort', 'select']) {
      const r = spawnSync(process.execPath, [process.argv[1], '--first', String(n), m], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(r.stderr);
      first[m].push(Number(r.stdout.trim()));
    }
  }
  rows.push({ n, warmSort: median(warm.sort), warmSelect: median(warm.select), firstSort: median(first.sort), firstSelect: median(first.select) });
}
console.log('| values | sort, warm | numpyMedian, warm | sort, first call | numpyMedian, first call |');
console.log('|--:|--:|--:|--:|--:|');
for (const r of rows) {
  console.log(`| ${r.n} | ${r.warmSort.toFixed(2)} ms | ${r.warmSelect.toFixed(2)} ms | ${r.firstSort.toFixed(2)} ms | ${r.firstSelect.toFixed(2)} ms |`);
}
