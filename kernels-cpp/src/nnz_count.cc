// cellkernels — number of non-zero values along an axis of a CSR, CSC or dense matrix.
//
// Counts values with `x != 0` (NaN and negative values count; explicitly stored zeros do not),
// i.e. scipy's `getnnz(axis)` after `eliminate_zeros()` and numpy's `count_nonzero(X, axis)`:
// what `calculate_qc_metrics` reports as n_genes_by_counts / n_cells_by_counts. With
// `positive` != 0 only `x > 0` counts: `(X > 0).sum(axis)`, which `filter_cells(min_genes)` /
// `filter_genes(min_cells)` use. Counts are exact int32.
//
// Threads: along a stored slice, blocks of slices; across slices, a fixed number of chunks
// (ck::reduction_chunks) with one partial count array each, merged in order. Integer counts
// are exact in any order, the fixed chunks only bound the memory. An index outside the minor
// range fails with kIndexOutOfRange and the slice in ck_error_detail.
#include <stdlib.h>
#include <string.h>

#include "ck/common.h"
#include "ck/parallel.h"
#include "hwy/base.h"

namespace ck {
namespace {

template <typename T>
inline bool counts(T v, bool positive) {
  return positive ? v > T(0) : v != T(0);
}

template <typename T>
inline int32_t count_span(const T* v, int64_t n, bool positive) {
  int32_t c = 0;
  if (positive) {
    for (int64_t i = 0; i < n; ++i) c += v[i] > T(0) ? 1 : 0;
  } else {
    for (int64_t i = 0; i < n; ++i) c += v[i] != T(0) ? 1 : 0;
  }
  return c;
}

template <typename T>
int32_t count_major(const int32_t* indptr, const T* data, int32_t nmajor, bool positive, int32_t* out) {
  const int32_t kBlock = 4096;
  parallel_for(num_blocks(nmajor, kBlock), [&](int32_t b) {
    const int32_t end = (b + 1) * kBlock < nmajor ? (b + 1) * kBlock : nmajor;
    for (int32_t r = b * kBlock; r < end; ++r)
      out[r] = count_span(data + indptr[r], indptr[r + 1] - indptr[r], positive);
  });
  return kOk;
}

template <typename T>
int32_t count_minor(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nmajor,
                    int32_t nminor, bool positive, int32_t* out) {
  const int32_t chunks = reduction_chunks(nmajor);
  const size_t width = static_cast<size_t>(nminor);
  int32_t* partial = static_cast<int32_t*>(calloc(static_cast<size_t>(chunks) * width + 1, 4));
  int32_t* bad = static_cast<int32_t*>(malloc(sizeof(int32_t) * static_cast<size_t>(chunks)));
  if (partial == nullptr || bad == nullptr) {
    free(partial);
    free(bad);
    return kOutOfMemory;
  }
  parallel_for(chunks, [&](int32_t c) {
    const int64_t r0 = static_cast<int64_t>(nmajor) * c / chunks;
    const int64_t r1 = static_cast<int64_t>(nmajor) * (c + 1) / chunks;
    int32_t* acc = partial + static_cast<size_t>(c) * width;
    bad[c] = -1;
    for (int64_t r = r0; r < r1; ++r) {
      for (int32_t k = indptr[r]; k < indptr[r + 1]; ++k) {
        const uint32_t j = static_cast<uint32_t>(indices[k]);
        if (HWY_UNLIKELY(j >= static_cast<uint32_t>(nminor))) {
          bad[c] = static_cast<int32_t>(r);
          return;
        }
        acc[j] += counts(data[k], positive) ? 1 : 0;
      }
    }
  });
  int32_t bad_row = -1;
  for (int32_t c = 0; c < chunks && bad_row < 0; ++c) bad_row = bad[c];
  if (bad_row < 0 && width > 0) {
    memcpy(out, partial, width * sizeof(int32_t));
    for (int32_t c = 1; c < chunks; ++c) {
      const int32_t* p = partial + static_cast<size_t>(c) * width;
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
int32_t count_compressed(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows,
                         int32_t ncols, int32_t axis, int32_t positive, bool csc, int32_t* out) {
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
  if ((axis == 1) != csc) return count_major(indptr, data, nmajor, positive != 0, out);
  return count_minor(indptr, indices, data, nmajor, nminor, positive != 0, out);
}

template <typename T>
int32_t count_dense(const T* data, int32_t nrows, int32_t ncols, int32_t axis, int32_t positive, int32_t* out) {
  if (nrows < 0 || ncols < 0) {
    set_error_detail(nrows < 0 ? 1 : 2);
    return kInvalidArgument;
  }
  const bool pos = positive != 0;
  const size_t width = static_cast<size_t>(ncols);
  if (axis == 1) {
    const int32_t kBlock = 1024;
    parallel_for(num_blocks(nrows, kBlock), [&](int32_t b) {
      const int32_t end = (b + 1) * kBlock < nrows ? (b + 1) * kBlock : nrows;
      for (int32_t r = b * kBlock; r < end; ++r) out[r] = count_span(data + static_cast<size_t>(r) * width, ncols, pos);
    });
    return kOk;
  }
  if (axis != 0) {
    set_error_detail(3);
    return kInvalidArgument;
  }
  const int32_t chunks = reduction_chunks(nrows);
  int32_t* partial = static_cast<int32_t*>(calloc(static_cast<size_t>(chunks) * width + 1, 4));
  if (partial == nullptr) return kOutOfMemory;
  parallel_for(chunks, [&](int32_t c) {
    const int64_t r0 = static_cast<int64_t>(nrows) * c / chunks;
    const int64_t r1 = static_cast<int64_t>(nrows) * (c + 1) / chunks;
    int32_t* HWY_RESTRICT acc = partial + static_cast<size_t>(c) * width;
    for (int64_t r = r0; r < r1; ++r) {
      const T* HWY_RESTRICT row = data + static_cast<size_t>(r) * width;
      if (pos) {
        for (size_t j = 0; j < width; ++j) acc[j] += row[j] > T(0) ? 1 : 0;
      } else {
        for (size_t j = 0; j < width; ++j) acc[j] += row[j] != T(0) ? 1 : 0;
      }
    }
  });
  if (width > 0) {
    memcpy(out, partial, width * sizeof(int32_t));
    for (int32_t c = 1; c < chunks; ++c) {
      const int32_t* p = partial + static_cast<size_t>(c) * width;
      for (size_t j = 0; j < width; ++j) out[j] += p[j];
    }
  }
  free(partial);
  return kOk;
}

}  // namespace
}  // namespace ck

/// Non-zero counts of a CSR float32 matrix along `axis` (1: per row, 0: per column) into
/// int32 `out`; `positive` != 0 counts only values > 0.
CK_EXPORT int32_t ck_nnz_count_csr_f32(const int32_t* indptr, const int32_t* indices, const float* data,
                                       int32_t nrows, int32_t ncols, int32_t axis, int32_t positive, int32_t* out) {
  return ck::count_compressed(indptr, indices, data, nrows, ncols, axis, positive, false, out);
}

/// float64 version of ck_nnz_count_csr_f32.
CK_EXPORT int32_t ck_nnz_count_csr_f64(const int32_t* indptr, const int32_t* indices, const double* data,
                                       int32_t nrows, int32_t ncols, int32_t axis, int32_t positive, int32_t* out) {
  return ck::count_compressed(indptr, indices, data, nrows, ncols, axis, positive, false, out);
}

/// Non-zero counts of a CSC float32 matrix (indptr over columns) along `axis`.
CK_EXPORT int32_t ck_nnz_count_csc_f32(const int32_t* indptr, const int32_t* indices, const float* data,
                                       int32_t nrows, int32_t ncols, int32_t axis, int32_t positive, int32_t* out) {
  return ck::count_compressed(indptr, indices, data, nrows, ncols, axis, positive, true, out);
}

/// float64 version of ck_nnz_count_csc_f32.
CK_EXPORT int32_t ck_nnz_count_csc_f64(const int32_t* indptr, const int32_t* indices, const double* data,
                                       int32_t nrows, int32_t ncols, int32_t axis, int32_t positive, int32_t* out) {
  return ck::count_compressed(indptr, indices, data, nrows, ncols, axis, positive, true, out);
}

/// Non-zero counts of a dense row-major float32 matrix along `axis`.
CK_EXPORT int32_t ck_nnz_count_dense_f32(const float* data, int32_t nrows, int32_t ncols, int32_t axis,
                                         int32_t positive, int32_t* out) {
  return ck::count_dense(data, nrows, ncols, axis, positive, out);
}

/// float64 version of ck_nnz_count_dense_f32.
CK_EXPORT int32_t ck_nnz_count_dense_f64(const double* data, int32_t nrows, int32_t ncols, int32_t axis,
                                         int32_t positive, int32_t* out) {
  return ck::count_dense(data, nrows, ncols, axis, positive, out);
}
