// cellkernels (AssemblyScript) — per-column Σ min(x, clip[j]) and Σ min(x, clip[j])² in float64
// over the stored values of a CSR matrix; same ABI and semantics as
// kernels-cpp/src/clipped_sums.cc (scanpy seurat_v3 `_sum_and_sum_squares_clipped`; Python's
// min: clip[j] when clip[j] < x, else x). Single-threaded, rows in order.
import { scatterStored } from "./reduce";
import { INVALID_ARGUMENT, setErrorDetail } from "./runtime";

/** e = min(f64(data[k]), clip[j]) (Python's min); sum[j] += e, sumSq[j] += e². */
@unmanaged class ClippedOp<T> {
  constructor(public data: usize, public clip: usize, public sum: usize, public sumSq: usize) {}
  // @ts-ignore: decorator
  @inline add(j: usize, k: usize): void {
    const x = <f64>load<T>(this.data + (k << alignof<T>()));
    const c = load<f64>(this.clip + (j << 3));
    const v = c < x ? c : x;
    const ps = this.sum + (j << 3);
    const pq = this.sumSq + (j << 3);
    store<f64>(ps, load<f64>(ps) + v);
    store<f64>(pq, load<f64>(pq) + v * v);
  }
}

function clippedSumsCsr<T>(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, clip: usize, sum: usize, sumSq: usize): i32 {
  if (nrows < 0 || ncols < 0) {
    setErrorDetail(nrows < 0 ? 3 : 4);
    return INVALID_ARGUMENT;
  }
  memory.fill(sum, 0, <usize>ncols << 3);
  memory.fill(sumSq, 0, <usize>ncols << 3);
  return scatterStored(new ClippedOp<T>(data, clip, sum, sumSq), indptr, indices, nrows, ncols);
}

export function ck_clipped_sums_csr_f32(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, clip: usize, sum: usize, sumSq: usize): i32 {
  return clippedSumsCsr<f32>(indptr, indices, data, nrows, ncols, clip, sum, sumSq);
}

export function ck_clipped_sums_csr_f64(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, clip: usize, sum: usize, sumSq: usize): i32 {
  return clippedSumsCsr<f64>(indptr, indices, data, nrows, ncols, clip, sum, sumSq);
}
