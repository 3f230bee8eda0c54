// cellkernels (AssemblyScript) — mean and variance along an axis of a CSR, CSC or dense matrix;
// same ABI and semantics as kernels-cpp/src/mean_var.cc (fast_array_utils.stats.mean_var):
// sequential float64 sums in storage order; squares in float64 along stored slices (CSR rows,
// CSC columns), in the input dtype otherwise (across slices, and dense). Single-threaded.
import { finishAll, finishMeanVar, scatterDense, scatterStored } from "./reduce";
import { INVALID_ARGUMENT, OK, setErrorDetail } from "./runtime";

/** Column sums and sums of squares (squared in the input dtype) into mean[j] and vari[j]. */
@unmanaged class MeanVarOp<T> {
  constructor(public data: usize, public mean: usize, public vari: usize) {}
  // @ts-ignore: decorator
  @inline add(j: usize, k: usize): void {
    const v = load<T>(this.data + (k << alignof<T>()));
    const v2: T = v * v;
    const pm = this.mean + (j << 3);
    const pv = this.vari + (j << 3);
    store<f64>(pm, load<f64>(pm) + <f64>v);
    store<f64>(pv, load<f64>(pv) + <f64>v2);
  }
}

function mvCompressed<T>(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, axis: i32, ddof: i32, mean: usize, vari: usize, csc: bool): i32 {
  if (nrows < 0 || ncols < 0) {
    setErrorDetail(nrows < 0 ? 3 : 4);
    return INVALID_ARGUMENT;
  }
  if (axis != 0 && axis != 1) {
    setErrorDetail(5);
    return INVALID_ARGUMENT;
  }
  if (ddof != 0 && ddof != 1) {
    setErrorDetail(6);
    return INVALID_ARGUMENT;
  }
  const nmajor = csc ? ncols : nrows;
  const nminor = csc ? nrows : ncols;
  if ((axis == 1) != csc) {
    for (let r = 0; r < nmajor; r++) {
      const s = load<i32>(indptr + (<usize>r << 2));
      const e = load<i32>(indptr + (<usize>(r + 1) << 2));
      let a: f64 = 0;
      let q: f64 = 0;
      for (let k = s; k < e; k++) {
        const v = <f64>load<T>(data + (<usize>k << alignof<T>()));
        a += v;
        q += v * v;
      }
      finishMeanVar(a, q, nminor, ddof, mean + (<usize>r << 3), vari + (<usize>r << 3));
    }
    return OK;
  }
  // Across slices: sums in `mean`, sums of squares in `vari`, then finished in place.
  memory.fill(mean, 0, <usize>nminor << 3);
  memory.fill(vari, 0, <usize>nminor << 3);
  const status = scatterStored(new MeanVarOp<T>(data, mean, vari), indptr, indices, nmajor, nminor);
  if (status == OK) finishAll(mean, vari, nminor, nmajor, ddof);
  return status;
}

function mvDense<T>(data: usize, nrows: i32, ncols: i32, axis: i32, ddof: i32, mean: usize, vari: usize): i32 {
  if (nrows < 0 || ncols < 0) {
    setErrorDetail(nrows < 0 ? 1 : 2);
    return INVALID_ARGUMENT;
  }
  if (axis != 0 && axis != 1) {
    setErrorDetail(3);
    return INVALID_ARGUMENT;
  }
  if (ddof != 0 && ddof != 1) {
    setErrorDetail(4);
    return INVALID_ARGUMENT;
  }
  if (axis == 1) {
    for (let r = 0; r < nrows; r++) {
      const row = <usize>r * <usize>ncols;
      let a: f64 = 0;
      let q: f64 = 0;
      for (let j = 0; j < ncols; j++) {
        const v = load<T>(data + ((row + <usize>j) << alignof<T>()));
        const v2: T = v * v;
        a += <f64>v;
        q += <f64>v2;
      }
      finishMeanVar(a, q, ncols, ddof, mean + (<usize>r << 3), vari + (<usize>r << 3));
    }
    return OK;
  }
  memory.fill(mean, 0, <usize>ncols << 3);
  memory.fill(vari, 0, <usize>ncols << 3);
  scatterDense(new MeanVarOp<T>(data, mean, vari), nrows, ncols);
  finishAll(mean, vari, ncols, nrows, ddof);
  return OK;
}

export function ck_mean_var_csr_f32(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, axis: i32, ddof: i32, mean: usize, vari: usize): i32 {
  return mvCompressed<f32>(indptr, indices, data, nrows, ncols, axis, ddof, mean, vari, false);
}

export function ck_mean_var_csr_f64(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, axis: i32, ddof: i32, mean: usize, vari: usize): i32 {
  return mvCompressed<f64>(indptr, indices, data, nrows, ncols, axis, ddof, mean, vari, false);
}

export function ck_mean_var_csc_f32(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, axis: i32, ddof: i32, mean: usize, vari: usize): i32 {
  return mvCompressed<f32>(indptr, indices, data, nrows, ncols, axis, ddof, mean, vari, true);
}

export function ck_mean_var_csc_f64(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, axis: i32, ddof: i32, mean: usize, vari: usize): i32 {
  return mvCompressed<f64>(indptr, indices, data, nrows, ncols, axis, ddof, mean, vari, true);
}

export function ck_mean_var_dense_f32(data: usize, nrows: i32, ncols: i32, axis: i32, ddof: i32, mean: usize, vari: usize): i32 {
  return mvDense<f32>(data, nrows, ncols, axis, ddof, mean, vari);
}

export function ck_mean_var_dense_f64(data: usize, nrows: i32, ncols: i32, axis: i32, ddof: i32, mean: usize, vari: usize): i32 {
  return mvDense<f64>(data, nrows, ncols, axis, ddof, mean, vari);
}
