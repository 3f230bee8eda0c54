// cellkernels (AssemblyScript) — per-column mean and ddof-1 variance of a CSR matrix, of
// expm1(X) or X; same ABI and semantics as kernels-cpp/src/expm1_mean_var.cc (scanpy's sparse
// minor-axis _get_mean_var: expm1 rounded to the input dtype, squares in the input dtype, float64
// sums, var = Σt²/n − mean², times n/(n−1) when n ≠ 1). Single-threaded, rows in order.
import { INDEX_OUT_OF_RANGE, INVALID_ARGUMENT, OK, setErrorDetail } from "./runtime";

function meanVarCsr(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, applyExpm1: i32, mean: usize, vari: usize, shift: i32): i32 {
  if (nrows < 0 || ncols < 0 || (applyExpm1 != 0 && applyExpm1 != 1)) {
    setErrorDetail(nrows < 0 ? 3 : ncols < 0 ? 4 : 5);
    return INVALID_ARGUMENT;
  }
  memory.fill(mean, 0, <usize>ncols << 3);
  memory.fill(vari, 0, <usize>ncols << 3);
  for (let r = 0; r < nrows; r++) {
    const s = load<i32>(indptr + (<usize>r << 2));
    const e = load<i32>(indptr + (<usize>(r + 1) << 2));
    for (let k = s; k < e; k++) {
      const j = load<u32>(indices + (<usize>k << 2));
      if (j >= <u32>ncols) {
        setErrorDetail(r);
        return INDEX_OUT_OF_RANGE;
      }
      let t: f64;
      let t2: f64;
      if (shift == 2) {
        let v = load<f32>(data + (<usize>k << 2));
        if (applyExpm1) v = <f32>Math.expm1(<f64>v);
        t = <f64>v;
        t2 = <f64>(v * v);
      } else {
        let v = load<f64>(data + (<usize>k << 3));
        if (applyExpm1) v = Math.expm1(v);
        t = v;
        t2 = v * v;
      }
      const pm = mean + (<usize>j << 3);
      const pv = vari + (<usize>j << 3);
      store<f64>(pm, load<f64>(pm) + t);
      store<f64>(pv, load<f64>(pv) + t2);
    }
  }
  const n = <f64>nrows;
  for (let j = 0; j < ncols; j++) {
    const pm = mean + (<usize>j << 3);
    const pv = vari + (<usize>j << 3);
    const m = load<f64>(pm) / n;
    let v = load<f64>(pv) / n - m * m;
    if (nrows != 1) v *= n / (n - 1);
    store<f64>(pm, m);
    store<f64>(pv, v);
  }
  return OK;
}

export function ck_expm1_mean_var_csr_f32(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, applyExpm1: i32, mean: usize, vari: usize): i32 {
  return meanVarCsr(indptr, indices, data, nrows, ncols, applyExpm1, mean, vari, 2);
}

export function ck_expm1_mean_var_csr_f64(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, applyExpm1: i32, mean: usize, vari: usize): i32 {
  return meanVarCsr(indptr, indices, data, nrows, ncols, applyExpm1, mean, vari, 3);
}
