/** Shared set-up of the CUDA tests: where the addons are, whether they must be there. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { CUDA_ADDON_FILES, type CudaVariant } from '../../src/backends/cuda/index.js';
import type { Backend, KernelName } from '../../src/backends/types.js';
import { createWasmBackend } from '../../src/backends/wasm/index.js';
import { loadVariant } from '../../src/runtime/load.js';
import { type ValidationReport, formatReport, validateBackend } from '../../src/testing/index.js';
import { type CsrMatrix, DenseMatrix } from '../../src/matrix/index.js';
import { csrToCsc } from '../../src/testing/cases.js';

/** Absolute path of an addon build. */
export function addonPath(variant: CudaVariant): string {
  return fileURLToPath(new URL(`../../${CUDA_ADDON_FILES[variant]}`, import.meta.url));
}

/** The nvcc build that scripts/test.sh compiles in CI (scripts/build-cuda.sh --check). */
export function checkBuildPath(): string {
  return fileURLToPath(new URL('../../build/cuda-check/Release/ck_cuda.node', import.meta.url));
}

/** Whether an addon build exists. */
export function built(variant: CudaVariant): boolean {
  return existsSync(addonPath(variant));
}

/**
 * Whether the tests of a build must run: CI (scripts/test.sh) builds the emulated addon and sets
 * CELLKERNELS_REQUIRE_CUDA_EMU=1; scripts/gpu-check.sh sets CELLKERNELS_REQUIRE_CUDA_DEVICE=1.
 * Elsewhere a missing build skips its tests (and says so) instead of failing them.
 */
export function required(variant: CudaVariant): boolean {
  return process.env[variant === 'device' ? 'CELLKERNELS_REQUIRE_CUDA_DEVICE' : 'CELLKERNELS_REQUIRE_CUDA_EMU'] === '1';
}

/** The kernels the CUDA addon implements (through the shared C ABI adapters). */
export const CUDA_KERNELS = [
  'log1p',
  'sum',
  'nnzCount',
  'meanVar',
  'qcMetrics',
  'filterCells',
  'filterGenes',
  'normalizeTotal',
  'scale',
  'highlyVariableGenes',
  'expm1MeanVar',
  'clippedSums',
] as const;

/**
 * Outputs of every CUDA kernel on one matrix (plus its CSC twin and a 5,000 × 24 dense matrix),
 * as plain arrays by name, for bitwise comparisons across launch configurations and builds.
 * Names starting with `math:` come from log1p / expm1 (the math library may differ in the last
 * bit between CUDA and glibc); every other output is plain IEEE arithmetic.
 */
export function kernelOutputs(backend: Backend, x: CsrMatrix): Record<string, ArrayLike<number>> {
  const k = backend.kernels;
  const o: Record<string, ArrayLike<number>> = {};
  const csc = csrToCsc(x);
  for (const axis of [0, 1] as const) {
    o[`sum${axis}`] = k.sum!(x, { axis });
    o[`sum-csc${axis}`] = k.sum!(csc, { axis });
    o[`nnz${axis}`] = k.nnzCount!(x, { axis, positive: false });
    const mv = k.meanVar!(x, { axis, ddof: 1 });
    o[`mean${axis}`] = mv.mean;
    o[`var${axis}`] = mv.var;
    o[`var-csc${axis}`] = k.meanVar!(csc, { axis, ddof: 0 }).var;
  }
  // 5,000 × 24 dense: several row chunks down the columns.
  const dense = new DenseMatrix({ shape: [5000, 24], data: Float32Array.from({ length: 5000 * 24 }, (_, i) => ((i * 7919) % 101) / 7) });
  o.denseSum = k.sum!(dense, { axis: 0 });
  o.denseVar = k.meanVar!(dense, { axis: 0, ddof: 1 }).var;
  o.denseScale = (k.scale!(dense, { zeroCenter: true, maxValue: 2, mask: null }).X as DenseMatrix).data;
  o['math:log1p'] = k.log1p!(x, { base: null }).data;
  const e = k.expm1MeanVar!(x, { expm1: true });
  o['math:emean'] = e.mean;
  o['math:evar'] = e.var;
  const clip = new Float64Array(x.shape[1]).fill(3.5);
  o.clip = k.clippedSums!(x, { clip }).sumSq;
  const nt = k.normalizeTotal!(x, { targetSum: null, excludeHighlyExpressed: true, maxFraction: 0.05 });
  o.nt = nt.X.data;
  o.ntc = k.normalizeTotal!(csc, { targetSum: 1e4, excludeHighlyExpressed: true, maxFraction: 0.05 }).totals;
  const sc = k.scale!(x, { zeroCenter: false, maxValue: 10, mask: null });
  o.scale = (sc.X as CsrMatrix).data;
  o.std = sc.std;
  const qc = k.qcMetrics!(x, { qcVars: [], percentTop: [5, 20], log1p: false });
  for (const [name, col] of Object.entries({ ...qc.obs, ...qc.var })) o[`qc:${name}`] = col;
  return o;
}

/** Index of the first element whose bits differ (Object.is), or -1. */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

/**
 * The cuda backend's conformance report passes: every kernel it implements passes (or, without a
 * recipe yet, is skipped saying so), the rest are "not implemented". A failure is accepted only
 * where the CPU kernels (wasm simd) fail the same run by as much: a recipe whose reference or
 * tolerance is off for every compiled backend, not an error of the CUDA kernels.
 */
export async function expectConformance(report: ValidationReport, real: CsrMatrix): Promise<void> {
  const text = formatReport(report);
  console.log(text);
  expect(report.backend).toBe('cuda');
  const failed = report.kernels.filter((k) => k.status === 'fail');
  if (failed.length > 0) {
    expect(existsSync(new URL('../../build/wasm/ck-simd.wasm', import.meta.url)), `${text}\n(build/wasm is needed to tell a recipe problem from a CUDA one)`).toBe(true);
    const wasm = await validateBackend(createWasmBackend(await loadVariant('simd')), {
      kernels: failed.map((k) => k.kernel as KernelName),
      realData: [{ name: 'mouse10k', matrix: real }],
    });
    for (const k of failed) {
      const w = wasm.kernels.find((x) => x.kernel === k.kernel)!;
      console.warn(`cuda ${k.kernel} fails where wasm simd fails too: ${k.worstCase} ${k.worstRatio.toFixed(2)}× vs ${w.worstCase} ${w.worstRatio.toFixed(2)}×`);
      expect(w.status, `${k.kernel}: only cuda fails\n${text}`).toBe('fail');
      expect(k.worstCase, text).toBe(w.worstCase);
      expect(k.worstRatio, text).toBeLessThanOrEqual(w.worstRatio * 1.05);
    }
  }
  for (const k of report.kernels) {
    if ((CUDA_KERNELS as readonly string[]).includes(k.kernel)) {
      if (k.status === 'skip') expect(k.message, `${k.kernel}\n${text}`).toMatch(/^no conformance recipe for/);
      else if (k.status !== 'fail') expect(k.status, `${k.kernel}\n${text}`).toBe('pass');
    } else {
      expect(k.status, `${k.kernel}\n${text}`).toBe('skip');
      expect(k.message).toMatch(/^not implemented by "cuda"/);
    }
  }
}
