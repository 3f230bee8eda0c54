// cellkernels bench — Highway's Log1p alone, in one thread, at the vector width of the build:
// how much of the log1p gap between wasm and the native build is the vector width. Built three
// ways by run-log1p-width.sh (wasm SIMD128, native -march=x86-64-v2 = 128-bit, native
// -march=native = AVX-512 here). Prints ns per value, the minimum over repetitions, for
//   cached:    16 Ki values (L1/L2-resident) transformed 1000 times: the arithmetic alone;
//   streaming: 20 M values (80 MB) once: arithmetic plus memory traffic;
//   add:       out = in + 1 over the same 20 M values: the memory floor of one thread.
#include <chrono>
#include <cstdio>
#include <vector>

#include "hwy/contrib/math/math-inl.h"
#include "hwy/highway.h"

namespace hn = hwy::HWY_NAMESPACE;

volatile float g_sink;

template <class F>
double best_seconds(int reps, const F& f) {
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (dt < best) best = dt;
  }
  return best;
}

int main() {
  const size_t n = 20000000, cached = 16384;
  std::vector<float> in(n), out(n);
  // non-negative counts-like values, some small (the range log1p sees after normalisation)
  for (size_t i = 0; i < n; ++i) in[i] = static_cast<float>((i * 2654435761u) % 1000003u) / 1000.0f * (i % 3 ? 1.f : 1e-4f);
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  auto map = [&](size_t count, auto fn) {
    for (size_t i = 0; i < count; i += N) hn::StoreU(fn(hn::LoadU(d, &in[i])), d, &out[i]);
    g_sink = out[count / 2];
  };
  auto log1p = [&](auto v) { return hn::Log1p(d, v); };
  auto add = [&](auto v) { return hn::Add(v, hn::Set(d, 1.0f)); };
  const double c = best_seconds(7, [&] { for (int r = 0; r < 1000; ++r) map(cached, log1p); }) / (1000.0 * cached);
  const double s = best_seconds(9, [&] { map(n, log1p); }) / n;
  const double a = best_seconds(9, [&] { map(n, add); }) / n;
  printf("target %s, %zu lanes: Log1p cached %.2f ns/value, streaming %.2f ns/value; add streaming %.2f ns/value\n",
         hwy::TargetName(HWY_TARGET), N, c * 1e9, s * 1e9, a * 1e9);
  return 0;
}
