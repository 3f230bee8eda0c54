/**
 * AnnData `.h5ad` writer over h5wasm, in the layout anndata ≥ 0.8 writes (and Python's
 * anndata reads): X and layers as CSR/CSC groups or dense arrays, obs/var as dataframes with
 * numeric, string, categorical (strings with missing values) and boolean columns.
 *
 * In Node the file is written under a temporary name next to the target and renamed into place
 * when complete, so a failure leaves no partial output file. `H5adWriter` appends row blocks
 * (for results larger than memory).
 * @module
 */
import type * as H5 from 'h5wasm';
import { InvalidInputError } from '../errors.js';
import { CscMatrix, CsrMatrix, DenseMatrix, type Matrix } from '../matrix/index.js';
import type { AnnData, Column, DataFrame } from './anndata.js';
import { FileFormatError } from './errors.js';
import { h5try, isNode, loadH5, nodeImport } from './hdf5.js';

/** Options of writeH5ad / encodeH5ad / H5adWriter. */
export interface WriteH5adOptions {
  /** gzip level 0–9 for the matrix arrays (default 4; 0 = none). Tables are always gzip 4. */
  compression?: number;
}

type Lib = Awaited<ReturnType<typeof loadH5>>;

/** Prefix of the placeholder member name that marks a boolean dataset until it is patched. */
const BOOL_MARK = '__ck_bool_';

interface Target {
  /** Path h5wasm writes to (a temporary name). */
  tmp: string;
  /** Moves the finished file into place (or returns its bytes), then cleans up. */
  commit(): Promise<Uint8Array | undefined>;
  /** Removes the temporary file. */
  abort(): void;
  /** Reads/writes of the finished temporary file, for the boolean patch. */
  io: FileIO;
}

interface FileIO {
  size(): number;
  read(pos: number, len: number): Uint8Array;
  write(pos: number, bytes: Uint8Array): void;
  close(): void;
}

let tmpCounter = 0;

async function makeTarget(lib: Lib, dest: string | null, label: string): Promise<Target> {
  if (lib.rawFs) {
    const fs = await nodeImport<typeof import('node:fs')>('node:fs');
    const path = await nodeImport<typeof import('node:path')>('node:path');
    const os = await nodeImport<typeof import('node:os')>('node:os');
    const dir = dest ? path.dirname(path.resolve(dest)) : os.tmpdir();
    if (dest && !fs.existsSync(dir)) throw new FileFormatError(dest, `cannot write: the folder ${dir} does not exist`);
    const tmp = path.join(dir, `.${dest ? path.basename(dest) : 'cellkernels'}.${process.pid}.${++tmpCounter}.tmp`);
    let fd: number | undefined;
    const io: FileIO = {
      size: () => fs.statSync(tmp).size,
      read(pos, len) {
        fd ??= fs.openSync(tmp, 'r+');
        const b = new Uint8Array(len);
        const n = fs.readSync(fd, b, 0, len, pos);
        return b.subarray(0, n);
      },
      write(pos, bytes) {
        fd ??= fs.openSync(tmp, 'r+');
        fs.writeSync(fd, bytes, 0, bytes.length, pos);
      },
      close() {
        if (fd !== undefined) fs.closeSync(fd);
        fd = undefined;
      },
    };
    return {
      tmp,
      io,
      async commit() {
        io.close();
        if (dest) {
          fs.renameSync(tmp, dest);
          return undefined;
        }
        const bytes = new Uint8Array(fs.readFileSync(tmp));
        fs.rmSync(tmp, { force: true });
        return bytes;
      },
      abort() {
        io.close();
        fs.rmSync(tmp, { force: true });
      },
    };
  }
  if (dest) throw new FileFormatError(dest, 'writing to a path needs Node; use encodeH5ad() to get the bytes');
  const FS = lib.M.FS;
  const tmp = `/cellkernels-out-${++tmpCounter}.h5ad`;
  let buf: Uint8Array | undefined;
  const io: FileIO = {
    size: () => (buf ??= FS.readFile(tmp)).length,
    read: (pos, len) => (buf ??= FS.readFile(tmp)).subarray(pos, pos + len),
    write: (pos, bytes) => (buf ??= FS.readFile(tmp)).set(bytes, pos),
    close() {},
  };
  return {
    tmp,
    io,
    async commit() {
      const out = buf ?? FS.readFile(tmp);
      FS.unlink(tmp);
      return out;
    },
    abort() {
      try {
        FS.unlink(tmp);
      } catch {
        /* never created */
      }
    },
  };
  void label;
}

/** Writes attributes that anndata reads (encoding-type/-version first). */
function encodingAttrs(obj: H5.Group | H5.Dataset, type: string, version: string): void {
  obj.create_attribute('encoding-type', type);
  obj.create_attribute('encoding-version', version);
}

/** Low-level writing of one file, with the boolean placeholders counted. */
class Writer {
  private nBool = 0;
  constructor(
    readonly file: H5.File,
    readonly name: string,
    readonly level: number,
  ) {}

  get bools(): number {
    return this.nBool;
  }

  array(g: H5.Group, key: string, data: ArrayBufferView | string[], opts: { shape?: number[]; level?: number; resizable?: boolean } = {}): H5.Dataset {
    const length = (data as { length: number }).length;
    const shape = opts.shape ?? [length];
    // HDF5 cannot filter variable-length strings.
    const level = Array.isArray(data) ? 0 : (opts.level ?? this.level);
    const chunked = opts.resizable || (level > 0 && length > 0);
    // 64 Ki values per chunk (a growing dataset always: its first length says nothing).
    const chunk =
      shape.length === 2
        ? [Math.max(1, Math.min(shape[0]!, Math.ceil(65536 / Math.max(1, shape[1]!)))), Math.max(1, shape[1]!)]
        : [opts.resizable ? 65536 : Math.max(1, Math.min(length, 65536))];
    return h5try(this.name, `cannot write ${g.path}/${key}`, () =>
      g.create_dataset({
        name: key,
        data: data as Float32Array,
        shape,
        ...(Array.isArray(data) ? { dtype: 'S' } : {}),
        ...(opts.resizable ? { maxshape: shape.map(() => null) } : {}),
        ...(chunked ? { chunks: chunk } : {}),
        ...(chunked && level > 0 ? { compression: 'gzip' as const, compression_opts: level } : {}),
      }),
    );
  }

  /** A boolean dataset: written as a 1-byte placeholder type, patched to numpy's bool after close. */
  bool(g: H5.Group, key: string, values: Uint8Array): H5.Dataset {
    const member = `${BOOL_MARK}${String(this.nBool++).padStart(4, '0')}`;
    return h5try(this.name, `cannot write ${g.path}/${key}`, () =>
      g.create_dataset({ name: key, data: new Map([[member, values]]), shape: [values.length], dtype: [[member, '<B']] }),
    );
  }

  group(parent: H5.Group, key: string, type?: string, version?: string): H5.Group {
    const g = h5try(this.name, `cannot create ${parent.path === '/' ? '' : parent.path}/${key}`, () => parent.create_group(key));
    if (type) encodingAttrs(g, type, version!);
    return g;
  }

  matrix(parent: H5.Group, key: string, m: Matrix): void {
    if (m instanceof DenseMatrix) {
      const d = this.array(parent, key, m.data, { shape: [m.shape[0], m.shape[1]] });
      encodingAttrs(d, 'array', '0.2.0');
      return;
    }
    if (!(m instanceof CsrMatrix || m instanceof CscMatrix)) throw new InvalidInputError(`writeH5ad: ${key} is not a matrix`);
    const g = this.group(parent, key, m.format === 'csr' ? 'csr_matrix' : 'csc_matrix', '0.1.0');
    g.create_attribute('shape', new BigInt64Array([BigInt(m.shape[0]), BigInt(m.shape[1])]));
    const nnz = m.nnz;
    this.array(g, 'data', m.data.length === nnz ? m.data : m.data.subarray(0, nnz));
    this.array(g, 'indices', m.indices.length === nnz ? m.indices : m.indices.subarray(0, nnz));
    this.array(g, 'indptr', m.indptr);
  }

  frame(parent: H5.Group, key: string, df: DataFrame, n: number): void {
    if (df.index.length !== n) throw new InvalidInputError(`writeH5ad: ${key} has ${df.index.length} names but the matrix has ${n} ${key === 'obs' ? 'rows' : 'columns'}`);
    const g = this.group(parent, key, 'dataframe', '0.2.0');
    g.create_attribute('_index', '_index');
    const names = Object.keys(df.columns);
    if (names.includes('_index')) throw new InvalidInputError(`writeH5ad: ${key} has a column named "_index", which anndata reserves`);
    g.create_attribute('column-order', names.length ? names : new Float64Array(0));
    encodingAttrs(this.array(g, '_index', df.index, { level: 4 }), 'string-array', '0.2.0');
    for (const c of names) this.column(g, c, df.columns[c]!, n, key);
  }

  private column(g: H5.Group, key: string, col: Column, n: number, table: string): void {
    if (col.length !== n) throw new InvalidInputError(`writeH5ad: ${table}.${key} has ${col.length} values, expected ${n}`);
    if (ArrayBuffer.isView(col)) {
      encodingAttrs(this.array(g, key, col, { level: 4 }), 'array', '0.2.0');
      return;
    }
    const arr = col as unknown[];
    const kinds = new Set(arr.map((v) => (v === null || v === undefined ? 'null' : typeof v)));
    kinds.delete('null');
    const hasNull = arr.some((v) => v === null || v === undefined);
    if (kinds.size === 0 || (kinds.size === 1 && kinds.has('boolean'))) {
      const values = Uint8Array.from(arr, (v) => (v === true ? 1 : 0));
      if (!hasNull) {
        encodingAttrs(this.bool(g, key, values), 'array', '0.2.0');
        return;
      }
      const sub = this.group(g, key, 'nullable-boolean', '0.1.0');
      encodingAttrs(this.bool(sub, 'values', values), 'array', '0.2.0');
      encodingAttrs(this.bool(sub, 'mask', Uint8Array.from(arr, (v) => (v === null || v === undefined ? 1 : 0))), 'array', '0.2.0');
      return;
    }
    if (kinds.size === 1 && kinds.has('string')) {
      if (!hasNull) {
        encodingAttrs(this.array(g, key, arr as string[], { level: 4 }), 'string-array', '0.2.0');
        return;
      }
      // Strings with missing values: a categorical with code -1 where missing (as pandas does).
      const cats = [...new Set(arr.filter((v): v is string => typeof v === 'string'))].sort();
      const code = new Map(cats.map((c, i) => [c, i]));
      const codes = cats.length < 127 ? new Int8Array(n) : cats.length < 32767 ? new Int16Array(n) : new Int32Array(n);
      for (let i = 0; i < n; i++) codes[i] = typeof arr[i] === 'string' ? code.get(arr[i] as string)! : -1;
      const sub = this.group(g, key, 'categorical', '0.2.0');
      sub.create_attribute('ordered', new Uint8Array([0]), []);
      encodingAttrs(this.array(sub, 'codes', codes, { level: 4 }), 'array', '0.2.0');
      encodingAttrs(this.array(sub, 'categories', cats, { level: 4 }), 'string-array', '0.2.0');
      return;
    }
    throw new InvalidInputError(`writeH5ad: ${table}.${key} must be a typed array, strings or booleans (got ${[...kinds].join(' and ')})`);
  }

  emptyDicts(root: H5.Group, keys: string[]): void {
    for (const k of keys) this.group(root, k, 'dict', '0.1.0');
  }
}

// numpy's bool as h5py stores it: an enum over int8 with FALSE = 0, TRUE = 1 (datatype message v1).
const ENUM_BOOL = (() => {
  const b = new Uint8Array(38);
  b.set([0x18, 2, 0, 0, 1, 0, 0, 0, 0x10, 0x08, 0, 0, 1, 0, 0, 0, 0, 0, 8, 0], 0);
  b.set(new TextEncoder().encode('FALSE\0\0\0TRUE\0\0\0\0'), 20);
  b[36] = 0;
  b[37] = 1;
  return b;
})();

/**
 * Rewrites the placeholder datatype of every boolean dataset into numpy's bool enum. The
 * placeholder is a one-member compound of one unsigned byte (same storage, datatype message
 * version 1 of 72 bytes, object header version 1 without checksums: libver "earliest");
 * the enum message (38 bytes) fits in its place.
 */
function patchBools(io: FileIO, count: number, file: string, fromEnd = false): void {
  if (count === 0) return;
  const size = io.size();
  const mark = new TextEncoder().encode(BOOL_MARK);
  const CH = 1 << 22;
  let found = 0;
  // Tables written last (H5adWriter) sit at the end of the file: search from there first.
  const starts: number[] = [];
  for (let pos = 0; pos < size; pos += CH - 128) starts.push(pos);
  if (fromEnd) starts.reverse();
  for (const pos of starts) {
    if (found >= count) break;
    const buf = io.read(pos, Math.min(CH, size - pos));
    for (let i = buf.indexOf(mark[0]!, 8); i >= 0 && i + 16 <= buf.length; i = buf.indexOf(mark[0]!, i + 1)) {
      let hit = true;
      for (let k = 1; k < mark.length && hit; k++) hit = buf[i + k] === mark[k];
      if (!hit) continue;
      const body = i - 8;
      // Compound v1 (0x16), one member, size 1; message header: type 3, size 72.
      if (buf[body] !== 0x16 || buf[body + 1] !== 1 || buf[body + 4] !== 1 || buf[body - 8] !== 3 || buf[body - 6] !== 72) continue;
      const fixed = new Uint8Array(72);
      fixed.set(ENUM_BOOL);
      io.write(pos + body, fixed);
      found++;
      i += 64;
    }
  }
  if (found !== count) throw new FileFormatError(file, `internal error: wrote ${count} boolean columns but could convert ${found}`);
}

async function withFile<T>(dest: string | null, label: string, body: (w: Writer, root: H5.File) => T, options: WriteH5adOptions): Promise<{ result: T; bytes: Uint8Array | undefined }> {
  const level = options.compression ?? 4;
  if (!(Number.isInteger(level) && level >= 0 && level <= 9)) throw new InvalidInputError(`writeH5ad: compression must be an integer 0–9, got ${level}`);
  const lib = await loadH5();
  const target = await makeTarget(lib, dest, label);
  let file: H5.File | undefined;
  try {
    file = h5try(label, 'cannot create', () => new lib.h5.File(target.tmp, 'w', { libver: ['earliest', 'v200'] }));
    const w = new Writer(file, label, level);
    encodingAttrs(file, 'anndata', '0.1.0');
    const result = body(w, file);
    h5try(label, 'cannot finish writing', () => file!.close());
    file = undefined;
    patchBools(target.io, w.bools, label);
    const bytes = await target.commit();
    return { result, bytes };
  } catch (e) {
    try {
      file?.close();
    } catch {
      /* already failing */
    }
    target.abort();
    throw e;
  }
}

function writeAll(w: Writer, root: H5.File, a: AnnData): void {
  const X = a.X;
  const n = X ? X.shape[0] : a.obs.index.length;
  const m = X ? X.shape[1] : a.var.index.length;
  for (const [k, l] of Object.entries(a.layers)) {
    if (l.shape[0] !== n || l.shape[1] !== m) throw new InvalidInputError(`writeH5ad: layer ${k} is ${l.shape[0]} × ${l.shape[1]}, expected ${n} × ${m}`);
  }
  // Tables first: their object headers sit near the start of the file (found fast by patchBools).
  w.frame(root, 'obs', a.obs, n);
  w.frame(root, 'var', a.var, m);
  if (X) w.matrix(root, 'X', X);
  const layers = w.group(root, 'layers', 'dict', '0.1.0');
  for (const [k, l] of Object.entries(a.layers)) w.matrix(layers, k, l);
  w.emptyDicts(root, ['obsm', 'varm', 'obsp', 'varp', 'uns']);
}

/**
 * Writes an AnnData object to `path` (Node). The file appears only when it is complete: it is
 * written under a temporary name in the same folder and renamed.
 */
export async function writeH5ad(path: string, adata: AnnData, options: WriteH5adOptions = {}): Promise<void> {
  if (!isNode) throw new FileFormatError(path, 'writing to a path needs Node; use encodeH5ad() to get the bytes');
  await withFile(path, path, (w, root) => writeAll(w, root, adata), options);
}

/** The bytes of an `.h5ad` holding `adata` (any runtime; in a browser, offer them as a download). */
export async function encodeH5ad(adata: AnnData, options: WriteH5adOptions = {}): Promise<Uint8Array> {
  const { bytes } = await withFile(null, 'output.h5ad', (w, root) => writeAll(w, root, adata), options);
  return bytes!;
}

/** Options of H5adWriter.create. */
export interface H5adWriterOptions extends WriteH5adOptions {
  /** Number of genes (columns) of every block. */
  nVars: number;
  /** Value type of X (default f32). */
  dtype?: 'f32' | 'f64';
}

/**
 * Writes an `.h5ad` whose X (CSR) arrives in row blocks: `append()` each block, then
 * `finish({ obs, var })` writes the tables and moves the file into place; `abort()` removes
 * it. Memory stays bounded by one block (Node only).
 */
export class H5adWriter {
  private rows = 0;
  private nnz = 0;
  private done = false;

  private constructor(
    private readonly path: string,
    private readonly lib: Lib,
    private readonly target: Target,
    private readonly file: H5.File,
    private readonly w: Writer,
    private readonly nVars: number,
    private readonly dtype: 'f32' | 'f64',
    private readonly ds: { data: H5.Dataset; indices: H5.Dataset; indptr: H5.Dataset },
  ) {}

  /** Starts writing `path` (under a temporary name until finish()). */
  static async create(path: string, options: H5adWriterOptions): Promise<H5adWriter> {
    if (!isNode) throw new FileFormatError(path, 'H5adWriter needs Node');
    if (!(Number.isInteger(options.nVars) && options.nVars >= 0)) throw new InvalidInputError(`H5adWriter: nVars must be a non-negative integer, got ${options.nVars}`);
    const level = options.compression ?? 4;
    const lib = await loadH5();
    const target = await makeTarget(lib, path, path);
    let file: H5.File | undefined;
    try {
      file = h5try(path, 'cannot create', () => new lib.h5.File(target.tmp, 'w', { libver: ['earliest', 'v200'] }));
      const w = new Writer(file, path, level);
      encodingAttrs(file, 'anndata', '0.1.0');
      const X = w.group(file, 'X', 'csr_matrix', '0.1.0');
      const dtype = options.dtype ?? 'f32';
      const ds = {
        data: w.array(X, 'data', dtype === 'f32' ? new Float32Array(0) : new Float64Array(0), { resizable: true }),
        indices: w.array(X, 'indices', new Int32Array(0), { resizable: true }),
        indptr: w.array(X, 'indptr', new BigInt64Array([0n]), { resizable: true }),
      };
      return new H5adWriter(path, lib, target, file, w, options.nVars, dtype, ds);
    } catch (e) {
      try {
        file?.close();
      } catch {
        /* already failing */
      }
      target.abort();
      throw e;
    }
  }

  /** Rows written so far. */
  get nObs(): number {
    return this.rows;
  }

  /** Appends a block of rows. */
  append(block: CsrMatrix): void {
    if (this.done) throw new InvalidInputError('H5adWriter: already finished');
    if (block.shape[1] !== this.nVars) throw new InvalidInputError(`H5adWriter: block has ${block.shape[1]} columns, expected ${this.nVars}`);
    if (block.dtype !== this.dtype) throw new InvalidInputError(`H5adWriter: block is ${block.dtype}, the file is ${this.dtype}`);
    const k = block.nnz;
    const r = block.shape[0];
    h5try(this.path, 'cannot append to /X', () => {
      if (k > 0) {
        this.ds.data.resize([this.nnz + k]);
        this.ds.data.write_slice([[this.nnz, this.nnz + k]], block.data.subarray(0, k));
        this.ds.indices.resize([this.nnz + k]);
        this.ds.indices.write_slice([[this.nnz, this.nnz + k]], block.indices.subarray(0, k));
      }
      if (r > 0) {
        const ip = new BigInt64Array(r);
        for (let i = 0; i < r; i++) ip[i] = BigInt(this.nnz + block.indptr[i + 1]!);
        this.ds.indptr.resize([this.rows + r + 1]);
        this.ds.indptr.write_slice([[this.rows + 1, this.rows + r + 1]], ip);
      }
    });
    this.rows += r;
    this.nnz += k;
  }

  /** Writes obs/var (and small layers, if any), closes, and moves the file into place. */
  async finish(tables: { obs: DataFrame; var: DataFrame }): Promise<void> {
    if (this.done) throw new InvalidInputError('H5adWriter: already finished');
    this.done = true;
    try {
      const X = this.file.get('X') as H5.Group;
      X.create_attribute('shape', new BigInt64Array([BigInt(this.rows), BigInt(this.nVars)]));
      this.w.frame(this.file, 'obs', tables.obs, this.rows);
      this.w.frame(this.file, 'var', tables.var, this.nVars);
      this.w.emptyDicts(this.file, ['layers', 'obsm', 'varm', 'obsp', 'varp', 'uns']);
      h5try(this.path, 'cannot finish writing', () => this.file.close());
      patchBools(this.target.io, this.w.bools, this.path, true);
      await this.target.commit();
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  /** Stops and removes the partial file. */
  abort(): void {
    this.done = true;
    try {
      this.file.close();
    } catch {
      /* already closed */
    }
    this.target.abort();
    void this.lib;
  }
}
