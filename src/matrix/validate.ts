import { InvalidInputError } from '../errors.js';
import type { CompressedInit } from './csr.js';

function checkDim(kind: string, name: string, n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) {
    throw new InvalidInputError(`${kind}: ${name} must be an integer in [0, 2^31), got ${n}`);
  }
}

/**
 * Validates a compressed sparse structure with `major` slices over `minor` positions.
 * Returns whether indices are sorted (strictly increasing) in every slice.
 */
export function validateCompressed(
  kind: string,
  slice: 'row' | 'column',
  major: number,
  minor: number,
  m: Omit<CompressedInit, 'shape'>,
): boolean {
  checkDim(kind, 'shape[0]', slice === 'row' ? major : minor);
  checkDim(kind, 'shape[1]', slice === 'row' ? minor : major);
  const { indptr, indices, data } = m;
  if (!(indptr instanceof Int32Array)) throw new InvalidInputError(`${kind}: indptr must be an Int32Array`);
  if (!(indices instanceof Int32Array)) throw new InvalidInputError(`${kind}: indices must be an Int32Array`);
  if (!(data instanceof Float32Array || data instanceof Float64Array)) {
    throw new InvalidInputError(`${kind}: data must be a Float32Array or Float64Array (convert integer counts with fromCounts)`);
  }
  if (indptr.length !== major + 1) {
    throw new InvalidInputError(`${kind}: indptr has length ${indptr.length}, expected ${major + 1} (${slice}s + 1)`);
  }
  if (indptr[0] !== 0) throw new InvalidInputError(`${kind}: indptr[0] is ${indptr[0]}, expected 0`);
  const nnz = indptr[major]!;
  if (indices.length < nnz || data.length < nnz) {
    throw new InvalidInputError(
      `${kind}: indptr ends at ${nnz} but indices has ${indices.length} and data ${data.length} values`,
    );
  }
  if (indices.length !== data.length) {
    throw new InvalidInputError(`${kind}: indices (${indices.length}) and data (${data.length}) differ in length`);
  }
  let sorted = true;
  for (let r = 0; r < major; r++) {
    const s = indptr[r]!;
    const e = indptr[r + 1]!;
    if (e < s) throw new InvalidInputError(`${kind}: indptr is not non-decreasing at ${slice} ${r}`);
    let prev = -1;
    for (let k = s; k < e; k++) {
      const j = indices[k]!;
      if (j < 0 || j >= minor) {
        throw new InvalidInputError(`${kind}: index ${j} at ${slice} ${r} (position ${k}) is outside [0, ${minor})`);
      }
      if (j <= prev) sorted = false;
      prev = j;
    }
  }
  return sorted;
}
