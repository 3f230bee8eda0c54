// cellkernels CUDA — non-zero counts along an axis (x != 0, or x > 0 with `positive`), as
// kernels-cpp/src/nnz_count.cc. Exact int32 counts: one task per slice along a slice, chunked
// int32 partials across slices (integer sums: any order gives the same result).
#include "abi.h"
#include "ck_cuda.h"
#include "reduce.cuh"

namespace ck {
namespace gpu {
namespace {

template <typename T>
CK_DEVICE bool counts(T v, int32_t positive) {
  return positive ? v > T(0) : v != T(0);
}

template <typename T>
CK_DEVICE int32_t count_span(const T* v, int64_t n, int32_t positive) {
  int32_t c = 0;
  for (int64_t i = 0; i < n; ++i) c += counts(v[i], positive) ? 1 : 0;
  return c;
}

template <typename T>
CK_GLOBAL void count_major(const int32_t* indptr, const T* data, int32_t nmajor, int32_t positive, int32_t* out) {
  for (CK_STRIDE(r, nmajor)) out[r] = count_span(data + indptr[r], indptr[r + 1] - indptr[r], positive);
}

template <typename T>
CK_GLOBAL void count_dense_rows(const T* data, int32_t nrows, int32_t ncols, int32_t positive, int32_t* out) {
  for (CK_STRIDE(r, nrows)) out[r] = count_span(data + r * ncols, ncols, positive);
}

template <typename T>
struct CountOp {
  typedef int32_t Acc;
  static constexpr int kAcc = 1;
  const T* data;
  int32_t positive;
  int32_t* out;
  CK_DEVICE bool use(int64_t) const { return true; }
  CK_DEVICE void add(int32_t* acc, int32_t, int32_t j, int64_t k) const { acc[j] += counts(data[k], positive) ? 1 : 0; }
  CK_DEVICE void finish(int32_t j, const int32_t* s) const { out[j] = s[0]; }
};

template <typename T>
int32_t count_compressed(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows, int32_t ncols,
                         int32_t axis, int32_t positive, bool csc, int32_t* out) {
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
  const int32_t pos = positive != 0 ? 1 : 0;
  if ((axis == 1) != csc) {
    if (nmajor == 0) return kOk;
    launch(count_major<T>, grid_for(nmajor), indptr, data, nmajor, pos, out);
    return check_launch("nnz_count");
  }
  return reduce_minor(CountOp<T>{data, pos, out}, indptr, indices, nmajor, nminor);
}

template <typename T>
int32_t count_dense(const T* data, int32_t nrows, int32_t ncols, int32_t axis, int32_t positive, int32_t* out) {
  if (nrows < 0 || ncols < 0) {
    set_error_detail(nrows < 0 ? 1 : 2);
    return kInvalidArgument;
  }
  const int32_t pos = positive != 0 ? 1 : 0;
  if (axis == 1) {
    if (nrows == 0) return kOk;
    launch(count_dense_rows<T>, grid_for(nrows), data, nrows, ncols, pos, out);
    return check_launch("nnz_count");
  }
  if (axis != 0) {
    set_error_detail(3);
    return kInvalidArgument;
  }
  return reduce_dense_columns(CountOp<T>{data, pos, out}, nrows, ncols);
}

}  // namespace
}  // namespace gpu
}  // namespace ck

#define CK_NNZ(T, S)                                                                                                \
  CK_EXPORT int32_t ck_nnz_count_csr_##S(const int32_t* indptr, const int32_t* indices, const T* data,              \
                                         int32_t nrows, int32_t ncols, int32_t axis, int32_t positive,              \
                                         int32_t* out) {                                                            \
    return ck::gpu::count_compressed(indptr, indices, data, nrows, ncols, axis, positive, false, out);              \
  }                                                                                                                 \
  CK_EXPORT int32_t ck_nnz_count_csc_##S(const int32_t* indptr, const int32_t* indices, const T* data,              \
                                         int32_t nrows, int32_t ncols, int32_t axis, int32_t positive,              \
                                         int32_t* out) {                                                            \
    return ck::gpu::count_compressed(indptr, indices, data, nrows, ncols, axis, positive, true, out);               \
  }                                                                                                                 \
  CK_EXPORT int32_t ck_nnz_count_dense_##S(const T* data, int32_t nrows, int32_t ncols, int32_t axis,               \
                                           int32_t positive, int32_t* out) {                                        \
    return ck::gpu::count_dense(data, nrows, ncols, axis, positive, out);                                           \
  }
CK_NNZ(float, f32)
CK_NNZ(double, f64)
