// cellkernels — Highway glue shared by the kernels (static dispatch: one target per build).
#pragma once

#include <stdint.h>
#include <string.h>

#include "ck/reduce.h"
#include "hwy/contrib/math/math-inl.h"
#include "hwy/highway.h"
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace ck {
namespace hn = hwy::HWY_NAMESPACE;

/// Whether this build has vectors of T: Highway 1.0's wasm target has no float64 vectors, so
/// there doubles take a kernel's scalar loop (`if constexpr (kHasVectors<T>) { … }`).
template <typename T>
constexpr bool kHasVectors = HWY_HAVE_FLOAT64 || sizeof(T) != 8;

/// `b < a ? b : a` for doubles (so a NaN `a` stays NaN and a NaN `b` never wins, as Python's
/// min(a, b)) without a branch. V8 compiles a scalar select of doubles to a compare and a
/// branch, mispredicted wherever the outcome varies; wasm SIMD's f64x2.pmin has exactly these
/// semantics and V8 lowers it to one minpd. Natively the ternary compiles to minsd. In the
/// clipped sums of HVG seurat_v3 (a tenth of the values clipped): 0.60–0.63 of the loop's time
/// in wasm (`bash bench/micro/run-ab.sh clipped_sums …`).
inline double pmin(double a, double b) {
#if defined(__wasm_simd128__)
  return wasm_f64x2_extract_lane(wasm_f64x2_pmin(wasm_f64x2_splat(a), wasm_f64x2_splat(b)), 0);
#else
  return b < a ? b : a;
#endif
}

/// for_each_stored (ck/reduce.h), four stored values at a time: f4(j, k) for each run of four
/// values k … k+3, j being their column indices as a vector of four uint32 (hn::Full128), and
/// f1(j, k) one at a time for the rest, with the same result and error row. Highway's scalar
/// target (one lane) runs for_each_stored with f1.
///
/// Two ways to keep indices in range:
/// - Clamp = false: one unsigned compare checks the four indices and a branch leaves the loop
///   on a bad one (the loop after it reports the row), so f4 only sees indices in [0, ncols).
/// - Clamp = true: no branch per four values. j is clamped to ncols − 1, so an index outside
///   [0, ncols) (a negative one is huge as uint32) reads and writes the last column's slots,
///   never outside the caller's arrays, and the running unsigned max of the indices is checked
///   once at the end. On an error the slots hold garbage, which column_reduce discards.
///   Clamping took the column loops of nnzCount, sum and meanVar to 0.85–0.98 of their time in
///   wasm SIMD, where V8 lowers the any-lane test to two lane extracts and an or; natively
///   0.93–1.05 (128 bits) and 0.92–1.10 (AVX-512). HVG seurat's expm1 memo loop, with more
///   values live, ran 8–14 % slower in wasm with it, so it does not clamp
///   (`bash bench/micro/run-ab.sh nnz_count|sum|mean_var|expm1_mean_var …`).
template <bool Clamp = false, class F4, class F1>
HWY_INLINE int32_t for_each_stored4(const int32_t* HWY_RESTRICT indptr, const int32_t* HWY_RESTRICT indices,
                                    int32_t r0, int32_t r1, int32_t ncols, const F4& f4, const F1& f1) {
#if HWY_TARGET != HWY_SCALAR
  if (ncols > 0) {
    const hn::Full128<uint32_t> du;
    const auto last = hn::Set(du, static_cast<uint32_t>(ncols - 1));
    auto hi = hn::Zero(du);
    const int32_t s = indptr[r0], e = indptr[r1];
    size_t k = s > 0 ? static_cast<size_t>(s) : 0;
    const size_t k1 = e > 0 ? static_cast<size_t>(e) : 0;
    for (; k + 4 <= k1; k += 4) {
      const auto j = hn::LoadU(du, reinterpret_cast<const uint32_t*>(indices + k));
      if constexpr (Clamp) {
        hi = hn::Max(hi, j);
        f4(hn::Min(j, last), k);
      } else {
        if (HWY_UNLIKELY(!hn::AllFalse(du, hn::Gt(j, last)))) break;  // the loop below reports it
        f4(j, k);
      }
    }
    if (Clamp && HWY_UNLIKELY(!hn::AllFalse(du, hn::Gt(hi, last))))
      return for_each_stored(indptr, indices, r0, r1, ncols, [](uint32_t, size_t) {});  // finds the row
    for (; k < k1; ++k) {
      const uint32_t j = static_cast<uint32_t>(indices[k]);
      if (HWY_UNLIKELY(j >= static_cast<uint32_t>(ncols))) return row_of(indptr, r0, r1, k);
      f1(j, k);
    }
    return -1;
  }
#endif
  return for_each_stored(indptr, indices, r0, r1, ncols, f1);
}

/// for_each_stored4<true> for a loop that only needs one value at a time: f(j, k) for every
/// stored value k of rows [r0, r1), j = indices[k], the four indices of each run taken from one
/// vector (column sums, meanVar and the clipped sums).
template <class F>
HWY_INLINE int32_t for_each_stored_clamped(const int32_t* HWY_RESTRICT indptr, const int32_t* HWY_RESTRICT indices,
                                           int32_t r0, int32_t r1, int32_t ncols, const F& f) {
  return for_each_stored4<true>(
      indptr, indices, r0, r1, ncols,
      [&](auto j, size_t k) {
        f(hn::ExtractLane(j, 0), k);
        f(hn::ExtractLane(j, 1), k + 1);
        f(hn::ExtractLane(j, 2), k + 2);
        f(hn::ExtractLane(j, 3), k + 3);
      },
      f);
}

#if defined(__wasm_simd128__)
/// wasm: sq[2j] += double(v) and sq[2j + 1] += double(v·v) for four float32 values v (a v128)
/// and their columns j (hn::Full128<uint32_t>): one f32x4 multiply, the (value, square) pairs
/// shuffled together, widened by f64x2.promote_low_f32x4 and added with one f64x2 add each.
template <class VJ>
HWY_INLINE void add_sums_squares4(double* HWY_RESTRICT sq, VJ j, v128_t v) {
  const auto add = [&](uint32_t c, v128_t pair) {
    double* p = sq + 2 * static_cast<size_t>(c);
    wasm_v128_store(p, wasm_f64x2_add(wasm_v128_load(p), pair));
  };
  const v128_t v2 = wasm_f32x4_mul(v, v);
  const v128_t lo = wasm_i32x4_shuffle(v, v2, 0, 4, 1, 5);  // v0 v0² v1 v1²
  const v128_t hi = wasm_i32x4_shuffle(v, v2, 2, 6, 3, 7);  // v2 v2² v3 v3²
  add(hn::ExtractLane(j, 0), wasm_f64x2_promote_low_f32x4(lo));
  add(hn::ExtractLane(j, 1), wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(lo, lo, 2, 3, 2, 3)));
  add(hn::ExtractLane(j, 2), wasm_f64x2_promote_low_f32x4(hi));
  add(hn::ExtractLane(j, 3), wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(hi, hi, 2, 3, 2, 3)));
}
#endif

/// The scatter of meanVar along columns (and of the HVG flavours' plain statistics): for the
/// stored values x of rows [r0, r1), sq[2j] += double(x) and sq[2j + 1] += double(x·x), the
/// square taken in T as fast_array_utils does; sq holds 2·ncols doubles. Four indices at a time
/// took the loop to 0.89–0.98 of its time in wasm, 0.94–1.05 natively (`bash
/// bench/micro/run-ab.sh mean_var …`, and expm1_mean_var `plain`: 0.91–0.99 in wasm).
///
/// In wasm, float values go four at a time through vectors as well: one load, one f32x4
/// multiply for the squares, and (value, square) pairs shuffled together and widened by
/// f64x2.promote_low_f32x4, each pair then added into its column's two doubles with one
/// f64x2 add. V8 compiles the scalar form to two cvtss2sd, a movddup and a movlhps per value;
/// the same bits, 0.77–0.91 of the loop's time (mean_var) and 0.80–0.83 (expm1_mean_var
/// `plain`). Natively the compiler's own code is kept.
template <typename T>
HWY_INLINE int32_t scatter_sums_squares(const int32_t* HWY_RESTRICT indptr, const int32_t* HWY_RESTRICT indices,
                                        const T* HWY_RESTRICT x, int32_t r0, int32_t r1, int32_t ncols,
                                        double* HWY_RESTRICT sq) {
  const auto one = [&](uint32_t j, size_t k) {
    const T v = x[k];
    const T v2 = v * v;
    sq[2 * j] += static_cast<double>(v);
    sq[2 * j + 1] += static_cast<double>(v2);
  };
#if defined(__wasm_simd128__)
  if constexpr (sizeof(T) == 4) {
    return for_each_stored4<true>(
        indptr, indices, r0, r1, ncols, [&](auto j, size_t k) { add_sums_squares4(sq, j, wasm_v128_load(x + k)); },
        one);
  }
#endif
  return for_each_stored_clamped(indptr, indices, r0, r1, ncols, one);
}

/// out[i] = f(in[i]) for `count` values (≥ 0), where `vec(d, v)` computes f on whole vectors
/// but is only valid for values in [+0, vec_max] (vec_max finite, e.g. log1p_vec_max), and
/// `scalar(x)` is the C library's f, which gives the exact special values (−0, negative, NaN,
/// ±inf) and the values above vec_max.
///
/// The values go in blocks of whole vectors; a block is in range when the unsigned max of its
/// bit patterns is ≤ bits(vec_max) (the sign bit makes every negative value, −0 included,
/// larger, and NaN and ±inf are above any finite value): one integer op per vector, where a
/// compare-and-branch per vector cost V8 about a quarter of Log1p's time. A block holding any
/// other value is done vector by vector, with `scalar` for the vectors out of range.
///
/// Copying, a block is transformed while its max is taken and redone if it was out of range.
/// In place (`out` == `in`) a block must be checked before it is written, so the check runs one
/// block ahead: the loop that transforms block b also reads block b + 1 and takes its max. Then
/// the reads of the next block overlap the arithmetic of this one, where a separate checking
/// pass would wait on memory with the arithmetic idle (wasm, one thread, in place on 20 M values:
/// 1.56–2.04 → 1.16–1.21 ns/value, bench/micro/run-log1p-width.sh; log1p on nb100k, 2 threads:
/// 121–188 → 91–107 ms). Highway 1.0's wasm target has no float64 vectors: there doubles take
/// the scalar path throughout.
template <typename T, class VecFn, class ScalarFn>
void map_nonnegative(const T* in, int64_t count, T* out, T vec_max, const VecFn& vec, const ScalarFn& scalar) {
  // size_t, not int64_t: on wasm32 64-bit counters cost an i64 op and a wrap per address.
  const size_t n = static_cast<size_t>(count);
  size_t i = 0;
  if constexpr (kHasVectors<T>)
  {
    const hn::ScalableTag<T> d;
    const hn::RebindToUnsigned<decltype(d)> du;
    using TU = hn::TFromD<decltype(du)>;
    const size_t N = hn::Lanes(d);
    TU top_bits;
    memcpy(&top_bits, &vec_max, sizeof(top_bits));
    const auto top = hn::Set(du, top_bits);
    constexpr size_t kBlock = 1024;
    // End of the block starting at s: up to kBlock values, whole vectors only.
    const auto block_end = [&](size_t s) { return s + ((n - s < kBlock ? n - s : kBlock) / N) * N; };
    const auto in_range = [&](decltype(top) hi) { return hn::AllFalse(du, hn::Gt(hi, top)); };
    const auto bits = [&](size_t k) { return hn::BitCast(du, hn::LoadU(d, in + k)); };
    // The unsigned max of the bit patterns of [s, e).
    const auto block_max = [&](size_t s, size_t e) {
      auto hi = hn::Zero(du);
      for (size_t k = s; k < e; k += N) hi = hn::Max(hi, bits(k));
      return hi;
    };
    // Block [s, e) vector by vector: `vec` where in range, `scalar` for the other vectors.
    const auto checked = [&](size_t s, size_t e) {
      for (size_t k = s; k < e; k += N) {
        const auto v = hn::LoadU(d, in + k);
        if (in_range(hn::BitCast(du, v))) {
          hn::StoreU(vec(d, v), d, out + k);
        } else {
          for (size_t j = k; j < k + N; ++j) out[j] = scalar(in[j]);
        }
      }
    };
    if (in != out) {
      while (n - i >= N) {
        const size_t end = block_end(i);
        auto hi = hn::Zero(du);
        for (size_t k = i; k < end; k += N) {
          const auto v = hn::LoadU(d, in + k);
          hi = hn::Max(hi, hn::BitCast(du, v));
          hn::StoreU(vec(d, v), d, out + k);
        }
        if (HWY_UNLIKELY(!in_range(hi))) checked(i, end);
        i = end;
      }
    } else if (n >= N) {
      size_t end = block_end(0);
      auto hi = block_max(0, end);
      for (;;) {
        // Block [i, end) has max `hi`; the next is [end, next_end), at most as long.
        const size_t next_end = n - end >= N ? block_end(end) : end;
        const size_t next_len = next_end - end;
        auto hi_next = hn::Zero(du);
        if (HWY_LIKELY(in_range(hi))) {
          const size_t ahead = end - i;  // from a value of this block to the next block's at the same offset
          size_t k = i;
          for (; k < i + next_len; k += N) {
            hi_next = hn::Max(hi_next, bits(k + ahead));
            hn::StoreU(vec(d, hn::LoadU(d, in + k)), d, out + k);
          }
          for (; k < end; k += N) hn::StoreU(vec(d, hn::LoadU(d, in + k)), d, out + k);
        } else {
          checked(i, end);
          hi_next = block_max(end, next_end);
        }
        i = end;
        if (next_len == 0) break;
        end = next_end;
        hi = hi_next;
      }
    }
  }
  for (; i < n; ++i) out[i] = scalar(in[i]);
}

/// The largest x that log1p_nonnegative takes: every finite value for float64; 2^126 for float32
/// (then k ≤ 126, so 2^−k is a normal float; larger values take the C library's log1pf).
template <typename T>
constexpr T log1p_vec_max() {
  return sizeof(T) == 8 ? hwy::HighestValue<T>() : static_cast<T>(0x1p126f);
}

/// log1p(x) for x in [+0, log1p_vec_max] (the `vec` of map_nonnegative). float64: Highway's Log1p (2 ULP).
/// float32: the reduction of ARM's optimized-routines AdvSIMD log1pf (MIT / Apache-2.0 with LLVM
/// exception): x + 1 = (1 + m)·2^k with m in [−1/4, 1/2), where m = x·2^−k + (2^−k − 1) is
/// formed from x itself, so the rounding of x + 1 is not carried into the result (Highway's
/// Log1p divides a second time to correct it); then log1p(m) = 2s + s³·R(s²) with
/// s = m / (2 + m) and R of degree 2 fitted to relative error for this library
/// (bench/micro/fit_log1p.py), and k·ln 2 added. Checked against float64 log1p on every float32
/// in [+0, FLT_MAX] without fused multiply-add (as on wasm; bench/micro/run-log1p-width.sh
/// --ulp): at most 1.98 ULP. In wasm SIMD about 30% faster than Highway's Log1p (one division
/// instead of two, and a shorter polynomial).
template <class D, class V>
HWY_INLINE V log1p_nonnegative(D d, V x) {
  if constexpr (sizeof(hn::TFromD<D>) == 8) {
    return hn::Log1p(d, x);
  } else {
    const hn::RebindToSigned<D> di;
    const auto u = hn::Add(x, hn::Set(d, 1.0f));
    // k·2^23 (k in the exponent field): the exponent of (x + 1)/0.75; 0 ≤ k ≤ 126.
    const auto k = hn::And(hn::Sub(hn::BitCast(di, u), hn::Set(di, 0x3f400000)), hn::Set(di, -0x800000));
    // x·2^−k and 2^−k by exponent arithmetic (2^−k normal for k ≤ 126), then + (2^−k − 1).
    const auto scale = hn::BitCast(d, hn::Sub(hn::Set(di, 0x3f800000), k));
    const auto m = hn::Add(hn::BitCast(d, hn::Sub(hn::BitCast(di, x), k)), hn::Sub(scale, hn::Set(d, 1.0f)));
    const auto s = hn::Div(m, hn::Add(m, hn::Set(d, 2.0f)));
    const auto z = hn::Mul(s, s);
    const auto r = hn::MulAdd(hn::MulAdd(z, hn::Set(d, 0x1.36e078p-2f), hn::Set(d, 0x1.992b42p-2f)), z,
                              hn::Set(d, 0x1.5555b4p-1f));
    const auto log1p_m = hn::MulAdd(hn::Mul(s, z), r, hn::Add(s, s));
    // k·ln 2 from k·2^23 converted exactly (at most 8 significant bits) times ln 2·2^−23: the
    // same rounding as k·ln 2, without the shift.
    return hn::MulAdd(hn::ConvertTo(d, k), hn::Set(d, 0x1.62e43p-24f), log1p_m);
  }
}

}  // namespace ck
