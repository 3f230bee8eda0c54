// cellkernels CUDA — what the N-API binding needs from the runtime (runtime.cu): device
// discovery, memory, copies and the error state. Plain C++: binding.cc is compiled by the host
// compiler and never sees CUDA headers, so one binding serves the device and emulated builds.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace ck {
namespace gpu {

/// "device" (compiled by nvcc, runs on a GPU) or "emulated" (host C++, launch emulation).
const char* build_variant();

/// Why the build can or cannot run here.
struct Probe {
  /// "ok", "no-driver" (libcuda cannot be loaded), "old-driver" (driver older than the
  /// runtime), "no-device" (driver loaded, no GPU), "error" (another CUDA failure).
  const char* code;
  /// One sentence for the user (empty when ok).
  char message[512];
  int32_t devices;
  /// CUDA version the driver supports (1000·major + 10·minor; 0: unknown) and the runtime's.
  int32_t driver_version;
  int32_t runtime_version;
};
Probe probe();

/// Facts about the current device (emulated: the host).
struct DeviceInfo {
  int32_t device;
  char name[256];
  int32_t cc_major, cc_minor;
  int32_t multiprocessors;
  double total_memory;
};
int32_t device_info(DeviceInfo* out);

/// Selects the device for the following calls; kOk or kDeviceError.
int32_t set_device(int32_t device);

/// Device memory for resident buffers: nullptr on failure (see last_error()).
void* device_alloc(size_t bytes);
void device_free(void* p);
/// Free and total device memory in bytes; kOk or kDeviceError.
int32_t memory_info(double* free_bytes, double* total_bytes);
/// Synchronous copies between host and device memory; kOk or kDeviceError.
int32_t copy_to_device(void* dst, const void* src, size_t bytes);
int32_t copy_to_host(void* dst, const void* src, size_t bytes);
/// Waits for every queued kernel; kOk or kDeviceError.
int32_t synchronize();

/// Message of the last CUDA failure ("" when none), and clears it.
const char* last_error();

/// Emulation only: caps the emulated threads of every launch (0: no cap). No-op on a device.
void set_emu_thread_limit(int64_t limit);

}  // namespace gpu
}  // namespace ck
