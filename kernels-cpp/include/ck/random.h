// cellkernels — the one random generator of the permutation kernels (spatialAutocorr,
// nhoodEnrichment, ligrec). The same definition is implemented in
// src/backends/js/random.ts and kernels-as/assembly/random.ts, and all three give the same
// numbers bit for bit.
//
// Generator: Philox4x32-10 (Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as easy as
// 1, 2, 3", SC 2011; the Random123 constants), a counter-based generator: a 128-bit counter
// and a 64-bit key go in, four 32-bit words come out, with no state carried between calls.
//
//   key      (k0, k1)         = (seed mod 2^32, floor(seed / 2^32) mod 2^32); seed is an
//                               integer in [0, 2^53) (a double across the C ABI)
//   counter  (c0, c1, c2, c3) = (block, stream, 0, 0)
//
// Every permutation p of a call owns stream p: its words are the outputs of blocks 0, 1, 2, …
// of counter (block, p, 0, 0), four words per block, used in order. A permutation therefore
// depends only on (seed, p) — not on the thread that computes it, the block of permutations it
// falls in, the variant or the backend.
//
// Uniform integers in [0, bound): Lemire's multiply-and-reject ("Fast random integer
// generation in an interval", 2019): m = word · bound (64-bit); reject while low32(m) <
// (2^32 − bound) mod bound; the result is high32(m). Shuffles are Fisher–Yates (Durstenfeld):
// for i = n−1 … 1: j = uniform(i + 1); swap a[i], a[j]. Shuffling the identity gives the
// permutation π with shuffled[i] = original[π[i]].
#pragma once

#include <math.h>
#include <stdint.h>

namespace ck {

/// One Philox4x32-10 block: out = Philox(counter = (c0, c1, c2, c3), key = (k0, k1)).
inline void philox4x32_10(uint32_t k0, uint32_t k1, uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3,
                          uint32_t out[4]) {
  const uint64_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  const uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  for (int r = 0; r < 10; ++r) {
    const uint64_t p0 = kM0 * c0, p1 = kM1 * c2;
    const uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
    const uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
    k0 += kW0;
    k1 += kW1;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

/// Splits a seed (an integer in [0, 2^53) carried as a double) into the Philox key.
inline void seed_key(double seed, uint32_t* k0, uint32_t* k1) {
  const double hi = floor(seed / 4294967296.0);
  *k1 = static_cast<uint32_t>(hi);
  *k0 = static_cast<uint32_t>(seed - hi * 4294967296.0);
}

/// Whether a seed can be used (integer in [0, 2^53)).
inline bool valid_seed(double seed) { return seed >= 0 && seed < 9007199254740992.0 && floor(seed) == seed; }

/// The word stream of one permutation (see the header comment).
class PermStream {
 public:
  PermStream(uint32_t k0, uint32_t k1, uint32_t stream) : k0_(k0), k1_(k1), stream_(stream) {}

  uint32_t next() {
    if (pos_ == 4) {
      philox4x32_10(k0_, k1_, block_++, stream_, 0, 0, buf_);
      pos_ = 0;
    }
    return buf_[pos_++];
  }

  /// Uniform integer in [0, bound), bound ≥ 1.
  uint32_t uniform(uint32_t bound) {
    uint64_t m = static_cast<uint64_t>(next()) * bound;
    uint32_t l = static_cast<uint32_t>(m);
    if (l < bound) {
      const uint32_t t = (0u - bound) % bound;
      while (l < t) {
        m = static_cast<uint64_t>(next()) * bound;
        l = static_cast<uint32_t>(m);
      }
    }
    return static_cast<uint32_t>(m >> 32);
  }

  /// Fisher–Yates shuffle of a[0..n) in place.
  template <typename T>
  void shuffle(T* a, int32_t n) {
    for (int32_t i = n - 1; i > 0; --i) {
      const int32_t j = static_cast<int32_t>(uniform(static_cast<uint32_t>(i) + 1u));
      const T t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

 private:
  uint32_t k0_, k1_, stream_;
  uint32_t block_ = 0;
  uint32_t buf_[4] = {0, 0, 0, 0};
  int32_t pos_ = 4;
};

}  // namespace ck
