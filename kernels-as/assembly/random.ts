// cellkernels (AssemblyScript) — the permutation generator of kernels-cpp/include/ck/random.h,
// bit for bit: Philox4x32-10, key = (seed mod 2^32, floor(seed / 2^32)), counter = (block,
// stream, 0, 0), one stream per permutation; uniform integers by Lemire's multiply-and-reject;
// Fisher–Yates shuffles. The module is single-threaded, so the stream state lives in globals.

let k0: u32 = 0;
let k1: u32 = 0;
let stream: u32 = 0;
let block: u32 = 0;
let pos: i32 = 4;
let b0: u32 = 0;
let b1: u32 = 0;
let b2: u32 = 0;
let b3: u32 = 0;

/** Whether a seed is an integer in [0, 2^53). */
export function validSeed(seed: f64): bool {
  return seed >= 0 && seed < 9007199254740992.0 && Math.floor(seed) == seed;
}

/** Sets the key from a seed; every stream of the call uses it. */
export function setSeed(seed: f64): void {
  const hi = Math.floor(seed / 4294967296.0);
  k1 = <u32>(<u64>hi);
  k0 = <u32>(<u64>(seed - hi * 4294967296.0));
}

/** Starts stream `s` (permutation s). */
export function startStream(s: u32): void {
  stream = s;
  block = 0;
  pos = 4;
}

function philox(c0: u32, c1: u32, c2: u32, c3: u32): void {
  let key0 = k0;
  let key1 = k1;
  for (let r = 0; r < 10; r++) {
    const p0: u64 = <u64>0xd2511f53 * <u64>c0;
    const p1: u64 = <u64>0xcd9e8d57 * <u64>c2;
    const hi0 = <u32>(p0 >> 32);
    const lo0 = <u32>p0;
    const hi1 = <u32>(p1 >> 32);
    const lo1 = <u32>p1;
    c0 = hi1 ^ c1 ^ key0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ key1;
    c3 = lo0;
    key0 += 0x9e3779b9;
    key1 += 0xbb67ae85;
  }
  b0 = c0;
  b1 = c1;
  b2 = c2;
  b3 = c3;
}

/** Next word of the current stream. */
export function nextWord(): u32 {
  if (pos == 4) {
    philox(block++, stream, 0, 0);
    pos = 0;
  }
  const p = pos++;
  return p == 0 ? b0 : p == 1 ? b1 : p == 2 ? b2 : b3;
}

/** Uniform integer in [0, bound), bound ≥ 1. */
export function uniform(bound: u32): u32 {
  let m: u64 = <u64>nextWord() * <u64>bound;
  let l = <u32>m;
  if (l < bound) {
    const t: u32 = (0 - bound) % bound;
    while (l < t) {
      m = <u64>nextWord() * <u64>bound;
      l = <u32>m;
    }
  }
  return <u32>(m >> 32);
}

/** Fisher–Yates shuffle of n int32 values at `a`, with the current stream. */
export function shuffleI32(a: usize, n: i32): void {
  for (let i = n - 1; i > 0; i--) {
    const j = <i32>uniform(<u32>i + 1);
    const pi = a + (<usize>i << 2);
    const pj = a + (<usize>j << 2);
    const t = load<i32>(pi);
    store<i32>(pi, load<i32>(pj));
    store<i32>(pj, t);
  }
}
