/**
 * The CUDA kernels' logic, verified without a GPU: the emulated addon (the same kernel sources
 * compiled as host C++ under the launch emulation of kernels-cpp/cuda/ck_cuda.h) runs as the
 * `cuda` backend through the conformance suite, residency, errors, and launch-configuration
 * independence. scripts/test.sh builds it (npm run build:cuda-emu) and requires these tests.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ck from '../../src/index.js';
import { jsBackend } from '../../src/backends/js/index.js';
import { createWasmBackend } from '../../src/backends/wasm/index.js';
import { loadVariant } from '../../src/runtime/load.js';
import { type CudaModule, loadCuda } from '../../src/backends/cuda/index.js';
import type { Backend } from '../../src/backends/types.js';
import { CUDA_MIN_WORK, explain, installBackend, listBackends, markUnavailable } from '../../src/dispatch/index.js';
import { InvalidInputError, InvalidOptionError } from '../../src/errors.js';
import { CsrMatrix, type DenseMatrix, type DType } from '../../src/matrix/index.js';
import { CsrHandle, DenseHandle } from '../../src/runtime/handles.js';
import { buildCase, CASE_SPECS, compareArrays, type ToleranceKind, validateBackend } from '../../src/testing/index.js';
import { csrToCsc } from '../../src/testing/cases.js';
import { mouse10k, toF64 } from '../helpers/data.js';
import { allCases } from '../helpers/cases.js';
import { golden } from '../helpers/golden.js';
import { type Plain, inLayouts, values } from '../helpers/transforms.js';
import { resolveHvgOptions } from '../../src/api/highly_variable_genes.js';
import { CUDA_KERNELS, addonPath, built, expectConformance, firstDifference, kernelOutputs, required } from './helpers.js';

const run = built('emulated') || required('emulated');
if (!run) console.warn(`test/cuda/emulated: skipped: ${addonPath('emulated')} is not built (npm run build:cuda-emu)`);

describe.runIf(run)('cuda backend, emulated build (kernel logic without a GPU)', () => {
  let backend: Backend;
  let mod: CudaModule;
  let real: CsrMatrix;

  beforeAll(async () => {
    const r = await loadCuda({ variant: 'emulated' });
    if (!r.ok) throw new Error(`the emulated CUDA addon did not load: ${r.reason}`);
    [backend, mod] = [r.backend, r.module];
    real = await mouse10k();
  });
  afterAll(() => mod?.addon.setEmuThreadLimit(0));

  it('is the cuda backend, variant "emulated", with the preprocessing kernels', () => {
    expect(backend.name).toBe('cuda');
    expect(backend.variant).toBe('emulated');
    expect(Object.keys(backend.kernels).sort()).toEqual([...CUDA_KERNELS].sort());
    expect(backend.minWork).toBe(CUDA_MIN_WORK);
    expect(backend.options).toEqual(['device']);
    expect(mod.simdTarget).toMatch(/emulation/);
  });

  it('passes validateBackend on every kernel it implements (edge cases + mouse10k, f32/f64, CSR/CSC/dense)', { timeout: 600_000 }, async () => {
    const report = await validateBackend(backend, { realData: [{ name: 'mouse10k', matrix: real }] });
    expect(report.variant).toBe('emulated');
    await expectConformance(report, real);
    expect(mod.liveAllocations, 'device memory left behind by the kernels').toBe(0);
  });

  it('transforms and HVG helpers match the js reference on more argument sets (masks, exclusion, every layout)', { timeout: 600_000 }, () => {
    const k = backend.kernels;
    const js = jsBackend.kernels;
    const check = (what: string, out: ArrayLike<number>, ref: ArrayLike<number>, kind: ToleranceKind, dtype: DType) => {
      const cmp = compareArrays(out, ref, kind, dtype);
      expect(cmp.ok, `${what}: ${cmp.message}`).toBe(true);
    };
    const generated = allCases().map((c) => ({ ...c, layouts: inLayouts(c.x) }));
    const realCases = [
      { name: 'mouse10k f32', dtype: 'f32' as DType, x: real, layouts: [{ layout: 'csr', x: real as Plain }, { layout: 'csc', x: csrToCsc(real) as Plain }] },
      { name: 'mouse10k f64', dtype: 'f64' as DType, x: toF64(real), layouts: [] as { layout: string; x: Plain }[] },
    ];
    realCases[1]!.layouts = [{ layout: 'csr', x: realCases[1]!.x }];
    for (const c of [...generated, ...realCases]) {
      const d = c.dtype;
      const mask = Uint8Array.from({ length: c.x.shape[0] }, (_, i) => (i % 3 === 1 ? 0 : 1));
      for (const { layout, x } of c.layouts) {
        for (const args of [
          { targetSum: null, excludeHighlyExpressed: false, maxFraction: 0.05 },
          { targetSum: 1e4, excludeHighlyExpressed: true, maxFraction: 0.05 },
        ]) {
          const w = `normalizeTotal ${c.name} ${layout} ${JSON.stringify(args)}`;
          const out = k.normalizeTotal!(x, args);
          const ref = js.normalizeTotal!(x, args);
          check(`${w} X`, values(out.X), values(ref.X), 'elementwise', d);
          check(`${w} normFactor`, out.normFactor, ref.normFactor, 'elementwise', d);
          check(`${w} totals`, out.totals, ref.totals, 'reduction', d);
          check(`${w} target`, [out.target], [ref.target], 'elementwise', d);
          expect(out.excludedGenes === null ? null : Array.from(out.excludedGenes), w).toEqual(ref.excludedGenes === null ? null : Array.from(ref.excludedGenes));
        }
        for (const args of [
          { zeroCenter: true, maxValue: null, mask: null },
          { zeroCenter: false, maxValue: 3, mask: null },
          { zeroCenter: true, maxValue: 2, mask },
          { zeroCenter: false, maxValue: null, mask },
        ]) {
          if (args.zeroCenter && layout !== 'dense' && c.x.shape[0] * c.x.shape[1] > 2e6) continue; // 80 MB dense twice
          const w = `scale ${c.name} ${layout} zc=${args.zeroCenter} max=${args.maxValue} mask=${args.mask !== null}`;
          const out = k.scale!(x, args);
          const ref = js.scale!(x, args);
          const dtypeOut = ref.X.dtype;
          check(`${w} X`, values(out.X as Plain), values(ref.X as Plain), 'elementwise', dtypeOut);
          check(`${w} mean`, out.mean, ref.mean, 'reduction', d);
          check(`${w} std`, out.std, ref.std, 'reduction', d);
        }
      }
      const clip = Float64Array.from({ length: c.x.shape[1] }, (_, j) => (j % 4 === 0 ? NaN : 0.5 + (j % 7)));
      const cs = k.clippedSums!(c.x, { clip });
      const csRef = js.clippedSums!(c.x, { clip });
      check(`clippedSums ${c.name} sum`, cs.sum, csRef.sum, 'reduction', d);
      check(`clippedSums ${c.name} sumSq`, cs.sumSq, csRef.sumSq, 'reduction', d);
      // expm1 of raw counts (e^x up to ~1e300) is outside its use: there even the wasm kernels
      // part from the js reference (Math.expm1 vs the C library's last bits, summed).
      for (const expm1 of c.name.startsWith('mouse10k') ? [false] : [true, false]) {
        const e = k.expm1MeanVar!(c.x, { expm1 });
        const eRef = js.expm1MeanVar!(c.x, { expm1 });
        check(`expm1MeanVar ${c.name} ${expm1} mean`, e.mean, eRef.mean, 'reduction', d);
        check(`expm1MeanVar ${c.name} ${expm1} var`, e.var, eRef.var, 'reduction', d);
      }
    }
    // highly_variable_genes: the statistics come from expm1MeanVar / clippedSums on the device.
    const logged = js.log1p!(js.normalizeTotal!(real, { targetSum: 1e4, excludeHighlyExpressed: false, maxFraction: 0.05 }).X, { base: null });
    for (const x of [logged, toF64(logged)]) {
      const e = k.expm1MeanVar!(x, { expm1: true });
      const eRef = js.expm1MeanVar!(x, { expm1: true });
      check(`expm1MeanVar logged mouse10k ${x.dtype} mean`, e.mean, eRef.mean, 'reduction', x.dtype);
      // var = E[t²] − mean² cancels: a summation order's error is relative to E[t²], not to var,
      // and 10,000-term sums in different orders differ by ~√n·eps: the wasm kernels are 80.6
      // eps·E[t²] from js here (measured), so this bound is 128 eps·E[t²].
      const eps = x.dtype === 'f32' ? 2 ** -23 : 2 ** -52;
      for (let j = 0; j < eRef.var.length; j++) {
        const scale = Math.max(Math.abs(eRef.var[j]!) + eRef.mean[j]! ** 2, 1);
        expect(Math.abs(e.var[j]! - eRef.var[j]!), `expm1MeanVar logged mouse10k ${x.dtype} var[${j}]`).toBeLessThanOrEqual(128 * eps * scale);
      }
    }
    // Without expm1 on counts every sum is exact: scanpy's _get_mean_var bit for bit.
    const gold = golden('mouse10k');
    const mv = k.expm1MeanVar!(real, { expm1: false });
    expect(Array.from(mv.mean)).toEqual(Array.from(gold.f64('meanvar.csr.axis0.mean')));
    expect(Array.from(mv.var)).toEqual(Array.from(gold.f64('meanvar.csr.axis0.var')));
    const detected = js.nnzCount!(real, { axis: 0, positive: false });
    const cols = Int32Array.from([...detected.keys()].filter((j) => detected[j]! > 0));
    const expressed = js.subset!(logged, { rows: null, cols }); // cell_ranger needs distinct bin edges
    for (const [flavor, x] of [['seurat', logged], ['cell_ranger', expressed], ['seurat_v3', real]] as const) {
      const args = resolveHvgOptions({ flavor, nTopGenes: 200 });
      const out = k.highlyVariableGenes!(x, args) as unknown as Record<string, ArrayLike<number>>;
      const ref = js.highlyVariableGenes!(x, args) as unknown as Record<string, ArrayLike<number>>;
      for (const col of ['means', 'dispersions', 'dispersionsNorm', 'variances', 'variancesNorm']) {
        if (ref[col]) check(`highlyVariableGenes ${flavor} ${col}`, out[col]!, ref[col]!, 'statistic', 'f64');
      }
      const hv = out.highlyVariable!;
      const hvRef = ref.highlyVariable!;
      let differ = 0;
      for (let j = 0; j < hvRef.length; j++) differ += hv[j] === hvRef[j] ? 0 : 1;
      expect(differ, `highlyVariableGenes ${flavor}: genes selected differently`).toBeLessThanOrEqual(2);
    }
    expect(mod.liveAllocations).toBe(0);
  });

  it('equals the wasm kernels bit for bit where both sum in one chunk (≤ 1,024 slices), any layout', async () => {
    if (!existsSync(new URL('../../build/wasm/ck-simd.wasm', import.meta.url))) return; // npm run build first
    const wasm = createWasmBackend(await loadVariant('simd'));
    const w = wasm.kernels;
    const k = backend.kernels;
    const same = (what: string, a: ArrayLike<number>, b: ArrayLike<number>) => expect(firstDifference(a, b), what).toBe(-1);
    for (const c of allCases()) {
      for (const { layout, x } of inLayouts(c.x)) {
        const at = `${c.name} ${layout}`;
        for (const axis of [0, 1] as const) {
          same(`sum ${at} ${axis}`, k.sum!(x, { axis }), w.sum!(x, { axis }));
          same(`nnzCount ${at} ${axis}`, k.nnzCount!(x, { axis, positive: true }), w.nnzCount!(x, { axis, positive: true }));
          const [a, b] = [k.meanVar!(x, { axis, ddof: 1 }), w.meanVar!(x, { axis, ddof: 1 })];
          same(`meanVar ${at} ${axis} mean`, a.mean, b.mean);
          same(`meanVar ${at} ${axis} var`, a.var, b.var);
        }
        const nt = { targetSum: null, excludeHighlyExpressed: true, maxFraction: 0.1 };
        const [na, nb] = [k.normalizeTotal!(x, nt), w.normalizeTotal!(x, nt)];
        same(`normalizeTotal ${at} totals`, na.totals, nb.totals);
        same(`normalizeTotal ${at} X`, values(na.X), values(nb.X));
        const sc = { zeroCenter: layout === 'dense', maxValue: 4, mask: null };
        const [sa, sb] = [k.scale!(x, sc), w.scale!(x, sc)];
        same(`scale ${at} std`, sa.std, sb.std);
        same(`scale ${at} X`, values(sa.X as Plain), values(sb.X as Plain));
      }
      const clip = new Float64Array(c.x.shape[1]).fill(2.5);
      same(`clippedSums ${c.name}`, k.clippedSums!(c.x, { clip }).sumSq, w.clippedSums!(c.x, { clip }).sumSq);
      const qc = { qcVars: [], percentTop: [1, 5], log1p: false };
      if (c.x.shape[1] >= 5) same(`qcMetrics ${c.name}`, k.qcMetrics!(c.x, qc).obs.pct_counts_in_top_5_genes!, w.qcMetrics!(c.x, qc).obs.pct_counts_in_top_5_genes!);
    }
  });

  it('gives identical bits for any launch configuration (1, 7, 33, 100 emulated threads or the full grid)', { timeout: 600_000 }, () => {
    // mouse10k has 10,000 rows: the column reductions use several chunks and tiles.
    const x = real;
    mod.addon.setEmuThreadLimit(0);
    const base = kernelOutputs(backend, x);
    for (const limit of [1, 7, 33, 100]) {
      mod.addon.setEmuThreadLimit(limit);
      const o = kernelOutputs(backend, x);
      for (const [name, ref] of Object.entries(base)) {
        expect(o[name]!.length, name).toBe(ref.length);
        expect(firstDifference(o[name]!, ref), `${name} differs with ${limit} threads`).toBe(-1);
      }
    }
    mod.addon.setEmuThreadLimit(0);
  });

  it('holds uploaded matrices in device memory: kernels on a handle stay resident, with no round trip', () => {
    const x = buildCase(CASE_SPECS.find((s) => s.name === 'odd lengths')!, 'f64');
    const before = { ...mod.transfers };
    const h = backend.upload!(x);
    expect(h).toBeInstanceOf(CsrHandle);
    expect(h.backend).toBe('cuda');
    const logged = backend.kernels.log1p!(h, { base: null });
    expect(logged).toBeInstanceOf(CsrHandle);
    const nt = backend.kernels.normalizeTotal!(logged, { targetSum: 1e4, excludeHighlyExpressed: false, maxFraction: 0.05 });
    expect(nt.X).toBeInstanceOf(CsrHandle);
    const scaled = backend.kernels.scale!(nt.X, { zeroCenter: true, maxValue: 10, mask: null });
    expect(scaled.X).toBeInstanceOf(DenseHandle);
    // Only the three input arrays went in; small vectors (totals, factors, mean, std) came out.
    expect(mod.transfers.toModule - before.toModule).toBe(3);
    const refLog = jsBackend.kernels.log1p!(x, { base: null });
    const refNt = jsBackend.kernels.normalizeTotal!(refLog, { targetSum: 1e4, excludeHighlyExpressed: false, maxFraction: 0.05 });
    const refScaled = jsBackend.kernels.scale!(refNt.X, { zeroCenter: true, maxValue: 10, mask: null });
    const cmp = compareArrays((scaled.X as DenseHandle).download().data, (refScaled.X as DenseMatrix).data, 'elementwise', 'f64');
    expect(cmp.ok, cmp.message).toBe(true);
    expect(Array.from(logged.download().data)).toEqual(Array.from(backend.kernels.log1p!(x, { base: null }).data));
    for (const r of [scaled.X as DenseHandle, nt.X, logged, h]) r.free();
    expect(h.freed).toBe(true);
    expect(() => backend.kernels.sum!(h, { axis: 1 })).toThrow(/freed/);
    expect(mod.liveAllocations).toBe(0);
  });

  it('reports bad input like the CPU kernels (typed errors, the offending row), and stays usable', () => {
    const x = new CsrMatrix(
      { shape: [3, 4], indptr: Int32Array.from([0, 1, 2, 3]), indices: Int32Array.from([0, 9, 1]), data: Float32Array.from([1, 2, 3]) },
      { validate: false },
    );
    expect(() => backend.kernels.sum!(x, { axis: 0 })).toThrow(InvalidInputError);
    expect(() => backend.kernels.sum!(x, { axis: 0 })).toThrow(/row 1 is outside/);
    expect(() => backend.kernels.meanVar!(x, { axis: 0, ddof: 3 as 1 })).toThrow(InvalidOptionError);
    expect(() => backend.kernels.sum!(x, { axis: 1 }, { device: 1 })).toThrow(/runs on device 0/);
    const ok = buildCase(CASE_SPECS.find((s) => s.name === 'one row')!, 'f32');
    expect(backend.kernels.sum!(ok, { axis: 1 }, { device: 0 })).toEqual(jsBackend.kernels.sum!(ok, { axis: 1 }));
    expect(mod.liveAllocations).toBe(0);
  });

  it('auto picks it only above its size threshold, and named it runs at any size', () => {
    const previous = listBackends().find((b) => b.name === 'cuda')!;
    installBackend(backend);
    try {
      const small = explain('sum', { nnz: 10 });
      expect(small.backend).not.toBe('cuda');
      expect(small.considered.find((c) => c.name === 'cuda')!.reasonSkipped).toMatch(/below its size threshold/);
      expect(explain('sum', { nnz: CUDA_MIN_WORK }).backend).toBe('cuda');
      expect(explain('sum', { nnz: 10 }, { backend: 'cuda' }).backend).toBe('cuda');
      // a kernel it lacks falls back along the auto order
      const sub = explain('subset', { nnz: CUDA_MIN_WORK * 2 });
      expect(sub.backend).not.toBe('cuda');
      expect(listBackends().find((b) => b.name === 'cuda')).toMatchObject({ available: true, variant: 'emulated', minWork: CUDA_MIN_WORK });
      // Through the public API: a matrix uploaded to cuda pins its calls there, results stay resident.
      const x = buildCase(CASE_SPECS.find((s) => s.name === 'odd lengths')!, 'f32');
      const h = ck.upload(x, { backend: 'cuda' }) as CsrHandle;
      expect(h.backend).toBe('cuda');
      const logged = ck.log1p(h);
      expect(logged).toBeInstanceOf(CsrHandle);
      expect(Array.from(ck.sum(logged, { axis: 0 }))).toEqual(Array.from(backend.kernels.sum!(backend.kernels.log1p!(x, { base: null }), { axis: 0 })));
      expect(() => ck.subset(h, { rows: [0] })).toThrow(/cuda/);
      logged.free();
      h.free();
    } finally {
      markUnavailable('cuda', previous.reason ?? 'not initialised: call `await init()` first');
    }
  });
});
