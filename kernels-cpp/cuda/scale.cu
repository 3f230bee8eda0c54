// cellkernels CUDA — scale (scanpy.pp.scale with mask_obs), as kernels-cpp/src/scale.cc: per-gene
// mean and std (ddof 1, std 0 → 1) over the cells in `mask`, then
//   zero_center, sparse input: dense float64 out = clip((x − mean) / std) for masked rows
//   zero_center, dense input:  T(T(x − mean) / std), clipped (numpy in place on T data)
//   no centring: CSR (and CSC with a mask) T(min(max, x/std)), numba's min (NaN → max);
//                CSC without a mask and dense T(x/std) then > max → max.
// Rows outside the mask keep their values. Squares are rounded to T where scanpy squares in T.
// Statistics: CSR and dense are minor-axis reductions (reduce.cuh), CSC one task per column;
// transforms are element-wise (one team per slice for sparse values).
#include <math.h>

#include "abi.h"
#include "ck_cuda.h"
#include "reduce.cuh"

namespace ck {
namespace gpu {
namespace {

CK_DEVICE bool used(const uint8_t* mask, int64_t r) { return mask == nullptr || mask[r] != 0; }

CK_DEVICE double clip_both(double v, bool clip, double max) {
  if (!clip) return v;
  if (v > max) return max;
  if (v < -max) return -max;
  return v;
}

template <typename T>
CK_DEVICE double square(T v, bool in_dtype) {
  if (in_dtype) return static_cast<double>(static_cast<T>(v * v));
  const double d = static_cast<double>(v);
  return d * d;
}

/// mean and std from float64 sums over n values (scanpy's formula, operation for operation).
CK_DEVICE void scale_finish(double s, double q, int32_t n, double* mean, double* std) {
  const double dn = static_cast<double>(n);
  const double m = s / dn;
  double v = q / dn - m * m;
  if (n != 1) v *= dn / (dn - 1);
  *mean = m;
  const double sd = sqrt(v);
  *std = sd == 0 ? 1.0 : sd;
}

CK_GLOBAL void count_used(const uint8_t* mask, int32_t nrows, int32_t* n) {
  for (CK_STRIDE(r, nrows))
    if (mask[r] != 0) atomic_add(n, 1);  // an integer count: any order gives the same result
}

/// CSR and dense statistics (squares in T), over the rows in the mask.
template <typename T>
struct StatsOp {
  typedef double Acc;
  static constexpr int kAcc = 2;
  const T* data;
  const uint8_t* mask;
  const int32_t* n_used;
  double* mean;
  double* std;
  CK_DEVICE bool use(int64_t r) const { return used(mask, r); }
  CK_DEVICE void add(double* acc, int32_t stride, int32_t j, int64_t k) const {
    acc[j] += static_cast<double>(data[k]);
    acc[stride + j] += square(data[k], true);
  }
  CK_DEVICE void finish(int32_t j, const double* s) const { scale_finish(s[0], s[1], *n_used, mean + j, std + j); }
};

template <typename T>
CK_GLOBAL void csc_stats(const int32_t* indptr, const int32_t* indices, const T* data, int32_t ncols,
                         const uint8_t* mask, int32_t as_csr, const int32_t* n_used, double* mean, double* std) {
  for (CK_STRIDE(c, ncols)) {
    double s = 0, q = 0;
    for (int32_t k = indptr[c]; k < indptr[c + 1]; ++k) {
      if (!used(mask, indices[k])) continue;
      s += static_cast<double>(data[k]);
      q += square(data[k], as_csr != 0);
    }
    scale_finish(s, q, *n_used, mean + c, std + c);
  }
}

/// Sparse zero-centring: scatter the stored values into the zeroed dense rows…
template <typename T>
CK_GLOBAL void scatter_csr(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows, int32_t ncols,
                           double* out) {
  for (CK_STRIDE(r, nrows)) {
    double* row = out + r * ncols;
    for (int32_t k = indptr[r]; k < indptr[r + 1]; ++k) row[indices[k]] += static_cast<double>(data[k]);
  }
}

template <typename T>
CK_GLOBAL void scatter_csc(const int32_t* indptr, const int32_t* indices, const T* data, int32_t ncols, double* out) {
  for (CK_STRIDE(c, ncols))
    for (int32_t k = indptr[c]; k < indptr[c + 1]; ++k)
      out[static_cast<int64_t>(indices[k]) * ncols + c] += static_cast<double>(data[k]);
}

/// … then centre, scale and clip the rows in the mask.
CK_GLOBAL void center_rows(double* out, int64_t n, int32_t ncols, const uint8_t* mask, const double* mean,
                           const double* std, int32_t clip, double max) {
  for (CK_STRIDE(i, n)) {
    if (!used(mask, i / ncols)) continue;
    const int64_t c = i % ncols;
    out[i] = clip_both((out[i] - mean[c]) / std[c], clip != 0, max);
  }
}

/// CSR without centring: T(min(max, x/std)) for rows in the mask (one team per row).
template <typename T>
CK_GLOBAL void scale_csr_values(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows,
                                const uint8_t* mask, const double* std, int32_t clip, double max, T* out) {
  const Team tm = team();
  for (int64_t r = tm.first; r < nrows; r += tm.step) {
    const bool use = used(mask, r);
    for (int64_t k = indptr[r] + tm.lane; k < indptr[r + 1]; k += tm.width) {
      if (!use) {
        out[k] = data[k];
        continue;
      }
      const double v = static_cast<double>(data[k]) / std[indices[k]];
      out[k] = static_cast<T>(clip != 0 ? (v < max ? v : max) : v);
    }
  }
}

/// CSC without centring (one team per column).
template <typename T>
CK_GLOBAL void scale_csc_values(const int32_t* indptr, const int32_t* indices, const T* data, int32_t ncols,
                                const uint8_t* mask, const double* std, int32_t as_csr, int32_t clip, double max,
                                T* out) {
  const Team tm = team();
  for (int64_t c = tm.first; c < ncols; c += tm.step) {
    for (int64_t k = indptr[c] + tm.lane; k < indptr[c + 1]; k += tm.width) {
      if (!used(mask, indices[k])) {
        out[k] = data[k];
        continue;
      }
      const double v = static_cast<double>(data[k]) / std[c];
      if (clip == 0) {
        out[k] = static_cast<T>(v);
      } else if (as_csr != 0) {
        out[k] = static_cast<T>(v < max ? v : max);
      } else {
        const T t = static_cast<T>(v);
        out[k] = static_cast<double>(t) > max ? static_cast<T>(max) : t;
      }
    }
  }
}

template <typename T>
CK_GLOBAL void scale_dense_values(const T* data, int64_t n, int32_t ncols, const uint8_t* mask, int32_t zero_center,
                                  const double* mean, const double* std, int32_t clip, double max, T* out) {
  const T tmax = static_cast<T>(max), tmin = static_cast<T>(-max);
  for (CK_STRIDE(i, n)) {
    if (!used(mask, i / ncols)) {
      out[i] = data[i];
      continue;
    }
    const int64_t j = i % ncols;
    T v = zero_center != 0 ? static_cast<T>(static_cast<double>(data[i]) - mean[j]) : data[i];
    v = static_cast<T>(static_cast<double>(v) / std[j]);
    if (clip != 0) {
      if (static_cast<double>(v) > max) v = tmax;
      else if (zero_center != 0 && static_cast<double>(v) < -max) v = tmin;
    }
    out[i] = v;
  }
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

/// The number of cells in the mask, on the device (scratch owned by the caller).
int32_t used_count(const uint8_t* mask, int32_t nrows, int32_t* n) {
  const int32_t start = mask == nullptr ? nrows : 0;
  if (copy_to_device(n, &start, sizeof(start)) != kOk) return kDeviceError;
  if (mask != nullptr && nrows > 0) launch(count_used, grid_for(nrows), mask, nrows, n);
  return check_launch("scale count");
}

/// Dense float64 zero-centred output of a sparse input (out: nrows × ncols).
int32_t center(double* out, int32_t nrows, int32_t ncols, const uint8_t* mask, const double* mean, const double* std,
               int32_t clip, double max) {
  const int64_t n = static_cast<int64_t>(nrows) * ncols;
  if (n > 0) launch(center_rows, grid_for(n), out, n, ncols, mask, mean, std, clip, max);
  return check_launch("scale");
}

template <typename T>
int32_t scale_csr(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows, int32_t ncols,
                  const uint8_t* mask, int32_t zero_center, int32_t clip, double max, double* mean, double* std,
                  void* out) {
  if (int32_t s = check_args(nrows, ncols, clip, max, 3)) return s;
  Scratch n_used(sizeof(int32_t));
  if (n_used.p == nullptr) return kOutOfMemory;
  if (int32_t s = used_count(mask, nrows, n_used.as<int32_t>())) return s;
  const StatsOp<T> op{data, mask, n_used.as<int32_t>(), mean, std};
  if (int32_t s = reduce_minor(op, indptr, indices, nrows, ncols)) return s;
  if (zero_center != 0) {
    double* o = static_cast<double*>(out);
    if (fill_bytes(o, 0, static_cast<size_t>(nrows) * static_cast<size_t>(ncols) * sizeof(double)) != kOk) {
      return kDeviceError;
    }
    if (nrows > 0) launch(scatter_csr<T>, grid_for(nrows), indptr, indices, data, nrows, ncols, o);
    return center(o, nrows, ncols, mask, mean, std, clip, max);
  }
  if (nrows > 0) {
    launch(scale_csr_values<T>, grid_for(static_cast<int64_t>(nrows) * 32), indptr, indices, data, nrows, mask,
           static_cast<const double*>(std), clip, max, static_cast<T*>(out));
  }
  return check_launch("scale");
}

template <typename T>
int32_t scale_csc(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows, int32_t ncols,
                  const uint8_t* mask, int32_t zero_center, int32_t clip, double max, double* mean, double* std,
                  void* out) {
  if (int32_t s = check_args(nrows, ncols, clip, max, 3)) return s;
  const int32_t as_csr = zero_center == 0 && mask != nullptr ? 1 : 0;  // scanpy's CSR path
  bool sorted = true;
  if (int32_t s = check_indices(indptr, indices, ncols, nrows, &sorted)) return s;  // detail: the column
  Scratch n_used(sizeof(int32_t));
  if (n_used.p == nullptr) return kOutOfMemory;
  if (int32_t s = used_count(mask, nrows, n_used.as<int32_t>())) return s;
  if (ncols > 0) {
    launch(csc_stats<T>, grid_for(ncols), indptr, indices, data, ncols, mask, as_csr,
           static_cast<const int32_t*>(n_used.as<int32_t>()), mean, std);
  }
  if (zero_center != 0) {
    double* o = static_cast<double*>(out);
    if (fill_bytes(o, 0, static_cast<size_t>(nrows) * static_cast<size_t>(ncols) * sizeof(double)) != kOk) {
      return kDeviceError;
    }
    if (ncols > 0) launch(scatter_csc<T>, grid_for(ncols), indptr, indices, data, ncols, o);
    return center(o, nrows, ncols, mask, mean, std, clip, max);
  }
  if (ncols > 0) {
    launch(scale_csc_values<T>, grid_for(static_cast<int64_t>(ncols) * 32), indptr, indices, data, ncols, mask,
           static_cast<const double*>(std), as_csr, clip, max, static_cast<T*>(out));
  }
  return check_launch("scale");
}

template <typename T>
int32_t scale_dense(const T* data, int32_t nrows, int32_t ncols, const uint8_t* mask, int32_t zero_center,
                    int32_t clip, double max, double* mean, double* std, T* out) {
  if (int32_t s = check_args(nrows, ncols, clip, max, 1)) return s;
  Scratch n_used(sizeof(int32_t));
  if (n_used.p == nullptr) return kOutOfMemory;
  if (int32_t s = used_count(mask, nrows, n_used.as<int32_t>())) return s;
  const StatsOp<T> op{data, mask, n_used.as<int32_t>(), mean, std};
  if (int32_t s = reduce_dense_columns(op, nrows, ncols)) return s;
  const int64_t n = static_cast<int64_t>(nrows) * ncols;
  if (n > 0) {
    launch(scale_dense_values<T>, grid_for(n), data, n, ncols, mask, zero_center, static_cast<const double*>(mean),
           static_cast<const double*>(std), clip, max, out);
  }
  return check_launch("scale");
}

}  // namespace
}  // namespace gpu
}  // namespace ck

#define CK_SCALE(T, S)                                                                                              \
  CK_EXPORT int32_t ck_scale_csr_##S(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows,   \
                                     int32_t ncols, const uint8_t* mask, int32_t zero_center, int32_t clip,         \
                                     double max_value, double* mean, double* std, void* out) {                      \
    return ck::gpu::scale_csr(indptr, indices, data, nrows, ncols, mask, zero_center, clip, max_value, mean, std,   \
                              out);                                                                                 \
  }                                                                                                                 \
  CK_EXPORT int32_t ck_scale_csc_##S(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows,   \
                                     int32_t ncols, const uint8_t* mask, int32_t zero_center, int32_t clip,         \
                                     double max_value, double* mean, double* std, void* out) {                      \
    return ck::gpu::scale_csc(indptr, indices, data, nrows, ncols, mask, zero_center, clip, max_value, mean, std,   \
                              out);                                                                                 \
  }                                                                                                                 \
  CK_EXPORT int32_t ck_scale_dense_##S(const T* data, int32_t nrows, int32_t ncols, const uint8_t* mask,            \
                                       int32_t zero_center, int32_t clip, double max_value, double* mean,           \
                                       double* std, T* out) {                                                       \
    return ck::gpu::scale_dense(data, nrows, ncols, mask, zero_center, clip, max_value, mean, std, out);            \
  }
CK_SCALE(float, f32)
CK_SCALE(double, f64)
