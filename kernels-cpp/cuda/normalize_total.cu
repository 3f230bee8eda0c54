// cellkernels CUDA — normalize_total (scanpy.pp.normalize_total), as
// kernels-cpp/src/normalize_total.cc: ck_normalize_total_counts_* gives float64 per-cell totals
// and, with `exclude`, the highly-expressed gene mask (x_ij > max_fraction · total_i, strict)
// and the totals over the other genes; ck_normalize_total_* divides each cell by
// T(total)/T(target) (zero factors count as 1). The caller takes the median target in between.
//
// CSR and dense totals: one task per row, summed in storage order (the CPU's bits). CSC totals
// are a minor-axis reduction (reduce.cuh): the CPU's bits while one chunk covers the columns.
// The gene mask is an OR (tasks only ever store 1), so it is order-free. Division is IEEE in T.
#include "abi.h"
#include "ck_cuda.h"
#include "reduce.cuh"

namespace ck {
namespace gpu {
namespace {

template <typename T>
CK_DEVICE double seq_sum(const T* v, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(v[i]);
  return s;
}

/// "Highly expressed" threshold of a row total as scanpy computes it (sparse: the product in
/// float64 of the T-rounded total; dense: the product rounded to T).
template <typename T>
CK_DEVICE double hi_threshold(double total, double max_fraction, bool dense) {
  const T t = static_cast<T>(total);
  if (dense) return static_cast<double>(static_cast<T>(t * static_cast<T>(max_fraction)));
  return static_cast<double>(t) * max_fraction;
}

/// factor = T(total) / T(target) (scanpy's norm_factor) and the divisor (0 → 1).
template <typename T>
CK_DEVICE T divisor_of(double total, T target) {
  const T f = static_cast<T>(total) / target;
  return f == T(0) ? T(1) : f;
}

// ---- totals ------------------------------------------------------------------------------

/// Row totals of a CSR (or dense: indptr null, rows of ncols) matrix, skipping excluded genes.
template <typename T>
CK_GLOBAL void row_totals(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows, int32_t ncols,
                          const uint8_t* excluded, double* totals) {
  for (CK_STRIDE(r, nrows)) {
    double s = 0;
    if (indptr != nullptr) {
      if (excluded == nullptr) s = seq_sum(data + indptr[r], indptr[r + 1] - indptr[r]);
      else
        for (int32_t k = indptr[r]; k < indptr[r + 1]; ++k)
          if (!excluded[indices[k]]) s += static_cast<double>(data[k]);
    } else {
      const T* row = data + r * ncols;
      if (excluded == nullptr) s = seq_sum(row, ncols);
      else
        for (int32_t j = 0; j < ncols; ++j)
          if (!excluded[j]) s += static_cast<double>(row[j]);
    }
    totals[r] = s;
  }
}

/// CSR: flags the genes with a value above its row's threshold (stores only 1s).
template <typename T>
CK_GLOBAL void flag_csr(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows,
                        double max_fraction, const double* totals, uint8_t* excluded) {
  for (CK_STRIDE(r, nrows)) {
    const double thr = hi_threshold<T>(totals[r], max_fraction, false);
    for (int32_t k = indptr[r]; k < indptr[r + 1]; ++k)
      if (static_cast<double>(data[k]) > thr) excluded[indices[k]] = 1;
  }
}

/// CSC: each column decides its own flag.
template <typename T>
CK_GLOBAL void flag_csc(const int32_t* indptr, const int32_t* indices, const T* data, int32_t ncols,
                        double max_fraction, const double* totals, uint8_t* excluded) {
  for (CK_STRIDE(c, ncols)) {
    uint8_t hit = 0;
    for (int32_t k = indptr[c]; k < indptr[c + 1] && !hit; ++k)
      hit = static_cast<double>(data[k]) > hi_threshold<T>(totals[indices[k]], max_fraction, false);
    excluded[c] = hit;
  }
}

/// Dense: each column decides its own flag (threshold rounded to T, compared in T).
template <typename T>
CK_GLOBAL void flag_dense(const T* data, int32_t nrows, int32_t ncols, double max_fraction, const double* totals,
                          uint8_t* excluded) {
  for (CK_STRIDE(j, ncols)) {
    uint8_t hit = 0;
    for (int32_t r = 0; r < nrows && !hit; ++r) {
      const T thr = static_cast<T>(hi_threshold<T>(totals[r], max_fraction, true));
      hit = data[static_cast<int64_t>(r) * ncols + j] > thr;
    }
    excluded[j] = hit;
  }
}

/// CSC row totals across columns (skipping excluded columns).
template <typename T>
struct CscTotalsOp {
  typedef double Acc;
  static constexpr int kAcc = 1;
  const T* data;
  const uint8_t* excluded;
  double* totals;
  CK_DEVICE bool use(int64_t c) const { return excluded == nullptr || !excluded[c]; }
  CK_DEVICE void add(double* acc, int32_t, int32_t i, int64_t k) const { acc[i] += static_cast<double>(data[k]); }
  CK_DEVICE void finish(int32_t i, const double* s) const { totals[i] = s[0]; }
};

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

template <typename T>
int32_t counts_csr(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows, int32_t ncols,
                   int32_t exclude, double max_fraction, double* totals, uint8_t* excluded) {
  if (int32_t s = check_dims(nrows, ncols, exclude, max_fraction, 3, 6)) return s;
  if (nrows == 0 && exclude == 0) return kOk;
  const Grid g = grid_for(nrows);
  launch(row_totals<T>, g, indptr, indices, data, nrows, ncols, static_cast<const uint8_t*>(nullptr), totals);
  if (exclude == 0) return check_launch("normalize_total totals");
  bool sorted = true;
  if (int32_t s = check_indices(indptr, indices, nrows, ncols, &sorted)) return s;
  if (fill_bytes(excluded, 0, static_cast<size_t>(ncols)) != kOk) return kDeviceError;
  launch(flag_csr<T>, g, indptr, indices, data, nrows, max_fraction, static_cast<const double*>(totals), excluded);
  launch(row_totals<T>, g, indptr, indices, data, nrows, ncols, static_cast<const uint8_t*>(excluded), totals);
  return check_launch("normalize_total exclude");
}

template <typename T>
int32_t counts_csc(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows, int32_t ncols,
                   int32_t exclude, double max_fraction, double* totals, uint8_t* excluded) {
  if (int32_t s = check_dims(nrows, ncols, exclude, max_fraction, 3, 6)) return s;
  // A row index outside the matrix is reported with its column (reduce_minor checks first).
  if (int32_t s = reduce_minor(CscTotalsOp<T>{data, nullptr, totals}, indptr, indices, ncols, nrows)) return s;
  if (exclude == 0) return kOk;
  if (ncols > 0) {
    launch(flag_csc<T>, grid_for(ncols), indptr, indices, data, ncols, max_fraction, static_cast<const double*>(totals),
           excluded);
    if (check_launch("normalize_total exclude") != kOk) return kDeviceError;
  }
  return reduce_minor(CscTotalsOp<T>{data, excluded, totals}, indptr, indices, ncols, nrows);
}

template <typename T>
int32_t counts_dense(const T* data, int32_t nrows, int32_t ncols, int32_t exclude, double max_fraction, double* totals,
                     uint8_t* excluded) {
  if (int32_t s = check_dims(nrows, ncols, exclude, max_fraction, 1, 4)) return s;
  const Grid g = grid_for(nrows);
  const int32_t* none = nullptr;
  if (nrows > 0) launch(row_totals<T>, g, none, none, data, nrows, ncols, static_cast<const uint8_t*>(nullptr), totals);
  if (exclude == 0) return check_launch("normalize_total totals");
  if (ncols > 0) {
    launch(flag_dense<T>, grid_for(ncols), data, nrows, ncols, max_fraction, static_cast<const double*>(totals),
           excluded);
  }
  if (nrows > 0) {
    launch(row_totals<T>, g, none, none, data, nrows, ncols, static_cast<const uint8_t*>(excluded), totals);
  }
  return check_launch("normalize_total exclude");
}

// ---- scaling -----------------------------------------------------------------------------

template <typename T>
CK_GLOBAL void row_factors(const double* totals, int32_t nrows, T target, T* factors) {
  for (CK_STRIDE(r, nrows)) factors[r] = static_cast<T>(totals[r]) / target;
}

/// CSR: one team per row divides the row's values.
template <typename T>
CK_GLOBAL void divide_csr(const int32_t* indptr, const T* data, int32_t nrows, const double* totals, T target, T* out) {
  const Team tm = team();
  for (int64_t r = tm.first; r < nrows; r += tm.step) {
    const T d = divisor_of(totals[r], target);
    for (int64_t k = indptr[r] + tm.lane; k < indptr[r + 1]; k += tm.width) out[k] = data[k] / d;
  }
}

/// CSC: one team per column; each value is divided by its row's divisor.
template <typename T>
CK_GLOBAL void divide_csc(const int32_t* indptr, const int32_t* indices, const T* data, int32_t ncols,
                          const double* totals, T target, T* out) {
  const Team tm = team();
  for (int64_t c = tm.first; c < ncols; c += tm.step)
    for (int64_t k = indptr[c] + tm.lane; k < indptr[c + 1]; k += tm.width)
      out[k] = data[k] / divisor_of(totals[indices[k]], target);
}

template <typename T>
CK_GLOBAL void divide_dense(const T* data, int64_t n, int32_t ncols, const double* totals, T target, T* out) {
  for (CK_STRIDE(i, n)) out[i] = data[i] / divisor_of(totals[i / ncols], target);
}

int32_t check_apply(int32_t nrows, int32_t ncols, int32_t pos_rows) {
  if (nrows < 0 || ncols < 0) {
    set_error_detail(nrows < 0 ? pos_rows : pos_rows + 1);
    return kInvalidArgument;
  }
  return kOk;
}

template <typename T>
int32_t apply_csr(const int32_t* indptr, const T* data, int32_t nrows, int32_t ncols, const double* totals,
                  double target, T* factors, T* out) {
  if (int32_t s = check_apply(nrows, ncols, 2)) return s;
  if (nrows == 0) return kOk;
  const T tgt = static_cast<T>(target);
  launch(row_factors<T>, grid_for(nrows), totals, nrows, tgt, factors);
  launch(divide_csr<T>, grid_for(static_cast<int64_t>(nrows) * 32), indptr, data, nrows, totals, tgt, out);
  return check_launch("normalize_total");
}

template <typename T>
int32_t apply_csc(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows, int32_t ncols,
                  const double* totals, double target, T* factors, T* out) {
  if (int32_t s = check_apply(nrows, ncols, 3)) return s;
  bool sorted = true;
  if (int32_t s = check_indices(indptr, indices, ncols, nrows, &sorted)) return s;  // detail: the column
  const T tgt = static_cast<T>(target);
  if (nrows > 0) launch(row_factors<T>, grid_for(nrows), totals, nrows, tgt, factors);
  if (ncols > 0) {
    launch(divide_csc<T>, grid_for(static_cast<int64_t>(ncols) * 32), indptr, indices, data, ncols, totals, tgt, out);
  }
  return check_launch("normalize_total");
}

template <typename T>
int32_t apply_dense(const T* data, int32_t nrows, int32_t ncols, const double* totals, double target, T* factors,
                    T* out) {
  if (int32_t s = check_apply(nrows, ncols, 1)) return s;
  if (nrows == 0) return kOk;
  const T tgt = static_cast<T>(target);
  launch(row_factors<T>, grid_for(nrows), totals, nrows, tgt, factors);
  const int64_t n = static_cast<int64_t>(nrows) * ncols;
  if (n > 0) launch(divide_dense<T>, grid_for(n), data, n, ncols, totals, tgt, out);
  return check_launch("normalize_total");
}

}  // namespace
}  // namespace gpu
}  // namespace ck

#define CK_NT(T, S)                                                                                                 \
  CK_EXPORT int32_t ck_normalize_total_counts_csr_##S(const int32_t* indptr, const int32_t* indices, const T* data, \
                                                      int32_t nrows, int32_t ncols, int32_t exclude,                \
                                                      double max_fraction, double* totals, uint8_t* excluded) {     \
    return ck::gpu::counts_csr(indptr, indices, data, nrows, ncols, exclude, max_fraction, totals, excluded);       \
  }                                                                                                                 \
  CK_EXPORT int32_t ck_normalize_total_counts_csc_##S(const int32_t* indptr, const int32_t* indices, const T* data, \
                                                      int32_t nrows, int32_t ncols, int32_t exclude,                \
                                                      double max_fraction, double* totals, uint8_t* excluded) {     \
    return ck::gpu::counts_csc(indptr, indices, data, nrows, ncols, exclude, max_fraction, totals, excluded);       \
  }                                                                                                                 \
  CK_EXPORT int32_t ck_normalize_total_counts_dense_##S(const T* data, int32_t nrows, int32_t ncols,                \
                                                        int32_t exclude, double max_fraction, double* totals,       \
                                                        uint8_t* excluded) {                                        \
    return ck::gpu::counts_dense(data, nrows, ncols, exclude, max_fraction, totals, excluded);                      \
  }                                                                                                                 \
  CK_EXPORT int32_t ck_normalize_total_csr_##S(const int32_t* indptr, const T* data, int32_t nrows, int32_t ncols,  \
                                               const double* totals, double target, T* factors, T* out) {           \
    return ck::gpu::apply_csr(indptr, data, nrows, ncols, totals, target, factors, out);                            \
  }                                                                                                                 \
  CK_EXPORT int32_t ck_normalize_total_csc_##S(const int32_t* indptr, const int32_t* indices, const T* data,        \
                                               int32_t nrows, int32_t ncols, const double* totals, double target,   \
                                               T* factors, T* out) {                                                \
    return ck::gpu::apply_csc(indptr, indices, data, nrows, ncols, totals, target, factors, out);                   \
  }                                                                                                                 \
  CK_EXPORT int32_t ck_normalize_total_dense_##S(const T* data, int32_t nrows, int32_t ncols, const double* totals, \
                                                 double target, T* factors, T* out) {                               \
    return ck::gpu::apply_dense(data, nrows, ncols, totals, target, factors, out);                                  \
  }
CK_NT(float, f32)
CK_NT(double, f64)
