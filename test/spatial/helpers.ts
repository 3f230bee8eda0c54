/**
 * The spatial test case of bench/reference/make_spatial_reference.py (2,500 cells on a
 * jittered hexagonal lattice, 5 clusters, 20 features) and comparison helpers for the
 * spatial tests.
 */
import { CsrMatrix, DenseMatrix } from '../../src/matrix/index.js';
import { golden } from '../helpers/golden.js';

export const N_PERMS = 1000;

export interface SpatialCase {
  n: number;
  coords: DenseMatrix;
  coordsQuarter: DenseMatrix;
  X: DenseMatrix;
  labels: Int32Array;
}

let cached: SpatialCase | undefined;

/** The inputs of the spatial fixtures. */
export function spatialCase(): SpatialCase {
  if (cached) return cached;
  const g = golden('spatial');
  const coords = g.get('input.coords') as Float64Array;
  const n = coords.length / 2;
  cached = {
    n,
    coords: new DenseMatrix({ shape: [n, 2], data: coords }),
    coordsQuarter: new DenseMatrix({ shape: [n, 2], data: g.get('input.coords_quarter') as Float64Array }),
    X: new DenseMatrix({ shape: [n, 20], data: g.get('input.X') as Float32Array }),
    labels: g.get('input.labels') as Int32Array,
  };
  return cached;
}

/** A CSR graph stored by the fixtures (`<prefix>.indptr/.indices/.data`). */
export function fixtureCsr(prefix: string): CsrMatrix {
  const g = golden('spatial');
  const indptr = g.get(`${prefix}.indptr`) as Int32Array;
  const n = indptr.length - 1;
  return new CsrMatrix({ shape: [n, n], indptr, indices: g.get(`${prefix}.indices`) as Int32Array, data: g.get(`${prefix}.data`) as Float32Array | Float64Array });
}

/** Largest |a − b| / max(|b|, floor) over finite pairs; NaN must match NaN. Returns Infinity on a NaN mismatch. */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>, floor = 0): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (Number.isNaN(x) !== Number.isNaN(y)) return Infinity;
      continue;
    }
    if (x === y) continue;
    const e = Math.abs(x - y) / Math.max(Math.abs(y), floor);
    if (e > worst) worst = e;
  }
  return worst;
}

/** z of the two-sided 99.9 % band. */
export const Z999 = 3.2905267314919255;

/**
 * Whether two permutation p-values, each from N permutations with different generators, agree
 * within the binomial 99.9 % band: |a − b| ≤ z·sqrt(2·p(1−p)/N) + 2/(N+1), p = their mean (the
 * +2/(N+1) covers the +1 of (count + 1)/(N + 1) and the discreteness at p near 0 or 1).
 */
export function withinBinomialBand(a: number, b: number, N: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  const p = (a + b) / 2;
  return Math.abs(a - b) <= Z999 * Math.sqrt((2 * p * (1 - p)) / N) + 2 / (N + 1);
}

/** Bitwise equality of two typed arrays (NaN payloads included). */
export function sameBits(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
