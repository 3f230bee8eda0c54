/**
 * The package in real browsers: bundles the demo page (demo/app.js + the built package) with
 * rollup, serves it on 127.0.0.1 with and without COOP/COEP, and drives Debian's Chromium
 * (playwright-core) and Debian's Firefox ESR (puppeteer-core over WebDriver BiDi) — never a
 * downloaded browser. With the headers the page must choose simd-threads, without them simd;
 * both must compute Node's numbers on the real dataset, loaded from disk through the page's
 * file input. Screenshots: test-results/browser/<browser>-*.png.
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';
import { rollup } from 'rollup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { highlyVariableGenes, init, log1p, normalizeTotal, qcMetrics, sum } from '../../src/index.js';
import { readH5ad } from '../../src/io/index.js';
import type { CsrMatrix } from '../../src/matrix/index.js';
// @ts-expect-error: a plain .mjs helper without types
import { serve } from '../../demo/serve.mjs';
import { ROOT, SHARED } from '../io/tmp.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
const ARTIFACTS = path.join(ROOT, 'test-results/browser');

interface PageResult {
  shape: [number, number];
  totalCounts: number[];
  nGenes: number[];
  pctRibo: (number | null)[];
  nCellsByCounts: number[];
  targetSum: number;
  geneLogSums: number[];
  hvgMeans: number[];
  hvgDispersionsNorm: (number | null)[];
  highlyVariable: number[];
  ms: number;
}
interface PageState {
  status: string;
  error: string | null;
  info: { variant: string; threads: number; crossOriginIsolated: boolean; notTaken: Record<string, string>; backend: string } | null;
  result: PageResult | null;
}

/** Bundles demo/app.js with the built package, as an application would, into `out`. */
async function bundleDemo(out: string): Promise<void> {
  for (const f of ['dist/index.js', 'dist/io.js', 'dist/wasm/ck-simd.wasm', 'dist/wasm/ck-simd-threads.js']) {
    if (!existsSync(path.join(ROOT, f))) throw new Error(`${f} is missing: build first (npm run build)`);
  }
  const alias: Record<string, string> = {
    cellkernels: path.join(ROOT, 'dist/index.js'),
    'cellkernels/io': path.join(ROOT, 'dist/io.js'),
    'wasm-feature-detect': path.join(ROOT, 'node_modules/wasm-feature-detect/dist/esm/index.js'),
    h5wasm: path.join(ROOT, 'node_modules/h5wasm/dist/esm/hdf5_hl.js'),
  };
  const bundle = await rollup({
    input: path.join(ROOT, 'demo/app.js'),
    plugins: [{ name: 'alias', resolveId: (id: string) => alias[id] ?? null }],
    onwarn: (w, warn) => {
      if (w.code !== 'EVAL' && w.code !== 'CIRCULAR_DEPENDENCY') warn(w);
    },
  });
  await bundle.write({ dir: out, format: 'es', inlineDynamicImports: true, entryFileNames: 'app.js' });
  await bundle.close();
  copyFileSync(path.join(ROOT, 'demo/index.html'), path.join(out, 'index.html'));
  // The package's asset URLs are relative to the bundle (new URL('./wasm/…', import.meta.url)).
  cpSync(path.join(ROOT, 'dist/wasm'), path.join(out, 'wasm'), { recursive: true });
}

/** Node's numbers for the same computation as the page. */
async function nodeReference(): Promise<PageResult> {
  await init();
  const a = await readH5ad(path.join(SHARED, 'mouse10k.h5ad'));
  const X = a.X as CsrMatrix;
  const names = a.var.index;
  const mt = Uint8Array.from(names, (g) => (/^mt-/i.test(g) ? 1 : 0));
  const ribo = Uint8Array.from(names, (g) => (/^rp[sl]/i.test(g) ? 1 : 0));
  const qc = qcMetrics(X, { qcVars: { mt, ribo }, percentTop: [50, 100, 200, 500], log1p: true });
  const norm = normalizeTotal(X, { targetSum: 1e4 });
  const logged = log1p(norm.X);
  const hvg = highlyVariableGenes(logged, { flavor: 'seurat' });
  if (hvg.flavor !== 'seurat') throw new Error('expected seurat results');
  return {
    shape: [X.shape[0], X.shape[1]],
    totalCounts: Array.from(qc.obs.total_counts!),
    nGenes: Array.from(qc.obs.n_genes_by_counts!),
    pctRibo: Array.from(qc.obs.pct_counts_ribo!, (v) => (Number.isNaN(v) ? null : v)),
    nCellsByCounts: Array.from(qc.var.n_cells_by_counts!),
    targetSum: norm.target,
    geneLogSums: Array.from(sum(logged, { axis: 0 })),
    hvgMeans: Array.from(hvg.means),
    hvgDispersionsNorm: Array.from(hvg.dispersionsNorm, (v) => (Number.isNaN(v) ? null : v)),
    highlyVariable: Array.from(hvg.highlyVariable),
    ms: 0,
  };
}

function worstRel(a: (number | null)[], b: (number | null)[]): number {
  expect(a.length).toBe(b.length);
  let w = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === null || b[i] === null) {
      if (a[i] !== b[i]) return Number.POSITIVE_INFINITY;
      continue;
    }
    w = Math.max(w, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  }
  return w;
}

/** The little each browser driver has to offer the test: one page, driven the same way. */
interface Driver {
  goto(url: string): Promise<void>;
  /** Resolves when `fn` returns true in the page. */
  waitFor(fn: () => boolean, timeoutMs: number): Promise<void>;
  state(): Promise<PageState>;
  setFiles(selector: string, files: string[]): Promise<void>;
  screenshot(file: string): Promise<void>;
  close(): Promise<void>;
}

type BrowserName = 'chromium' | 'firefox';

const BROWSERS: { name: BrowserName; exe: string; how: string; install: string }[] = [
  { name: 'chromium', exe: CHROMIUM, how: 'Debian Chromium via playwright-core', install: 'apt-get install chromium' },
  { name: 'firefox', exe: FIREFOX, how: 'Debian Firefox ESR via puppeteer-core (WebDriver BiDi)', install: 'apt-get install firefox-esr' },
];

const readState = () => (window as unknown as { __ck: PageState }).__ck;

/** Starts `browser` with a fresh profile and one page; console lines and page errors go to `logs`. */
async function launch(browser: BrowserName, profile: string, logs: string[]): Promise<Driver> {
  if (browser === 'chromium') {
    const ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = ctx.pages()[0] ?? (await ctx.newPage());
      page.on('console', (m) => logs.push(`[${m.type()}] ${m.text()}`));
      page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
      return {
        goto: async (url) => void (await page.goto(url)),
        waitFor: async (fn, timeout) => void (await page.waitForFunction(fn, undefined, { timeout })),
        state: () => page.evaluate(readState) as Promise<PageState>,
        setFiles: (sel, files) => page.setInputFiles(sel, files),
        screenshot: async (file) => void (await page.screenshot({ path: file, fullPage: true })),
        close: () => ctx.close(),
      };
    } catch (e) {
      await ctx.close();
      throw e;
    }
  }
  const b = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true, userDataDir: profile });
  try {
    const page = await b.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    page.on('console', (m) => logs.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`[pageerror] ${(e as Error).message}`));
    return {
      goto: async (url) => void (await page.goto(url)),
      waitFor: async (fn, timeout) => void (await page.waitForFunction(fn, { timeout })),
      state: () => page.evaluate(readState) as Promise<PageState>,
      setFiles: async (sel, files) => {
        const input = await page.$(sel);
        if (!input) throw new Error(`no ${sel} on the page`);
        await (input as unknown as { uploadFile(...f: string[]): Promise<void> }).uploadFile(...files);
      },
      screenshot: async (file) => void (await page.screenshot({ path: file as `${string}.png`, fullPage: true })),
      close: () => b.close(),
    };
  } catch (e) {
    await b.close();
    throw e;
  }
}

for (const { name: browser, exe, how, install } of BROWSERS) {
describe(`browser (${how}): the bundled demo page`, () => {
  let site: string;
  let ref: PageResult;
  const profiles: string[] = [];
  beforeAll(async () => {
    if (!existsSync(exe)) throw new Error(`${exe} not found: install it (${install}; scripts/setup-toolchain.sh does)`);
    site = mkdtempSync(path.join(tmpdir(), 'ck-site-'));
    await bundleDemo(site);
    ref = await nodeReference();
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 180_000);
  afterAll(() => {
    for (const p of [site, ...profiles]) if (p) rmSync(p, { recursive: true, force: true });
  });

  async function openPage(isolated: boolean, files: string[], shot: string): Promise<PageState> {
    const server = await serve({ root: site, isolated });
    const profile = mkdtempSync(path.join(tmpdir(), `ck-${browser}-`));
    profiles.push(profile);
    let page: Driver | undefined;
    const logs: string[] = [];
    try {
      page = await launch(browser, profile, logs);
      await page.goto(`${server.url}/index.html`);
      await page.waitFor(() => {
        const s = (window as unknown as { __ck?: PageState }).__ck?.status;
        return s === 'ready' || s === 'error';
      }, 60_000);
      let state = await page.state();
      if (state.status === 'error') throw new Error(`the page failed to start: ${state.error}\n${logs.join('\n')}`);
      await page.setFiles('#files', files);
      await page.waitFor(() => {
        const s = (window as unknown as { __ck?: PageState }).__ck?.status;
        return s === 'done' || s === 'error';
      }, 90_000);
      state = await page.state();
      if (state.status === 'error') throw new Error(`the page failed: ${state.error}\n${logs.join('\n')}`);
      await page.screenshot(path.join(ARTIFACTS, `${browser}-${shot}`));
      return state;
    } catch (e) {
      (e as Error).message += `\nbrowser console:\n${logs.join('\n')}`;
      throw e;
    } finally {
      await page?.close();
      await server.close();
    }
  }

  function expectSameNumbers(r: PageResult): void {
    expect(r.shape).toEqual(ref.shape);
    expect(r.totalCounts).toEqual(ref.totalCounts);
    expect(r.nGenes).toEqual(ref.nGenes);
    expect(r.nCellsByCounts).toEqual(ref.nCellsByCounts);
    expect(r.targetSum).toBe(ref.targetSum);
    expect(worstRel(r.pctRibo, ref.pctRibo)).toBeLessThan(1e-12);
    expect(worstRel(r.geneLogSums, ref.geneLogSums)).toBeLessThan(1e-6);
    expect(worstRel(r.hvgMeans, ref.hvgMeans)).toBeLessThan(1e-6);
    expect(worstRel(r.hvgDispersionsNorm, ref.hvgDispersionsNorm)).toBeLessThan(1e-6);
    expect(r.highlyVariable).toEqual(ref.highlyVariable);
  }

  it('with COOP/COEP: crossOriginIsolated, chooses simd-threads, and an .h5ad from disk gives Node\'s numbers', async () => {
    const s = await openPage(true, [path.join(SHARED, 'mouse10k.h5ad')], 'demo-simd-threads.png');
    expect(s.info).toMatchObject({ variant: 'simd-threads', crossOriginIsolated: true, backend: 'wasm' });
    expect(s.info!.threads).toBeGreaterThanOrEqual(1);
    expectSameNumbers(s.result!);
    console.log(`${browser} simd-threads×${s.info!.threads}: QC + normalise + log1p + HVG in ${s.result!.ms.toFixed(0)} ms`);
  }, 180_000);

  it('without them: not isolated, chooses simd and says why; the Cell Ranger files from disk give the same numbers', async () => {
    const dir = path.join(SHARED, 'mouse10k-10x');
    const s = await openPage(false, readdirSync(dir).map((f) => path.join(dir, f)), 'demo-simd.png');
    expect(s.info).toMatchObject({ variant: 'simd', crossOriginIsolated: false, threads: 1, backend: 'wasm' });
    // Without isolation SharedArrayBuffer is hidden, so the threads probe itself fails first.
    expect(s.info!.notTaken['simd-threads']).toMatch(/not crossOriginIsolated/);
    expectSameNumbers(s.result!);
    expect(existsSync(path.join(ARTIFACTS, `${browser}-demo-simd-threads.png`))).toBe(true);
    expect(existsSync(path.join(ARTIFACTS, `${browser}-demo-simd.png`))).toBe(true);
  }, 180_000);
});
}
