// cellkernels bench — two versions of kernels-cpp/src/expm1_mean_var.cc (HVG seurat's mean and
// variance of expm1(X)) timed against each other (run-ab.sh), one thread, calls alternating, on
// a synthetic 20,000 × 20,000 CSR float32 matrix (bench/micro/ab.h) scaled to 10^4 per row and
// log1p'd like log-normalised counts: about 2.6 % of the values are a row's first occurrence of
// their value, close to nb100k's 2.2 % memo misses. Prints the median ns per stored value of
// each over 15 repetitions, the median of the per-repetition ratios B ÷ A, and whether their
// outputs are the same bits. Arguments: "plain" times the statistics of X instead of expm1(X);
// "negative" makes every 100th stored value negative (input outside the call-free expm1's range).
#include <string.h>

#include "ab.h"

extern "C" int32_t A_ck_expm1_mean_var_csr_f32(const int32_t*, const int32_t*, const float*, int32_t, int32_t,
                                               int32_t, double*, double*);
extern "C" int32_t B_ck_expm1_mean_var_csr_f32(const int32_t*, const int32_t*, const float*, int32_t, int32_t,
                                               int32_t, double*, double*);

int main(int argc, char** argv) {
  bool plain = false, negative = false;
  for (int i = 1; i < argc; ++i) {
    plain = plain || strcmp(argv[i], "plain") == 0;
    negative = negative || strcmp(argv[i], "negative") == 0;
  }
  const ab::Csr m = ab::synthetic(20000, 20000, [&](int i, int c, double total) {
    const float v = std::log1p(static_cast<float>(c * (1e4 / total)));
    return negative && i % 100 == 7 ? -v : v;
  });
  const int32_t ex = plain ? 0 : 1;
  std::vector<double> ma(m.ncols), va(m.ncols), mb(m.ncols), vb(m.ncols);
  ab::alternate(
      [&](bool b) {
        return (b ? B_ck_expm1_mean_var_csr_f32 : A_ck_expm1_mean_var_csr_f32)(
            m.indptr.data(), m.indices.data(), m.data.data(), m.nrows, m.ncols, ex, (b ? mb : ma).data(),
            (b ? vb : va).data());
      },
      m.data.size());
  std::printf("  outputs %s\n", ma == mb && va == vb ? "the same bits" : "DIFFER");
}
