// cellkernels CUDA — per-gene Σ min(x, clip[j]) and Σ min(x, clip[j])² in float64 over a CSR
// matrix (highly_variable_genes seurat_v3), as kernels-cpp/src/clipped_sums.cc (Python's min:
// a NaN value stays NaN, a NaN clip never clips). A minor-axis reduction (reduce.cuh).
#include "abi.h"
#include "ck_cuda.h"
#include "reduce.cuh"

namespace ck {
namespace gpu {
namespace {

template <typename T>
struct ClippedOp {
  typedef double Acc;
  static constexpr int kAcc = 2;
  const T* data;
  const double* clip;
  double* sum;
  double* sum_sq;
  CK_DEVICE bool use(int64_t) const { return true; }
  CK_DEVICE void add(double* acc, int32_t stride, int32_t j, int64_t k) const {
    const double x = static_cast<double>(data[k]);
    const double cj = clip[j];
    const double e = cj < x ? cj : x;
    acc[j] += e;
    acc[stride + j] += e * e;
  }
  CK_DEVICE void finish(int32_t j, const double* s) const {
    sum[j] = s[0];
    sum_sq[j] = s[1];
  }
};

template <typename T>
int32_t clipped_sums(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows, int32_t ncols,
                     const double* clip, double* sum, double* sum_sq) {
  if (nrows < 0 || ncols < 0) {
    set_error_detail(nrows < 0 ? 3 : 4);
    return kInvalidArgument;
  }
  return reduce_minor(ClippedOp<T>{data, clip, sum, sum_sq}, indptr, indices, nrows, ncols);
}

}  // namespace
}  // namespace gpu
}  // namespace ck

CK_EXPORT int32_t ck_clipped_sums_csr_f32(const int32_t* indptr, const int32_t* indices, const float* data,
                                          int32_t nrows, int32_t ncols, const double* clip, double* sum,
                                          double* sum_sq) {
  return ck::gpu::clipped_sums(indptr, indices, data, nrows, ncols, clip, sum, sum_sq);
}
CK_EXPORT int32_t ck_clipped_sums_csr_f64(const int32_t* indptr, const int32_t* indices, const double* data,
                                          int32_t nrows, int32_t ncols, const double* clip, double* sum,
                                          double* sum_sq) {
  return ck::gpu::clipped_sums(indptr, indices, data, nrows, ncols, clip, sum, sum_sq);
}
