// cellkernels bench — two versions of kernels-cpp/src/expm1_mean_var.cc (HVG seurat's mean and
// variance of expm1(X)) timed against each other in one process, one thread, calls alternating,
// on a synthetic 20,000 × 20,000 CSR float32 matrix shaped like log-normalised counts (400–2,400
// sorted distinct columns per row, geometric counts with an occasional large one, each row
// scaled to 10^4 and log1p'd: about 2.6 % of the values are a row's first occurrence of their
// value, close to nb100k's 2.2 % memo misses). The two versions are linked side by side under
// the names A_f32 and B_f32 (run-expm1-mean-var-ab.sh builds them with -D renames; their
// internals sit in anonymous namespaces). Prints the median ns per stored value of each over 15
// repetitions, the median of the per-repetition ratios B ÷ A, and whether their outputs are the
// same bits. Arguments: "plain" times the statistics of X instead of expm1(X); "negative" makes
// every 100th stored value negative (input outside the call-free expm1's range).
#include <stdint.h>
#include <string.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

extern "C" int32_t A_f32(const int32_t*, const int32_t*, const float*, int32_t, int32_t, int32_t, double*, double*);
extern "C" int32_t B_f32(const int32_t*, const int32_t*, const float*, int32_t, int32_t, int32_t, double*, double*);

int main(int argc, char** argv) {
  bool plain = false, negative = false;
  for (int i = 1; i < argc; ++i) {
    plain = plain || strcmp(argv[i], "plain") == 0;
    negative = negative || strcmp(argv[i], "negative") == 0;
  }
  const int nrows = 20000, ncols = 20000;
  std::vector<int32_t> indptr(nrows + 1), indices;
  std::vector<float> data;
  uint64_t s = 88172645463325252ull;
  const auto rnd = [&]() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  };
  std::vector<int> cols(ncols);
  for (int j = 0; j < ncols; ++j) cols[j] = j;
  for (int r = 0; r < nrows; ++r) {
    const int nnz = 400 + static_cast<int>(rnd() % 2000);
    std::vector<int> pick;
    for (int i = 0; i < nnz; ++i) {  // a partial Fisher–Yates shuffle: nnz distinct columns
      const int k = i + static_cast<int>(rnd() % (ncols - i));
      std::swap(cols[i], cols[k]);
      pick.push_back(cols[i]);
    }
    std::sort(pick.begin(), pick.end());
    std::vector<int> c(nnz);
    double total = 0;
    for (int i = 0; i < nnz; ++i) {
      const double u = static_cast<double>(rnd() >> 11) * (1.0 / 9007199254740992.0);
      c[i] = 1 + static_cast<int>(std::floor(std::log(u) / std::log(0.55)));
      if (rnd() % 50 == 0) c[i] += static_cast<int>(rnd() % 200);
      total += c[i];
    }
    for (int i = 0; i < nnz; ++i) {
      indices.push_back(pick[i]);
      const float v = std::log1p(static_cast<float>(c[i] * (1e4 / total)));
      data.push_back(negative && i % 100 == 7 ? -v : v);
    }
    indptr[r + 1] = static_cast<int32_t>(indices.size());
  }
  const int32_t ex = plain ? 0 : 1;
  std::vector<double> ma(ncols), va(ncols), mb(ncols), vb(ncols);
  std::vector<double> ta, tb, ratio;
  for (int rep = 0; rep < 15; ++rep) {
    double t[2];
    for (int q = 0; q < 2; ++q) {
      const bool b = (q == 1) != (rep % 2 == 1);  // A B, then B A, …
      const auto t0 = std::chrono::steady_clock::now();
      const int32_t rc = (b ? B_f32 : A_f32)(indptr.data(), indices.data(), data.data(), nrows, ncols, ex,
                                             b ? mb.data() : ma.data(), b ? vb.data() : va.data());
      const auto t1 = std::chrono::steady_clock::now();
      if (rc != 0) std::printf("%c returned %d\n", b ? 'B' : 'A', rc);
      t[b] = std::chrono::duration<double, std::nano>(t1 - t0).count() / static_cast<double>(data.size());
    }
    ta.push_back(t[0]);
    tb.push_back(t[1]);
    ratio.push_back(t[1] / t[0]);
  }
  const auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  const bool same = memcmp(ma.data(), mb.data(), ncols * sizeof(double)) == 0 &&
                    memcmp(va.data(), vb.data(), ncols * sizeof(double)) == 0;
  std::printf("A %.3f  B %.3f ns per value  B/A %.3f  outputs %s\n", median(ta), median(tb), median(ratio),
              same ? "the same bits" : "DIFFER");
}
