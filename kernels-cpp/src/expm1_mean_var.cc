// cellkernels — per-column (per-gene) mean and ddof-1 variance of a CSR matrix, optionally of
// expm1(X): the statistics that scanpy.pp.highly_variable_genes takes from
// `_get_mean_var(np.expm1(X))` (flavor "seurat") or `_get_mean_var(X)` (cell_ranger, seurat_v3).
//
// Semantics follow scanpy's sparse minor-axis path (sparse_mean_var_minor_axis) exactly:
//   t = expm1(x) rounded to the input dtype (np.expm1 on float32 data gives float32), or x;
//   Σt and Σt² in float64, the square taken in the input dtype (float32 stays float32);
//   mean = Σt / n, var = Σt²/n − mean², times n/(n−1) when n ≠ 1 (n = nrows; 0 rows → NaN).
// expm1 is evaluated in double and rounded once (musl/fdlibm, ≤ 1 ULP), so it agrees with the
// js reference `Math.fround(Math.expm1(x))` bit for bit. A vector expm1 in float32 (Highway's,
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

/// Direct-mapped memo of expm1 keyed by the input's bits (see the header). An empty slot holds
/// the all-ones pattern, a NaN, with value NaN, so even a lookup of that NaN is right. float32
/// slots: the low mantissa bits xor the top ten (values of log1p(c·s) differ in both, and
/// integer-valued input does not pile into one slot); on nb100k this shift-xor took HVG seurat
/// from 1.62× to 1.55× the native build's time (bench/paired.mjs) where a multiplicative hash
/// cost V8 more, with the same 2.2 % of lookups missing. The float32 scatter below computes it
/// for four values in one vector (ck::for_each_stored4): 1.46× → 1.33×.
template <typename T>
class Expm1Memo {
  using Bits = typename std::conditional<sizeof(T) == 4, uint32_t, uint64_t>::type;
  static constexpr int kLog2 = 10;
  Bits key_[1 << kLog2];
  T val_[1 << kLog2];

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
    T x;
    memcpy(&x, &b, sizeof(x));
    const T v = expm1_of(x);
    key_[h] = b;
    val_[h] = v;
    return v;
  }
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
  return column_reduce<double>(
      nrows, 2 * width,  // per column: sum, sum of squares (interleaved, see merge_pairs)
      [&](int32_t r0, int32_t r1, double* HWY_RESTRICT sq) {
        const T* HWY_RESTRICT x = data;
        // Two loops rather than a test per value: with the test inside, the plain statistics
        // (cell_ranger, seurat_v3) ran about 1.7× slower than meanVar's identical loop.
        if (!ex) {
          return for_each_stored(indptr, indices, r0, r1, ncols, [&](uint32_t j, size_t k) {
            const T t = x[k];
            sq[2 * j] += static_cast<double>(t);
            sq[2 * j + 1] += static_cast<double>(t * t);
          });
        }
        Expm1Memo<T> memo;
        const auto add = [&](uint32_t j, T t) {
          sq[2 * j] += static_cast<double>(t);
          sq[2 * j + 1] += static_cast<double>(t * t);
        };
        const auto one = [&](uint32_t j, size_t k) { add(j, memo(x[k])); };
        if constexpr (sizeof(T) == 4) {
          // four at a time: the indices checked and the four slots computed in one vector each
          const hn::Full128<uint32_t> du;
          return for_each_stored4(
              indptr, indices, r0, r1, ncols,
              [&](auto j, size_t k) {
                const auto b = hn::LoadU(du, reinterpret_cast<const uint32_t*>(x + k));
                const auto h = Expm1Memo<T>::slots(du, b);
                add(hn::ExtractLane(j, 0), memo.at(hn::ExtractLane(b, 0), hn::ExtractLane(h, 0)));
                add(hn::ExtractLane(j, 1), memo.at(hn::ExtractLane(b, 1), hn::ExtractLane(h, 1)));
                add(hn::ExtractLane(j, 2), memo.at(hn::ExtractLane(b, 2), hn::ExtractLane(h, 2)));
                add(hn::ExtractLane(j, 3), memo.at(hn::ExtractLane(b, 3), hn::ExtractLane(h, 3)));
              },
              one);
        }
        return for_each_stored(indptr, indices, r0, r1, ncols, one);
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
