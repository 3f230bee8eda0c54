/**
 * h5wasm behind one small interface: loads the right build (Node: `h5wasm/node`, which reads
 * and writes the real file system directly, so a file is never loaded whole; elsewhere: the
 * ESM build over an in-memory file system), opens files from a path or from bytes, and turns
 * HDF5's error stacks into one FileFormatError that names the file.
 * @module
 */
import type * as H5 from 'h5wasm';
import { FileFormatError } from './errors.js';

type H5Lib = typeof import('h5wasm').default;
/** The HDF5 module (h5wasm's `Module`). */
export type H5Module = Awaited<H5Lib['ready']>;

/** Bytes, a Blob/File, or (Node only) a file path. */
export type H5Source = string | Uint8Array | ArrayBuffer | Blob;

export const isNode =
  typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string' &&
  typeof (globalThis as { Deno?: unknown }).Deno === 'undefined';

/** Imports a module that bundlers must not follow (Node-only code paths). */
export async function nodeImport<T>(name: string): Promise<T> {
  return (await import(/* @vite-ignore */ /* webpackIgnore: true */ name)) as T;
}

interface Loaded {
  h5: H5Lib;
  M: H5Module;
  /** Node build: paths are real files (NODERAWFS); otherwise an in-memory FS. */
  rawFs: boolean;
}
let loaded: Promise<Loaded> | undefined;
let loadedNow: Loaded | undefined;

/** Current size of h5wasm's own wasm heap in bytes (0 before it is loaded); it never shrinks. */
export function hdf5HeapBytes(): number {
  const heap = (loadedNow?.M as { HEAPU8?: Uint8Array } | undefined)?.HEAPU8;
  return heap?.buffer.byteLength ?? 0;
}

/** Loads h5wasm once (Node: the raw-file-system build). */
export function loadH5(): Promise<Loaded> {
  loaded ??= (async () => {
    let mod: { default?: H5Lib } & Partial<H5Lib>;
    if (isNode) mod = await nodeImport('h5wasm/node');
    else mod = (await import('h5wasm')) as unknown as typeof mod;
    const h5 = (mod.default ?? mod) as H5Lib;
    const M = await h5.ready;
    // HDF5 errors become exceptions carrying the error stack instead of text on stderr.
    M.activate_throwing_error_handler();
    loadedNow = { h5, M, rawFs: isNode };
    return loadedNow;
  })().catch((e) => {
    loaded = undefined;
    throw new FileFormatError('h5wasm', `could not load the HDF5 library (npm install h5wasm): ${(e as Error).message}`);
  });
  return loaded;
}

/**
 * The most specific line of an HDF5 error stack ("truncated file: eof = …"), or the message
 * itself when it is not an HDF5 stack.
 */
export function hdf5Reason(e: unknown): string {
  const msg = String((e as Error)?.message ?? e);
  const lines = msg.split('\n');
  let detail = '';
  let minor = '';
  for (const l of lines) {
    const m = /^\s*#\d+:.* in [\w]+\(\): (.*)$/.exec(l);
    if (m) detail = m[1]!.trim();
    const n = /^\s*minor: (.*)$/.exec(l);
    if (n) minor = n[1]!.trim();
  }
  if (!detail) return msg.replace(/^Error: /, '').split('\n')[0]!;
  const trunc = /truncated file: eof = (\d+).*stored_eof = (\d+)/.exec(detail);
  if (trunc) {
    return `truncated HDF5 file: it has ${Number(trunc[1]).toLocaleString('en-US')} bytes but its superblock says ${Number(trunc[2]).toLocaleString('en-US')} (incomplete download or copy?)`;
  }
  if (/file signature not found/.test(detail)) return 'not an HDF5 file (no HDF5 signature)';
  const errno = /error message = '([^']*)'/.exec(detail);
  if (errno) return errno[1]!;
  return minor && !detail.toLowerCase().includes(minor.toLowerCase()) ? `${detail} (${minor})` : detail;
}

/** Runs an h5wasm call; any failure becomes a FileFormatError naming the file and what was done. */
export function h5try<T>(file: string, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof FileFormatError) throw e;
    throw new FileFormatError(file, `${what}: ${hdf5Reason(e)}`);
  }
}

let tmpCounter = 0;

/** An open HDF5 file and what to do when it is closed. */
export interface OpenedH5 {
  file: H5.File;
  name: string;
  lib: Loaded;
  close(): void;
}

/**
 * Opens an HDF5 file for reading. A path (Node) is read in place; bytes or a Blob are put on
 * the in-memory file system (browsers, Deno, workers) or in a temporary file (Node).
 */
export async function openH5(source: H5Source, name: string): Promise<OpenedH5> {
  const lib = await loadH5();
  let path: string;
  let cleanup = (): void => {};
  if (typeof source === 'string') {
    if (!lib.rawFs) {
      throw new FileFormatError(name, 'reading a file by path needs Node; pass its bytes (Uint8Array, ArrayBuffer or a File) instead');
    }
    path = source;
    const fs = await nodeImport<typeof import('node:fs')>('node:fs');
    if (!fs.existsSync(path)) throw new FileFormatError(name, 'no such file');
    if (fs.statSync(path).isDirectory()) throw new FileFormatError(name, 'is a directory, not an HDF5 file');
  } else {
    const bytes =
      source instanceof Uint8Array ? source : source instanceof ArrayBuffer ? new Uint8Array(source) : new Uint8Array(await source.arrayBuffer());
    if (lib.rawFs) {
      const os = await nodeImport<typeof import('node:os')>('node:os');
      const fs = await nodeImport<typeof import('node:fs')>('node:fs');
      const p = await nodeImport<typeof import('node:path')>('node:path');
      path = p.join(os.tmpdir(), `cellkernels-${process.pid}-${++tmpCounter}.h5`);
      fs.writeFileSync(path, bytes);
      cleanup = () => fs.rmSync(path, { force: true });
    } else {
      path = `/cellkernels-${++tmpCounter}.h5`;
      lib.M.FS.writeFile(path, bytes);
      cleanup = () => lib.M.FS.unlink(path);
    }
  }
  let file: H5.File;
  try {
    file = h5try(name, 'cannot open', () => new lib.h5.File(path, 'r'));
  } catch (e) {
    cleanup();
    throw e;
  }
  let open = true;
  return {
    file,
    name,
    lib,
    close() {
      if (!open) return;
      open = false;
      try {
        file.close();
      } finally {
        cleanup();
      }
    },
  };
}

/** h5wasm's HDF5 type class numbers (H5T_class_t). */
export const H5T = { INTEGER: 0, FLOAT: 1, STRING: 3, COMPOUND: 6, ENUM: 8 } as const;

/** A dataset's contents as returned by h5wasm, with failures named. */
export function readDataset(file: string, ds: H5.Dataset, range?: [number, number]): unknown {
  return h5try(file, `cannot read ${ds.path}`, () => (range ? ds.slice([range]) : ds.value));
}

/** An attribute's value as JSON-compatible data (strings, numbers, arrays), or undefined. */
export function attr(obj: { attrs: Record<string, H5.Attribute> } | null, name: string): unknown {
  if (!obj) return undefined;
  const a = obj.attrs[name];
  if (!a) return undefined;
  const v = a.json_value;
  return v;
}
