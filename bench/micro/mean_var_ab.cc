// cellkernels bench — two versions of kernels-cpp/src/mean_var.cc timed against each other
// (run-ab.sh): mean and variance along the columns of a CSR float32 matrix (the scatter of a
// value and its square), one thread, on a synthetic 20,000 × 20,000 count matrix
// (bench/micro/ab.h). Prints the median ns per stored value of each and of B ÷ A over 21
// repetitions, and whether the outputs are the same bits.
#include "ab.h"

extern "C" int32_t A_ck_mean_var_csr_f32(const int32_t*, const int32_t*, const float*, int32_t, int32_t, int32_t,
                                         int32_t, double*, double*);
extern "C" int32_t B_ck_mean_var_csr_f32(const int32_t*, const int32_t*, const float*, int32_t, int32_t, int32_t,
                                         int32_t, double*, double*);

int main() {
  const ab::Csr m = ab::synthetic(20000, 20000, [&](int, int c, double) { return static_cast<float>(c); });
  std::vector<double> ma(m.ncols), va(m.ncols), mb(m.ncols), vb(m.ncols);
  ab::alternate(
      [&](bool b) {
        return (b ? B_ck_mean_var_csr_f32 : A_ck_mean_var_csr_f32)(m.indptr.data(), m.indices.data(), m.data.data(),
                                                                   m.nrows, m.ncols, 0, 1, (b ? mb : ma).data(),
                                                                   (b ? vb : va).data());
      },
      m.data.size(), 21);
  std::printf("  outputs %s\n", ma == mb && va == vb ? "the same bits" : "DIFFER");
}
