// cellkernels — neighbourhood enrichment (squidpy nhood_enrichment): edge counts between
// clusters over a CSR graph (every stored entry counts, weights ignored), and the same counts
// under `n_perms` random relabellings of the cells; outputs the observed counts and the mean
// and standard deviation (ddof 0) of the permuted counts.
//
// Permutation p shuffles the labels with the permutation of stream p (ck/random.h), so each
// permutation's counts depend only on (seed, p); permutations run as parallel tasks, every
// permutation's k × k counts are kept, and the mean and variance are summed over permutations
// in order: identical bits for any thread count, variant, and the js reference. Labels are held
// as bytes when k ≤ 256 so the random lookups stay in cache.
#include <math.h>
#include <stdlib.h>

#include <atomic>

#include "ck/common.h"
#include "ck/parallel.h"
#include "ck/random.h"

namespace ck {
namespace {

template <typename L>
void count_edges(const int32_t* indptr, const int32_t* indices, int32_t n, const L* lab, int32_t k, int32_t* out) {
  for (int32_t c = 0; c < k * k; ++c) out[c] = 0;
  for (int32_t i = 0; i < n; ++i) {
    int32_t* row = out + static_cast<int32_t>(lab[i]) * k;
    for (int32_t e = indptr[i]; e < indptr[i + 1]; ++e) ++row[lab[indices[e]]];
  }
}

// The same counts through four interleaved histograms (edge e goes to copy e mod 4), summed at
// the end: neighbouring cells mostly share a cluster, and one histogram would make consecutive
// increments of the same counter wait on each other. Integer sums: identical counts.
template <typename L>
void count_edges4(const int32_t* indptr, const int32_t* indices, int32_t n, const L* lab, int32_t k, int32_t* out,
                  int32_t* h) {
  const int32_t kk = k * k;
  for (int32_t c = 0; c < 4 * kk; ++c) h[c] = 0;
  int32_t* h0 = h;
  int32_t* h1 = h + kk;
  int32_t* h2 = h + 2 * kk;
  int32_t* h3 = h + 3 * kk;
  for (int32_t i = 0; i < n; ++i) {
    const int32_t row = static_cast<int32_t>(lab[i]) * k;
    int32_t e = indptr[i];
    const int32_t end = indptr[i + 1];
    for (; e + 4 <= end; e += 4) {
      ++h0[row + lab[indices[e]]];
      ++h1[row + lab[indices[e + 1]]];
      ++h2[row + lab[indices[e + 2]]];
      ++h3[row + lab[indices[e + 3]]];
    }
    for (; e < end; ++e) ++h0[row + lab[indices[e]]];
  }
  for (int32_t c = 0; c < kk; ++c) out[c] = h0[c] + h1[c] + h2[c] + h3[c];
}

template <typename L>
int32_t permute(const int32_t* indptr, const int32_t* indices, int32_t n, const int32_t* labels, int32_t k,
                int32_t n_perms, uint32_t k0, uint32_t k1, int32_t* perms) {
  std::atomic<int32_t> oom{0};
  parallel_for(n_perms, [&](int32_t p) {
    const bool split = k <= 64;
    L* lab = static_cast<L*>(malloc(sizeof(L) * (static_cast<size_t>(n) + 1)));
    int32_t* h = split ? static_cast<int32_t*>(malloc(sizeof(int32_t) * 4 * static_cast<size_t>(k) * k)) : nullptr;
    if (!lab || (split && !h)) {
      oom.store(1);
      free(lab);
      free(h);
      return;
    }
    for (int32_t i = 0; i < n; ++i) lab[i] = static_cast<L>(labels[i]);
    PermStream(k0, k1, static_cast<uint32_t>(p)).shuffle(lab, n);
    int32_t* out = perms + static_cast<size_t>(p) * k * k;
    if (split) count_edges4(indptr, indices, n, lab, k, out, h);
    else count_edges(indptr, indices, n, lab, k, out);
    free(lab);
    free(h);
  });
  return oom.load() ? kOutOfMemory : kOk;
}

int32_t nhood(const int32_t* indptr, const int32_t* indices, int32_t n, const int32_t* labels, int32_t k,
              int32_t n_perms, double seed, int32_t* count, double* perm_mean, double* perm_std) {
  if (n < 0 || k < 1 || k > 46340 || n_perms < 1 || !valid_seed(seed)) {
    set_error_detail(n < 0 ? 3 : (k < 1 || k > 46340) ? 5 : n_perms < 1 ? 6 : 7);
    return kInvalidArgument;
  }
  for (int32_t i = 0; i < n; ++i) {
    if (static_cast<uint32_t>(labels[i]) >= static_cast<uint32_t>(k)) {
      set_error_detail(4);
      return kInvalidArgument;
    }
    if (indptr[i + 1] < indptr[i]) {
      set_error_detail(i);
      return kBadIndptr;
    }
    for (int32_t e = indptr[i]; e < indptr[i + 1]; ++e) {
      if (static_cast<uint32_t>(indices[e]) >= static_cast<uint32_t>(n)) {
        set_error_detail(i);
        return kIndexOutOfRange;
      }
    }
  }
  const size_t kk = static_cast<size_t>(k) * static_cast<size_t>(k);
  int32_t* perms = static_cast<int32_t*>(malloc(sizeof(int32_t) * kk * static_cast<size_t>(n_perms)));
  if (!perms) return kOutOfMemory;
  count_edges(indptr, indices, n, labels, k, count);
  uint32_t k0, k1;
  seed_key(seed, &k0, &k1);
  const int32_t st = k <= 256 ? permute<uint8_t>(indptr, indices, n, labels, k, n_perms, k0, k1, perms)
                              : permute<int32_t>(indptr, indices, n, labels, k, n_perms, k0, k1, perms);
  if (st == kOk) {
    for (size_t c = 0; c < kk; ++c) {
      double s = 0;
      for (int32_t p = 0; p < n_perms; ++p) s += perms[static_cast<size_t>(p) * kk + c];
      const double mu = s / n_perms;
      double ss = 0;
      for (int32_t p = 0; p < n_perms; ++p) {
        const double d = perms[static_cast<size_t>(p) * kk + c] - mu;
        ss += d * d;
      }
      perm_mean[c] = mu;
      perm_std[c] = sqrt(ss / n_perms);
    }
  }
  free(perms);
  return st;
}

}  // namespace
}  // namespace ck

/// Neighbourhood enrichment over a CSR graph (n × n; only the structure is read) with cluster
/// codes labels[n] in [0, k): count[k·k] (edges from cluster a to cluster b, row-major) and the
/// mean and standard deviation (ddof 0) of the counts over `n_perms` label permutations drawn
/// from `seed` (an integer < 2^53).
CK_EXPORT int32_t ck_nhood_enrichment_csr_i32(const int32_t* indptr, const int32_t* indices, int32_t n,
                                              const int32_t* labels, int32_t k, int32_t n_perms, double seed,
                                              int32_t* count, double* perm_mean, double* perm_std) {
  return ck::nhood(indptr, indices, n, labels, k, n_perms, seed, count, perm_mean, perm_std);
}
