import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CscMatrix, CsrMatrix, DenseMatrix } from '../../src/matrix/index.js';
import { type AnnData, openH5ad, readH5ad, writeH5ad } from '../../src/io/index.js';
import { anndataDump, pythonMissing } from './python.js';
import { SHARED, tempDir } from './tmp.js';

const missing = pythonMissing();
if (missing) console.warn(`skipping the anndata round trip: ${missing}`);

describe.skipIf(missing !== undefined)('Python anndata opens what writeH5ad writes', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('every column type, X as CSR, layers as CSC and dense, read back column by column', async () => {
    const f = await openH5ad(path.join(SHARED, 'mouse10k.h5ad'));
    const X = f.readRows(0, 300);
    const names = f.obsNames().slice(0, 300);
    const v = f.var();
    f.close();
    const n = 300;
    const m = X.shape[1];
    const dense = new Float64Array(n * m);
    for (let r = 0; r < n; r++) for (let k = X.indptr[r]!; k < X.indptr[r + 1]!; k++) dense[r * m + X.indices[k]!] = X.data[k]! / 2;
    // CSC copy of X via the dense values.
    const colPtr = new Int32Array(m + 1);
    const rows: number[] = [];
    const vals: number[] = [];
    for (let c = 0; c < m; c++) {
      for (let r = 0; r < n; r++) {
        const x = dense[r * m + c]!;
        if (x !== 0) {
          rows.push(r);
          vals.push(x * 2);
        }
      }
      colPtr[c + 1] = rows.length;
    }
    const csc = new CscMatrix({ shape: [n, m], data: Float32Array.from(vals), indices: Int32Array.from(rows), indptr: colPtr });
    const obsCols = {
      total: Float32Array.from({ length: n }, (_, i) => i * 1.5),
      ratio: Float64Array.from({ length: n }, (_, i) => (i % 7 === 0 ? Number.NaN : i / 3)),
      n_genes: Int32Array.from({ length: n }, (_, i) => i * 2),
      keep: Array.from({ length: n }, (_, i) => i % 3 !== 0),
      label: Array.from({ length: n }, (_, i) => `c${i % 5}`),
      maybe: Array.from({ length: n }, (_, i) => (i % 4 === 0 ? null : `g${i % 3}`)),
      flag_na: Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : i % 2 === 0)),
    };
    const varCols = { ...v.columns, highly_variable: Array.from({ length: m }, (_, j) => j % 10 === 0), means: Float64Array.from({ length: m }, (_, j) => j / 7) };
    const a: AnnData = { X, obs: { index: names, columns: obsCols }, var: { index: v.index, columns: varCols }, layers: { counts_csc: csc, half_dense: new DenseMatrix({ shape: [n, m], data: dense }) } };
    const file = path.join(tmp.dir, 'all-types.h5ad');
    await writeH5ad(file, a);

    const py = anndataDump(file);
    expect(py.shape).toEqual([n, m]);
    expect(py.obs_names).toEqual(names);
    expect(py.var_names).toEqual(v.index);
    expect(py.X).toMatchObject({ type: 'csr_matrix', format: 'csr', dtype: 'float32', nnz: X.nnz });
    expect(py.layers.counts_csc).toMatchObject({ type: 'csc_matrix', format: 'csc', dtype: 'float32', nnz: X.nnz });
    expect(py.layers.half_dense).toMatchObject({ type: 'ndarray', format: 'dense', dtype: 'float64' });
    expect(py.layers.counts_csc!.gene_sum).toEqual(py.X!.gene_sum);
    expect(py.layers.half_dense!.gene_sum.map((x) => x * 2)).toEqual(py.X!.gene_sum);
    const dtypes = Object.fromEntries(Object.entries(py.obs).map(([k, c]) => [k, c.dtype]));
    expect(dtypes).toEqual({ total: 'float32', ratio: 'float64', n_genes: 'int32', keep: 'bool', label: 'object', maybe: 'category', flag_na: 'boolean' });
    expect(py.obs.keep!.values).toEqual(obsCols.keep);
    expect(py.obs.label!.values).toEqual(obsCols.label);
    expect(py.obs.maybe!.values).toEqual(obsCols.maybe);
    expect(py.obs.flag_na!.values).toEqual(obsCols.flag_na);
    expect(py.obs.ratio!.values).toEqual(Array.from(obsCols.ratio, (x) => (Number.isNaN(x) ? null : x)));
    expect(py.obs.n_genes!.values).toEqual(Array.from(obsCols.n_genes));
    expect(py.var.highly_variable!.dtype).toBe('bool');
    expect(py.var.gene_ids!.values).toEqual(v.columns.gene_ids);
    // a[:, a.var.highly_variable] selects by the boolean mask (100 genes), not by position.
    expect(py.hvg_subset_shape).toEqual([n, 100]);
    expect(py.warnings).toEqual([]);

    // And our reader reads it back the same.
    const back = await readH5ad(file);
    expect(back.X).toBeInstanceOf(CsrMatrix);
    expect(back.layers.counts_csc).toBeInstanceOf(CscMatrix);
    expect(back.obs.columns.keep).toEqual(obsCols.keep);
    expect(back.obs.columns.maybe).toEqual(obsCols.maybe);
    expect(back.obs.columns.flag_na).toEqual(obsCols.flag_na);
    expect(back.var.columns.highly_variable).toEqual(varCols.highly_variable);
  });
});
