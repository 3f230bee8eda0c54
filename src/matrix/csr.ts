import { InvalidInputError } from '../errors.js';
import { type DType, type FloatArray, dtypeOf } from './types.js';
import { validateCompressed } from './validate.js';

/** Constructor fields of a compressed sparse matrix. */
export interface CompressedInit {
  /** [rows, cols]: cells × genes. */
  shape: readonly [number, number];
  /** Stored values (f32 or f64). */
  data: FloatArray;
  /** Minor-axis index of each stored value (int32). */
  indices: Int32Array;
  /** Offsets of each major-axis slice into data/indices, length major + 1 (int32). */
  indptr: Int32Array;
}

/** Options of the sparse constructors. */
export interface CompressedOptions {
  /**
   * Check the structure (default true): indptr starts at 0, never decreases and ends at nnz;
   * every index is in range. Sortedness is recorded in `sorted`, not required.
   */
  validate?: boolean;
}

/**
 * Compressed sparse row matrix (cells × genes), the layout of AnnData's `X` and of scipy's
 * `csr_matrix`. The arrays are used as given, not copied. The structure is validated once,
 * at construction; if you mutate indptr or indices afterwards, call `validate()` again.
 */
export class CsrMatrix {
  readonly format = 'csr' as const;
  readonly shape: readonly [number, number];
  readonly data: FloatArray;
  readonly indices: Int32Array;
  readonly indptr: Int32Array;
  /** Whether indices are strictly increasing within every row (set by validation). */
  sorted = false;

  constructor(init: CompressedInit, options: CompressedOptions = {}) {
    this.shape = [init.shape[0], init.shape[1]];
    this.data = init.data;
    this.indices = init.indices;
    this.indptr = init.indptr;
    if (options.validate !== false) this.validate();
  }

  /** Number of stored values. */
  get nnz(): number {
    return this.indptr[this.shape[0]] ?? 0;
  }

  get dtype(): DType {
    return dtypeOf(this.data);
  }

  /** Checks the structure; throws InvalidInputError naming the first bad row. */
  validate(): this {
    this.sorted = validateCompressed('CsrMatrix', 'row', this.shape[0], this.shape[1], this);
    return this;
  }

  /** A matrix with the same structure (shared, not copied) and new values. */
  withData(data: FloatArray): CsrMatrix {
    if (data.length !== this.data.length) {
      throw new InvalidInputError(`withData: expected ${this.data.length} values, got ${data.length}`);
    }
    const m = new CsrMatrix({ shape: this.shape, data, indices: this.indices, indptr: this.indptr }, { validate: false });
    m.sorted = this.sorted;
    return m;
  }
}
