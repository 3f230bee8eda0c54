// cellkernels — mean and variance along an axis, matching fast_array_utils.stats.mean_var
// (scanpy's _get_mean_var) to the last bit on count data:
//
//   mean = Σx / n,  var = Σx² / n − mean²,  then var *= n / (n − 1) when ddof = 1 and n ≠ 1,
//
// with Σ in float64. Where the squares are taken follows the reference exactly:
//   - compressed, along a stored slice (CSR axis 1, CSC axis 0 — fast_array_utils'
//     "major axis" path): each value is cast to float64, then squared;
//   - compressed, across slices (CSR axis 0, CSC axis 1 — the "minor axis" path) and dense
//     (`mean(x ** 2, dtype=float64)`): squared in the input dtype (float32 stays float32, so a
//     float32 value above ~1.8e19 squares to inf, as in scanpy), then accumulated in float64.
// n = 0 gives NaN. NaN and infinities propagate.
//
// Sums are plain sequential float64 sums in storage order, per slice, so results do not
// depend on the thread count: slices are processed by blocks, and reductions across slices
// keep one partial array per fixed chunk (ck::reduction_chunks), merged in chunk order. An
// index outside the minor range fails with kIndexOutOfRange and the slice in ck_error_detail.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ck/common.h"
#include "ck/parallel.h"
#include "ck/reduce.h"
#include "ck/simd.h"
#include "hwy/base.h"

namespace ck {
namespace {

/// mean and (corrected) variance from the sums over n values.
inline void finish(double s, double q, int32_t n, int32_t ddof, double* mean, double* var) {
  const double dn = static_cast<double>(n);
  const double m = s / dn;
  double v = q / dn - m * m;
  if (ddof != 0 && n != 1) v *= dn / (dn - static_cast<double>(ddof));
  *mean = m;
  *var = v;
}

template <typename T>
int32_t mv_major(const int32_t* indptr, const T* data, int32_t nmajor, int32_t nminor, int32_t ddof,
                 double* mean, double* var) {
  const int32_t kBlock = 4096;
  parallel_for(num_blocks(nmajor, kBlock), [&](int32_t b) {
    const int32_t end = (b + 1) * kBlock < nmajor ? (b + 1) * kBlock : nmajor;
    for (int32_t r = b * kBlock; r < end; ++r) {
      double s = 0, q = 0;
      for (int32_t k = indptr[r]; k < indptr[r + 1]; ++k) {
        const double v = static_cast<double>(data[k]);
        s += v;
        q += v * v;
      }
      finish(s, q, nminor, ddof, mean + r, var + r);
    }
  });
  return kOk;
}

/// Finishes the chunk partials (per chunk: `width` sums, then `width` sums of squares), merged
/// in chunk order, over n values each.
inline void merge_finish(const Partials<double>& p, size_t width, int32_t n, int32_t ddof, double* mean,
                         double* var) {
  for (size_t j = 0; j < width; ++j) {
    double s = p[0][j], q = p[0][width + j];
    for (int32_t c = 1; c < p.count; ++c) {
      s += p[c][j];
      q += p[c][width + j];
    }
    finish(s, q, n, ddof, mean + j, var + j);
  }
}

template <typename T>
int32_t mv_minor(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nmajor, int32_t nminor,
                 int32_t ddof, double* mean, double* var) {
  const size_t width = static_cast<size_t>(nminor);
  return column_reduce<double>(
      nmajor, 2 * width,  // per column: sum, sum of squares (interleaved, see merge_pairs)
      [&](int32_t r0, int32_t r1, double* HWY_RESTRICT sq) {
        return scatter_sums_squares(indptr, indices, data, r0, r1, nminor, sq);
      },
      [&](const Partials<double>& p) {
        merge_pairs(p, width, [&](size_t j, double s, double q) { finish(s, q, nmajor, ddof, mean + j, var + j); });
      });
}

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
  if ((axis == 1) != csc) return mv_major(indptr, data, nmajor, nminor, ddof, mean, var);
  return mv_minor(indptr, indices, data, nmajor, nminor, ddof, mean, var);
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
  const size_t width = static_cast<size_t>(ncols);
  if (axis == 1) {
    const int32_t kBlock = 1024;
    parallel_for(num_blocks(nrows, kBlock), [&](int32_t b) {
      const int32_t end = (b + 1) * kBlock < nrows ? (b + 1) * kBlock : nrows;
      for (int32_t r = b * kBlock; r < end; ++r) {
        const T* row = data + static_cast<size_t>(r) * width;
        double s = 0, q = 0;
        for (size_t j = 0; j < width; ++j) {
          const T v = row[j];
          const T v2 = v * v;
          s += static_cast<double>(v);
          q += static_cast<double>(v2);
        }
        finish(s, q, ncols, ddof, mean + r, var + r);
      }
    });
    return kOk;
  }
  if (axis != 0) {
    set_error_detail(3);
    return kInvalidArgument;
  }
  return column_reduce<double>(
      nrows, 2 * width,
      [&](int32_t r0, int32_t r1, double* HWY_RESTRICT s) {
        double* HWY_RESTRICT q = s + width;
        for (int32_t r = r0; r < r1; ++r) {
          const T* HWY_RESTRICT row = data + static_cast<size_t>(r) * width;
          for (size_t j = 0; j < width; ++j) {
            const T v = row[j];
            const T v2 = v * v;
            s[j] += static_cast<double>(v);
            q[j] += static_cast<double>(v2);
          }
        }
        return int32_t{-1};
      },
      [&](const Partials<double>& p) { merge_finish(p, width, nrows, ddof, mean, var); });
}

}  // namespace
}  // namespace ck

/// Means and variances of a CSR float32 matrix (nrows × ncols) along `axis` (0: per column,
/// length ncols; 1: per row, length nrows) into float64 `mean` and `var`; ddof 0 or 1.
CK_EXPORT int32_t ck_mean_var_csr_f32(const int32_t* indptr, const int32_t* indices, const float* data,
                                      int32_t nrows, int32_t ncols, int32_t axis, int32_t ddof, double* mean,
                                      double* var) {
  return ck::mv_compressed(indptr, indices, data, nrows, ncols, axis, ddof, false, mean, var);
}

/// float64 version of ck_mean_var_csr_f32.
CK_EXPORT int32_t ck_mean_var_csr_f64(const int32_t* indptr, const int32_t* indices, const double* data,
                                      int32_t nrows, int32_t ncols, int32_t axis, int32_t ddof, double* mean,
                                      double* var) {
  return ck::mv_compressed(indptr, indices, data, nrows, ncols, axis, ddof, false, mean, var);
}

/// Means and variances of a CSC float32 matrix (indptr over columns) along `axis`.
CK_EXPORT int32_t ck_mean_var_csc_f32(const int32_t* indptr, const int32_t* indices, const float* data,
                                      int32_t nrows, int32_t ncols, int32_t axis, int32_t ddof, double* mean,
                                      double* var) {
  return ck::mv_compressed(indptr, indices, data, nrows, ncols, axis, ddof, true, mean, var);
}

/// float64 version of ck_mean_var_csc_f32.
CK_EXPORT int32_t ck_mean_var_csc_f64(const int32_t* indptr, const int32_t* indices, const double* data,
                                      int32_t nrows, int32_t ncols, int32_t axis, int32_t ddof, double* mean,
                                      double* var) {
  return ck::mv_compressed(indptr, indices, data, nrows, ncols, axis, ddof, true, mean, var);
}

/// Means and variances of a dense row-major float32 matrix along `axis`.
CK_EXPORT int32_t ck_mean_var_dense_f32(const float* data, int32_t nrows, int32_t ncols, int32_t axis, int32_t ddof,
                                        double* mean, double* var) {
  return ck::mv_dense(data, nrows, ncols, axis, ddof, mean, var);
}

/// float64 version of ck_mean_var_dense_f32.
CK_EXPORT int32_t ck_mean_var_dense_f64(const double* data, int32_t nrows, int32_t ncols, int32_t axis, int32_t ddof,
                                        double* mean, double* var) {
  return ck::mv_dense(data, nrows, ncols, axis, ddof, mean, var);
}
