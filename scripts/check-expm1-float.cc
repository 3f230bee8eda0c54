// cellkernels — exhaustive check of expm1_float (kernels-cpp/src/expm1_mean_var.cc), the
// call-free float32 expm1 of HVG seurat's mean/variance pass, against the C library's expm1:
// for every float32 x in [+0, 88] its result must be (float)expm1((double)x) bit for bit (the js
// reference computes Math.fround(Math.expm1(x))), and every x outside must be flagged. Exits 1
// on any difference.
//
//   bash scripts/check-expm1-float.sh        # glibc (g++) and musl (em++, run in node)
//
// Results (2026-11-22): 1,118,830,593 floats, 0 differences, with glibc and with musl.
#include <stdio.h>

#include "../kernels-cpp/src/expm1_mean_var.cc"

int main() {
  uint64_t total = 0, differ = 0;
  for (uint32_t b = 0;; ++b) {
    bool outside = false;
    const float got = ck::expm1_float(b, outside);
    float x;
    memcpy(&x, &b, sizeof(x));
    const float want = static_cast<float>(::expm1(static_cast<double>(x)));
    ++total;
    if (outside || memcmp(&got, &want, sizeof(got)) != 0) {
      if (differ < 10) printf("differs at bits 0x%08x (%a): %a, the C library %a\n", b, x, got, want);
      ++differ;
    }
    if (b == 0x42b00000u) break;
  }
  // and outside the range every value is flagged
  const uint32_t outside[] = {0x42b00001u, 0x7f7fffffu, 0x7f800000u, 0x7fc00000u, 0x80000000u, 0xbf800000u, 0xff800000u};
  for (const uint32_t b : outside) {
    bool outside = false;
    ck::expm1_float(b, outside);
    if (!outside) {
      printf("bits 0x%08x outside [+0, 88] not flagged\n", b);
      ++differ;
    }
  }
  printf("%llu floats in [+0, 88]: %llu differences\n", static_cast<unsigned long long>(total),
         static_cast<unsigned long long>(differ));
  return differ == 0 ? 0 : 1;
}
