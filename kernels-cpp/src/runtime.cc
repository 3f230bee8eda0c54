// cellkernels — module runtime: memory, threads, error detail, build facts.
#include <stdlib.h>

#include <atomic>

#include "ck/common.h"
#include "ck/parallel.h"
#include "hwy/highway.h"

#if defined(__EMSCRIPTEN_PTHREADS__) || defined(CK_NATIVE_THREADS)
#define CK_HAVE_THREADS 1
#include <pthread.h>

#include <condition_variable>
#include <mutex>
#endif

namespace ck {

static int32_t g_error_detail = -1;
void set_error_detail(int32_t detail) { g_error_detail = detail; }

#if CK_HAVE_THREADS
// A persistent pool: workers sleep on a condition variable between jobs; the calling thread
// takes part in every job. Blocks are handed out with an atomic counter; which thread runs a
// block does not matter because blocks never share outputs.
namespace {
// Never destroyed: pool threads sleep on these until the process ends, and their destructors,
// run at exit(), would wait for those threads forever (seen in native builds).
std::mutex& g_mu = *new std::mutex;
std::condition_variable& g_wake = *new std::condition_variable;
std::condition_variable& g_done = *new std::condition_variable;
int32_t g_threads = 1;       // including the caller
uint32_t g_generation = 0;   // bumped for every job
int32_t g_finished = 0;      // workers done with the current job
int32_t g_nblocks = 0;
std::atomic<int32_t> g_next{0};
BlockFn g_fn = nullptr;
void* g_ctx = nullptr;

void run_blocks() {
  for (int32_t b; (b = g_next.fetch_add(1, std::memory_order_relaxed)) < g_nblocks;) g_fn(g_ctx, b);
}

void* worker_main(void*) {
  uint32_t seen = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(g_mu);
      g_wake.wait(lock, [&] { return g_generation != seen; });
      seen = g_generation;
    }
    run_blocks();
    {
      std::lock_guard<std::mutex> lock(g_mu);
      ++g_finished;
    }
    g_done.notify_one();
  }
  return nullptr;
}
}  // namespace

void parallel_blocks(int32_t nblocks, BlockFn fn, void* ctx) {
  if (nblocks <= 0) return;
  if (g_threads <= 1 || nblocks == 1) {
    for (int32_t b = 0; b < nblocks; ++b) fn(ctx, b);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(g_mu);
    g_fn = fn;
    g_ctx = ctx;
    g_nblocks = nblocks;
    g_next.store(0, std::memory_order_relaxed);
    g_finished = 0;
    ++g_generation;
  }
  g_wake.notify_all();
  run_blocks();
  std::unique_lock<std::mutex> lock(g_mu);
  g_done.wait(lock, [] { return g_finished == g_threads - 1; });
}
#else
void parallel_blocks(int32_t nblocks, BlockFn fn, void* ctx) {
  for (int32_t b = 0; b < nblocks; ++b) fn(ctx, b);
}
#endif

}  // namespace ck

/// Allocates `bytes` (16-byte aligned). Returns 0 when memory cannot grow; never aborts.
CK_EXPORT void* ck_alloc(uint32_t bytes) { return aligned_alloc(16, (bytes + 15u) & ~15u); }

/// Frees a pointer returned by ck_alloc (0 is ignored).
CK_EXPORT void ck_free(void* ptr) { free(ptr); }

/// Position (row, argument index, …) that the last non-zero status refers to, or -1.
CK_EXPORT int32_t ck_error_detail() { return ck::g_error_detail; }

/// ABI revision; the TypeScript adapter refuses a module with a different one.
CK_EXPORT int32_t ck_abi_version() { return 1; }

/// Name of the Highway target this module was compiled for ("WASM", "EMU128", "AVX2", …).
CK_EXPORT const char* ck_simd_target() { return hwy::TargetName(HWY_TARGET); }

/// Grows the pool to `n` threads in total (the caller counts as one). Threads are never
/// removed, so asking for fewer than are running changes nothing. Returns the thread count in
/// effect, or a negative status when a thread could not be started.
CK_EXPORT int32_t ck_set_threads(int32_t n) {
#if CK_HAVE_THREADS
  static int32_t started = 1;
  if (n < 1) return ck::kInvalidArgument;
  for (; started < n; ++started) {
    pthread_t t;
    if (pthread_create(&t, nullptr, ck::worker_main, nullptr) != 0) {
      ck::g_threads = started;
      return ck::kOutOfMemory;
    }
    pthread_detach(t);
  }
  std::lock_guard<std::mutex> lock(ck::g_mu);
  ck::g_threads = started;
  return ck::g_threads;
#else
  (void)n;
  return 1;
#endif
}
