// cellkernels — log1p, matching scanpy.pp.log1p on the stored values of a sparse matrix
// (or every value of a dense one): out = log1p(x), then divided by log(base) when base > 0.
//
// Accuracy: Highway's Log1p, max error 2 ULP on [0, FLT_MAX] / [0, DBL_MAX]. Vectors holding
// a negative, NaN or infinite value fall back to the C library's log1p for that vector, so
// log1p(-1) = -inf and log1p(x < -1) = NaN exactly as numpy gives. Threads: fixed blocks of
// 64 Ki values; element-wise, so any thread count gives identical bits.
#include <math.h>

#include "ck/common.h"
#include "ck/parallel.h"
#include "ck/simd.h"
#include "hwy/contrib/math/math-inl.h"

namespace ck {
namespace {

inline float scalar_log1p(float x) { return log1pf(x); }
inline double scalar_log1p(double x) { return log1p(x); }

template <typename T>
void log1p_scalar(const T* HWY_RESTRICT in, int32_t n, T divisor, bool divide, T* out) {
  for (int32_t i = 0; i < n; ++i) {
    const T r = scalar_log1p(in[i]);
    out[i] = divide ? r / divisor : r;
  }
}

template <typename T>
void log1p_span(const T* HWY_RESTRICT in, int32_t n, T divisor, bool divide, T* out) {
#if !HWY_HAVE_FLOAT64
  // Highway 1.0's wasm target has no float64 vectors: doubles take the C library path.
  if constexpr (sizeof(T) == 8) {
    log1p_scalar(in, n, divisor, divide, out);
    return;
  } else
#endif
  {
  const hn::ScalableTag<T> d;
  const int32_t N = static_cast<int32_t>(hn::Lanes(d));
  const auto zero = hn::Zero(d);
  const auto inf = hn::Set(d, static_cast<T>(INFINITY));
  const auto vdiv = hn::Set(d, divisor);
  int32_t i = 0;
  for (; i + N <= n; i += N) {
    const auto v = hn::LoadU(d, in + i);
    // Lanes outside Highway's valid range: x < 0, NaN (v != v) or +inf.
    const auto bad = hn::Or(hn::Or(hn::Lt(v, zero), hn::Ne(v, v)), hn::Eq(v, inf));
    if (HWY_UNLIKELY(!hn::AllFalse(d, bad))) {
      log1p_scalar(in + i, N, divisor, divide, out + i);
      continue;
    }
    auto r = hn::Log1p(d, v);
    if (divide) r = hn::Div(r, vdiv);
    hn::StoreU(r, d, out + i);
  }
  log1p_scalar(in + i, n - i, divisor, divide, out + i);
  }
}

template <typename T>
int32_t log1p_values(const T* in, int32_t n, double base, T* out) {
  if (n < 0 || !(base >= 0) || base == 1.0) {
    set_error_detail(n < 0 ? 1 : 2);
    return kInvalidArgument;
  }
  const bool divide = base > 0;
  // numpy divides the float32 array by the float64 scalar log(base) in float32.
  const T divisor = divide ? static_cast<T>(log(base)) : T(1);
  const int32_t kBlock = 1 << 16;
  parallel_for(num_blocks(n, kBlock), [&](int32_t b) {
    const int32_t start = b * kBlock;
    const int32_t len = n - start < kBlock ? n - start : kBlock;
    log1p_span(in + start, len, divisor, divide, out + start);
  });
  return kOk;
}

}  // namespace
}  // namespace ck

/// log1p of `nnz` stored values of a CSR matrix (the structure is unchanged, so only the
/// values are passed). `out` may equal `data`. `base` 0 means natural log; otherwise > 0, != 1.
CK_EXPORT int32_t ck_log1p_csr_f32(const float* data, int32_t nnz, double base, float* out) {
  return ck::log1p_values(data, nnz, base, out);
}

/// float64 version of ck_log1p_csr_f32.
CK_EXPORT int32_t ck_log1p_csr_f64(const double* data, int32_t nnz, double base, double* out) {
  return ck::log1p_values(data, nnz, base, out);
}
