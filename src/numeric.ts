/**
 * Medians and order statistics of float64 arrays, shared by every layer (normalize_total's
 * median target, the HVG bins' medians and cut-off, the streaming pipeline).
 *
 * numpy finds a median by partition, not by sorting; numpyMedian does the same for large
 * arrays (linear time) and returns exactly what the middle of `Float64Array.prototype.sort()`'s
 * order holds, zeros' signs included.
 */

/**
 * From this many values on, numpyMedian selects instead of sorting. V8's (Node 20) typed-array
 * sort costs about 80 ns per value at 1,000 values and 120–170 at 20,000–100,000; selection
 * about 15–30 once compiled. Selection is JavaScript, though: the first calls run in the
 * interpreter until V8 has compiled it, and below this size that cost exceeds the sort's.
 */
const SELECT_MIN = 4096;

/**
 * The value at position k (0-based, 0 ≤ k < length) of the NaN-free `a` sorted ascending by
 * `<` (zeros' signs aside), reordering `a` so that a[0 … k) ≤ a[k] ≤ a(k … n). Hoare's
 * selection, linear time on average; a range that takes more rounds than good pivots need is
 * sorted instead, so no input makes it quadratic.
 */
export function selectFloat64(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  let rounds = 2 * (32 - Math.clz32(a.length)) + 8;
  while (hi > lo) {
    if (rounds-- === 0) {
      a.subarray(lo, hi + 1).sort();
      return a[k]!;
    }
    if (hi === lo + 1) {
      if (a[hi]! < a[lo]!) [a[lo], a[hi]] = [a[hi]!, a[lo]!];
      return a[k]!;
    }
    // the median of the first, middle and last values as the pivot
    const mid = (lo + hi) >>> 1;
    let x = a[lo]!;
    let y = a[mid]!;
    let z = a[hi]!;
    if (y < x) [x, y] = [y, x];
    if (z < y) {
      [y, z] = [z, y];
      if (y < x) [x, y] = [y, x];
    }
    a[lo] = x;
    a[mid] = y;
    a[hi] = z;
    const pivot = y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i++] = a[j]!;
        a[j--] = t;
      }
    }
    // a[lo … j] ≤ pivot ≤ a[i … hi], and the values between j and i equal the pivot
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/** v, or when v is a zero, the zero that sits at position p of the sorted `a` (−0 before +0). */
function zeroAt(a: Float64Array, p: number, v: number): number {
  if (v !== 0) return v;
  let below = 0; // values < 0, then −0s
  for (let i = 0; i < a.length; i++) if (a[i]! < 0 || Object.is(a[i], -0)) below++;
  return p < below ? -0 : 0;
}

/**
 * numpy.median of `values`: NaN when empty or when any value is NaN; for an even count the two
 * middle values are added and halved, rounded to float32 after each step when `f32` (the
 * array's dtype). The same value (zeros' signs included) as the middle of
 * `Float64Array.prototype.sort()`'s order, found by selection in linear time. `values` is not
 * modified.
 */
export function numpyMedian(values: ArrayLike<number>, f32 = false): number {
  const n = values.length;
  if (n === 0) return NaN;
  const a = values instanceof Float64Array ? values.slice() : Float64Array.from(values);
  const h = n >> 1;
  if (n < SELECT_MIN) {
    a.sort();
    if (a[n - 1] !== a[n - 1]) return NaN;
    return n % 2 === 1 ? a[h]! : even(a[h - 1]!, a[h]!, f32);
  }
  for (let i = 0; i < n; i++) if (a[i] !== a[i]) return NaN;
  const upper = zeroAt(a, h, selectFloat64(a, h));
  if (n % 2 === 1) return upper;
  let lower = -Infinity; // the largest of a[0 … h), all ≤ a[h]
  for (let i = 0; i < h; i++) if (a[i]! > lower) lower = a[i]!;
  return even(zeroAt(a, h - 1, lower), upper, f32);
}

/** The median of an even count from its two middle values, in float32 steps when `f32`. */
function even(lower: number, upper: number, f32: boolean): number {
  return f32 ? Math.fround(Math.fround(lower + upper) / 2) : (lower + upper) / 2;
}

/**
 * From `s` sorted ascending by `Float64Array.prototype.sort()` (NaNs last, −0 before +0):
 * `[numpyMedian of its non-NaN values, numpyMedian(|s − that median| / scale)]`, i.e. pandas'
 * NaN-skipping median and statsmodels' `robust.mad(s, c=scale)` (NaN when any value is NaN),
 * the two statistics of one HVG cell_ranger bin, without sorting again.
 *
 * The deviations of the values below the median, walked downwards, ascend, and so do those of
 * the values from the median up (floating-point subtraction is monotone), so the middle
 * deviations come from merging the two walks: O(n) after the one sort, where recomputing the
 * median and sorting the deviations took two more sorts. With an infinite value (|∞ − ∞| is
 * NaN) the deviations are sorted instead, as numpyMedian would.
 */
export function sortedMedianMad(s: Float64Array, scale: number): [number, number] {
  let n = s.length;
  while (n > 0 && s[n - 1] !== s[n - 1]) n--;
  if (n === 0) return [NaN, NaN];
  const h = n >> 1;
  const center = n % 2 === 1 ? s[h]! : even(s[h - 1]!, s[h]!, false);
  if (n < s.length) return [center, NaN];
  if (!(Number.isFinite(s[0]!) && Number.isFinite(s[n - 1]!))) {
    const dev = new Float64Array(n);
    for (let i = 0; i < n; i++) dev[i] = Math.abs(s[i]! - center) / scale;
    return [center, numpyMedian(dev)];
  }
  // s[0 … h) ≤ center ≤ s[h … n): merge the deviations of both sides up to rank h
  let i = h - 1;
  let j = h;
  let prev = 0;
  let cur = 0;
  const dev = (x: number): number => Math.abs(x - center) / scale;
  for (let k = 0; k <= h; k++) {
    prev = cur;
    if (j >= n || (i >= 0 && dev(s[i]!) <= dev(s[j]!))) cur = dev(s[i--]!);
    else cur = dev(s[j++]!);
  }
  return [center, n % 2 === 1 ? cur : even(prev, cur, false)];
}
