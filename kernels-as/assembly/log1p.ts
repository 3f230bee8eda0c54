// cellkernels (AssemblyScript) — log1p on stored values (CSR, CSC) or every value (dense); same
// ABI and semantics as kernels-cpp/src/log1p.cc (scanpy.pp.log1p: log1p(x), divided by log(base)
// in float64 — numpy divides the float32 array by the float64 scalar np.log(base) — and rounded
// once). Scalar musl log1p/log1pf from AssemblyScript's std (≤ 1 ULP); no vector log here.
import { INVALID_ARGUMENT, OK, setErrorDetail } from "./runtime";

function badArgs(n: i32, base: f64): bool {
  if (n < 0) {
    setErrorDetail(1);
    return true;
  }
  if (!(base >= 0) || base == 1.0) {
    setErrorDetail(2);
    return true;
  }
  return false;
}

function log1pF32(data: usize, n: i32, base: f64, out: usize): i32 {
  if (badArgs(n, base)) return INVALID_ARGUMENT;
  const divide = base > 0;
  const divisor = Math.log(base);
  for (let i = 0; i < n; i++) {
    const off = <usize>i << 2;
    const r = Mathf.log1p(load<f32>(data + off));
    store<f32>(out + off, divide ? <f32>(<f64>r / divisor) : r);
  }
  return OK;
}

function log1pF64(data: usize, n: i32, base: f64, out: usize): i32 {
  if (badArgs(n, base)) return INVALID_ARGUMENT;
  const divide = base > 0;
  const divisor = Math.log(base);
  for (let i = 0; i < n; i++) {
    const off = <usize>i << 3;
    const r = Math.log1p(load<f64>(data + off));
    store<f64>(out + off, divide ? r / divisor : r);
  }
  return OK;
}

export function ck_log1p_csr_f32(data: usize, nnz: i32, base: f64, out: usize): i32 {
  return log1pF32(data, nnz, base, out);
}
export function ck_log1p_csr_f64(data: usize, nnz: i32, base: f64, out: usize): i32 {
  return log1pF64(data, nnz, base, out);
}
export function ck_log1p_csc_f32(data: usize, nnz: i32, base: f64, out: usize): i32 {
  return log1pF32(data, nnz, base, out);
}
export function ck_log1p_csc_f64(data: usize, nnz: i32, base: f64, out: usize): i32 {
  return log1pF64(data, nnz, base, out);
}
export function ck_log1p_dense_f32(data: usize, n: i32, base: f64, out: usize): i32 {
  return log1pF32(data, n, base, out);
}
export function ck_log1p_dense_f64(data: usize, n: i32, base: f64, out: usize): i32 {
  return log1pF64(data, n, base, out);
}
