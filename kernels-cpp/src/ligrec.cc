// cellkernels — ligand–receptor permutation test (squidpy ligrec, CellPhoneDB 2).
//
// Cells with a label in [0, k) take part (−1: left out). For the genes named in `pairs`, per
// cluster: mean = (Σ x over the cluster's cells, cells in order) / size, and expressed = (#x > 0)
// / size ≥ threshold. For interaction i = (s, t) and cluster pair j = (a, b): m1 = mean[s, a],
// m2 = mean[t, b]; means[i, j] = (m1 + m2)/2 when both are > 0, else 0; the entry is tested when
// both are > 0 and both genes are expressed, else pvalues[i, j] = NaN. Permutation p shuffles the
// labels of the taking-part cells (in cell order) with the permutation of stream p
// (ck/random.h), recomputes the cluster means the same way and counts m1' + m2' > m1 + m2;
// pvalues = count / n_perms.
//
// The genes in use are gathered once into compact rows (zeros dropped, which leaves every sum
// unchanged), or dense rows when most values are non-zero (the permutation sums then vectorise). Permutations are dealt to a fixed number of blocks (p mod B), each with its own
// integer counts; integer sums are exact, so the result is the same for any thread count and
// variant, and equals the js reference's.
#include <math.h>
#include <stdlib.h>

#include <atomic>

#include "ck/common.h"
#include "ck/parallel.h"
#include "ck/random.h"

namespace ck {
namespace {

/// Compact rows of the genes in use: for cell i, entries [ptr[i], ptr[i+1]) of (slot, value).
struct Compact {
  int32_t* ptr = nullptr;
  int32_t* slot = nullptr;
  double* val = nullptr;
  void release() {
    free(ptr);
    free(slot);
    free(val);
  }
};

template <typename RowFn>
int32_t build_compact(int32_t n, int32_t G, const RowFn& row, Compact* c) {
  // pass 1: count, pass 2: fill (row(i, acc) adds the used genes of cell i into acc[G])
  double* acc = static_cast<double*>(calloc(static_cast<size_t>(G) + 1, sizeof(double)));
  c->ptr = static_cast<int32_t*>(malloc(sizeof(int32_t) * (static_cast<size_t>(n) + 1)));
  if (!acc || !c->ptr) {
    free(acc);
    return kOutOfMemory;
  }
  c->ptr[0] = 0;
  for (int32_t i = 0; i < n; ++i) {
    row(i, acc);
    int32_t cnt = 0;
    for (int32_t g = 0; g < G; ++g) {
      if (acc[g] != 0) ++cnt;
      acc[g] = 0;
    }
    c->ptr[i + 1] = c->ptr[i] + cnt;
  }
  const size_t nnz = static_cast<size_t>(c->ptr[n]);
  c->slot = static_cast<int32_t*>(malloc(sizeof(int32_t) * (nnz + 1)));
  c->val = static_cast<double*>(malloc(sizeof(double) * (nnz + 1)));
  if (!c->slot || !c->val) {
    free(acc);
    return kOutOfMemory;
  }
  for (int32_t i = 0; i < n; ++i) {
    row(i, acc);
    int32_t q = c->ptr[i];
    for (int32_t g = 0; g < G; ++g) {
      if (acc[g] != 0) {
        c->slot[q] = g;
        c->val[q++] = acc[g];
      }
      acc[g] = 0;
    }
  }
  free(acc);
  return kOk;
}

template <typename RowFn>
int32_t ligrec(int32_t n, int32_t m, const RowFn& row_of, const int32_t* labels, int32_t k, const int32_t* pairs,
               int32_t n_pairs, const int32_t* cpairs, int32_t n_cpairs, double threshold, int32_t n_perms,
               double seed, double* means, double* pvalues) {
  if (n < 0 || m < 0 || k < 1 || n_pairs < 0 || n_cpairs < 0 || n_perms < 1 || !valid_seed(seed)) {
    set_error_detail(-2);
    return kInvalidArgument;
  }
  for (int32_t i = 0; i < n; ++i) {
    if (labels[i] < -1 || labels[i] >= k) {
      set_error_detail(-3);
      return kInvalidArgument;
    }
  }
  for (int32_t q = 0; q < 2 * n_pairs; ++q) {
    if (static_cast<uint32_t>(pairs[q]) >= static_cast<uint32_t>(m)) {
      set_error_detail(-4);
      return kInvalidArgument;
    }
  }
  for (int32_t q = 0; q < 2 * n_cpairs; ++q) {
    if (static_cast<uint32_t>(cpairs[q]) >= static_cast<uint32_t>(k)) {
      set_error_detail(-5);
      return kInvalidArgument;
    }
  }
  const size_t IC = static_cast<size_t>(n_pairs) * static_cast<size_t>(n_cpairs);
  // genes in use, ascending, and their slots
  int32_t* slot_of = static_cast<int32_t*>(malloc(sizeof(int32_t) * (static_cast<size_t>(m) + 1)));
  int32_t* genes = static_cast<int32_t*>(malloc(sizeof(int32_t) * (2 * static_cast<size_t>(n_pairs) + 1)));
  double* size = static_cast<double*>(calloc(static_cast<size_t>(k), sizeof(double)));
  int32_t* members = static_cast<int32_t*>(malloc(sizeof(int32_t) * (static_cast<size_t>(n) + 1)));
  int32_t* codes = static_cast<int32_t*>(malloc(sizeof(int32_t) * (static_cast<size_t>(n) + 1)));
  uint8_t* tested = static_cast<uint8_t*>(calloc(IC + 1, 1));
  double* observed = static_cast<double*>(calloc(IC + 1, sizeof(double)));
  Compact cm;
  double* sums = nullptr;
  double* pos = nullptr;
  double* dense = nullptr;  // n × G rows when most values are non-zero (vectorised adds)
  int32_t* hits = nullptr;
  int32_t status = kOk;
  int32_t G = 0, nmem = 0, nblocks = 0;
  if (!slot_of || !genes || !size || !members || !codes || !tested || !observed) {
    status = kOutOfMemory;
    goto done;
  }
  for (int32_t g = 0; g < m; ++g) slot_of[g] = -1;
  for (int32_t q = 0; q < 2 * n_pairs; ++q) slot_of[pairs[q]] = 0;
  for (int32_t g = 0; g < m; ++g) {
    if (slot_of[g] == 0) {
      genes[G] = g;
      slot_of[g] = G++;
    }
  }
  status = build_compact(n, G, [&](int32_t i, double* acc) { row_of(i, slot_of, acc); }, &cm);
  if (status != kOk) goto done;
  for (int32_t i = 0; i < n; ++i) {
    if (labels[i] >= 0) {
      size[labels[i]] += 1;
      members[nmem] = i;
      codes[nmem++] = labels[i];
    }
  }
  if (static_cast<int64_t>(cm.ptr[n]) * 2 > static_cast<int64_t>(n) * G &&
      static_cast<int64_t>(n) * G <= (int64_t{256} << 20) / 8) {
    dense = static_cast<double*>(calloc(static_cast<size_t>(n) * G + 1, sizeof(double)));
    if (dense) {
      for (int32_t i = 0; i < n; ++i) {
        for (int32_t e = cm.ptr[i]; e < cm.ptr[i + 1]; ++e) dense[static_cast<size_t>(i) * G + cm.slot[e]] = cm.val[e];
      }
    }
  }
  sums = static_cast<double*>(calloc(static_cast<size_t>(k) * G + 1, sizeof(double)));
  pos = static_cast<double*>(calloc(static_cast<size_t>(k) * G + 1, sizeof(double)));
  nblocks = n_perms < 32 ? n_perms : 32;
  hits = static_cast<int32_t*>(calloc(IC * nblocks + 1, sizeof(int32_t)));
  if (!sums || !pos || !hits) {
    status = kOutOfMemory;
    goto done;
  }
  // observed means, expression, the entries to test
  for (int32_t i = 0; i < n; ++i) {
    if (labels[i] < 0) continue;
    double* s = sums + static_cast<size_t>(labels[i]) * G;
    double* ps = pos + static_cast<size_t>(labels[i]) * G;
    for (int32_t e = cm.ptr[i]; e < cm.ptr[i + 1]; ++e) {
      s[cm.slot[e]] += cm.val[e];
      if (cm.val[e] > 0) ps[cm.slot[e]] += 1;
    }
  }
  for (int32_t i = 0; i < n_pairs; ++i) {
    const int32_t s = slot_of[pairs[2 * i]], t = slot_of[pairs[2 * i + 1]];
    for (int32_t j = 0; j < n_cpairs; ++j) {
      const int32_t a = cpairs[2 * j], b = cpairs[2 * j + 1];
      const double m1 = sums[static_cast<size_t>(a) * G + s] / size[a];
      const double m2 = sums[static_cast<size_t>(b) * G + t] / size[b];
      const size_t e = static_cast<size_t>(i) * n_cpairs + j;
      means[e] = 0;
      if (m1 > 0 && m2 > 0) {
        means[e] = (m1 + m2) / 2;
        tested[e] = pos[static_cast<size_t>(a) * G + s] / size[a] >= threshold &&
                    pos[static_cast<size_t>(b) * G + t] / size[b] >= threshold;
        observed[e] = m1 + m2;
      }
    }
  }
  {
    uint32_t k0, k1;
    seed_key(seed, &k0, &k1);
    std::atomic<int32_t> oom{0};
    parallel_for(nblocks, [&](int32_t blk) {
      int32_t* perm = static_cast<int32_t*>(malloc(sizeof(int32_t) * (static_cast<size_t>(nmem) + 1)));
      double* ps = static_cast<double*>(malloc(sizeof(double) * (static_cast<size_t>(k) * G + 1)));
      if (!perm || !ps) {
        oom.store(1);
        free(perm);
        free(ps);
        return;
      }
      int32_t* h = hits + IC * blk;
      for (int32_t p = blk; p < n_perms; p += nblocks) {
        for (int32_t r = 0; r < nmem; ++r) perm[r] = codes[r];
        PermStream(k0, k1, static_cast<uint32_t>(p)).shuffle(perm, nmem);
        for (size_t c = 0; c < static_cast<size_t>(k) * G; ++c) ps[c] = 0;
        if (dense) {
          // adding the zeros too changes no sum (x + 0 = x), so this equals the sparse loop bit for bit
          for (int32_t r = 0; r < nmem; ++r) {
            const double* xr = dense + static_cast<size_t>(members[r]) * G;
            double* s = ps + static_cast<size_t>(perm[r]) * G;
            for (int32_t g = 0; g < G; ++g) s[g] += xr[g];
          }
        } else {
          for (int32_t r = 0; r < nmem; ++r) {
            const int32_t i = members[r];
            double* s = ps + static_cast<size_t>(perm[r]) * G;
            for (int32_t e = cm.ptr[i]; e < cm.ptr[i + 1]; ++e) s[cm.slot[e]] += cm.val[e];
          }
        }
        for (int32_t i = 0; i < n_pairs; ++i) {
          const int32_t s = slot_of[pairs[2 * i]], t = slot_of[pairs[2 * i + 1]];
          for (int32_t j = 0; j < n_cpairs; ++j) {
            const size_t e = static_cast<size_t>(i) * n_cpairs + j;
            if (!tested[e]) continue;
            const int32_t a = cpairs[2 * j], b = cpairs[2 * j + 1];
            const double v = ps[static_cast<size_t>(a) * G + s] / size[a] + ps[static_cast<size_t>(b) * G + t] / size[b];
            if (v > observed[e]) ++h[e];
          }
        }
      }
      free(perm);
      free(ps);
    });
    if (oom.load()) {
      status = kOutOfMemory;
      goto done;
    }
    for (size_t e = 0; e < IC; ++e) {
      int64_t c = 0;
      for (int32_t b = 0; b < nblocks; ++b) c += hits[IC * b + e];
      pvalues[e] = tested[e] ? static_cast<double>(c) / n_perms : NAN;
    }
  }
done:
  free(slot_of);
  free(genes);
  free(size);
  free(members);
  free(codes);
  free(tested);
  free(observed);
  cm.release();
  free(sums);
  free(pos);
  free(dense);
  free(hits);
  return status;
}

template <typename T>
int32_t ligrec_dense(const T* x, int32_t n, int32_t m, const int32_t* labels, int32_t k, const int32_t* pairs,
                     int32_t n_pairs, const int32_t* cpairs, int32_t n_cpairs, double threshold, int32_t n_perms,
                     double seed, double* means, double* pvalues) {
  auto row = [&](int32_t i, const int32_t* slot_of, double* acc) {
    const T* xi = x + static_cast<size_t>(i) * m;
    for (int32_t g = 0; g < m; ++g) {
      if (slot_of[g] >= 0) acc[slot_of[g]] += static_cast<double>(xi[g]);
    }
  };
  return ligrec(n, m, row, labels, k, pairs, n_pairs, cpairs, n_cpairs, threshold, n_perms, seed, means, pvalues);
}

template <typename T>
int32_t ligrec_csr(const int32_t* indptr, const int32_t* indices, const T* data, int32_t n, int32_t m,
                   const int32_t* labels, int32_t k, const int32_t* pairs, int32_t n_pairs, const int32_t* cpairs,
                   int32_t n_cpairs, double threshold, int32_t n_perms, double seed, double* means, double* pvalues) {
  for (int32_t i = 0; i < n; ++i) {
    if (indptr[i + 1] < indptr[i]) {
      set_error_detail(i);
      return kBadIndptr;
    }
    for (int32_t e = indptr[i]; e < indptr[i + 1]; ++e) {
      if (static_cast<uint32_t>(indices[e]) >= static_cast<uint32_t>(m)) {
        set_error_detail(i);
        return kIndexOutOfRange;
      }
    }
  }
  auto row = [&](int32_t i, const int32_t* slot_of, double* acc) {
    for (int32_t e = indptr[i]; e < indptr[i + 1]; ++e) {
      const int32_t s = slot_of[indices[e]];
      if (s >= 0) acc[s] += static_cast<double>(data[e]);
    }
  };
  return ligrec(n, m, row, labels, k, pairs, n_pairs, cpairs, n_cpairs, threshold, n_perms, seed, means, pvalues);
}

}  // namespace
}  // namespace ck

/// ligrec on a dense row-major float32 X (n cells × m genes): labels[n] in [−1, k) (−1: left
/// out), pairs[2·n_pairs] (source, target) gene indices, cpairs[2·n_cpairs] (cluster 1,
/// cluster 2) codes; writes means and pvalues [n_pairs × n_cpairs] (row-major).
CK_EXPORT int32_t ck_ligrec_dense_f32(const float* x, int32_t n, int32_t m, const int32_t* labels, int32_t k,
                                      const int32_t* pairs, int32_t n_pairs, const int32_t* cpairs, int32_t n_cpairs,
                                      double threshold, int32_t n_perms, double seed, double* means, double* pvalues) {
  return ck::ligrec_dense(x, n, m, labels, k, pairs, n_pairs, cpairs, n_cpairs, threshold, n_perms, seed, means, pvalues);
}

/// float64 version of ck_ligrec_dense_f32.
CK_EXPORT int32_t ck_ligrec_dense_f64(const double* x, int32_t n, int32_t m, const int32_t* labels, int32_t k,
                                      const int32_t* pairs, int32_t n_pairs, const int32_t* cpairs, int32_t n_cpairs,
                                      double threshold, int32_t n_perms, double seed, double* means, double* pvalues) {
  return ck::ligrec_dense(x, n, m, labels, k, pairs, n_pairs, cpairs, n_cpairs, threshold, n_perms, seed, means, pvalues);
}

/// ligrec on a CSR float32 X (n × m); otherwise as ck_ligrec_dense_f32.
CK_EXPORT int32_t ck_ligrec_csr_f32(const int32_t* indptr, const int32_t* indices, const float* data, int32_t n,
                                    int32_t m, const int32_t* labels, int32_t k, const int32_t* pairs, int32_t n_pairs,
                                    const int32_t* cpairs, int32_t n_cpairs, double threshold, int32_t n_perms,
                                    double seed, double* means, double* pvalues) {
  return ck::ligrec_csr(indptr, indices, data, n, m, labels, k, pairs, n_pairs, cpairs, n_cpairs, threshold, n_perms,
                        seed, means, pvalues);
}

/// float64 version of ck_ligrec_csr_f32.
CK_EXPORT int32_t ck_ligrec_csr_f64(const int32_t* indptr, const int32_t* indices, const double* data, int32_t n,
                                    int32_t m, const int32_t* labels, int32_t k, const int32_t* pairs, int32_t n_pairs,
                                    const int32_t* cpairs, int32_t n_cpairs, double threshold, int32_t n_perms,
                                    double seed, double* means, double* pvalues) {
  return ck::ligrec_csr(indptr, indices, data, n, m, labels, k, pairs, n_pairs, cpairs, n_cpairs, threshold, n_perms,
                        seed, means, pvalues);
}
