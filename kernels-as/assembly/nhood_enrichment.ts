// cellkernels (AssemblyScript) — neighbourhood enrichment; same ABI, semantics and results as
// kernels-cpp/src/nhood_enrichment.cc (every permutation's counts kept, moments summed over
// permutations in order), single-threaded.
import { INDEX_OUT_OF_RANGE, INVALID_ARGUMENT, OK, OUT_OF_MEMORY, setErrorDetail } from "./runtime";
import { setSeed, shuffleI32, startStream, validSeed } from "./random";

// @ts-ignore: decorator
@inline const BAD_INDPTR: i32 = -4;

function countEdges(indptr: usize, indices: usize, n: i32, lab: usize, k: i32, out: usize): void {
  memory.fill(out, 0, <usize>k * <usize>k << 2);
  for (let i = 0; i < n; i++) {
    const row = out + (<usize>(load<i32>(lab + (<usize>i << 2)) * k) << 2);
    const e = load<i32>(indptr + (<usize>(i + 1) << 2));
    for (let p = load<i32>(indptr + (<usize>i << 2)); p < e; p++) {
      const c = row + (<usize>load<i32>(lab + (<usize>load<i32>(indices + (<usize>p << 2)) << 2)) << 2);
      store<i32>(c, load<i32>(c) + 1);
    }
  }
}

export function ck_nhood_enrichment_csr_i32(indptr: usize, indices: usize, n: i32, labels: usize, k: i32, nPerms: i32, seed: f64, count: usize, permMean: usize, permStd: usize): i32 {
  if (n < 0 || k < 1 || k > 46340 || nPerms < 1 || !validSeed(seed)) {
    setErrorDetail(n < 0 ? 3 : k < 1 || k > 46340 ? 5 : nPerms < 1 ? 6 : 7);
    return INVALID_ARGUMENT;
  }
  for (let i = 0; i < n; i++) {
    if (<u32>load<i32>(labels + (<usize>i << 2)) >= <u32>k) {
      setErrorDetail(4);
      return INVALID_ARGUMENT;
    }
    const s = load<i32>(indptr + (<usize>i << 2));
    const e = load<i32>(indptr + (<usize>(i + 1) << 2));
    if (e < s) {
      setErrorDetail(i);
      return BAD_INDPTR;
    }
    for (let p = s; p < e; p++) {
      if (<u32>load<i32>(indices + (<usize>p << 2)) >= <u32>n) {
        setErrorDetail(i);
        return INDEX_OUT_OF_RANGE;
      }
    }
  }
  const kk = <usize>k * <usize>k;
  const bytes = kk * <usize>nPerms << 2;
  if (bytes > (1 << 30) - 64) return OUT_OF_MEMORY;
  const perms = heap.alloc(bytes == 0 ? 16 : bytes);
  const lab = heap.alloc((<usize>n << 2) + 16);
  countEdges(indptr, indices, n, labels, k, count);
  setSeed(seed);
  for (let p = 0; p < nPerms; p++) {
    memory.copy(lab, labels, <usize>n << 2);
    startStream(<u32>p);
    shuffleI32(lab, n);
    countEdges(indptr, indices, n, lab, k, perms + (kk * <usize>p << 2));
  }
  for (let c: usize = 0; c < kk; c++) {
    let s: f64 = 0;
    for (let p = 0; p < nPerms; p++) s += <f64>load<i32>(perms + ((<usize>p * kk + c) << 2));
    const mu = s / <f64>nPerms;
    let ss: f64 = 0;
    for (let p = 0; p < nPerms; p++) {
      const d = <f64>load<i32>(perms + ((<usize>p * kk + c) << 2)) - mu;
      ss += d * d;
    }
    store<f64>(permMean + (c << 3), mu);
    store<f64>(permStd + (c << 3), Math.sqrt(ss / <f64>nPerms));
  }
  heap.free(perms);
  heap.free(lab);
  return OK;
}
