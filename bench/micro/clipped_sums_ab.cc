// cellkernels bench — two versions of kernels-cpp/src/clipped_sums.cc (HVG seurat_v3's clipped
// sums) timed against each other (run-ab.sh), one thread, on a synthetic 20,000 × 20,000 count
// matrix (bench/micro/ab.h) with clips of 3.5–7.5 per column, so about a tenth of the values clip.
// Prints the median ns per stored value of each and of B ÷ A over 21 repetitions, and whether
// the outputs are the same bits.
#include "ab.h"

extern "C" int32_t A_ck_clipped_sums_csr_f32(const int32_t*, const int32_t*, const float*, int32_t, int32_t,
                                             const double*, double*, double*);
extern "C" int32_t B_ck_clipped_sums_csr_f32(const int32_t*, const int32_t*, const float*, int32_t, int32_t,
                                             const double*, double*, double*);

int main() {
  const ab::Csr m = ab::synthetic(20000, 20000, [&](int, int c, double) { return static_cast<float>(c); });
  std::vector<double> clip(m.ncols), sa(m.ncols), qa(m.ncols), sb(m.ncols), qb(m.ncols);
  for (int32_t j = 0; j < m.ncols; ++j) clip[j] = 3.0 + (j % 5) + 0.5;
  ab::alternate(
      [&](bool b) {
        return (b ? B_ck_clipped_sums_csr_f32 : A_ck_clipped_sums_csr_f32)(
            m.indptr.data(), m.indices.data(), m.data.data(), m.nrows, m.ncols, clip.data(), (b ? sb : sa).data(),
            (b ? qb : qa).data());
      },
      m.data.size(), 21);
  std::printf("  outputs %s\n", sa == sb && qa == qb ? "the same bits" : "DIFFER");
}
