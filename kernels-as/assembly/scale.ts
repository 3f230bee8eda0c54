// cellkernels (AssemblyScript) — scale; same ABI and semantics as kernels-cpp/src/scale.cc
// (scanpy.pp.scale with mask_obs): per-gene mean/std over the cells in the mask (float64 sums;
// x² rounded to the dtype except for CSC on scanpy's CSC path), then
//   zero_center, sparse: dense float64 (x − mean)/std clipped to [−max, max]
//   zero_center, dense:  T(T(x − mean)/std), clipped
//   no centring: CSR (and CSC with a mask) T(min(max, x/std)); CSC without a mask and dense
//                T(x/std) then > max → max.
// Rows outside the mask keep their values. Single-threaded, rows (columns for CSC) in order.
import { INDEX_OUT_OF_RANGE, INVALID_ARGUMENT, OK, setErrorDetail } from "./runtime";

// @ts-ignore: decorator
@inline function ld(data: usize, k: i32, shift: i32): f64 {
  return shift == 2 ? <f64>load<f32>(data + (<usize>k << 2)) : load<f64>(data + (<usize>k << 3));
}

// @ts-ignore: decorator
@inline function st(out: usize, k: i32, v: f64, shift: i32): void {
  if (shift == 2) store<f32>(out + (<usize>k << 2), <f32>v);
  else store<f64>(out + (<usize>k << 3), v);
}

// @ts-ignore: decorator
@inline function rnd(v: f64, shift: i32): f64 {
  return shift == 2 ? <f64><f32>v : v;
}

// @ts-ignore: decorator
@inline function ip(indptr: usize, i: i32): i32 {
  return load<i32>(indptr + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline function used(mask: usize, r: i32): bool {
  return mask == 0 || load<u8>(mask + <usize>r) != 0;
}

// @ts-ignore: decorator
@inline function addAt(p: usize, j: i32, v: f64): void {
  const q = p + (<usize>j << 3);
  store<f64>(q, load<f64>(q) + v);
}

function badArgs(nrows: i32, ncols: i32, clip: i32, maxValue: f64, posRows: i32): bool {
  if (nrows < 0 || ncols < 0) {
    setErrorDetail(nrows < 0 ? posRows : posRows + 1);
    return true;
  }
  if (clip != 0 && isNaN(maxValue)) {
    setErrorDetail(posRows + 5);
    return true;
  }
  return false;
}

function countUsed(mask: usize, nrows: i32): i32 {
  if (mask == 0) return nrows;
  let n = 0;
  for (let r = 0; r < nrows; r++) if (load<u8>(mask + <usize>r) != 0) n++;
  return n;
}

/** mean and std of column c from its sums (scanpy's formula, operation for operation). */
function finish(s: f64, q: f64, n: i32, mean: usize, std: usize, c: i32): void {
  const dn = <f64>n;
  const m = s / dn;
  let v = q / dn - m * m;
  if (n != 1) v *= dn / (dn - 1);
  const sd = Math.sqrt(v);
  store<f64>(mean + (<usize>c << 3), m);
  store<f64>(std + (<usize>c << 3), sd == 0 ? 1 : sd);
}

function clipBoth(v: f64, clip: i32, max: f64): f64 {
  if (clip == 0) return v;
  if (v > max) return max;
  if (v < -max) return -max;
  return v;
}

/** Centres, scales and clips the masked rows of a dense float64 matrix in place. */
function centerRows(out: usize, nrows: i32, ncols: i32, mask: usize, mean: usize, std: usize, clip: i32, max: f64): void {
  for (let r = 0; r < nrows; r++) {
    if (!used(mask, r)) continue;
    const base = r * ncols;
    for (let c = 0; c < ncols; c++) {
      const p = out + (<usize>(base + c) << 3);
      store<f64>(p, clipBoth((load<f64>(p) - load<f64>(mean + (<usize>c << 3))) / load<f64>(std + (<usize>c << 3)), clip, max));
    }
  }
}

function scaleCsr(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, mask: usize, zc: i32, clip: i32, max: f64, mean: usize, std: usize, out: usize, shift: i32): i32 {
  if (badArgs(nrows, ncols, clip, max, 3)) return INVALID_ARGUMENT;
  const bytes = <usize>ncols << 3;
  const sums = heap.alloc(bytes * 2 + 16);
  const sq = sums + bytes;
  memory.fill(sums, 0, bytes * 2);
  for (let r = 0; r < nrows; r++) {
    const use = used(mask, r);
    for (let k = ip(indptr, r), e = ip(indptr, r + 1); k < e; k++) {
      const j = load<u32>(indices + (<usize>k << 2));
      if (j >= <u32>ncols) {
        heap.free(sums);
        setErrorDetail(r);
        return INDEX_OUT_OF_RANGE;
      }
      if (!use) continue;
      const x = ld(data, k, shift);
      addAt(sums, <i32>j, x);
      addAt(sq, <i32>j, rnd(x * x, shift));
    }
  }
  const n = countUsed(mask, nrows);
  for (let c = 0; c < ncols; c++) finish(load<f64>(sums + (<usize>c << 3)), load<f64>(sq + (<usize>c << 3)), n, mean, std, c);
  heap.free(sums);
  if (zc != 0) {
    memory.fill(out, 0, (<usize>nrows * <usize>ncols) << 3);
    for (let r = 0; r < nrows; r++) {
      for (let k = ip(indptr, r), e = ip(indptr, r + 1); k < e; k++) addAt(out, r * ncols + load<i32>(indices + (<usize>k << 2)), ld(data, k, shift));
    }
    centerRows(out, nrows, ncols, mask, mean, std, clip, max);
    return OK;
  }
  for (let r = 0; r < nrows; r++) {
    const use = used(mask, r);
    for (let k = ip(indptr, r), e = ip(indptr, r + 1); k < e; k++) {
      const x = ld(data, k, shift);
      if (!use) {
        st(out, k, x, shift);
        continue;
      }
      const v = x / load<f64>(std + (<usize>load<i32>(indices + (<usize>k << 2)) << 3));
      st(out, k, clip != 0 ? (v < max ? v : max) : v, shift);
    }
  }
  return OK;
}

function scaleCsc(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, mask: usize, zc: i32, clip: i32, max: f64, mean: usize, std: usize, out: usize, shift: i32): i32 {
  if (badArgs(nrows, ncols, clip, max, 3)) return INVALID_ARGUMENT;
  const asCsr = zc == 0 && mask != 0;
  const n = countUsed(mask, nrows);
  for (let c = 0; c < ncols; c++) {
    let s: f64 = 0;
    let q: f64 = 0;
    for (let k = ip(indptr, c), e = ip(indptr, c + 1); k < e; k++) {
      const i = load<u32>(indices + (<usize>k << 2));
      if (i >= <u32>nrows) {
        setErrorDetail(c);
        return INDEX_OUT_OF_RANGE;
      }
      if (!used(mask, <i32>i)) continue;
      const x = ld(data, k, shift);
      s += x;
      q += asCsr ? rnd(x * x, shift) : x * x;
    }
    finish(s, q, n, mean, std, c);
  }
  if (zc != 0) {
    memory.fill(out, 0, (<usize>nrows * <usize>ncols) << 3);
    for (let c = 0; c < ncols; c++) {
      for (let k = ip(indptr, c), e = ip(indptr, c + 1); k < e; k++) addAt(out, load<i32>(indices + (<usize>k << 2)) * ncols + c, ld(data, k, shift));
    }
    centerRows(out, nrows, ncols, mask, mean, std, clip, max);
    return OK;
  }
  for (let c = 0; c < ncols; c++) {
    const sd = load<f64>(std + (<usize>c << 3));
    for (let k = ip(indptr, c), e = ip(indptr, c + 1); k < e; k++) {
      const x = ld(data, k, shift);
      if (!used(mask, load<i32>(indices + (<usize>k << 2)))) {
        st(out, k, x, shift);
        continue;
      }
      const v = x / sd;
      if (clip == 0) st(out, k, v, shift);
      else if (asCsr) st(out, k, v < max ? v : max, shift);
      else {
        const t = rnd(v, shift);
        st(out, k, t > max ? max : t, shift);
      }
    }
  }
  return OK;
}

function scaleDense(data: usize, nrows: i32, ncols: i32, mask: usize, zc: i32, clip: i32, max: f64, mean: usize, std: usize, out: usize, shift: i32): i32 {
  if (badArgs(nrows, ncols, clip, max, 1)) return INVALID_ARGUMENT;
  const bytes = <usize>ncols << 3;
  const sums = heap.alloc(bytes * 2 + 16);
  const sq = sums + bytes;
  memory.fill(sums, 0, bytes * 2);
  for (let r = 0; r < nrows; r++) {
    if (!used(mask, r)) continue;
    const base = r * ncols;
    for (let j = 0; j < ncols; j++) {
      const x = ld(data, base + j, shift);
      addAt(sums, j, x);
      addAt(sq, j, rnd(x * x, shift));
    }
  }
  const n = countUsed(mask, nrows);
  for (let c = 0; c < ncols; c++) finish(load<f64>(sums + (<usize>c << 3)), load<f64>(sq + (<usize>c << 3)), n, mean, std, c);
  heap.free(sums);
  const tmax = rnd(max, shift);
  const tmin = rnd(-max, shift);
  for (let r = 0; r < nrows; r++) {
    const base = r * ncols;
    const use = used(mask, r);
    for (let j = 0; j < ncols; j++) {
      let v = ld(data, base + j, shift);
      if (use) {
        if (zc != 0) v = rnd(v - load<f64>(mean + (<usize>j << 3)), shift);
        v = rnd(v / load<f64>(std + (<usize>j << 3)), shift);
        if (clip != 0) {
          if (v > max) v = tmax;
          else if (zc != 0 && v < -max) v = tmin;
        }
      }
      st(out, base + j, v, shift);
    }
  }
  return OK;
}

export function ck_scale_csr_f32(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, mask: usize, zeroCenter: i32, clip: i32, maxValue: f64, mean: usize, std: usize, out: usize): i32 {
  return scaleCsr(indptr, indices, data, nrows, ncols, mask, zeroCenter, clip, maxValue, mean, std, out, 2);
}
export function ck_scale_csr_f64(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, mask: usize, zeroCenter: i32, clip: i32, maxValue: f64, mean: usize, std: usize, out: usize): i32 {
  return scaleCsr(indptr, indices, data, nrows, ncols, mask, zeroCenter, clip, maxValue, mean, std, out, 3);
}
export function ck_scale_csc_f32(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, mask: usize, zeroCenter: i32, clip: i32, maxValue: f64, mean: usize, std: usize, out: usize): i32 {
  return scaleCsc(indptr, indices, data, nrows, ncols, mask, zeroCenter, clip, maxValue, mean, std, out, 2);
}
export function ck_scale_csc_f64(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, mask: usize, zeroCenter: i32, clip: i32, maxValue: f64, mean: usize, std: usize, out: usize): i32 {
  return scaleCsc(indptr, indices, data, nrows, ncols, mask, zeroCenter, clip, maxValue, mean, std, out, 3);
}
export function ck_scale_dense_f32(data: usize, nrows: i32, ncols: i32, mask: usize, zeroCenter: i32, clip: i32, maxValue: f64, mean: usize, std: usize, out: usize): i32 {
  return scaleDense(data, nrows, ncols, mask, zeroCenter, clip, maxValue, mean, std, out, 2);
}
export function ck_scale_dense_f64(data: usize, nrows: i32, ncols: i32, mask: usize, zeroCenter: i32, clip: i32, maxValue: f64, mean: usize, std: usize, out: usize): i32 {
  return scaleDense(data, nrows, ncols, mask, zeroCenter, clip, maxValue, mean, std, out, 3);
}
