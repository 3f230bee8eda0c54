// cellkernels CUDA — per-gene mean and ddof-1 variance of a CSR matrix, of expm1(X) or X (the
// statistics of highly_variable_genes), as kernels-cpp/src/expm1_mean_var.cc: t = expm1(x)
// rounded to the input dtype, Σt and Σt² (square in the dtype) in float64. A minor-axis
// reduction (reduce.cuh). expm1: CUDA's (max 1 ULP; glibc's in the emulation), in double.
#include <math.h>

#include "abi.h"
#include "ck_cuda.h"
#include "reduce.cuh"

namespace ck {
namespace gpu {
namespace {

CK_DEVICE float expm1_of(float v) { return static_cast<float>(expm1(static_cast<double>(v))); }
CK_DEVICE double expm1_of(double v) { return expm1(v); }

template <typename T>
struct Expm1MeanVarOp {
  typedef double Acc;
  static constexpr int kAcc = 2;
  const T* data;
  int32_t apply;
  int32_t n;
  double* mean;
  double* var;
  CK_DEVICE bool use(int64_t) const { return true; }
  CK_DEVICE void add(double* acc, int32_t stride, int32_t j, int64_t k) const {
    const T t = apply ? expm1_of(data[k]) : data[k];
    const T t2 = t * t;
    acc[j] += static_cast<double>(t);
    acc[stride + j] += static_cast<double>(t2);
  }
  CK_DEVICE void finish(int32_t j, const double* s) const { mean_var_finish(s[0], s[1], n, 1, mean + j, var + j); }
};

template <typename T>
int32_t expm1_mean_var(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows, int32_t ncols,
                       int32_t apply_expm1, double* mean, double* var) {
  if (nrows < 0 || ncols < 0 || (apply_expm1 != 0 && apply_expm1 != 1)) {
    set_error_detail(nrows < 0 ? 3 : ncols < 0 ? 4 : 5);
    return kInvalidArgument;
  }
  return reduce_minor(Expm1MeanVarOp<T>{data, apply_expm1, nrows, mean, var}, indptr, indices, nrows, ncols);
}

}  // namespace
}  // namespace gpu
}  // namespace ck

CK_EXPORT int32_t ck_expm1_mean_var_csr_f32(const int32_t* indptr, const int32_t* indices, const float* data,
                                            int32_t nrows, int32_t ncols, int32_t apply_expm1, double* mean,
                                            double* var) {
  return ck::gpu::expm1_mean_var(indptr, indices, data, nrows, ncols, apply_expm1, mean, var);
}
CK_EXPORT int32_t ck_expm1_mean_var_csr_f64(const int32_t* indptr, const int32_t* indices, const double* data,
                                            int32_t nrows, int32_t ncols, int32_t apply_expm1, double* mean,
                                            double* var) {
  return ck::gpu::expm1_mean_var(indptr, indices, data, nrows, ncols, apply_expm1, mean, var);
}
