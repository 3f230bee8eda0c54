/**
 * Residency of dense matrices and of upload()/download(): DenseHandle is a kernel input
 * wherever a kernel takes dense input, upload() picks its backend through the dispatcher
 * (call > withBackend scope > settings.backend > auto), handles dispose.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as ck from '../../src/index.js';
import { createWasmBackend } from '../../src/backends/wasm/index.js';
import { loadVariant } from '../../src/runtime/load.js';
import type { KernelModule } from '../../src/runtime/module.js';
import { buildCase } from '../helpers/cases.js';
import { sameBits, toDense } from '../helpers/transforms.js';

const wasm = { backend: 'wasm' } as const;
let dense: ck.DenseMatrix;
let csr: ck.CsrMatrix;
beforeAll(async () => {
  await ck.init({ threads: 2 });
  csr = buildCase({ name: 'counts', rows: 300, cols: 40, density: 0.3, value: (r) => Math.floor(r() * 9) + 1 }, 'f32');
  dense = toDense(csr);
});
afterAll(() => ck.shutdown());
afterEach(() => {
  ck.settings.backend = 'auto';
});

function moved(mod: KernelModule, fn: () => void): number {
  const t0 = mod.transfers.bytesToModule + mod.transfers.bytesFromModule;
  fn();
  return mod.transfers.bytesToModule + mod.transfers.bytesFromModule - t0;
}

describe('DenseHandle is a kernel input wherever dense input is taken', () => {
  it('upload(DenseMatrix) gives a DenseHandle; download() gives the values back', () => {
    const h = ck.upload(dense, wasm) as ck.DenseHandle;
    expect(h).toBeInstanceOf(ck.DenseHandle);
    const d = ck.download(h);
    expect(d).toBeInstanceOf(ck.DenseMatrix);
    expect(d.shape).toEqual(dense.shape);
    expect(sameBits(d.data, dense.data)).toBe(true);
    h.free();
  });

  it('log1p, normalizeTotal and scale on a DenseHandle return DenseHandles with the plain results, moving only vectors', () => {
    const h = ck.upload(dense, wasm) as ck.DenseHandle;
    const mod = h.module;
    const [nrows, ncols] = dense.shape;
    const small = 4 * 8 * Math.max(nrows, ncols);
    let l!: ck.DenseHandle;
    let n!: ck.NormalizeTotalResult<ck.DenseHandle>;
    let s!: ck.ScaleResult<ck.DenseHandle>;
    let s2!: ck.ScaleResult<ck.DenseHandle>;
    expect(moved(mod, () => (l = ck.log1p(h, { base: 2, ...wasm })))).toBe(0);
    expect(moved(mod, () => (n = ck.normalizeTotal(h, { excludeHighlyExpressed: true, ...wasm })))).toBeLessThanOrEqual(small);
    expect(moved(mod, () => (s = ck.scale(l, { maxValue: 2, ...wasm })))).toBeLessThanOrEqual(small);
    expect(moved(mod, () => (s2 = ck.scale(l, { zeroCenter: false, mask: Array.from({ length: nrows }, (_, i) => i % 2 === 0), ...wasm })))).toBeLessThanOrEqual(small);
    for (const r of [l, n.X, s.X, s2.X]) expect(r).toBeInstanceOf(ck.DenseHandle);

    const pl = ck.log1p(dense, { base: 2, ...wasm });
    const pn = ck.normalizeTotal(dense, { excludeHighlyExpressed: true, ...wasm });
    const ps = ck.scale(pl, { maxValue: 2, ...wasm });
    const ps2 = ck.scale(pl, { zeroCenter: false, mask: Array.from({ length: nrows }, (_, i) => i % 2 === 0), ...wasm });
    expect(sameBits(l.download().data, pl.data)).toBe(true);
    expect(sameBits(n.X.download().data, pn.X.data)).toBe(true);
    expect(sameBits(n.normFactor, pn.normFactor)).toBe(true);
    expect(sameBits(n.excludedGenes!, pn.excludedGenes!)).toBe(true);
    expect(n.target).toBe(pn.target);
    for (const [a, b] of [[s, ps], [s2, ps2]] as const) {
      expect(a.X.dtype).toBe('f32');
      expect(sameBits(a.X.download().data, b.X.data)).toBe(true);
      expect(sameBits(a.mean, b.mean)).toBe(true);
      expect(sameBits(a.std, b.std)).toBe(true);
    }
    // The input handle is untouched.
    expect(sameBits(h.download().data, dense.data)).toBe(true);
    for (const r of [h, l, n.X, s.X, s2.X]) r.free();
  });

  it('sum, meanVar, nnzCount and filterCells/Genes read a DenseHandle in place', () => {
    const h = ck.upload(dense, wasm) as ck.DenseHandle;
    const mod = h.module;
    for (const axis of [0, 1] as const) {
      let got!: Float64Array;
      expect(moved(mod, () => (got = ck.sum(h, { axis, ...wasm })))).toBe(8 * dense.shape[axis === 1 ? 0 : 1]);
      expect(sameBits(got, ck.sum(dense, { axis, ...wasm }))).toBe(true);
      const mv = ck.meanVar(h, { axis, ...wasm });
      const pmv = ck.meanVar(dense, { axis, ...wasm });
      expect(sameBits(mv.mean, pmv.mean) && sameBits(mv.var, pmv.var)).toBe(true);
      expect(Array.from(ck.nnzCount(h, { axis, ...wasm }))).toEqual(Array.from(ck.nnzCount(dense, { axis, ...wasm })));
    }
    expect(Array.from(ck.filterCells(h, { minCounts: 20, ...wasm }).mask)).toEqual(Array.from(ck.filterCells(dense, { minCounts: 20, ...wasm }).mask));
    expect(Array.from(ck.filterGenes(h, { minCells: 90, ...wasm }).mask)).toEqual(Array.from(ck.filterGenes(dense, { minCells: 90, ...wasm }).mask));
    h.free();
  });

  it('scale() of a CsrHandle gives a DenseHandle that the next kernel takes', () => {
    const h = ck.upload(csr, wasm) as ck.CsrHandle;
    const s = ck.scale(h, wasm);
    expect(s.X).toBeInstanceOf(ck.DenseHandle);
    const mv = ck.meanVar(s.X, wasm);
    const plain = ck.meanVar(ck.scale(csr, wasm).X, wasm);
    expect(sameBits(mv.mean, plain.mean) && sameBits(mv.var, plain.var)).toBe(true);
    h.free();
    s.X.free();
  });

  it('qcMetrics, highlyVariableGenes and subset take a DenseHandle: the plain dense results, subset stays resident', () => {
    const h = ck.upload(dense, wasm) as ck.DenseHandle;
    const qc = ck.qcMetrics(h, { percentTop: [5, 20], ...wasm });
    const pqc = ck.qcMetrics(dense, { percentTop: [5, 20], ...wasm });
    for (const t of ['obs', 'var'] as const) for (const k of Object.keys(pqc[t])) expect(sameBits(qc[t][k]!, pqc[t][k]!), `${t}.${k}`).toBe(true);
    const hvg = ck.highlyVariableGenes(h, { flavor: 'seurat_v3', nTopGenes: 10, ...wasm });
    expect(Array.from(hvg.highlyVariable)).toEqual(Array.from(ck.highlyVariableGenes(dense, { flavor: 'seurat_v3', nTopGenes: 10, ...wasm }).highlyVariable));
    const sub = ck.subset(h, { rows: [3, 1, 1], cols: [true, ...Array.from({ length: 39 }, (_, j) => j % 2 === 0)] });
    expect(sub).toBeInstanceOf(ck.DenseHandle);
    expect(sub.module).toBe(h.module);
    expect(sameBits(sub.download().data, ck.subset(dense, { rows: [3, 1, 1], cols: [true, ...Array.from({ length: 39 }, (_, j) => j % 2 === 0)] }).data)).toBe(true);
    sub.free();
    h.free();
  });

  it('kernels without dense input, other backends, freed handles and foreign modules: clear InvalidInputErrors', async () => {
    const h = ck.upload(dense, wasm) as ck.DenseHandle;
    expect(() => ck.toCsc(h as never)).toThrow(ck.InvalidInputError);
    expect(() => ck.qcMetrics(h, { percentTop: null, backend: 'js' })).toThrow(/resident in the wasm backend but backend "js" was requested/);
    expect(() => ck.subset(h, { rows: [0], backend: 'js' })).toThrow(/resident in the wasm backend but backend "js" was requested/);
    expect(() => ck.log1p(h, { backend: 'js' })).toThrow(/resident in the wasm backend but backend "js" was requested/);
    expect(() => ck.withBackend('js', () => ck.sum(h))).not.toThrow(); // a handle pins its own backend over a scope
    const other = await loadVariant('scalar');
    try {
      expect(() => createWasmBackend(other).kernels.sum!(h, { axis: 0 })).toThrow(/resident in another wasm module/);
    } finally {
      other.shutdown();
    }
    h.free();
    expect(() => ck.sum(h)).toThrow(/the resident matrix was freed/);
    expect(() => ck.download(h)).toThrow(/freed/);
  });
});

describe('upload() selects its backend through the dispatcher', () => {
  it('the call option, then the innermost withBackend scope, then settings.backend, then auto', () => {
    expect(ck.withBackend('js', () => ck.upload(csr))).toBe(csr);
    expect(ck.withBackend('js', () => ck.upload(dense))).toBe(dense);
    const scoped = ck.withBackend('js', () => ck.withBackend('wasm', () => ck.upload(csr)));
    expect(scoped).toBeInstanceOf(ck.CsrHandle);
    expect((scoped as ck.CsrHandle).backend).toBe('wasm');
    (scoped as ck.CsrHandle).free();
    const called = ck.withBackend('js', () => ck.upload(csr, wasm));
    expect(called).toBeInstanceOf(ck.CsrHandle);
    (called as ck.CsrHandle).free();
    ck.settings.backend = 'js';
    expect(ck.upload(csr)).toBe(csr);
    const inScope = ck.withBackend('wasm', () => ck.upload(dense));
    expect(inScope).toBeInstanceOf(ck.DenseHandle);
    (inScope as ck.DenseHandle).free();
    ck.settings.backend = 'auto';
    const auto = ck.upload(csr);
    expect((auto as ck.CsrHandle).backend).toBe(ck.explain('log1p', csr).backend);
    (auto as ck.CsrHandle).free();
    expect(() => ck.upload(csr, { backend: 'wsam' as never })).toThrow(/did you mean "wasm"/);
    expect(() => ck.upload(csr, { bakend: 'wasm' } as never)).toThrow(/unknown option "bakend"/);
    expect(() => ck.upload(ck.upload(csr, wasm) as never)).toThrow(/already resident/);
  });

  it('handles dispose through Symbol.dispose where the runtime has it', () => {
    const h = ck.upload(csr, wasm) as ck.CsrHandle;
    const d = ck.upload(dense, wasm) as ck.DenseHandle;
    expect(typeof Symbol.dispose).toBe('symbol');
    h[Symbol.dispose]();
    d[Symbol.dispose]();
    expect(h.freed && d.freed).toBe(true);
  });
});
