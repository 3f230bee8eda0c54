// cellkernels CUDA — runtime: error detail, device discovery, memory, copies, error state.
// Compiled by nvcc for the device build and by the host compiler for the emulated build.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "ck_cuda.h"
#include "runtime.h"

#if defined(CK_CUDA_DEVICE)
#include <dlfcn.h>
#endif

namespace ck {

static int32_t g_error_detail = -1;
void set_error_detail(int32_t detail) { g_error_detail = detail; }

namespace gpu {

static char g_last_error[512] = "";

void record_error(const char* what, const char* message) {
  snprintf(g_last_error, sizeof(g_last_error), "%s: %s", what, message);
}

const char* last_error() {
  static char copy[512];
  memcpy(copy, g_last_error, sizeof(copy));
  g_last_error[0] = '\0';
  return copy;
}

#if defined(CK_CUDA_DEVICE)
// =========================================================================== device build

const char* build_variant() { return "device"; }
int64_t emu_thread_limit() { return 0; }
void set_emu_thread_limit(int64_t) {}

static bool failed(cudaError_t e, const char* what) {
  if (e == cudaSuccess) return false;
  char m[400];
  snprintf(m, sizeof(m), "%s (%s)", cudaGetErrorString(e), cudaGetErrorName(e));
  record_error(what, m);
  return true;
}

// Stream-ordered allocation (memory pools) where the device has it; cudaMalloc otherwise.
static int g_pools = -1;  // -1 unknown, 0 no, 1 yes

static bool use_pools() {
  if (g_pools < 0) {
    int dev = 0, supported = 0;
    g_pools = cudaGetDevice(&dev) == cudaSuccess &&
                      cudaDeviceGetAttribute(&supported, cudaDevAttrMemoryPoolsSupported, dev) == cudaSuccess &&
                      supported != 0
                  ? 1
                  : 0;
    if (g_pools == 1) {
      cudaMemPool_t pool;
      if (cudaDeviceGetDefaultMemPool(&pool, dev) == cudaSuccess) {
        uint64_t keep = uint64_t(512) << 20;  // keep up to 512 MiB cached between calls
        cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep);
      }
    }
  }
  return g_pools == 1;
}

void* scratch_alloc(size_t bytes) {
  void* p = nullptr;
  const cudaError_t e = use_pools() ? cudaMallocAsync(&p, bytes, 0) : cudaMalloc(&p, bytes);
  if (e != cudaSuccess) {
    cudaGetLastError();  // allocation failures are not sticky
    failed(e, "device allocation");
    return nullptr;
  }
  return p;
}

void scratch_free(void* p) {
  if (p == nullptr) return;
  if (use_pools()) cudaFreeAsync(p, 0);
  else cudaFree(p);
}

void* device_alloc(size_t bytes) { return scratch_alloc(bytes == 0 ? 16 : bytes); }
void device_free(void* p) { scratch_free(p); }

int32_t copy_to_device(void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return kOk;
  return failed(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice), "copy to device") ? kDeviceError : kOk;
}

int32_t copy_to_host(void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return kOk;
  return failed(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost), "copy to host") ? kDeviceError : kOk;
}

int32_t fill_bytes(void* dst, int value, size_t bytes) {
  if (bytes == 0) return kOk;
  return failed(cudaMemsetAsync(dst, value, bytes, 0), "fill") ? kDeviceError : kOk;
}

int32_t synchronize() { return failed(cudaDeviceSynchronize(), "synchronize") ? kDeviceError : kOk; }

int32_t check_launch(const char* what) {
  if (failed(cudaGetLastError(), what)) return kDeviceError;
  // CELLKERNELS_CUDA_SYNC=1: wait after every kernel, so a fault is reported by the call
  // that caused it (debugging; slower).
  static const bool sync = getenv("CELLKERNELS_CUDA_SYNC") != nullptr;
  if (sync && failed(cudaDeviceSynchronize(), what)) return kDeviceError;
  return kOk;
}

int32_t memory_info(double* free_bytes, double* total_bytes) {
  size_t f = 0, t = 0;
  if (failed(cudaMemGetInfo(&f, &t), "memory info")) return kDeviceError;
  *free_bytes = static_cast<double>(f);
  *total_bytes = static_cast<double>(t);
  return kOk;
}

int32_t set_device(int32_t device) {
  if (failed(cudaSetDevice(device), "set device")) return kDeviceError;
  g_pools = -1;
  return kOk;
}

int32_t device_info(DeviceInfo* out) {
  int dev = 0;
  cudaDeviceProp p;
  if (failed(cudaGetDevice(&dev), "device info") || failed(cudaGetDeviceProperties(&p, dev), "device info")) {
    return kDeviceError;
  }
  out->device = dev;
  snprintf(out->name, sizeof(out->name), "%s", p.name);
  out->cc_major = p.major;
  out->cc_minor = p.minor;
  out->multiprocessors = p.multiProcessorCount;
  out->total_memory = static_cast<double>(p.totalGlobalMem);
  return kOk;
}

Probe probe() {
  Probe r;
  r.code = "ok";
  r.message[0] = '\0';
  r.devices = 0;
  r.driver_version = 0;
  r.runtime_version = CUDART_VERSION;
  // The static CUDA runtime loads the driver library itself; look first, to say which is missing.
  void* lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* why = dlerror();
    r.code = "no-driver";
    snprintf(r.message, sizeof(r.message),
             "no NVIDIA driver: libcuda.so.1 cannot be loaded (%s); install the NVIDIA driver on a machine with a GPU",
             why ? why : "not found");
    return r;
  }
  typedef int (*DriverVersionFn)(int*);
  DriverVersionFn get_version = reinterpret_cast<DriverVersionFn>(dlsym(lib, "cuDriverGetVersion"));
  int dv = 0;
  if (get_version != nullptr && get_version(&dv) == 0) r.driver_version = dv;
  dlclose(lib);
  int n = 0;
  const cudaError_t e = cudaGetDeviceCount(&n);
  if (e == cudaErrorNoDevice || (e == cudaSuccess && n == 0)) {
    r.code = "no-device";
    snprintf(r.message, sizeof(r.message), "no CUDA device: the NVIDIA driver (CUDA %d.%d) found no GPU",
             r.driver_version / 1000, (r.driver_version % 1000) / 10);
    return r;
  }
  if (e == cudaErrorInsufficientDriver) {
    r.code = "old-driver";
    snprintf(r.message, sizeof(r.message),
             "the NVIDIA driver supports CUDA %d.%d but the addon was built with CUDA %d.%d: update the driver",
             r.driver_version / 1000, (r.driver_version % 1000) / 10, CUDART_VERSION / 1000,
             (CUDART_VERSION % 1000) / 10);
    return r;
  }
  if (e != cudaSuccess) {
    r.code = "error";
    snprintf(r.message, sizeof(r.message), "CUDA cannot start: %s (%s)", cudaGetErrorString(e), cudaGetErrorName(e));
    return r;
  }
  r.devices = n;
  return r;
}

#else
// ======================================================================= emulated build

const char* build_variant() { return "emulated"; }
static int64_t g_thread_limit = 0;
int64_t emu_thread_limit() { return g_thread_limit; }
void set_emu_thread_limit(int64_t limit) { g_thread_limit = limit > 0 ? limit : 0; }

void* scratch_alloc(size_t bytes) {
  void* p = aligned_alloc(256, (bytes + 255) & ~static_cast<size_t>(255));
  if (p == nullptr) record_error("device allocation", "out of host memory (emulation)");
  return p;
}
void scratch_free(void* p) { free(p); }
void* device_alloc(size_t bytes) { return scratch_alloc(bytes == 0 ? 16 : bytes); }
void device_free(void* p) { free(p); }

int32_t copy_to_device(void* dst, const void* src, size_t bytes) {
  if (bytes) memcpy(dst, src, bytes);
  return kOk;
}
int32_t copy_to_host(void* dst, const void* src, size_t bytes) {
  if (bytes) memcpy(dst, src, bytes);
  return kOk;
}
int32_t fill_bytes(void* dst, int value, size_t bytes) {
  if (bytes) memset(dst, value, bytes);
  return kOk;
}
int32_t synchronize() { return kOk; }
int32_t check_launch(const char*) { return kOk; }
int32_t memory_info(double* free_bytes, double* total_bytes) {
  *free_bytes = 0;
  *total_bytes = 0;
  return kOk;
}
int32_t set_device(int32_t device) {
  if (device == 0) return kOk;
  record_error("set device", "the emulation has one device, 0");
  return kDeviceError;
}
int32_t device_info(DeviceInfo* out) {
  out->device = 0;
  snprintf(out->name, sizeof(out->name), "%s", "host CPU (launch emulation)");
  out->cc_major = 0;
  out->cc_minor = 0;
  out->multiprocessors = 1;
  out->total_memory = 0;
  return kOk;
}
Probe probe() {
  Probe r;
  r.code = "ok";
  r.message[0] = '\0';
  r.devices = 1;
  r.driver_version = 0;
  r.runtime_version = 0;
  return r;
}
#endif

}  // namespace gpu
}  // namespace ck

CK_EXPORT int32_t ck_error_detail() { return ck::g_error_detail; }
CK_EXPORT int32_t ck_abi_version() { return 1; }
