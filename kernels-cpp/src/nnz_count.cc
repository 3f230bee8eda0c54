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

#include <type_traits>

#include "ck/common.h"
#include "ck/parallel.h"
#include "ck/reduce.h"
#include "ck/simd.h"

namespace ck {
namespace {

/// 1 when v counts: v > 0 (Positive) or v != 0.
template <bool Positive, typename T>
inline int32_t counts(T v) {
  return (Positive ? v > T(0) : v != T(0)) ? 1 : 0;
}

/// Number of values that count in v[0, n): four vector accumulators of mask lanes (−1 each),
/// then the scalar tail. V8 ran LLVM's auto-vectorised loop (one accumulator) about 1.2× slower
/// on rows of ~1,400 values. Highway 1.0's wasm target has no float64 vectors: doubles there
/// take the scalar loop.
template <bool Positive, typename T>
inline int32_t count_span(const T* HWY_RESTRICT v, size_t n) {
  size_t i = 0;
  int32_t c = 0;
  if constexpr (kHasVectors<T>)
  {
    const hn::ScalableTag<T> d;
    const hn::RebindToSigned<decltype(d)> di;
    const size_t N = hn::Lanes(d);
    const auto zero = hn::Zero(d);
    const auto lanes = [&](size_t k) {
      const auto x = hn::LoadU(d, v + k);
      return hn::BitCast(di, hn::VecFromMask(d, Positive ? hn::Gt(x, zero) : hn::Ne(x, zero)));
    };
    auto a0 = hn::Zero(di), a1 = a0, a2 = a0, a3 = a0;
    for (; i + 4 * N <= n; i += 4 * N) {
      a0 = hn::Sub(a0, lanes(i));
      a1 = hn::Sub(a1, lanes(i + N));
      a2 = hn::Sub(a2, lanes(i + 2 * N));
      a3 = hn::Sub(a3, lanes(i + 3 * N));
    }
    for (; i + N <= n; i += N) a0 = hn::Sub(a0, lanes(i));
    c = static_cast<int32_t>(hn::GetLane(hn::SumOfLanes(di, hn::Add(hn::Add(a0, a1), hn::Add(a2, a3)))));
  }
  for (; i < n; ++i) c += counts<Positive>(v[i]);
  return c;
}

template <typename T>
inline int32_t count_span(const T* v, int32_t count, bool positive) {
  const size_t n = count > 0 ? static_cast<size_t>(count) : 0;
  return positive ? count_span<true>(v, n) : count_span<false>(v, n);
}

/// out = p[0] + p[1] + … over `width` columns.
inline void merge_counts(const Partials<int32_t>& p, size_t width, int32_t* out) {
  if (width == 0) return;
  memcpy(out, p[0], width * sizeof(int32_t));
  for (int32_t c = 1; c < p.count; ++c) {
    const int32_t* q = p[c];
    for (size_t j = 0; j < width; ++j) out[j] += q[j];
  }
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

/// acc[indices[k]] += counts(data[k]) over the stored values of rows [r0, r1). float32 takes
/// four values at a time (ck::for_each_stored4, clamping): one vector compare tests four values,
/// where the scalar loop has a float compare per value.
template <bool Positive, typename T>
int32_t count_scatter(const int32_t* HWY_RESTRICT indptr, const int32_t* HWY_RESTRICT indices,
                      const T* HWY_RESTRICT v, int32_t r0, int32_t r1, int32_t ncols, int32_t* HWY_RESTRICT acc) {
  const auto one = [&](uint32_t j, size_t k) { acc[j] += counts<Positive>(v[k]); };
  if constexpr (sizeof(T) == 4) {
    const hn::Full128<float> df;
    const hn::Full128<int32_t> di;
    const auto zero = hn::Zero(df);
    return for_each_stored4<true>(
        indptr, indices, r0, r1, ncols,
        [&](auto j, size_t k) {
          const auto x = hn::LoadU(df, v + k);
          const auto c = hn::BitCast(di, hn::VecFromMask(df, Positive ? hn::Gt(x, zero) : hn::Ne(x, zero)));
          acc[hn::ExtractLane(j, 0)] -= hn::ExtractLane(c, 0);  // lanes are −1 where the value counts
          acc[hn::ExtractLane(j, 1)] -= hn::ExtractLane(c, 1);
          acc[hn::ExtractLane(j, 2)] -= hn::ExtractLane(c, 2);
          acc[hn::ExtractLane(j, 3)] -= hn::ExtractLane(c, 3);
        },
        one);
  }
  return for_each_stored(indptr, indices, r0, r1, ncols, one);
}

template <bool Positive, typename T>
int32_t count_minor(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nmajor,
                    int32_t nminor, int32_t* out) {
  const size_t width = static_cast<size_t>(nminor);
  return column_reduce<int32_t>(
      nmajor, width,
      [&](int32_t r0, int32_t r1, int32_t* HWY_RESTRICT acc) {
        return count_scatter<Positive>(indptr, indices, data, r0, r1, nminor, acc);
      },
      [&](const Partials<int32_t>& p) { merge_counts(p, width, out); });
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
  return positive != 0 ? count_minor<true>(indptr, indices, data, nmajor, nminor, out)
                       : count_minor<false>(indptr, indices, data, nmajor, nminor, out);
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
  auto by_chunk = [&](auto positive) {
    return column_reduce<int32_t>(
        nrows, width,
        [&](int32_t r0, int32_t r1, int32_t* HWY_RESTRICT acc) {
          for (int32_t r = r0; r < r1; ++r) {
            const T* HWY_RESTRICT row = data + static_cast<size_t>(r) * width;
            for (size_t j = 0; j < width; ++j) acc[j] += counts<decltype(positive)::value>(row[j]);
          }
          return int32_t{-1};
        },
        [&](const Partials<int32_t>& p) { merge_counts(p, width, out); });
  };
  return pos ? by_chunk(std::true_type()) : by_chunk(std::false_type());
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
