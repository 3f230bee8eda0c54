/**
 * AnnData `.h5ad` reader over h5wasm: `X` and layers as CSR, CSC or dense; obs/var names and
 * columns as plain arrays; and row blocks of a matrix read on demand, so a file larger than
 * memory (or than the 4 GB wasm heap) can be processed block by block.
 * @module
 */
import type * as H5 from 'h5wasm';
import { InvalidInputError } from '../errors.js';
import { CscMatrix, CsrMatrix, DenseMatrix, type FloatArray, type Matrix, denseToCsr } from '../matrix/index.js';
import type { AnnData, Column, DataFrame } from './anndata.js';
import { FileFormatError } from './errors.js';
import { H5T, type H5Source, type OpenedH5, attr, h5try, openH5, readDataset } from './hdf5.js';

/** Layout and size of a stored matrix, read from its metadata only. */
export interface MatrixInfo {
  /** HDF5 path of the element (`/X`, `/layers/counts`). */
  path: string;
  format: 'csr' | 'csc' | 'dense';
  shape: [number, number];
  /** Stored values (nnz for sparse, rows·cols for dense). */
  stored: number;
  /** Stored value type as numpy spells it (`<f4`, `<i8`, …). */
  dtype: string;
}

/** Options of openH5ad / readH5ad. */
export interface H5adOptions {
  /** Name used in error messages (default: the path, or `input.h5ad` for bytes). */
  name?: string;
}

/** Options of readH5ad. */
export interface ReadH5adOptions extends H5adOptions {
  /** Read X (default true); false leaves `X` null (use openH5ad + rowBlocks for big files). */
  X?: boolean;
  /** Layers to read: true (default) for all, false for none, or a list of names. */
  layers?: boolean | string[];
}

/** A block of consecutive rows (cells) of a matrix, as CSR. */
export interface RowBlock {
  /** First row of the block in the whole matrix. */
  start: number;
  /** One past the last row. */
  end: number;
  X: CsrMatrix;
}

type TypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

function isTyped(v: unknown): v is TypedArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

/** Float values for a matrix: f32/f64 kept; integers become f32 when exact there, else f64. */
export function toFloat(v: TypedArray): FloatArray {
  if (v instanceof Float32Array || v instanceof Float64Array) return v;
  const n = v.length;
  let exact32 = true;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = Number(v[i]!);
    out[i] = x;
    if (exact32 && (x > 16777216 || x < -16777216)) exact32 = false;
  }
  return exact32 ? Float32Array.from(out) : out;
}

/** Int32 index array; throws when a value does not fit. */
function toInt32(file: string, what: string, v: TypedArray, offset = 0): Int32Array {
  if (v instanceof Int32Array && offset === 0) return v;
  const out = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = Number(v[i]!) - offset;
    if (!(x >= -0x80000000 && x <= 0x7fffffff)) {
      throw new FileFormatError(file, `${what}[${i}] = ${Number(v[i]!)} does not fit in int32; read this matrix in row blocks (openH5ad(...).rowBlocks())`);
    }
    out[i] = x;
  }
  return out;
}

/** Values of any typed array as plain numbers. */
function numbers(v: TypedArray): number[] {
  const out = new Array<number>(v.length);
  for (let i = 0; i < v.length; i++) out[i] = Number(v[i]!);
  return out;
}

function stripNul(s: string): string {
  const i = s.indexOf('\0');
  return i < 0 ? s : s.slice(0, i);
}

/** Reads an HDF5 string dataset as a JS string array. */
function readStrings(file: string, ds: H5.Dataset): string[] {
  const v = readDataset(file, ds);
  if (typeof v === 'string') return [stripNul(v)];
  if (!Array.isArray(v)) throw new FileFormatError(file, `${ds.path}: expected strings, got ${describeValue(v)}`);
  return v.map((s) => stripNul(String(s)));
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (isTyped(v)) return `${v.constructor.name}(${v.length})`;
  return Array.isArray(v) ? `array(${v.length})` : typeof v;
}

function isGroup(e: unknown): e is H5.Group {
  return !!e && (e as { type?: string }).type === 'Group';
}
function isDataset(e: unknown): e is H5.Dataset {
  return !!e && (e as { type?: string }).type === 'Dataset';
}

function shapeAttr(file: string, g: H5.Group, name: string): [number, number] {
  const s = attr(g, name);
  if (!Array.isArray(s) || s.length !== 2 || !s.every((d) => Number.isInteger(Number(d)) && Number(d) >= 0)) {
    throw new FileFormatError(file, `${g.path}: attribute "${name}" should be [rows, cols], got ${JSON.stringify(s)}`);
  }
  return [Number(s[0]), Number(s[1])];
}

function numpyDtype(ds: H5.Dataset): string {
  const d = ds.dtype;
  return typeof d === 'string' ? d : JSON.stringify(d);
}

/**
 * An open `.h5ad` file. Metadata is read at open; matrices and tables when asked. Close it
 * with `close()` (or `using`). In Node a path is read in place: only what is asked for is
 * loaded, so row blocks of a file larger than memory can be processed one at a time.
 */
export class H5adFile {
  /** [n_obs, n_vars]. */
  readonly shape: [number, number];
  /** Layout of X, or null when the file has no X. */
  readonly X: MatrixInfo | null;
  /** Layouts of the layers by name. */
  readonly layers: Record<string, MatrixInfo>;

  private constructor(private readonly h: OpenedH5) {
    const f = h.file;
    const name = h.name;
    const enc = attr(f, 'encoding-type');
    const keys = h5try(name, 'cannot list the root group', () => f.keys());
    if (!keys.includes('obs') || !keys.includes('var')) {
      throw new FileFormatError(name, `not an AnnData file: the root group has ${keys.length ? keys.join(', ') : 'nothing'}, but no obs and var${enc ? '' : ' (and no encoding-type "anndata")'}`);
    }
    this.X = keys.includes('X') ? this.matrixInfo('/X') : null;
    const layers: Record<string, MatrixInfo> = {};
    const lg = keys.includes('layers') ? h5try(name, 'cannot open /layers', () => f.get('layers')) : null;
    if (isGroup(lg)) for (const k of h5try(name, 'cannot list /layers', () => lg.keys())) layers[k] = this.matrixInfo(`/layers/${k}`);
    this.layers = layers;
    const nObs = this.indexLength('obs');
    const nVars = this.indexLength('var');
    this.shape = [nObs, nVars];
    for (const m of [this.X, ...Object.values(layers)]) {
      if (m && (m.shape[0] !== nObs || m.shape[1] !== nVars)) {
        throw new FileFormatError(name, `${m.path} is ${m.shape[0]} × ${m.shape[1]} but obs has ${nObs} and var ${nVars} rows`);
      }
    }
  }

  /** Opens a file: a path (Node), bytes, or a Blob/File (browsers). */
  static async open(source: H5Source, options: H5adOptions = {}): Promise<H5adFile> {
    const name = options.name ?? (typeof source === 'string' ? source : 'input.h5ad');
    const h = await openH5(source, name);
    try {
      return new H5adFile(h);
    } catch (e) {
      h.close();
      throw e;
    }
  }

  /** The name used in messages. */
  get name(): string {
    return this.h.name;
  }

  private get(path: string): H5.Entity | null {
    return h5try(this.h.name, `cannot open ${path}`, () => this.h.file.get(path));
  }

  private indexLength(which: 'obs' | 'var'): number {
    const g = this.get(which);
    if (isDataset(g)) {
      // anndata < 0.7 stored obs/var as compound datasets.
      throw new FileFormatError(this.h.name, `/${which} is a compound dataset (AnnData < 0.7 layout); re-save the file with a current anndata`);
    }
    if (!isGroup(g)) throw new FileFormatError(this.h.name, `/${which} is missing or not a group`);
    const idx = this.get(`${which}/${String(attr(g, '_index') ?? '_index')}`);
    if (!isDataset(idx) || !idx.shape) throw new FileFormatError(this.h.name, `/${which} has no index dataset (attribute _index)`);
    return idx.shape[0] ?? 0;
  }

  private matrixInfo(path: string): MatrixInfo {
    const name = this.h.name;
    const e = this.get(path);
    if (isDataset(e)) {
      const s = e.shape;
      if (!s || s.length !== 2) throw new FileFormatError(name, `${path}: a dense matrix must be 2-D, got shape ${JSON.stringify(s)}`);
      return { path, format: 'dense', shape: [s[0]!, s[1]!], stored: s[0]! * s[1]!, dtype: numpyDtype(e) };
    }
    if (!isGroup(e)) throw new FileFormatError(name, `${path} is neither a dataset nor a group`);
    const enc = String(attr(e, 'encoding-type') ?? attr(e, 'h5sparse_format') ?? '');
    const format = enc === 'csr_matrix' || enc === 'csr' ? 'csr' : enc === 'csc_matrix' || enc === 'csc' ? 'csc' : undefined;
    if (!format) throw new FileFormatError(name, `${path}: unsupported matrix encoding "${enc}" (expected csr_matrix, csc_matrix or a dense array)`);
    const shape = shapeAttr(name, e, attr(e, 'shape') !== undefined ? 'shape' : 'h5sparse_shape');
    const parts: Record<string, H5.Dataset> = {};
    for (const k of ['data', 'indices', 'indptr']) {
      const d = this.get(`${path}/${k}`);
      if (!isDataset(d) || !d.shape || d.shape.length !== 1) throw new FileFormatError(name, `${path}/${k} is missing or not a 1-D dataset`);
      parts[k] = d;
    }
    const major = format === 'csr' ? shape[0] : shape[1];
    const nIndptr = parts.indptr!.shape![0]!;
    if (nIndptr !== major + 1) {
      throw new FileFormatError(name, `${path}/indptr has ${nIndptr} entries; a ${format.toUpperCase()} matrix of shape ${shape[0]} × ${shape[1]} needs ${major + 1}`);
    }
    const nData = parts.data!.shape![0]!;
    if (parts.indices!.shape![0] !== nData) {
      throw new FileFormatError(name, `${path}: data has ${nData} values but indices has ${parts.indices!.shape![0]}`);
    }
    return { path, format, shape, stored: nData, dtype: numpyDtype(parts.data!) };
  }

  private info(layer?: string): MatrixInfo {
    if (layer === undefined || layer === 'X') {
      if (!this.X) throw new FileFormatError(this.h.name, 'has no X');
      return this.X;
    }
    const m = this.layers[layer];
    if (!m) throw new InvalidInputError(`${this.h.name}: no layer "${layer}" (layers: ${Object.keys(this.layers).join(', ') || 'none'})`);
    return m;
  }

  private ds(path: string): H5.Dataset {
    const d = this.get(path);
    if (!isDataset(d)) throw new FileFormatError(this.h.name, `${path} is missing`);
    return d;
  }

  private typed(path: string, range?: [number, number]): TypedArray {
    const d = this.ds(path);
    if (range && range[1] <= range[0]) return new Float64Array(0);
    const v = readDataset(this.h.name, d, range);
    if (!isTyped(v)) throw new FileFormatError(this.h.name, `${path}: expected numbers, got ${describeValue(v)}`);
    return v;
  }

  /** Reads X (or a layer) whole, in its stored layout. */
  readMatrix(layer?: string): Matrix {
    const m = this.info(layer);
    const name = this.h.name;
    try {
      if (m.format === 'dense') {
        const v = toFloat(this.typed(m.path));
        return new DenseMatrix({ shape: m.shape, data: v });
      }
      const indptr = toInt32(name, `${m.path}/indptr`, this.typed(`${m.path}/indptr`));
      const init = {
        shape: m.shape,
        data: toFloat(this.typed(`${m.path}/data`)),
        indices: toInt32(name, `${m.path}/indices`, this.typed(`${m.path}/indices`)),
        indptr,
      };
      return m.format === 'csr' ? new CsrMatrix(init) : new CscMatrix(init);
    } catch (e) {
      if (e instanceof FileFormatError || !(e instanceof InvalidInputError)) throw e;
      throw new FileFormatError(name, `${m.path}: ${(e as Error).message}`);
    }
  }

  /**
   * Reads rows [start, end) of X (or a layer) as CSR. CSR files read only those rows; dense
   * files read those rows and drop zeros; CSC files are scanned column block by column block,
   * keeping memory bounded (slower: each block reads the whole matrix once).
   */
  readRows(start: number, end: number, layer?: string): CsrMatrix {
    const m = this.info(layer);
    const name = this.h.name;
    const [nr, nc] = m.shape;
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= nr)) {
      throw new InvalidInputError(`readRows: need 0 ≤ start ≤ end ≤ ${nr}, got [${start}, ${end})`);
    }
    const rows = end - start;
    if (m.format === 'csr') {
      const ip = this.typed(`${m.path}/indptr`, [start, end + 1]);
      const s = Number(ip[0] ?? 0);
      const e = Number(ip[rows] ?? s);
      const indptr = toInt32(name, `${m.path}/indptr`, ip, s);
      const data = e > s ? toFloat(this.typed(`${m.path}/data`, [s, e])) : new Float32Array(0);
      const indices = e > s ? toInt32(name, `${m.path}/indices`, this.typed(`${m.path}/indices`, [s, e])) : new Int32Array(0);
      try {
        return new CsrMatrix({ shape: [rows, nc], data, indices, indptr });
      } catch (err) {
        throw new FileFormatError(name, `${m.path}, rows ${start}–${end - 1}: ${(err as Error).message}`);
      }
    }
    if (m.format === 'dense') {
      const d = this.ds(m.path);
      const v = rows > 0 ? (h5try(name, `cannot read ${m.path}`, () => d.slice([[start, end], []])) as TypedArray) : new Float32Array(0);
      return denseToCsr(toFloat(v), rows, nc);
    }
    return this.cscRows(m, start, end);
  }

  private cscRows(m: MatrixInfo, start: number, end: number): CsrMatrix {
    const name = this.h.name;
    const [, nc] = m.shape;
    const rows = end - start;
    const colPtr = this.typed(`${m.path}/indptr`);
    const rowOf: number[] = [];
    const colOf: number[] = [];
    const vals: number[] = [];
    const CHUNK = 1 << 22;
    let c0 = 0;
    while (c0 < nc) {
      let c1 = c0 + 1;
      const base = Number(colPtr[c0]!);
      while (c1 < nc && Number(colPtr[c1 + 1]!) - base <= CHUNK) c1++;
      const s = base;
      const e = Number(colPtr[c1]!);
      if (e > s) {
        const idx = this.typed(`${m.path}/indices`, [s, e]);
        const dat = this.typed(`${m.path}/data`, [s, e]);
        for (let c = c0; c < c1; c++) {
          for (let k = Number(colPtr[c]!) - s; k < Number(colPtr[c + 1]!) - s; k++) {
            const r = Number(idx[k]!);
            if (r >= start && r < end) {
              rowOf.push(r - start);
              colOf.push(c);
              vals.push(Number(dat[k]!));
            }
          }
        }
      }
      c0 = c1;
    }
    const indptr = new Int32Array(rows + 1);
    for (const r of rowOf) indptr[r + 1]!++;
    for (let r = 0; r < rows; r++) indptr[r + 1]! += indptr[r]!;
    const fill = indptr.slice(0, rows);
    const indices = new Int32Array(rowOf.length);
    const f32 = m.dtype.includes('f4') || !m.dtype.includes('f8');
    const data = f32 ? new Float32Array(rowOf.length) : new Float64Array(rowOf.length);
    // Columns were visited in order, so each row's indices come out sorted.
    for (let k = 0; k < rowOf.length; k++) {
      const p = fill[rowOf[k]!]!++;
      indices[p] = colOf[k]!;
      data[p] = vals[k]!;
    }
    try {
      return new CsrMatrix({ shape: [rows, nc], data, indices, indptr });
    } catch (err) {
      throw new FileFormatError(name, `${m.path}: ${(err as Error).message}`);
    }
  }

  /**
   * Row blocks of X (or a layer), `blockRows` cells at a time: a generator, so only one block
   * is in memory at once.
   */
  *rowBlocks(blockRows: number, layer?: string): Generator<RowBlock> {
    if (!(Number.isInteger(blockRows) && blockRows >= 1)) throw new InvalidInputError(`rowBlocks: blockRows must be a positive integer, got ${blockRows}`);
    const n = this.info(layer).shape[0];
    for (let s = 0; s < n; s += blockRows) {
      const e = Math.min(n, s + blockRows);
      yield { start: s, end: e, X: this.readRows(s, e, layer) };
    }
  }

  /** obs_names. */
  obsNames(): string[] {
    return this.readIndex('obs');
  }

  /** var_names. */
  varNames(): string[] {
    return this.readIndex('var');
  }

  private readIndex(which: 'obs' | 'var'): string[] {
    const g = this.get(which) as H5.Group;
    return readStrings(this.h.name, this.ds(`${which}/${String(attr(g, '_index') ?? '_index')}`));
  }

  /** The obs table (cells). */
  obs(): DataFrame {
    return this.readFrame('obs');
  }

  /** The var table (genes). */
  var(): DataFrame {
    return this.readFrame('var');
  }

  private readFrame(which: 'obs' | 'var'): DataFrame {
    const name = this.h.name;
    const g = this.get(which) as H5.Group;
    const indexKey = String(attr(g, '_index') ?? '_index');
    const index = this.readIndex(which);
    let order = attr(g, 'column-order');
    if (typeof order === 'string') order = [order];
    const names = Array.isArray(order) ? order.map(String) : [];
    const columns: Record<string, Column> = {};
    for (const c of names) {
      if (c === indexKey) continue;
      const e = this.get(`${which}/${c}`);
      if (!e) throw new FileFormatError(name, `/${which}: column "${c}" is listed in column-order but missing`);
      const col = this.readColumn(e, `/${which}/${c}`);
      if (col.length !== index.length) {
        throw new FileFormatError(name, `/${which}/${c} has ${col.length} rows but the table has ${index.length}`);
      }
      columns[c] = col;
    }
    return { index, columns };
  }

  private readColumn(e: H5.Entity, path: string): Column {
    const name = this.h.name;
    const enc = String(attr(e as H5.Dataset, 'encoding-type') ?? '');
    if (isDataset(e)) {
      const meta = e.metadata;
      if (meta.type === H5T.STRING || enc === 'string-array') return readStrings(name, e);
      const v = readDataset(name, e);
      if (meta.type === H5T.ENUM) {
        const members = meta.enum_type?.members ?? {};
        if (members.FALSE === 0 && members.TRUE === 1 && isTyped(v)) return numbers(v).map((x) => x !== 0);
        throw new FileFormatError(name, `${path}: enum columns other than booleans are not supported`);
      }
      if (!isTyped(v)) throw new FileFormatError(name, `${path}: unsupported column type ${numpyDtype(e)}`);
      if (v instanceof BigInt64Array || v instanceof BigUint64Array) return Float64Array.from(numbers(v));
      return v;
    }
    if (!isGroup(e)) throw new FileFormatError(name, `${path}: unsupported element`);
    if (enc === 'categorical') {
      const codes = this.typed(`${path}/codes`);
      const catsE = this.get(`${path}/categories`);
      if (!isDataset(catsE)) throw new FileFormatError(name, `${path}/categories is missing`);
      const cats = catsE.metadata.type === H5T.STRING ? readStrings(name, catsE) : numbers(this.typed(`${path}/categories`)).map((x) => String(x));
      const out: (string | null)[] = new Array(codes.length);
      for (let i = 0; i < codes.length; i++) {
        const c = Number(codes[i]!);
        if (c >= cats.length) throw new FileFormatError(name, `${path}/codes[${i}] = ${c} but there are ${cats.length} categories`);
        out[i] = c < 0 ? null : cats[c]!;
      }
      return out;
    }
    if (enc === 'nullable-integer' || enc === 'nullable-boolean' || enc === 'nullable-string-array') {
      const mask = this.typed(`${path}/mask`);
      const ve = this.get(`${path}/values`);
      if (!isDataset(ve)) throw new FileFormatError(name, `${path}/values is missing`);
      if (enc === 'nullable-string-array') return readStrings(name, ve).map((s, i) => (Number(mask[i] ?? 0) ? null : s));
      const values = this.typed(`${path}/values`);
      const m = numbers(mask);
      if (enc === 'nullable-boolean') return numbers(values).map((x, i) => (m[i] ? null : x !== 0));
      return Float64Array.from(numbers(values), (x, i) => (m[i] ? Number.NaN : x));
    }
    throw new FileFormatError(name, `${path}: unsupported column encoding "${enc}"`);
  }

  /** Everything (by default): X, layers, obs and var. */
  read(options: Omit<ReadH5adOptions, 'name'> = {}): AnnData {
    const wantLayers = options.layers ?? true;
    const layerNames = wantLayers === true ? Object.keys(this.layers) : wantLayers === false ? [] : wantLayers;
    const layers: Record<string, Matrix> = {};
    for (const l of layerNames) layers[l] = this.readMatrix(l);
    const skipped = h5try(this.h.name, 'cannot list the root group', () => this.h.file.keys()).filter((k) => {
      if (['X', 'obs', 'var', 'layers'].includes(k)) return false;
      const g = this.get(k);
      return !(isGroup(g) && h5try(this.h.name, `cannot list /${k}`, () => g.keys()).length === 0);
    });
    return {
      X: options.X === false || !this.X ? null : this.readMatrix(),
      obs: this.obs(),
      var: this.var(),
      layers,
      skipped,
    };
  }

  /** Closes the file (and removes any temporary copy). */
  close(): void {
    this.h.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}


/** Opens an `.h5ad` for reading parts of it (metadata now, data on demand). */
export function openH5ad(source: H5Source, options: H5adOptions = {}): Promise<H5adFile> {
  return H5adFile.open(source, options);
}

/**
 * Reads an AnnData `.h5ad` (anndata ≥ 0.7 layout): X and layers in their stored layout
 * (CSR, CSC or dense; integer counts become float32), obs/var names and columns as plain
 * arrays. A path is read in place in Node; elsewhere pass bytes or a File.
 */
export async function readH5ad(source: H5Source, options: ReadH5adOptions = {}): Promise<AnnData> {
  const f = await H5adFile.open(source, options);
  try {
    const { name: _n, ...rest } = options;
    return f.read(rest);
  } finally {
    f.close();
  }
}
