/**
 * Matrix types shared by io, api and backends: plain JavaScript objects over typed arrays,
 * in the layouts AnnData stores. This module depends on nothing but the error classes.
 * @module
 */
export { CsrMatrix, type CompressedInit, type CompressedOptions } from './csr.js';
export { CscMatrix } from './csc.js';
export { DenseMatrix, type DenseInit } from './dense.js';
export { type DType, type FloatArray, dtypeOf, allocFloat } from './types.js';
export { denseToCsr } from './dense_to_csr.js';

import type { CscMatrix } from './csc.js';
import type { CsrMatrix } from './csr.js';
import type { DenseMatrix } from './dense.js';

/** Any plain matrix. */
export type Matrix = CsrMatrix | CscMatrix | DenseMatrix;
