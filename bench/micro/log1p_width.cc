// cellkernels bench — log1p alone, in one thread, at the vector width of the build: how much of
// the log1p gap between wasm and the native build is the vector width, and how the library's
// float32 log1p (ck::log1p_nonnegative in kernels-cpp/include/ck/simd.h) compares with
// Highway's Log1p. Built three ways by run-log1p-width.sh (wasm SIMD128, native
// -march=x86-64-v2 = 128-bit, native -march=native = AVX-512 here). Prints ns per value, the
// minimum over repetitions, for
//   cached:    16 Ki values (L1/L2-resident) transformed 1000 times: the arithmetic alone;
//   streaming: 20 M values (80 MB) once: arithmetic plus memory traffic;
//   add:       out = in + 1 over the same 20 M values: the memory floor of one thread.
// With the argument --ulp it also checks ck::log1p_nonnegative on every float32 in
// [+0, FLT_MAX] against float64 log1p and prints the largest error in ULP (about 90 s).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "ck/simd.h"

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

/// Largest error of the kernel's float32 log1p (ck::map_nonnegative: ck::log1p_nonnegative up
/// to ck::log1p_vec_max, the C library's log1pf above), in ULP of the float32 result, over every
/// float32 bit pattern from +0 to the largest finite value.
void check_ulp() {
  const hn::ScalableTag<float> d;
  const size_t B = size_t{1} << 20;
  std::vector<float> x(B), y(B);
  double worst = 0;
  float worst_at = 0;
  for (uint64_t base = 0; base <= 0x7f7fffffu; base += B) {
    const size_t count = base + B <= 0x80000000u ? B : 0x80000000u - base;
    for (size_t j = 0; j < count; ++j) {
      const uint32_t b = static_cast<uint32_t>(base + j);
      memcpy(&x[j], &b, 4);
    }
    ck::map_nonnegative(
        x.data(), static_cast<int64_t>(count), y.data(), ck::log1p_vec_max<float>(),
        [](auto dd, auto v) { return ck::log1p_nonnegative(dd, v); }, [](float v) { return log1pf(v); });
    for (size_t j = 0; j < count; ++j) {
      if (!(x[j] <= 3.4028235e38f)) continue;  // +inf and NaN patterns at the top
      const double ref = std::log1p(static_cast<double>(x[j]));
      const float r = static_cast<float>(ref);
      const double ulp = std::fmax(std::nextafter(r, INFINITY) - r, 0x1p-149);
      const double e = std::fabs(y[j] - ref) / ulp;
      if (e > worst) worst = e, worst_at = x[j];
    }
  }
  printf("float32 log1p (ck::log1p_nonnegative, log1pf above 2^126): max error %.3f ULP (at %a) over every float32 in [+0, FLT_MAX]\n", worst, worst_at);
}

int main(int argc, char** argv) {
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
  auto highway = [&](auto v) { return hn::Log1p(d, v); };
  auto ours = [&](auto v) { return ck::log1p_nonnegative(d, v); };
  auto add = [&](auto v) { return hn::Add(v, hn::Set(d, 1.0f)); };
  auto cached_ns = [&](auto fn) { return 1e9 * best_seconds(7, [&] { for (int r = 0; r < 1000; ++r) map(cached, fn); }) / (1000.0 * cached); };
  auto streaming_ns = [&](auto fn) { return 1e9 * best_seconds(9, [&] { map(n, fn); }) / n; };
  const double hc = cached_ns(highway), hs = streaming_ns(highway);
  const double oc = cached_ns(ours), os = streaming_ns(ours);
  const double a = streaming_ns(add);
  // The kernel's path (ck::map_nonnegative with its range check), cached, into another array
  // and in place (repeated log1p keeps the values finite and ≥ 0).
  auto kernel_ns = [&](bool in_place) {
    std::vector<float> buf(in.begin(), in.begin() + cached);
    float* dst = in_place ? buf.data() : out.data();
    return 1e9 * best_seconds(7, [&] {
      for (int r = 0; r < 1000; ++r) {
        ck::map_nonnegative(
            buf.data(), static_cast<int64_t>(cached), dst, ck::log1p_vec_max<float>(),
            [](auto dd, auto v) { return ck::log1p_nonnegative(dd, v); }, [](float v) { return log1pf(v); });
      }
      g_sink = dst[cached / 2];
    }) / (1000.0 * cached);
  };
  const double kc = kernel_ns(false), ki = kernel_ns(true);
  // The kernel's path in place on an array far larger than the caches (as the kernel runs on a
  // matrix's values): reading and writing the same memory, compute and memory traffic overlap
  // only as far as the loop lets them.
  const double ks = [&] {
    std::vector<float> buf(in);
    return 1e9 * best_seconds(9, [&] {
      ck::map_nonnegative(
          buf.data(), static_cast<int64_t>(n), buf.data(), ck::log1p_vec_max<float>(),
          [](auto dd, auto v) { return ck::log1p_nonnegative(dd, v); }, [](float v) { return log1pf(v); });
      g_sink = buf[n / 2];
    }) / n;
  }();
  printf("target %s, %zu lanes, ns/value: Highway Log1p cached %.2f streaming %.2f; ck::log1p_nonnegative cached %.2f streaming %.2f; "
         "kernel path cached %.2f, in place %.2f, in place streaming %.2f; add streaming %.2f\n",
         hwy::TargetName(HWY_TARGET), N, hc, hs, oc, os, kc, ki, ks, a);
  if (argc > 1 && strcmp(argv[1], "--ulp") == 0) check_ulp();
  return 0;
}
