/**
 * Edge runtimes, for real: the built package inside workerd (Cloudflare's runtime, from npm),
 * importing the precompiled .wasm modules the way Cloudflare requires, and inside Deno (from
 * npm). Both compute on the real dataset and must give Node's numbers.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { rollup } from 'rollup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { highlyVariableGenes, init, log1p, normalizeTotal, qcMetrics, sum } from '../../src/index.js';
import { readMatrixMarket } from '../../src/io/index.js';
import { ROOT, SHARED } from '../io/tmp.js';

const MTX = path.join(ROOT, 'data/mouse10k-10x/matrix.mtx.gz');
const WORKERD = path.join(ROOT, 'node_modules/.bin/workerd');
const DENO = path.join(ROOT, 'node_modules/.bin/deno');

interface EdgeResult {
  runtime: string;
  variant: string | null;
  asVariant: string | null;
  threads: number;
  notTaken: Record<string, string>;
  shape: number[];
  totalCounts: number[];
  nGenes: number[];
  targetSum: number;
  geneLogSums: number[];
  hvgMeans: number[];
  highlyVariable: number[];
  asCellSums?: number[];
  h5ad?: { shape: number[]; nnz: number; firstVar: string } | null;
  ms?: number;
}

let ref: Omit<EdgeResult, 'runtime' | 'variant' | 'asVariant' | 'threads' | 'notTaken'> & { cellSums: number[] };

beforeAll(async () => {
  for (const f of ['dist/index.js', 'dist/io.js', 'dist/wasm/ck-simd.wasm', 'dist/wasm/ck-as-simd.wasm']) {
    if (!existsSync(path.join(ROOT, f))) throw new Error(`${f} is missing: build first (npm run build)`);
  }
  await init();
  const X = await readMatrixMarket(new Uint8Array(readFileSync(MTX)), { name: 'matrix.mtx.gz' });
  const qc = qcMetrics(X, { percentTop: [50, 100, 200, 500], log1p: true });
  const norm = normalizeTotal(X, { targetSum: 1e4 });
  const logged = log1p(norm.X);
  const hvg = highlyVariableGenes(logged, { flavor: 'seurat' });
  ref = {
    shape: [...X.shape],
    totalCounts: Array.from(qc.obs.total_counts!),
    nGenes: Array.from(qc.obs.n_genes_by_counts!),
    targetSum: norm.target,
    geneLogSums: Array.from(sum(logged, { axis: 0 })),
    hvgMeans: Array.from(hvg.means),
    highlyVariable: Array.from(hvg.highlyVariable),
    cellSums: Array.from(sum(X, { axis: 1, backend: 'js' })),
  };
}, 60_000);

function worstRel(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return w;
}

function expectNodeNumbers(r: EdgeResult): void {
  expect(r.shape).toEqual(ref.shape);
  expect(r.totalCounts).toEqual(ref.totalCounts);
  expect(r.nGenes).toEqual(ref.nGenes);
  expect(r.targetSum).toBe(ref.targetSum);
  expect(worstRel(r.geneLogSums, ref.geneLogSums)).toBeLessThan(1e-6);
  expect(worstRel(r.hvgMeans, ref.hvgMeans)).toBeLessThan(1e-6);
  expect(r.highlyVariable).toEqual(ref.highlyVariable);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe('workerd (Cloudflare Workers runtime, npm workerd)', () => {
  let dir: string;
  let proc: ChildProcess | undefined;
  let stderr = '';
  afterAll(() => {
    proc?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('imports ck-simd.wasm and ck-as-simd.wasm as modules, runs the kernels on mouse10k, and gives Node\'s numbers', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ck-workerd-'));
    // Bundle the worker with the package (the .wasm and data imports stay modules of the worker).
    const alias: Record<string, string> = {
      cellkernels: path.join(ROOT, 'dist/index.js'),
      'cellkernels/io': path.join(ROOT, 'dist/io.js'),
      'wasm-feature-detect': path.join(ROOT, 'node_modules/wasm-feature-detect/dist/esm/index.js'),
    };
    const bundle = await rollup({
      input: path.join(ROOT, 'test/edge/worker.js'),
      external: (id) => id.endsWith('.wasm') || id.endsWith('.gz') || id === 'h5wasm' || id.startsWith('h5wasm/'),
      plugins: [{ name: 'alias', resolveId: (id: string) => alias[id] ?? null }],
      onwarn: () => {},
    });
    await bundle.write({ file: path.join(dir, 'worker.js'), format: 'es', inlineDynamicImports: true });
    await bundle.close();
    const code = readFileSync(path.join(dir, 'worker.js'), 'utf8');
    expect(code).not.toMatch(/from ['"]h5wasm/); // the worker does not need the HDF5 library
    copyFileSync(path.join(ROOT, 'dist/wasm/ck-simd.wasm'), path.join(dir, 'ck-simd.wasm'));
    copyFileSync(path.join(ROOT, 'dist/wasm/ck-as-simd.wasm'), path.join(dir, 'ck-as-simd.wasm'));
    copyFileSync(MTX, path.join(dir, 'matrix.mtx.gz'));
    const port = await freePort();
    writeFileSync(
      path.join(dir, 'config.capnp'),
      `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .ckWorker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const ckWorker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "ck-simd.wasm", wasm = embed "ck-simd.wasm"),
    (name = "ck-as-simd.wasm", wasm = embed "ck-as-simd.wasm"),
    (name = "matrix.mtx.gz", data = embed "matrix.mtx.gz"),
  ],
  compatibilityDate = "2024-09-23",
);
`,
    );
    proc = spawn(WORKERD, ['serve', path.join(dir, 'config.capnp'), '--verbose'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stderr!.on('data', (d) => (stderr += String(d)));
    proc.stdout!.on('data', (d) => (stderr += String(d)));
    let res: Response | undefined;
    for (let i = 0; i < 100 && !res; i++) {
      if (proc.exitCode !== null) throw new Error(`workerd exited with ${proc.exitCode}:\n${stderr}`);
      res = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
      if (!res) await new Promise((r) => setTimeout(r, 200));
    }
    if (!res) throw new Error(`workerd did not answer on 127.0.0.1:${port}:\n${stderr}`);
    const text = await res.text();
    if (res.status !== 200) throw new Error(`worker failed (${res.status}): ${text}\n${stderr}`);
    const r = JSON.parse(text) as EdgeResult;
    expect(r.runtime).toBe('edge');
    expect(r.variant).toBe('simd');
    expect(r.asVariant).toBe('as-simd');
    expect(r.threads).toBe(1);
    expect(r.notTaken['simd-threads']).toMatch(/precompiled module/);
    expectNodeNumbers(r);
    expect(r.asCellSums).toEqual(ref.cellSums);
    console.log(`workerd: QC + normalise + log1p + HVG on mouse10k in ${r.ms} ms (simd)`);
  }, 120_000);
});

describe('Deno (npm deno)', () => {
  it('imports dist/index.js and dist/io.js, chooses simd, reads the .mtx.gz and the .h5ad, and gives Node\'s numbers', async () => {
    const out = await new Promise<string>((resolve, reject) => {
      execFile(
        DENO,
        ['run', '--allow-read', '--allow-env', path.join(ROOT, 'test/edge/deno-check.mjs'), MTX, path.join(SHARED, 'mouse10k.h5ad')],
        { cwd: ROOT, maxBuffer: 64 << 20, env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' } },
        (e, stdout, stderr) => (e ? reject(new Error(`deno failed: ${e.message}\n${stderr}`)) : resolve(stdout)),
      );
    });
    const r = JSON.parse(out) as EdgeResult;
    expect(r.runtime).toBe('deno');
    expect(r.variant).toBe('simd');
    expect(r.asVariant).toBe('as-simd');
    expectNodeNumbers(r);
    expect(r.h5ad).toEqual({ shape: [10_000, 1_000], nnz: 691_914, firstVar: 'Xkr4' });
  }, 120_000);
});
