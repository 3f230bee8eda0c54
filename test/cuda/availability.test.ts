/**
 * The cuda backend where it cannot run (no addon, no driver, no device, not Linux): auto never
 * picks it, naming it raises BackendUnavailableError with the precise reason, listBackends()
 * shows that reason, and nothing is loaded before init(). On a GPU machine with the addon built
 * the same tests check the opposite (it loads and is listed as available).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import * as ck from '../../src/index.js';
import { cudaHostReason, loadCuda } from '../../src/backends/cuda/index.js';
import { CsrMatrix } from '../../src/matrix/index.js';
import { addonPath, built, checkBuildPath } from './helpers.js';

const require = createRequire(import.meta.url);
const nativeLoaded = () => Object.keys(require.cache).filter((k) => k.endsWith('.node'));

afterAll(() => ck.shutdown());

describe('loading the cuda backend', () => {
  it('loads nothing at import time', () => {
    expect(nativeLoaded()).toEqual([]);
    expect(ck.listBackends().find((b) => b.name === 'cuda')).toMatchObject({ available: false, reason: 'not initialised: call `await init()` first' });
  });

  it('init() reports exactly why cuda is unavailable here, or loads it on a GPU machine', async () => {
    const direct = await loadCuda();
    await ck.init();
    const st = ck.listBackends().find((b) => b.name === 'cuda')!;
    if (direct.ok) {
      expect(st).toMatchObject({ available: true, variant: 'device' });
      return;
    }
    expect(st.available).toBe(false);
    expect(st.reason).toBe(direct.reason);
    expect(st.install).toMatch(/npm run build:cuda/);
    if (built('device')) {
      // The addon loads (it links the CUDA runtime statically); the driver or the device is missing.
      expect(st.reason).toMatch(/^(no NVIDIA driver: libcuda\.so\.1 cannot be loaded|no CUDA device|the NVIDIA driver supports CUDA)/);
      expect(nativeLoaded()).toContain(addonPath('device'));
    } else {
      expect(st.reason).toMatch(/^the CUDA addon is not built \(no .*ck_cuda\.node\): run `npm run build:cuda`/);
      expect(nativeLoaded()).toEqual([]);
    }
  });

  it('without it, auto never picks cuda and naming it raises BackendUnavailableError with the reason', async () => {
    if ((await loadCuda()).ok) return; // a GPU machine: covered by device.test.ts
    await ck.init();
    const reason = ck.listBackends().find((b) => b.name === 'cuda')!.reason!;
    const x = new CsrMatrix({ shape: [2, 2], indptr: Int32Array.from([0, 1, 2]), indices: Int32Array.from([0, 1]), data: Float32Array.from([1, 2]) });
    let err: unknown;
    try {
      ck.sum(x, { backend: 'cuda' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ck.BackendUnavailableError);
    const bue = err as ck.BackendUnavailableError;
    expect(bue.backend).toBe('cuda');
    expect(bue.reason).toBe(reason);
    expect(bue.message).toContain(reason);
    expect(() => ck.withBackend('cuda', () => ck.sum(x))).toThrow(ck.BackendUnavailableError);
    // auto: even far above the size threshold
    const big = { nnz: 50_000_000 };
    for (const k of ['sum', 'log1p', 'normalizeTotal'] as const) {
      const e = ck.explain(k, big);
      expect(e.backend).not.toBe('cuda');
      expect(e.considered.find((c) => c.name === 'cuda')!.reasonSkipped).toBe(`unavailable: ${reason}`);
    }
    expect(Array.from(ck.sum(x))).toEqual([1, 2]);
  });

  it('a built addon on a machine without a driver or GPU: the precise reason, and still never chosen', async () => {
    // build/cuda-check is what scripts/test.sh compiles with nvcc (CI); build/cuda what build:cuda makes.
    const path = [checkBuildPath(), addonPath('device')].find((p) => existsSync(p));
    if (!path) {
      console.warn('test/cuda/availability: no nvcc build here (scripts/build-cuda.sh --check): the driver/device reasons are not exercised');
      return;
    }
    const direct = await loadCuda({ path });
    if (direct.ok) return; // a GPU machine: device.test.ts
    expect(direct.reason).toMatch(/^(no NVIDIA driver: libcuda\.so\.1 cannot be loaded \(.+\); install the NVIDIA driver|no CUDA device: |the NVIDIA driver supports CUDA \d+\.\d+ but the addon was built with CUDA \d+\.\d+)/);
    ck.shutdown();
    process.env.CELLKERNELS_CUDA_ADDON = path;
    try {
      await ck.init();
      const st = ck.listBackends().find((b) => b.name === 'cuda')!;
      expect(st).toMatchObject({ available: false, reason: direct.reason });
      const x = new CsrMatrix({ shape: [1, 1], indptr: Int32Array.from([0, 1]), indices: Int32Array.from([0]), data: Float32Array.from([3]) });
      expect(() => ck.log1p(x, { backend: 'cuda' })).toThrow(direct.reason);
      expect(ck.explain('sum', { nnz: 1e9 }).backend).not.toBe('cuda');
    } finally {
      delete process.env.CELLKERNELS_CUDA_ADDON;
      ck.shutdown();
    }
  });

  it('init({ backends }) can leave it out, and shutdown() marks it', async () => {
    ck.shutdown();
    expect(ck.listBackends().find((b) => b.name === 'cuda')!.reason).toMatch(/^shut down/);
    await ck.init({ backends: ['wasm'] });
    expect(ck.listBackends().find((b) => b.name === 'cuda')!.reason).toBe('not loaded: init({ backends }) left it out');
    ck.shutdown();
  });

  it('says why for every other host: not Node, not Linux, missing file, bad device ordinal', async () => {
    expect(cudaHostReason('browser')).toBe('the CUDA addon needs Node on Linux; this is browser');
    expect(cudaHostReason('edge')).toBe('the CUDA addon needs Node on Linux; this is edge');
    const platform = Object.getOwnPropertyDescriptor(process, 'platform')!;
    Object.defineProperty(process, 'platform', { value: 'darwin' });
    try {
      expect(await loadCuda()).toEqual({ ok: false, reason: 'the CUDA addon is built for Linux only; this is darwin' });
    } finally {
      Object.defineProperty(process, 'platform', platform);
    }
    expect(await loadCuda({ path: '/nonexistent/ck_cuda.node' })).toEqual({
      ok: false,
      reason: 'the CUDA addon is not built (no /nonexistent/ck_cuda.node): run `npm run build:cuda` in the cellkernels package (Linux with nvcc)',
    });
    const bad = await loadCuda({ device: -1 });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.reason).toMatch(/non-negative integer/);
  });
});
