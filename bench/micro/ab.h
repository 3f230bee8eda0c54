// cellkernels bench — shared parts of the one-kernel A/B harnesses (bench/micro/*_ab.cc, built
// by run-ab.sh): two versions of a kernel linked side by side under the prefixes A_ and B_,
// a synthetic count matrix, and the alternating timing loop.
#pragma once

#include <stdint.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

namespace ab {

/// A synthetic CSR matrix shaped like single-cell counts: 400–2,400 sorted distinct columns per
/// row (uniformly spread: the worst case for the scatter loops' cache), geometric counts with an
/// occasional large one. `value(i, count, row_total)` gives the stored value of the row's i-th entry.
struct Csr {
  int32_t nrows = 0, ncols = 0;
  std::vector<int32_t> indptr, indices;
  std::vector<float> data;
};

template <class ValueFn>
Csr synthetic(int32_t nrows, int32_t ncols, const ValueFn& value) {
  Csr m;
  m.nrows = nrows;
  m.ncols = ncols;
  m.indptr.assign(nrows + 1, 0);
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
      m.indices.push_back(pick[i]);
      m.data.push_back(value(i, c[i], total));
    }
    m.indptr[r + 1] = static_cast<int32_t>(m.indices.size());
  }
  return m;
}

/// Times run(false) (version A) and run(true) (B) `reps` times, alternating which goes first,
/// and prints the median ns per value of each and the median of the per-repetition ratios B ÷ A.
/// `run` returns the kernel's status; `values` is the number of stored values.
template <class RunFn>
void alternate(const RunFn& run, size_t values, int reps = 15) {
  std::vector<double> ta, tb, ratio;
  for (int rep = 0; rep < reps; ++rep) {
    double t[2];
    for (int q = 0; q < 2; ++q) {
      const bool b = (q == 1) != (rep % 2 == 1);  // A B, then B A, …
      const auto t0 = std::chrono::steady_clock::now();
      const int32_t rc = run(b);
      const auto t1 = std::chrono::steady_clock::now();
      if (rc != 0) std::printf("%c returned %d\n", b ? 'B' : 'A', rc);
      t[b] = std::chrono::duration<double, std::nano>(t1 - t0).count() / static_cast<double>(values);
    }
    ta.push_back(t[0]);
    tb.push_back(t[1]);
    ratio.push_back(t[1] / t[0]);
  }
  const auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::printf("A %.3f  B %.3f ns per value  B/A %.3f", median(ta), median(tb), median(ratio));
}

}  // namespace ab
