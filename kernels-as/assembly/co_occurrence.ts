// cellkernels (AssemblyScript) — co-occurrence counts; same ABI and results as
// kernels-cpp/src/co_occurrence.cc: float32 d² = dx·dx + dy·dy of each unordered pair, counted
// at its first threshold for (a, b) and (b, a), then cumulative sums over the thresholds.
// Counts are integers, so they equal the C++ and js counts exactly. Single-threaded, scalar.
import { INVALID_ARGUMENT, OK, OUT_OF_MEMORY, setErrorDetail } from "./runtime";

export function ck_co_occurrence_dense_f32(coords: usize, n: i32, labels: usize, k: i32, interval: usize, len: i32, counts: usize): i32 {
  if (n < 0 || k < 1 || len < 2) {
    setErrorDetail(n < 0 ? 2 : k < 1 ? 4 : 6);
    return INVALID_ARGUMENT;
  }
  const L = len - 1;
  for (let r = 0; r < len; r++) {
    const v = load<f32>(interval + (<usize>r << 2));
    if (!(v >= 0) || (r > 0 && !(v >= load<f32>(interval + (<usize>(r - 1) << 2))))) {
      setErrorDetail(5);
      return INVALID_ARGUMENT;
    }
  }
  for (let i = 0; i < n; i++) {
    if (<u32>load<i32>(labels + (<usize>i << 2)) >= <u32>k) {
      setErrorDetail(3);
      return INVALID_ARGUMENT;
    }
  }
  const cells = <usize>k * <usize>k * <usize>L;
  if (cells << 3 > (1 << 30) - 64) return OUT_OF_MEMORY;
  const t = heap.alloc((<usize>L << 2) + 16);
  for (let r = 0; r < L; r++) {
    const v = load<f32>(interval + (<usize>(r + 1) << 2));
    store<f32>(t + (<usize>r << 2), v * v);
  }
  const last = load<f32>(t + (<usize>(L - 1) << 2));
  memory.fill(counts, 0, cells << 3);
  for (let i = 0; i < n; i++) {
    const xi = load<f32>(coords + (<usize>i << 3));
    const yi = load<f32>(coords + (<usize>i << 3) + 4);
    const li = load<i32>(labels + (<usize>i << 2));
    for (let j = i + 1; j < n; j++) {
      const dx: f32 = xi - load<f32>(coords + (<usize>j << 3));
      const dy: f32 = yi - load<f32>(coords + (<usize>j << 3) + 4);
      const d2: f32 = dx * dx + dy * dy;
      if (!(d2 <= last)) continue;
      let r = 0;
      while (!(d2 <= load<f32>(t + (<usize>r << 2)))) r++;
      const lj = load<i32>(labels + (<usize>j << 2));
      const a = counts + (((<usize>li * <usize>k + <usize>lj) * <usize>L + <usize>r) << 3);
      const b = counts + (((<usize>lj * <usize>k + <usize>li) * <usize>L + <usize>r) << 3);
      store<f64>(a, load<f64>(a) + 1);
      store<f64>(b, load<f64>(b) + 1);
    }
  }
  const kk = <usize>k * <usize>k;
  for (let ab: usize = 0; ab < kk; ab++) {
    for (let r = 1; r < L; r++) {
      const p = counts + ((ab * <usize>L + <usize>r) << 3);
      store<f64>(p, load<f64>(p) + load<f64>(p - 8));
    }
  }
  heap.free(t);
  return OK;
}
