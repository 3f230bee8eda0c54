/**
 * cellkernels/io — real data in and out: AnnData `.h5ad` (read whole or in row blocks; write,
 * also block by block), Cell Ranger Matrix Market folders and HDF5 matrices, gzip. A leaf over
 * the matrix types: it knows no kernels.
 *
 * ```ts
 * import { readH5ad, writeH5ad, read10xMtx } from 'cellkernels/io';
 * const adata = await readH5ad('pbmc.h5ad');          // Node: a path; browsers: bytes or a File
 * ```
 * @module
 */
export type { AnnData, Column, DataFrame } from './anndata.js';
export { FileFormatError } from './errors.js';
export { gunzip, isGzip } from './gzip.js';
export { H5adFile, type H5adOptions, type MatrixInfo, type ReadH5adOptions, type RowBlock, openH5ad, readH5ad } from './h5ad.js';
export { denseToCsr } from '../matrix/index.js';
export { H5adWriter, type H5adWriterOptions, type WriteH5adOptions, encodeH5ad, writeH5ad } from './h5ad-write.js';
export type { H5Source } from './hdf5.js';
export { type MatrixMarketOptions, parseMatrixMarket, readMatrixMarket } from './mtx.js';
export { type FileLike, type TenxOptions, inputKind, makeUnique, read10xH5, read10xMtx } from './tenx.js';
export { readAny, type ReadAnyOptions } from './read.js';
