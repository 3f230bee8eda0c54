import { FileFormatError } from './errors.js';
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
  return parseMatrixMarketBytes(raw, options);
}

/** Parses Matrix Market text (see readMatrixMarket). */
export function parseMatrixMarket(text: string, options: MatrixMarketOptions = {}): CsrMatrix {
  return parseMatrixMarketBytes(new TextEncoder().encode(text), options);
}

const NL = 10;
const CR = 13;
const SP = 32;
const TAB = 9;

/**
 * Parses Matrix Market bytes directly (no string of the whole file): one pass over the
 * entries, then two counting sorts (by column, then by row) so indices come out sorted.
 */
export function parseMatrixMarketBytes(b: Uint8Array, options: MatrixMarketOptions = {}): CsrMatrix {
  const name = options.name ?? 'matrix.mtx';
  const transpose = options.transpose ?? true;
  const n = b.length;
  let pos = 0;
  let lineNo = 0;
  const dec = new TextDecoder();
  const nextLine = (): string | undefined => {
    if (pos >= n) return undefined;
    let end = b.indexOf(NL, pos);
    if (end < 0) end = n;
    const line = dec.decode(b.subarray(pos, end)).replace(/\r$/, '');
    pos = end + 1;
    lineNo++;
    return line;
  };
  const header = nextLine();
  if (!header || !/^%%MatrixMarket\s+matrix\s+coordinate\s+(integer|real)\s+general/i.test(header)) {
    throw new FileFormatError(name, `line 1 is not a Matrix Market coordinate integer/real general header: "${header?.slice(0, 80)}"`);
  }
  let line = nextLine();
  while (line !== undefined && line.startsWith('%')) line = nextLine();
  const dims = line?.trim().split(/\s+/).map(Number);
  if (!dims || dims.length !== 3 || dims.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new FileFormatError(name, `line ${lineNo}: expected "rows cols entries", got "${line}"`);
  }
  const [fr, fc, nnz] = dims as [number, number, number];
  const [nrows, ncols] = transpose ? [fc, fr] : [fr, fc];
  const rowOf = new Int32Array(nnz);
  const colOf = new Int32Array(nnz);
  const val = new Float32Array(nnz);
  let k = 0;
  const lineText = (s: number) => {
    let e = b.indexOf(NL, s);
    if (e < 0) e = n;
    return dec.decode(b.subarray(s, Math.min(e, s + 80))).replace(/\r$/, '');
  };
  // Entry lines: "i j v"; integers are parsed inline, anything else through Number().
  while (pos < n) {
    const start = pos;
    lineNo++;
    let c = b[pos]!;
    if (c === NL) {
      pos++;
      continue;
    }
    if (c === 37 /* % */) {
      const e = b.indexOf(NL, pos);
      pos = e < 0 ? n : e + 1;
      continue;
    }
    const tok: number[] = [0, 0, 0];
    let t = 0;
    let bad = false;
    while (pos < n && (c = b[pos]!) !== NL) {
      if (c === SP || c === TAB || c === CR) {
        pos++;
        continue;
      }
      if (t === 3) {
        bad = true;
        break;
      }
      let v = 0;
      let digits = 0;
      const s = pos;
      while (pos < n && (c = b[pos]!) >= 48 && c <= 57) {
        v = v * 10 + (c - 48);
        digits++;
        pos++;
      }
      if (pos < n && c !== SP && c !== TAB && c !== CR && c !== NL) {
        // Not a plain integer: sign, decimals or exponent.
        while (pos < n && (c = b[pos]!) !== SP && c !== TAB && c !== CR && c !== NL) pos++;
        v = Number(dec.decode(b.subarray(s, pos)));
        if (t < 2 && !Number.isInteger(v)) v = Number.NaN;
      } else if (digits === 0) v = Number.NaN;
      tok[t++] = v;
    }
    if (bad || t !== 3) throw new FileFormatError(name, `line ${lineNo}: expected "row col value", got "${lineText(start)}"`);
    if (pos < n) pos++;
    const a = tok[0]! - 1;
    const bb = tok[1]! - 1;
    const v = tok[2]!;
    if (!(a >= 0 && bb >= 0 && a < fr && bb < fc)) {
      const parts = lineText(start).trim().split(/\s+/);
      throw new FileFormatError(name, `line ${lineNo}: index (${parts[0]}, ${parts[1]}) is outside the declared ${fr} × ${fc} matrix`);
    }
    if (Number.isNaN(v)) throw new FileFormatError(name, `line ${lineNo}: value "${lineText(start).trim().split(/\s+/)[2]}" is not a number`);
    if (k >= nnz) throw new FileFormatError(name, `line ${lineNo}: more entries than the ${nnz} declared`);
    if (transpose) {
      rowOf[k] = bb;
      colOf[k] = a;
    } else {
      rowOf[k] = a;
      colOf[k] = bb;
    }
    val[k] = v;
    k++;
  }
  if (k !== nnz) throw new FileFormatError(name, `${k} entries, but the header declares ${nnz} (truncated file?)`);
  // Counting sort by column, then a stable counting sort by row: rows hold sorted columns.
  const colStart = new Int32Array(ncols + 1);
  for (let i = 0; i < nnz; i++) colStart[colOf[i]! + 1]!++;
  for (let j = 0; j < ncols; j++) colStart[j + 1]! += colStart[j]!;
  const byCol = new Int32Array(nnz);
  for (let i = 0; i < nnz; i++) byCol[colStart[colOf[i]!]!++] = i;
  const indptr = new Int32Array(nrows + 1);
  for (let i = 0; i < nnz; i++) indptr[rowOf[i]! + 1]!++;
  for (let r = 0; r < nrows; r++) indptr[r + 1]! += indptr[r]!;
  const fill = indptr.slice(0, nrows);
  const indices = new Int32Array(nnz);
  const data = new Float32Array(nnz);
  for (let q = 0; q < nnz; q++) {
    const i = byCol[q]!;
    const p = fill[rowOf[i]!]!++;
    indices[p] = colOf[i]!;
    data[p] = val[i]!;
  }
  return new CsrMatrix({ shape: [nrows, ncols], data, indices, indptr });
}
