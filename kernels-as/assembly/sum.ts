// cellkernels (AssemblyScript) — sums along an axis in float64 of a CSR, CSC or dense matrix;
// same ABI and semantics as kernels-cpp/src/sum.cc. Along stored slices (CSR rows, CSC
// columns, dense rows) the SIMD flavour uses f64x2 accumulators; across slices the sums are
// scattered in storage order. Single-threaded.
import { scatterDense, scatterStored } from "./reduce";
import { INVALID_ARGUMENT, OK, setErrorDetail } from "./runtime";

/** Column sums: out[j] += f64(data[k]). */
@unmanaged class SumOp<T> {
  constructor(public data: usize, public out: usize) {}
  // @ts-ignore: decorator
  @inline add(j: usize, k: usize): void {
    const p = this.out + (j << 3);
    store<f64>(p, load<f64>(p) + <f64>load<T>(this.data + (k << alignof<T>())));
  }
}

function rowSumF32(data: usize, start: i32, end: i32): f64 {
  let i = start;
  let acc: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    let a = f64x2.splat(0);
    let b = f64x2.splat(0);
    for (; i + 4 <= end; i += 4) {
      const v = v128.load(data + (<usize>i << 2));
      a = f64x2.add(a, f64x2.promote_low_f32x4(v));
      b = f64x2.add(b, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)));
    }
    const s = f64x2.add(a, b);
    acc = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  }
  for (; i < end; i++) acc += <f64>load<f32>(data + (<usize>i << 2));
  return acc;
}

function rowSumF64(data: usize, start: i32, end: i32): f64 {
  let i = start;
  let acc: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    let a = f64x2.splat(0);
    for (; i + 2 <= end; i += 2) a = f64x2.add(a, v128.load(data + (<usize>i << 3)));
    acc = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
  }
  for (; i < end; i++) acc += load<f64>(data + (<usize>i << 3));
  return acc;
}

function spanSum(data: usize, start: i32, end: i32, shift: i32): f64 {
  return shift == 2 ? rowSumF32(data, start, end) : rowSumF64(data, start, end);
}

function sumCompressed(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, axis: i32, out: usize, shift: i32, csc: bool): i32 {
  if (nrows < 0 || ncols < 0) {
    setErrorDetail(nrows < 0 ? 3 : 4);
    return INVALID_ARGUMENT;
  }
  if (axis != 0 && axis != 1) {
    setErrorDetail(5);
    return INVALID_ARGUMENT;
  }
  const nmajor = csc ? ncols : nrows;
  const nminor = csc ? nrows : ncols;
  if ((axis == 1) != csc) {
    for (let r = 0; r < nmajor; r++) {
      const s = load<i32>(indptr + (<usize>r << 2));
      const e = load<i32>(indptr + (<usize>(r + 1) << 2));
      store<f64>(out + (<usize>r << 3), spanSum(data, s, e, shift));
    }
    return OK;
  }
  memory.fill(out, 0, <usize>nminor << 3);
  return shift == 2
    ? scatterStored(new SumOp<f32>(data, out), indptr, indices, nmajor, nminor)
    : scatterStored(new SumOp<f64>(data, out), indptr, indices, nmajor, nminor);
}

function sumDense(data: usize, nrows: i32, ncols: i32, axis: i32, out: usize, shift: i32): i32 {
  if (nrows < 0 || ncols < 0) {
    setErrorDetail(nrows < 0 ? 1 : 2);
    return INVALID_ARGUMENT;
  }
  if (axis == 1) {
    for (let r = 0; r < nrows; r++) {
      const s = r * ncols;
      store<f64>(out + (<usize>r << 3), spanSum(data, s, s + ncols, shift));
    }
    return OK;
  }
  if (axis != 0) {
    setErrorDetail(3);
    return INVALID_ARGUMENT;
  }
  memory.fill(out, 0, <usize>ncols << 3);
  return shift == 2 ? scatterDense(new SumOp<f32>(data, out), nrows, ncols) : scatterDense(new SumOp<f64>(data, out), nrows, ncols);
}

export function ck_sum_csr_f32(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, axis: i32, out: usize): i32 {
  return sumCompressed(indptr, indices, data, nrows, ncols, axis, out, 2, false);
}

export function ck_sum_csr_f64(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, axis: i32, out: usize): i32 {
  return sumCompressed(indptr, indices, data, nrows, ncols, axis, out, 3, false);
}

export function ck_sum_csc_f32(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, axis: i32, out: usize): i32 {
  return sumCompressed(indptr, indices, data, nrows, ncols, axis, out, 2, true);
}

export function ck_sum_csc_f64(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, axis: i32, out: usize): i32 {
  return sumCompressed(indptr, indices, data, nrows, ncols, axis, out, 3, true);
}

export function ck_sum_dense_f32(data: usize, nrows: i32, ncols: i32, axis: i32, out: usize): i32 {
  return sumDense(data, nrows, ncols, axis, out, 2);
}

export function ck_sum_dense_f64(data: usize, nrows: i32, ncols: i32, axis: i32, out: usize): i32 {
  return sumDense(data, nrows, ncols, axis, out, 3);
}
