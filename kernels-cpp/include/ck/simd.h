// cellkernels — Highway glue shared by the kernels (static dispatch: one target per build).
#pragma once

#include <stdint.h>
#include <string.h>

#include "hwy/highway.h"

namespace ck {
namespace hn = hwy::HWY_NAMESPACE;

/// Whether this build has vectors of T: Highway 1.0's wasm target has no float64 vectors, so
/// there doubles take a kernel's scalar loop (`if constexpr (kHasVectors<T>) { … }`).
template <typename T>
constexpr bool kHasVectors = HWY_HAVE_FLOAT64 || sizeof(T) != 8;

/// out[i] = f(in[i]) for `count` values (≥ 0), where `vec(d, v)` computes f on whole vectors
/// but is only valid for finite values ≥ +0 (Highway's Log1p), and `scalar(x)` is the C
/// library's f, which gives the exact special values (−0, negative, NaN, ±inf) elsewhere.
///
/// Whole vectors of a block are transformed with `vec` while the running signed max and min
/// of their bit patterns are kept (finite and ≥ +0 ⇔ 0 ≤ bits ≤ bits(max finite)); a block
/// holding any other value is redone vector by vector from `in`. This costs two integer ops
/// per vector, where a compare-and-branch per vector cost V8 about a quarter of Log1p's time.
/// `out` may equal `in` (then the block is tested before it is written). Highway 1.0's wasm
/// target has no float64 vectors: there doubles take the scalar path throughout.
template <typename T, class VecFn, class ScalarFn>
void map_nonnegative(const T* in, int64_t count, T* out, const VecFn& vec, const ScalarFn& scalar) {
  // size_t, not int64_t: on wasm32 64-bit counters cost an i64 op and a wrap per address.
  const size_t n = static_cast<size_t>(count);
  size_t i = 0;
  if constexpr (kHasVectors<T>)
  {
    const hn::ScalableTag<T> d;
    const hn::RebindToSigned<decltype(d)> di;
    using TI = hn::TFromD<decltype(di)>;
    const size_t N = hn::Lanes(d);
    const auto zero = hn::Zero(di);
    const T top_value = hwy::HighestValue<T>();
    TI top_bits;
    memcpy(&top_bits, &top_value, sizeof(top_bits));
    const auto top = hn::Set(di, top_bits);
    const bool in_place = in == out;
    constexpr size_t kBlock = 1024;
    while (n - i >= N) {
      const size_t end = i + ((n - i < kBlock ? n - i : kBlock) / N) * N;
      auto hi = zero, lo = zero;
      for (size_t k = i; k < end; k += N) {
        const auto v = hn::LoadU(d, in + k);
        hi = hn::Max(hi, hn::BitCast(di, v));
        lo = hn::Min(lo, hn::BitCast(di, v));
        if (!in_place) hn::StoreU(vec(d, v), d, out + k);
      }
      if (HWY_LIKELY(hn::AllFalse(di, hn::Or(hn::Gt(hi, top), hn::Lt(lo, zero))))) {
        if (in_place) {
          for (size_t k = i; k < end; k += N) hn::StoreU(vec(d, hn::LoadU(d, in + k)), d, out + k);
        }
      } else {
        for (size_t k = i; k < end; k += N) {
          const auto v = hn::LoadU(d, in + k);
          const auto b = hn::BitCast(di, v);
          if (hn::AllFalse(di, hn::Or(hn::Gt(b, top), hn::Lt(b, zero)))) {
            hn::StoreU(vec(d, v), d, out + k);
          } else {
            for (size_t j = k; j < k + N; ++j) out[j] = scalar(in[j]);
          }
        }
      }
      i = end;
    }
  }
  for (; i < n; ++i) out[i] = scalar(in[i]);
}

}  // namespace ck
