// cellkernels — row/column subset of a CSR matrix, `X[rows][:, cols]` as scipy/AnnData index
// it, in two calls so the caller can allocate the result where it wants (resident or not):
//
//   ck_subset_count_csr  → out_indptr (nrows_out + 1) of the result
//   ck_subset_fill_csr_* → out_indices / out_data (out_indptr[nrows_out] values)
//
// `rows` lists the kept rows in output order (repeats allowed); nrows_out < 0 keeps every row
// (rows is ignored). `cols` lists the kept columns: output column k is input column cols[k]
// (repeats allowed); ncols_out < 0 keeps every column. When cols is non-decreasing (a mask
// always is) each output row keeps the input order of its entries, so a sorted input stays
// sorted; otherwise each output row is sorted by its new column index (ties in input order).
// Values are copied bit for bit.
//
// Threads: output rows are processed in fixed blocks, each writing its own range; the prefix
// sum of the counts is sequential. Identical bits for any thread count. Errors: a row or
// column number out of range → kIndexOutOfRange with its position in rows/cols as detail; a
// stored index outside [0, ncols) → kIndexOutOfRange with the input row; a result with more
// than 2^31 − 1 values → kOutOfMemory.
#include <stdlib.h>
#include <string.h>

#include <algorithm>

#include "ck/common.h"
#include "ck/parallel.h"
#include "hwy/base.h"

namespace ck {
namespace {

/// Inverse of `cols`: for input column j, the output columns pos[start[j] .. start[j+1]).
struct ColMap {
  int32_t* start = nullptr;  // ncols + 1
  int32_t* pos = nullptr;    // ncols_out
  bool monotone = true;      // cols non-decreasing
  ~ColMap() {
    free(start);
    free(pos);
  }
};

int32_t build_map(const int32_t* cols, int32_t ncols_out, int32_t ncols, ColMap* m) {
  m->start = static_cast<int32_t*>(calloc(static_cast<size_t>(ncols) + 2, 4));
  m->pos = static_cast<int32_t*>(malloc(sizeof(int32_t) * (static_cast<size_t>(ncols_out) + 1)));
  if (m->start == nullptr || m->pos == nullptr) return kOutOfMemory;
  for (int32_t k = 0; k < ncols_out; ++k) {
    const int32_t j = cols[k];
    if (j < 0 || j >= ncols) {
      set_error_detail(k);
      return kIndexOutOfRange;
    }
    if (k > 0 && j < cols[k - 1]) m->monotone = false;
    m->start[j + 1] += 1;
  }
  for (int32_t j = 0; j < ncols; ++j) m->start[j + 1] += m->start[j];
  // Fill positions in increasing k; start[j] runs ahead and is restored below.
  for (int32_t k = 0; k < ncols_out; ++k) m->pos[m->start[cols[k]]++] = k;
  for (int32_t j = ncols; j > 0; --j) m->start[j] = m->start[j - 1];
  m->start[0] = 0;
  return kOk;
}

struct Args {
  const int32_t* indptr;
  const int32_t* indices;
  int32_t nrows, ncols;
  const int32_t* rows;
  int32_t nrows_out;  // resolved (≥ 0)
  bool all_rows;
  const int32_t* cols;
  int32_t ncols_out;  // < 0: all columns
};

int32_t check_args(const Args& a) {
  if (a.nrows < 0 || a.ncols < 0) {
    set_error_detail(a.nrows < 0 ? 2 : 3);
    return kInvalidArgument;
  }
  if (!a.all_rows) {
    for (int32_t i = 0; i < a.nrows_out; ++i) {
      if (a.rows[i] < 0 || a.rows[i] >= a.nrows) {
        set_error_detail(i);
        return kIndexOutOfRange;
      }
    }
  }
  return kOk;
}

int32_t subset_count(const Args& a, int32_t* out_indptr) {
  int32_t st = check_args(a);
  if (st != kOk) return st;
  ColMap map;
  const bool by_col = a.ncols_out >= 0;
  if (by_col && (st = build_map(a.cols, a.ncols_out, a.ncols, &map)) != kOk) return st;
  const int32_t kBlock = 4096;
  const int32_t nblocks = num_blocks(a.nrows_out, kBlock);
  int32_t* bad = static_cast<int32_t*>(malloc(sizeof(int32_t) * (static_cast<size_t>(nblocks) + 1)));
  if (bad == nullptr) return kOutOfMemory;
  parallel_for(nblocks, [&](int32_t b) {
    bad[b] = -1;
    const int32_t end = (b + 1) * kBlock < a.nrows_out ? (b + 1) * kBlock : a.nrows_out;
    for (int32_t i = b * kBlock; i < end; ++i) {
      const int32_t r = a.all_rows ? i : a.rows[i];
      int64_t n = 0;
      if (!by_col) {
        n = a.indptr[r + 1] - a.indptr[r];
      } else {
        for (int32_t k = a.indptr[r]; k < a.indptr[r + 1]; ++k) {
          const uint32_t j = static_cast<uint32_t>(a.indices[k]);
          if (HWY_UNLIKELY(j >= static_cast<uint32_t>(a.ncols))) {
            bad[b] = r;
            return;
          }
          n += map.start[j + 1] - map.start[j];
        }
      }
      // Counts are stored as int32 here and summed in int64 below; one row cannot exceed
      // nnz · ncols_out, so clamp to detect overflow.
      out_indptr[i + 1] = n > 0x7fffffff ? 0x7fffffff : static_cast<int32_t>(n);
    }
  });
  int32_t bad_row = -1;
  for (int32_t b = 0; b < nblocks && bad_row < 0; ++b) bad_row = bad[b];
  free(bad);
  if (bad_row >= 0) {
    set_error_detail(bad_row);
    return kIndexOutOfRange;
  }
  out_indptr[0] = 0;
  int64_t run = 0;
  for (int32_t i = 0; i < a.nrows_out; ++i) {
    run += out_indptr[i + 1];
    if (run > 0x7fffffff) return kOutOfMemory;
    out_indptr[i + 1] = static_cast<int32_t>(run);
  }
  return kOk;
}

template <typename T>
int32_t subset_fill(const Args& a, const T* data, const int32_t* out_indptr, int32_t* out_indices, T* out_data) {
  int32_t st = check_args(a);
  if (st != kOk) return st;
  ColMap map;
  const bool by_col = a.ncols_out >= 0;
  if (by_col && (st = build_map(a.cols, a.ncols_out, a.ncols, &map)) != kOk) return st;
  const bool sort_rows = by_col && !map.monotone;
  const int32_t kBlock = 4096;
  const int32_t nblocks = num_blocks(a.nrows_out, kBlock);
  int32_t* status = static_cast<int32_t*>(malloc(sizeof(int32_t) * 2 * (static_cast<size_t>(nblocks) + 1)));
  if (status == nullptr) return kOutOfMemory;
  parallel_for(nblocks, [&](int32_t b) {
    int32_t* s = status + 2 * b;
    s[0] = kOk;
    s[1] = -1;
    const int32_t i0 = b * kBlock;
    const int32_t end = (b + 1) * kBlock < a.nrows_out ? (b + 1) * kBlock : a.nrows_out;
    uint64_t* keys = nullptr;
    T* tmp = nullptr;
    if (sort_rows) {
      int32_t longest = 0;
      for (int32_t i = i0; i < end; ++i) longest = std::max(longest, out_indptr[i + 1] - out_indptr[i]);
      keys = static_cast<uint64_t*>(malloc(sizeof(uint64_t) * (static_cast<size_t>(longest) + 1)));
      tmp = static_cast<T*>(malloc(sizeof(T) * (static_cast<size_t>(longest) + 1)));
      if (keys == nullptr || tmp == nullptr) {
        free(keys);
        free(tmp);
        s[0] = kOutOfMemory;
        return;
      }
    }
    for (int32_t i = i0; i < end; ++i) {
      const int32_t r = a.all_rows ? i : a.rows[i];
      int32_t p = out_indptr[i];
      if (!by_col) {
        const int32_t n = a.indptr[r + 1] - a.indptr[r];
        memcpy(out_indices + p, a.indices + a.indptr[r], sizeof(int32_t) * static_cast<size_t>(n));
        memcpy(out_data + p, data + a.indptr[r], sizeof(T) * static_cast<size_t>(n));
        continue;
      }
      for (int32_t k = a.indptr[r]; k < a.indptr[r + 1]; ++k) {
        const uint32_t j = static_cast<uint32_t>(a.indices[k]);
        if (HWY_UNLIKELY(j >= static_cast<uint32_t>(a.ncols))) {
          s[0] = kIndexOutOfRange;
          s[1] = r;
          free(keys);
          free(tmp);
          return;
        }
        for (int32_t m = map.start[j]; m < map.start[j + 1]; ++m) {
          out_indices[p] = map.pos[m];
          out_data[p] = data[k];
          ++p;
        }
      }
      if (sort_rows) {
        const int32_t s0 = out_indptr[i];
        const int32_t n = out_indptr[i + 1] - s0;
        for (int32_t t = 0; t < n; ++t)
          keys[t] = (static_cast<uint64_t>(static_cast<uint32_t>(out_indices[s0 + t])) << 32) | static_cast<uint32_t>(t);
        std::sort(keys, keys + n);
        for (int32_t t = 0; t < n; ++t) {
          tmp[t] = out_data[s0 + static_cast<int32_t>(keys[t] & 0xffffffffu)];
          out_indices[s0 + t] = static_cast<int32_t>(keys[t] >> 32);
        }
        memcpy(out_data + s0, tmp, sizeof(T) * static_cast<size_t>(n));
      }
    }
    free(keys);
    free(tmp);
  });
  int32_t result = kOk, detail = -1;
  for (int32_t b = 0; b < nblocks && result == kOk; ++b) {
    result = status[2 * b];
    detail = status[2 * b + 1];
  }
  free(status);
  if (result == kIndexOutOfRange) set_error_detail(detail);
  return result;
}

Args make_args(const int32_t* indptr, const int32_t* indices, int32_t nrows, int32_t ncols, const int32_t* rows,
               int32_t nrows_out, const int32_t* cols, int32_t ncols_out) {
  const bool all_rows = nrows_out < 0;
  return Args{indptr, indices, nrows, ncols, rows, all_rows ? nrows : nrows_out, all_rows, cols, ncols_out};
}

}  // namespace
}  // namespace ck

/// First step of a CSR subset: writes the result's indptr (length nrows_out + 1, or nrows + 1
/// when nrows_out < 0). See the file comment for rows/cols.
CK_EXPORT int32_t ck_subset_count_csr(const int32_t* indptr, const int32_t* indices, int32_t nrows, int32_t ncols,
                                      const int32_t* rows, int32_t nrows_out, const int32_t* cols, int32_t ncols_out,
                                      int32_t* out_indptr) {
  return ck::subset_count(ck::make_args(indptr, indices, nrows, ncols, rows, nrows_out, cols, ncols_out), out_indptr);
}

/// Second step of a CSR float32 subset: fills indices and values of the result, given the
/// indptr from ck_subset_count_csr with the same arguments.
CK_EXPORT int32_t ck_subset_fill_csr_f32(const int32_t* indptr, const int32_t* indices, const float* data,
                                         int32_t nrows, int32_t ncols, const int32_t* rows, int32_t nrows_out,
                                         const int32_t* cols, int32_t ncols_out, const int32_t* out_indptr,
                                         int32_t* out_indices, float* out_data) {
  return ck::subset_fill(ck::make_args(indptr, indices, nrows, ncols, rows, nrows_out, cols, ncols_out), data,
                         out_indptr, out_indices, out_data);
}

/// float64 version of ck_subset_fill_csr_f32.
CK_EXPORT int32_t ck_subset_fill_csr_f64(const int32_t* indptr, const int32_t* indices, const double* data,
                                         int32_t nrows, int32_t ncols, const int32_t* rows, int32_t nrows_out,
                                         const int32_t* cols, int32_t ncols_out, const int32_t* out_indptr,
                                         int32_t* out_indices, double* out_data) {
  return ck::subset_fill(ck::make_args(indptr, indices, nrows, ncols, rows, nrows_out, cols, ncols_out), data,
                         out_indptr, out_indices, out_data);
}
