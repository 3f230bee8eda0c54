// cellkernels CUDA — the raw sums behind scanpy.pp.calculate_qc_metrics on a CSR matrix, as
// kernels-cpp/src/qc_metrics.cc (see there for the outputs and scanpy's top-N rule):
//   per cell (one task per row, values in storage order, explicit zeros skipped): total,
//   ngenes, qc_total per gene set, and top[t] = float64 running sum of the ns[t] largest values
//   in descending order (NaN last), implicit zeros placed before the first negative value;
//   per gene: gene_total and ncells, a minor-axis reduction (reduce.cuh).
// The top-N selection is a heap select plus heap sort of the row's non-zero values in a scratch
// copy (the row's own slot of length nnz): the result depends only on the row's values.
#include <stdlib.h>

#include "abi.h"
#include "ck_cuda.h"
#include "reduce.cuh"

namespace ck {
namespace gpu {
namespace {

/// a ranks after b in descending order with NaN last (a strict weak ordering).
template <typename T>
CK_DEVICE bool after(T a, T b) {
  if (b != b) return false;
  if (a != a) return true;
  return a < b;
}

/// Sift-down of a heap whose root is the value that ranks last (h[0] after every other).
template <typename T>
CK_DEVICE void sift_down(T* h, int32_t n, int32_t i) {
  for (;;) {
    const int32_t l = 2 * i + 1, r = l + 1;
    int32_t m = i;
    if (l < n && after(h[l], h[m])) m = l;
    if (r < n && after(h[r], h[m])) m = r;
    if (m == i) return;
    const T t = h[i];
    h[i] = h[m];
    h[m] = t;
    i = m;
  }
}

/// Moves the `keep` top-ranked of v[0, n) to v[0, keep), sorted best first.
template <typename T>
CK_DEVICE void top_sorted(T* v, int32_t n, int32_t keep) {
  if (keep <= 0) return;
  for (int32_t i = keep / 2 - 1; i >= 0; --i) sift_down(v, keep, i);
  for (int32_t i = keep; i < n; ++i) {
    if (after(v[0], v[i])) {
      v[0] = v[i];
      sift_down(v, keep, 0);
    }
  }
  for (int32_t end = keep - 1; end > 0; --end) {  // heap sort: the last-ranked goes to the end
    const T t = v[0];
    v[0] = v[end];
    v[end] = t;
    sift_down(v, end, 0);
  }
}

struct QcOut {
  double* total;
  int32_t* ngenes;
  double* qc_total;
  double* top;
  int32_t* ncells;
  double* gene_total;
};

template <typename T>
CK_GLOBAL void qc_rows(const int32_t* indptr, const int32_t* indices, const T* data, int32_t nrows, int32_t ncols,
                       const uint8_t* qc_masks, int32_t nqc, const int32_t* ns, int32_t nns, T* scratch, QcOut o) {
  const int64_t n = nrows;
  const size_t width = static_cast<size_t>(ncols);
  const int32_t max_n = nns > 0 ? ns[nns - 1] : 0;
  for (CK_STRIDE(r, nrows)) {
    double total = 0;
    int32_t nz = 0;
    T* vals = scratch == nullptr ? nullptr : scratch + indptr[r];
    for (int32_t q = 0; q < nqc; ++q) o.qc_total[q * n + r] = 0;
    for (int32_t k = indptr[r]; k < indptr[r + 1]; ++k) {
      const T v = data[k];
      if (v == T(0)) continue;  // eliminate_zeros()
      const int32_t j = indices[k];
      const double dv = static_cast<double>(v);
      total += dv;
      for (int32_t q = 0; q < nqc; ++q)
        if (qc_masks[static_cast<size_t>(q) * width + j] != 0) o.qc_total[q * n + r] += dv;
      if (vals != nullptr) vals[nz] = v;
      ++nz;
    }
    o.total[r] = total;
    o.ngenes[r] = nz;
    if (nns == 0) continue;
    const int32_t keep = max_n < nz ? max_n : nz;
    top_sorted(vals, nz, keep);
    int32_t zeros = max_n > nz ? max_n - nz : 0;
    double acc = 0;
    int32_t taken = 0, i = 0, t = 0;
    while (t < nns) {
      if (taken == ns[t]) {
        o.top[t * n + r] = acc;
        ++t;
        continue;
      }
      if (i < keep && (vals[i] >= T(0) || zeros == 0)) {
        acc += static_cast<double>(vals[i++]);
      } else {
        --zeros;  // an implicit zero adds nothing
      }
      ++taken;
    }
  }
}

/// Per gene: Σ of the non-zero values and their count (exact in float64 below 2^53).
template <typename T>
struct GeneOp {
  typedef double Acc;
  static constexpr int kAcc = 2;
  const T* data;
  int32_t* ncells;
  double* gene_total;
  CK_DEVICE bool use(int64_t) const { return true; }
  CK_DEVICE void add(double* acc, int32_t stride, int32_t j, int64_t k) const {
    const T v = data[k];
    if (v == T(0)) return;
    acc[j] += static_cast<double>(v);
    acc[stride + j] += 1.0;
  }
  CK_DEVICE void finish(int32_t j, const double* s) const {
    gene_total[j] = s[0];
    ncells[j] = static_cast<int32_t>(s[1]);
  }
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
  if (nns > 0) {  // the sizes are validated on the host, as the CPU kernel does
    int32_t host[64];
    int32_t* hs = nns <= 64 ? host : static_cast<int32_t*>(malloc(sizeof(int32_t) * static_cast<size_t>(nns)));
    if (hs == nullptr) return kOutOfMemory;
    int32_t st = copy_to_host(hs, ns, sizeof(int32_t) * static_cast<size_t>(nns));
    for (int32_t t = 0; t < nns && st == kOk; ++t) {
      if (hs[t] < 1 || hs[t] > ncols || (t > 0 && hs[t] <= hs[t - 1])) {
        set_error_detail(9);
        st = kInvalidArgument;
      }
    }
    if (hs != host) free(hs);
    if (st != kOk) return st;
  }
  bool sorted = true;
  if (int32_t s = check_indices(indptr, indices, nrows, ncols, &sorted)) return s;
  if (nrows > 0) {
    int32_t nnz = 0;
    if (copy_to_host(&nnz, indptr + nrows, sizeof(nnz)) != kOk) return kDeviceError;
    Scratch scratch(nns > 0 ? sizeof(T) * (static_cast<size_t>(nnz) + 1) : 0);
    if (scratch.p == nullptr) return kOutOfMemory;
    launch(qc_rows<T>, grid_for(nrows), indptr, indices, data, nrows, ncols, qc_masks, nqc, ns, nns,
           nns > 0 ? scratch.as<T>() : static_cast<T*>(nullptr), o);
    if (check_launch("qc_metrics") != kOk) return kDeviceError;
  }
  return reduce_minor(GeneOp<T>{data, o.ncells, o.gene_total}, indptr, indices, nrows, ncols);
}

}  // namespace
}  // namespace gpu
}  // namespace ck

#define CK_QC(T, S)                                                                                                 \
  CK_EXPORT int32_t ck_qc_metrics_csr_##S(const int32_t* indptr, const int32_t* indices, const T* data,             \
                                          int32_t nrows, int32_t ncols, const uint8_t* qc_masks, int32_t nqc,       \
                                          const int32_t* ns, int32_t nns, double* total, int32_t* ngenes,           \
                                          double* qc_total, double* top, int32_t* ncells, double* gene_total) {     \
    return ck::gpu::qc_csr(indptr, indices, data, nrows, ncols, qc_masks, nqc, ns, nns,                             \
                           ck::gpu::QcOut{total, ngenes, qc_total, top, ncells, gene_total});                       \
  }
CK_QC(float, f32)
CK_QC(double, f64)
