// cellkernels CUDA — the flat C ABI of the CUDA build: the same names, arguments and status
// codes as kernels-cpp/src (see that file's doc comment for each kernel's semantics), with every
// pointer a device pointer. The addon (binding.cc) exposes exactly these functions to Node, so
// the TypeScript C-ABI adapters of src/backends/wasm drive the GPU as they drive wasm. The
// conformance suite (validateBackend) checks that the two ABIs agree, kernel by kernel.
#pragma once

#include <stdint.h>

#include "ck/common.h"

#define CK_CUDA_DECLARE(T, S)                                                                                        \
  CK_EXPORT int32_t ck_log1p_csr_##S(const T* data, int32_t nnz, double base, T* out);                              \
  CK_EXPORT int32_t ck_log1p_csc_##S(const T* data, int32_t nnz, double base, T* out);                              \
  CK_EXPORT int32_t ck_log1p_dense_##S(const T* data, int32_t n, double base, T* out);                              \
  CK_EXPORT int32_t ck_sum_csr_##S(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows,     \
                                   int32_t ncols, int32_t axis, double* out);                                       \
  CK_EXPORT int32_t ck_sum_csc_##S(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows,     \
                                   int32_t ncols, int32_t axis, double* out);                                       \
  CK_EXPORT int32_t ck_sum_dense_##S(const T* data, int32_t nrows, int32_t ncols, int32_t axis, double* out);       \
  CK_EXPORT int32_t ck_nnz_count_csr_##S(const int32_t* indptr, const int32_t* indices, const T* data,              \
                                         int32_t nrows, int32_t ncols, int32_t axis, int32_t positive,              \
                                         int32_t* out);                                                             \
  CK_EXPORT int32_t ck_nnz_count_csc_##S(const int32_t* indptr, const int32_t* indices, const T* data,              \
                                         int32_t nrows, int32_t ncols, int32_t axis, int32_t positive,              \
                                         int32_t* out);                                                             \
  CK_EXPORT int32_t ck_nnz_count_dense_##S(const T* data, int32_t nrows, int32_t ncols, int32_t axis,               \
                                           int32_t positive, int32_t* out);                                         \
  CK_EXPORT int32_t ck_mean_var_csr_##S(const int32_t* indptr, const int32_t* indices, const T* data,               \
                                        int32_t nrows, int32_t ncols, int32_t axis, int32_t ddof, double* mean,     \
                                        double* var);                                                               \
  CK_EXPORT int32_t ck_mean_var_csc_##S(const int32_t* indptr, const int32_t* indices, const T* data,               \
                                        int32_t nrows, int32_t ncols, int32_t axis, int32_t ddof, double* mean,     \
                                        double* var);                                                               \
  CK_EXPORT int32_t ck_mean_var_dense_##S(const T* data, int32_t nrows, int32_t ncols, int32_t axis, int32_t ddof,  \
                                          double* mean, double* var);                                               \
  CK_EXPORT int32_t ck_expm1_mean_var_csr_##S(const int32_t* indptr, const int32_t* indices, const T* data,         \
                                              int32_t nrows, int32_t ncols, int32_t apply_expm1, double* mean,      \
                                              double* var);                                                         \
  CK_EXPORT int32_t ck_clipped_sums_csr_##S(const int32_t* indptr, const int32_t* indices, const T* data,           \
                                            int32_t nrows, int32_t ncols, const double* clip, double* sum,          \
                                            double* sum_sq);                                                        \
  CK_EXPORT int32_t ck_normalize_total_counts_csr_##S(const int32_t* indptr, const int32_t* indices, const T* data, \
                                                      int32_t nrows, int32_t ncols, int32_t exclude,                \
                                                      double max_fraction, double* totals, uint8_t* excluded);      \
  CK_EXPORT int32_t ck_normalize_total_counts_csc_##S(const int32_t* indptr, const int32_t* indices, const T* data, \
                                                      int32_t nrows, int32_t ncols, int32_t exclude,                \
                                                      double max_fraction, double* totals, uint8_t* excluded);      \
  CK_EXPORT int32_t ck_normalize_total_counts_dense_##S(const T* data, int32_t nrows, int32_t ncols,                \
                                                        int32_t exclude, double max_fraction, double* totals,       \
                                                        uint8_t* excluded);                                         \
  CK_EXPORT int32_t ck_normalize_total_csr_##S(const int32_t* indptr, const T* data, int32_t nrows, int32_t ncols,  \
                                               const double* totals, double target, T* factors, T* out);            \
  CK_EXPORT int32_t ck_normalize_total_csc_##S(const int32_t* indptr, const int32_t* indices, const T* data,        \
                                               int32_t nrows, int32_t ncols, const double* totals, double target,   \
                                               T* factors, T* out);                                                 \
  CK_EXPORT int32_t ck_normalize_total_dense_##S(const T* data, int32_t nrows, int32_t ncols, const double* totals, \
                                                 double target, T* factors, T* out);                                \
  CK_EXPORT int32_t ck_scale_csr_##S(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows,   \
                                     int32_t ncols, const uint8_t* mask, int32_t zero_center, int32_t clip,         \
                                     double max_value, double* mean, double* std, void* out);                       \
  CK_EXPORT int32_t ck_scale_csc_##S(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows,   \
                                     int32_t ncols, const uint8_t* mask, int32_t zero_center, int32_t clip,         \
                                     double max_value, double* mean, double* std, void* out);                       \
  CK_EXPORT int32_t ck_scale_dense_##S(const T* data, int32_t nrows, int32_t ncols, const uint8_t* mask,            \
                                       int32_t zero_center, int32_t clip, double max_value, double* mean,           \
                                       double* std, T* out);                                                        \
  CK_EXPORT int32_t ck_qc_metrics_csr_##S(const int32_t* indptr, const int32_t* indices, const T* data,             \
                                          int32_t nrows, int32_t ncols, const uint8_t* qc_masks, int32_t nqc,       \
                                          const int32_t* ns, int32_t nns, double* total, int32_t* ngenes,           \
                                          double* qc_total, double* top, int32_t* ncells, double* gene_total);

CK_CUDA_DECLARE(float, f32)
CK_CUDA_DECLARE(double, f64)

/// Position (row, argument index, …) that the last non-zero status refers to, or -1.
CK_EXPORT int32_t ck_error_detail();
/// ABI revision (the TypeScript module refuses another).
CK_EXPORT int32_t ck_abi_version();

/// Every kernel symbol of one dtype suffix, for the binding's function table.
#define CK_CUDA_KERNELS_OF(X, S)                                                                                   \
  X(ck_log1p_csr_##S) X(ck_log1p_csc_##S) X(ck_log1p_dense_##S) X(ck_sum_csr_##S) X(ck_sum_csc_##S)                  \
  X(ck_sum_dense_##S) X(ck_nnz_count_csr_##S) X(ck_nnz_count_csc_##S) X(ck_nnz_count_dense_##S)                     \
  X(ck_mean_var_csr_##S) X(ck_mean_var_csc_##S) X(ck_mean_var_dense_##S) X(ck_expm1_mean_var_csr_##S)               \
  X(ck_clipped_sums_csr_##S) X(ck_normalize_total_counts_csr_##S) X(ck_normalize_total_counts_csc_##S)              \
  X(ck_normalize_total_counts_dense_##S) X(ck_normalize_total_csr_##S) X(ck_normalize_total_csc_##S)                \
  X(ck_normalize_total_dense_##S) X(ck_scale_csr_##S) X(ck_scale_csc_##S) X(ck_scale_dense_##S)                     \
  X(ck_qc_metrics_csr_##S)

#define CK_CUDA_KERNELS(X) CK_CUDA_KERNELS_OF(X, f32) CK_CUDA_KERNELS_OF(X, f64) X(ck_error_detail) X(ck_abi_version)
