/**
 * The real addon on a GPU: conformance, identical bits to the emulated build, residency, and
 * auto's size threshold. Runs where the device addon loads (built, driver, device); skipped
 * elsewhere, except under scripts/gpu-check.sh (CELLKERNELS_REQUIRE_CUDA_DEVICE=1), where a
 * missing device is a failure that says why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ck from '../../src/index.js';
import { type CudaLoadResult, type CudaModule, loadCuda } from '../../src/backends/cuda/index.js';
import type { Backend } from '../../src/backends/types.js';
import type { CsrMatrix } from '../../src/matrix/index.js';
import { CsrHandle } from '../../src/runtime/handles.js';
import { compareArrays, validateBackend } from '../../src/testing/index.js';
import { mouse10k } from '../helpers/data.js';
import { built, expectConformance, firstDifference, kernelOutputs, required } from './helpers.js';

const load: CudaLoadResult = built('device') || required('device') ? await loadCuda() : { ok: false, reason: 'build/cuda/Release/ck_cuda.node is not built (npm run build:cuda)' };
if (!load.ok) console.warn(`test/cuda/device: skipped: ${load.reason}`);

describe.runIf(load.ok || required('device'))('cuda backend on a GPU (device build)', () => {
  let backend: Backend;
  let mod: CudaModule;
  let real: CsrMatrix;
  beforeAll(async () => {
    if (!load.ok) throw new Error(`CELLKERNELS_REQUIRE_CUDA_DEVICE=1 but the device addon cannot run: ${load.reason}`);
    [backend, mod] = [load.backend, load.module];
    real = await mouse10k();
    console.log(`cuda device: ${mod.simdTarget}, ${(mod.device.totalMemory / 2 ** 30).toFixed(1)} GiB, ${mod.device.multiprocessors} SMs`);
  });
  afterAll(() => ck.shutdown());

  it('passes validateBackend on every kernel it implements', { timeout: 600_000 }, async () => {
    const report = await validateBackend(backend, { realData: [{ name: 'mouse10k', matrix: real }] });
    expect(report.variant).toBe('device');
    await expectConformance(report, real);
    expect(mod.liveAllocations).toBe(0);
  });

  it('computes the same bits as the emulated build (math-library outputs within 4 ULP)', { timeout: 600_000 }, async () => {
    const emu = await loadCuda({ variant: 'emulated' });
    if (!emu.ok) throw new Error(`the emulated addon is needed for this comparison: ${emu.reason}`);
    const dev = kernelOutputs(backend, real);
    const ref = kernelOutputs(emu.backend, real);
    for (const [name, r] of Object.entries(ref)) {
      if (name.startsWith('math:')) {
        const cmp = compareArrays(dev[name]!, r, 'elementwise', name === 'math:log1p' ? 'f32' : 'f64');
        expect(cmp.ok, `${name}: ${cmp.message}`).toBe(true);
      } else {
        expect(firstDifference(dev[name]!, r), `${name} differs from the emulation`).toBe(-1);
      }
    }
  });

  it('keeps uploaded matrices on the device and frees them', () => {
    const h = backend.upload!(real);
    const logged = backend.kernels.log1p!(h, { base: null });
    expect(logged).toBeInstanceOf(CsrHandle);
    const sums = backend.kernels.sum!(logged, { axis: 0 });
    const ref = ck.sum(ck.log1p(real, { backend: 'js' }), { axis: 0, backend: 'js' });
    const cmp = compareArrays(sums, ref, 'reduction', 'f32');
    expect(cmp.ok, cmp.message).toBe(true);
    logged.free();
    h.free();
    expect(mod.liveAllocations).toBe(0);
  });

  it('init() installs it, and auto picks it only above its size threshold', async () => {
    await ck.init({ backends: ['cuda'] });
    const st = ck.listBackends().find((b) => b.name === 'cuda')!;
    expect(st).toMatchObject({ available: true, variant: 'device' });
    expect(ck.explain('sum', { nnz: 10 }).backend).toBe('js');
    expect(ck.explain('sum', { nnz: ck.listBackends().find((b) => b.name === 'cuda')!.minWork! }).backend).toBe('cuda');
  });
});
