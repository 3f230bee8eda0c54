// cellkernels — normalize_total, matching scanpy.pp.normalize_total (scanpy 1.11.5).
//
// Two calls per layout (csr, csc, dense) and dtype:
//   ck_normalize_total_counts_*  per-cell float64 totals (each row summed in order, like
//                                scanpy's numba loop) and, when `exclude` is set, the mask of
//                                highly expressed genes and the totals over the other genes;
//   ck_normalize_total_*         factor_i = T(T(total_i) / T(target)) (scanpy's norm_factor)
//                                and out = x / factor in T, a zero factor counting as 1.
// The caller (src/backends/wasm/normalize_total.ts) takes the median target between the two.
//
// Highly expressed: x_ij > max_fraction · total_i (strict). Sparse layouts follow scanpy's
// CSR path (the product in float64 of the T-rounded total); dense follows numpy (the product
// rounded to T). Threads: row blocks; the gene mask keeps one flag array per fixed row chunk
// (ck::reduction_chunks), OR-ed in order. Sums never cross blocks, so any thread count gives
// identical bits. Out-of-range indices fail with kIndexOutOfRange (detail: the row, or the
// column for CSC); `out` may equal `data`.
#include <stdlib.h>
#include <string.h>

#include "ck/common.h"
#include "ck/parallel.h"
#include "ck/simd.h"

namespace ck {
namespace {

const int32_t kRowBlock = 512;

template <typename T>
inline double seq_sum(const T* v, int32_t n) {
  double s = 0;
  for (int32_t i = 0; i < n; ++i) s += static_cast<double>(v[i]);
  return s;
}

/// Threshold of "highly expressed" for a row total, as scanpy computes it.
template <typename T>
inline double hi_threshold(double total, double max_fraction, bool dense) {
  const T t = static_cast<T>(total);
  if (dense) return static_cast<double>(static_cast<T>(t * static_cast<T>(max_fraction)));
  return static_cast<double>(t) * max_fraction;
}

int32_t check_dims(int32_t nrows, int32_t ncols, int32_t exclude, double max_fraction, int32_t pos_rows,
                   int32_t pos_fraction) {
  if (nrows < 0 || ncols < 0) {
    set_error_detail(nrows < 0 ? pos_rows : pos_rows + 1);
    return kInvalidArgument;
  }
  if (exclude != 0 && !(max_fraction >= 0 && max_fraction <= 1)) {
    set_error_detail(pos_fraction);
    return kInvalidArgument;
  }
  return kOk;
}

/// ORs the per-chunk flag arrays into `excluded`; returns false on allocation failure.
struct ChunkFlags {
  uint8_t* flags = nullptr;
  int32_t* bad = nullptr;
  int32_t chunks = 0;
  size_t width = 0;
  bool init(int32_t nrows, int32_t ncols) {
    chunks = reduction_chunks(nrows);
    width = static_cast<size_t>(ncols);
    flags = static_cast<uint8_t*>(calloc(static_cast<size_t>(chunks) * width + 1, 1));
    bad = static_cast<int32_t*>(malloc(sizeof(int32_t) * static_cast<size_t>(chunks)));
    return flags != nullptr && bad != nullptr;
  }
  int32_t merge(uint8_t* excluded) {
    int32_t bad_row = -1;
    for (int32_t c = 0; c < chunks && bad_row < 0; ++c) bad_row = bad[c];
    if (bad_row >= 0) return bad_row;
    memset(excluded, 0, width);
    for (int32_t c = 0; c < chunks; ++c) {
      const uint8_t* f = flags + static_cast<size_t>(c) * width;
      for (size_t j = 0; j < width; ++j) excluded[j] |= f[j];
    }
    return -1;
  }
  ~ChunkFlags() {
    free(flags);
    free(bad);
  }
};

template <typename T>
int32_t counts_csr(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows, int32_t ncols,
                   int32_t exclude, double max_fraction, double* totals, uint8_t* excluded) {
  if (int32_t s = check_dims(nrows, ncols, exclude, max_fraction, 3, 6)) return s;
  parallel_for(num_blocks(nrows, kRowBlock), [&](int32_t b) {
    const int32_t end = (b + 1) * kRowBlock < nrows ? (b + 1) * kRowBlock : nrows;
    for (int32_t r = b * kRowBlock; r < end; ++r) totals[r] = seq_sum(data + indptr[r], indptr[r + 1] - indptr[r]);
  });
  if (exclude == 0) return kOk;
  ChunkFlags cf;
  if (!cf.init(nrows, ncols)) return kOutOfMemory;
  parallel_for(cf.chunks, [&](int32_t c) {
    const int64_t r0 = static_cast<int64_t>(nrows) * c / cf.chunks;
    const int64_t r1 = static_cast<int64_t>(nrows) * (c + 1) / cf.chunks;
    uint8_t* f = cf.flags + static_cast<size_t>(c) * cf.width;
    cf.bad[c] = -1;
    for (int64_t r = r0; r < r1; ++r) {
      const double thr = hi_threshold<T>(totals[r], max_fraction, false);
      for (int32_t k = indptr[r]; k < indptr[r + 1]; ++k) {
        const uint32_t j = static_cast<uint32_t>(indices[k]);
        if (HWY_UNLIKELY(j >= static_cast<uint32_t>(ncols))) {
          cf.bad[c] = static_cast<int32_t>(r);
          return;
        }
        if (static_cast<double>(data[k]) > thr) f[j] = 1;
      }
    }
  });
  const int32_t bad_row = cf.merge(excluded);
  if (bad_row >= 0) {
    set_error_detail(bad_row);
    return kIndexOutOfRange;
  }
  parallel_for(num_blocks(nrows, kRowBlock), [&](int32_t b) {
    const int32_t end = (b + 1) * kRowBlock < nrows ? (b + 1) * kRowBlock : nrows;
    for (int32_t r = b * kRowBlock; r < end; ++r) {
      double s = 0;
      for (int32_t k = indptr[r]; k < indptr[r + 1]; ++k)
        if (!excluded[indices[k]]) s += static_cast<double>(data[k]);
      totals[r] = s;
    }
  });
  return kOk;
}

/// CSC: one sequential pass over the columns, so each row total adds its values in column
/// order, exactly as the CSR row loop does for sorted indices.
template <typename T>
int32_t counts_csc(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows, int32_t ncols,
                   int32_t exclude, double max_fraction, double* totals, uint8_t* excluded) {
  if (int32_t s = check_dims(nrows, ncols, exclude, max_fraction, 3, 6)) return s;
  for (int32_t r = 0; r < nrows; ++r) totals[r] = 0;
  for (int32_t c = 0; c < ncols; ++c) {
    for (int32_t k = indptr[c]; k < indptr[c + 1]; ++k) {
      const uint32_t i = static_cast<uint32_t>(indices[k]);
      if (HWY_UNLIKELY(i >= static_cast<uint32_t>(nrows))) {
        set_error_detail(c);
        return kIndexOutOfRange;
      }
      totals[i] += static_cast<double>(data[k]);
    }
  }
  if (exclude == 0) return kOk;
  // Each column decides its own flag: blocks of columns in parallel.
  const int32_t kColBlock = 64;
  parallel_for(num_blocks(ncols, kColBlock), [&](int32_t b) {
    const int32_t end = (b + 1) * kColBlock < ncols ? (b + 1) * kColBlock : ncols;
    for (int32_t c = b * kColBlock; c < end; ++c) {
      uint8_t hit = 0;
      for (int32_t k = indptr[c]; k < indptr[c + 1] && !hit; ++k)
        hit = static_cast<double>(data[k]) > hi_threshold<T>(totals[indices[k]], max_fraction, false);
      excluded[c] = hit;
    }
  });
  for (int32_t r = 0; r < nrows; ++r) totals[r] = 0;
  for (int32_t c = 0; c < ncols; ++c) {
    if (excluded[c]) continue;
    for (int32_t k = indptr[c]; k < indptr[c + 1]; ++k) totals[indices[k]] += static_cast<double>(data[k]);
  }
  return kOk;
}

template <typename T>
int32_t counts_dense(const T* data, int32_t nrows, int32_t ncols, int32_t exclude, double max_fraction,
                     double* totals, uint8_t* excluded) {
  if (int32_t s = check_dims(nrows, ncols, exclude, max_fraction, 1, 4)) return s;
  const size_t w = static_cast<size_t>(ncols);
  parallel_for(num_blocks(nrows, kRowBlock), [&](int32_t b) {
    const int32_t end = (b + 1) * kRowBlock < nrows ? (b + 1) * kRowBlock : nrows;
    for (int32_t r = b * kRowBlock; r < end; ++r) totals[r] = seq_sum(data + static_cast<size_t>(r) * w, ncols);
  });
  if (exclude == 0) return kOk;
  ChunkFlags cf;
  if (!cf.init(nrows, ncols)) return kOutOfMemory;
  parallel_for(cf.chunks, [&](int32_t c) {
    const int64_t r0 = static_cast<int64_t>(nrows) * c / cf.chunks;
    const int64_t r1 = static_cast<int64_t>(nrows) * (c + 1) / cf.chunks;
    uint8_t* f = cf.flags + static_cast<size_t>(c) * w;
    cf.bad[c] = -1;
    for (int64_t r = r0; r < r1; ++r) {
      const T thr = static_cast<T>(hi_threshold<T>(totals[r], max_fraction, true));
      const T* row = data + static_cast<size_t>(r) * w;
      for (size_t j = 0; j < w; ++j)
        if (row[j] > thr) f[j] = 1;
    }
  });
  cf.merge(excluded);
  parallel_for(num_blocks(nrows, kRowBlock), [&](int32_t b) {
    const int32_t end = (b + 1) * kRowBlock < nrows ? (b + 1) * kRowBlock : nrows;
    for (int32_t r = b * kRowBlock; r < end; ++r) {
      const T* row = data + static_cast<size_t>(r) * w;
      double s = 0;
      for (size_t j = 0; j < w; ++j)
        if (!excluded[j]) s += static_cast<double>(row[j]);
      totals[r] = s;
    }
  });
  return kOk;
}

/// factor = T(total) / T(target) in T (scanpy's norm_factor); returns the divisor (0 → 1).
template <typename T>
inline T row_factor(double total, T target, T* factors, int32_t r) {
  const T f = static_cast<T>(total) / target;
  factors[r] = f;
  return f == T(0) ? T(1) : f;
}

/// out[i] = in[i] / d for n values, correctly rounded in T (vector Div is IEEE division).
template <typename T>
void divide_span(const T* HWY_RESTRICT in, int32_t n, T d, T* out) {
  int32_t i = 0;
  if constexpr (kHasVectors<T>)
  {
    const hn::ScalableTag<T> tag;
    const int32_t N = static_cast<int32_t>(hn::Lanes(tag));
    const auto vd = hn::Set(tag, d);
    for (; i + N <= n; i += N) hn::StoreU(hn::Div(hn::LoadU(tag, in + i), vd), tag, out + i);
  }
  for (; i < n; ++i) out[i] = in[i] / d;
}

int32_t check_apply(int32_t nrows, int32_t ncols, double target, int32_t pos_rows) {
  if (nrows < 0 || ncols < 0) {
    set_error_detail(nrows < 0 ? pos_rows : pos_rows + 1);
    return kInvalidArgument;
  }
  (void)target;  // any value, NaN included, is scanpy's business: NaN factors give NaN output
  return kOk;
}

template <typename T>
int32_t apply_csr(const int32_t* indptr, const T* data, int32_t nrows, int32_t ncols, const double* totals,
                  double target, T* factors, T* out) {
  if (int32_t s = check_apply(nrows, ncols, target, 2)) return s;
  const T tgt = static_cast<T>(target);
  parallel_for(num_blocks(nrows, kRowBlock), [&](int32_t b) {
    const int32_t end = (b + 1) * kRowBlock < nrows ? (b + 1) * kRowBlock : nrows;
    for (int32_t r = b * kRowBlock; r < end; ++r) {
      const T d = row_factor(totals[r], tgt, factors, r);
      divide_span(data + indptr[r], indptr[r + 1] - indptr[r], d, out + indptr[r]);
    }
  });
  return kOk;
}

template <typename T>
int32_t apply_csc(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows, int32_t ncols,
                  const double* totals, double target, T* factors, T* out) {
  if (int32_t s = check_apply(nrows, ncols, target, 3)) return s;
  const T tgt = static_cast<T>(target);
  T* div = static_cast<T*>(malloc(sizeof(T) * static_cast<size_t>(nrows) + 1));
  if (div == nullptr) return kOutOfMemory;
  for (int32_t r = 0; r < nrows; ++r) div[r] = row_factor(totals[r], tgt, factors, r);
  const int32_t kColBlock = 64;
  int32_t bad_col = -1;
  // A bad index is reported for the first bad column in order; block b only writes its own.
  int32_t* bad = static_cast<int32_t*>(malloc(sizeof(int32_t) * static_cast<size_t>(num_blocks(ncols, kColBlock)) + 1));
  if (bad == nullptr) {
    free(div);
    return kOutOfMemory;
  }
  const int32_t nb = num_blocks(ncols, kColBlock);
  parallel_for(nb, [&](int32_t b) {
    const int32_t end = (b + 1) * kColBlock < ncols ? (b + 1) * kColBlock : ncols;
    bad[b] = -1;
    for (int32_t c = b * kColBlock; c < end; ++c) {
      for (int32_t k = indptr[c]; k < indptr[c + 1]; ++k) {
        const uint32_t i = static_cast<uint32_t>(indices[k]);
        if (HWY_UNLIKELY(i >= static_cast<uint32_t>(nrows))) {
          bad[b] = c;
          return;
        }
        out[k] = data[k] / div[i];
      }
    }
  });
  for (int32_t b = 0; b < nb && bad_col < 0; ++b) bad_col = bad[b];
  free(bad);
  free(div);
  if (bad_col >= 0) {
    set_error_detail(bad_col);
    return kIndexOutOfRange;
  }
  return kOk;
}

template <typename T>
int32_t apply_dense(const T* data, int32_t nrows, int32_t ncols, const double* totals, double target, T* factors,
                    T* out) {
  if (int32_t s = check_apply(nrows, ncols, target, 1)) return s;
  const T tgt = static_cast<T>(target);
  const size_t w = static_cast<size_t>(ncols);
  parallel_for(num_blocks(nrows, kRowBlock), [&](int32_t b) {
    const int32_t end = (b + 1) * kRowBlock < nrows ? (b + 1) * kRowBlock : nrows;
    for (int32_t r = b * kRowBlock; r < end; ++r) {
      const T d = row_factor(totals[r], tgt, factors, r);
      divide_span(data + static_cast<size_t>(r) * w, ncols, d, out + static_cast<size_t>(r) * w);
    }
  });
  return kOk;
}

}  // namespace
}  // namespace ck

// ---- per-cell totals and highly expressed genes -------------------------------------------
// totals: float64[nrows]; excluded: uint8[ncols], written only when exclude != 0.

/// Row totals of a CSR matrix (float64, in row order) and, with exclude, scanpy's gene mask.
CK_EXPORT int32_t ck_normalize_total_counts_csr_f32(const int32_t* indptr, const int32_t* indices, const float* data,
                                                    int32_t nrows, int32_t ncols, int32_t exclude, double max_fraction,
                                                    double* totals, uint8_t* excluded) {
  return ck::counts_csr(indptr, indices, data, nrows, ncols, exclude, max_fraction, totals, excluded);
}
/// float64 version of ck_normalize_total_counts_csr_f32.
CK_EXPORT int32_t ck_normalize_total_counts_csr_f64(const int32_t* indptr, const int32_t* indices, const double* data,
                                                    int32_t nrows, int32_t ncols, int32_t exclude, double max_fraction,
                                                    double* totals, uint8_t* excluded) {
  return ck::counts_csr(indptr, indices, data, nrows, ncols, exclude, max_fraction, totals, excluded);
}
/// CSC version (indptr over columns, indices are rows); same results as CSR.
CK_EXPORT int32_t ck_normalize_total_counts_csc_f32(const int32_t* indptr, const int32_t* indices, const float* data,
                                                    int32_t nrows, int32_t ncols, int32_t exclude, double max_fraction,
                                                    double* totals, uint8_t* excluded) {
  return ck::counts_csc(indptr, indices, data, nrows, ncols, exclude, max_fraction, totals, excluded);
}
/// float64 version of ck_normalize_total_counts_csc_f32.
CK_EXPORT int32_t ck_normalize_total_counts_csc_f64(const int32_t* indptr, const int32_t* indices, const double* data,
                                                    int32_t nrows, int32_t ncols, int32_t exclude, double max_fraction,
                                                    double* totals, uint8_t* excluded) {
  return ck::counts_csc(indptr, indices, data, nrows, ncols, exclude, max_fraction, totals, excluded);
}
/// Dense row-major version; the highly-expressed threshold is rounded to the dtype (numpy).
CK_EXPORT int32_t ck_normalize_total_counts_dense_f32(const float* data, int32_t nrows, int32_t ncols, int32_t exclude,
                                                      double max_fraction, double* totals, uint8_t* excluded) {
  return ck::counts_dense(data, nrows, ncols, exclude, max_fraction, totals, excluded);
}
/// float64 version of ck_normalize_total_counts_dense_f32.
CK_EXPORT int32_t ck_normalize_total_counts_dense_f64(const double* data, int32_t nrows, int32_t ncols, int32_t exclude,
                                                      double max_fraction, double* totals, uint8_t* excluded) {
  return ck::counts_dense(data, nrows, ncols, exclude, max_fraction, totals, excluded);
}

// ---- scaling ------------------------------------------------------------------------------
// factors: T[nrows] (total / target before zero → 1); out: T values, may equal data.

/// Divides each CSR row by T(total)/T(target).
CK_EXPORT int32_t ck_normalize_total_csr_f32(const int32_t* indptr, const float* data, int32_t nrows, int32_t ncols,
                                             const double* totals, double target, float* factors, float* out) {
  return ck::apply_csr(indptr, data, nrows, ncols, totals, target, factors, out);
}
/// float64 version of ck_normalize_total_csr_f32.
CK_EXPORT int32_t ck_normalize_total_csr_f64(const int32_t* indptr, const double* data, int32_t nrows, int32_t ncols,
                                             const double* totals, double target, double* factors, double* out) {
  return ck::apply_csr(indptr, data, nrows, ncols, totals, target, factors, out);
}
/// CSC version (indices are rows, checked).
CK_EXPORT int32_t ck_normalize_total_csc_f32(const int32_t* indptr, const int32_t* indices, const float* data,
                                             int32_t nrows, int32_t ncols, const double* totals, double target,
                                             float* factors, float* out) {
  return ck::apply_csc(indptr, indices, data, nrows, ncols, totals, target, factors, out);
}
/// float64 version of ck_normalize_total_csc_f32.
CK_EXPORT int32_t ck_normalize_total_csc_f64(const int32_t* indptr, const int32_t* indices, const double* data,
                                             int32_t nrows, int32_t ncols, const double* totals, double target,
                                             double* factors, double* out) {
  return ck::apply_csc(indptr, indices, data, nrows, ncols, totals, target, factors, out);
}
/// Dense row-major version.
CK_EXPORT int32_t ck_normalize_total_dense_f32(const float* data, int32_t nrows, int32_t ncols, const double* totals,
                                               double target, float* factors, float* out) {
  return ck::apply_dense(data, nrows, ncols, totals, target, factors, out);
}
/// float64 version of ck_normalize_total_dense_f32.
CK_EXPORT int32_t ck_normalize_total_dense_f64(const double* data, int32_t nrows, int32_t ncols, const double* totals,
                                               double target, double* factors, double* out) {
  return ck::apply_dense(data, nrows, ncols, totals, target, factors, out);
}
