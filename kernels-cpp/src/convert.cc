// cellkernels — CSR ⇄ CSC conversion, exactly as scipy's `tocsc()` / `tocsr()` (csr_tocsc):
// the same stored values (explicit zeros and duplicates kept), indices sorted within every
// output slice (input slices are visited in order, so this holds even for unsorted input),
// values copied bit for bit.
//
// Both directions are one transpose of a compressed structure with `nmajor` slices over
// `nminor` positions: count per minor position, prefix sum into out_indptr, scatter.
// Threads: the input slices are cut into a fixed number of chunks (depending on the sizes
// only); each chunk counts into its own array, the prefix sum gives every chunk its own write
// positions per output slice, and chunks then scatter in parallel — the output is the one a
// sequential pass writes, for any thread count. When every input slice is sorted, each chunk
// scatters one tile of output slices at a time (see the scatter). An index outside [0, nminor) fails with
// kIndexOutOfRange and the input slice in ck_error_detail (outputs then unspecified).
#include <stdlib.h>
#include <string.h>

#include <atomic>

#include "ck/common.h"
#include "ck/parallel.h"
#include "hwy/base.h"

namespace ck {
namespace {

template <typename T>
int32_t transpose(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nmajor, int32_t nminor,
                  int32_t* out_indptr, int32_t* out_indices, T* out_data) {
  // Chunks: reduction_chunks(nmajor), fewer when the per-chunk counters would pass 4 Mi.
  int32_t chunks = reduction_chunks(nmajor);
  const int64_t budget = int64_t{1} << 22;
  if (nminor > 0 && static_cast<int64_t>(chunks) * nminor > budget) {
    const int64_t c = budget / nminor;
    chunks = c < 1 ? 1 : static_cast<int32_t>(c);
  }
  const size_t width = static_cast<size_t>(nminor);
  int32_t* next = static_cast<int32_t*>(calloc(static_cast<size_t>(chunks) * width + 1, 4));
  int32_t* bad = static_cast<int32_t*>(malloc(sizeof(int32_t) * static_cast<size_t>(chunks)));
  if (next == nullptr || bad == nullptr) {
    free(next);
    free(bad);
    return kOutOfMemory;
  }
  // 32-bit loop counters: on wasm32 a 64-bit one costs an i64 op and a wrap per address.
  auto range = [&](int32_t c, int32_t* r0, int32_t* r1) {
    *r0 = static_cast<int32_t>(static_cast<int64_t>(nmajor) * c / chunks);
    *r1 = static_cast<int32_t>(static_cast<int64_t>(nmajor) * (c + 1) / chunks);
  };
  // Count pass; it also finds whether every input slice is sorted (non-decreasing), which the
  // tiled scatter below needs.
  std::atomic<bool> sorted{true};
  parallel_for(chunks, [&](int32_t c) {
    int32_t r0, r1;
    range(c, &r0, &r1);
    int32_t* HWY_RESTRICT cnt = next + static_cast<size_t>(c) * width;
    const uint32_t n = static_cast<uint32_t>(nminor);
    uint32_t descents = 0;
    bad[c] = -1;
    for (int32_t r = r0; r < r1 && bad[c] < 0; ++r) {
      const int32_t end = indptr[r + 1];
      uint32_t prev = 0;
      for (int32_t k = indptr[r]; k < end; ++k) {
        const uint32_t j = static_cast<uint32_t>(indices[k]);
        if (HWY_UNLIKELY(j >= n)) {
          bad[c] = r;
          break;
        }
        cnt[j] += 1;
        descents |= static_cast<uint32_t>(j < prev);
        prev = j;
      }
    }
    if (descents != 0) sorted.store(false, std::memory_order_relaxed);
  });
  int32_t bad_row = -1;
  for (int32_t c = 0; c < chunks && bad_row < 0; ++c) bad_row = bad[c];
  if (bad_row >= 0) {
    free(next);
    free(bad);
    set_error_detail(bad_row);
    return kIndexOutOfRange;
  }
  // Write positions: output slice j holds chunk 0's entries, then chunk 1's, …
  int32_t run = 0;
  out_indptr[0] = 0;
  for (size_t j = 0; j < width; ++j) {
    for (int32_t c = 0; c < chunks; ++c) {
      int32_t* cnt = next + static_cast<size_t>(c) * width + j;
      const int32_t n = *cnt;
      *cnt = run;
      run += n;
    }
    out_indptr[j + 1] = run;
  }
  // Scatter. Sorted input is scattered a tile of kTile output slices at a time (each input
  // slice keeps a cursor to its first value not yet scattered): fewer write positions in use at
  // once: one thread, 0.82-0.84 of the untiled time natively and 0.82-0.88 in wasm
  // (bench/micro/convert_ab.cc); 0.82 end to end on nb100k (bench/paired.mjs --baseline).
  // Within every output slice the order is the same either way: input slices in order.
  // Every tile visits every input slice: only when that is at most one visit per 4 values
  // (a very wide, very sparse matrix stays on the plain scatter).
  const int32_t kTile = 512;
  const int64_t tiles = (static_cast<int64_t>(nminor) + kTile - 1) / kTile;
  const bool tiled = sorted.load() && tiles > 1 && tiles * nmajor <= static_cast<int64_t>(indptr[nmajor]) / 4;
  int32_t* cursor = tiled ? static_cast<int32_t*>(malloc(sizeof(int32_t) * (static_cast<size_t>(nmajor) + 1))) : nullptr;
  parallel_for(chunks, [&](int32_t c) {
    int32_t r0, r1;
    range(c, &r0, &r1);
    int32_t* pos = next + static_cast<size_t>(c) * width;
    const auto put = [&](int32_t r, int32_t k) {
      const int32_t p = pos[indices[k]]++;
      out_indices[p] = r;
      out_data[p] = data[k];
    };
    if (cursor == nullptr) {
      for (int32_t r = r0; r < r1; ++r)
        for (int32_t k = indptr[r], end = indptr[r + 1]; k < end; ++k) put(r, k);
      return;
    }
    for (int32_t r = r0; r < r1; ++r) cursor[r] = indptr[r];
    for (int32_t t0 = 0; t0 < nminor; t0 += kTile) {
      const int32_t t1 = nminor - t0 <= kTile ? nminor : t0 + kTile;
      for (int32_t r = r0; r < r1; ++r) {
        const int32_t end = indptr[r + 1];
        int32_t k = cursor[r];
        for (; k < end && indices[k] < t1; ++k) put(r, k);
        cursor[r] = k;
      }
    }
  });
  free(cursor);
  free(next);
  free(bad);
  return kOk;
}

inline int32_t check_dims(int32_t nrows, int32_t ncols) {
  if (nrows < 0 || ncols < 0) {
    set_error_detail(nrows < 0 ? 3 : 4);
    return kInvalidArgument;
  }
  return kOk;
}

}  // namespace
}  // namespace ck

/// CSR float32 (nrows × ncols) → CSC: out_indptr (ncols + 1), out_indices (row numbers) and
/// out_data (nnz each), caller-allocated.
CK_EXPORT int32_t ck_to_csc_csr_f32(const int32_t* indptr, const int32_t* indices, const float* data, int32_t nrows,
                                    int32_t ncols, int32_t* out_indptr, int32_t* out_indices, float* out_data) {
  const int32_t st = ck::check_dims(nrows, ncols);
  return st != ck::kOk ? st : ck::transpose(indptr, indices, data, nrows, ncols, out_indptr, out_indices, out_data);
}

/// float64 version of ck_to_csc_csr_f32.
CK_EXPORT int32_t ck_to_csc_csr_f64(const int32_t* indptr, const int32_t* indices, const double* data, int32_t nrows,
                                    int32_t ncols, int32_t* out_indptr, int32_t* out_indices, double* out_data) {
  const int32_t st = ck::check_dims(nrows, ncols);
  return st != ck::kOk ? st : ck::transpose(indptr, indices, data, nrows, ncols, out_indptr, out_indices, out_data);
}

/// CSC float32 (nrows × ncols; indptr over columns) → CSR: out_indptr (nrows + 1),
/// out_indices (column numbers), out_data.
CK_EXPORT int32_t ck_to_csr_csc_f32(const int32_t* indptr, const int32_t* indices, const float* data, int32_t nrows,
                                    int32_t ncols, int32_t* out_indptr, int32_t* out_indices, float* out_data) {
  const int32_t st = ck::check_dims(nrows, ncols);
  return st != ck::kOk ? st : ck::transpose(indptr, indices, data, ncols, nrows, out_indptr, out_indices, out_data);
}

/// float64 version of ck_to_csr_csc_f32.
CK_EXPORT int32_t ck_to_csr_csc_f64(const int32_t* indptr, const int32_t* indices, const double* data, int32_t nrows,
                                    int32_t ncols, int32_t* out_indptr, int32_t* out_indices, double* out_data) {
  const int32_t st = ck::check_dims(nrows, ncols);
  return st != ck::kOk ? st : ck::transpose(indptr, indices, data, ncols, nrows, out_indptr, out_indices, out_data);
}
