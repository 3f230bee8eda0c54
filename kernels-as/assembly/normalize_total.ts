// cellkernels (AssemblyScript) — normalize_total; same ABI and semantics as
// kernels-cpp/src/normalize_total.cc (scanpy.pp.normalize_total): float64 row totals in order,
// highly expressed genes (sparse: f64 maxFraction·T(total); dense: the product rounded to T),
// factor = T(total)/T(target) in T, out = x / factor in T with a zero factor counting as 1.
// float32 arithmetic is done in float64 and rounded once, which gives the float32 result for
// +, −, ×, ÷ of float32 operands. Single-threaded; the SIMD flavour divides 4 (2) lanes at once.
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

function badDims(nrows: i32, ncols: i32, exclude: i32, maxFraction: f64, posRows: i32, posFraction: i32): bool {
  if (nrows < 0 || ncols < 0) {
    setErrorDetail(nrows < 0 ? posRows : posRows + 1);
    return true;
  }
  if (exclude != 0 && !(maxFraction >= 0 && maxFraction <= 1)) {
    setErrorDetail(posFraction);
    return true;
  }
  return false;
}

function threshold(total: f64, maxFraction: f64, dense: bool, shift: i32): f64 {
  const t = rnd(total, shift);
  return dense ? rnd(t * rnd(maxFraction, shift), shift) : t * maxFraction;
}

function countsCsr(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, exclude: i32, maxFraction: f64, totals: usize, excluded: usize, shift: i32): i32 {
  if (badDims(nrows, ncols, exclude, maxFraction, 3, 6)) return INVALID_ARGUMENT;
  for (let r = 0; r < nrows; r++) {
    let s: f64 = 0;
    for (let k = ip(indptr, r), e = ip(indptr, r + 1); k < e; k++) s += ld(data, k, shift);
    store<f64>(totals + (<usize>r << 3), s);
  }
  if (exclude == 0) return OK;
  memory.fill(excluded, 0, <usize>ncols);
  for (let r = 0; r < nrows; r++) {
    const thr = threshold(load<f64>(totals + (<usize>r << 3)), maxFraction, false, shift);
    for (let k = ip(indptr, r), e = ip(indptr, r + 1); k < e; k++) {
      const j = load<u32>(indices + (<usize>k << 2));
      if (j >= <u32>ncols) {
        setErrorDetail(r);
        return INDEX_OUT_OF_RANGE;
      }
      if (ld(data, k, shift) > thr) store<u8>(excluded + <usize>j, 1);
    }
  }
  for (let r = 0; r < nrows; r++) {
    let s: f64 = 0;
    for (let k = ip(indptr, r), e = ip(indptr, r + 1); k < e; k++) {
      if (load<u8>(excluded + <usize>load<u32>(indices + (<usize>k << 2))) == 0) s += ld(data, k, shift);
    }
    store<f64>(totals + (<usize>r << 3), s);
  }
  return OK;
}

function countsCsc(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, exclude: i32, maxFraction: f64, totals: usize, excluded: usize, shift: i32): i32 {
  if (badDims(nrows, ncols, exclude, maxFraction, 3, 6)) return INVALID_ARGUMENT;
  memory.fill(totals, 0, <usize>nrows << 3);
  for (let c = 0; c < ncols; c++) {
    for (let k = ip(indptr, c), e = ip(indptr, c + 1); k < e; k++) {
      const i = load<u32>(indices + (<usize>k << 2));
      if (i >= <u32>nrows) {
        setErrorDetail(c);
        return INDEX_OUT_OF_RANGE;
      }
      const p = totals + (<usize>i << 3);
      store<f64>(p, load<f64>(p) + ld(data, k, shift));
    }
  }
  if (exclude == 0) return OK;
  for (let c = 0; c < ncols; c++) {
    let hit: u8 = 0;
    for (let k = ip(indptr, c), e = ip(indptr, c + 1); k < e && hit == 0; k++) {
      const i = load<u32>(indices + (<usize>k << 2));
      if (ld(data, k, shift) > threshold(load<f64>(totals + (<usize>i << 3)), maxFraction, false, shift)) hit = 1;
    }
    store<u8>(excluded + <usize>c, hit);
  }
  memory.fill(totals, 0, <usize>nrows << 3);
  for (let c = 0; c < ncols; c++) {
    if (load<u8>(excluded + <usize>c) != 0) continue;
    for (let k = ip(indptr, c), e = ip(indptr, c + 1); k < e; k++) {
      const p = totals + (<usize>load<u32>(indices + (<usize>k << 2)) << 3);
      store<f64>(p, load<f64>(p) + ld(data, k, shift));
    }
  }
  return OK;
}

function countsDense(data: usize, nrows: i32, ncols: i32, exclude: i32, maxFraction: f64, totals: usize, excluded: usize, shift: i32): i32 {
  if (badDims(nrows, ncols, exclude, maxFraction, 1, 4)) return INVALID_ARGUMENT;
  for (let r = 0; r < nrows; r++) {
    let s: f64 = 0;
    const base = r * ncols;
    for (let j = 0; j < ncols; j++) s += ld(data, base + j, shift);
    store<f64>(totals + (<usize>r << 3), s);
  }
  if (exclude == 0) return OK;
  memory.fill(excluded, 0, <usize>ncols);
  for (let r = 0; r < nrows; r++) {
    const thr = threshold(load<f64>(totals + (<usize>r << 3)), maxFraction, true, shift);
    const base = r * ncols;
    for (let j = 0; j < ncols; j++) if (ld(data, base + j, shift) > thr) store<u8>(excluded + <usize>j, 1);
  }
  for (let r = 0; r < nrows; r++) {
    let s: f64 = 0;
    const base = r * ncols;
    for (let j = 0; j < ncols; j++) if (load<u8>(excluded + <usize>j) == 0) s += ld(data, base + j, shift);
    store<f64>(totals + (<usize>r << 3), s);
  }
  return OK;
}

/** Stores factor r = T(total)/T(target) and returns the divisor (0 → 1). */
function factor(totals: usize, r: i32, tgt: f64, factors: usize, shift: i32): f64 {
  const f = rnd(rnd(load<f64>(totals + (<usize>r << 3)), shift) / tgt, shift);
  st(factors, r, f, shift);
  return f == 0 ? 1 : f;
}

/** out[k] = data[k] / d for k in [start, end), in the dtype. */
function divideSpan(data: usize, out: usize, start: i32, end: i32, d: f64, shift: i32): void {
  let k = start;
  if (ASC_FEATURE_SIMD) {
    if (shift == 2) {
      const vd = f32x4.splat(<f32>d);
      for (; k + 4 <= end; k += 4) v128.store(out + (<usize>k << 2), f32x4.div(v128.load(data + (<usize>k << 2)), vd));
    } else {
      const vd = f64x2.splat(d);
      for (; k + 2 <= end; k += 2) v128.store(out + (<usize>k << 3), f64x2.div(v128.load(data + (<usize>k << 3)), vd));
    }
  }
  for (; k < end; k++) st(out, k, ld(data, k, shift) / d, shift);
}

function badApply(nrows: i32, ncols: i32, posRows: i32): bool {
  if (nrows < 0 || ncols < 0) {
    setErrorDetail(nrows < 0 ? posRows : posRows + 1);
    return true;
  }
  return false;
}

function applyCsr(indptr: usize, data: usize, nrows: i32, ncols: i32, totals: usize, target: f64, factors: usize, out: usize, shift: i32): i32 {
  if (badApply(nrows, ncols, 2)) return INVALID_ARGUMENT;
  const tgt = rnd(target, shift);
  for (let r = 0; r < nrows; r++) divideSpan(data, out, ip(indptr, r), ip(indptr, r + 1), factor(totals, r, tgt, factors, shift), shift);
  return OK;
}

function applyCsc(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, totals: usize, target: f64, factors: usize, out: usize, shift: i32): i32 {
  if (badApply(nrows, ncols, 3)) return INVALID_ARGUMENT;
  const tgt = rnd(target, shift);
  for (let r = 0; r < nrows; r++) factor(totals, r, tgt, factors, shift);
  for (let c = 0; c < ncols; c++) {
    for (let k = ip(indptr, c), e = ip(indptr, c + 1); k < e; k++) {
      const i = load<u32>(indices + (<usize>k << 2));
      if (i >= <u32>nrows) {
        setErrorDetail(c);
        return INDEX_OUT_OF_RANGE;
      }
      const f = ld(factors, <i32>i, shift);
      st(out, k, ld(data, k, shift) / (f == 0 ? 1 : f), shift);
    }
  }
  return OK;
}

function applyDense(data: usize, nrows: i32, ncols: i32, totals: usize, target: f64, factors: usize, out: usize, shift: i32): i32 {
  if (badApply(nrows, ncols, 1)) return INVALID_ARGUMENT;
  const tgt = rnd(target, shift);
  for (let r = 0; r < nrows; r++) divideSpan(data, out, r * ncols, (r + 1) * ncols, factor(totals, r, tgt, factors, shift), shift);
  return OK;
}

export function ck_normalize_total_counts_csr_f32(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, exclude: i32, maxFraction: f64, totals: usize, excluded: usize): i32 {
  return countsCsr(indptr, indices, data, nrows, ncols, exclude, maxFraction, totals, excluded, 2);
}
export function ck_normalize_total_counts_csr_f64(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, exclude: i32, maxFraction: f64, totals: usize, excluded: usize): i32 {
  return countsCsr(indptr, indices, data, nrows, ncols, exclude, maxFraction, totals, excluded, 3);
}
export function ck_normalize_total_counts_csc_f32(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, exclude: i32, maxFraction: f64, totals: usize, excluded: usize): i32 {
  return countsCsc(indptr, indices, data, nrows, ncols, exclude, maxFraction, totals, excluded, 2);
}
export function ck_normalize_total_counts_csc_f64(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, exclude: i32, maxFraction: f64, totals: usize, excluded: usize): i32 {
  return countsCsc(indptr, indices, data, nrows, ncols, exclude, maxFraction, totals, excluded, 3);
}
export function ck_normalize_total_counts_dense_f32(data: usize, nrows: i32, ncols: i32, exclude: i32, maxFraction: f64, totals: usize, excluded: usize): i32 {
  return countsDense(data, nrows, ncols, exclude, maxFraction, totals, excluded, 2);
}
export function ck_normalize_total_counts_dense_f64(data: usize, nrows: i32, ncols: i32, exclude: i32, maxFraction: f64, totals: usize, excluded: usize): i32 {
  return countsDense(data, nrows, ncols, exclude, maxFraction, totals, excluded, 3);
}

export function ck_normalize_total_csr_f32(indptr: usize, data: usize, nrows: i32, ncols: i32, totals: usize, target: f64, factors: usize, out: usize): i32 {
  return applyCsr(indptr, data, nrows, ncols, totals, target, factors, out, 2);
}
export function ck_normalize_total_csr_f64(indptr: usize, data: usize, nrows: i32, ncols: i32, totals: usize, target: f64, factors: usize, out: usize): i32 {
  return applyCsr(indptr, data, nrows, ncols, totals, target, factors, out, 3);
}
export function ck_normalize_total_csc_f32(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, totals: usize, target: f64, factors: usize, out: usize): i32 {
  return applyCsc(indptr, indices, data, nrows, ncols, totals, target, factors, out, 2);
}
export function ck_normalize_total_csc_f64(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, totals: usize, target: f64, factors: usize, out: usize): i32 {
  return applyCsc(indptr, indices, data, nrows, ncols, totals, target, factors, out, 3);
}
export function ck_normalize_total_dense_f32(data: usize, nrows: i32, ncols: i32, totals: usize, target: f64, factors: usize, out: usize): i32 {
  return applyDense(data, nrows, ncols, totals, target, factors, out, 2);
}
export function ck_normalize_total_dense_f64(data: usize, nrows: i32, ncols: i32, totals: usize, target: f64, factors: usize, out: usize): i32 {
  return applyDense(data, nrows, ncols, totals, target, factors, out, 3);
}
