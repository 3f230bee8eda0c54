// cellkernels — the raw sums behind scanpy.pp.calculate_qc_metrics on a CSR matrix, in one
// pass (the TypeScript adapter turns them into scanpy's columns and dtypes):
//
// per cell r (row):
//   total[r]            Σ x over the row, float64
//   ngenes[r]           number of x != 0 (explicit zeros are eliminated first, as scanpy does)
//   qc_total[q·n + r]   Σ x over the genes of QC set q (qc_masks[q·ncols + j] != 0), float64
//   top[t·n + r]        Σ of the ns[t] largest values of the row, float64 (see below)
// per gene j (column):
//   ncells[j]           number of x != 0
//   gene_total[j]       Σ x over the column, float64
//
// Top-N (scanpy's top_segment_proportions): the row's non-zero values, plus
// max(0, maxN − count) implicit zeros (so negative values rank below absent genes, as in
// scanpy), ordered descending, NaN last; top[t] is the running float64 sum of the first ns[t]
// of them, added in that descending order. The selection is a partial sort per row
// (std::nth_element to the largest maxN, then std::sort of those), so the result depends only
// on the row's values, never on the thread count or the algorithm's internal order.
//
// Threads: rows are cut into a fixed number of chunks (ck::reduction_chunks); each chunk writes
// its rows' outputs and its own partial per-gene arrays, merged in chunk order, so every
// thread count gives identical bits. Row sums are plain sequential float64 sums in storage
// order. Errors: ns must be strictly increasing in [1, ncols] (kInvalidArgument, detail 9); an
// index outside [0, ncols) fails with kIndexOutOfRange and the row in ck_error_detail.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>

#include "ck/common.h"
#include "ck/parallel.h"
#include "hwy/base.h"

namespace ck {
namespace {

/// Descending order with NaN after every number (a strict weak ordering, so sorting is safe).
template <typename T>
struct Descending {
  bool operator()(T a, T b) const {
    if (a != a) return false;
    if (b != b) return true;
    return a > b;
  }
};

struct QcOut {
  double* total;
  int32_t* ngenes;
  double* qc_total;
  double* top;
  int32_t* ncells;
  double* gene_total;
};

template <typename T>
int32_t qc_csr(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows, int32_t ncols,
               const uint8_t* qc_masks, int32_t nqc, const int32_t* ns, int32_t nns, const QcOut& o) {
  if (nrows < 0 || ncols < 0) {
    set_error_detail(nrows < 0 ? 3 : 4);
    return kInvalidArgument;
  }
  if (nqc < 0) {
    set_error_detail(7);
    return kInvalidArgument;
  }
  if (nns < 0) {
    set_error_detail(9);
    return kInvalidArgument;
  }
  for (int32_t t = 0; t < nns; ++t) {
    if (ns[t] < 1 || ns[t] > ncols || (t > 0 && ns[t] <= ns[t - 1])) {
      set_error_detail(9);
      return kInvalidArgument;
    }
  }
  const int32_t max_n = nns > 0 ? ns[nns - 1] : 0;
  const int32_t chunks = reduction_chunks(nrows);
  const size_t width = static_cast<size_t>(ncols);
  // Per chunk: width gene totals (double), then width cell counts (int32), 8-byte aligned.
  const size_t per_chunk = width * 8 + ((width * 4 + 7) & ~static_cast<size_t>(7));
  uint8_t* partial = static_cast<uint8_t*>(calloc(static_cast<size_t>(chunks) * per_chunk + 8, 1));
  int32_t* status = static_cast<int32_t*>(malloc(sizeof(int32_t) * 2 * static_cast<size_t>(chunks)));
  if (partial == nullptr || status == nullptr) {
    free(partial);
    free(status);
    return kOutOfMemory;
  }
  const size_t n = static_cast<size_t>(nrows);
  parallel_for(chunks, [&](int32_t c) {
    const int32_t r0 = static_cast<int32_t>(static_cast<int64_t>(nrows) * c / chunks);
    const int32_t r1 = static_cast<int32_t>(static_cast<int64_t>(nrows) * (c + 1) / chunks);
    double* gsum = reinterpret_cast<double*>(partial + static_cast<size_t>(c) * per_chunk);
    int32_t* gcnt = reinterpret_cast<int32_t*>(gsum + width);
    int32_t* st = status + 2 * c;
    st[0] = kOk;
    st[1] = -1;
    // Scratch for one row's non-zero values: the longest row of this chunk.
    T* scratch = nullptr;
    if (nns > 0) {
      int32_t longest = 0;
      for (int32_t r = r0; r < r1; ++r) longest = std::max(longest, indptr[r + 1] - indptr[r]);
      scratch = static_cast<T*>(malloc(sizeof(T) * (static_cast<size_t>(longest) + 1)));
      if (scratch == nullptr) {
        st[0] = kOutOfMemory;
        return;
      }
    }
    for (int32_t r = r0; r < r1; ++r) {
      double total = 0;
      int32_t nz = 0;
      for (int32_t q = 0; q < nqc; ++q) o.qc_total[static_cast<size_t>(q) * n + static_cast<size_t>(r)] = 0;
      for (int32_t k = indptr[r]; k < indptr[r + 1]; ++k) {
        const uint32_t j = static_cast<uint32_t>(indices[k]);
        if (HWY_UNLIKELY(j >= static_cast<uint32_t>(ncols))) {
          st[0] = kIndexOutOfRange;
          st[1] = r;
          free(scratch);
          return;
        }
        const T v = data[k];
        if (v == T(0)) continue;  // eliminate_zeros()
        const double dv = static_cast<double>(v);
        total += dv;
        gsum[j] += dv;
        gcnt[j] += 1;
        for (int32_t q = 0; q < nqc; ++q) {
          if (qc_masks[static_cast<size_t>(q) * width + j] != 0) o.qc_total[static_cast<size_t>(q) * n + static_cast<size_t>(r)] += dv;
        }
        if (nns > 0) scratch[nz] = v;
        ++nz;
      }
      o.total[r] = total;
      o.ngenes[r] = nz;
      if (nns == 0) continue;
      // The largest min(max_n, nz) values, sorted descending (NaN last).
      const int32_t keep = std::min(max_n, nz);
      if (keep < nz) std::nth_element(scratch, scratch + keep, scratch + nz, Descending<T>());
      std::sort(scratch, scratch + keep, Descending<T>());
      // Implicit zeros (max_n − nz of them when the row is short) rank after the `pos` values
      // >= 0 and before negative values and NaN. They add nothing, so the top-n sum is the
      // running sum of the first k stored values in that order, with k as below.
      const int32_t zeros = max_n > nz ? max_n - nz : 0;
      int32_t pos = 0;
      while (pos < keep && scratch[pos] >= T(0)) ++pos;
      double acc = 0;
      int32_t i = 0;
      for (int32_t t = 0; t < nns; ++t) {
        const int32_t want = ns[t];
        const int32_t k = want <= pos ? want : (want <= pos + zeros ? pos : want - zeros);
        for (; i < k; ++i) acc += static_cast<double>(scratch[i]);
        o.top[static_cast<size_t>(t) * n + static_cast<size_t>(r)] = acc;
      }
    }
    free(scratch);
  });
  int32_t result = kOk, detail = -1;
  for (int32_t c = 0; c < chunks && result == kOk; ++c) {
    result = status[2 * c];
    detail = status[2 * c + 1];
  }
  if (result == kOk && width > 0) {
    const double* g0 = reinterpret_cast<const double*>(partial);
    const int32_t* c0 = reinterpret_cast<const int32_t*>(g0 + width);
    memcpy(o.gene_total, g0, width * sizeof(double));
    memcpy(o.ncells, c0, width * sizeof(int32_t));
    for (int32_t c = 1; c < chunks; ++c) {
      const double* g = reinterpret_cast<const double*>(partial + static_cast<size_t>(c) * per_chunk);
      const int32_t* cnt = reinterpret_cast<const int32_t*>(g + width);
      for (size_t j = 0; j < width; ++j) {
        o.gene_total[j] += g[j];
        o.ncells[j] += cnt[j];
      }
    }
  }
  free(status);
  free(partial);
  if (result == kIndexOutOfRange) set_error_detail(detail);
  return result;
}

}  // namespace
}  // namespace ck

/// calculate_qc_metrics sums of a CSR float32 matrix (nrows × ncols). qc_masks: nqc × ncols
/// gene masks (u8, row-major); ns: nns strictly increasing top-N sizes in [1, ncols].
/// Outputs (caller-allocated): total[nrows] f64, ngenes[nrows] i32, qc_total[nqc·nrows] f64,
/// top[nns·nrows] f64, ncells[ncols] i32, gene_total[ncols] f64.
CK_EXPORT int32_t ck_qc_metrics_csr_f32(const int32_t* indptr, const int32_t* indices, const float* data,
                                        int32_t nrows, int32_t ncols, const uint8_t* qc_masks, int32_t nqc,
                                        const int32_t* ns, int32_t nns, double* total, int32_t* ngenes,
                                        double* qc_total, double* top, int32_t* ncells, double* gene_total) {
  return ck::qc_csr(indptr, indices, data, nrows, ncols, qc_masks, nqc, ns, nns,
                    ck::QcOut{total, ngenes, qc_total, top, ncells, gene_total});
}

/// float64 version of ck_qc_metrics_csr_f32.
CK_EXPORT int32_t ck_qc_metrics_csr_f64(const int32_t* indptr, const int32_t* indices, const double* data,
                                        int32_t nrows, int32_t ncols, const uint8_t* qc_masks, int32_t nqc,
                                        const int32_t* ns, int32_t nns, double* total, int32_t* ngenes,
                                        double* qc_total, double* top, int32_t* ncells, double* gene_total) {
  return ck::qc_csr(indptr, indices, data, nrows, ncols, qc_masks, nqc, ns, nns,
                    ck::QcOut{total, ngenes, qc_total, top, ncells, gene_total});
}
