// cellkernels (AssemblyScript) — non-zero counts along an axis of a CSR, CSC or dense matrix;
// same ABI and semantics as kernels-cpp/src/nnz_count.cc: x != 0 counts (NaN counts, explicit
// zeros do not), or x > 0 with `positive`. Single-threaded.
import { scatterDense, scatterStored } from "./reduce";
import { INVALID_ARGUMENT, OK, setErrorDetail } from "./runtime";

// @ts-ignore: decorator
@inline function counts<T>(v: T, positive: bool): i32 {
  return (positive ? v > <T>0 : v != <T>0) ? 1 : 0;
}

/** Column counts: out[j] += counts(data[k]). */
@unmanaged class CountOp<T> {
  constructor(public data: usize, public out: usize, public positive: bool) {}
  // @ts-ignore: decorator
  @inline add(j: usize, k: usize): void {
    const p = this.out + (j << 2);
    store<i32>(p, load<i32>(p) + counts<T>(load<T>(this.data + (k << alignof<T>())), this.positive));
  }
}

function countCompressed<T>(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, axis: i32, positive: i32, out: usize, csc: bool): i32 {
  if (nrows < 0 || ncols < 0) {
    setErrorDetail(nrows < 0 ? 3 : 4);
    return INVALID_ARGUMENT;
  }
  if (axis != 0 && axis != 1) {
    setErrorDetail(5);
    return INVALID_ARGUMENT;
  }
  const pos = positive != 0;
  const nmajor = csc ? ncols : nrows;
  const nminor = csc ? nrows : ncols;
  if ((axis == 1) != csc) {
    for (let r = 0; r < nmajor; r++) {
      const s = load<i32>(indptr + (<usize>r << 2));
      const e = load<i32>(indptr + (<usize>(r + 1) << 2));
      let c = 0;
      for (let k = s; k < e; k++) c += counts<T>(load<T>(data + (<usize>k << alignof<T>())), pos);
      store<i32>(out + (<usize>r << 2), c);
    }
    return OK;
  }
  memory.fill(out, 0, <usize>nminor << 2);
  return scatterStored(new CountOp<T>(data, out, pos), indptr, indices, nmajor, nminor);
}

function countDense<T>(data: usize, nrows: i32, ncols: i32, axis: i32, positive: i32, out: usize): i32 {
  if (nrows < 0 || ncols < 0) {
    setErrorDetail(nrows < 0 ? 1 : 2);
    return INVALID_ARGUMENT;
  }
  if (axis != 0 && axis != 1) {
    setErrorDetail(3);
    return INVALID_ARGUMENT;
  }
  const pos = positive != 0;
  if (axis == 0) {
    memory.fill(out, 0, <usize>ncols << 2);
    return scatterDense(new CountOp<T>(data, out, pos), nrows, ncols);
  }
  for (let r = 0; r < nrows; r++) {
    const row = <usize>r * <usize>ncols;
    let c = 0;
    for (let j = 0; j < ncols; j++) c += counts<T>(load<T>(data + ((row + <usize>j) << alignof<T>())), pos);
    store<i32>(out + (<usize>r << 2), c);
  }
  return OK;
}

export function ck_nnz_count_csr_f32(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, axis: i32, positive: i32, out: usize): i32 {
  return countCompressed<f32>(indptr, indices, data, nrows, ncols, axis, positive, out, false);
}

export function ck_nnz_count_csr_f64(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, axis: i32, positive: i32, out: usize): i32 {
  return countCompressed<f64>(indptr, indices, data, nrows, ncols, axis, positive, out, false);
}

export function ck_nnz_count_csc_f32(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, axis: i32, positive: i32, out: usize): i32 {
  return countCompressed<f32>(indptr, indices, data, nrows, ncols, axis, positive, out, true);
}

export function ck_nnz_count_csc_f64(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, axis: i32, positive: i32, out: usize): i32 {
  return countCompressed<f64>(indptr, indices, data, nrows, ncols, axis, positive, out, true);
}

export function ck_nnz_count_dense_f32(data: usize, nrows: i32, ncols: i32, axis: i32, positive: i32, out: usize): i32 {
  return countDense<f32>(data, nrows, ncols, axis, positive, out);
}

export function ck_nnz_count_dense_f64(data: usize, nrows: i32, ncols: i32, axis: i32, positive: i32, out: usize): i32 {
  return countDense<f64>(data, nrows, ncols, axis, positive, out);
}
