// cellkernels (AssemblyScript) — the raw sums behind calculate_qc_metrics on a CSR matrix; same
// ABI and semantics as kernels-cpp/src/qc_metrics.cc. Each row's non-zero values are copied to
// a float64 scratch; a heap selection puts the largest max(ns) first, sorted descending (NaN
// last); implicit zeros pad short rows up to max(ns) before the first negative value; top sums
// are float64 running sums in that order.
// Single-threaded, rows in order.
import { INDEX_OUT_OF_RANGE, INVALID_ARGUMENT, OK, OUT_OF_MEMORY, setErrorDetail } from "./runtime";

/** Descending order with NaN last, as a strict weak ordering: does a come before b? */
// @ts-ignore: decorator
@inline function before(a: f64, b: f64): bool {
  return a == a && (b != b || a > b);
}

/** Whether a belongs above b in the heap: first in order on top, or last in order on top. */
// @ts-ignore: decorator
@inline function above(a: f64, b: f64, firstOnTop: bool): bool {
  return firstOnTop ? before(a, b) : before(b, a);
}

function siftDown(base: usize, root: i32, end: i32, firstOnTop: bool): void {
  while (true) {
    let child = 2 * root + 1;
    if (child >= end) return;
    let cv = load<f64>(base + (<usize>child << 3));
    if (child + 1 < end) {
      const c2 = load<f64>(base + (<usize>(child + 1) << 3));
      if (above(c2, cv, firstOnTop)) {
        child++;
        cv = c2;
      }
    }
    const rv = load<f64>(base + (<usize>root << 3));
    if (!above(cv, rv, firstOnTop)) return;
    store<f64>(base + (<usize>root << 3), cv);
    store<f64>(base + (<usize>child << 3), rv);
    root = child;
  }
}

function heapify(base: usize, n: i32, firstOnTop: bool): void {
  for (let i = (n >> 1) - 1; i >= 0; i--) siftDown(base, i, n, firstOnTop);
}

/** Moves the heap's top to position e and restores the heap on [0, e). */
// @ts-ignore: decorator
@inline function popTo(base: usize, e: i32, firstOnTop: bool): void {
  const a = load<f64>(base);
  store<f64>(base, load<f64>(base + (<usize>e << 3)));
  store<f64>(base + (<usize>e << 3), a);
  siftDown(base, 0, e, firstOnTop);
}

/**
 * Puts the k values of base[0, n) that come first in before() order, sorted, at base[0, k):
 * a full heapsort when k ≥ n, else a heap selection (O(n + k log n)).
 */
function selectTop(base: usize, n: i32, k: i32): void {
  if (k >= n) {
    heapify(base, n, false);
    for (let e = n - 1; e > 0; e--) popTo(base, e, false);
    return;
  }
  heapify(base, n, true);
  for (let e = n - 1; e >= n - k; e--) popTo(base, e, true);
  // base[n − k, n) holds them last-first: reverse, then move to the front.
  for (let i = n - k, j = n - 1; i < j; i++, j--) {
    const a = load<f64>(base + (<usize>i << 3));
    store<f64>(base + (<usize>i << 3), load<f64>(base + (<usize>j << 3)));
    store<f64>(base + (<usize>j << 3), a);
  }
  memory.copy(base, base + (<usize>(n - k) << 3), <usize>k << 3);
}

function qcCsr<T>(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, masks: usize, nqc: i32, ns: usize, nns: i32,
  total: usize, ngenes: usize, qcTotal: usize, top: usize, ncells: usize, geneTotal: usize): i32 {
  if (nrows < 0 || ncols < 0) {
    setErrorDetail(nrows < 0 ? 3 : 4);
    return INVALID_ARGUMENT;
  }
  if (nqc < 0) {
    setErrorDetail(7);
    return INVALID_ARGUMENT;
  }
  if (nns < 0) {
    setErrorDetail(9);
    return INVALID_ARGUMENT;
  }
  for (let t = 0; t < nns; t++) {
    const n = load<i32>(ns + (<usize>t << 2));
    if (n < 1 || n > ncols || (t > 0 && n <= load<i32>(ns + (<usize>(t - 1) << 2)))) {
      setErrorDetail(9);
      return INVALID_ARGUMENT;
    }
  }
  const maxN = nns > 0 ? load<i32>(ns + (<usize>(nns - 1) << 2)) : 0;
  let longest = 0;
  for (let r = 0; r < nrows; r++) longest = max(longest, load<i32>(indptr + (<usize>(r + 1) << 2)) - load<i32>(indptr + (<usize>r << 2)));
  const scratch = heap.alloc(<usize>(longest + 1) << 3);
  if (scratch == 0) return OUT_OF_MEMORY;
  memory.fill(ncells, 0, <usize>ncols << 2);
  memory.fill(geneTotal, 0, <usize>ncols << 3);
  const n = <usize>nrows;
  for (let r = 0; r < nrows; r++) {
    const s = load<i32>(indptr + (<usize>r << 2));
    const e = load<i32>(indptr + (<usize>(r + 1) << 2));
    let tot: f64 = 0;
    let nz = 0;
    for (let q = 0; q < nqc; q++) store<f64>(qcTotal + ((<usize>q * n + <usize>r) << 3), 0);
    for (let k = s; k < e; k++) {
      const j = load<u32>(indices + (<usize>k << 2));
      if (j >= <u32>ncols) {
        heap.free(scratch);
        setErrorDetail(r);
        return INDEX_OUT_OF_RANGE;
      }
      const v = load<T>(data + (<usize>k << alignof<T>()));
      if (v == <T>0) continue;
      const dv = <f64>v;
      tot += dv;
      const pg = geneTotal + (<usize>j << 3);
      store<f64>(pg, load<f64>(pg) + dv);
      const pc = ncells + (<usize>j << 2);
      store<i32>(pc, load<i32>(pc) + 1);
      for (let q = 0; q < nqc; q++) {
        if (load<u8>(masks + <usize>q * <usize>ncols + <usize>j) != 0) {
          const pq = qcTotal + ((<usize>q * n + <usize>r) << 3);
          store<f64>(pq, load<f64>(pq) + dv);
        }
      }
      store<f64>(scratch + (<usize>nz << 3), dv);
      nz++;
    }
    store<f64>(total + (<usize>r << 3), tot);
    store<i32>(ngenes + (<usize>r << 2), nz);
    if (nns == 0) continue;
    const keep = min(maxN, nz);
    selectTop(scratch, nz, keep);
    // Implicit zeros rank after the `pos` values >= 0; they add nothing, so the top-n sum is
    // the running sum of the first k sorted values.
    const zeros = maxN > nz ? maxN - nz : 0;
    let pos = 0;
    while (pos < keep && load<f64>(scratch + (<usize>pos << 3)) >= 0) pos++;
    let acc: f64 = 0;
    let i = 0;
    for (let t = 0; t < nns; t++) {
      const want = load<i32>(ns + (<usize>t << 2));
      const k = want <= pos ? want : want <= pos + zeros ? pos : want - zeros;
      for (; i < k; i++) acc += load<f64>(scratch + (<usize>i << 3));
      store<f64>(top + ((<usize>t * n + <usize>r) << 3), acc);
    }
  }
  heap.free(scratch);
  return OK;
}

export function ck_qc_metrics_csr_f32(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, masks: usize, nqc: i32, ns: usize, nns: i32,
  total: usize, ngenes: usize, qcTotal: usize, top: usize, ncells: usize, geneTotal: usize): i32 {
  return qcCsr<f32>(indptr, indices, data, nrows, ncols, masks, nqc, ns, nns, total, ngenes, qcTotal, top, ncells, geneTotal);
}

export function ck_qc_metrics_csr_f64(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, masks: usize, nqc: i32, ns: usize, nns: i32,
  total: usize, ngenes: usize, qcTotal: usize, top: usize, ncells: usize, geneTotal: usize): i32 {
  return qcCsr<f64>(indptr, indices, data, nrows, ncols, masks, nqc, ns, nns, total, ngenes, qcTotal, top, ncells, geneTotal);
}
