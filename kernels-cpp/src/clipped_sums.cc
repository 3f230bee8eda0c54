// cellkernels — per-column sums of clipped values of a CSR matrix, the heavy step of
// scanpy.pp.highly_variable_genes(flavor="seurat_v3") (`_sum_and_sum_squares_clipped`):
//
//   e = min(float64(x), clip[j]) for every stored value x of column j,
//   sum[j] = Σ e,  sum_sq[j] = Σ e²   (float64; implicit zeros contribute nothing).
//
// `min` is Python's: clip[j] when clip[j] < x, else x (a NaN value stays NaN, a NaN clip never
// clips). Threads: rows are cut into ck::reduction_chunks(nrows) chunks (depending on nrows
// only), each with its own partial arrays, merged in chunk order — identical bits for any
// thread count. A column index outside [0, ncols) fails with kIndexOutOfRange (detail: row).
#include <stdlib.h>
#include <string.h>

#include "ck/common.h"
#include "ck/parallel.h"
#include "hwy/base.h"

namespace ck {
namespace {

template <typename T>
int32_t clipped_sums(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows, int32_t ncols,
                     const double* clip, double* sum, double* sum_sq) {
  if (nrows < 0 || ncols < 0) {
    set_error_detail(nrows < 0 ? 3 : 4);
    return kInvalidArgument;
  }
  const int32_t chunks = reduction_chunks(nrows);
  const size_t width = static_cast<size_t>(ncols);
  const size_t per = 2 * width;  // sums then sums of squares, per chunk
  double* partial = static_cast<double*>(calloc(static_cast<size_t>(chunks) * per + 1, sizeof(double)));
  int32_t* bad = static_cast<int32_t*>(malloc(sizeof(int32_t) * static_cast<size_t>(chunks) + 4));
  if (partial == nullptr || bad == nullptr) {
    free(partial);
    free(bad);
    return kOutOfMemory;
  }
  parallel_for(chunks, [&](int32_t c) {
    const int64_t r0 = static_cast<int64_t>(nrows) * c / chunks;
    const int64_t r1 = static_cast<int64_t>(nrows) * (c + 1) / chunks;
    double* s = partial + static_cast<size_t>(c) * per;
    double* q = s + width;
    bad[c] = -1;
    for (int64_t r = r0; r < r1; ++r) {
      for (int32_t k = indptr[r]; k < indptr[r + 1]; ++k) {
        const uint32_t j = static_cast<uint32_t>(indices[k]);
        if (HWY_UNLIKELY(j >= static_cast<uint32_t>(ncols))) {
          bad[c] = static_cast<int32_t>(r);
          return;
        }
        const double x = static_cast<double>(data[k]);
        const double cj = clip[j];
        const double e = cj < x ? cj : x;
        s[j] += e;
        q[j] += e * e;
      }
    }
  });
  int32_t bad_row = -1;
  for (int32_t c = 0; c < chunks && bad_row < 0; ++c) bad_row = bad[c];
  if (bad_row < 0) {
    for (size_t j = 0; j < width; ++j) {
      double s = 0, q = 0;
      for (int32_t c = 0; c < chunks; ++c) {
        s += partial[static_cast<size_t>(c) * per + j];
        q += partial[static_cast<size_t>(c) * per + width + j];
      }
      sum[j] = s;
      sum_sq[j] = q;
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

}  // namespace
}  // namespace ck

/// Per-column Σ min(x, clip[j]) and Σ min(x, clip[j])² (float64 `sum`, `sum_sq`, length ncols)
/// over the stored values of a CSR float32 matrix (nrows × ncols); `clip` has ncols float64s.
CK_EXPORT int32_t ck_clipped_sums_csr_f32(const int32_t* indptr, const int32_t* indices, const float* data,
                                          int32_t nrows, int32_t ncols, const double* clip, double* sum,
                                          double* sum_sq) {
  return ck::clipped_sums(indptr, indices, data, nrows, ncols, clip, sum, sum_sq);
}

/// float64 version of ck_clipped_sums_csr_f32.
CK_EXPORT int32_t ck_clipped_sums_csr_f64(const int32_t* indptr, const int32_t* indices, const double* data,
                                          int32_t nrows, int32_t ncols, const double* clip, double* sum,
                                          double* sum_sq) {
  return ck::clipped_sums(indptr, indices, data, nrows, ncols, clip, sum, sum_sq);
}
