import { InvalidInputError } from '../errors.js';
import type { CompressedInit, CompressedOptions } from './csr.js';
import { type DType, type FloatArray, dtypeOf } from './types.js';
import { validateCompressed } from './validate.js';

/**
 * Compressed sparse column matrix (cells × genes): `indptr` runs over columns (genes),
 * `indices` are row (cell) numbers — scipy's `csc_matrix`, AnnData's CSC `X`. Arrays are used
 * as given; the structure is validated once at construction.
 */
export class CscMatrix {
  readonly format = 'csc' as const;
  readonly shape: readonly [number, number];
  readonly data: FloatArray;
  readonly indices: Int32Array;
  readonly indptr: Int32Array;
  /** Whether row indices are strictly increasing within every column (set by validation). */
  sorted = false;

  constructor(init: CompressedInit, options: CompressedOptions = {}) {
    this.shape = [init.shape[0], init.shape[1]];
    this.data = init.data;
    this.indices = init.indices;
    this.indptr = init.indptr;
    if (options.validate !== false) this.validate();
  }

  get nnz(): number {
    return this.indptr[this.shape[1]] ?? 0;
  }

  get dtype(): DType {
    return dtypeOf(this.data);
  }

  /** Checks the structure; throws InvalidInputError naming the first bad column. */
  validate(): this {
    this.sorted = validateCompressed('CscMatrix', 'column', this.shape[1], this.shape[0], this);
    return this;
  }

  /** A matrix with the same structure (shared) and new values. */
  withData(data: FloatArray): CscMatrix {
    if (data.length !== this.data.length) {
      throw new InvalidInputError(`withData: expected ${this.data.length} values, got ${data.length}`);
    }
    const m = new CscMatrix({ shape: this.shape, data, indices: this.indices, indptr: this.indptr }, { validate: false });
    m.sorted = this.sorted;
    return m;
  }
}
