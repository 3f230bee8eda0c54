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
#include "ck/reduce.h"
#include "ck/simd.h"

namespace ck {
namespace {

template <typename T>
inline double sum_span(const T* v, int32_t count) {
  const size_t n = count > 0 ? static_cast<size_t>(count) : 0;
  double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    a0 += static_cast<double>(v[i]);
    a1 += static_cast<double>(v[i + 1]);
    a2 += static_cast<double>(v[i + 2]);
    a3 += static_cast<double>(v[i + 3]);
  }
  for (; i < n; ++i) a0 += static_cast<double>(v[i]);
  return (a0 + a1) + (a2 + a3);
}

/// out = p[0] + p[1] + … (in chunk order) over `width` columns.
inline void merge_sums(const Partials<double>& p, size_t width, double* out) {
  if (width == 0) return;
  memcpy(out, p[0], width * sizeof(double));
  for (int32_t c = 1; c < p.count; ++c) {
    const double* q = p[c];
    for (size_t j = 0; j < width; ++j) out[j] += q[j];
  }
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

/// Sums per minor-axis position (CSR columns, CSC rows), one partial array per chunk. Four
/// indices at a time (ck::for_each_stored_clamped) took the loop to 0.89–0.92 of its time in
/// wasm, 0.92–0.95 with AVX-512 (`bash bench/micro/run-ab.sh sum …`).
template <typename T>
int32_t sum_minor(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nmajor,
                  int32_t nminor, double* out) {
  const size_t width = static_cast<size_t>(nminor);
  return column_reduce<double>(
      nmajor, width,
      [&](int32_t r0, int32_t r1, double* HWY_RESTRICT acc) {
        const T* HWY_RESTRICT v = data;
        return for_each_stored_clamped(indptr, indices, r0, r1, nminor,
                                       [&](uint32_t j, size_t k) { acc[j] += static_cast<double>(v[k]); });
      },
      [&](const Partials<double>& p) { merge_sums(p, width, out); });
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
  return column_reduce<double>(
      nrows, width,
      [&](int32_t r0, int32_t r1, double* HWY_RESTRICT acc) {
        for (int32_t r = r0; r < r1; ++r) {
          const T* HWY_RESTRICT row = data + static_cast<size_t>(r) * width;
          for (size_t j = 0; j < width; ++j) acc[j] += static_cast<double>(row[j]);
        }
        return int32_t{-1};
      },
      [&](const Partials<double>& p) { merge_sums(p, width, out); });
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
