// cellkernels bench — the kernels-cpp sources compiled natively (g++ -O3 -march=native, pthreads),
// exposed to Node as a "module" that the very same TypeScript C-ABI adapters drive
// (src/backends/wasm/*.ts): pointers are offsets into one 4 GB arena that JavaScript sees as an
// external ArrayBuffer, exactly as it sees a wasm32 heap. So the native figures run the same
// kernel sequence, with the same copies, as the wasm variants, and pass the same correctness gate.
//
// Generated per build: dispatch.inc (one thunk per CK_EXPORT function found in kernels-cpp/src,
// by bench/native/build.mjs). Built with plain g++ against /usr/include/node (N-API, no node-gyp).
#include <node_api.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include <mutex>
#include <unordered_map>
#include <vector>

namespace {

uint8_t* g_base = nullptr;
uint64_t g_size = 0;
uint64_t g_top = 0;  // bump pointer
std::unordered_map<uint64_t, std::vector<uint64_t>> g_free;  // exact-size reuse
std::unordered_map<uint64_t, uint64_t> g_sizes;              // live offset -> size
constexpr uint64_t kReserved = 4096;  // offset 0 stays NULL; [16, 80) holds the target name
constexpr uint64_t kAlign = 64;

inline void* P(double off) { return off == 0 ? nullptr : g_base + static_cast<uint64_t>(off); }

uint64_t arena_alloc(uint64_t bytes) {
  uint64_t sz = (bytes + kAlign - 1) & ~(kAlign - 1);
  if (sz == 0) sz = kAlign;
  auto it = g_free.find(sz);
  if (it != g_free.end() && !it->second.empty()) {
    uint64_t off = it->second.back();
    it->second.pop_back();
    g_sizes[off] = sz;
    return off;
  }
  if (g_top + sz > g_size) return 0;
  uint64_t off = g_top;
  g_top += sz;
  g_sizes[off] = sz;
  return off;
}

void arena_free(uint64_t off) {
  auto it = g_sizes.find(off);
  if (it == g_sizes.end()) return;
  uint64_t sz = it->second;
  g_sizes.erase(it);
  if (off + sz == g_top) {
    g_top = off;  // pages stay committed, as in a wasm heap (no page faults on reuse)
  } else {
    g_free[sz].push_back(off);
  }
}

}  // namespace

#include "dispatch.inc"  // CK_THUNKS: { "name", double (*)(const double* a) }, ...

namespace {

struct Thunk {
  const char* name;
  double (*fn)(const double*);
};
const Thunk kThunks[] = {CK_THUNKS};
constexpr int kNumThunks = sizeof(kThunks) / sizeof(kThunks[0]);

napi_value num(napi_env env, double v) {
  napi_value r;
  napi_create_double(env, v, &r);
  return r;
}

// init(arenaBytes) -> { buffer, symbols }
napi_value Init(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  double bytes = 0;
  napi_get_value_double(env, argv[0], &bytes);
  if (g_base == nullptr) {
    g_size = static_cast<uint64_t>(bytes);
    void* p = mmap(nullptr, g_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
      napi_throw_error(env, nullptr, "mmap of the native arena failed");
      return nullptr;
    }
    g_base = static_cast<uint8_t*>(p);
    g_top = kReserved;
    const char* t = ck_native_target_name();
    strncpy(reinterpret_cast<char*>(g_base + 16), t, 63);
  }
  napi_value buf, syms, out;
  napi_create_external_arraybuffer(env, g_base, g_size, nullptr, nullptr, &buf);
  napi_create_array_with_length(env, kNumThunks, &syms);
  for (int i = 0; i < kNumThunks; ++i) {
    napi_value s;
    napi_create_string_utf8(env, kThunks[i].name, NAPI_AUTO_LENGTH, &s);
    napi_set_element(env, syms, i, s);
  }
  napi_create_object(env, &out);
  napi_set_named_property(env, out, "buffer", buf);
  napi_set_named_property(env, out, "symbols", syms);
  return out;
}

// call(index, ...args) -> number
napi_value Call(napi_env env, napi_callback_info info) {
  size_t argc = 17;
  napi_value argv[17];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t idx = -1;
  napi_get_value_int32(env, argv[0], &idx);
  double a[16] = {0};
  for (size_t i = 1; i < argc && i <= 16; ++i) napi_get_value_double(env, argv[i], &a[i - 1]);
  if (idx < 0 || idx >= kNumThunks) {
    napi_throw_error(env, nullptr, "bad thunk index");
    return nullptr;
  }
  return num(env, kThunks[idx].fn(a));
}

// heap() -> { top, live } bytes of the arena in use (the native "heap" size)
napi_value Heap(napi_env env, napi_callback_info) {
  napi_value out;
  napi_create_object(env, &out);
  uint64_t live = 0;
  for (auto& kv : g_sizes) live += kv.second;
  napi_set_named_property(env, out, "top", num(env, static_cast<double>(g_top)));
  napi_set_named_property(env, out, "live", num(env, static_cast<double>(live)));
  return out;
}

// exit(code): _exit() without static destructors. kernels-cpp/src/runtime.cc keeps its pool's
// condition variables as statics; at exit() their destructors run while the workers still wait
// on them, and glibc's pthread_cond_destroy blocks on waiters: the process would never end.
napi_value Exit(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t code = 0;
  if (argc > 0) napi_get_value_int32(env, argv[0], &code);
  fflush(nullptr);
  _exit(code);
}

napi_value Register(napi_env env, napi_value exports) {
  napi_property_descriptor d[] = {
      {"exit", nullptr, Exit, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"init", nullptr, Init, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"call", nullptr, Call, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"heap", nullptr, Heap, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, 4, d);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Register)
