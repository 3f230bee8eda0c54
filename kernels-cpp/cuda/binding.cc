// cellkernels CUDA — the N-API addon (node-addon-api). One source, two builds:
//   ck_cuda.node      with the kernels compiled by nvcc (variant "device")
//   ck_cuda_emu.node  with the same kernel sources compiled as host C++ (variant "emulated")
//
// Exports every C ABI function of abi.h under its own name, taking numbers: pointers are device
// addresses carried as doubles (integers below 2^53; 0 is NULL), int32 and double scalars as
// themselves; each returns the int32 status. So the TypeScript adapters of src/backends/wasm
// drive this module exactly as they drive a wasm module. Besides the kernels:
//   alloc(bytes) → ptr (0 on failure)        free(ptr)
//   copyIn(ptr, view) / copyOut(ptr, view)   synchronous host ↔ device copies of a typed array
//   probe() → { code, message, devices, driverVersion, runtimeVersion }
//   info() → { variant, device, name, computeCapability, multiprocessors, totalMemory }
//   setDevice(n), memoryInfo() → { free, total }, synchronize(), lastError() → string
//   setEmuThreadLimit(n) (emulation: cap the emulated threads per launch; no-op on a device)
//   variant: "device" | "emulated"
// Loading the addon never touches the GPU; probe() is the first CUDA call.
#define NAPI_VERSION 8
#include <napi.h>
#include <stdint.h>

#include <tuple>
#include <utility>

#include "abi.h"
#include "runtime.h"

namespace {

constexpr double kMaxPointer = 9007199254740992.0;  // 2^53

bool to_pointer(const Napi::Value& v, uintptr_t* out) {
  if (!v.IsNumber()) return false;
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d < kMaxPointer) || d != static_cast<double>(static_cast<uint64_t>(d))) return false;
  *out = static_cast<uintptr_t>(static_cast<uint64_t>(d));
  return true;
}

template <typename T>
struct Arg;

template <typename T>
struct Arg<T*> {
  static constexpr const char* kind = "a pointer (a non-negative integer below 2^53)";
  static bool get(const Napi::Value& v, T** out) {
    uintptr_t p = 0;
    if (!to_pointer(v, &p)) return false;
    *out = reinterpret_cast<T*>(p);
    return true;
  }
};

template <>
struct Arg<int32_t> {
  static constexpr const char* kind = "an int32";
  static bool get(const Napi::Value& v, int32_t* out) {
    if (!v.IsNumber()) return false;
    *out = v.As<Napi::Number>().Int32Value();
    return true;
  }
};

template <>
struct Arg<double> {
  static constexpr const char* kind = "a number";
  static bool get(const Napi::Value& v, double* out) {
    if (!v.IsNumber()) return false;
    *out = v.As<Napi::Number>().DoubleValue();
    return true;
  }
};

/// A JS function for one C ABI function: checks the arguments, calls, returns the status.
template <typename F, F f>
struct Bind;

template <typename... A, int32_t (*f)(A...)>
struct Bind<int32_t (*)(A...), f> {
  static Napi::Value call(const Napi::CallbackInfo& info) { return invoke(info, std::index_sequence_for<A...>{}); }

  template <size_t... I>
  static Napi::Value invoke(const Napi::CallbackInfo& info, std::index_sequence<I...>) {
    Napi::Env env = info.Env();
    if (info.Length() != sizeof...(A)) {
      Napi::TypeError::New(env, std::string("expected ") + std::to_string(sizeof...(A)) + " arguments, got " +
                                    std::to_string(info.Length()))
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
    std::tuple<A...> args{};
    int bad = -1;
    ((bad < 0 && !Arg<A>::get(info[I], &std::get<I>(args)) ? bad = static_cast<int>(I) : 0), ...);
    if (bad >= 0) {
      Napi::TypeError::New(env, "argument " + std::to_string(bad) + " is not valid").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    return Napi::Number::New(env, f(std::get<I>(args)...));
  }
};

Napi::Value throw_error(Napi::Env env, const char* fallback) {
  const char* m = ck::gpu::last_error();
  Napi::Error::New(env, m[0] ? m : fallback).ThrowAsJavaScriptException();
  return env.Undefined();
}

bool view_of(const Napi::Value& v, uint8_t** data, size_t* bytes) {
  if (!v.IsTypedArray()) return false;
  Napi::TypedArray t = v.As<Napi::TypedArray>();
  *data = static_cast<uint8_t*>(t.ArrayBuffer().Data()) + t.ByteOffset();
  *bytes = t.ByteLength();
  return true;
}

Napi::Value Alloc(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "alloc(bytes)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const double bytes = info[0].As<Napi::Number>().DoubleValue();
  if (!(bytes >= 0 && bytes < kMaxPointer)) return Napi::Number::New(env, 0);
  void* p = ck::gpu::device_alloc(static_cast<size_t>(bytes));
  if (p != nullptr && static_cast<double>(reinterpret_cast<uintptr_t>(p)) >= kMaxPointer) {
    ck::gpu::device_free(p);  // not representable as a JS number: never seen in practice
    p = nullptr;
  }
  return Napi::Number::New(env, static_cast<double>(reinterpret_cast<uintptr_t>(p)));
}

Napi::Value Free(const Napi::CallbackInfo& info) {
  uintptr_t p = 0;
  if (info.Length() == 1 && to_pointer(info[0], &p) && p != 0) ck::gpu::device_free(reinterpret_cast<void*>(p));
  return info.Env().Undefined();
}

Napi::Value Copy(const Napi::CallbackInfo& info, bool in) {
  Napi::Env env = info.Env();
  uintptr_t p = 0;
  uint8_t* data = nullptr;
  size_t bytes = 0;
  if (info.Length() != 2 || !to_pointer(info[0], &p) || !view_of(info[1], &data, &bytes)) {
    Napi::TypeError::New(env, in ? "copyIn(ptr, typedArray)" : "copyOut(ptr, typedArray)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (bytes == 0) return env.Undefined();
  if (p == 0) {
    Napi::Error::New(env, "copy: null device pointer").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  void* dev = reinterpret_cast<void*>(p);
  const int32_t s = in ? ck::gpu::copy_to_device(dev, data, bytes) : ck::gpu::copy_to_host(data, dev, bytes);
  if (s != 0) return throw_error(env, "copy failed");
  return env.Undefined();
}

Napi::Value CopyIn(const Napi::CallbackInfo& info) { return Copy(info, true); }
Napi::Value CopyOut(const Napi::CallbackInfo& info) { return Copy(info, false); }

Napi::Value ProbeFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const ck::gpu::Probe p = ck::gpu::probe();
  Napi::Object o = Napi::Object::New(env);
  o.Set("code", p.code);
  o.Set("message", p.message);
  o.Set("devices", p.devices);
  o.Set("driverVersion", p.driver_version);
  o.Set("runtimeVersion", p.runtime_version);
  return o;
}

Napi::Value InfoFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ck::gpu::DeviceInfo d;
  if (ck::gpu::device_info(&d) != 0) return throw_error(env, "device info failed");
  Napi::Object o = Napi::Object::New(env);
  o.Set("variant", ck::gpu::build_variant());
  o.Set("device", d.device);
  o.Set("name", d.name);
  o.Set("computeCapability", std::to_string(d.cc_major) + "." + std::to_string(d.cc_minor));
  o.Set("multiprocessors", d.multiprocessors);
  o.Set("totalMemory", d.total_memory);
  return o;
}

Napi::Value SetDevice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "setDevice(ordinal)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (ck::gpu::set_device(info[0].As<Napi::Number>().Int32Value()) != 0) return throw_error(env, "setDevice failed");
  return env.Undefined();
}

Napi::Value MemoryInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  double f = 0, t = 0;
  if (ck::gpu::memory_info(&f, &t) != 0) return throw_error(env, "memoryInfo failed");
  Napi::Object o = Napi::Object::New(env);
  o.Set("free", f);
  o.Set("total", t);
  return o;
}

Napi::Value Synchronize(const Napi::CallbackInfo& info) {
  if (ck::gpu::synchronize() != 0) return throw_error(info.Env(), "synchronize failed");
  return info.Env().Undefined();
}

Napi::Value LastError(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), ck::gpu::last_error()); }

Napi::Value SetEmuThreadLimit(const Napi::CallbackInfo& info) {
  if (info.Length() == 1 && info[0].IsNumber()) {
    ck::gpu::set_emu_thread_limit(static_cast<int64_t>(info[0].As<Napi::Number>().DoubleValue()));
  }
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
#define CK_BIND(name) exports.Set(#name, Napi::Function::New(env, Bind<decltype(&name), &name>::call, #name));
  CK_CUDA_KERNELS(CK_BIND)
#undef CK_BIND
  exports.Set("alloc", Napi::Function::New(env, Alloc, "alloc"));
  exports.Set("free", Napi::Function::New(env, Free, "free"));
  exports.Set("copyIn", Napi::Function::New(env, CopyIn, "copyIn"));
  exports.Set("copyOut", Napi::Function::New(env, CopyOut, "copyOut"));
  exports.Set("probe", Napi::Function::New(env, ProbeFn, "probe"));
  exports.Set("info", Napi::Function::New(env, InfoFn, "info"));
  exports.Set("setDevice", Napi::Function::New(env, SetDevice, "setDevice"));
  exports.Set("memoryInfo", Napi::Function::New(env, MemoryInfo, "memoryInfo"));
  exports.Set("synchronize", Napi::Function::New(env, Synchronize, "synchronize"));
  exports.Set("lastError", Napi::Function::New(env, LastError, "lastError"));
  exports.Set("setEmuThreadLimit", Napi::Function::New(env, SetEmuThreadLimit, "setEmuThreadLimit"));
  exports.Set("variant", Napi::String::New(env, ck::gpu::build_variant()));
  return exports;
}

}  // namespace

NODE_API_MODULE(ck_cuda, Init)
