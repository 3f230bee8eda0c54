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
#include "ck/reduce.h"
#include "ck/simd.h"

namespace ck {
namespace {

template <typename T>
int32_t clipped_sums(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows, int32_t ncols,
                     const double* clip, double* sum, double* sum_sq) {
  if (nrows < 0 || ncols < 0) {
    set_error_detail(nrows < 0 ? 3 : 4);
    return kInvalidArgument;
  }
  const size_t width = static_cast<size_t>(ncols);
  return column_reduce<double>(
      nrows, 2 * width,  // per column: sum, sum of squares (interleaved, see merge_pairs)
      [&](int32_t r0, int32_t r1, double* HWY_RESTRICT sq) {
        const T* HWY_RESTRICT v = data;
        const double* HWY_RESTRICT cl = clip;
        return for_each_stored_clamped(indptr, indices, r0, r1, ncols, [&](uint32_t j, size_t k) {
          const double e = pmin(static_cast<double>(v[k]), cl[j]);  // cl[j] < x ? cl[j] : x
          sq[2 * j] += e;
          sq[2 * j + 1] += e * e;
        });
      },
      [&](const Partials<double>& p) {
        merge_pairs(p, width, [&](size_t j, double s, double q) {
          sum[j] = s;
          sum_sq[j] = q;
        });
      });
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
