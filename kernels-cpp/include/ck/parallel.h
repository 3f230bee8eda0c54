// cellkernels — deterministic block parallelism.
//
// Work is cut into blocks whose boundaries depend only on the problem size, never on the
// thread count; a caller that reduces across blocks keeps one partial result per block and
// merges them in block order. So 1, 2 or N threads produce bit-identical output.
// Without pthreads (the `simd` and `scalar` variants) the blocks simply run in order.
#pragma once

#include <stdint.h>

namespace ck {

/// Signature of a block task: process block `b` of `nblocks`.
typedef void (*BlockFn)(void* ctx, int32_t b);

/// Runs fn(ctx, b) for every b in [0, nblocks), spread over the pool. Returns when all ran.
void parallel_blocks(int32_t nblocks, BlockFn fn, void* ctx);

/// Convenience for lambdas: parallel_for(nblocks, [&](int32_t b) { ... }).
template <class F>
void parallel_for(int32_t nblocks, const F& f) {
  parallel_blocks(
      nblocks, [](void* c, int32_t b) { (*static_cast<const F*>(c))(b); },
      const_cast<void*>(static_cast<const void*>(&f)));
}

/// Number of blocks of `block` items needed to cover `n` items (at least 1 when n > 0).
inline int32_t num_blocks(int64_t n, int64_t block) {
  return n <= 0 ? 0 : static_cast<int32_t>((n + block - 1) / block);
}

/// Fixed number of row chunks used by reductions that keep one partial array per chunk.
/// Depends only on the number of rows, so the merge order is the same for any thread count.
inline int32_t reduction_chunks(int64_t nrows) {
  const int64_t kMinRows = 1024, kMaxChunks = 16;
  int64_t c = (nrows + kMinRows - 1) / kMinRows;
  if (c < 1) c = 1;
  if (c > kMaxChunks) c = kMaxChunks;
  return static_cast<int32_t>(c);
}

}  // namespace ck
