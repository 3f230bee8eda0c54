// cellkernels (AssemblyScript) — per-column Σ min(x, clip[j]) and Σ min(x, clip[j])² in float64
// over the stored values of a CSR matrix; same ABI and semantics as
// kernels-cpp/src/clipped_sums.cc (scanpy seurat_v3 `_sum_and_sum_squares_clipped`; Python's
// min: clip[j] when clip[j] < x, else x). Single-threaded, rows in order.
import { INDEX_OUT_OF_RANGE, INVALID_ARGUMENT, OK, setErrorDetail } from "./runtime";

function clippedSumsCsr(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, clip: usize, sum: usize, sumSq: usize, shift: i32): i32 {
  if (nrows < 0 || ncols < 0) {
    setErrorDetail(nrows < 0 ? 3 : 4);
    return INVALID_ARGUMENT;
  }
  memory.fill(sum, 0, <usize>ncols << 3);
  memory.fill(sumSq, 0, <usize>ncols << 3);
  for (let r = 0; r < nrows; r++) {
    const s = load<i32>(indptr + (<usize>r << 2));
    const e = load<i32>(indptr + (<usize>(r + 1) << 2));
    for (let k = s; k < e; k++) {
      const j = load<u32>(indices + (<usize>k << 2));
      if (j >= <u32>ncols) {
        setErrorDetail(r);
        return INDEX_OUT_OF_RANGE;
      }
      const x: f64 = shift == 2 ? <f64>load<f32>(data + (<usize>k << 2)) : load<f64>(data + (<usize>k << 3));
      const c = load<f64>(clip + (<usize>j << 3));
      const v = c < x ? c : x;
      const ps = sum + (<usize>j << 3);
      const pq = sumSq + (<usize>j << 3);
      store<f64>(ps, load<f64>(ps) + v);
      store<f64>(pq, load<f64>(pq) + v * v);
    }
  }
  return OK;
}

export function ck_clipped_sums_csr_f32(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, clip: usize, sum: usize, sumSq: usize): i32 {
  return clippedSumsCsr(indptr, indices, data, nrows, ncols, clip, sum, sumSq, 2);
}

export function ck_clipped_sums_csr_f64(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, clip: usize, sum: usize, sumSq: usize): i32 {
  return clippedSumsCsr(indptr, indices, data, nrows, ncols, clip, sum, sumSq, 3);
}
