// cellkernels CUDA — mean and variance along an axis (fast_array_utils.stats.mean_var), as
// kernels-cpp/src/mean_var.cc: float64 sums; along a stored slice each value is cast to float64
// and then squared, across slices and for dense input the square is taken in the input dtype.
// Along a slice: one task per slice, the CPU's bits. Across slices: reduce.cuh's partials.
#include "abi.h"
#include "ck_cuda.h"
#include "reduce.cuh"

namespace ck {
namespace gpu {
namespace {

template <typename T>
CK_GLOBAL void mv_major(const int32_t* indptr, const T* data, int32_t nmajor, int32_t nminor, int32_t ddof,
                        double* mean, double* var) {
  for (CK_STRIDE(r, nmajor)) {
    double s = 0, q = 0;
    for (int32_t k = indptr[r]; k < indptr[r + 1]; ++k) {
      const double v = static_cast<double>(data[k]);
      s += v;
      q += v * v;
    }
    mean_var_finish(s, q, nminor, ddof, mean + r, var + r);
  }
}

template <typename T>
CK_GLOBAL void mv_dense_rows(const T* data, int32_t nrows, int32_t ncols, int32_t ddof, double* mean, double* var) {
  for (CK_STRIDE(r, nrows)) {
    const T* row = data + r * ncols;
    double s = 0, q = 0;
    for (int32_t j = 0; j < ncols; ++j) {
      const T v = row[j];
      const T v2 = v * v;
      s += static_cast<double>(v);
      q += static_cast<double>(v2);
    }
    mean_var_finish(s, q, ncols, ddof, mean + r, var + r);
  }
}

/// Across slices (and dense columns): squares in the input dtype.
template <typename T>
struct MeanVarOp {
  typedef double Acc;
  static constexpr int kAcc = 2;
  const T* data;
  int32_t n;
  int32_t ddof;
  double* mean;
  double* var;
  CK_DEVICE bool use(int64_t) const { return true; }
  CK_DEVICE void add(double* acc, int32_t stride, int32_t j, int64_t k) const {
    const T v = data[k];
    const T v2 = v * v;
    acc[j] += static_cast<double>(v);
    acc[stride + j] += static_cast<double>(v2);
  }
  CK_DEVICE void finish(int32_t j, const double* s) const { mean_var_finish(s[0], s[1], n, ddof, mean + j, var + j); }
};

template <typename T>
int32_t mv_compressed(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows, int32_t ncols,
                      int32_t axis, int32_t ddof, bool csc, double* mean, double* var) {
  if (nrows < 0 || ncols < 0) {
    set_error_detail(nrows < 0 ? 3 : 4);
    return kInvalidArgument;
  }
  if (axis != 0 && axis != 1) {
    set_error_detail(5);
    return kInvalidArgument;
  }
  if (ddof != 0 && ddof != 1) {
    set_error_detail(6);
    return kInvalidArgument;
  }
  const int32_t nmajor = csc ? ncols : nrows;
  const int32_t nminor = csc ? nrows : ncols;
  if ((axis == 1) != csc) {
    if (nmajor == 0) return kOk;
    launch(mv_major<T>, grid_for(nmajor), indptr, data, nmajor, nminor, ddof, mean, var);
    return check_launch("mean_var");
  }
  return reduce_minor(MeanVarOp<T>{data, nmajor, ddof, mean, var}, indptr, indices, nmajor, nminor);
}

template <typename T>
int32_t mv_dense(const T* data, int32_t nrows, int32_t ncols, int32_t axis, int32_t ddof, double* mean, double* var) {
  if (nrows < 0 || ncols < 0) {
    set_error_detail(nrows < 0 ? 1 : 2);
    return kInvalidArgument;
  }
  if (ddof != 0 && ddof != 1) {
    set_error_detail(4);
    return kInvalidArgument;
  }
  if (axis == 1) {
    if (nrows == 0) return kOk;
    launch(mv_dense_rows<T>, grid_for(nrows), data, nrows, ncols, ddof, mean, var);
    return check_launch("mean_var");
  }
  if (axis != 0) {
    set_error_detail(3);
    return kInvalidArgument;
  }
  return reduce_dense_columns(MeanVarOp<T>{data, nrows, ddof, mean, var}, nrows, ncols);
}

}  // namespace
}  // namespace gpu
}  // namespace ck

#define CK_MV(T, S)                                                                                                 \
  CK_EXPORT int32_t ck_mean_var_csr_##S(const int32_t* indptr, const int32_t* indices, const T* data,               \
                                        int32_t nrows, int32_t ncols, int32_t axis, int32_t ddof, double* mean,     \
                                        double* var) {                                                              \
    return ck::gpu::mv_compressed(indptr, indices, data, nrows, ncols, axis, ddof, false, mean, var);               \
  }                                                                                                                 \
  CK_EXPORT int32_t ck_mean_var_csc_##S(const int32_t* indptr, const int32_t* indices, const T* data,               \
                                        int32_t nrows, int32_t ncols, int32_t axis, int32_t ddof, double* mean,     \
                                        double* var) {                                                              \
    return ck::gpu::mv_compressed(indptr, indices, data, nrows, ncols, axis, ddof, true, mean, var);                \
  }                                                                                                                 \
  CK_EXPORT int32_t ck_mean_var_dense_##S(const T* data, int32_t nrows, int32_t ncols, int32_t axis, int32_t ddof,  \
                                          double* mean, double* var) {                                              \
    return ck::gpu::mv_dense(data, nrows, ncols, axis, ddof, mean, var);                                            \
  }
CK_MV(float, f32)
CK_MV(double, f64)
