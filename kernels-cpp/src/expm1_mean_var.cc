// cellkernels — per-column (per-gene) mean and ddof-1 variance of a CSR matrix, optionally of
// expm1(X): the statistics that scanpy.pp.highly_variable_genes takes from
// `_get_mean_var(np.expm1(X))` (flavor "seurat") or `_get_mean_var(X)` (cell_ranger, seurat_v3).
//
// Semantics follow scanpy's sparse minor-axis path (sparse_mean_var_minor_axis) exactly:
//   t = expm1(x) rounded to the input dtype (np.expm1 on float32 data gives float32), or x;
//   Σt and Σt² in float64, the square taken in the input dtype (float32 stays float32);
//   mean = Σt / n, var = Σt²/n − mean², times n/(n−1) when n ≠ 1 (n = nrows; 0 rows → NaN).
// expm1 is evaluated in double and rounded once, so it agrees with the js reference
// `Math.fround(Math.expm1(x))` bit for bit: float32 input in [+0, 88] by expm1_float below (equal
// to the C library's on every such float, checked exhaustively), anything else and float64 input
// by the C library's expm1 (musl/fdlibm, ≤ 1 ULP). A vector expm1 in float32 (Highway's,
// 4 ULP) would be faster but changes the rounding noise that var = Σt²/n − mean² keeps for
// nearly constant genes (one row: NaN against a finite dispersion); Highway 1.0's wasm target
// has no float64 vectors. Instead each chunk keeps a small direct-mapped memo of expm1 by input
// bits: log-normalised counts repeat within a cell (every count c gives log1p(c·s)), so most
// values hit it (measured in the closing note of issue 4) and the result stays exact.
//
// Threads: rows are cut into ck::reduction_chunks(nrows) chunks (depending on nrows only); each
// chunk sums into its own partial arrays, merged in chunk order, so 1, 2 or N threads give
// identical bits. A column index outside [0, ncols) fails with kIndexOutOfRange (detail: row).
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <type_traits>

#include "ck/common.h"
#include "ck/reduce.h"
#include "ck/simd.h"
#include "hwy/base.h"

namespace ck {
namespace {

inline float expm1_of(float v) { return static_cast<float>(::expm1(static_cast<double>(v))); }
inline double expm1_of(double v) { return ::expm1(v); }

/// 2^(j/32) for j = 0 … 31 as hi + lo (hi the nearest double, lo the nearest double to the rest).
struct Exp2Part {
  double hi, lo;
};
constexpr Exp2Part kExp2Parts[32] = {
    {0x1.0000000000000p+0, 0x0.0p+0},
    {0x1.059b0d3158574p+0, 0x1.d73e2a475b465p-55},
    {0x1.0b5586cf9890fp+0, 0x1.8a62e4adc610bp-54},
    {0x1.11301d0125b51p+0, -0x1.6c51039449b3ap-54},
    {0x1.172b83c7d517bp+0, -0x1.19041b9d78a76p-55},
    {0x1.1d4873168b9aap+0, 0x1.e016e00a2643cp-54},
    {0x1.2387a6e756238p+0, 0x1.9b07eb6c70573p-54},
    {0x1.29e9df51fdee1p+0, 0x1.612e8afad1255p-55},
    {0x1.306fe0a31b715p+0, 0x1.6f46ad23182e4p-55},
    {0x1.371a7373aa9cbp+0, -0x1.63aeabf42eae2p-54},
    {0x1.3dea64c123422p+0, 0x1.ada0911f09ebcp-55},
    {0x1.44e086061892dp+0, 0x1.89b7a04ef80d0p-59},
    {0x1.4bfdad5362a27p+0, 0x1.d4397afec42e2p-56},
    {0x1.5342b569d4f82p+0, -0x1.07abe1db13cadp-55},
    {0x1.5ab07dd485429p+0, 0x1.6324c054647adp-54},
    {0x1.6247eb03a5585p+0, -0x1.383c17e40b497p-54},
    {0x1.6a09e667f3bcdp+0, -0x1.bdd3413b26456p-54},
    {0x1.71f75e8ec5f74p+0, -0x1.16e4786887a99p-55},
    {0x1.7a11473eb0187p+0, -0x1.41577ee04992fp-55},
    {0x1.82589994cce13p+0, -0x1.d4c1dd41532d8p-54},
    {0x1.8ace5422aa0dbp+0, 0x1.6e9f156864b27p-54},
    {0x1.93737b0cdc5e5p+0, -0x1.75fc781b57ebcp-57},
    {0x1.9c49182a3f090p+0, 0x1.c7c46b071f2bep-56},
    {0x1.a5503b23e255dp+0, -0x1.d2f6edb8d41e1p-54},
    {0x1.ae89f995ad3adp+0, 0x1.7a1cd345dcc81p-54},
    {0x1.b7f76f2fb5e47p+0, -0x1.5584f7e54ac3bp-56},
    {0x1.c199bdd85529cp+0, 0x1.11065895048ddp-55},
    {0x1.cb720dcef9069p+0, 0x1.503cbd1e949dbp-56},
    {0x1.d5818dcfba487p+0, 0x1.2ed02d75b3707p-55},
    {0x1.dfc97337b9b5fp+0, -0x1.1a5cd4f184b5cp-54},
    {0x1.ea4afa2a490dap+0, -0x1.e9c23179c2893p-54},
    {0x1.f50765b6e4540p+0, 0x1.9d3e12dd8a18bp-54},
};

/// expm1(x) rounded to float32 for x whose bits are b, when x is in [+0, 88] (b ≤ 0x42b00000);
/// for any other x it sets `outside`, and the value is not to be used. No call and no branch: a
/// call anywhere in the scatter loop made V8 slow down the whole loop (a harness of this loop,
/// paired in one process: this in place of the C library's expm1 took 0.76× the time in wasm,
/// 0.92× natively).
///
/// x = (32m + j)·ln2/32 + r with |r| ≤ ln2/64 (Cody–Waite: ln2/32 split so that k·hi is exact),
/// e^r − 1 by its Taylor polynomial to r^7 (truncation < 2^-60 relative), and expm1(x) =
/// (2^m·T_j − 1) + 2^m·(lo_j + T_j·p), T_j = 2^(j/32) = hi_j + lo_j, whose first difference is
/// exact: about 2^-52 relative error in double, so the float rounding can differ from the C
/// library's only for values within a few double ULPs of a midpoint between two floats. There
/// are none: on every one of the 1,118,830,593 floats in [+0, 88] the result equals glibc's,
/// musl's and V8's expm1 rounded to float (scripts/check-expm1-float.sh checks the first two;
/// the closing note of issue 4 the third).
inline float expm1_float(uint32_t b, bool& outside) {
  float xf;
  memcpy(&xf, &b, sizeof(xf));
  outside = b > 0x42b00000u;
  const double x = outside ? 0.0 : xf;  // outside the range: any value, but no overflow below
  const double shift = 0x1.8p52;  // adding and subtracting it rounds to an integer
  const double k = (x * 0x1.71547652b82fep+5 + shift) - shift;
  const int32_t n = static_cast<int32_t>(k);
  const double r = (x - k * 0x1.62e42fefa2000p-6) - k * 0x1.9ef35793c7673p-46;
  const double p =
      r + r * r * (0.5 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 + r * (1.0 / 720 + r * (1.0 / 5040))))));
  const Exp2Part& t = kExp2Parts[n & 31];
  const uint64_t scale_bits = static_cast<uint64_t>((n >> 5) + 1023) << 52;  // 2^m
  double scale;
  memcpy(&scale, &scale_bits, sizeof(scale));
  const double hi = t.hi * scale;
  const double y = (hi - 1.0) + (t.lo * scale + hi * p);
  return static_cast<float>(y);
}

/// Direct-mapped memo of expm1 keyed by the input's bits (see the header). An empty slot holds
/// the all-ones pattern, a NaN, with value NaN, so even a lookup of that NaN is right. float32
/// slots: the low mantissa bits xor the top ten (values of log1p(c·s) differ in both, and
/// integer-valued input does not pile into one slot); on nb100k this shift-xor took HVG seurat
/// from 1.62× to 1.55× the native build's time (bench/paired.mjs) where a multiplicative hash
/// cost V8 more, with the same 2.2 % of lookups missing. The float32 scatter below computes it
/// for four values in one vector (ck::for_each_stored4): 1.46× → 1.33×. A miss computes expm1
/// with expm1_float when kFast (float32 only; outside() then tells whether any value was out of
/// its range), else with the C library.
template <typename T, bool kFast>
class Expm1Memo {
  using Bits = typename std::conditional<sizeof(T) == 4, uint32_t, uint64_t>::type;
  static constexpr int kLog2 = 10;
  Bits key_[1 << kLog2];
  T val_[1 << kLog2];
  bool outside_ = false;

 public:
  Expm1Memo() {
    memset(key_, 0xff, sizeof(key_));
    for (T& v : val_) v = static_cast<T>(NAN);
  }
  /// The slot of a value's bits.
  static uint32_t slot(Bits b) {
    return sizeof(T) == 4 ? static_cast<uint32_t>((b ^ (b >> 13)) & ((1u << kLog2) - 1))
                          : static_cast<uint32_t>((static_cast<uint64_t>(b) * 0x9E3779B97F4A7C15ull) >> (64 - kLog2));
  }
  /// slot() of every lane of a vector of float32 bits.
  template <class DU, class VU>
  static VU slots(DU du, VU b) {
    return hn::And(hn::Xor(b, hn::ShiftRight<13>(b)), hn::Set(du, (1u << kLog2) - 1));
  }
  /// expm1 of the value whose bits are b, h = slot(b).
  T at(Bits b, uint32_t h) {
    if (HWY_LIKELY(key_[h] == b)) return val_[h];
    T v;
    if constexpr (kFast) {
      bool outside;
      v = expm1_float(b, outside);
      outside_ |= outside;
    } else {
      T x;
      memcpy(&x, &b, sizeof(x));
      v = expm1_of(x);
    }
    key_[h] = b;
    val_[h] = v;
    return v;
  }
  /// Whether a value was outside expm1_float's range (kFast): the values are then wrong.
  bool outside() const { return outside_; }
  T operator()(T x) {
    Bits b;
    memcpy(&b, &x, sizeof(b));
    return at(b, slot(b));
  }
};

template <typename T>
int32_t expm1_mean_var(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows,
                       int32_t ncols, int32_t apply_expm1, double* mean, double* var) {
  if (nrows < 0 || ncols < 0 || (apply_expm1 != 0 && apply_expm1 != 1)) {
    set_error_detail(nrows < 0 ? 3 : ncols < 0 ? 4 : 5);
    return kInvalidArgument;
  }
  const size_t width = static_cast<size_t>(ncols);
  const bool ex = apply_expm1 != 0;
  const size_t per_chunk = 2 * width;  // per column: sum, sum of squares (interleaved, see merge_pairs)
  return column_reduce<double>(
      nrows, per_chunk,
      [&](int32_t r0, int32_t r1, double* HWY_RESTRICT sq) {
        const T* HWY_RESTRICT x = data;
        const auto add = [&](uint32_t j, T t) {
          sq[2 * j] += static_cast<double>(t);
          sq[2 * j + 1] += static_cast<double>(t * t);
        };
        // Two loops rather than a test per value: with the test inside, the plain statistics
        // (cell_ranger, seurat_v3) ran about 1.7× slower than meanVar's identical loop.
        if (!ex) return scatter_sums_squares(indptr, indices, x, r0, r1, ncols, sq);
        // rows [ra, rb) of the chunk
        const auto scatter = [&](auto& memo, int32_t ra, int32_t rb) -> int32_t {
          using Memo = std::remove_reference_t<decltype(memo)>;
          const auto one = [&](uint32_t j, size_t k) { add(j, memo(x[k])); };
          if constexpr (sizeof(T) == 4) {
            // four at a time: the indices checked and the four slots computed in one vector each;
            // in wasm the four results are added as (value, square) pairs (ck::add_sums_squares4:
            // 0.88–0.93 of the loop's time, run-ab.sh expm1_mean_var; the same bits)
            const hn::Full128<uint32_t> du;
            return for_each_stored4(
                indptr, indices, ra, rb, ncols,
                [&](auto j, size_t k) {
                  const auto b = hn::LoadU(du, reinterpret_cast<const uint32_t*>(x + k));
                  const auto h = Memo::slots(du, b);
                  const T t0 = memo.at(hn::ExtractLane(b, 0), hn::ExtractLane(h, 0));
                  const T t1 = memo.at(hn::ExtractLane(b, 1), hn::ExtractLane(h, 1));
                  const T t2 = memo.at(hn::ExtractLane(b, 2), hn::ExtractLane(h, 2));
                  const T t3 = memo.at(hn::ExtractLane(b, 3), hn::ExtractLane(h, 3));
#if defined(__wasm_simd128__)
                  add_sums_squares4(sq, j, wasm_f32x4_make(t0, t1, t2, t3));
#else
                  add(hn::ExtractLane(j, 0), t0);
                  add(hn::ExtractLane(j, 1), t1);
                  add(hn::ExtractLane(j, 2), t2);
                  add(hn::ExtractLane(j, 3), t3);
#endif
                },
                one);
          }
          return for_each_stored(indptr, indices, ra, rb, ncols, one);
        };
        if constexpr (sizeof(T) == 4) {
          Expm1Memo<T, true> fast;
          // 64 rows at a time, so that a value outside expm1_float's range ends this pass early
          constexpr int32_t kRows = 64;
          for (int32_t ra = r0; ra < r1 && !fast.outside();) {
            const int32_t rb = r1 - ra < kRows ? r1 : ra + kRows;
            const int32_t bad = scatter(fast, ra, rb);
            if (bad >= 0) return bad;
            ra = rb;
          }
          if (!fast.outside()) return -1;
          // a value outside expm1_float's range (negative, NaN, inf, > 88): the chunk again with
          // the C library's expm1
          memset(sq, 0, per_chunk * sizeof(double));
        }
        Expm1Memo<T, false> exact;
        return scatter(exact, r0, r1);
      },
      [&](const Partials<double>& p) {
        const double n = static_cast<double>(nrows);
        merge_pairs(p, width, [&](size_t j, double s, double q) {
          const double m = s / n;
          double v = q / n - m * m;
          if (nrows != 1) v *= n / (n - 1);
          mean[j] = m;
          var[j] = v;
        });
      });
}

}  // namespace
}  // namespace ck

/// Per-column mean and ddof-1 variance (float64 `mean`, `var`, length ncols) of a CSR float32
/// matrix (nrows × ncols), of expm1(X) when `apply_expm1` is 1, of X when 0 — scanpy's
/// `_get_mean_var(np.expm1(X))` for highly_variable_genes(flavor="seurat").
CK_EXPORT int32_t ck_expm1_mean_var_csr_f32(const int32_t* indptr, const int32_t* indices, const float* data,
                                            int32_t nrows, int32_t ncols, int32_t apply_expm1, double* mean,
                                            double* var) {
  return ck::expm1_mean_var(indptr, indices, data, nrows, ncols, apply_expm1, mean, var);
}

/// float64 version of ck_expm1_mean_var_csr_f32.
CK_EXPORT int32_t ck_expm1_mean_var_csr_f64(const int32_t* indptr, const int32_t* indices, const double* data,
                                            int32_t nrows, int32_t ncols, int32_t apply_expm1, double* mean,
                                            double* var) {
  return ck::expm1_mean_var(indptr, indices, data, nrows, ncols, apply_expm1, mean, var);
}
