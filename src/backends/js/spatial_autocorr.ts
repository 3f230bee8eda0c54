import type { CsrMatrix, DenseMatrix } from '../../matrix/index.js';
import type { SpatialAutocorrRaw, SpatialKernelArgs } from '../spatial_types.js';
import { permutation } from './random.js';

/**
 * Weights as squidpy uses them: with `transformation`, each row divided by the float64 sum of
 * its absolute values (sklearn `normalize(norm="l1")`; rows summing to 0 stay 0), rounded to
 * the graph's dtype (sklearn normalises a float32 graph in place, in float32).
 */
export function autocorrWeights(w: CsrMatrix, transformation: boolean): Float64Array {
  const nnz = w.nnz;
  const out = Float64Array.from(w.data.subarray(0, nnz));
  if (!transformation) return out;
  const f32 = w.dtype === 'f32';
  const n = w.shape[0];
  for (let i = 0; i < n; i++) {
    const s = w.indptr[i]!;
    const e = w.indptr[i + 1]!;
    let sum = 0;
    for (let k = s; k < e; k++) sum += Math.abs(out[k]!);
    if (sum === 0) continue;
    for (let k = s; k < e; k++) out[k] = f32 ? Math.fround(out[k]! / sum) : out[k]! / sum;
  }
  return out;
}

/**
 * Reference Moran's I / Geary's C with permutations (squidpy `spatial_autocorr` /
 * scanpy `metrics.morans_i`, `gearys_c`), in float64.
 *
 * Observed statistic, in scanpy's (numba's) order of operations: x̄ = Σx/n, z = x − x̄,
 * Moran I = ((n/W)·Σᵢ zᵢ·(Σⱼ wᵢⱼzⱼ)) / Σz²; Geary C = ((n−1)·Σᵢ Σⱼ wᵢⱼ(xᵢ−xⱼ)²) / ((2W)·Σz²),
 * with W = Σ w; a constant feature gives NaN.
 *
 * Permutation p shuffles the rows of the weights with the permutation π of stream p
 * (random.ts): with y = Wz, r the row sums and Q = Σᵢ Σⱼ wᵢⱼzⱼ²,
 *   Moran Iπ = ((n/W)·Σᵢ zᵢ·y[π(i)]) / Σz²,
 *   Geary Cπ = ((n−1)·(Σᵢ zᵢ·(zᵢ·r[π(i)] − 2·y[π(i)]) + Q)) / ((2W)·Σz²),
 * each sum taken over i = 0…n−1 in order. Geary's observed value for the comparison is the
 * same expression with π = identity, so that a permutation equal to the identity ties.
 */
export function spatialAutocorr(w: CsrMatrix, x: DenseMatrix, args: SpatialKernelArgs['spatialAutocorr']): SpatialAutocorrRaw {
  const n = w.shape[0];
  const m = x.shape[1];
  const { indptr, indices } = w;
  const wd = autocorrWeights(w, args.transformation);
  let wsum = 0;
  for (let k = 0; k < w.nnz; k++) wsum += wd[k]!;
  const rows = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = indptr[i]!; k < indptr[i + 1]!; k++) s += wd[k]!;
    rows[i] = s;
  }
  const geary = args.mode === 'geary';
  const P = args.nPerms;
  const stat = new Float64Array(m);
  const sims = new Float64Array(P * m);
  const obsCmp = new Float64Array(m);
  const constant = new Uint8Array(m);
  const zs: Float64Array[] = [];
  const ys: Float64Array[] = [];
  const qs = new Float64Array(m);
  const z2s = new Float64Array(m);
  for (let f = 0; f < m; f++) {
    const xf = new Float64Array(n);
    for (let i = 0; i < n; i++) xf[i] = x.data[i * m + f]!;
    let isConst = true;
    for (let i = 1; i < n && isConst; i++) isConst = xf[i] === xf[0];
    let mean = 0;
    for (let i = 0; i < n; i++) mean += xf[i]!;
    mean /= n;
    const z = xf.map((v) => v - mean);
    let z2 = 0;
    for (let i = 0; i < n; i++) z2 += z[i]! * z[i]!;
    const y = new Float64Array(n);
    let q = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      let sq = 0;
      for (let k = indptr[i]!; k < indptr[i + 1]!; k++) {
        const zj = z[indices[k]!]!;
        s += wd[k]! * zj;
        sq += wd[k]! * (zj * zj);
      }
      y[i] = s;
      q += sq;
    }
    zs.push(z);
    ys.push(y);
    qs[f] = q;
    z2s[f] = z2;
    constant[f] = isConst ? 1 : 0;
    if (isConst) {
      stat[f] = NaN;
      obsCmp[f] = NaN;
      continue;
    }
    if (!geary) {
      let inum = 0;
      for (let i = 0; i < n; i++) inum += y[i]! * z[i]!;
      stat[f] = ((n / wsum) * inum) / z2;
      obsCmp[f] = stat[f]!;
    } else {
      let total = 0;
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let k = indptr[i]!; k < indptr[i + 1]!; k++) {
          const d = xf[i]! - xf[indices[k]!]!;
          s += wd[k]! * (d * d);
        }
        total += s;
      }
      stat[f] = ((n - 1) * total) / (2 * wsum * z2);
      let acc = 0;
      for (let i = 0; i < n; i++) acc += z[i]! * (z[i]! * rows[i]! - 2 * y[i]!);
      obsCmp[f] = ((n - 1) * (acc + q)) / (2 * wsum * z2);
    }
  }
  if (P === 0) return { stat, nGreaterEqual: null, simMean: null, simVar: null };

  for (let p = 0; p < P; p++) {
    const pi = permutation(args.seed, p, n);
    for (let f = 0; f < m; f++) {
      if (constant[f]) {
        sims[p * m + f] = NaN;
        continue;
      }
      const z = zs[f]!;
      const y = ys[f]!;
      let acc = 0;
      if (!geary) {
        for (let i = 0; i < n; i++) acc += z[i]! * y[pi[i]!]!;
        sims[p * m + f] = ((n / wsum) * acc) / z2s[f]!;
      } else {
        for (let i = 0; i < n; i++) acc += z[i]! * (z[i]! * rows[pi[i]!]! - 2 * y[pi[i]!]!);
        sims[p * m + f] = ((n - 1) * (acc + qs[f]!)) / (2 * wsum * z2s[f]!);
      }
    }
  }
  const nGreaterEqual = new Int32Array(m);
  const simMean = new Float64Array(m);
  const simVar = new Float64Array(m);
  for (let f = 0; f < m; f++) {
    let ge = 0;
    let s = 0;
    for (let p = 0; p < P; p++) {
      const v = sims[p * m + f]!;
      if (v >= obsCmp[f]!) ge++;
      s += v;
    }
    const mean = s / P;
    let ss = 0;
    for (let p = 0; p < P; p++) {
      const d = sims[p * m + f]! - mean;
      ss += d * d;
    }
    nGreaterEqual[f] = ge;
    simMean[f] = mean;
    simVar[f] = ss / P;
  }
  return { stat, nGreaterEqual, simMean, simVar };
}
