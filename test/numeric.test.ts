// src/numeric.ts against the engine's Float64Array.prototype.sort(): selectFloat64 must find
// the value at each rank, numpyMedian the middle of the sorted values (zeros' signs included),
// on both sides of SELECT_MIN (4096), where numpyMedian switches from sorting to selecting;
// sortedMedianMad the median and MAD that sorting the values and then the deviations gives.
import { describe, expect, it } from 'vitest';
import { numpyMedian, selectFloat64, sortedMedianMad } from '../src/numeric.js';
import { firstDifference } from './helpers/transforms.js';

/** xorshift: reproducible values. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

const SPECIAL = [0, -0, NaN, Infinity, -Infinity, 5e-324, -5e-324, 2.2250738585072014e-308, -Number.MAX_VALUE, Number.MAX_VALUE, 1, -1, 1e-12];

/** Wide and narrow ranges, duplicates, zeros of both signs, NaN, infinities, subnormals. */
function inputs(): { name: string; a: Float64Array }[] {
  const out: { name: string; a: Float64Array }[] = [];
  for (const n of [0, 1, 2, 3, 1000, 4095, 4096, 4097, 20000]) {
    const r = rng(n + 7);
    const wide = new Float64Array(n);
    const narrow = new Float64Array(n);
    const dup = new Float64Array(n);
    const special = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      wide[i] = (r() - 0.5) * 10 ** Math.floor(r() * 40 - 20);
      narrow[i] = 3 + r() * 1e-9;
      dup[i] = Math.floor(r() * 7) - 3;
      special[i] = r() < 0.3 ? SPECIAL[Math.floor(r() * SPECIAL.length)]! : -Math.log(r());
    }
    out.push({ name: `wide ${n}`, a: wide }, { name: `narrow ${n}`, a: narrow }, { name: `duplicates ${n}`, a: dup }, { name: `special ${n}`, a: special });
  }
  const nans = new Float64Array(5000).fill(NaN);
  out.push({ name: 'all NaN', a: nans });
  const zeros = new Float64Array(5000).map((_, i) => (i % 3 ? 0 : -0));
  out.push({ name: 'signed zeros', a: zeros });
  return out;
}

/** Input orders that trip up selection: random, few distinct values, signed zeros, sorted, reversed, organ pipe, constant. */
const r11 = rng(11);
const PATTERNS: ((i: number, n: number) => number)[] = [
  () => r11() - 0.5,
  () => Math.floor(r11() * 4) - 2,
  () => (r11() < 0.5 ? -0 : r11() < 0.5 ? 0 : r11() - 0.5),
  (i) => i,
  (i, n) => n - i,
  (i, n) => Math.min(i, n - i),
  () => 7,
];

describe('selectFloat64', () => {
  it('finds ranks 0, 1, n/2, n−2 and n−1 at every size 1…300, in every input order', () => {
    for (let n = 1; n <= 300; n++) {
      for (const p of PATTERNS) {
        const a = Float64Array.from({ length: n }, (_, i) => p(i, n));
        const sorted = a.slice().sort();
        for (const k of new Set([0, 1, n >> 1, n - 2, n - 1])) {
          if (k < 0 || k >= n) continue;
          const got = selectFloat64(a.slice(), k) + 0;
          if (got !== sorted[k]! + 0) expect({ n, pattern: PATTERNS.indexOf(p), k, got }).toEqual({ n, pattern: PATTERNS.indexOf(p), k, got: sorted[k]! + 0 });
        }
      }
    }
  });
  it('finds every rank of NaN-free inputs and leaves no smaller value after it', () => {
    for (const { name, a } of inputs()) {
      const v = a.filter((x) => !Number.isNaN(x));
      const sorted = v.slice().sort();
      for (const k of [0, 1, v.length >> 1, v.length - 2, v.length - 1]) {
        if (k < 0 || k >= v.length) continue;
        const w = v.slice();
        const got = selectFloat64(w, k);
        expect({ name, k, got: got + 0 }).toEqual({ name, k, got: sorted[k]! + 0 }); // + 0: −0 and +0 are the same rank
        expect(w.subarray(0, k).every((x) => x <= got) && w.subarray(k + 1).every((x) => x >= got)).toBe(true);
        expect(firstDifference(w.slice().sort(), sorted)).toBe(-1); // a permutation
      }
    }
  });
});

describe('numpyMedian', () => {
  /** The previous implementation: the engine's typed-array sort, then the middle. */
  function definition(v: Float64Array, f32: boolean): number {
    const s = v.slice().sort();
    const n = s.length;
    if (n === 0 || Number.isNaN(s[n - 1]!)) return NaN;
    const h = n >> 1;
    if (n % 2) return s[h]!;
    return f32 ? Math.fround(Math.fround(s[h - 1]! + s[h]!) / 2) : (s[h - 1]! + s[h]!) / 2;
  }
  for (const { name, a } of inputs()) {
    it(`is the middle of the sorted values: ${name}`, () => {
      const before = a.slice();
      for (const f32 of [false, true]) expect(numpyMedian(a, f32)).toBe(definition(a, f32)); // Object.is: −0 ≠ +0, NaN = NaN
      expect(firstDifference(a, before)).toBe(-1);
    });
  }
  it('is the middle at sizes 1…300 (sorting) and 4090…4200 (selecting), in every input order', () => {
    for (const n of [...Array.from({ length: 300 }, (_, i) => i + 1), ...Array.from({ length: 111 }, (_, i) => 4090 + i)]) {
      for (const p of PATTERNS) {
        const a = Float64Array.from({ length: n }, (_, i) => p(i, n));
        for (const f32 of [false, true]) {
          const got = numpyMedian(a, f32);
          const want = definition(a, f32);
          if (!Object.is(got, want)) expect({ n, pattern: PATTERNS.indexOf(p), f32, got }).toEqual({ n, pattern: PATTERNS.indexOf(p), f32, got: want });
        }
      }
    }
  });
  it('rounds the even-count mean to float32 when asked', () => {
    expect(numpyMedian([1, Math.fround(1 + 2 ** -23)], true)).toBe(Math.fround((1 + Math.fround(1 + 2 ** -23)) / 2));
    expect(numpyMedian([16777216, 16777217], false)).toBe(16777216.5);
    expect(numpyMedian([16777216, 16777218], true)).toBe(16777216);
  });
});

describe('sortedMedianMad', () => {
  const C = 0.6744897501960817; // statsmodels' GAUSSIAN_3_4, the scale HVG cell_ranger uses
  /** The middle of the engine's sort (NaN when empty or when a value is NaN). */
  function sortMedian(v: Float64Array): number {
    const s = v.slice().sort();
    const n = s.length;
    if (n === 0 || Number.isNaN(s[n - 1]!)) return NaN;
    const h = n >> 1;
    return n % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
  }
  /** pandas' median (NaN skipped) and statsmodels' mad as their definitions: sort, then sort the deviations. */
  function definition(v: Float64Array): [number, number] {
    const center = sortMedian(v);
    return [sortMedian(v.filter((x) => !Number.isNaN(x))), sortMedian(v.map((x) => Math.abs(x - center) / C))];
  }
  const check = (name: string, a: Float64Array): void => {
    const got = sortedMedianMad(a.slice().sort(), C);
    const want = definition(a);
    // Object.is: −0 ≠ +0, NaN = NaN
    if (!Object.is(got[0], want[0]) || !Object.is(got[1], want[1])) expect({ name, got }).toEqual({ name, got: want });
  };
  const r = rng(23);
  const extremes = Float64Array.from({ length: 501 }, () => (r() < 0.2 ? (r() < 0.5 ? -1 : 1) * Number.MAX_VALUE : (r() - 0.5) * 1e300));
  const noNaN = inputs()
    .filter(({ name }) => name.startsWith('special'))
    .map(({ name, a }) => ({ name: `${name} without NaN (infinities: |∞ − ∞| is NaN)`, a: a.filter((x) => !Number.isNaN(x)) }));
  const infinite = [
    { name: '∞ ∞ 1', a: Float64Array.from([Infinity, Infinity, 1]) },
    { name: '−∞ −∞ 1', a: Float64Array.from([-Infinity, -Infinity, 1]) },
    { name: '−∞ 1 2 ∞', a: Float64Array.from([-Infinity, 1, 2, Infinity]) },
  ];
  for (const { name, a } of [...inputs(), ...noNaN, ...infinite, { name: 'finite extremes (deviations overflow)', a: extremes }, { name: 'finite extremes, even', a: extremes.subarray(1) }]) {
    it(`is the median and MAD of sorting twice: ${name}`, () => check(name, a));
  }
  it('is the median and MAD of sorting twice at sizes 1…300 in every input order, with a NaN added', () => {
    for (let n = 1; n <= 300; n++) {
      for (const p of PATTERNS) {
        const a = Float64Array.from({ length: n }, (_, i) => p(i, n));
        check(`n ${n}, pattern ${PATTERNS.indexOf(p)}`, a);
        const withNaN = Float64Array.from([...a, NaN]);
        check(`n ${n}, pattern ${PATTERNS.indexOf(p)}, NaN`, withNaN);
      }
    }
  });
});
