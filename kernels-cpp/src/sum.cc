// cellkernels — sums of a CSR, CSC or dense matrix along an axis, accumulated in float64
// whatever the input dtype (numpy's `X.sum(axis, dtype=float64)`).
//
// Compressed layouts are handled by one pair of templates over the major axis (CSR rows, CSC
// columns) and the minor axis:
//   - along the major axis (CSR axis 1, CSC axis 0): each slice is summed by one thread, four
//     partial sums merged in a fixed order;
//   - along the minor axis (CSR axis 0, CSC axis 1): slices are cut into a fixed number of
//     chunks (ck::reduction_chunks, depending on the major length only), each chunk sums into
//     its own partial array, and the partials are added in chunk order.
// Dense (row-major) input: axis 1 like a major-axis slice, axis 0 with row chunks. So every
// thread count gives identical bits. Indices are checked; one outside the minor range fails
// with kIndexOutOfRange and the slice (row of a CSR, column of a CSC) in ck_error_detail, and
// `out` is then unspecified. NaN and infinities propagate as in numpy.
#include <stdlib.h>
#include <string.h>

#include "ck/common.h"
#include "ck/parallel.h"
#include "hwy/base.h"

namespace ck {
namespace {

template <typename T>
inline double sum_span(const T* v, int64_t n) {
  double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    a0 += static_cast<double>(v[i]);
    a1 += static_cast<double>(v[i + 1]);
    a2 += static_cast<double>(v[i + 2]);
    a3 += static_cast<double>(v[i + 3]);
  }
  for (; i < n; ++i) a0 += static_cast<double>(v[i]);
  return (a0 + a1) + (a2 + a3);
}

/// Sums of every major-axis slice (CSR rows, CSC columns).
template <typename T>
int32_t sum_major(const int32_t* indptr, const T* data, int32_t nmajor, double* out) {
  const int32_t kBlock = 4096;
  parallel_for(num_blocks(nmajor, kBlock), [&](int32_t b) {
    const int32_t end = (b + 1) * kBlock < nmajor ? (b + 1) * kBlock : nmajor;
    for (int32_t r = b * kBlock; r < end; ++r)
      out[r] = sum_span(data + indptr[r], indptr[r + 1] - indptr[r]);
  });
  return kOk;
}

/// Sums per minor-axis position (CSR columns, CSC rows), one partial array per chunk.
template <typename T>
int32_t sum_minor(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nmajor,
                  int32_t nminor, double* out) {
  const int32_t chunks = reduction_chunks(nmajor);
  const size_t width = static_cast<size_t>(nminor);
  double* partial = static_cast<double*>(calloc(static_cast<size_t>(chunks) * width + 1, 8));
  int32_t* bad = static_cast<int32_t*>(malloc(sizeof(int32_t) * static_cast<size_t>(chunks)));
  if (partial == nullptr || bad == nullptr) {
    free(partial);
    free(bad);
    return kOutOfMemory;
  }
  parallel_for(chunks, [&](int32_t c) {
    const int64_t r0 = static_cast<int64_t>(nmajor) * c / chunks;
    const int64_t r1 = static_cast<int64_t>(nmajor) * (c + 1) / chunks;
    double* acc = partial + static_cast<size_t>(c) * width;
    bad[c] = -1;
    for (int64_t r = r0; r < r1; ++r) {
      for (int32_t k = indptr[r]; k < indptr[r + 1]; ++k) {
        const uint32_t j = static_cast<uint32_t>(indices[k]);
        if (HWY_UNLIKELY(j >= static_cast<uint32_t>(nminor))) {
          bad[c] = static_cast<int32_t>(r);
          return;
        }
        acc[j] += static_cast<double>(data[k]);
      }
    }
  });
  int32_t bad_row = -1;  // first offending slice, in chunk order
  for (int32_t c = 0; c < chunks && bad_row < 0; ++c) bad_row = bad[c];
  if (bad_row < 0 && width > 0) {
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

/// CSR (csc = false) or CSC (csc = true) sums along `axis` of the nrows × ncols matrix.
template <typename T>
int32_t sum_compressed(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows,
                       int32_t ncols, int32_t axis, bool csc, double* out) {
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
  // CSR axis 1 and CSC axis 0 reduce each stored slice.
  if ((axis == 1) != csc) return sum_major(indptr, data, nmajor, out);
  return sum_minor(indptr, indices, data, nmajor, nminor, out);
}

/// Dense row-major sums along `axis`.
template <typename T>
int32_t sum_dense(const T* data, int32_t nrows, int32_t ncols, int32_t axis, double* out) {
  if (nrows < 0 || ncols < 0) {
    set_error_detail(nrows < 0 ? 1 : 2);
    return kInvalidArgument;
  }
  const size_t width = static_cast<size_t>(ncols);
  if (axis == 1) {
    const int32_t kBlock = 1024;
    parallel_for(num_blocks(nrows, kBlock), [&](int32_t b) {
      const int32_t end = (b + 1) * kBlock < nrows ? (b + 1) * kBlock : nrows;
      for (int32_t r = b * kBlock; r < end; ++r) out[r] = sum_span(data + static_cast<size_t>(r) * width, ncols);
    });
    return kOk;
  }
  if (axis != 0) {
    set_error_detail(3);
    return kInvalidArgument;
  }
  const int32_t chunks = reduction_chunks(nrows);
  double* partial = static_cast<double*>(calloc(static_cast<size_t>(chunks) * width + 1, 8));
  if (partial == nullptr) return kOutOfMemory;
  parallel_for(chunks, [&](int32_t c) {
    const int64_t r0 = static_cast<int64_t>(nrows) * c / chunks;
    const int64_t r1 = static_cast<int64_t>(nrows) * (c + 1) / chunks;
    double* HWY_RESTRICT acc = partial + static_cast<size_t>(c) * width;
    for (int64_t r = r0; r < r1; ++r) {
      const T* HWY_RESTRICT row = data + static_cast<size_t>(r) * width;
      for (size_t j = 0; j < width; ++j) acc[j] += static_cast<double>(row[j]);
    }
  });
  if (width > 0) {
    memcpy(out, partial, width * sizeof(double));
    for (int32_t c = 1; c < chunks; ++c) {
      const double* p = partial + static_cast<size_t>(c) * width;
      for (size_t j = 0; j < width; ++j) out[j] += p[j];
    }
  }
  free(partial);
  return kOk;
}

}  // namespace
}  // namespace ck

/// Sums of a CSR float32 matrix (nrows × ncols) along `axis` into float64 `out`:
/// axis 1 → per-row sums (length nrows), axis 0 → per-column sums (length ncols).
CK_EXPORT int32_t ck_sum_csr_f32(const int32_t* indptr, const int32_t* indices, const float* data,
                                 int32_t nrows, int32_t ncols, int32_t axis, double* out) {
  return ck::sum_compressed(indptr, indices, data, nrows, ncols, axis, false, out);
}

/// float64 version of ck_sum_csr_f32.
CK_EXPORT int32_t ck_sum_csr_f64(const int32_t* indptr, const int32_t* indices, const double* data,
                                 int32_t nrows, int32_t ncols, int32_t axis, double* out) {
  return ck::sum_compressed(indptr, indices, data, nrows, ncols, axis, false, out);
}

/// Sums of a CSC float32 matrix (nrows × ncols; indptr over columns, indices are rows) along
/// `axis`: axis 0 → per-column sums (length ncols), axis 1 → per-row sums (length nrows).
CK_EXPORT int32_t ck_sum_csc_f32(const int32_t* indptr, const int32_t* indices, const float* data,
                                 int32_t nrows, int32_t ncols, int32_t axis, double* out) {
  return ck::sum_compressed(indptr, indices, data, nrows, ncols, axis, true, out);
}

/// float64 version of ck_sum_csc_f32.
CK_EXPORT int32_t ck_sum_csc_f64(const int32_t* indptr, const int32_t* indices, const double* data,
                                 int32_t nrows, int32_t ncols, int32_t axis, double* out) {
  return ck::sum_compressed(indptr, indices, data, nrows, ncols, axis, true, out);
}

/// Sums of a dense row-major float32 matrix (nrows × ncols) along `axis` into float64 `out`.
CK_EXPORT int32_t ck_sum_dense_f32(const float* data, int32_t nrows, int32_t ncols, int32_t axis, double* out) {
  return ck::sum_dense(data, nrows, ncols, axis, out);
}

/// float64 version of ck_sum_dense_f32.
CK_EXPORT int32_t ck_sum_dense_f64(const double* data, int32_t nrows, int32_t ncols, int32_t axis, double* out) {
  return ck::sum_dense(data, nrows, ncols, axis, out);
}
