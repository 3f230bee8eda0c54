// cellkernels CUDA — sums along an axis in float64, as kernels-cpp/src/sum.cc.
// Along a stored slice (CSR axis 1, CSC axis 0, dense axis 1): one task per slice, the CPU's
// four-accumulator sum_span, so the bits equal the CPU kernels'. Across slices: reduce.cuh's
// chunked partials (deterministic; equal to the CPU's bits while both use one chunk).
#include "abi.h"
#include "ck_cuda.h"
#include "reduce.cuh"

namespace ck {
namespace gpu {
namespace {

template <typename T>
CK_GLOBAL void sum_major(const int32_t* indptr, const T* data, int32_t nmajor, double* out) {
  for (CK_STRIDE(r, nmajor)) out[r] = sum_span(data + indptr[r], indptr[r + 1] - indptr[r]);
}

template <typename T>
CK_GLOBAL void sum_dense_rows(const T* data, int32_t nrows, int32_t ncols, double* out) {
  for (CK_STRIDE(r, nrows)) out[r] = sum_span(data + r * ncols, ncols);
}

template <typename T>
struct SumOp {
  typedef double Acc;
  static constexpr int kAcc = 1;
  const T* data;
  double* out;
  CK_DEVICE bool use(int64_t) const { return true; }
  CK_DEVICE void add(double* acc, int32_t, int32_t j, int64_t k) const { acc[j] += static_cast<double>(data[k]); }
  CK_DEVICE void finish(int32_t j, const double* s) const { out[j] = s[0]; }
};

template <typename T>
int32_t sum_compressed(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows, int32_t ncols,
                       int32_t axis, bool csc, double* out) {
  if (nrows < 0 || ncols < 0) {
    set_error_detail(nrows < 0 ? 3 : 4);
    return kInvalidArgument;
  }
  if (axis != 0 && axis != 1) {
    set_error_detail(5);
    return kInvalidArgument;
  }
  const int32_t nmajor = csc ? ncols : nrows;
  const int32_t nminor = csc ? nrows : ncols;
  if ((axis == 1) != csc) {
    if (nmajor == 0) return kOk;
    launch(sum_major<T>, grid_for(nmajor), indptr, data, nmajor, out);
    return check_launch("sum");
  }
  return reduce_minor(SumOp<T>{data, out}, indptr, indices, nmajor, nminor);
}

template <typename T>
int32_t sum_dense(const T* data, int32_t nrows, int32_t ncols, int32_t axis, double* out) {
  if (nrows < 0 || ncols < 0) {
    set_error_detail(nrows < 0 ? 1 : 2);
    return kInvalidArgument;
  }
  if (axis == 1) {
    if (nrows == 0) return kOk;
    launch(sum_dense_rows<T>, grid_for(nrows), data, nrows, ncols, out);
    return check_launch("sum");
  }
  if (axis != 0) {
    set_error_detail(3);
    return kInvalidArgument;
  }
  return reduce_dense_columns(SumOp<T>{data, out}, nrows, ncols);
}

}  // namespace
}  // namespace gpu
}  // namespace ck

CK_EXPORT int32_t ck_sum_csr_f32(const int32_t* indptr, const int32_t* indices, const float* data, int32_t nrows,
                                 int32_t ncols, int32_t axis, double* out) {
  return ck::gpu::sum_compressed(indptr, indices, data, nrows, ncols, axis, false, out);
}
CK_EXPORT int32_t ck_sum_csr_f64(const int32_t* indptr, const int32_t* indices, const double* data, int32_t nrows,
                                 int32_t ncols, int32_t axis, double* out) {
  return ck::gpu::sum_compressed(indptr, indices, data, nrows, ncols, axis, false, out);
}
CK_EXPORT int32_t ck_sum_csc_f32(const int32_t* indptr, const int32_t* indices, const float* data, int32_t nrows,
                                 int32_t ncols, int32_t axis, double* out) {
  return ck::gpu::sum_compressed(indptr, indices, data, nrows, ncols, axis, true, out);
}
CK_EXPORT int32_t ck_sum_csc_f64(const int32_t* indptr, const int32_t* indices, const double* data, int32_t nrows,
                                 int32_t ncols, int32_t axis, double* out) {
  return ck::gpu::sum_compressed(indptr, indices, data, nrows, ncols, axis, true, out);
}
CK_EXPORT int32_t ck_sum_dense_f32(const float* data, int32_t nrows, int32_t ncols, int32_t axis, double* out) {
  return ck::gpu::sum_dense(data, nrows, ncols, axis, out);
}
CK_EXPORT int32_t ck_sum_dense_f64(const double* data, int32_t nrows, int32_t ncols, int32_t axis, double* out) {
  return ck::gpu::sum_dense(data, nrows, ncols, axis, out);
}
