// cellkernels (AssemblyScript) — Moran's I / Geary's C with permutations; same ABI, semantics
// and operation order as kernels-cpp/src/spatial_autocorr.cc (see there), single-threaded, so
// the results are bit-identical to the C++ variants and the js reference.
import { INDEX_OUT_OF_RANGE, INVALID_ARGUMENT, OK, OUT_OF_MEMORY, setErrorDetail } from "./runtime";
import { setSeed, shuffleI32, startStream, validSeed } from "./random";

// @ts-ignore: decorator
@inline const BAD_INDPTR: i32 = -4;

// @ts-ignore: decorator
@inline function f64at(p: usize, i: usize): f64 {
  return load<f64>(p + (i << 3));
}
// @ts-ignore: decorator
@inline function f64set(p: usize, i: usize, v: f64): void {
  store<f64>(p + (i << 3), v);
}
// @ts-ignore: decorator
@inline function i32at(p: usize, i: usize): i32 {
  return load<i32>(p + (i << 2));
}

function xat<T>(x: usize, i: usize): f64 {
  return <f64>load<T>(x + (i << alignof<T>()));
}

function alloc(bytes: usize): usize {
  if (bytes > (1 << 30) - 64) return 0;
  return heap.alloc(bytes == 0 ? 16 : bytes);
}

function autocorr<T>(indptr: usize, indices: usize, wData: usize, n: i32, wIsF32: i32, x: usize, m: i32, mode: i32, transformation: i32, nPerms: i32, seed: f64, stat: usize, nGe: usize, simMean: usize, simVar: usize): i32 {
  if (n < 0 || m < 0 || nPerms < 0 || (mode != 0 && mode != 1) || !validSeed(seed)) {
    setErrorDetail(n < 0 ? 4 : m < 0 ? 7 : mode != 0 && mode != 1 ? 8 : nPerms < 0 ? 10 : 11);
    return INVALID_ARGUMENT;
  }
  if (n > 0 && i32at(indptr, 0) != 0) {
    setErrorDetail(0);
    return BAD_INDPTR;
  }
  for (let i = 0; i < n; i++) {
    const s = i32at(indptr, i);
    const e = i32at(indptr, i + 1);
    if (e < s) {
      setErrorDetail(i);
      return BAD_INDPTR;
    }
    for (let k = s; k < e; k++) {
      if (<u32>i32at(indices, k) >= <u32>n) {
        setErrorDetail(i);
        return INDEX_OUT_OF_RANGE;
      }
    }
  }
  if (m == 0) return OK;
  const geary = mode == 1;
  const nnz = n > 0 ? i32at(indptr, n) : 0;
  const dn = <f64>n;
  let F: i64 = n > 0 ? (<i64>64 << 20) / (16 * <i64>n) : <i64>m;
  if (F < 1) F = 1;
  if (F > m) F = m;
  const nF = <usize>n * <usize>F;
  const wd = alloc(<usize>nnz << 3);
  const rows = alloc(<usize>n << 3);
  const z = alloc(nF << 3);
  const y = alloc(nF << 3);
  const sims = nPerms > 0 ? alloc(<usize>nPerms * <usize>m << 3) : 0;
  const cmp = alloc(<usize>m << 3);
  const q = alloc(<usize>F << 3);
  const z2 = alloc(<usize>F << 3);
  const cst = alloc(<usize>F);
  const pi = alloc(<usize>n << 2);
  const acc = alloc(<usize>F << 3);
  const mean = alloc(<usize>F << 3);
  let status = OK;
  if (wd == 0 || rows == 0 || z == 0 || y == 0 || (nPerms > 0 && sims == 0) || cmp == 0 || q == 0 || z2 == 0 || cst == 0 || pi == 0 || acc == 0 || mean == 0) {
    status = OUT_OF_MEMORY;
  } else {
    for (let k = 0; k < nnz; k++) f64set(wd, k, f64at(wData, k));
    if (transformation != 0) {
      for (let i = 0; i < n; i++) {
        let s: f64 = 0;
        const e = i32at(indptr, i + 1);
        for (let k = i32at(indptr, i); k < e; k++) s += Math.abs(f64at(wd, k));
        if (s == 0) continue;
        for (let k = i32at(indptr, i); k < e; k++) {
          const v = f64at(wd, k) / s;
          f64set(wd, k, wIsF32 != 0 ? <f64>(<f32>v) : v);
        }
      }
    }
    let wsum: f64 = 0;
    for (let k = 0; k < nnz; k++) wsum += f64at(wd, k);
    for (let i = 0; i < n; i++) {
      let s: f64 = 0;
      const e = i32at(indptr, i + 1);
      for (let k = i32at(indptr, i); k < e; k++) s += f64at(wd, k);
      f64set(rows, i, s);
    }
    setSeed(seed);
    for (let f0 = 0; f0 < m; f0 += <i32>F) {
      const fc = m - f0 < <i32>F ? m - f0 : <i32>F;
      for (let f = 0; f < fc; f++) {
        f64set(mean, f, 0);
        store<u8>(cst + f, 1);
      }
      for (let i = 0; i < n; i++) {
        const base = <usize>i * <usize>m + <usize>f0;
        for (let f = 0; f < fc; f++) {
          const v = xat<T>(x, base + f);
          f64set(mean, f, f64at(mean, f) + v);
          if (i > 0 && !(v == xat<T>(x, <usize>(f0 + f)))) store<u8>(cst + f, 0);
        }
      }
      for (let f = 0; f < fc; f++) {
        f64set(mean, f, f64at(mean, f) / dn);
        f64set(z2, f, 0);
      }
      for (let i = 0; i < n; i++) {
        const base = <usize>i * <usize>m + <usize>f0;
        const zi = <usize>i * <usize>fc;
        for (let f = 0; f < fc; f++) {
          const v = xat<T>(x, base + f) - f64at(mean, f);
          f64set(z, zi + f, v);
          f64set(z2, f, f64at(z2, f) + v * v);
        }
      }
      for (let f = 0; f < fc; f++) f64set(q, f, 0);
      for (let i = 0; i < n; i++) {
        const yi = <usize>i * <usize>fc;
        for (let f = 0; f < fc; f++) {
          f64set(y, yi + f, 0);
          f64set(acc, f, 0); // row part of Q
        }
        const e = i32at(indptr, i + 1);
        for (let k = i32at(indptr, i); k < e; k++) {
          const wk = f64at(wd, k);
          const zj = <usize>i32at(indices, k) * <usize>fc;
          for (let f = 0; f < fc; f++) {
            const v = f64at(z, zj + f);
            f64set(y, yi + f, f64at(y, yi + f) + wk * v);
            f64set(acc, f, f64at(acc, f) + wk * (v * v));
          }
        }
        for (let f = 0; f < fc; f++) f64set(q, f, f64at(q, f) + f64at(acc, f));
      }
      for (let f = 0; f < fc; f++) {
        const g = f0 + f;
        if (load<u8>(cst + f) != 0) {
          f64set(stat, g, NaN);
          f64set(cmp, g, NaN);
          continue;
        }
        if (!geary) {
          let inum: f64 = 0;
          for (let i = 0; i < n; i++) inum += f64at(y, <usize>i * <usize>fc + f) * f64at(z, <usize>i * <usize>fc + f);
          const v = ((dn / wsum) * inum) / f64at(z2, f);
          f64set(stat, g, v);
          f64set(cmp, g, v);
        } else {
          let total: f64 = 0;
          for (let i = 0; i < n; i++) {
            let s: f64 = 0;
            const xi = xat<T>(x, <usize>i * <usize>m + <usize>g);
            const e = i32at(indptr, i + 1);
            for (let k = i32at(indptr, i); k < e; k++) {
              const d = xi - xat<T>(x, <usize>i32at(indices, k) * <usize>m + <usize>g);
              s += f64at(wd, k) * (d * d);
            }
            total += s;
          }
          f64set(stat, g, ((dn - 1) * total) / (2 * wsum * f64at(z2, f)));
          let a: f64 = 0;
          for (let i = 0; i < n; i++) {
            const zi = f64at(z, <usize>i * <usize>fc + f);
            a += zi * (zi * f64at(rows, i) - 2 * f64at(y, <usize>i * <usize>fc + f));
          }
          f64set(cmp, g, ((dn - 1) * (a + f64at(q, f))) / (2 * wsum * f64at(z2, f)));
        }
      }
      for (let p = 0; p < nPerms; p++) {
        for (let i = 0; i < n; i++) store<i32>(pi + (<usize>i << 2), i);
        startStream(<u32>p);
        shuffleI32(pi, n);
        for (let f = 0; f < fc; f++) f64set(acc, f, 0);
        for (let i = 0; i < n; i++) {
          const zi = <usize>i * <usize>fc;
          const pj = i32at(pi, i);
          const yp = <usize>pj * <usize>fc;
          if (!geary) {
            for (let f = 0; f < fc; f++) f64set(acc, f, f64at(acc, f) + f64at(z, zi + f) * f64at(y, yp + f));
          } else {
            const rp = f64at(rows, pj);
            for (let f = 0; f < fc; f++) {
              const zv = f64at(z, zi + f);
              f64set(acc, f, f64at(acc, f) + zv * (zv * rp - 2 * f64at(y, yp + f)));
            }
          }
        }
        const out = <usize>p * <usize>m + <usize>f0;
        for (let f = 0; f < fc; f++) {
          let v: f64;
          if (load<u8>(cst + f) != 0) v = NaN;
          else if (!geary) v = ((dn / wsum) * f64at(acc, f)) / f64at(z2, f);
          else v = ((dn - 1) * (f64at(acc, f) + f64at(q, f))) / (2 * wsum * f64at(z2, f));
          f64set(sims, out + f, v);
        }
      }
    }
    if (nPerms > 0) {
      for (let f = 0; f < m; f++) {
        let ge = 0;
        let s: f64 = 0;
        const c = f64at(cmp, f);
        for (let p = 0; p < nPerms; p++) {
          const v = f64at(sims, <usize>p * <usize>m + f);
          if (v >= c) ge++;
          s += v;
        }
        const mu = s / <f64>nPerms;
        let ss: f64 = 0;
        for (let p = 0; p < nPerms; p++) {
          const d = f64at(sims, <usize>p * <usize>m + f) - mu;
          ss += d * d;
        }
        store<i32>(nGe + (<usize>f << 2), ge);
        f64set(simMean, f, mu);
        f64set(simVar, f, ss / <f64>nPerms);
      }
    }
  }
  for (let t = 0; t < 12; t++) {
    const ptr = t == 0 ? wd : t == 1 ? rows : t == 2 ? z : t == 3 ? y : t == 4 ? sims : t == 5 ? cmp : t == 6 ? q : t == 7 ? z2 : t == 8 ? cst : t == 9 ? pi : t == 10 ? acc : mean;
    if (ptr != 0) heap.free(ptr);
  }
  return status;
}

export function ck_spatial_autocorr_dense_f32(wIndptr: usize, wIndices: usize, wData: usize, n: i32, wIsF32: i32, x: usize, m: i32, mode: i32, transformation: i32, nPerms: i32, seed: f64, stat: usize, nGe: usize, simMean: usize, simVar: usize): i32 {
  return autocorr<f32>(wIndptr, wIndices, wData, n, wIsF32, x, m, mode, transformation, nPerms, seed, stat, nGe, simMean, simVar);
}

export function ck_spatial_autocorr_dense_f64(wIndptr: usize, wIndices: usize, wData: usize, n: i32, wIsF32: i32, x: usize, m: i32, mode: i32, transformation: i32, nPerms: i32, seed: f64, stat: usize, nGe: usize, simMean: usize, simVar: usize): i32 {
  return autocorr<f64>(wIndptr, wIndices, wData, n, wIsF32, x, m, mode, transformation, nPerms, seed, stat, nGe, simMean, simVar);
}
