// cellkernels (AssemblyScript) — the loops shared by the reductions across rows into
// per-column arrays (sum, nnz_count, mean_var along axis 0 of CSR / axis 1 of CSC / axis 0 of
// dense, clipped_sums, expm1_mean_var): the kernel supplies only an op, an @unmanaged class
// whose @inline `add(j, k)` folds value k into column j; the loops are generic over the op, so
// it is inlined (no indirect call), and they free it. Single-threaded, values in storage order.
import { INDEX_OUT_OF_RANGE, OK, setErrorDetail } from "./runtime";

/**
 * op.add(j, k) for every stored value k of slices [0, nmajor) in storage order, j = indices[k].
 * An index outside [0, nminor) stops the loop (the values before it were added) and fails with
 * INDEX_OUT_OF_RANGE, the slice in the error detail. Frees op (allocated with `new`).
 */
// @ts-ignore: decorator
@inline export function scatterStored<Op>(op: Op, indptr: usize, indices: usize, nmajor: i32, nminor: i32): i32 {
  for (let r = 0; r < nmajor; r++) {
    const s = load<i32>(indptr + (<usize>r << 2));
    const e = load<i32>(indptr + (<usize>(r + 1) << 2));
    for (let k = s; k < e; k++) {
      const j = load<u32>(indices + (<usize>k << 2));
      if (j >= <u32>nminor) {
        heap.free(changetype<usize>(op));
        setErrorDetail(r);
        return INDEX_OUT_OF_RANGE;
      }
      op.add(<usize>j, <usize>k);
    }
  }
  heap.free(changetype<usize>(op));
  return OK;
}

/** op.add(j, r·ncols + j) for every value of a dense row-major nrows × ncols matrix, by rows; frees op. */
// @ts-ignore: decorator
@inline export function scatterDense<Op>(op: Op, nrows: i32, ncols: i32): i32 {
  for (let r = 0; r < nrows; r++) {
    const row = <usize>r * <usize>ncols;
    for (let j = 0; j < ncols; j++) op.add(<usize>j, row + <usize>j);
  }
  heap.free(changetype<usize>(op));
  return OK;
}

/** mean = s / n, var = q / n − mean², times n / (n − ddof) when ddof ≠ 0 and n ≠ 1. */
// @ts-ignore: decorator
@inline export function finishMeanVar(s: f64, q: f64, n: i32, ddof: i32, mean: usize, vari: usize): void {
  const dn = <f64>n;
  const m = s / dn;
  let v = q / dn - m * m;
  if (ddof != 0 && n != 1) v *= dn / (dn - <f64>ddof);
  store<f64>(mean, m);
  store<f64>(vari, v);
}

/** Turns the sums in mean[0, count) and sums of squares in vari[0, count) into means and variances over n. */
export function finishAll(mean: usize, vari: usize, count: i32, n: i32, ddof: i32): void {
  for (let j = 0; j < count; j++) {
    const pm = mean + (<usize>j << 3);
    const pv = vari + (<usize>j << 3);
    finishMeanVar(load<f64>(pm), load<f64>(pv), n, ddof, pm, pv);
  }
}
