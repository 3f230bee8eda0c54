import { type DispatchOptions, checkOptions } from '../dispatch/index.js';
import { InvalidOptionError } from '../errors.js';
import type { CsrInput } from '../runtime/handles.js';
import { checkCsr, dispatchOn } from './operand.js';

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
 * `X[rows][:, cols]` of a CSR matrix, as AnnData/scipy index it (`adata[rows, cols]`): output
 * row i is input row rows[i], output column k is input column cols[k]. Masks (e.g. from
 * filterCells / filterGenes) keep order; index lists may reorder and repeat. Values are copied
 * exactly. A sorted input gives a sorted output (entries are re-sorted when `cols` reorders
 * columns). A resident input gives a resident result in the same backend (no round trip);
 * a plain input a plain CsrMatrix. Threads: fixed row blocks, identical output for any count.
 */
export function subset<T extends CsrInput>(x: T, options: SubsetOptions = {}): T {
  checkOptions('subset', options, ['rows', 'cols']);
  checkCsr('subset', x);
  const rows = toIndices('rows', options.rows, x.shape[0]);
  const cols = toIndices('cols', options.cols, x.shape[1]);
  return dispatchOn('subset', x, options).fn(x, { rows, cols });
}
