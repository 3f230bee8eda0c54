// cellkernels — Moran's I and Geary's C with permutation tests (squidpy spatial_autocorr,
// scanpy metrics.morans_i / gearys_c), many features at once.
//
// Weights: with `transformation`, each row of W divided by the float64 sum of its absolute
// values (sklearn normalize(norm="l1"); zero rows stay zero), rounded to float32 when the graph
// came as float32 (sklearn normalises the float32 matrix in place). W = Σ w, r = row sums.
// Per feature (float64): x̄ = Σx/n, z = x − x̄, y = Wz, Q = Σᵢ Σⱼ wᵢⱼ zⱼ²;
//   Moran I = ((n/W)·Σᵢ yᵢzᵢ) / Σz²,  Geary C = ((n−1)·Σᵢ Σⱼ wᵢⱼ(xᵢ−xⱼ)²) / ((2W)·Σz²)
// (scanpy's numba order of operations: every sum sequential). Constant features → NaN.
// Permutation p shuffles the rows of W with the permutation of stream p (ck/random.h):
//   Iπ = ((n/W)·Σᵢ zᵢ·y[π(i)]) / Σz²,  Cπ = ((n−1)·(Σᵢ zᵢ·(zᵢ·r[π(i)] − 2·y[π(i)]) + Q)) / ((2W)·Σz²),
// Geary's observed value for the ≥ comparison being the same expression at π = identity.
// Outputs per feature: the statistic, and with permutations the number of permuted values ≥ the
// observed one, their mean and their variance (ddof 0), summed over permutations in order.
//
// Layout: features are processed in chunks of F (z and y kept cell-major, F values per cell,
// at most ~128 MiB); within a chunk every permutation is one task: π is drawn from its stream,
// and each feature's sum runs over i = 0…n−1 in order, vectorised across features. So the bits
// do not depend on the variant, the thread count or the chunking, and equal the js reference's.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <atomic>

#include "ck/common.h"
#include "ck/parallel.h"
#include "ck/random.h"

#pragma clang fp contract(off)

namespace ck {
namespace {

template <typename T>
int32_t autocorr(const int32_t* indptr, const int32_t* indices, const double* w_data, int32_t n, int32_t w_is_f32,
                 const T* x, int32_t m, int32_t mode, int32_t transformation, int32_t n_perms, double seed, double* stat,
                 int32_t* n_ge, double* sim_mean, double* sim_var) {
  if (n < 0 || m < 0 || n_perms < 0 || (mode != 0 && mode != 1) || !valid_seed(seed)) {
    set_error_detail(n < 0 ? 4 : m < 0 ? 7 : (mode != 0 && mode != 1) ? 8 : n_perms < 0 ? 10 : 11);
    return kInvalidArgument;
  }
  if (n > 0 && indptr[0] != 0) {
    set_error_detail(0);
    return kBadIndptr;
  }
  for (int32_t i = 0; i < n; ++i) {
    if (indptr[i + 1] < indptr[i]) {
      set_error_detail(i);
      return kBadIndptr;
    }
    for (int32_t k = indptr[i]; k < indptr[i + 1]; ++k) {
      if (static_cast<uint32_t>(indices[k]) >= static_cast<uint32_t>(n)) {
        set_error_detail(i);
        return kIndexOutOfRange;
      }
    }
  }
  if (m == 0) return kOk;
  const bool geary = mode == 1;
  const int64_t nnz = n > 0 ? indptr[n] : 0;
  const double dn = static_cast<double>(n);

  // chunk of features: z and y take 16·n·F bytes
  int64_t F = n > 0 ? (int64_t{128} << 20) / (16 * static_cast<int64_t>(n)) : m;
  if (F < 1) F = 1;
  if (F > m) F = m;
  const size_t nF = static_cast<size_t>(n) * static_cast<size_t>(F);
  double* wd = static_cast<double*>(malloc(sizeof(double) * static_cast<size_t>(nnz + 1)));
  double* rows = static_cast<double*>(malloc(sizeof(double) * static_cast<size_t>(n + 1)));
  double* z = static_cast<double*>(malloc(sizeof(double) * (nF + 1)));
  double* y = static_cast<double*>(malloc(sizeof(double) * (nF + 1)));
  double* sims = n_perms > 0 ? static_cast<double*>(malloc(sizeof(double) * static_cast<size_t>(n_perms) * static_cast<size_t>(m))) : nullptr;
  double* cmp = static_cast<double*>(malloc(sizeof(double) * static_cast<size_t>(m)));
  double* q = static_cast<double*>(malloc(sizeof(double) * static_cast<size_t>(F)));
  double* z2 = static_cast<double*>(malloc(sizeof(double) * static_cast<size_t>(F)));
  uint8_t* cst = static_cast<uint8_t*>(malloc(static_cast<size_t>(F)));
  int32_t status = kOk;
  if (!wd || !rows || !z || !y || (n_perms > 0 && !sims) || !cmp || !q || !z2 || !cst) {
    status = kOutOfMemory;
    goto done;
  }
  {
    // weights
    for (int64_t k = 0; k < nnz; ++k) wd[k] = w_data[k];
    if (transformation) {
      for (int32_t i = 0; i < n; ++i) {
        double s = 0;
        for (int32_t k = indptr[i]; k < indptr[i + 1]; ++k) s += fabs(wd[k]);
        if (s == 0) continue;
        for (int32_t k = indptr[i]; k < indptr[i + 1]; ++k) {
          const double v = wd[k] / s;
          wd[k] = w_is_f32 ? static_cast<double>(static_cast<float>(v)) : v;
        }
      }
    }
    double wsum = 0;
    for (int64_t k = 0; k < nnz; ++k) wsum += wd[k];
    for (int32_t i = 0; i < n; ++i) {
      double s = 0;
      for (int32_t k = indptr[i]; k < indptr[i + 1]; ++k) s += wd[k];
      rows[i] = s;
    }
    uint32_t k0, k1;
    seed_key(seed, &k0, &k1);

    for (int32_t f0 = 0; f0 < m; f0 += static_cast<int32_t>(F)) {
      const int32_t fc = m - f0 < F ? m - f0 : static_cast<int32_t>(F);
      // means, constant flags, z
      double* mean = q;  // reuse as scratch for the means, then overwritten by Q
      for (int32_t f = 0; f < fc; ++f) {
        mean[f] = 0;
        cst[f] = 1;
      }
      for (int32_t i = 0; i < n; ++i) {
        const T* xi = x + static_cast<size_t>(i) * m + f0;
        for (int32_t f = 0; f < fc; ++f) mean[f] += static_cast<double>(xi[f]);
        if (i > 0) {
          for (int32_t f = 0; f < fc; ++f) cst[f] &= static_cast<uint8_t>(xi[f] == x[f0 + f]);
        }
      }
      for (int32_t f = 0; f < fc; ++f) {
        mean[f] /= dn;
        z2[f] = 0;
      }
      for (int32_t i = 0; i < n; ++i) {
        const T* xi = x + static_cast<size_t>(i) * m + f0;
        double* zi = z + static_cast<size_t>(i) * fc;
        for (int32_t f = 0; f < fc; ++f) {
          zi[f] = static_cast<double>(xi[f]) - mean[f];
          z2[f] += zi[f] * zi[f];
        }
      }
      // y = Wz and Q, per row in parallel (rows are independent), then Q summed over rows in order
      {
        double* qrow = static_cast<double*>(malloc(sizeof(double) * (static_cast<size_t>(n) * fc + 1)));
        if (!qrow) {
          status = kOutOfMemory;
          goto done;
        }
        const int32_t kRows = 1024;
        parallel_for(num_blocks(n, kRows), [&](int32_t b) {
          const int32_t end = (b + 1) * kRows < n ? (b + 1) * kRows : n;
          for (int32_t i = b * kRows; i < end; ++i) {
            double* yi = y + static_cast<size_t>(i) * fc;
            double* qi = qrow + static_cast<size_t>(i) * fc;
            for (int32_t f = 0; f < fc; ++f) yi[f] = qi[f] = 0;
            for (int32_t k = indptr[i]; k < indptr[i + 1]; ++k) {
              const double wk = wd[k];
              const double* zj = z + static_cast<size_t>(indices[k]) * fc;
              for (int32_t f = 0; f < fc; ++f) {
                yi[f] += wk * zj[f];
                qi[f] += wk * (zj[f] * zj[f]);
              }
            }
          }
        });
        for (int32_t f = 0; f < fc; ++f) q[f] = 0;
        for (int32_t i = 0; i < n; ++i) {
          const double* qi = qrow + static_cast<size_t>(i) * fc;
          for (int32_t f = 0; f < fc; ++f) q[f] += qi[f];
        }
        free(qrow);
      }
      // observed statistics
      for (int32_t f = 0; f < fc; ++f) {
        if (cst[f]) {
          stat[f0 + f] = NAN;
          cmp[f0 + f] = NAN;
          continue;
        }
        if (!geary) {
          double inum = 0;
          for (int32_t i = 0; i < n; ++i) inum += y[static_cast<size_t>(i) * fc + f] * z[static_cast<size_t>(i) * fc + f];
          stat[f0 + f] = ((dn / wsum) * inum) / z2[f];
          cmp[f0 + f] = stat[f0 + f];
        } else {
          double total = 0;
          for (int32_t i = 0; i < n; ++i) {
            double s = 0;
            const double xi = static_cast<double>(x[static_cast<size_t>(i) * m + f0 + f]);
            for (int32_t k = indptr[i]; k < indptr[i + 1]; ++k) {
              const double d = xi - static_cast<double>(x[static_cast<size_t>(indices[k]) * m + f0 + f]);
              s += wd[k] * (d * d);
            }
            total += s;
          }
          stat[f0 + f] = ((dn - 1) * total) / (2 * wsum * z2[f]);
          double acc = 0;
          for (int32_t i = 0; i < n; ++i) {
            const double zi = z[static_cast<size_t>(i) * fc + f];
            acc += zi * (zi * rows[i] - 2 * y[static_cast<size_t>(i) * fc + f]);
          }
          cmp[f0 + f] = ((dn - 1) * (acc + q[f])) / (2 * wsum * z2[f]);
        }
      }
      if (n_perms == 0) continue;
      // permutations: one task per permutation
      std::atomic<int32_t> oom{0};
      parallel_for(n_perms, [&](int32_t p) {
        int32_t* pi = static_cast<int32_t*>(malloc(sizeof(int32_t) * (static_cast<size_t>(n) + 1)));
        double* acc = static_cast<double*>(malloc(sizeof(double) * static_cast<size_t>(fc)));
        if (!pi || !acc) {
          oom.store(1);
          free(pi);
          free(acc);
          return;
        }
        for (int32_t i = 0; i < n; ++i) pi[i] = i;
        PermStream(k0, k1, static_cast<uint32_t>(p)).shuffle(pi, n);
        for (int32_t f = 0; f < fc; ++f) acc[f] = 0;
        // Four cells per step: their four random rows of y are loaded together (the gathers are
        // what costs), while each feature still adds cell i before cell i + 1.
        int32_t i = 0;
        if (!geary) {
          for (; i + 4 <= n; i += 4) {
            const double* z0 = z + static_cast<size_t>(i) * fc;
            const double* z1 = z0 + fc;
            const double* z2p = z1 + fc;
            const double* z3 = z2p + fc;
            const double* y0 = y + static_cast<size_t>(pi[i]) * fc;
            const double* y1 = y + static_cast<size_t>(pi[i + 1]) * fc;
            const double* y2 = y + static_cast<size_t>(pi[i + 2]) * fc;
            const double* y3 = y + static_cast<size_t>(pi[i + 3]) * fc;
            for (int32_t f = 0; f < fc; ++f) {
              double a = acc[f];
              a += z0[f] * y0[f];
              a += z1[f] * y1[f];
              a += z2p[f] * y2[f];
              a += z3[f] * y3[f];
              acc[f] = a;
            }
          }
          for (; i < n; ++i) {
            const double* zi = z + static_cast<size_t>(i) * fc;
            const double* yp = y + static_cast<size_t>(pi[i]) * fc;
            for (int32_t f = 0; f < fc; ++f) acc[f] += zi[f] * yp[f];
          }
        } else {
          for (; i + 4 <= n; i += 4) {
            const double* z0 = z + static_cast<size_t>(i) * fc;
            const double* z1 = z0 + fc;
            const double* z2p = z1 + fc;
            const double* z3 = z2p + fc;
            const double* y0 = y + static_cast<size_t>(pi[i]) * fc;
            const double* y1 = y + static_cast<size_t>(pi[i + 1]) * fc;
            const double* y2 = y + static_cast<size_t>(pi[i + 2]) * fc;
            const double* y3 = y + static_cast<size_t>(pi[i + 3]) * fc;
            const double r0 = rows[pi[i]], r1 = rows[pi[i + 1]], r2 = rows[pi[i + 2]], r3 = rows[pi[i + 3]];
            for (int32_t f = 0; f < fc; ++f) {
              double a = acc[f];
              a += z0[f] * (z0[f] * r0 - 2 * y0[f]);
              a += z1[f] * (z1[f] * r1 - 2 * y1[f]);
              a += z2p[f] * (z2p[f] * r2 - 2 * y2[f]);
              a += z3[f] * (z3[f] * r3 - 2 * y3[f]);
              acc[f] = a;
            }
          }
          for (; i < n; ++i) {
            const double* zi = z + static_cast<size_t>(i) * fc;
            const double* yp = y + static_cast<size_t>(pi[i]) * fc;
            const double rp = rows[pi[i]];
            for (int32_t f = 0; f < fc; ++f) acc[f] += zi[f] * (zi[f] * rp - 2 * yp[f]);
          }
        }
        double* out = sims + static_cast<size_t>(p) * m + f0;
        for (int32_t f = 0; f < fc; ++f) {
          if (cst[f]) out[f] = NAN;
          else if (!geary) out[f] = ((dn / wsum) * acc[f]) / z2[f];
          else out[f] = ((dn - 1) * (acc[f] + q[f])) / (2 * wsum * z2[f]);
        }
        free(pi);
        free(acc);
      });
      if (oom.load()) {
        status = kOutOfMemory;
        goto done;
      }
    }
    if (n_perms > 0) {
      for (int32_t f = 0; f < m; ++f) {
        int32_t ge = 0;
        double s = 0;
        for (int32_t p = 0; p < n_perms; ++p) {
          const double v = sims[static_cast<size_t>(p) * m + f];
          if (v >= cmp[f]) ++ge;
          s += v;
        }
        const double mu = s / n_perms;
        double ss = 0;
        for (int32_t p = 0; p < n_perms; ++p) {
          const double d = sims[static_cast<size_t>(p) * m + f] - mu;
          ss += d * d;
        }
        n_ge[f] = ge;
        sim_mean[f] = mu;
        sim_var[f] = ss / n_perms;
      }
    }
  }
done:
  free(wd);
  free(rows);
  free(z);
  free(y);
  free(sims);
  free(cmp);
  free(q);
  free(z2);
  free(cst);
  return status;
}

}  // namespace
}  // namespace ck

/// Moran's I (mode 0) or Geary's C (mode 1) of the m columns of a dense row-major float32 X
/// (n × m) over the CSR weight graph (n × n; weights as float64, `w_is_f32` when the graph was
/// float32), with `n_perms` permutations from `seed` (an integer < 2^53). Writes stat[m]; with
/// permutations also n_ge[m], sim_mean[m], sim_var[m] (may be 0 when n_perms is 0).
CK_EXPORT int32_t ck_spatial_autocorr_dense_f32(const int32_t* w_indptr, const int32_t* w_indices, const double* w_data,
                                                int32_t n, int32_t w_is_f32, const float* x, int32_t m, int32_t mode,
                                                int32_t transformation, int32_t n_perms, double seed, double* stat,
                                                int32_t* n_ge, double* sim_mean, double* sim_var) {
  return ck::autocorr(w_indptr, w_indices, w_data, n, w_is_f32, x, m, mode, transformation, n_perms, seed, stat, n_ge,
                      sim_mean, sim_var);
}

/// float64 X version of ck_spatial_autocorr_dense_f32.
CK_EXPORT int32_t ck_spatial_autocorr_dense_f64(const int32_t* w_indptr, const int32_t* w_indices, const double* w_data,
                                                int32_t n, int32_t w_is_f32, const double* x, int32_t m, int32_t mode,
                                                int32_t transformation, int32_t n_perms, double seed, double* stat,
                                                int32_t* n_ge, double* sim_mean, double* sim_var) {
  return ck::autocorr(w_indptr, w_indices, w_data, n, w_is_f32, x, m, mode, transformation, n_perms, seed, stat, n_ge,
                      sim_mean, sim_var);
}
