// cellkernels (AssemblyScript) — module runtime with the same C ABI as kernels-cpp/src/runtime.cc.
//
// Memory comes from AssemblyScript's TLSF allocator (`heap`). Its largest block is 1 GiB;
// bigger requests return 0 (OutOfMemoryError in TypeScript). When the heap cannot grow, TLSF
// traps before changing any state, so the adapter maps that trap to OutOfMemoryError and the
// module stays usable.

// @ts-ignore: decorator
@inline export const OK: i32 = 0;
// @ts-ignore: decorator
@inline export const INVALID_ARGUMENT: i32 = -1;
// @ts-ignore: decorator
@inline export const OUT_OF_MEMORY: i32 = -2;
// @ts-ignore: decorator
@inline export const INDEX_OUT_OF_RANGE: i32 = -3;

const MAX_BLOCK: u32 = (1 << 30) - 64;

let errorDetail: i32 = -1;

/** Records the position that the last failing status refers to. */
export function setErrorDetail(detail: i32): void {
  errorDetail = detail;
}

/** Allocates `bytes` (16-byte aligned); 0 when the request cannot be met. */
export function ck_alloc(bytes: u32): usize {
  if (bytes > MAX_BLOCK) return 0;
  return heap.alloc(<usize>(bytes == 0 ? 16 : bytes));
}

/** Frees a pointer from ck_alloc (0 is ignored). */
export function ck_free(ptr: usize): void {
  if (ptr != 0) heap.free(ptr);
}

/** Position that the last non-zero status refers to, or -1. */
export function ck_error_detail(): i32 {
  return errorDetail;
}

/** ABI revision, identical to kernels-cpp. */
export function ck_abi_version(): i32 {
  return 1;
}

const TARGET_SIMD = memory.data<u8>([0x41, 0x53, 0x2d, 0x53, 0x49, 0x4d, 0x44, 0]); // "AS-SIMD"
const TARGET_SCALAR = memory.data<u8>([0x41, 0x53, 0x2d, 0x53, 0x43, 0x41, 0x4c, 0x41, 0x52, 0]); // "AS-SCALAR"

/** NUL-terminated name of the build flavour. */
export function ck_simd_target(): usize {
  return ASC_FEATURE_SIMD ? TARGET_SIMD : TARGET_SCALAR;
}

/** AssemblyScript builds are single-threaded: always 1. */
export function ck_set_threads(n: i32): i32 {
  return n < 1 ? INVALID_ARGUMENT : 1;
}
