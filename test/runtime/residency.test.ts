/**
 * Residency: a pipeline on handles makes no matrix-sized copy between steps (only the upload
 * and small vectors cross), and gives the numbers of the same pipeline on plain matrices.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ck from '../../src/index.js';
import type { HvgDispersionResult } from '../../src/api/highly_variable_genes_core.js';
import type { TransferStats } from '../../src/runtime/module.js';
import { mouse10k } from '../helpers/data.js';
import { step } from '../helpers/transfers.js';
import { sameBits } from '../helpers/transforms.js';

let x: ck.CsrMatrix;
beforeAll(async () => {
  [x] = await Promise.all([mouse10k(), ck.init({ threads: 2 })]);
});
afterAll(() => ck.shutdown());

const wasm = { backend: 'wasm' } as const;

describe('a pipeline on handles stays in the module', () => {
  it('upload → normalizeTotal → log1p → highlyVariableGenes → subset to HVGs → scale: only the upload and small vectors cross', () => {
    const [nrows, ncols] = x.shape;
    // Largest vector a step may move: a float64 per cell or per gene.
    const vector = 8 * Math.max(nrows, ncols);
    const matrixBytes = x.nnz * 4;
    expect(matrixBytes).toBeGreaterThan(8 * vector); // a matrix-sized copy cannot hide under the bound

    let h!: ck.CsrHandle;
    const tiny = new ck.CsrMatrix({ shape: [1, 1], data: Float32Array.of(1), indices: Int32Array.of(0), indptr: Int32Array.of(0, 1) });
    const probe = ck.upload(tiny, wasm) as ck.CsrHandle;
    const mod = probe.module;
    probe.free();
    const up = step(mod, () => (h = ck.upload(x, wasm) as ck.CsrHandle));
    expect(h).toBeInstanceOf(ck.CsrHandle);
    // The upload: indptr, indices and values, once.
    expect(up.delta).toEqual({ toModule: 3, fromModule: 0, bytesToModule: (nrows + 1) * 4 + x.nnz * 4 + x.nnz * 4, bytesFromModule: 0 });
    const steps: Record<string, TransferStats> = {};
    const run = <R>(name: string, fn: () => R): R => {
      const { result, delta } = step(mod, fn);
      steps[name] = delta;
      return result;
    };

    const norm = run('normalizeTotal', () => ck.normalizeTotal(h, { targetSum: 1e4, ...wasm }));
    const logged = run('log1p', () => ck.log1p(norm.X, wasm));
    const hvg = run('highlyVariableGenes', () => ck.highlyVariableGenes(logged, { flavor: 'seurat', nTopGenes: 200, ...wasm })) as HvgDispersionResult;
    const genes = hvg.highlyVariable;
    const sub = run('subset', () => ck.subset(logged, { cols: genes, ...wasm }));
    const scaled = run('scale', () => ck.scale(sub, { maxValue: 10, ...wasm }));

    expect(norm.X).toBeInstanceOf(ck.CsrHandle);
    expect(logged).toBeInstanceOf(ck.CsrHandle);
    expect(sub).toBeInstanceOf(ck.CsrHandle);
    expect(scaled.X).toBeInstanceOf(ck.DenseHandle);
    const nHvg = genes.reduce((a, b) => a + b, 0);
    expect(nHvg).toBeGreaterThanOrEqual(200);
    expect(sub.shape).toEqual([nrows, nHvg]);

    for (const [name, d] of Object.entries(steps)) {
      const where = `${name}: ${JSON.stringify(d)}`;
      expect(d.bytesToModule, where).toBeLessThanOrEqual(vector);
      expect(d.bytesFromModule, where).toBeLessThanOrEqual(2 * vector);
      expect(d.toModule + d.fromModule, where).toBeLessThanOrEqual(6);
    }
    // What does cross: normalizeTotal its per-cell totals and factors; hvg the per-gene mean and
    // variance; subset the column list in and the new nnz out; scale the mean and std.
    expect(steps.normalizeTotal!.bytesFromModule).toBe(nrows * 8 + nrows * 4);
    expect(steps.log1p).toEqual({ toModule: 0, fromModule: 0, bytesToModule: 0, bytesFromModule: 0 });
    expect(steps.highlyVariableGenes!.bytesFromModule).toBe(2 * ncols * 8);
    expect(steps.subset).toMatchObject({ bytesToModule: nHvg * 4, bytesFromModule: 4 });
    expect(steps.scale!.bytesFromModule).toBe(2 * nHvg * 8);

    // The same pipeline on plain matrices (each step copies in and out) gives the same bits.
    const pNorm = ck.normalizeTotal(x, { targetSum: 1e4, ...wasm });
    const pLogged = ck.log1p(pNorm.X, wasm);
    const pHvg = ck.highlyVariableGenes(pLogged, { flavor: 'seurat', nTopGenes: 200, ...wasm }) as HvgDispersionResult;
    const pSub = ck.subset(pLogged, { cols: pHvg.highlyVariable, ...wasm });
    const pScaled = ck.scale(pSub, { maxValue: 10, ...wasm });

    expect(norm.target).toBe(pNorm.target);
    expect(sameBits(norm.normFactor, pNorm.normFactor)).toBe(true);
    expect(sameBits(norm.totals, pNorm.totals)).toBe(true);
    const dNorm = ck.download(norm.X);
    expect(sameBits(dNorm.data.subarray(0, dNorm.nnz), pNorm.X.data.subarray(0, pNorm.X.nnz))).toBe(true);
    const dLogged = ck.download(logged);
    expect(sameBits(dLogged.data.subarray(0, dLogged.nnz), pLogged.data.subarray(0, pLogged.nnz))).toBe(true);
    for (const k of ['means', 'dispersions', 'dispersionsNorm', 'meanBin', 'highlyVariable'] as const) expect(sameBits(hvg[k], pHvg[k]), k).toBe(true);
    const dSub = ck.download(sub);
    expect(Array.from(dSub.indptr)).toEqual(Array.from(pSub.indptr));
    expect(Array.from(dSub.indices.subarray(0, dSub.nnz))).toEqual(Array.from(pSub.indices.subarray(0, pSub.nnz)));
    expect(sameBits(dSub.data.subarray(0, dSub.nnz), pSub.data.subarray(0, pSub.nnz))).toBe(true);
    expect(sameBits(scaled.mean, pScaled.mean)).toBe(true);
    expect(sameBits(scaled.std, pScaled.std)).toBe(true);
    const dScaled = ck.download(scaled.X);
    expect(dScaled).toBeInstanceOf(ck.DenseMatrix);
    expect(dScaled.data).toBeInstanceOf(Float64Array);
    expect(sameBits(dScaled.data, pScaled.X.data)).toBe(true);

    for (const r of [h, norm.X, logged, sub, scaled.X]) r.free();
  });
});
