import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { init, toCsc } from '../../src/index.js';
import { type AnnData, openH5ad } from '../../src/io/index.js';
import { DenseMatrix, type CsrMatrix } from '../../src/matrix/index.js';
import { parseSteps, runPipeline } from '../../src/pipeline/index.js';
import { SHARED } from '../io/tmp.js';

describe('runPipeline', () => {
  let a: AnnData;
  beforeAll(async () => {
    await init();
    const f = await openH5ad(path.join(SHARED, 'mouse10k.h5ad'));
    const X = f.readRows(0, 3000);
    a = { X, obs: { index: f.obsNames().slice(0, 3000), columns: {} }, var: f.var(), layers: {} };
    f.close();
  });

  it('CSR (resident or not), CSC and dense counts, and every backend, give the same cells, genes and HVGs', () => {
    const steps = parseSteps('hvg,qc,filter,normalize,log1p');
    expect(steps).toEqual(['qc', 'filter', 'normalize', 'log1p', 'hvg']);
    const X = a.X as CsrMatrix;
    const dense = new Float32Array(X.shape[0] * X.shape[1]);
    for (let r = 0; r < X.shape[0]; r++) for (let k = X.indptr[r]!; k < X.indptr[r + 1]!; k++) dense[r * X.shape[1] + X.indices[k]!] = X.data[k]!;
    const runs = [
      runPipeline(a, { steps }),
      runPipeline(a, { steps, resident: false }),
      runPipeline({ ...a, X: toCsc(X) }, { steps }),
      runPipeline({ ...a, X: new DenseMatrix({ shape: X.shape, data: dense }) }, { steps }),
      runPipeline(a, { steps, backend: 'as' }),
      runPipeline(a, { steps, backend: 'js' }),
    ];
    expect(runs[0]!.summary.resident).toBe(true);
    expect(runs[1]!.summary.resident).toBe(false);
    expect(runs[5]!.summary.resident).toBe(false);
    for (const r of runs) {
      expect(r.summary).toMatchObject({ cellsIn: 3000, genesIn: 1000, cellsKept: runs[0]!.summary.cellsKept, genesKept: runs[0]!.summary.genesKept, hvgs: runs[0]!.summary.hvgs });
      expect(r.adata.var.columns.highly_variable).toEqual(runs[0]!.adata.var.columns.highly_variable);
      expect(Array.from(r.adata.obs.columns.n_genes_by_counts as Int32Array)).toEqual(Array.from(runs[0]!.adata.obs.columns.n_genes_by_counts as Int32Array));
      expect(r.steps.map((s) => s.step)).toEqual(steps);
    }
    expect(runs[4]!.steps[0]!.backend).toMatch(/^as/);
    expect(runs[5]!.steps[0]!.backend).toBe('js');
    // X after log1p (sparse) and the raw counts of the kept cells and genes as a layer.
    const r = runs[0]!;
    expect(r.adata.X!.format).toBe('csr');
    expect(r.adata.layers.counts!.shape).toEqual(r.adata.X!.shape);
    expect(r.adata.obs.index).toHaveLength(r.summary.cellsKept);
    expect(r.adata.var.index).toHaveLength(r.summary.genesKept);
  });
});
