// cellkernels (AssemblyScript) — CSR ⇄ CSC conversion (scipy tocsc/tocsr); same ABI and
// semantics as kernels-cpp/src/convert.cc: count per minor position, prefix sum, scatter in
// slice order (output indices sorted, duplicates and explicit zeros kept). Single-threaded.
import { scatterStored } from "./reduce";
import { INVALID_ARGUMENT, OK, setErrorDetail } from "./runtime";

/** counts[j + 1] += 1 for each stored value in minor position j. */
@unmanaged class SliceCount {
  constructor(public counts: usize) {}
  // @ts-ignore: decorator
  @inline add(j: usize, k: usize): void {
    const p = this.counts + ((j + 1) << 2);
    store<i32>(p, load<i32>(p) + 1);
  }
}

function transpose<T>(indptr: usize, indices: usize, data: usize, nmajor: i32, nminor: i32, outIndptr: usize, outIndices: usize, outData: usize): i32 {
  // Counts into outIndptr[j + 1] (the shared scatter loop checks the indices), then prefix sums.
  memory.fill(outIndptr, 0, (<usize>nminor + 1) << 2);
  const status = scatterStored(new SliceCount(outIndptr), indptr, indices, nmajor, nminor);
  if (status != OK) return status;
  for (let j = 0; j < nminor; j++) {
    const p = outIndptr + (<usize>(j + 1) << 2);
    store<i32>(p, load<i32>(p) + load<i32>(p - 4));
  }
  // Scatter, using outIndptr[j] as the write cursor of slice j, then shift back.
  const sz = alignof<T>();
  for (let r = 0; r < nmajor; r++) {
    const s = load<i32>(indptr + (<usize>r << 2));
    const e = load<i32>(indptr + (<usize>(r + 1) << 2));
    for (let k = s; k < e; k++) {
      const cur = outIndptr + (<usize>load<i32>(indices + (<usize>k << 2)) << 2);
      const p = load<i32>(cur);
      store<i32>(outIndices + (<usize>p << 2), r);
      store<T>(outData + (<usize>p << sz), load<T>(data + (<usize>k << sz)));
      store<i32>(cur, p + 1);
    }
  }
  for (let j = nminor; j > 0; j--) store<i32>(outIndptr + (<usize>j << 2), load<i32>(outIndptr + (<usize>(j - 1) << 2)));
  store<i32>(outIndptr, 0);
  return OK;
}

function checkDims(nrows: i32, ncols: i32): i32 {
  if (nrows < 0 || ncols < 0) {
    setErrorDetail(nrows < 0 ? 3 : 4);
    return INVALID_ARGUMENT;
  }
  return OK;
}

export function ck_to_csc_csr_f32(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, outIndptr: usize, outIndices: usize, outData: usize): i32 {
  const st = checkDims(nrows, ncols);
  return st != OK ? st : transpose<f32>(indptr, indices, data, nrows, ncols, outIndptr, outIndices, outData);
}

export function ck_to_csc_csr_f64(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, outIndptr: usize, outIndices: usize, outData: usize): i32 {
  const st = checkDims(nrows, ncols);
  return st != OK ? st : transpose<f64>(indptr, indices, data, nrows, ncols, outIndptr, outIndices, outData);
}

export function ck_to_csr_csc_f32(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, outIndptr: usize, outIndices: usize, outData: usize): i32 {
  const st = checkDims(nrows, ncols);
  return st != OK ? st : transpose<f32>(indptr, indices, data, ncols, nrows, outIndptr, outIndices, outData);
}

export function ck_to_csr_csc_f64(indptr: usize, indices: usize, data: usize, nrows: i32, ncols: i32, outIndptr: usize, outIndices: usize, outData: usize): i32 {
  const st = checkDims(nrows, ncols);
  return st != OK ? st : transpose<f64>(indptr, indices, data, ncols, nrows, outIndptr, outIndices, outData);
}
