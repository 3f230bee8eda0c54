/**
 * Matrix types shared by io, api and backends: plain JavaScript objects over typed arrays,
 * in the layouts AnnData stores. This module depends on nothing but the error classes.
 * @module
 */
export { CsrMatrix, type CompressedInit, type CompressedOptions } from './csr.js';
export { type DType, type FloatArray, dtypeOf, allocFloat } from './types.js';
