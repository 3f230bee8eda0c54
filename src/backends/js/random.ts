/**
 * The random generator of the permutation kernels, identical bit for bit to
 * kernels-cpp/include/ck/random.h and kernels-as/assembly/random.ts (see there for the full
 * definition): Philox4x32-10, key = (seed mod 2^32, floor(seed / 2^32)), counter =
 * (block, stream, 0, 0), one stream per permutation; uniform integers by Lemire's
 * multiply-and-reject; Fisher–Yates shuffles.
 * @module
 */

/** High and low 32 bits of the 64-bit product of two uint32 values (exact in float64 pieces). */
function mulhilo(a: number, b: number, out: Uint32Array, at: number): void {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const ll = al * bl;
  const m1 = ah * bl;
  const m2 = al * bh;
  const mid = (ll >>> 16) + (m1 & 0xffff) + (m2 & 0xffff);
  out[at] = ah * bh + (m1 >>> 16) + (m2 >>> 16) + (mid >>> 16); // high word (stored mod 2^32)
  out[at + 1] = Math.imul(a, b); // low word
}

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** One Philox4x32-10 block into out[0..4). */
export function philox4x32_10(k0: number, k1: number, c0: number, c1: number, c2: number, c3: number, out: Uint32Array): void {
  const p = new Uint32Array(4);
  let key0 = k0 >>> 0;
  let key1 = k1 >>> 0;
  let x0 = c0 >>> 0;
  let x1 = c1 >>> 0;
  let x2 = c2 >>> 0;
  let x3 = c3 >>> 0;
  for (let r = 0; r < 10; r++) {
    mulhilo(M0, x0, p, 0);
    mulhilo(M1, x2, p, 2);
    const y0 = (p[2]! ^ x1 ^ key0) >>> 0;
    const y1 = p[3]!;
    const y2 = (p[0]! ^ x3 ^ key1) >>> 0;
    const y3 = p[1]!;
    x0 = y0;
    x1 = y1;
    x2 = y2;
    x3 = y3;
    key0 = (key0 + W0) >>> 0;
    key1 = (key1 + W1) >>> 0;
  }
  out[0] = x0;
  out[1] = x1;
  out[2] = x2;
  out[3] = x3;
}

/** The Philox key of a seed (an integer in [0, 2^53)). */
export function seedKey(seed: number): [number, number] {
  const hi = Math.floor(seed / 4294967296);
  return [(seed - hi * 4294967296) >>> 0, hi >>> 0];
}

/** The word stream of one permutation: `new PermStream(seed, p)`. */
export class PermStream {
  private readonly k0: number;
  private readonly k1: number;
  private block = 0;
  private readonly buf = new Uint32Array(4);
  private pos = 4;
  private readonly hl = new Uint32Array(2);

  constructor(
    seed: number,
    private readonly stream: number,
  ) {
    [this.k0, this.k1] = seedKey(seed);
  }

  /** Next uint32 word. */
  next(): number {
    if (this.pos === 4) {
      philox4x32_10(this.k0, this.k1, this.block++, this.stream, 0, 0, this.buf);
      this.pos = 0;
    }
    return this.buf[this.pos++]!;
  }

  /** Uniform integer in [0, bound), 1 ≤ bound ≤ 2^32 − 1. */
  uniform(bound: number): number {
    mulhilo(this.next(), bound, this.hl, 0);
    if (this.hl[1]! < bound) {
      const t = (4294967296 - bound) % bound;
      while (this.hl[1]! < t) mulhilo(this.next(), bound, this.hl, 0);
    }
    return this.hl[0]!;
  }

  /** Fisher–Yates shuffle of a[0..n) in place. */
  shuffle(a: { [i: number]: number; length: number }, n = a.length): void {
    for (let i = n - 1; i > 0; i--) {
      const j = this.uniform(i + 1);
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
  }
}

/** The permutation of stream `p`: Fisher–Yates applied to the identity 0..n−1. */
export function permutation(seed: number, p: number, n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  new PermStream(seed, p).shuffle(a, n);
  return a;
}
