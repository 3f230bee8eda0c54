// cellkernels (AssemblyScript) — row/column subset of a CSR matrix in two calls (count, then
// fill); same ABI and semantics as kernels-cpp/src/subset.cc: rows/cols list the kept rows and
// columns in output order (repeats allowed; a negative count means all); a non-decreasing cols
// keeps each row's entry order, otherwise rows are sorted by new column (ties in input order).
// Single-threaded.
import { INDEX_OUT_OF_RANGE, INVALID_ARGUMENT, OK, OUT_OF_MEMORY, setErrorDetail } from "./runtime";

let mapStart: usize = 0; // ncols + 1 offsets into mapPos
let mapPos: usize = 0; // output columns of each input column, increasing
let mapMonotone = true;

function freeMap(): void {
  if (mapStart != 0) heap.free(mapStart);
  if (mapPos != 0) heap.free(mapPos);
  mapStart = 0;
  mapPos = 0;
}

function buildMap(cols: usize, ncolsOut: i32, ncols: i32): i32 {
  mapStart = heap.alloc((<usize>ncols + 2) << 2);
  mapPos = heap.alloc((<usize>ncolsOut + 1) << 2);
  if (mapStart == 0 || mapPos == 0) return OUT_OF_MEMORY;
  memory.fill(mapStart, 0, (<usize>ncols + 2) << 2);
  mapMonotone = true;
  for (let k = 0; k < ncolsOut; k++) {
    const j = load<i32>(cols + (<usize>k << 2));
    if (j < 0 || j >= ncols) {
      setErrorDetail(k);
      return INDEX_OUT_OF_RANGE;
    }
    if (k > 0 && j < load<i32>(cols + (<usize>(k - 1) << 2))) mapMonotone = false;
    const p = mapStart + (<usize>(j + 1) << 2);
    store<i32>(p, load<i32>(p) + 1);
  }
  for (let j = 0; j < ncols; j++) {
    const p = mapStart + (<usize>(j + 1) << 2);
    store<i32>(p, load<i32>(p) + load<i32>(p - 4));
  }
  for (let k = 0; k < ncolsOut; k++) {
    const p = mapStart + (<usize>load<i32>(cols + (<usize>k << 2)) << 2);
    const at = load<i32>(p);
    store<i32>(mapPos + (<usize>at << 2), k);
    store<i32>(p, at + 1);
  }
  for (let j = ncols; j > 0; j--) store<i32>(mapStart + (<usize>j << 2), load<i32>(mapStart + (<usize>(j - 1) << 2)));
  store<i32>(mapStart, 0);
  return OK;
}

// @ts-ignore: decorator
@inline function mapCount(j: u32): i32 {
  return load<i32>(mapStart + (<usize>(j + 1) << 2)) - load<i32>(mapStart + (<usize>j << 2));
}

function checkRows(nrows: i32, ncols: i32, rows: usize, nrowsOut: i32): i32 {
  if (nrows < 0 || ncols < 0) {
    setErrorDetail(nrows < 0 ? 2 : 3);
    return INVALID_ARGUMENT;
  }
  for (let i = 0; i < nrowsOut; i++) {
    const r = load<i32>(rows + (<usize>i << 2));
    if (r < 0 || r >= nrows) {
      setErrorDetail(i);
      return INDEX_OUT_OF_RANGE;
    }
  }
  return OK;
}

export function ck_subset_count_csr(indptr: usize, indices: usize, nrows: i32, ncols: i32, rows: usize, nrowsOut: i32, cols: usize, ncolsOut: i32, outIndptr: usize): i32 {
  const allRows = nrowsOut < 0;
  let st = checkRows(nrows, ncols, rows, allRows ? 0 : nrowsOut);
  if (st != OK) return st;
  const nOut = allRows ? nrows : nrowsOut;
  const byCol = ncolsOut >= 0;
  if (byCol) {
    st = buildMap(cols, ncolsOut, ncols);
    if (st != OK) {
      freeMap();
      return st;
    }
  }
  store<i32>(outIndptr, 0);
  let run: i64 = 0;
  for (let i = 0; i < nOut; i++) {
    const r = allRows ? i : load<i32>(rows + (<usize>i << 2));
    const s = load<i32>(indptr + (<usize>r << 2));
    const e = load<i32>(indptr + (<usize>(r + 1) << 2));
    if (!byCol) run += e - s;
    else {
      for (let k = s; k < e; k++) {
        const j = load<u32>(indices + (<usize>k << 2));
        if (j >= <u32>ncols) {
          freeMap();
          setErrorDetail(r);
          return INDEX_OUT_OF_RANGE;
        }
        run += mapCount(j);
      }
    }
    if (run > 0x7fffffff) {
      freeMap();
      return OUT_OF_MEMORY;
    }
    store<i32>(outIndptr + (<usize>(i + 1) << 2), <i32>run);
  }
  freeMap();
  return OK;
}

/** Sorts n u64 keys at base ascending (heapsort). */
function sortKeys(base: usize, n: i32): void {
  for (let i = (n >> 1) - 1; i >= 0; i--) siftKeys(base, i, n);
  for (let e = n - 1; e > 0; e--) {
    const a = load<u64>(base);
    store<u64>(base, load<u64>(base + (<usize>e << 3)));
    store<u64>(base + (<usize>e << 3), a);
    siftKeys(base, 0, e);
  }
}

function siftKeys(base: usize, root: i32, end: i32): void {
  while (true) {
    let child = 2 * root + 1;
    if (child >= end) return;
    let cv = load<u64>(base + (<usize>child << 3));
    if (child + 1 < end) {
      const c2 = load<u64>(base + (<usize>(child + 1) << 3));
      if (cv < c2) {
        child++;
        cv = c2;
      }
    }
    const rv = load<u64>(base + (<usize>root << 3));
    if (rv >= cv) return;
    store<u64>(base + (<usize>root << 3), cv);
    store<u64>(base + (<usize>child << 3), rv);
    root = child;
  }
}

function fill<T>(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, rows: usize, nrowsOut: i32, cols: usize, ncolsOut: i32,
  outIndptr: usize, outIndices: usize, outData: usize): i32 {
  const allRows = nrowsOut < 0;
  let st = checkRows(nrows, ncols, rows, allRows ? 0 : nrowsOut);
  if (st != OK) return st;
  const nOut = allRows ? nrows : nrowsOut;
  const byCol = ncolsOut >= 0;
  if (byCol) {
    st = buildMap(cols, ncolsOut, ncols);
    if (st != OK) {
      freeMap();
      return st;
    }
  }
  const sortRows = byCol && !mapMonotone;
  let keys: usize = 0;
  let tmp: usize = 0;
  if (sortRows) {
    let longest = 0;
    for (let i = 0; i < nOut; i++) longest = max(longest, load<i32>(outIndptr + (<usize>(i + 1) << 2)) - load<i32>(outIndptr + (<usize>i << 2)));
    keys = heap.alloc((<usize>longest + 1) << 3);
    tmp = heap.alloc((<usize>longest + 1) << alignof<T>());
    if (keys == 0 || tmp == 0) {
      if (keys != 0) heap.free(keys);
      if (tmp != 0) heap.free(tmp);
      freeMap();
      return OUT_OF_MEMORY;
    }
  }
  const sz = alignof<T>();
  for (let i = 0; i < nOut; i++) {
    const r = allRows ? i : load<i32>(rows + (<usize>i << 2));
    const s = load<i32>(indptr + (<usize>r << 2));
    const e = load<i32>(indptr + (<usize>(r + 1) << 2));
    const o0 = load<i32>(outIndptr + (<usize>i << 2));
    if (!byCol) {
      memory.copy(outIndices + (<usize>o0 << 2), indices + (<usize>s << 2), <usize>(e - s) << 2);
      memory.copy(outData + (<usize>o0 << sz), data + (<usize>s << sz), <usize>(e - s) << sz);
      continue;
    }
    let p = o0;
    for (let k = s; k < e; k++) {
      const j = load<u32>(indices + (<usize>k << 2));
      if (j >= <u32>ncols) {
        if (keys != 0) heap.free(keys);
        if (tmp != 0) heap.free(tmp);
        freeMap();
        setErrorDetail(r);
        return INDEX_OUT_OF_RANGE;
      }
      const v = load<T>(data + (<usize>k << sz));
      const m1 = load<i32>(mapStart + (<usize>(j + 1) << 2));
      for (let m = load<i32>(mapStart + (<usize>j << 2)); m < m1; m++) {
        store<i32>(outIndices + (<usize>p << 2), load<i32>(mapPos + (<usize>m << 2)));
        store<T>(outData + (<usize>p << sz), v);
        p++;
      }
    }
    if (sortRows) {
      const n = p - o0;
      for (let t = 0; t < n; t++) store<u64>(keys + (<usize>t << 3), (<u64>load<u32>(outIndices + (<usize>(o0 + t) << 2)) << 32) | <u64>t);
      sortKeys(keys, n);
      for (let t = 0; t < n; t++) {
        const key = load<u64>(keys + (<usize>t << 3));
        store<T>(tmp + (<usize>t << sz), load<T>(outData + (<usize>(o0 + <i32>(key & 0xffffffff)) << sz)));
        store<i32>(outIndices + (<usize>(o0 + t) << 2), <i32>(key >> 32));
      }
      memory.copy(outData + (<usize>o0 << sz), tmp, <usize>n << sz);
    }
  }
  if (keys != 0) heap.free(keys);
  if (tmp != 0) heap.free(tmp);
  freeMap();
  return OK;
}

export function ck_subset_fill_csr_f32(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, rows: usize, nrowsOut: i32, cols: usize, ncolsOut: i32,
  outIndptr: usize, outIndices: usize, outData: usize): i32 {
  return fill<f32>(indptr, indices, data, nrows, ncols, rows, nrowsOut, cols, ncolsOut, outIndptr, outIndices, outData);
}

export function ck_subset_fill_csr_f64(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, rows: usize, nrowsOut: i32, cols: usize, ncolsOut: i32,
  outIndptr: usize, outIndices: usize, outData: usize): i32 {
  return fill<f64>(indptr, indices, data, nrows, ncols, rows, nrowsOut, cols, ncolsOut, outIndptr, outIndices, outData);
}
