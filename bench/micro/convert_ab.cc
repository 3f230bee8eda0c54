// cellkernels bench — two versions of kernels-cpp/src/convert.cc timed against each other
// (run-ab.sh): CSR float32 → CSC (ck_to_csc_csr_f32), one thread, on a synthetic 20,000 ×
// 20,000 count matrix (bench/micro/ab.h), into output arrays allocated (and touched) once.
// Prints the median ns per stored value of each and of B ÷ A over 15 repetitions, and whether
// the two outputs are the same.
#include "ab.h"

extern "C" int32_t A_ck_to_csc_csr_f32(const int32_t*, const int32_t*, const float*, int32_t, int32_t, int32_t*,
                                       int32_t*, float*);
extern "C" int32_t B_ck_to_csc_csr_f32(const int32_t*, const int32_t*, const float*, int32_t, int32_t, int32_t*,
                                       int32_t*, float*);

int main() {
  const ab::Csr m = ab::synthetic(20000, 20000, [&](int, int c, double) { return static_cast<float>(c); });
  const size_t nnz = m.data.size();
  struct Out {
    std::vector<int32_t> indptr, indices;
    std::vector<float> data;
  } o[2];
  for (Out& x : o) {
    x.indptr.assign(m.ncols + 1, 0);
    x.indices.assign(nnz, 0);
    x.data.assign(nnz, 0);
  }
  ab::alternate(
      [&](bool b) {
        Out& x = o[b];
        return (b ? B_ck_to_csc_csr_f32 : A_ck_to_csc_csr_f32)(m.indptr.data(), m.indices.data(), m.data.data(),
                                                               m.nrows, m.ncols, x.indptr.data(), x.indices.data(),
                                                               x.data.data());
      },
      nnz, 15);
  const bool same = o[0].indptr == o[1].indptr && o[0].indices == o[1].indices && o[0].data == o[1].data;
  std::printf("  output %s\n", same ? "the same" : "DIFFERS");
}
