import type { Matrix } from '../matrix/index.js';

/**
 * One column of an obs/var table, as a plain array: numbers as typed arrays (int64 columns
 * become Float64Array; nullable integers become Float64Array with NaN where missing),
 * strings and categoricals as string arrays (null where missing), booleans as boolean arrays.
 */
export type Column =
  | Float64Array
  | Float32Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint32Array
  | Uint16Array
  | Uint8Array
  | (string | null)[]
  | string[]
  | (boolean | null)[]
  | boolean[];

/** An obs or var table: names (the index) and columns in order. */
export interface DataFrame {
  /** obs_names / var_names. */
  index: string[];
  /** Columns in file order (insertion order is the order written). */
  columns: Record<string, Column>;
}

/**
 * An AnnData object as plain JavaScript: `X` (cells × genes) in its stored layout, named
 * layers, and the obs/var tables. `X` is null for a backed read that left it on disk.
 */
export interface AnnData {
  X: Matrix | null;
  obs: DataFrame;
  var: DataFrame;
  layers: Record<string, Matrix>;
  /** Other elements of the file that were not read (obsm, uns, …), for information. */
  skipped?: string[];
}

/** Number of rows of a column. */
export function columnLength(c: Column): number {
  return c.length;
}

/** An empty table with the given names. */
export function frame(index: string[], columns: Record<string, Column> = {}): DataFrame {
  return { index, columns };
}
