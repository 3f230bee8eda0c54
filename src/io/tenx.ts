/**
 * Cell Ranger outputs: the Matrix Market folder (`matrix.mtx.gz`, `features.tsv.gz` or
 * `genes.tsv`, `barcodes.tsv.gz`) and the HDF5 `filtered_feature_bc_matrix.h5` (v3; v2's
 * per-genome groups too). Both give cells × genes CSR float32 counts with barcodes as
 * obs_names and gene symbols as var_names (made unique as scanpy's readers do), like
 * `scanpy.read_10x_mtx` / `scanpy.read_10x_h5`.
 * @module
 */
import type * as H5 from 'h5wasm';
import { CsrMatrix } from '../matrix/index.js';
import type { AnnData, Column } from './anndata.js';
import { FileFormatError, baseName } from './errors.js';
import { gunzip, isGzip } from './gzip.js';
import { type H5Source, h5try, isNode, nodeImport, openH5, readDataset } from './hdf5.js';
import { toFloat } from './h5ad.js';
import { readMatrixMarket } from './mtx.js';

/** Options of the 10x readers. */
export interface TenxOptions {
  /** var_names: gene symbols (default, scanpy's default) or Ensembl ids. */
  varNames?: 'gene_symbols' | 'gene_ids';
  /** Make var_names unique by appending -1, -2, … to repeats (default true, as scanpy's var_names_make_unique). */
  makeUnique?: boolean;
  /** Name used in messages (default: the path). */
  name?: string;
}

/** A file of a 10x folder: bytes or a Blob/File. */
export type FileLike = Uint8Array | ArrayBuffer | Blob;

/** anndata's make_index_unique: later repeats of a name get -1, -2, … (skipping names in use). */
export function makeUnique(names: string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const n of names) (seen.has(n) ? dup : seen).add(n);
  if (dup.size === 0) return names;
  const used = new Set(names);
  const counter = new Map<string, number>();
  const first = new Set<string>();
  return names.map((n) => {
    if (!dup.has(n)) return n;
    if (!first.has(n)) {
      first.add(n);
      return n;
    }
    let k = counter.get(n) ?? 0;
    let candidate: string;
    do candidate = `${n}-${++k}`;
    while (used.has(candidate));
    counter.set(n, k);
    used.add(candidate);
    return candidate;
  });
}

async function bytesOf(f: FileLike): Promise<Uint8Array> {
  return f instanceof Uint8Array ? f : f instanceof ArrayBuffer ? new Uint8Array(f) : new Uint8Array(await f.arrayBuffer());
}

/** Text of a (possibly gzipped) file. */
async function textOf(bytes: Uint8Array, name: string): Promise<string> {
  const raw = isGzip(bytes) ? await gunzip(bytes, name) : bytes;
  return new TextDecoder().decode(raw);
}

/** Lines of a TSV file, without a trailing empty line; each split on tabs. */
function tsvRows(text: string): string[][] {
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => l.replace(/\r$/, '').split('\t'));
}

/** Which file of a 10x folder plays which role. */
function pick(names: string[], folder: string): { matrix: string; features: string; barcodes: string; v3: boolean } {
  const find = (...cands: string[]) => cands.find((c) => names.includes(c));
  const matrix = find('matrix.mtx.gz', 'matrix.mtx');
  const features = find('features.tsv.gz', 'features.tsv', 'genes.tsv.gz', 'genes.tsv');
  const barcodes = find('barcodes.tsv.gz', 'barcodes.tsv');
  const missing = [!matrix && 'matrix.mtx(.gz)', !features && 'features.tsv(.gz) or genes.tsv', !barcodes && 'barcodes.tsv(.gz)'].filter(Boolean);
  if (missing.length) throw new FileFormatError(folder, `not a Cell Ranger matrix folder: missing ${missing.join(', ')} (found: ${names.join(', ') || 'nothing'})`);
  return { matrix: matrix!, features: features!, barcodes: barcodes!, v3: features!.startsWith('features') };
}

/**
 * Reads a Cell Ranger Matrix Market folder: a path (Node) or a map from file name to bytes /
 * File (a browser's file picker). Files may be gzipped or not. The three files must agree
 * (features × barcodes = the matrix shape); errors name the file and line.
 */
export async function read10xMtx(source: string | Record<string, FileLike> | Iterable<File>, options: TenxOptions = {}): Promise<AnnData> {
  let files: Record<string, FileLike>;
  let folder: string;
  if (typeof source === 'string') {
    if (!isNode) throw new FileFormatError(source, 'reading a folder by path needs Node; pass the files instead');
    const fs = await nodeImport<typeof import('node:fs')>('node:fs');
    const path = await nodeImport<typeof import('node:path')>('node:path');
    folder = options.name ?? source;
    if (!fs.existsSync(source)) throw new FileFormatError(folder, 'no such folder');
    if (!fs.statSync(source).isDirectory()) throw new FileFormatError(folder, 'is not a folder (expected a Cell Ranger matrix folder)');
    const names = fs.readdirSync(source);
    const roles = pick(names, folder);
    files = {};
    for (const n of [roles.matrix, roles.features, roles.barcodes]) files[n] = new Uint8Array(fs.readFileSync(path.join(source, n)));
  } else if (Symbol.iterator in Object(source)) {
    files = {};
    for (const f of source as Iterable<File>) files[f.name] = f;
    folder = options.name ?? '10x folder';
  } else {
    files = source as Record<string, FileLike>;
    folder = options.name ?? '10x folder';
  }
  const roles = pick(Object.keys(files), folder);
  const where = (n: string) => (typeof source === 'string' ? `${folder.replace(/[\\/]+$/, '')}/${n}` : n);
  const X = await readMatrixMarket(await bytesOf(files[roles.matrix]!), { name: where(roles.matrix), transpose: true });
  const feats = tsvRows(await textOf(await bytesOf(files[roles.features]!), where(roles.features)));
  const bcs = tsvRows(await textOf(await bytesOf(files[roles.barcodes]!), where(roles.barcodes)));
  const [nCells, nGenes] = X.shape;
  if (feats.length !== nGenes) {
    throw new FileFormatError(where(roles.features), `has ${feats.length} lines but ${roles.matrix} has ${nGenes} rows (features)`);
  }
  if (bcs.length !== nCells) {
    throw new FileFormatError(where(roles.barcodes), `has ${bcs.length} lines but ${roles.matrix} has ${nCells} columns (barcodes)`);
  }
  feats.forEach((r, i) => {
    if (r.length < 2) throw new FileFormatError(where(roles.features), `line ${i + 1}: expected "id<TAB>name[<TAB>type]", got "${r.join('\t').slice(0, 80)}"`);
  });
  const ids = feats.map((r) => r[0]!);
  const symbols = feats.map((r) => r[1]!);
  const columns: Record<string, Column> = { gene_ids: options.varNames === 'gene_ids' ? symbols : ids };
  if (options.varNames === 'gene_ids') {
    delete columns.gene_ids;
    columns.gene_symbols = symbols;
  }
  if (roles.v3 && feats.every((r) => r.length >= 3)) columns.feature_types = feats.map((r) => r[2]!);
  const names = options.varNames === 'gene_ids' ? ids : symbols;
  return {
    X,
    obs: { index: bcs.map((r) => r[0]!), columns: {} },
    var: { index: options.makeUnique === false ? names : makeUnique(names), columns },
    layers: {},
  };
}

function isGroup(e: unknown): e is H5.Group {
  return !!e && (e as { type?: string }).type === 'Group';
}
function isDataset(e: unknown): e is H5.Dataset {
  return !!e && (e as { type?: string }).type === 'Dataset';
}

/**
 * Reads a Cell Ranger HDF5 matrix (`filtered_feature_bc_matrix.h5`, v3 layout `/matrix`;
 * v2's `/<genome>` groups also work): a path (Node), bytes or a File.
 */
export async function read10xH5(source: H5Source, options: TenxOptions = {}): Promise<AnnData> {
  const name = options.name ?? (typeof source === 'string' ? source : 'matrix.h5');
  const h = await openH5(source, name);
  try {
    const f = h.file;
    const keys = h5try(name, 'cannot list the root group', () => f.keys());
    let gname = keys.includes('matrix') ? 'matrix' : undefined;
    let v3 = true;
    if (!gname) {
      v3 = false;
      gname = keys.find((k) => {
        const g = f.get(k);
        return isGroup(g) && ['data', 'indptr', 'genes', 'barcodes'].every((c) => g.keys().includes(c));
      });
    }
    if (!gname) throw new FileFormatError(name, `not a Cell Ranger matrix file: no /matrix group (root has ${keys.join(', ') || 'nothing'})`);
    const g = f.get(gname) as H5.Group;
    const need = v3 ? ['data', 'indices', 'indptr', 'shape', 'barcodes', 'features'] : ['data', 'indices', 'indptr', 'shape', 'barcodes', 'genes', 'gene_names'];
    const have = g.keys();
    const missing = need.filter((k) => !have.includes(k));
    if (missing.length) throw new FileFormatError(name, `/${gname} is missing ${missing.join(', ')}`);
    const arr = (p: string): ArrayLike<number | bigint> => {
      const d = f.get(`${gname}/${p}`);
      if (!isDataset(d)) throw new FileFormatError(name, `/${gname}/${p} is not a dataset`);
      const v = readDataset(name, d);
      if (!ArrayBuffer.isView(v)) throw new FileFormatError(name, `/${gname}/${p}: expected numbers`);
      return v as unknown as ArrayLike<number | bigint>;
    };
    const strs = (p: string): string[] => {
      const d = f.get(`${gname}/${p}`);
      if (!isDataset(d)) throw new FileFormatError(name, `/${gname}/${p} is not a dataset`);
      const v = readDataset(name, d);
      const list = typeof v === 'string' ? [v] : Array.isArray(v) ? v : undefined;
      if (!list) throw new FileFormatError(name, `/${gname}/${p}: expected strings`);
      return list.map((s) => String(s).replace(/\0.*$/s, ''));
    };
    const shape = Array.from(arr('shape'), Number);
    if (shape.length !== 2) throw new FileFormatError(name, `/${gname}/shape should have 2 values, got ${shape.length}`);
    const [nGenes, nCells] = shape as [number, number];
    const ipRaw = arr('indptr');
    if (ipRaw.length !== nCells + 1) throw new FileFormatError(name, `/${gname}/indptr has ${ipRaw.length} entries; ${nCells} barcodes need ${nCells + 1}`);
    const nnz = Number(ipRaw[nCells]!);
    if (nnz > 0x7fffffff) throw new FileFormatError(name, `${nnz} stored counts exceed int32 indexing`);
    const indptr = Int32Array.from(ipRaw as ArrayLike<number>, Number);
    const idxRaw = arr('indices');
    const indices = idxRaw instanceof Int32Array ? idxRaw : Int32Array.from(idxRaw as ArrayLike<number>, Number);
    const dataRaw = arr('data');
    const data = toFloat(dataRaw as Float32Array);
    if (indices.length !== data.length) throw new FileFormatError(name, `/${gname}: data has ${data.length} values but indices has ${indices.length}`);
    let X: CsrMatrix;
    try {
      X = new CsrMatrix({ shape: [nCells, nGenes], data: data.length === nnz ? data : data.subarray(0, nnz), indices: indices.length === nnz ? indices : indices.subarray(0, nnz), indptr });
    } catch (e) {
      throw new FileFormatError(name, `/${gname}: ${(e as Error).message}`);
    }
    const barcodes = strs('barcodes');
    if (barcodes.length !== nCells) throw new FileFormatError(name, `/${gname}/barcodes has ${barcodes.length} entries, shape says ${nCells}`);
    let ids: string[];
    let symbols: string[];
    const columns: Record<string, Column> = {};
    if (v3) {
      ids = strs('features/id');
      symbols = strs('features/name');
      columns.gene_ids = ids;
      const fk = (f.get(`${gname}/features`) as H5.Group).keys();
      if (fk.includes('feature_type')) columns.feature_types = strs('features/feature_type');
      if (fk.includes('genome')) columns.genome = strs('features/genome');
    } else {
      ids = strs('genes');
      symbols = strs('gene_names');
      columns.gene_ids = ids;
    }
    for (const [k, c] of Object.entries({ ids, symbols })) {
      if (c.length !== nGenes) throw new FileFormatError(name, `/${gname}: ${k} has ${c.length} entries, shape says ${nGenes} features`);
    }
    if (options.varNames === 'gene_ids') {
      delete columns.gene_ids;
      columns.gene_symbols = symbols;
    }
    const names = options.varNames === 'gene_ids' ? ids : symbols;
    return {
      X,
      obs: { index: barcodes, columns: {} },
      var: { index: options.makeUnique === false ? names : makeUnique(names), columns: reorder(columns) },
      layers: {},
    };
  } finally {
    h.close();
  }
}

function reorder(c: Record<string, Column>): Record<string, Column> {
  const order = ['gene_ids', 'gene_symbols', 'feature_types', 'genome'];
  const out: Record<string, Column> = {};
  for (const k of order) if (k in c) out[k] = c[k]!;
  return out;
}

/** Guesses the kind of input from its name: `h5ad`, `10x-h5`, `10x-mtx` (a folder) or undefined. */
export function inputKind(p: string): 'h5ad' | '10x-h5' | '10x-mtx' | 'mtx' | undefined {
  const b = baseName(p).toLowerCase();
  if (b.endsWith('.h5ad')) return 'h5ad';
  if (b.endsWith('.h5') || b.endsWith('.hdf5')) return '10x-h5';
  if (b.endsWith('.mtx') || b.endsWith('.mtx.gz')) return 'mtx';
  return undefined;
}
