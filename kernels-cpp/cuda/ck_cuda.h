// cellkernels CUDA — the portability layer: one kernel source, two compilers.
//
// Every kernel of kernels-cpp/cuda is written once, as CK_GLOBAL functions over CK_DEVICE
// helpers, and compiled
//   (a) by nvcc for the GPU (CK_CUDA_DEVICE: __CUDACC__ defined), launched with
//       cudaLaunchKernel on the legacy default stream; or
//   (b) by the host C++ compiler (CK_CUDA_EMU), where launch() runs the grid as a loop over
//       every (block, thread) in order, one at a time. Atomics become plain operations.
//
// Rules that make (b) an honest emulation of (a):
//   - kernels use grid-stride loops over independent tasks: no __syncthreads, no shared
//     memory, no warp shuffles, no assumption about how many threads run at once;
//   - every output element is written by exactly one task, whose arithmetic is a fixed
//     sequence (no float atomics): the result depends on the problem size only, never on the
//     grid, the device or the order in which tasks run. The only atomics are integer
//     atomicMin for "first bad slice" error reports and same-value flag stores, whose result
//     is order-free;
//   - floating point is IEEE: nvcc builds with -fmad=false (no FMA contraction, like wasm and
//     the js reference) and without fast math; the host build with -ffp-contract=off.
// So the emulated and the device builds compute the same bits, except in the math library
// functions (log1p, expm1: CUDA's and glibc's are both within 1 ULP).
//
// The host side (runtime.cu) owns device memory, copies and the error state; kernels report
// failures through the ck::Status codes of kernels-cpp/include/ck/common.h plus kDeviceError.
#pragma once

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "ck/common.h"

namespace ck {

/// A CUDA runtime call failed (launch, copy, allocation of scratch); ck_cuda_last_error() says
/// which. Not a wasm status: the TypeScript CUDA module maps it to a typed error.
constexpr int32_t kDeviceError = -6;

namespace gpu {

template <typename T>
struct Identity {
  typedef T type;
};

/// A launch configuration: `blocks` × `threads`, covered by grid-stride loops.
struct Grid {
  uint32_t blocks;
  uint32_t threads;
};

/// Largest grid that launch helpers ask for (grid-stride loops cover any remaining work).
constexpr int64_t kMaxBlocks = 8192;
constexpr uint32_t kThreads = 256;

/// Emulation only: at most this many emulated threads per launch (0: as many as asked). Tests
/// set it to 1, 7, 33 … to show that results do not depend on the launch configuration.
int64_t emu_thread_limit();

/// A grid with about one thread per task (at least one block, at most kMaxBlocks).
inline Grid grid_for(int64_t tasks) {
  int64_t blocks = (tasks + kThreads - 1) / kThreads;
  if (blocks < 1) blocks = 1;
  if (blocks > kMaxBlocks) blocks = kMaxBlocks;
  Grid g{static_cast<uint32_t>(blocks), kThreads};
  const int64_t limit = emu_thread_limit();
  if (limit > 0 && static_cast<int64_t>(g.blocks) * g.threads > limit) g = Grid{1, static_cast<uint32_t>(limit)};
  return g;
}

// ---- host-side memory and error state (runtime.cu) -------------------------------------

/// Stream-ordered scratch memory for one call (cudaMallocAsync where the device supports memory
/// pools, else cudaMalloc); nullptr on failure (the error is recorded).
void* scratch_alloc(size_t bytes);
void scratch_free(void* p);
/// Synchronous copies; return kOk or kDeviceError.
int32_t copy_to_device(void* dst, const void* src, size_t bytes);
int32_t copy_to_host(void* dst, const void* src, size_t bytes);
/// Stream-ordered fill; kOk or kDeviceError.
int32_t fill_bytes(void* dst, int value, size_t bytes);
/// kOk, or kDeviceError after recording the last launch error.
int32_t check_launch(const char* what);
/// Records a runtime failure message (ck_cuda_last_error returns it).
void record_error(const char* what, const char* message);

/// Scratch memory released at the end of the scope.
struct Scratch {
  void* p = nullptr;
  explicit Scratch(size_t bytes) : p(scratch_alloc(bytes < 16 ? 16 : bytes)) {}
  ~Scratch() { scratch_free(p); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  template <typename T>
  T* as() const {
    return static_cast<T*>(p);
  }
};

}  // namespace gpu
}  // namespace ck

#if defined(__CUDACC__)
// =========================================================================== device build
#include <cuda_runtime.h>

#define CK_GLOBAL static __global__
#define CK_DEVICE __device__ __forceinline__
#define CK_CUDA_DEVICE 1

namespace ck {
namespace gpu {

CK_DEVICE int64_t global_id() { return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; }
CK_DEVICE int64_t grid_size() { return static_cast<int64_t>(gridDim.x) * blockDim.x; }
CK_DEVICE void atomic_min(int32_t* p, int32_t v) { atomicMin(p, v); }
CK_DEVICE void atomic_add(int32_t* p, int32_t v) { atomicAdd(p, v); }

/// Launches kernel `k` with `g` on the legacy default stream (ordered with every copy).
template <typename... P>
void launch(void (*k)(P...), Grid g, typename Identity<P>::type... args) {
  void* argv[] = {static_cast<void*>(&args)..., nullptr};
  cudaLaunchKernel(reinterpret_cast<const void*>(k), dim3(g.blocks), dim3(g.threads), argv, 0, 0);
}

}  // namespace gpu
}  // namespace ck

#else
// ======================================================================= emulated build
#define CK_GLOBAL static inline
#define CK_DEVICE inline
#define CK_CUDA_EMU 1

namespace ck {
namespace gpu {
namespace emu {
/// The emulated thread's global index and the grid's thread count (one thread at a time).
inline int64_t g_id = 0;
inline int64_t g_size = 1;
}  // namespace emu

inline int64_t global_id() { return emu::g_id; }
inline int64_t grid_size() { return emu::g_size; }
inline void atomic_min(int32_t* p, int32_t v) {
  if (v < *p) *p = v;
}
inline void atomic_add(int32_t* p, int32_t v) { *p += v; }

/// Runs kernel `k` for every thread of the grid, in order.
template <typename... P>
void launch(void (*k)(P...), Grid g, typename Identity<P>::type... args) {
  const int64_t n = static_cast<int64_t>(g.blocks) * g.threads;
  emu::g_size = n;
  for (int64_t t = 0; t < n; ++t) {
    emu::g_id = t;
    k(args...);
  }
  emu::g_id = 0;
  emu::g_size = 1;
}

}  // namespace gpu
}  // namespace ck
#endif

namespace ck {
namespace gpu {

/// Grid-stride loop over [0, n): `for (CK_STRIDE(i, n)) { … }`.
#define CK_STRIDE(i, n) int64_t i = ::ck::gpu::global_id(); i < (n); i += ::ck::gpu::grid_size()

/// Teams of 32 threads (a warp on the device) for work inside one slice: team `first`,
/// `first + step`, … take slices; lane `lane` of `width` takes every width-th value. When the
/// grid is not a multiple of 32 (only the emulation's thread cap does that) teams have width 1.
struct Team {
  int64_t first;
  int64_t step;
  int32_t lane;
  int32_t width;
};

CK_DEVICE Team team() {
  const int64_t g = grid_size();
  const int32_t w = g % 32 == 0 ? 32 : 1;
  const int64_t id = global_id();
  return Team{id / w, g / w, static_cast<int32_t>(id % w), w};
}

/// First position in indices[lo, hi) whose value is >= v (indices sorted non-decreasing).
CK_DEVICE int32_t lower_bound(const int32_t* indices, int32_t lo, int32_t hi, int32_t v) {
  while (lo < hi) {
    const int32_t mid = lo + (hi - lo) / 2;
    if (indices[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/// Slice `c` of `parts` equal parts of [0, n): [n·c/parts, n·(c+1)/parts).
CK_DEVICE int32_t part_begin(int32_t n, int32_t c, int32_t parts) {
  return static_cast<int32_t>(static_cast<int64_t>(n) * c / parts);
}

}  // namespace gpu
}  // namespace ck
