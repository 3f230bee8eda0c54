// cellkernels — scale, matching scanpy.pp.scale (scanpy 1.11.5, with `mask_obs`).
//
// One call per layout (csr, csc, dense) and dtype computes the per-gene statistics over the
// cells in `mask` (all cells when mask is null) and writes the scaled matrix:
//   mean = Σx / n,  var = (Σx²/n − mean²) · n/(n−1)  (n = 1: not rescaled),
//   std = √var, std = 0 → 1  (scanpy's _get_mean_var; float64 sums)
// x² is rounded to the dtype where scanpy squares in the dtype: CSR and dense always, CSC
// only without centring and with a mask (scanpy converts that case to CSR); otherwise float64.
//
// zero_center != 0
//   sparse: `out` is dense float64 rows × cols: (x − mean)/std clipped to [−max, max]
//   dense:  `out` is dense T: T(T(x − mean) / std), then clipped (numpy in place on T data)
// zero_center == 0 (`out` has the input's layout and dtype, nnz or rows · cols values)
//   CSR, and CSC with a mask:  T(min(max, x/std)) — numba's min, so NaN becomes max
//   CSC without a mask, dense: T(x/std), then > max → max (NaN stays NaN)
// Rows outside the mask keep their values (densified for sparse zero-centring).
//
// Threads: statistics keep one partial sum per fixed row chunk (ck::reduction_chunks), or
// one column per task for CSC, merged in order; the transform is element-wise. Any thread
// count gives identical bits. An index outside the matrix fails with kIndexOutOfRange
// (detail: the row, or the column for CSC) before anything is written.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ck/common.h"
#include "ck/parallel.h"
#include "hwy/base.h"

namespace ck {
namespace {

const int32_t kRowBlock = 256;
const int32_t kColBlock = 32;

template <typename T>
inline double square(T v, bool in_dtype) {
  if (in_dtype) return static_cast<double>(static_cast<T>(v * v));
  const double d = static_cast<double>(v);
  return d * d;
}

inline bool used(const uint8_t* mask, int64_t r) { return mask == nullptr || mask[r] != 0; }

inline double clip_both(double v, bool clip, double max) {
  if (!clip) return v;
  if (v > max) return max;
  if (v < -max) return -max;
  return v;
}

int32_t count_used(const uint8_t* mask, int32_t nrows) {
  if (mask == nullptr) return nrows;
  int32_t n = 0;
  for (int32_t r = 0; r < nrows; ++r) n += mask[r] != 0;
  return n;
}

/// mean and std from float64 sums (scanpy's formula, operation for operation).
void finish(const double* sum, const double* sq, int32_t n, int32_t ncols, double* mean, double* std) {
  const double dn = static_cast<double>(n);
  for (int32_t c = 0; c < ncols; ++c) {
    const double m = sum[c] / dn;
    double v = sq[c] / dn - m * m;
    if (n != 1) v *= dn / (dn - 1);
    mean[c] = m;
    const double s = sqrt(v);
    std[c] = s == 0 ? 1.0 : s;
  }
}

/// Per-chunk partial sums over rows, merged in chunk order. `row(r, acc_sum, acc_sq)` adds
/// row r and returns false on a bad index.
template <class RowFn>
int32_t chunked_stats(int32_t nrows, int32_t ncols, const uint8_t* mask, double* mean, double* std, const RowFn& row) {
  const int32_t chunks = reduction_chunks(nrows);
  const size_t w = static_cast<size_t>(ncols);
  double* part = static_cast<double*>(calloc(2 * static_cast<size_t>(chunks) * w + 1, sizeof(double)));
  int32_t* bad = static_cast<int32_t*>(malloc(sizeof(int32_t) * static_cast<size_t>(chunks) + 1));
  if (part == nullptr || bad == nullptr) {
    free(part);
    free(bad);
    return kOutOfMemory;
  }
  parallel_for(chunks, [&](int32_t c) {
    const int64_t r0 = static_cast<int64_t>(nrows) * c / chunks;
    const int64_t r1 = static_cast<int64_t>(nrows) * (c + 1) / chunks;
    double* s = part + 2 * static_cast<size_t>(c) * w;
    bad[c] = -1;
    for (int64_t r = r0; r < r1; ++r) {
      if (!row(r, used(mask, r), s, s + w)) {
        bad[c] = static_cast<int32_t>(r);
        return;
      }
    }
  });
  int32_t bad_row = -1;
  for (int32_t c = 0; c < chunks && bad_row < 0; ++c) bad_row = bad[c];
  if (bad_row < 0) {
    for (int32_t c = 1; c < chunks; ++c) {
      const double* s = part + 2 * static_cast<size_t>(c) * w;
      for (size_t j = 0; j < 2 * w; ++j) part[j] += s[j];
    }
    finish(part, part + w, count_used(mask, nrows), ncols, mean, std);
  }
  free(bad);
  free(part);
  if (bad_row >= 0) {
    set_error_detail(bad_row);
    return kIndexOutOfRange;
  }
  return kOk;
}

int32_t check_args(int32_t nrows, int32_t ncols, int32_t clip, double max_value, int32_t pos_rows) {
  if (nrows < 0 || ncols < 0) {
    set_error_detail(nrows < 0 ? pos_rows : pos_rows + 1);
    return kInvalidArgument;
  }
  if (clip != 0 && max_value != max_value) {
    set_error_detail(pos_rows + 5);
    return kInvalidArgument;
  }
  return kOk;
}

template <class F>
void for_row_blocks(int32_t nrows, const F& f) {
  parallel_for(num_blocks(nrows, kRowBlock), [&](int32_t b) {
    const int32_t end = (b + 1) * kRowBlock < nrows ? (b + 1) * kRowBlock : nrows;
    for (int32_t r = b * kRowBlock; r < end; ++r) f(r);
  });
}

/// Centres, scales and clips the rows in `mask` of a dense float64 matrix in place.
void center_rows(double* out, int32_t nrows, int32_t ncols, const uint8_t* mask, const double* mean,
                 const double* std, bool clip, double max) {
  const size_t w = static_cast<size_t>(ncols);
  for_row_blocks(nrows, [&](int32_t r) {
    if (!used(mask, r)) return;
    double* row = out + static_cast<size_t>(r) * w;
    for (size_t c = 0; c < w; ++c) row[c] = clip_both((row[c] - mean[c]) / std[c], clip, max);
  });
}

template <typename T>
int32_t scale_csr(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows, int32_t ncols,
                  const uint8_t* mask, int32_t zero_center, int32_t clip, double max, double* mean, double* std,
                  void* out) {
  if (int32_t s = check_args(nrows, ncols, clip, max, 3)) return s;
  const uint32_t nc = static_cast<uint32_t>(ncols);
  int32_t st = chunked_stats(nrows, ncols, mask, mean, std, [&](int64_t r, bool use, double* sum, double* sq) {
    for (int32_t k = indptr[r]; k < indptr[r + 1]; ++k) {
      const uint32_t j = static_cast<uint32_t>(indices[k]);
      if (HWY_UNLIKELY(j >= nc)) return false;
      if (use) {
        sum[j] += static_cast<double>(data[k]);
        sq[j] += square(data[k], true);
      }
    }
    return true;
  });
  if (st != kOk) return st;
  if (zero_center != 0) {
    double* o = static_cast<double*>(out);
    const size_t w = static_cast<size_t>(ncols);
    for_row_blocks(nrows, [&](int32_t r) {
      double* row = o + static_cast<size_t>(r) * w;
      memset(row, 0, w * sizeof(double));
      for (int32_t k = indptr[r]; k < indptr[r + 1]; ++k) row[indices[k]] += static_cast<double>(data[k]);
    });
    center_rows(o, nrows, ncols, mask, mean, std, clip != 0, max);
    return kOk;
  }
  T* o = static_cast<T*>(out);
  for_row_blocks(nrows, [&](int32_t r) {
    const bool use = used(mask, r);
    for (int32_t k = indptr[r]; k < indptr[r + 1]; ++k) {
      if (!use) {
        o[k] = data[k];
        continue;
      }
      const double v = static_cast<double>(data[k]) / std[indices[k]];
      o[k] = static_cast<T>(clip != 0 ? (v < max ? v : max) : v);
    }
  });
  return kOk;
}

template <typename T>
int32_t scale_csc(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows, int32_t ncols,
                  const uint8_t* mask, int32_t zero_center, int32_t clip, double max, double* mean, double* std,
                  void* out) {
  if (int32_t s = check_args(nrows, ncols, clip, max, 3)) return s;
  const bool as_csr = zero_center == 0 && mask != nullptr;  // scanpy's CSR path
  const uint32_t nr = static_cast<uint32_t>(nrows);
  const int32_t n = count_used(mask, nrows);
  const int32_t nb = num_blocks(ncols, kColBlock);
  int32_t* bad = static_cast<int32_t*>(malloc(sizeof(int32_t) * static_cast<size_t>(nb) + 1));
  if (bad == nullptr) return kOutOfMemory;
  parallel_for(nb, [&](int32_t b) {
    const int32_t end = (b + 1) * kColBlock < ncols ? (b + 1) * kColBlock : ncols;
    bad[b] = -1;
    for (int32_t c = b * kColBlock; c < end; ++c) {
      double s = 0, q = 0;
      for (int32_t k = indptr[c]; k < indptr[c + 1]; ++k) {
        const uint32_t i = static_cast<uint32_t>(indices[k]);
        if (HWY_UNLIKELY(i >= nr)) {
          bad[b] = c;
          return;
        }
        if (!used(mask, i)) continue;
        s += static_cast<double>(data[k]);
        q += square(data[k], as_csr);
      }
      finish(&s, &q, n, 1, mean + c, std + c);
    }
  });
  int32_t bad_col = -1;
  for (int32_t b = 0; b < nb && bad_col < 0; ++b) bad_col = bad[b];
  free(bad);
  if (bad_col >= 0) {
    set_error_detail(bad_col);
    return kIndexOutOfRange;
  }
  if (zero_center != 0) {
    double* o = static_cast<double*>(out);
    const size_t w = static_cast<size_t>(ncols);
    for_row_blocks(nrows, [&](int32_t r) { memset(o + static_cast<size_t>(r) * w, 0, w * sizeof(double)); });
    // Each column block writes only its own columns.
    parallel_for(nb, [&](int32_t b) {
      const int32_t end = (b + 1) * kColBlock < ncols ? (b + 1) * kColBlock : ncols;
      for (int32_t c = b * kColBlock; c < end; ++c)
        for (int32_t k = indptr[c]; k < indptr[c + 1]; ++k)
          o[static_cast<size_t>(indices[k]) * w + static_cast<size_t>(c)] += static_cast<double>(data[k]);
    });
    center_rows(o, nrows, ncols, mask, mean, std, clip != 0, max);
    return kOk;
  }
  T* o = static_cast<T*>(out);
  parallel_for(nb, [&](int32_t b) {
    const int32_t end = (b + 1) * kColBlock < ncols ? (b + 1) * kColBlock : ncols;
    for (int32_t c = b * kColBlock; c < end; ++c) {
      for (int32_t k = indptr[c]; k < indptr[c + 1]; ++k) {
        if (!used(mask, indices[k])) {
          o[k] = data[k];
          continue;
        }
        const double v = static_cast<double>(data[k]) / std[c];
        if (clip == 0) {
          o[k] = static_cast<T>(v);
        } else if (as_csr) {
          o[k] = static_cast<T>(v < max ? v : max);
        } else {
          const T t = static_cast<T>(v);
          o[k] = static_cast<double>(t) > max ? static_cast<T>(max) : t;
        }
      }
    }
  });
  return kOk;
}

template <typename T>
int32_t scale_dense(const T* data, int32_t nrows, int32_t ncols, const uint8_t* mask, int32_t zero_center,
                    int32_t clip, double max, double* mean, double* std, T* out) {
  if (int32_t s = check_args(nrows, ncols, clip, max, 1)) return s;
  const size_t w = static_cast<size_t>(ncols);
  int32_t st = chunked_stats(nrows, ncols, mask, mean, std, [&](int64_t r, bool use, double* sum, double* sq) {
    if (!use) return true;
    const T* row = data + static_cast<size_t>(r) * w;
    for (size_t j = 0; j < w; ++j) {
      sum[j] += static_cast<double>(row[j]);
      sq[j] += square(row[j], true);
    }
    return true;
  });
  if (st != kOk) return st;
  const T tmax = static_cast<T>(max), tmin = static_cast<T>(-max);
  for_row_blocks(nrows, [&](int32_t r) {
    const T* in = data + static_cast<size_t>(r) * w;
    T* o = out + static_cast<size_t>(r) * w;
    if (!used(mask, r)) {
      if (o != in) memcpy(o, in, w * sizeof(T));
      return;
    }
    for (size_t j = 0; j < w; ++j) {
      T v = zero_center != 0 ? static_cast<T>(static_cast<double>(in[j]) - mean[j]) : in[j];
      v = static_cast<T>(static_cast<double>(v) / std[j]);
      if (clip != 0) {
        if (static_cast<double>(v) > max) v = tmax;
        else if (zero_center != 0 && static_cast<double>(v) < -max) v = tmin;
      }
      o[j] = v;
    }
  });
  return kOk;
}

}  // namespace
}  // namespace ck

// mask: uint8[nrows] (non-zero = cell used) or 0 for all cells; clip != 0 clips at max_value;
// mean, std: float64[ncols]. out: see the header (dense float64 rows × cols for sparse input
// with zero_center; otherwise the input's layout and dtype, and it may equal data).

/// scale of a CSR float32 matrix.
CK_EXPORT int32_t ck_scale_csr_f32(const int32_t* indptr, const int32_t* indices, const float* data, int32_t nrows,
                                   int32_t ncols, const uint8_t* mask, int32_t zero_center, int32_t clip,
                                   double max_value, double* mean, double* std, void* out) {
  return ck::scale_csr(indptr, indices, data, nrows, ncols, mask, zero_center, clip, max_value, mean, std, out);
}
/// float64 version of ck_scale_csr_f32.
CK_EXPORT int32_t ck_scale_csr_f64(const int32_t* indptr, const int32_t* indices, const double* data, int32_t nrows,
                                   int32_t ncols, const uint8_t* mask, int32_t zero_center, int32_t clip,
                                   double max_value, double* mean, double* std, void* out) {
  return ck::scale_csr(indptr, indices, data, nrows, ncols, mask, zero_center, clip, max_value, mean, std, out);
}
/// scale of a CSC float32 matrix (indptr over columns, indices are rows).
CK_EXPORT int32_t ck_scale_csc_f32(const int32_t* indptr, const int32_t* indices, const float* data, int32_t nrows,
                                   int32_t ncols, const uint8_t* mask, int32_t zero_center, int32_t clip,
                                   double max_value, double* mean, double* std, void* out) {
  return ck::scale_csc(indptr, indices, data, nrows, ncols, mask, zero_center, clip, max_value, mean, std, out);
}
/// float64 version of ck_scale_csc_f32.
CK_EXPORT int32_t ck_scale_csc_f64(const int32_t* indptr, const int32_t* indices, const double* data, int32_t nrows,
                                   int32_t ncols, const uint8_t* mask, int32_t zero_center, int32_t clip,
                                   double max_value, double* mean, double* std, void* out) {
  return ck::scale_csc(indptr, indices, data, nrows, ncols, mask, zero_center, clip, max_value, mean, std, out);
}
/// scale of a dense row-major float32 matrix (output float32, rows · cols values).
CK_EXPORT int32_t ck_scale_dense_f32(const float* data, int32_t nrows, int32_t ncols, const uint8_t* mask,
                                     int32_t zero_center, int32_t clip, double max_value, double* mean, double* std,
                                     float* out) {
  return ck::scale_dense(data, nrows, ncols, mask, zero_center, clip, max_value, mean, std, out);
}
/// float64 version of ck_scale_dense_f32.
CK_EXPORT int32_t ck_scale_dense_f64(const double* data, int32_t nrows, int32_t ncols, const uint8_t* mask,
                                     int32_t zero_center, int32_t clip, double max_value, double* mean, double* std,
                                     double* out) {
  return ck::scale_dense(data, nrows, ncols, mask, zero_center, clip, max_value, mean, std, out);
}
