import { InvalidInputError } from '../errors.js';
import { type DType, type FloatArray, dtypeOf } from './types.js';

/** Constructor fields of a dense matrix. */
export interface DenseInit {
  /** [rows, cols]: cells × genes. */
  shape: readonly [number, number];
  /** Row-major (C order) values, length rows·cols. */
  data: FloatArray;
}

/** A dense row-major (C order) matrix, cells × genes — numpy's default layout. */
export class DenseMatrix {
  readonly format = 'dense' as const;
  readonly shape: readonly [number, number];
  readonly data: FloatArray;

  constructor(init: DenseInit) {
    const [r, c] = init.shape;
    for (const [name, n] of [['shape[0]', r], ['shape[1]', c]] as const) {
      if (!Number.isInteger(n) || n < 0) throw new InvalidInputError(`DenseMatrix: ${name} must be a non-negative integer, got ${n}`);
    }
    if (!(init.data instanceof Float32Array || init.data instanceof Float64Array)) {
      throw new InvalidInputError('DenseMatrix: data must be a Float32Array or Float64Array');
    }
    if (init.data.length !== r * c) {
      throw new InvalidInputError(`DenseMatrix: data has ${init.data.length} values, expected ${r} × ${c} = ${r * c}`);
    }
    this.shape = [r, c];
    this.data = init.data;
  }

  get dtype(): DType {
    return dtypeOf(this.data);
  }

  /** Value at (row, col). */
  get(row: number, col: number): number {
    return this.data[row * this.shape[1] + col]!;
  }

  /** A matrix of the same shape with new values. */
  withData(data: FloatArray): DenseMatrix {
    return new DenseMatrix({ shape: this.shape, data });
  }
}
