// cellkernels — shared definitions of the flat C ABI.
//
// Every exported kernel is `int32_t ck_<kernel>_<layout>_<dtype>(pointers, lengths, scalars)`
// and returns one of the status codes below. Counts and indices are int32 (wasm32 can hold no
// array with more than 2^31 elements of 2 bytes or more); byte sizes are uint32.
#pragma once

#include <stddef.h>
#include <stdint.h>

#if defined(__EMSCRIPTEN__)
#include <emscripten/emscripten.h>
#define CK_EXPORT extern "C" EMSCRIPTEN_KEEPALIVE
#else
#define CK_EXPORT extern "C" __attribute__((visibility("default")))
#endif

namespace ck {

/// Status codes shared by every backend; src/runtime/status.ts maps them to typed errors.
enum Status : int32_t {
  kOk = 0,
  kInvalidArgument = -1,  ///< a scalar argument is out of range (detail: argument position)
  kOutOfMemory = -2,      ///< an allocation failed; nothing was written, the module is usable
  kIndexOutOfRange = -3,  ///< a column/row index is outside the matrix (detail: row)
  kBadIndptr = -4,        ///< indptr is not non-decreasing or does not span nnz (detail: row)
  kUnsorted = -5,         ///< indices within a row are not strictly increasing (detail: row)
};

/// Records the position that the last failing status refers to (see ck_error_detail).
void set_error_detail(int32_t detail);

}  // namespace ck
