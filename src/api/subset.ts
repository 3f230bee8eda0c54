import type { StatsInput } from '../backends/types.js';
import { type DispatchOptions, checkOptions } from '../dispatch/index.js';
import { InvalidInputError, InvalidOptionError } from '../errors.js';
import { CscMatrix, CsrMatrix, DenseMatrix, allocFloat } from '../matrix/index.js';
import { type DenseHandle, isDenseHandle, uploadDense } from '../runtime/handles.js';
import { checkMatrix, dispatchOn } from './operand.js';

/**
 * Rows or columns to keep: a mask (Uint8Array or boolean[], one entry per row/column, truthy =
 * keep) or a list of indices in output order (Int32Array, Uint32Array or number[]; repeats
 * allowed, no negative indices).
 */
export type Selection = Uint8Array | readonly boolean[] | Int32Array | Uint32Array | readonly number[];

/** Options of subset. */
export interface SubsetOptions extends DispatchOptions {
  /** Rows (cells) to keep; default all. */
  rows?: Selection | null;
  /** Columns (genes) to keep; default all. */
  cols?: Selection | null;
}

/** A selection as an index list (null = all), checked against the axis length. */
function toIndices(what: 'rows' | 'cols', sel: unknown, n: number): Int32Array | null {
  if (sel === undefined || sel === null) return null;
  const isMask = sel instanceof Uint8Array || (Array.isArray(sel) && sel.length > 0 && sel.every((v) => typeof v === 'boolean'));
  if (isMask) {
    const m = sel as ArrayLike<number | boolean>;
    if (m.length !== n) throw new InvalidOptionError(`subset: the ${what} mask has ${m.length} entries, expected ${n}`);
    const out: number[] = [];
    for (let i = 0; i < n; i++) if (m[i]) out.push(i);
    return Int32Array.from(out);
  }
  if (!(sel instanceof Int32Array || sel instanceof Uint32Array || Array.isArray(sel))) {
    throw new InvalidOptionError(`subset: ${what} must be a mask (Uint8Array, boolean[]) or indices (Int32Array, number[])`);
  }
  const idx = sel as ArrayLike<unknown>;
  const out = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= n) {
      throw new InvalidOptionError(`subset: ${what}[${i}] = ${String(v)} is not an index in [0, ${n})`);
    }
    out[i] = v;
  }
  return out;
}

/**
 * `X[rows][:, cols]`, as AnnData/scipy index it (`adata[rows, cols]`): output row i is input
 * row rows[i], output column k is input column cols[k]. Masks (e.g. from filterCells /
 * filterGenes) keep order; index lists may reorder and repeat. Values are copied exactly. The
 * result has the layout of the input:
 *
 * - CSR: through the subset kernel. A sorted input gives a sorted output (entries are
 *   re-sorted when `cols` reorders columns). A resident input gives a resident result in the
 *   same backend (no round trip); a plain input a plain CsrMatrix.
 * - CSC: a CscMatrix, through the same kernel run on the CSC arrays read as the CSR of the
 *   transpose (rows and cols swapped) — no conversion, the same cost as CSR. Row indices stay
 *   sorted within each column when they were (re-sorted when `rows` reorders rows).
 * - dense: a DenseMatrix gathered in JavaScript (a copy of the selected values, no arithmetic,
 *   so no backend runs and the `backend` option has no effect). A DenseHandle gives a
 *   DenseHandle in the same backend and module: it is downloaded, gathered and uploaded again
 *   (two copies through JavaScript memory).
 *
 * Threads: fixed row blocks, identical output for any count.
 */
export function subset<T extends StatsInput>(x: T, options: SubsetOptions = {}): T {
  checkOptions('subset', options, ['rows', 'cols']);
  checkMatrix('subset', x, ['csr', 'csc', 'dense']);
  const rows = toIndices('rows', options.rows, x.shape[0]);
  const cols = toIndices('cols', options.cols, x.shape[1]);
  if (x instanceof CscMatrix) return subsetCsc(x, rows, cols, options) as T;
  if (x instanceof DenseMatrix) return gather(x, rows, cols) as T;
  if (isDenseHandle(x)) return subsetDenseHandle(x, rows, cols, options) as T;
  return dispatchOn('subset', x, options).fn(x, { rows, cols }) as T;
}

/**
 * Subset of a CSC matrix: its arrays are the CSR of the transpose (shape swapped), so the CSR
 * kernel with rows and cols swapped gives the CSR of the transposed result — the CSC result.
 */
function subsetCsc(x: CscMatrix, rows: Int32Array | null, cols: Int32Array | null, options: DispatchOptions): CscMatrix {
  const t = new CsrMatrix({ shape: [x.shape[1], x.shape[0]], indptr: x.indptr, indices: x.indices, data: x.data }, { validate: false });
  t.sorted = x.sorted;
  const r = dispatchOn('subset', t, options).fn(t, { rows: cols, cols: rows });
  const out = new CscMatrix({ shape: [r.shape[1], r.shape[0]], indptr: r.indptr, indices: r.indices, data: r.data }, { validate: false });
  out.sorted = r.sorted;
  return out;
}

/** `X[rows][:, cols]` of a dense row-major matrix (null: all). */
function gather(x: DenseMatrix, rows: Int32Array | null, cols: Int32Array | null): DenseMatrix {
  const [nrows, ncols] = x.shape;
  const outRows = rows ? rows.length : nrows;
  const outCols = cols ? cols.length : ncols;
  const src = x.data;
  const data = allocFloat(x.dtype, outRows * outCols);
  for (let i = 0; i < outRows; i++) {
    const from = (rows ? rows[i]! : i) * ncols;
    const to = i * outCols;
    if (!cols) data.set(src.subarray(from, from + ncols), to);
    else for (let k = 0; k < outCols; k++) data[to + k] = src[from + cols[k]!]!;
  }
  return new DenseMatrix({ shape: [outRows, outCols], data });
}

/** Subset of a resident dense matrix, resident in the same module (its backend is pinned, as for any resident operand). */
function subsetDenseHandle(x: DenseHandle, rows: Int32Array | null, cols: Int32Array | null, options: DispatchOptions): DenseHandle {
  if (options.backend !== undefined && options.backend !== 'auto' && options.backend !== x.backend) {
    throw new InvalidInputError(
      `subset: the matrix is resident in the ${x.backend} backend but backend "${options.backend}" was requested; download() it or upload it to ${options.backend}`,
    );
  }
  return uploadDense(x.backend, x.module, gather(x.download(), rows, cols));
}
