// cellkernels — sums of a CSR matrix along an axis, accumulated in float64 whatever the
// input dtype (numpy's `X.sum(axis)` with dtype float64).
//
// axis 1 (per row, length nrows): each row is summed by one thread, four partial sums merged
// in a fixed order. axis 0 (per column, length ncols): rows are cut into a fixed number of
// chunks (ck::reduction_chunks, depending on nrows only), each chunk sums into its own
// partial array, and the partials are added in chunk order — identical bits for any thread
// count. Column indices are checked; an index outside [0, ncols) fails with
// kIndexOutOfRange and the row in ck_error_detail, and `out` is then unspecified.
#include <stdlib.h>
#include <string.h>

#include "ck/common.h"
#include "ck/parallel.h"
#include "hwy/base.h"

namespace ck {
namespace {

template <typename T>
inline double sum_span(const T* v, int32_t n) {
  double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    a0 += static_cast<double>(v[i]);
    a1 += static_cast<double>(v[i + 1]);
    a2 += static_cast<double>(v[i + 2]);
    a3 += static_cast<double>(v[i + 3]);
  }
  for (; i < n; ++i) a0 += static_cast<double>(v[i]);
  return (a0 + a1) + (a2 + a3);
}

template <typename T>
int32_t sum_rows(const int32_t* indptr, const T* data, int32_t nrows, double* out) {
  const int32_t kBlock = 4096;
  parallel_for(num_blocks(nrows, kBlock), [&](int32_t b) {
    const int32_t end = (b + 1) * kBlock < nrows ? (b + 1) * kBlock : nrows;
    for (int32_t r = b * kBlock; r < end; ++r)
      out[r] = sum_span(data + indptr[r], indptr[r + 1] - indptr[r]);
  });
  return kOk;
}

template <typename T>
int32_t sum_cols(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows,
                 int32_t ncols, double* out) {
  const int32_t chunks = reduction_chunks(nrows);
  const size_t width = static_cast<size_t>(ncols);
  double* partial = static_cast<double*>(calloc(static_cast<size_t>(chunks) * width + 1, 8));
  if (partial == nullptr) return kOutOfMemory;
  int32_t bad_row = -1;  // first offending row, in chunk order
  int32_t* bad = static_cast<int32_t*>(malloc(sizeof(int32_t) * static_cast<size_t>(chunks)));
  if (bad == nullptr) {
    free(partial);
    return kOutOfMemory;
  }
  parallel_for(chunks, [&](int32_t c) {
    const int64_t r0 = static_cast<int64_t>(nrows) * c / chunks;
    const int64_t r1 = static_cast<int64_t>(nrows) * (c + 1) / chunks;
    double* acc = partial + static_cast<size_t>(c) * width;
    bad[c] = -1;
    for (int64_t r = r0; r < r1; ++r) {
      for (int32_t k = indptr[r]; k < indptr[r + 1]; ++k) {
        const uint32_t j = static_cast<uint32_t>(indices[k]);
        if (HWY_UNLIKELY(j >= static_cast<uint32_t>(ncols))) {
          bad[c] = static_cast<int32_t>(r);
          return;
        }
        acc[j] += static_cast<double>(data[k]);
      }
    }
  });
  for (int32_t c = 0; c < chunks && bad_row < 0; ++c) bad_row = bad[c];
  if (bad_row < 0) {
    memcpy(out, partial, width * sizeof(double));
    for (int32_t c = 1; c < chunks; ++c) {
      const double* p = partial + static_cast<size_t>(c) * width;
      for (size_t j = 0; j < width; ++j) out[j] += p[j];
    }
  }
  free(bad);
  free(partial);
  if (bad_row >= 0) {
    set_error_detail(bad_row);
    return kIndexOutOfRange;
  }
  return kOk;
}

template <typename T>
int32_t sum_csr(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows,
                int32_t ncols, int32_t axis, double* out) {
  if (nrows < 0 || ncols < 0) {
    set_error_detail(nrows < 0 ? 3 : 4);
    return kInvalidArgument;
  }
  if (axis == 1) return sum_rows(indptr, data, nrows, out);
  if (axis == 0) return sum_cols(indptr, indices, data, nrows, ncols, out);
  set_error_detail(5);
  return kInvalidArgument;
}

}  // namespace
}  // namespace ck

/// Sums of a CSR float32 matrix (nrows × ncols) along `axis` into float64 `out`:
/// axis 1 → per-row sums (length nrows), axis 0 → per-column sums (length ncols).
CK_EXPORT int32_t ck_sum_csr_f32(const int32_t* indptr, const int32_t* indices, const float* data,
                                 int32_t nrows, int32_t ncols, int32_t axis, double* out) {
  return ck::sum_csr(indptr, indices, data, nrows, ncols, axis, out);
}

/// float64 version of ck_sum_csr_f32.
CK_EXPORT int32_t ck_sum_csr_f64(const int32_t* indptr, const int32_t* indices, const double* data,
                                 int32_t nrows, int32_t ncols, int32_t axis, double* out) {
  return ck::sum_csr(indptr, indices, data, nrows, ncols, axis, out);
}
