import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import h5wasm from 'h5wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CscMatrix, CsrMatrix, DenseMatrix } from '../../src/matrix/index.js';
import {
  type AnnData,
  FileFormatError,
  openH5ad,
  read10xH5,
  read10xMtx,
  readAny,
  readH5ad,
  readMatrixMarket,
  writeH5ad,
} from '../../src/io/index.js';
import { golden } from '../helpers/golden.js';
import { BUNDLED_10X, SHARED, tempDir } from './tmp.js';

const H5AD = path.join(SHARED, 'mouse10k.h5ad');
const MTX_DIR = path.join(SHARED, 'mouse10k-10x');
const TINY_H5 = path.join(SHARED, 'tiny_10x_v3.h5');

function expectSameCsr(a: CsrMatrix, b: CsrMatrix): void {
  expect([...a.shape]).toEqual([...b.shape]);
  expect(a.nnz).toBe(b.nnz);
  expect(Buffer.from(a.indptr.buffer, a.indptr.byteOffset, a.indptr.byteLength).equals(Buffer.from(b.indptr.buffer, b.indptr.byteOffset, b.indptr.byteLength))).toBe(true);
  expect(Buffer.from(a.indices.buffer, a.indices.byteOffset, a.nnz * 4).equals(Buffer.from(b.indices.buffer, b.indices.byteOffset, b.nnz * 4))).toBe(true);
  const da = Float64Array.from(a.data.subarray(0, a.nnz));
  const db = Float64Array.from(b.data.subarray(0, b.nnz));
  // Buffer.equals: vitest's deep equality is slow on arrays of 10^5+ elements.
  expect(Buffer.from(da.buffer).equals(Buffer.from(db.buffer))).toBe(true);
}

/** Writes an AnnData's X as a Cell Ranger v3 HDF5 file (int32 counts, int64 indices), as Cell Ranger does. */
async function write10xH5(file: string, a: AnnData): Promise<void> {
  await h5wasm.ready;
  const X = a.X as CsrMatrix;
  const f = new h5wasm.File(file, 'w');
  const m = f.create_group('matrix');
  m.create_dataset({ name: 'data', data: Int32Array.from(X.data), chunks: [80000], compression: 4 });
  m.create_dataset({ name: 'indices', data: BigInt64Array.from(X.indices, (v) => BigInt(v)), chunks: [80000], compression: 4 });
  m.create_dataset({ name: 'indptr', data: BigInt64Array.from(X.indptr, (v) => BigInt(v)) });
  m.create_dataset({ name: 'shape', data: new Int32Array([X.shape[1], X.shape[0]]) });
  m.create_dataset({ name: 'barcodes', data: a.obs.index, dtype: 'A18' });
  const feats = m.create_group('features');
  feats.create_dataset({ name: 'id', data: a.var.columns.gene_ids as string[], dtype: 'A20' });
  feats.create_dataset({ name: 'name', data: a.var.index, dtype: 'A20' });
  feats.create_dataset({ name: 'feature_type', data: a.var.index.map(() => 'Gene Expression'), dtype: 'A15' });
  feats.create_dataset({ name: 'genome', data: a.var.index.map(() => 'mm10'), dtype: 'A6' });
  f.close();
}

describe('the three Cell Ranger inputs load to the same matrix', () => {
  let fromH5ad: AnnData;
  let fromMtx: AnnData;
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  beforeAll(async () => {
    [fromH5ad, fromMtx] = await Promise.all([readH5ad(H5AD), read10xMtx(MTX_DIR)]);
  });

  it('mouse10k.h5ad: CSR float32 10,000 × 1,000 with names and gene_ids, as scanpy reads it', () => {
    const g = golden('mouse10k');
    const ds = g.manifest.dataset as { shape: number[]; nnz: number; var_names: string[] };
    expect(fromH5ad.X).toBeInstanceOf(CsrMatrix);
    expect([...fromH5ad.X!.shape]).toEqual(ds.shape);
    expect((fromH5ad.X as CsrMatrix).nnz).toBe(ds.nnz);
    expect(fromH5ad.X!.dtype).toBe('f32');
    expect(fromH5ad.var.index).toEqual(ds.var_names);
    expect(fromH5ad.obs.index).toHaveLength(10_000);
    expect(Object.keys(fromH5ad.var.columns)).toEqual(['gene_ids']);
    expect(Object.keys(fromH5ad.layers)).toEqual([]);
  });

  it('the Matrix Market folder gives the identical matrix, barcodes and gene ids', () => {
    expectSameCsr(fromMtx.X as CsrMatrix, fromH5ad.X as CsrMatrix);
    expect(fromMtx.obs.index).toEqual(fromH5ad.obs.index);
    expect(fromMtx.var.index).toEqual(fromH5ad.var.index);
    expect(fromMtx.var.columns.gene_ids).toEqual(fromH5ad.var.columns.gene_ids);
    expect(fromMtx.var.columns.feature_types).toHaveLength(1000);
  });

  it('the bundled copy (data/mouse10k-10x) is the same folder', async () => {
    const bundled = await read10xMtx(BUNDLED_10X);
    expectSameCsr(bundled.X as CsrMatrix, fromMtx.X as CsrMatrix);
  });

  it('a Cell Ranger v3 .h5 of the same data gives the identical matrix', async () => {
    const file = path.join(tmp.dir, 'mouse10k_filtered_feature_bc_matrix.h5');
    await write10xH5(file, fromMtx);
    const fromH5 = await read10xH5(file);
    expectSameCsr(fromH5.X as CsrMatrix, fromH5ad.X as CsrMatrix);
    expect(fromH5.obs.index).toEqual(fromH5ad.obs.index);
    expect(fromH5.var.index).toEqual(fromH5ad.var.index);
    expect(fromH5.var.columns.gene_ids).toEqual(fromH5ad.var.columns.gene_ids);
    // readAny tells the kinds apart by content.
    expectSameCsr((await readAny(file)).X as CsrMatrix, fromH5ad.X as CsrMatrix);
    expectSameCsr((await readAny(MTX_DIR)).X as CsrMatrix, fromH5ad.X as CsrMatrix);
    expectSameCsr((await readAny(H5AD)).X as CsrMatrix, fromH5ad.X as CsrMatrix);
  });

  it('tiny_10x_v3.h5 (real Cell Ranger output) matches scanpy.read_10x_h5 + var_names_make_unique', async () => {
    const t = await read10xH5(TINY_H5);
    const g = golden('tiny10x');
    const ds = g.manifest.dataset as { shape: number[]; nnz: number; var_names: string[] };
    expect([...t.X!.shape]).toEqual(ds.shape);
    expect((t.X as CsrMatrix).nnz).toBe(ds.nnz);
    expect(t.var.index).toEqual(ds.var_names);
    expect(Object.keys(t.var.columns)).toEqual(['gene_ids', 'feature_types', 'genome']);
    const X = t.X as CsrMatrix;
    const rowSums = Float64Array.from({ length: X.shape[0] }, (_, r) => {
      let s = 0;
      for (let k = X.indptr[r]!; k < X.indptr[r + 1]!; k++) s += X.data[k]!;
      return s;
    });
    expect(rowSums).toEqual(g.f64('sum.axis1'));
    // bytes work as well as a path
    const fromBytes = await read10xH5(new Uint8Array(readFileSync(TINY_H5)), { name: 'tiny.h5' });
    expectSameCsr(fromBytes.X as CsrMatrix, X);
  });
});

describe('h5ad layouts: CSR, CSC and dense X, layers, row blocks', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  let a: AnnData;
  let X: CsrMatrix;
  beforeAll(async () => {
    a = await readH5ad(H5AD);
    // A 1,500-cell slice keeps the dense copies small.
    const f = await openH5ad(H5AD);
    X = f.readRows(3000, 4500);
    f.close();
  });

  function toCsc(x: CsrMatrix): CscMatrix {
    const [r, c] = x.shape;
    const counts = new Int32Array(c + 1);
    for (let k = 0; k < x.nnz; k++) counts[x.indices[k]! + 1]!++;
    for (let j = 0; j < c; j++) counts[j + 1]! += counts[j]!;
    const fill = counts.slice(0, c);
    const indices = new Int32Array(x.nnz);
    const data = new Float32Array(x.nnz);
    for (let i = 0; i < r; i++) {
      for (let k = x.indptr[i]!; k < x.indptr[i + 1]!; k++) {
        const p = fill[x.indices[k]!]!++;
        indices[p] = i;
        data[p] = x.data[k]!;
      }
    }
    return new CscMatrix({ shape: [r, c], data, indices, indptr: counts });
  }
  function toDense(x: CsrMatrix): DenseMatrix {
    const [r, c] = x.shape;
    const d = new Float32Array(r * c);
    for (let i = 0; i < r; i++) for (let k = x.indptr[i]!; k < x.indptr[i + 1]!; k++) d[i * c + x.indices[k]!] = x.data[k]!;
    return new DenseMatrix({ shape: [r, c], data: d });
  }

  it('reads X stored as CSC and as dense, and layers, and gives the same rows in blocks', async () => {
    const obs = { index: a.obs.index.slice(3000, 4500), columns: {} };
    const file = path.join(tmp.dir, 'layouts.h5ad');
    await writeH5ad(file, { X: toCsc(X), obs, var: a.var, layers: { dense: toDense(X), csr: X } });
    const f = await openH5ad(file);
    expect(f.X?.format).toBe('csc');
    expect(f.layers.dense?.format).toBe('dense');
    expect(f.layers.csr?.format).toBe('csr');
    expect(f.shape).toEqual([1500, 1000]);
    const whole = f.read();
    expect(whole.X).toBeInstanceOf(CscMatrix);
    expect(whole.layers.dense).toBeInstanceOf(DenseMatrix);
    for (const layer of [undefined, 'dense', 'csr']) {
      const parts: CsrMatrix[] = [];
      for (const b of f.rowBlocks(400, layer)) parts.push(b.X);
      expect(parts.map((p) => p.shape[0])).toEqual([400, 400, 400, 300]);
      const rows = f.readRows(0, 1500, layer);
      expectSameCsr(rows, X);
      expectSameCsr(f.readRows(700, 1100, layer), parts[1]!.shape[0] === 400 ? f.readRows(700, 1100, 'csr') : rows);
      const nnz = parts.reduce((s, p) => s + p.nnz, 0);
      expect(nnz).toBe(X.nnz);
    }
    expect(f.readRows(5, 5).shape).toEqual([0, 1000]);
    f.close();
  });

  it('row blocks of mouse10k.h5ad concatenate to the whole matrix', async () => {
    const f = await openH5ad(H5AD);
    let row = 0;
    const whole = a.X as CsrMatrix;
    for (const b of f.rowBlocks(3333)) {
      expect(b.start).toBe(row);
      for (let r = 0; r < b.X.shape[0]; r++) {
        const n = b.X.indptr[r + 1]! - b.X.indptr[r]!;
        expect(n).toBe(whole.indptr[row + r + 1]! - whole.indptr[row + r]!);
      }
      const s = whole.indptr[b.start]!;
      expect(Array.from(b.X.indices.subarray(0, 50))).toEqual(Array.from(whole.indices.subarray(s, s + 50)));
      row = b.end;
    }
    expect(row).toBe(10_000);
    f.close();
  });
});

describe('malformed inputs: one clear error naming the file, no partial output', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('a truncated .h5ad', async () => {
    const file = path.join(tmp.dir, 'truncated.h5ad');
    writeFileSync(file, readFileSync(H5AD).subarray(0, 900_000));
    const err = await readH5ad(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileFormatError);
    expect((err as Error).message).toBe(
      `${file}: cannot open: truncated HDF5 file: it has 900,000 bytes but its superblock says 1,740,348 (incomplete download or copy?)`,
    );
    expect((err as FileFormatError).file).toBe(file);
  });

  it('not an HDF5 file, a missing file, an HDF5 file that is not AnnData', async () => {
    const junk = path.join(tmp.dir, 'junk.h5ad');
    writeFileSync(junk, 'hello, world\n');
    await expect(readH5ad(junk)).rejects.toThrow(`${junk}: cannot open: not an HDF5 file (no HDF5 signature)`);
    await expect(readH5ad(path.join(tmp.dir, 'nope.h5ad'))).rejects.toThrow(/nope\.h5ad: no such file/);
    await expect(readH5ad(TINY_H5)).rejects.toThrow(/tiny_10x_v3\.h5: not an AnnData file: the root group has matrix, but no obs and var/);
    await expect(read10xH5(H5AD)).rejects.toThrow(/mouse10k\.h5ad: not a Cell Ranger matrix file: no \/matrix group/);
  });

  it('a gzip with a bad trailer (CRC-32) in a Cell Ranger folder', async () => {
    const dir = path.join(tmp.dir, 'badcrc');
    cpSync(MTX_DIR, dir, { recursive: true });
    const f = path.join(dir, 'barcodes.tsv.gz');
    const b = readFileSync(f);
    b[b.length - 8]! ^= 0xff;
    writeFileSync(f, b);
    const err = await read10xMtx(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileFormatError);
    expect((err as Error).message).toBe(`${dir}/barcodes.tsv.gz: bad gzip trailer: the CRC-32 does not match the decompressed data (corrupt file)`);
  });

  it('a truncated gzip', async () => {
    const b = readFileSync(path.join(MTX_DIR, 'matrix.mtx.gz'));
    await expect(readMatrixMarket(new Uint8Array(b.subarray(0, b.length >> 1)), { name: 'matrix.mtx.gz' })).rejects.toThrow(
      'matrix.mtx.gz: truncated gzip stream: the file ends before the compressed data and trailer are complete',
    );
  });

  it('an mtx with an out-of-range index', async () => {
    const dir = path.join(tmp.dir, 'badindex');
    cpSync(MTX_DIR, dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'matrix.mtx'),
      '%%MatrixMarket matrix coordinate integer general\n%metadata_json: {}\n1000 10000 3\n1 1 5\n1001 2 1\n3 3 3\n',
    );
    // matrix.mtx.gz is preferred when both exist: remove it so the bad file is read.
    const fs = await import('node:fs');
    fs.rmSync(path.join(dir, 'matrix.mtx.gz'));
    const err = await read10xMtx(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileFormatError);
    expect((err as Error).message).toBe(`${dir}/matrix.mtx: line 5: index (1001, 2) is outside the declared 1000 × 10000 matrix`);
  });

  it('a Cell Ranger folder whose files disagree, or miss one', async () => {
    const dir = path.join(tmp.dir, 'short');
    cpSync(MTX_DIR, dir, { recursive: true });
    writeFileSync(path.join(dir, 'barcodes.tsv.gz'), 'AAAC-1\nAAAG-1\n');
    await expect(read10xMtx(dir)).rejects.toThrow(`${dir}/barcodes.tsv.gz: has 2 lines but matrix.mtx.gz has 10000 columns (barcodes)`);
    const fs = await import('node:fs');
    fs.rmSync(path.join(dir, 'features.tsv.gz'));
    await expect(read10xMtx(dir)).rejects.toThrow(`${dir}: not a Cell Ranger matrix folder: missing features.tsv(.gz) or genes.tsv (found: barcodes.tsv.gz, matrix.mtx.gz)`);
  });

  it('a failed write leaves no output file and no temporary file', async () => {
    const dir = path.join(tmp.dir, 'out');
    (await import('node:fs')).mkdirSync(dir);
    const out = path.join(dir, 'result.h5ad');
    const a = await readH5ad(TINY_H5.replace('tiny_10x_v3.h5', 'mouse10k.h5ad'));
    const bad = { ...a, obs: { index: a.obs.index, columns: { too_short: new Float64Array(3) } } };
    await expect(writeH5ad(out, bad)).rejects.toThrow('writeH5ad: obs.too_short has 3 values, expected 10000');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});
