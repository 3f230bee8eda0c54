// cellkernels CUDA — log1p (scanpy.pp.log1p), as kernels-cpp/src/log1p.cc: out = log1p(x),
// then T(double(out) / log(base)) when base > 0 (numpy divides in float64 and rounds once).
// Element-wise, one value per task. Accuracy: CUDA's log1pf / log1p (max 1 ULP; glibc's in the
// emulation), log1p(-1) = -inf, x < -1 and NaN give NaN.
#include <math.h>

#include "abi.h"
#include "ck_cuda.h"

namespace ck {
namespace gpu {
namespace {

CK_DEVICE float log1p_of(float x) { return log1pf(x); }
CK_DEVICE double log1p_of(double x) { return log1p(x); }

template <typename T>
CK_GLOBAL void log1p_kernel(const T* in, int32_t n, int32_t divide, double divisor, T* out) {
  for (CK_STRIDE(i, n)) {
    T v = log1p_of(in[i]);
    if (divide) v = static_cast<T>(static_cast<double>(v) / divisor);
    out[i] = v;
  }
}

template <typename T>
int32_t log1p_values(const T* in, int32_t n, double base, T* out) {
  if (n < 0 || !(base >= 0) || base == 1.0) {
    set_error_detail(n < 0 ? 1 : 2);
    return kInvalidArgument;
  }
  if (n == 0) return kOk;
  const bool divide = base > 0;
  launch(log1p_kernel<T>, grid_for(n), in, n, divide ? 1 : 0, divide ? log(base) : 1.0, out);
  return check_launch("log1p");
}

}  // namespace
}  // namespace gpu
}  // namespace ck

CK_EXPORT int32_t ck_log1p_csr_f32(const float* data, int32_t nnz, double base, float* out) {
  return ck::gpu::log1p_values(data, nnz, base, out);
}
CK_EXPORT int32_t ck_log1p_csr_f64(const double* data, int32_t nnz, double base, double* out) {
  return ck::gpu::log1p_values(data, nnz, base, out);
}
CK_EXPORT int32_t ck_log1p_csc_f32(const float* data, int32_t nnz, double base, float* out) {
  return ck::gpu::log1p_values(data, nnz, base, out);
}
CK_EXPORT int32_t ck_log1p_csc_f64(const double* data, int32_t nnz, double base, double* out) {
  return ck::gpu::log1p_values(data, nnz, base, out);
}
CK_EXPORT int32_t ck_log1p_dense_f32(const float* data, int32_t n, double base, float* out) {
  return ck::gpu::log1p_values(data, n, base, out);
}
CK_EXPORT int32_t ck_log1p_dense_f64(const double* data, int32_t n, double base, double* out) {
  return ck::gpu::log1p_values(data, n, base, out);
}
