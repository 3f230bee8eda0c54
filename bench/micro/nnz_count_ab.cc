// cellkernels bench — two versions of kernels-cpp/src/nnz_count.cc timed against each other
// (run-ab.sh): nnzCount along the columns of a CSR float32 matrix (the scatter-count, which
// filterGenes uses too), one thread, on a synthetic 20,000 × 20,000 count matrix (bench/micro/ab.h).
// Prints the median ns per stored value of each and of B ÷ A over 21 repetitions, and whether
// the counts agree. Arguments: "nonzero" counts x != 0 instead of x > 0; "zeros" stores every
// 7th value as 0 (so the compare matters); "rows" counts along rows instead (axis 1, the
// streaming count that filterCells uses).
#include <string.h>

#include "ab.h"

extern "C" int32_t A_ck_nnz_count_csr_f32(const int32_t*, const int32_t*, const float*, int32_t, int32_t, int32_t,
                                          int32_t, int32_t*);
extern "C" int32_t B_ck_nnz_count_csr_f32(const int32_t*, const int32_t*, const float*, int32_t, int32_t, int32_t,
                                          int32_t, int32_t*);

int main(int argc, char** argv) {
  int32_t positive = 1;
  int32_t axis = 0;
  bool zeros = false;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "nonzero") == 0) positive = 0;
    if (strcmp(argv[i], "rows") == 0) axis = 1;
    zeros = zeros || strcmp(argv[i], "zeros") == 0;
  }
  const ab::Csr m = ab::synthetic(20000, 20000, [&](int i, int c, double) { return zeros && i % 7 == 3 ? 0.0f : static_cast<float>(c); });
  const size_t len = static_cast<size_t>(axis == 0 ? m.ncols : m.nrows);
  std::vector<int32_t> oa(len), ob(len);
  ab::alternate(
      [&](bool b) {
        return (b ? B_ck_nnz_count_csr_f32 : A_ck_nnz_count_csr_f32)(m.indptr.data(), m.indices.data(), m.data.data(),
                                                                     m.nrows, m.ncols, axis, positive, (b ? ob : oa).data());
      },
      m.data.size(), 21);
  std::printf("  counts %s\n", oa == ob ? "the same" : "DIFFER");
}
