// cellkernels CUDA — deterministic reductions shared by the kernels.
//
// Along a stored slice (CSR rows, CSC columns; dense rows) one task owns one slice and adds its
// values in storage order, exactly as the CPU kernels do.
//
// Across slices (CSR columns, CSC rows; dense columns) — the "minor axis" — the slices are cut
// into `chunks` consecutive parts and the minor positions into `tiles`. Task (chunk c, tile t)
// walks the slices of chunk c in order and adds the values whose minor index falls in tile t to
// its own partial row partial[c][·][j] (no other task writes there: no atomics). A second
// kernel adds the partials of each position in chunk order. Each result is therefore
//   (Σ over chunk 0 in storage order) + (Σ over chunk 1 …) + …
// where `chunks` depends on the matrix shape only (minor_plan): the same bits on any device, in
// the emulation, and for any grid. With one chunk (up to kRowsPerChunk slices) it is the plain
// sequential sum in storage order — the CPU kernels' bits whenever they use one chunk too.
// Tiles only split the work: with sorted indices a task binary-searches the start of its tile
// in each slice; with unsorted slices it scans every value of the slice (fewer tiles then).
//
// An index outside [0, nminor) fails with kIndexOutOfRange and the first such slice, as the
// CPU kernels report it (check_compressed runs first, and nothing is written on failure).
#pragma once

#include "ck_cuda.h"

namespace ck {
namespace gpu {

/// Shape of a minor-axis reduction: see the header comment.
struct MinorPlan {
  int32_t chunks;
  int32_t tiles;
};

constexpr int64_t kRowsPerChunk = 2048;
constexpr int64_t kMaxChunks = 128;
constexpr int64_t kPartialBudget = int64_t(512) << 20;  // bytes of partial sums at most
constexpr int64_t kTargetTasks = 32768;

/// Chunks depend on (nmajor, nminor, bytes per position) only; tiles on sortedness too.
inline MinorPlan minor_plan(int32_t nmajor, int32_t nminor, int64_t bytes_per_position, bool sorted) {
  int64_t chunks = (static_cast<int64_t>(nmajor) + kRowsPerChunk - 1) / kRowsPerChunk;
  if (chunks > kMaxChunks) chunks = kMaxChunks;
  const int64_t per_chunk = (nminor > 0 ? nminor : 1) * bytes_per_position;
  if (chunks * per_chunk > kPartialBudget) chunks = kPartialBudget / per_chunk;
  if (chunks < 1) chunks = 1;
  int64_t tiles = (static_cast<int64_t>(nminor) + 31) / 32;  // at least 32 positions per tile
  const int64_t want = (kTargetTasks + chunks - 1) / chunks;
  if (tiles > want) tiles = want;
  if (!sorted && tiles > 4) tiles = 4;  // an unsorted slice is scanned once per tile
  if (tiles < 1) tiles = 1;
  return MinorPlan{static_cast<int32_t>(chunks), static_cast<int32_t>(tiles)};
}

/// flags[0]: first slice with an index outside [0, nminor) (INT32_MAX: none);
/// flags[1]: 1 when some slice is not sorted (non-decreasing).
CK_GLOBAL void check_compressed(const int32_t* indptr, const int32_t* indices, int32_t nmajor, int32_t nminor,
                                int32_t* flags) {
  for (CK_STRIDE(r, nmajor)) {
    int32_t prev = -1;
    bool sorted = true;
    for (int32_t k = indptr[r]; k < indptr[r + 1]; ++k) {
      const int32_t j = indices[k];
      if (static_cast<uint32_t>(j) >= static_cast<uint32_t>(nminor)) {
        atomic_min(flags, static_cast<int32_t>(r));
        break;
      }
      if (j < prev) sorted = false;
      prev = j;
    }
    if (!sorted) flags[1] = 1;  // every writer stores the same value
  }
}

/// Runs check_compressed; kOk (with *sorted set), kIndexOutOfRange (detail set) or kDeviceError.
inline int32_t check_indices(const int32_t* indptr, const int32_t* indices, int32_t nmajor, int32_t nminor,
                             bool* sorted) {
  *sorted = true;
  if (nmajor <= 0) return kOk;
  Scratch flags(2 * sizeof(int32_t));
  if (flags.p == nullptr) return kOutOfMemory;
  int32_t host[2] = {INT32_MAX, 0};
  if (copy_to_device(flags.p, host, sizeof(host)) != kOk) return kDeviceError;
  launch(check_compressed, grid_for(nmajor), indptr, indices, nmajor, nminor, flags.as<int32_t>());
  if (check_launch("check_compressed") != kOk) return kDeviceError;
  if (copy_to_host(host, flags.p, sizeof(host)) != kOk) return kDeviceError;
  if (host[0] != INT32_MAX) {
    set_error_detail(host[0]);
    return kIndexOutOfRange;
  }
  *sorted = host[1] == 0;
  return kOk;
}

/// Partial sums of a compressed matrix along its minor axis. `Op` provides:
///   typedef … Acc; static constexpr int kAcc;       accumulators per position
///   bool use(int64_t slice) const;                  whether a slice takes part
///   void add(Acc* acc, int32_t stride, int32_t j, int64_t k) const;
///        adds stored value k (minor index j) to acc[a·stride + j], a < kAcc
template <class Op>
CK_GLOBAL void minor_partials(Op op, const int32_t* indptr, const int32_t* indices, int32_t nmajor, int32_t nminor,
                              MinorPlan plan, int32_t sorted, typename Op::Acc* partial) {
  typedef typename Op::Acc Acc;
  const int64_t tasks = static_cast<int64_t>(plan.chunks) * plan.tiles;
  for (CK_STRIDE(task, tasks)) {
    const int32_t c = static_cast<int32_t>(task / plan.tiles);
    const int32_t t = static_cast<int32_t>(task % plan.tiles);
    const int32_t r0 = part_begin(nmajor, c, plan.chunks), r1 = part_begin(nmajor, c + 1, plan.chunks);
    const int32_t j0 = part_begin(nminor, t, plan.tiles), j1 = part_begin(nminor, t + 1, plan.tiles);
    Acc* acc = partial + static_cast<size_t>(c) * Op::kAcc * static_cast<size_t>(nminor);
    for (int a = 0; a < Op::kAcc; ++a)
      for (int32_t j = j0; j < j1; ++j) acc[static_cast<size_t>(a) * nminor + j] = Acc(0);
    for (int32_t r = r0; r < r1; ++r) {
      if (!op.use(r)) continue;
      const int32_t k1 = indptr[r + 1];
      int32_t k = sorted ? lower_bound(indices, indptr[r], k1, j0) : indptr[r];
      for (; k < k1; ++k) {
        const int32_t j = indices[k];
        if (j >= j1) {
          if (sorted) break;
          continue;
        }
        if (j < j0) continue;
        op.add(acc, nminor, j, k);
      }
    }
  }
}

/// Partial sums of a dense row-major matrix down its columns: task (chunk c, column j).
template <class Op>
CK_GLOBAL void dense_partials(Op op, int32_t nrows, int32_t ncols, int32_t chunks, typename Op::Acc* partial) {
  typedef typename Op::Acc Acc;
  const int64_t tasks = static_cast<int64_t>(chunks) * ncols;
  for (CK_STRIDE(task, tasks)) {
    const int32_t c = static_cast<int32_t>(task / ncols);
    const int32_t j = static_cast<int32_t>(task % ncols);
    Acc* acc = partial + static_cast<size_t>(c) * Op::kAcc * static_cast<size_t>(ncols);
    for (int a = 0; a < Op::kAcc; ++a) acc[static_cast<size_t>(a) * ncols + j] = Acc(0);
    const int32_t r1 = part_begin(nrows, c + 1, chunks);
    for (int32_t r = part_begin(nrows, c, chunks); r < r1; ++r) {
      if (!op.use(r)) continue;
      op.add(acc, ncols, j, static_cast<int64_t>(r) * ncols + j);
    }
  }
}

/// Adds the partials of each position in chunk order and hands them to op.finish(j, sums).
template <class Op>
CK_GLOBAL void merge_partials(Op op, int32_t nminor, int32_t chunks, const typename Op::Acc* partial) {
  typedef typename Op::Acc Acc;
  const size_t stride = static_cast<size_t>(Op::kAcc) * static_cast<size_t>(nminor);
  for (CK_STRIDE(j, nminor)) {
    Acc s[Op::kAcc];
    for (int a = 0; a < Op::kAcc; ++a) s[a] = partial[static_cast<size_t>(a) * nminor + j];
    for (int32_t c = 1; c < chunks; ++c)
      for (int a = 0; a < Op::kAcc; ++a) s[a] += partial[c * stride + static_cast<size_t>(a) * nminor + j];
    op.finish(static_cast<int32_t>(j), s);
  }
}

/// Minor-axis reduction of a compressed matrix: indices are checked first (nothing is written
/// on failure), then partials and merge. kOk, kIndexOutOfRange, kOutOfMemory or kDeviceError.
template <class Op>
int32_t reduce_minor(const Op& op, const int32_t* indptr, const int32_t* indices, int32_t nmajor, int32_t nminor) {
  bool sorted = true;
  if (int32_t s = check_indices(indptr, indices, nmajor, nminor, &sorted)) return s;
  if (nminor <= 0) return kOk;
  typedef typename Op::Acc Acc;
  const MinorPlan plan = minor_plan(nmajor, nminor, Op::kAcc * static_cast<int64_t>(sizeof(Acc)), sorted);
  Scratch partial(static_cast<size_t>(plan.chunks) * Op::kAcc * static_cast<size_t>(nminor) * sizeof(Acc));
  if (partial.p == nullptr) return kOutOfMemory;
  launch(minor_partials<Op>, grid_for(static_cast<int64_t>(plan.chunks) * plan.tiles), op, indptr, indices, nmajor,
         nminor, plan, sorted ? 1 : 0, partial.as<Acc>());
  launch(merge_partials<Op>, grid_for(nminor), op, nminor, plan.chunks, partial.as<Acc>());
  return check_launch("reduce_minor");
}

/// Column reduction of a dense row-major matrix (chunks as for a compressed minor axis).
template <class Op>
int32_t reduce_dense_columns(const Op& op, int32_t nrows, int32_t ncols) {
  if (ncols <= 0) return kOk;
  typedef typename Op::Acc Acc;
  const int32_t chunks = minor_plan(nrows, ncols, Op::kAcc * static_cast<int64_t>(sizeof(Acc)), true).chunks;
  Scratch partial(static_cast<size_t>(chunks) * Op::kAcc * static_cast<size_t>(ncols) * sizeof(Acc));
  if (partial.p == nullptr) return kOutOfMemory;
  launch(dense_partials<Op>, grid_for(static_cast<int64_t>(chunks) * ncols), op, nrows, ncols, chunks,
         partial.as<Acc>());
  launch(merge_partials<Op>, grid_for(ncols), op, ncols, chunks, partial.as<Acc>());
  return check_launch("reduce_dense_columns");
}

/// mean and variance from float64 sums over n values (mean_var's `finish`, operation for
/// operation: mean = s/n, var = q/n − mean², × n/(n − ddof) when ddof ≠ 0 and n ≠ 1).
CK_DEVICE void mean_var_finish(double s, double q, int32_t n, int32_t ddof, double* mean, double* var) {
  const double dn = static_cast<double>(n);
  const double m = s / dn;
  double v = q / dn - m * m;
  if (ddof != 0 && n != 1) v *= dn / (dn - static_cast<double>(ddof));
  *mean = m;
  *var = v;
}

/// Sequential float64 sum with four accumulators, merged (a0 + a1) + (a2 + a3): the CPU
/// kernels' sum_span, so row sums are bit-identical to theirs.
template <typename T>
CK_DEVICE double sum_span(const T* v, int64_t n) {
  double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    a0 += static_cast<double>(v[i]);
    a1 += static_cast<double>(v[i + 1]);
    a2 += static_cast<double>(v[i + 2]);
    a3 += static_cast<double>(v[i + 3]);
  }
  for (; i < n; ++i) a0 += static_cast<double>(v[i]);
  return (a0 + a1) + (a2 + a3);
}

}  // namespace gpu
}  // namespace ck
