// cellkernels — log1p, matching scanpy.pp.log1p on the stored values of a sparse matrix
// (CSR or CSC) or every value of a dense one: out = log1p(x), then divided by log(base) when
// base > 0. numpy divides the float32 array by the float64 scalar np.log(base) in float64 and
// rounds once to float32; so do we (the divisor is not rounded to float32).
//
// Accuracy: ck::log1p_nonnegative (ck/simd.h), max error 1.98 ULP on [0, FLT_MAX] (checked on
// every float32), Highway's Log1p for float64 (2 ULP on [0, DBL_MAX]). Vectors holding
// a negative, NaN or infinite value fall back to the C library's log1p for that vector, so
// log1p(-1) = -inf and log1p(x < -1) = NaN exactly as numpy gives. Threads: fixed blocks of
// 64 Ki values; element-wise, so any thread count gives identical bits.
#include <math.h>

#include "ck/common.h"
#include "ck/parallel.h"
#include "ck/simd.h"

namespace ck {
namespace {

inline float scalar_log1p(float x) { return log1pf(x); }
inline double scalar_log1p(double x) { return log1p(x); }

/// out[i] = T(double(out[i]) / divisor): numpy's float64 division of the log1p result.
template <typename T>
void divide_f64(T* out, int32_t n, double divisor) {
  for (int32_t i = 0; i < n; ++i) out[i] = static_cast<T>(static_cast<double>(out[i]) / divisor);
}

/// Highway's Log1p on [0, max finite]; negative, NaN and infinite values take the C library.
template <typename T>
void log1p_span(const T* in, int32_t n, T* out) {
  map_nonnegative(
      in, n, out, log1p_vec_max<T>(), [](auto d, auto v) { return log1p_nonnegative(d, v); },
      [](T x) { return scalar_log1p(x); });
}

template <typename T>
int32_t log1p_values(const T* in, int32_t n, double base, T* out) {
  if (n < 0 || !(base >= 0) || base == 1.0) {
    set_error_detail(n < 0 ? 1 : 2);
    return kInvalidArgument;
  }
  const bool divide = base > 0;
  const double divisor = divide ? log(base) : 1.0;
  const int32_t kBlock = 1 << 16;
  parallel_for(num_blocks(n, kBlock), [&](int32_t b) {
    const int32_t start = b * kBlock;
    const int32_t len = n - start < kBlock ? n - start : kBlock;
    log1p_span(in + start, len, out + start);
    if (divide) divide_f64(out + start, len, divisor);
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

/// log1p of the `nnz` stored values of a CSC matrix (same as the CSR call: values only).
CK_EXPORT int32_t ck_log1p_csc_f32(const float* data, int32_t nnz, double base, float* out) {
  return ck::log1p_values(data, nnz, base, out);
}

/// float64 version of ck_log1p_csc_f32.
CK_EXPORT int32_t ck_log1p_csc_f64(const double* data, int32_t nnz, double base, double* out) {
  return ck::log1p_values(data, nnz, base, out);
}

/// log1p of every value of a dense matrix (`n` = rows · cols values).
CK_EXPORT int32_t ck_log1p_dense_f32(const float* data, int32_t n, double base, float* out) {
  return ck::log1p_values(data, n, base, out);
}

/// float64 version of ck_log1p_dense_f32.
CK_EXPORT int32_t ck_log1p_dense_f64(const double* data, int32_t n, double base, double* out) {
  return ck::log1p_values(data, n, base, out);
}
