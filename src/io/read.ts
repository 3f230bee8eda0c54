import type { AnnData } from './anndata.js';
import { FileFormatError } from './errors.js';
import { readH5ad } from './h5ad.js';
import { isNode, nodeImport } from './hdf5.js';
import { type TenxOptions, read10xH5, read10xMtx } from './tenx.js';

/** Options of readAny. */
export interface ReadAnyOptions extends TenxOptions {}

/**
 * Reads any supported input by path (Node): an `.h5ad`, a Cell Ranger `.h5`, a Cell Ranger
 * Matrix Market folder, or a `matrix.mtx(.gz)` inside one. HDF5 files are told apart by
 * content (an AnnData file has obs and var), not only by extension.
 */
export async function readAny(path: string, options: ReadAnyOptions = {}): Promise<AnnData> {
  if (!isNode) throw new FileFormatError(path, 'readAny reads paths and needs Node; use readH5ad/read10xH5/read10xMtx with bytes');
  const fs = await nodeImport<typeof import('node:fs')>('node:fs');
  const p = await nodeImport<typeof import('node:path')>('node:path');
  const name = options.name ?? path;
  if (!fs.existsSync(path)) throw new FileFormatError(name, 'no such file or folder');
  if (fs.statSync(path).isDirectory()) return read10xMtx(path, { ...options, name });
  const lower = path.toLowerCase();
  if (lower.endsWith('.mtx') || lower.endsWith('.mtx.gz')) return read10xMtx(p.dirname(path), { ...options, name: p.dirname(path) });
  const head = new Uint8Array(8);
  const fd = fs.openSync(path, 'r');
  try {
    fs.readSync(fd, head, 0, 8, 0);
  } finally {
    fs.closeSync(fd);
  }
  const isHdf5 = head[0] === 0x89 && head[1] === 0x48 && head[2] === 0x44 && head[3] === 0x46;
  if (lower.endsWith('.h5ad')) return readH5ad(path, { name });
  if (!isHdf5) throw new FileFormatError(name, 'not an HDF5 file, a Matrix Market file or a Cell Ranger folder');
  try {
    return await read10xH5(path, { ...options, name });
  } catch (e) {
    if (e instanceof FileFormatError && /not a Cell Ranger matrix file/.test(e.message)) return readH5ad(path, { name });
    throw e;
  }
}
