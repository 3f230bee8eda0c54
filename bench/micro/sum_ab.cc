// cellkernels bench — two versions of kernels-cpp/src/sum.cc timed against each other
// (run-ab.sh): float64 sums along the columns of a CSR float32 matrix (the scatter-add), one
// thread, on a synthetic 20,000 × 20,000 count matrix (bench/micro/ab.h). Prints the median ns
// per stored value of each and of B ÷ A over 21 repetitions, and whether the sums are the same
// bits. Argument: "rows" sums along rows instead (axis 1).
#include <string.h>

#include "ab.h"

extern "C" int32_t A_ck_sum_csr_f32(const int32_t*, const int32_t*, const float*, int32_t, int32_t, int32_t, double*);
extern "C" int32_t B_ck_sum_csr_f32(const int32_t*, const int32_t*, const float*, int32_t, int32_t, int32_t, double*);

int main(int argc, char** argv) {
  int32_t axis = 0;
  for (int i = 1; i < argc; ++i)
    if (strcmp(argv[i], "rows") == 0) axis = 1;
  const ab::Csr m = ab::synthetic(20000, 20000, [&](int, int c, double) { return static_cast<float>(c); });
  const size_t len = static_cast<size_t>(axis == 0 ? m.ncols : m.nrows);
  std::vector<double> oa(len), ob(len);
  ab::alternate(
      [&](bool b) {
        return (b ? B_ck_sum_csr_f32 : A_ck_sum_csr_f32)(m.indptr.data(), m.indices.data(), m.data.data(), m.nrows,
                                                         m.ncols, axis, (b ? ob : oa).data());
      },
      m.data.size(), 21);
  std::printf("  sums %s\n", oa == ob ? "the same bits" : "DIFFER");
}
