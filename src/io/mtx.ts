import { InvalidInputError } from '../errors.js';
import { CsrMatrix } from '../matrix/index.js';
import { gunzip, isGzip } from './gzip.js';

/** Options of parseMatrixMarket. */
export interface MatrixMarketOptions {
  /** Transpose while reading (Cell Ranger stores genes × cells; we want cells × genes). Default true. */
  transpose?: boolean;
  /** Name used in error messages. */
  name?: string;
}

/**
 * Parses a Matrix Market `coordinate` file (integer or real, general) into a CSR float32
 * matrix with sorted indices. Gzipped input is detected and decompressed. Errors name the
 * file and the line: a bad header, an index outside the declared shape, a wrong entry count.
 */
export async function readMatrixMarket(bytes: Uint8Array, options: MatrixMarketOptions = {}): Promise<CsrMatrix> {
  const name = options.name ?? 'matrix.mtx';
  const raw = isGzip(bytes) ? await gunzip(bytes, name) : bytes;
  return parseMatrixMarket(new TextDecoder().decode(raw), options);
}

/** Parses Matrix Market text (see readMatrixMarket). */
export function parseMatrixMarket(text: string, options: MatrixMarketOptions = {}): CsrMatrix {
  const name = options.name ?? 'matrix.mtx';
  const transpose = options.transpose ?? true;
  let pos = 0;
  let lineNo = 0;
  const nextLine = (): string | undefined => {
    if (pos >= text.length) return undefined;
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const line = text.slice(pos, end);
    pos = end + 1;
    lineNo++;
    return line;
  };
  const header = nextLine();
  if (!header || !/^%%MatrixMarket\s+matrix\s+coordinate\s+(integer|real)\s+general/i.test(header)) {
    throw new InvalidInputError(`${name}: line 1 is not a Matrix Market coordinate integer/real general header: "${header?.slice(0, 80)}"`);
  }
  let line = nextLine();
  while (line !== undefined && line.startsWith('%')) line = nextLine();
  const dims = line?.trim().split(/\s+/).map(Number);
  if (!dims || dims.length !== 3 || dims.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new InvalidInputError(`${name}: line ${lineNo}: expected "rows cols entries", got "${line}"`);
  }
  const [fr, fc, nnz] = dims as [number, number, number];
  const [nrows, ncols] = transpose ? [fc, fr] : [fr, fc];
  const rowOf = new Int32Array(nnz);
  const colOf = new Int32Array(nnz);
  const val = new Float32Array(nnz);
  const counts = new Int32Array(nrows + 1);
  let k = 0;
  for (line = nextLine(); line !== undefined; line = nextLine()) {
    if (line.length === 0 || line.startsWith('%')) continue;
    const parts = line.trim().split(/\s+/);
    if (parts.length !== 3) throw new InvalidInputError(`${name}: line ${lineNo}: expected "row col value", got "${line.slice(0, 80)}"`);
    const a = Number(parts[0]) - 1;
    const b = Number(parts[1]) - 1;
    const v = Number(parts[2]);
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0 || a >= fr || b >= fc) {
      throw new InvalidInputError(`${name}: line ${lineNo}: index (${parts[0]}, ${parts[1]}) is outside the declared ${fr} × ${fc} matrix`);
    }
    if (Number.isNaN(v)) throw new InvalidInputError(`${name}: line ${lineNo}: value "${parts[2]}" is not a number`);
    if (k >= nnz) throw new InvalidInputError(`${name}: line ${lineNo}: more entries than the ${nnz} declared`);
    const [r, c] = transpose ? [b, a] : [a, b];
    rowOf[k] = r;
    colOf[k] = c;
    val[k] = v;
    counts[r + 1]!++;
    k++;
  }
  if (k !== nnz) throw new InvalidInputError(`${name}: ${k} entries, but the header declares ${nnz} (truncated file?)`);
  const indptr = new Int32Array(nrows + 1);
  for (let r = 0; r < nrows; r++) indptr[r + 1] = indptr[r]! + counts[r + 1]!;
  // Counting sort by row, then by column within each row.
  const fill = indptr.slice(0, nrows);
  const order = new Int32Array(nnz);
  for (let i = 0; i < nnz; i++) order[fill[rowOf[i]!]!++] = i;
  const indices = new Int32Array(nnz);
  const data = new Float32Array(nnz);
  for (let r = 0; r < nrows; r++) {
    const s = indptr[r]!;
    const e = indptr[r + 1]!;
    const slice = Array.from(order.subarray(s, e)).sort((p, q) => colOf[p]! - colOf[q]!);
    for (let t = 0; t < slice.length; t++) {
      indices[s + t] = colOf[slice[t]!]!;
      data[s + t] = val[slice[t]!]!;
    }
  }
  return new CsrMatrix({ shape: [nrows, ncols], data, indices, indptr });
}
