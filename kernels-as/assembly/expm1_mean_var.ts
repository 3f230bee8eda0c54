// cellkernels (AssemblyScript) — per-column mean and ddof-1 variance of a CSR matrix, of
// expm1(X) or X; same ABI and semantics as kernels-cpp/src/expm1_mean_var.cc (scanpy's sparse
// minor-axis _get_mean_var: expm1 rounded to the input dtype, squares in the input dtype, float64
// sums, var = Σt²/n − mean², times n/(n−1) when n ≠ 1). Single-threaded, rows in order.
import { finishAll, scatterStored } from "./reduce";
import { INVALID_ARGUMENT, OK, setErrorDetail } from "./runtime";

// expm1 through a direct-mapped memo keyed by the input's bits, as in the C++ kernel: log-
// normalised counts repeat within a cell, so most values hit it; the result is unchanged
// (Math.expm1 in f64, rounded to T once). An empty slot holds the all-ones key (a NaN for f64,
// impossible for a zero-extended f32) with value NaN, so even that NaN's lookup is right.
const MEMO_LOG2: u32 = 10;
const MEMO_KEYS = memory.data(8 << MEMO_LOG2);
const MEMO_VALS = memory.data(8 << MEMO_LOG2);

function memoReset(): void {
  memory.fill(MEMO_KEYS, 0xff, 8 << MEMO_LOG2);
  for (let i: usize = 0; i < (1 << MEMO_LOG2); i++) store<f64>(MEMO_VALS + (i << 3), NaN);
}

// @ts-ignore: decorator
@inline function memoExpm1<T>(x: T): T {
  let key: u64;
  let h: usize;
  if (sizeof<T>() == 4) {
    const b = reinterpret<u32>(<f32>x);
    key = <u64>b;
    h = <usize>((b * 0x9E3779B1) >>> (32 - MEMO_LOG2));
  } else {
    key = reinterpret<u64>(<f64>x);
    h = <usize>((key * 0x9E3779B97F4A7C15) >>> (64 - MEMO_LOG2));
  }
  const pk = MEMO_KEYS + (h << 3);
  const pv = MEMO_VALS + (h << 3);
  if (load<u64>(pk) == key) return <T>load<f64>(pv);
  const t = <T>Math.expm1(<f64>x);  // rounded to T once
  store<u64>(pk, key);
  store<f64>(pv, <f64>t);
  return t;
}

/** t = expm1(x) rounded to T (or x); mean[j] += f64(t), vari[j] += f64(t·t in T). */
@unmanaged class Expm1Op<T> {
  constructor(public data: usize, public mean: usize, public vari: usize, public expm1: bool) {}
  // @ts-ignore: decorator
  @inline add(j: usize, k: usize): void {
    let t = load<T>(this.data + (k << alignof<T>()));
    if (this.expm1) t = memoExpm1<T>(t);
    const t2: T = t * t;
    const pm = this.mean + (j << 3);
    const pv = this.vari + (j << 3);
    store<f64>(pm, load<f64>(pm) + <f64>t);
    store<f64>(pv, load<f64>(pv) + <f64>t2);
  }
}

function meanVarCsr<T>(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, applyExpm1: i32, mean: usize, vari: usize): i32 {
  if (nrows < 0 || ncols < 0 || (applyExpm1 != 0 && applyExpm1 != 1)) {
    setErrorDetail(nrows < 0 ? 3 : ncols < 0 ? 4 : 5);
    return INVALID_ARGUMENT;
  }
  memory.fill(mean, 0, <usize>ncols << 3);
  memory.fill(vari, 0, <usize>ncols << 3);
  if (applyExpm1 != 0) memoReset();
  const status = scatterStored(new Expm1Op<T>(data, mean, vari, applyExpm1 != 0), indptr, indices, nrows, ncols);
  if (status == OK) finishAll(mean, vari, ncols, nrows, 1);
  return status;
}

export function ck_expm1_mean_var_csr_f32(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, applyExpm1: i32, mean: usize, vari: usize): i32 {
  return meanVarCsr<f32>(indptr, indices, data, nrows, ncols, applyExpm1, mean, vari);
}

export function ck_expm1_mean_var_csr_f64(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, applyExpm1: i32, mean: usize, vari: usize): i32 {
  return meanVarCsr<f64>(indptr, indices, data, nrows, ncols, applyExpm1, mean, vari);
}
