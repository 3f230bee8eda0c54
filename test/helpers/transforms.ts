/** Helpers of the transforms tests (normalizeTotal, log1p, scale): layouts and float64 stats. */
import { CscMatrix, CsrMatrix, DenseMatrix, allocFloat } from '../../src/matrix/index.js';
import { csrToCsc } from './cases.js';

export type Plain = CsrMatrix | CscMatrix | DenseMatrix;

/** The dense (row-major) version of a CSR matrix; duplicates add up, like scipy's todense. */
export function toDense(x: CsrMatrix): DenseMatrix {
  const [r, c] = x.shape;
  const data = allocFloat(x.dtype, r * c);
  for (let i = 0; i < r; i++) for (let k = x.indptr[i]!; k < x.indptr[i + 1]!; k++) data[i * c + x.indices[k]!]! += x.data[k]!;
  return new DenseMatrix({ shape: [r, c], data });
}

/** The same matrix as CSR, CSC and dense. */
export function inLayouts(x: CsrMatrix): { layout: 'csr' | 'csc' | 'dense'; x: Plain }[] {
  return [
    { layout: 'csr', x },
    { layout: 'csc', x: csrToCsc(x) },
    { layout: 'dense', x: toDense(x) },
  ];
}

/** Dense float64 row-major values of any plain matrix. */
export function denseValues(x: Plain): Float64Array {
  const [r, c] = x.shape;
  if (x instanceof DenseMatrix) return Float64Array.from(x.data);
  const out = new Float64Array(r * c);
  const major = x instanceof CsrMatrix ? r : c;
  for (let m = 0; m < major; m++) {
    for (let k = x.indptr[m]!; k < x.indptr[m + 1]!; k++) {
      const i = x instanceof CsrMatrix ? m * c + x.indices[k]! : x.indices[k]! * c + m;
      out[i]! += x.data[k]!;
    }
  }
  return out;
}

/**
 * The statistics the golden fixtures hold for a result matrix: float64 per-gene mean and
 * two-pass variance (ddof 1), per-gene and per-cell sums.
 */
export function f64Stats(x: Plain): { geneMean: Float64Array; geneVar: Float64Array; geneSum: Float64Array; cellSum: Float64Array } {
  const [r, c] = x.shape;
  const v = denseValues(x);
  const geneSum = new Float64Array(c);
  const cellSum = new Float64Array(r);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < c; j++) {
      geneSum[j]! += v[i * c + j]!;
      cellSum[i]! += v[i * c + j]!;
    }
  }
  const geneMean = geneSum.map((s) => s / r);
  const geneVar = new Float64Array(c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) geneVar[j]! += (v[i * c + j]! - geneMean[j]!) ** 2;
  for (let j = 0; j < c; j++) geneVar[j]! /= r - 1;
  return { geneMean, geneVar, geneSum, cellSum };
}

/** Whether two typed arrays hold identical bytes. */
export function sameBits(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/**
 * The first index where a and b differ as numbers, or -1: −0 and +0 told apart, any NaN equal to
 * any NaN (NaN bits vary: the js reference's depend on V8's tier).
 */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    if (!Object.is(x, y) && !(Number.isNaN(x) && Number.isNaN(y))) return i;
  }
  return -1;
}

/** Stored values of a plain matrix (dense: all of them). */
export function values(x: Plain): Float32Array | Float64Array {
  const n = x instanceof DenseMatrix ? x.shape[0] * x.shape[1] : x.nnz;
  return x.data.subarray(0, n);
}
