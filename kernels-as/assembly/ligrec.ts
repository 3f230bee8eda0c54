// cellkernels (AssemblyScript) — ligand–receptor permutation test; same ABI, semantics and
// results as kernels-cpp/src/ligrec.cc (compact rows of the genes in use, cluster sums over the
// taking-part cells in order, strict > against the observed sum), single-threaded.
import { INDEX_OUT_OF_RANGE, INVALID_ARGUMENT, OK, OUT_OF_MEMORY, setErrorDetail } from "./runtime";
import { setSeed, shuffleI32, startStream, validSeed } from "./random";

// @ts-ignore: decorator
@inline const BAD_INDPTR: i32 = -4;

// the blocks of one call, freed together (the module is single-threaded)
const OWNED = memory.data(32 * sizeof<usize>());
let nOwned = 0;

function alloc(bytes: usize): usize {
  if (bytes > (1 << 30) - 64) return 0;
  const p = heap.alloc(bytes + 16);
  memory.fill(p, 0, bytes + 16);
  store<usize>(OWNED + <usize>nOwned * sizeof<usize>(), p);
  nOwned++;
  return p;
}

function releaseAll(): void {
  for (let q = 0; q < nOwned; q++) heap.free(load<usize>(OWNED + <usize>q * sizeof<usize>()));
  nOwned = 0;
}

// @ts-ignore: decorator
@inline function i32at(p: usize, i: usize): i32 {
  return load<i32>(p + (i << 2));
}
// @ts-ignore: decorator
@inline function f64at(p: usize, i: usize): f64 {
  return load<f64>(p + (i << 3));
}
// @ts-ignore: decorator
@inline function f64add(p: usize, i: usize, v: f64): void {
  store<f64>(p + (i << 3), load<f64>(p + (i << 3)) + v);
}

/** Adds the used genes of cell i into acc[G] (dense: layout 0; CSR: layout 1). */
function rowInto<T>(layout: i32, x: usize, indptr: usize, indices: usize, m: i32, i: i32, slotOf: usize, acc: usize): void {
  if (layout == 0) {
    const base = <usize>i * <usize>m;
    for (let g = 0; g < m; g++) {
      const s = i32at(slotOf, g);
      if (s >= 0) f64add(acc, s, <f64>load<T>(x + ((base + <usize>g) << alignof<T>())));
    }
  } else {
    const e = i32at(indptr, i + 1);
    for (let p = i32at(indptr, i); p < e; p++) {
      const s = i32at(slotOf, i32at(indices, p));
      if (s >= 0) f64add(acc, s, <f64>load<T>(x + (<usize>p << alignof<T>())));
    }
  }
}

function ligrec<T>(layout: i32, x: usize, indptr: usize, indices: usize, n: i32, m: i32, labels: usize, k: i32, pairs: usize, nPairs: i32, cpairs: usize, nCpairs: i32, threshold: f64, nPerms: i32, seed: f64, means: usize, pvalues: usize): i32 {
  if (n < 0 || m < 0 || k < 1 || nPairs < 0 || nCpairs < 0 || nPerms < 1 || !validSeed(seed)) {
    setErrorDetail(-2);
    return INVALID_ARGUMENT;
  }
  if (layout == 1) {
    for (let i = 0; i < n; i++) {
      if (i32at(indptr, i + 1) < i32at(indptr, i)) {
        setErrorDetail(i);
        return BAD_INDPTR;
      }
      for (let p = i32at(indptr, i); p < i32at(indptr, i + 1); p++) {
        if (<u32>i32at(indices, p) >= <u32>m) {
          setErrorDetail(i);
          return INDEX_OUT_OF_RANGE;
        }
      }
    }
  }
  for (let i = 0; i < n; i++) {
    const c = i32at(labels, i);
    if (c < -1 || c >= k) {
      setErrorDetail(-3);
      return INVALID_ARGUMENT;
    }
  }
  for (let q = 0; q < 2 * nPairs; q++) {
    if (<u32>i32at(pairs, q) >= <u32>m) {
      setErrorDetail(-4);
      return INVALID_ARGUMENT;
    }
  }
  for (let q = 0; q < 2 * nCpairs; q++) {
    if (<u32>i32at(cpairs, q) >= <u32>k) {
      setErrorDetail(-5);
      return INVALID_ARGUMENT;
    }
  }
  const IC = <usize>nPairs * <usize>nCpairs;
  nOwned = 0;
  const slotOf = alloc(<usize>m << 2);
  if (slotOf == 0) return OUT_OF_MEMORY;
  for (let g = 0; g < m; g++) store<i32>(slotOf + (<usize>g << 2), -1);
  for (let q = 0; q < 2 * nPairs; q++) store<i32>(slotOf + (<usize>i32at(pairs, q) << 2), 0);
  let G = 0;
  for (let g = 0; g < m; g++) if (i32at(slotOf, g) == 0) store<i32>(slotOf + (<usize>g << 2), G++);
  // compact rows: count, then fill
  const acc = alloc(<usize>G << 3);
  const ptr = alloc((<usize>n + 1) << 2);
  if (acc == 0 || ptr == 0) {
    releaseAll();
    return OUT_OF_MEMORY;
  }
  for (let i = 0; i < n; i++) {
    rowInto<T>(layout, x, indptr, indices, m, i, slotOf, acc);
    let cnt = 0;
    for (let g = 0; g < G; g++) {
      if (f64at(acc, g) != 0) cnt++;
      store<f64>(acc + (<usize>g << 3), 0);
    }
    store<i32>(ptr + (<usize>(i + 1) << 2), i32at(ptr, i) + cnt);
  }
  const nnz = <usize>i32at(ptr, n);
  const slot = alloc(nnz << 2);
  const val = alloc(nnz << 3);
  const kG = <usize>k * <usize>G;
  const size = alloc(<usize>k << 3);
  const sums = alloc(kG << 3);
  const pos = alloc(kG << 3);
  const members = alloc(<usize>n << 2);
  const codes = alloc(<usize>n << 2);
  const perm = alloc(<usize>n << 2);
  const ps = alloc(kG << 3);
  const tested = alloc(IC);
  const observed = alloc(IC << 3);
  const hits = alloc(IC << 2);
  if (slot == 0 || val == 0 || size == 0 || sums == 0 || pos == 0 || members == 0 || codes == 0 || perm == 0 || ps == 0 || tested == 0 || observed == 0 || hits == 0) {
    releaseAll();
    return OUT_OF_MEMORY;
  }
  for (let i = 0; i < n; i++) {
    rowInto<T>(layout, x, indptr, indices, m, i, slotOf, acc);
    let q = i32at(ptr, i);
    for (let g = 0; g < G; g++) {
      const v = f64at(acc, g);
      if (v != 0) {
        store<i32>(slot + (<usize>q << 2), g);
        store<f64>(val + (<usize>q << 3), v);
        q++;
      }
      store<f64>(acc + (<usize>g << 3), 0);
    }
  }
  let nmem = 0;
  for (let i = 0; i < n; i++) {
    const c = i32at(labels, i);
    if (c < 0) continue;
    f64add(size, c, 1);
    store<i32>(members + (<usize>nmem << 2), i);
    store<i32>(codes + (<usize>nmem << 2), c);
    nmem++;
    const base = <usize>c * <usize>G;
    for (let e = i32at(ptr, i); e < i32at(ptr, i + 1); e++) {
      const s = <usize>i32at(slot, e);
      const v = f64at(val, e);
      f64add(sums, base + s, v);
      if (v > 0) f64add(pos, base + s, 1);
    }
  }
  for (let i = 0; i < nPairs; i++) {
    const s = <usize>i32at(slotOf, i32at(pairs, 2 * i));
    const t = <usize>i32at(slotOf, i32at(pairs, 2 * i + 1));
    for (let j = 0; j < nCpairs; j++) {
      const a = i32at(cpairs, 2 * j);
      const b = i32at(cpairs, 2 * j + 1);
      const m1 = f64at(sums, <usize>a * <usize>G + s) / f64at(size, a);
      const m2 = f64at(sums, <usize>b * <usize>G + t) / f64at(size, b);
      const e = <usize>i * <usize>nCpairs + <usize>j;
      store<f64>(means + (e << 3), 0);
      if (m1 > 0 && m2 > 0) {
        store<f64>(means + (e << 3), (m1 + m2) / 2);
        const ok = f64at(pos, <usize>a * <usize>G + s) / f64at(size, a) >= threshold && f64at(pos, <usize>b * <usize>G + t) / f64at(size, b) >= threshold;
        store<u8>(tested + e, ok ? 1 : 0);
        store<f64>(observed + (e << 3), m1 + m2);
      }
    }
  }
  setSeed(seed);
  for (let p = 0; p < nPerms; p++) {
    memory.copy(perm, codes, <usize>nmem << 2);
    startStream(<u32>p);
    shuffleI32(perm, nmem);
    memory.fill(ps, 0, kG << 3);
    for (let r = 0; r < nmem; r++) {
      const i = i32at(members, r);
      const base = <usize>i32at(perm, r) * <usize>G;
      for (let e = i32at(ptr, i); e < i32at(ptr, i + 1); e++) f64add(ps, base + <usize>i32at(slot, e), f64at(val, e));
    }
    for (let i = 0; i < nPairs; i++) {
      const s = <usize>i32at(slotOf, i32at(pairs, 2 * i));
      const t = <usize>i32at(slotOf, i32at(pairs, 2 * i + 1));
      for (let j = 0; j < nCpairs; j++) {
        const e = <usize>i * <usize>nCpairs + <usize>j;
        if (load<u8>(tested + e) == 0) continue;
        const a = i32at(cpairs, 2 * j);
        const b = i32at(cpairs, 2 * j + 1);
        const v = f64at(ps, <usize>a * <usize>G + s) / f64at(size, a) + f64at(ps, <usize>b * <usize>G + t) / f64at(size, b);
        if (v > f64at(observed, e)) store<i32>(hits + (e << 2), i32at(hits, e) + 1);
      }
    }
  }
  for (let e: usize = 0; e < IC; e++) {
    store<f64>(pvalues + (e << 3), load<u8>(tested + e) != 0 ? <f64>i32at(hits, e) / <f64>nPerms : NaN);
  }
  releaseAll();
  return OK;
}

export function ck_ligrec_dense_f32(x: usize, n: i32, m: i32, labels: usize, k: i32, pairs: usize, nPairs: i32, cpairs: usize, nCpairs: i32, threshold: f64, nPerms: i32, seed: f64, means: usize, pvalues: usize): i32 {
  return ligrec<f32>(0, x, 0, 0, n, m, labels, k, pairs, nPairs, cpairs, nCpairs, threshold, nPerms, seed, means, pvalues);
}

export function ck_ligrec_dense_f64(x: usize, n: i32, m: i32, labels: usize, k: i32, pairs: usize, nPairs: i32, cpairs: usize, nCpairs: i32, threshold: f64, nPerms: i32, seed: f64, means: usize, pvalues: usize): i32 {
  return ligrec<f64>(0, x, 0, 0, n, m, labels, k, pairs, nPairs, cpairs, nCpairs, threshold, nPerms, seed, means, pvalues);
}

export function ck_ligrec_csr_f32(indptr: usize, indices: usize, data: usize, n: i32, m: i32, labels: usize, k: i32, pairs: usize, nPairs: i32, cpairs: usize, nCpairs: i32, threshold: f64, nPerms: i32, seed: f64, means: usize, pvalues: usize): i32 {
  return ligrec<f32>(1, data, indptr, indices, n, m, labels, k, pairs, nPairs, cpairs, nCpairs, threshold, nPerms, seed, means, pvalues);
}

export function ck_ligrec_csr_f64(indptr: usize, indices: usize, data: usize, n: i32, m: i32, labels: usize, k: i32, pairs: usize, nPairs: i32, cpairs: usize, nCpairs: i32, threshold: f64, nPerms: i32, seed: f64, means: usize, pvalues: usize): i32 {
  return ligrec<f64>(1, data, indptr, indices, n, m, labels, k, pairs, nPairs, cpairs, nCpairs, threshold, nPerms, seed, means, pvalues);
}
