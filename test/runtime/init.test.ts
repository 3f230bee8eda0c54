import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import * as ck from '../../src/index.js';
import type { HostFacts } from '../../src/runtime/detect.js';
import { stopPool } from '../../src/runtime/load.js';
import { WASM_VARIANTS, chooseVariant } from '../../src/runtime/variant.js';

afterAll(() => ck.shutdown());

const node: HostFacts = { runtime: 'node', crossOriginIsolated: true, canStartWorkers: true, hardwareConcurrency: 2 };
const page: HostFacts = { runtime: 'browser', crossOriginIsolated: false, canStartWorkers: true, hardwareConcurrency: 8 };
const all = { simd: true, threads: true };

describe('variant choice', () => {
  it('Node with SIMD and threads takes simd-threads', () => {
    expect(chooseVariant(WASM_VARIANTS, node, all)).toEqual({ variant: 'simd-threads', notTaken: {} });
  });

  it('a page that is not crossOriginIsolated takes simd and says why', () => {
    const c = chooseVariant(WASM_VARIANTS, page, all);
    expect('variant' in c && c.variant).toBe('simd');
    expect('notTaken' in c && c.notTaken['simd-threads']).toMatch(/crossOriginIsolated.*Cross-Origin-Opener-Policy/);
  });

  it('an isolated page with workers takes simd-threads', () => {
    expect(chooseVariant(WASM_VARIANTS, { ...page, crossOriginIsolated: true }, all)).toMatchObject({ variant: 'simd-threads' });
  });

  it('no SIMD means scalar, with both faster variants explained', () => {
    const c = chooseVariant(WASM_VARIANTS, node, { simd: false, threads: true });
    expect(c).toMatchObject({ variant: 'scalar' });
    expect('notTaken' in c && Object.keys(c.notTaken)).toEqual(['simd-threads', 'simd']);
  });

  it('a precompiled module (edge runtimes) never takes threads', () => {
    const c = chooseVariant(WASM_VARIANTS, { ...node, runtime: 'edge', canStartWorkers: false }, all, { precompiled: true });
    expect(c).toMatchObject({ variant: 'simd', notTaken: { 'simd-threads': expect.stringMatching(/precompiled/) } });
  });

  it('a forced variant is honoured, and an impossible one is an error', () => {
    expect(chooseVariant(WASM_VARIANTS, node, all, { forced: 'scalar' })).toMatchObject({ variant: 'scalar' });
    expect(chooseVariant(WASM_VARIANTS, page, all, { forced: 'simd-threads' })).toMatchObject({ error: expect.stringMatching(/crossOriginIsolated/) });
  });
});

describe('init() and info() in Node', () => {
  it('loads simd-threads with the requested threads and reports it', async () => {
    const info = await ck.init({ threads: 2 });
    expect(info).toMatchObject({ backend: 'wasm', variant: 'simd-threads', asVariant: 'as-simd', simd: true, threads: 2, simdTarget: 'WASM' });
    expect(info.notTaken).toEqual({});
    const names = ck.info()!.backends.map((b) => [b.name, b.available]);
    expect(names).toEqual([['cuda', false], ['wasm', true], ['as', true], ['js', true]]);
    // Not built (CI builds the nvcc addon elsewhere), or built on a machine without a GPU.
    expect(ck.info()!.backends.find((b) => b.name === 'cuda')!.reason).toMatch(/not built.*build:cuda|no NVIDIA driver|no CUDA device/);
  });

  it('rejects unknown init options and bad thread counts', async () => {
    ck.shutdown();
    await expect(ck.init({ therads: 2 } as never)).rejects.toThrow(/unknown option "therads"/);
    await expect(ck.init({ threads: 0 })).rejects.toThrow(ck.InvalidOptionError);
    await expect(ck.init({ variant: 'avx512' as never })).rejects.toThrow(/variant must be one of/);
  });

  it('init({ variant }) forces a variant and explains the ones passed over', async () => {
    ck.shutdown();
    const info = await ck.init({ variant: 'scalar' });
    expect(info.variant).toBe('scalar');
    expect(info.simdTarget).toBe('EMU128');
    expect(info.notTaken).toMatchObject({ 'simd-threads': 'variant scalar was requested', simd: 'variant scalar was requested' });
  });

  it('init({ module }) instantiates a precompiled module (the edge-runtime path)', async () => {
    ck.shutdown();
    const { readFile } = await import('node:fs/promises');
    const mod = await WebAssembly.compile(await readFile(new URL('../../build/wasm/ck-simd.wasm', import.meta.url)));
    const info = await ck.init({ module: mod, backends: ['wasm'] });
    expect(info.variant).toBe('simd');
    expect(info.notTaken['simd-threads']).toMatch(/precompiled/);
    expect(ck.info()!.backends.find((b) => b.name === 'as')!.available).toBe(false);
  });

  it('a missing asset is a ModuleLoadError that says how to fix it', async () => {
    ck.shutdown();
    await expect(ck.init({ wasmPaths: '/nonexistent/dir', variant: 'simd' })).rejects.toThrow(/could not read ck-simd.wasm.*wasmPaths/);
  });

  it('CELLKERNELS_VARIANT selects the variant (checked in a fresh process)', () => {
    const script = `import('${new URL('../../dist/index.js', import.meta.url).href}').then(async (ck) => { const i = await ck.init(); console.log(i.variant); })`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, CELLKERNELS_VARIANT: 'simd' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(out.trim()).toBe('simd');
  });
});

describe('reasons name the real obstacle', () => {
  it('a non-isolated page is told about COOP/COEP even though its threads probe also fails', () => {
    const c = chooseVariant(WASM_VARIANTS, page, { simd: true, threads: false });
    expect('notTaken' in c && c.notTaken['simd-threads']).toMatch(/not crossOriginIsolated/);
  });

  it('Deno and edge runtimes are told the threaded build needs worker_threads or a browser', () => {
    for (const runtime of ['deno', 'edge'] as const) {
      const c = chooseVariant(WASM_VARIANTS, { ...node, runtime, crossOriginIsolated: false }, all);
      expect(c).toMatchObject({ variant: 'simd', notTaken: { 'simd-threads': expect.stringMatching(new RegExp(`worker_threads.*this is ${runtime}`)) } });
    }
  });
});

describe('shutdown() and the simd-threads pool', () => {
  // Emscripten's own PThread.terminateAllThreads() frees a running thread's stack and control
  // block before it terminates the worker; a worker that runs in between traps on freed memory
  // and the trap reaches the host as an uncaught exception (seen once in CI).
  it('terminates every worker, idle or running a thread, and frees no thread memory', () => {
    const events: string[] = [];
    const worker = (name: string) => ({ terminate: () => events.push(`terminate ${name}`) });
    const pool = {
      unusedWorkers: [worker('idle')],
      runningWorkers: [worker('running 1'), worker('running 2')],
      terminateAllThreads: () => events.push('free the running threads'),
    };
    stopPool(pool);
    expect(events.sort()).toEqual(['terminate idle', 'terminate running 1', 'terminate running 2']);
  });

  it('a real pool can be shut down right after init and after a kernel, and reloaded', async () => {
    const rows = 50_000; // enough rows for the kernel to use both threads
    const ones = new ck.CsrMatrix({
      shape: [rows, 10],
      data: new Float32Array(rows * 10).fill(1),
      indices: Int32Array.from({ length: rows * 10 }, (_, k) => k % 10),
      indptr: Int32Array.from({ length: rows + 1 }, (_, r) => r * 10),
    });
    for (let i = 0; i < 3; i++) {
      ck.shutdown();
      await ck.init({ threads: 2, backends: ['wasm'] });
      if (i > 0) expect(Array.from(ck.sum(ones, { axis: 0 }))).toEqual(new Array(10).fill(rows));
    }
    ck.shutdown();
    await new Promise((r) => setTimeout(r, 250)); // past one wake of a cancellable wait
  });
});
