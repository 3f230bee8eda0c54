// cellkernels — co-occurrence counts of clusters across distance thresholds (squidpy
// co_occurrence, `_occur_count`): for every ordered pair of distinct cells (i, j), in float32,
// dx = xᵢ − xⱼ, dy = yᵢ − yⱼ, d² = dx·dx + dy·dy (no FMA), and counts[a, b, r] += 1 for every
// threshold r with d² ≤ t[r] = interval[r + 1]² (float32), a = label i, b = label j.
//
// Each unordered pair is visited once (j > i): its first threshold r₀ (thresholds ascend) is
// found from a bucket table over [0, t_last] plus exact comparisons, and the pair is counted at
// r₀ for (a, b) and (b, a); cumulative sums over r at the end give the counts. The j loop is
// vectorised (Highway, float32): most pairs beyond t_last are rejected four or more at a time.
// Rows are dealt to a fixed number of blocks cyclically (row i to block i mod B, B depending on
// n, k and the number of thresholds only) for balance; each block keeps uint64 histograms,
// merged in block order into float64.
// Counts are integers, so the result is exact and the same for every thread count and variant.
#include <math.h>
#include <stdlib.h>

#include <atomic>

#include "ck/common.h"
#include "ck/parallel.h"
#include "ck/simd.h"

#pragma clang fp contract(off)

namespace ck {
namespace {

struct Thresholds {
  const float* t;
  int32_t L;
  float last;
  float inv_width;           // buckets per unit of d²
  int32_t nbuckets;
  const int32_t* bucket;     // first r whose threshold could hold a d² in the bucket
};

inline int32_t first_threshold(const Thresholds& T, float d2) {
  int32_t b = static_cast<int32_t>(d2 * T.inv_width);
  if (b >= T.nbuckets) b = T.nbuckets - 1;
  int32_t r = T.bucket[b];
  while (!(d2 <= T.t[r])) ++r;
  return r;
}

void count_rows(const float* xs, const float* ys, const int32_t* lab, int32_t n, int32_t k, const Thresholds& T,
                int32_t block, int32_t nblocks, uint64_t* hist) {
  const hn::ScalableTag<float> d;
  const int32_t N = static_cast<int32_t>(hn::Lanes(d));
  const auto vlast = hn::Set(d, T.last);
  const int32_t L = T.L;
  for (int32_t i = block; i < n; i += nblocks) {
    const float xi = xs[i], yi = ys[i];
    const auto vx = hn::Set(d, xi);
    const auto vy = hn::Set(d, yi);
    const int32_t li = lab[i];
    uint64_t* hi_row = hist + static_cast<size_t>(li) * k * L;  // (li, ·)
    int32_t j = i + 1;
    auto count_pair = [&](int32_t jj, float d2) {
      const int32_t r = first_threshold(T, d2);
      const int32_t lj = lab[jj];
      ++hi_row[static_cast<size_t>(lj) * L + r];
      ++hist[(static_cast<size_t>(lj) * k + li) * L + r];
    };
    for (; j + N <= n; j += N) {
      const auto dx = hn::Sub(vx, hn::LoadU(d, xs + j));
      const auto dy = hn::Sub(vy, hn::LoadU(d, ys + j));
      const auto d2 = hn::Add(hn::Mul(dx, dx), hn::Mul(dy, dy));
      const auto in = hn::Le(d2, vlast);
      if (hn::AllFalse(d, in)) continue;
      HWY_ALIGN float lanes[16];
      hn::Store(d2, d, lanes);
      for (int32_t q = 0; q < N; ++q) {
        if (lanes[q] <= T.last) count_pair(j + q, lanes[q]);
      }
    }
    for (; j < n; ++j) {
      const float dx = xi - xs[j], dy = yi - ys[j];
      const float d2 = dx * dx + dy * dy;
      if (d2 <= T.last) count_pair(j, d2);
    }
  }
}

int32_t co_occurrence(const float* coords, int32_t n, const int32_t* labels, int32_t k, const float* interval,
                      int32_t len, double* counts) {
  if (n < 0 || k < 1 || len < 2) {
    set_error_detail(n < 0 ? 2 : k < 1 ? 4 : 6);
    return kInvalidArgument;
  }
  const int32_t L = len - 1;
  for (int32_t r = 0; r < len; ++r) {
    if (!(interval[r] >= 0) || (r > 0 && !(interval[r] >= interval[r - 1]))) {
      set_error_detail(5);  // thresholds must ascend and be ≥ 0
      return kInvalidArgument;
    }
  }
  for (int32_t i = 0; i < n; ++i) {
    if (static_cast<uint32_t>(labels[i]) >= static_cast<uint32_t>(k)) {
      set_error_detail(3);
      return kInvalidArgument;
    }
  }
  const size_t cells = static_cast<size_t>(k) * k * L;
  for (size_t c = 0; c < cells; ++c) counts[c] = 0;
  const int32_t kBuckets = 4096;
  // blocks: about one per 64 rows, at most 64, and their histograms within 64 MiB
  int32_t nblocks = n / 64 < 1 ? 1 : n / 64 > 64 ? 64 : n / 64;
  while (nblocks > 1 && cells * 8 * static_cast<size_t>(nblocks) > (size_t{64} << 20)) nblocks /= 2;
  float* t = static_cast<float*>(malloc(sizeof(float) * L));
  int32_t* bucket = static_cast<int32_t*>(malloc(sizeof(int32_t) * kBuckets));
  float* xs = static_cast<float*>(malloc(sizeof(float) * (static_cast<size_t>(n) + 1)));
  float* ys = static_cast<float*>(malloc(sizeof(float) * (static_cast<size_t>(n) + 1)));
  uint64_t* hist = static_cast<uint64_t*>(calloc(cells * nblocks, sizeof(uint64_t)));
  int32_t status = kOk;
  if (!t || !bucket || !xs || !ys || !hist) {
    status = kOutOfMemory;
  } else {
    for (int32_t r = 0; r < L; ++r) t[r] = interval[r + 1] * interval[r + 1];
    Thresholds T{t, L, t[L - 1], 0.f, kBuckets, bucket};
    // bucket b covers d² in [b·w, (b+1)·w), w = t_last / B; its hint is the first threshold
    // ≥ the lower edge of the bucket before it, so rounding in b never skips the answer
    const double width = static_cast<double>(T.last) / kBuckets;
    T.inv_width = width > 0 ? static_cast<float>(1.0 / width) : 0.f;
    for (int32_t b = 0, r = 0; b < kBuckets; ++b) {
      const double lo = (b - 1) * width;
      while (r < L - 1 && static_cast<double>(t[r]) < lo) ++r;
      bucket[b] = r;
    }
    for (int32_t i = 0; i < n; ++i) {
      xs[i] = coords[2 * static_cast<size_t>(i)];
      ys[i] = coords[2 * static_cast<size_t>(i) + 1];
    }
    parallel_for(nblocks, [&](int32_t b) { count_rows(xs, ys, labels, n, k, T, b, nblocks, hist + cells * b); });
    for (int32_t b = 0; b < nblocks; ++b) {
      const uint64_t* h = hist + cells * b;
      for (size_t c = 0; c < cells; ++c) counts[c] += static_cast<double>(h[c]);
    }
    for (size_t ab = 0; ab < static_cast<size_t>(k) * k; ++ab) {
      for (int32_t r = 1; r < L; ++r) counts[ab * L + r] += counts[ab * L + r - 1];
    }
  }
  free(t);
  free(bucket);
  free(xs);
  free(ys);
  free(hist);
  return status;
}

}  // namespace
}  // namespace ck

/// Co-occurrence counts of k clusters: coords is n × 2 float32 (x, y), labels[n] in [0, k),
/// interval[len] the ascending, non-negative distance thresholds (float32); writes
/// counts[k·k·(len−1)] (float64, row-major a, b, r): ordered pairs (i, j), i ≠ j, label i = a,
/// label j = b, with float32 d² ≤ interval[r+1]².
CK_EXPORT int32_t ck_co_occurrence_dense_f32(const float* coords, int32_t n, const int32_t* labels, int32_t k,
                                             const float* interval, int32_t len, double* counts) {
  return ck::co_occurrence(coords, n, labels, k, interval, len, counts);
}
