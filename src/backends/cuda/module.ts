import { CellKernelsError, InvalidInputError, InvalidOptionError, OutOfMemoryError } from '../../errors.js';
import { KernelModule, type RawModule, Status, type TypedCtor, type Variant } from '../../runtime/module.js';

/** Which build of the addon: nvcc on a GPU, or the same kernel sources as host C++ (tests, CI). */
export type CudaVariant = 'device' | 'emulated';

/** What probe() of the addon says about this machine (kernels-cpp/cuda/runtime.h). */
export interface CudaProbe {
  /** `ok`, `no-driver`, `old-driver`, `no-device` or `error`. */
  code: 'ok' | 'no-driver' | 'old-driver' | 'no-device' | 'error';
  /** Why it cannot run, in one sentence ('' when ok). */
  message: string;
  devices: number;
  /** CUDA versions as 1000·major + 10·minor (0: unknown / emulated). */
  driverVersion: number;
  runtimeVersion: number;
}

/** The device the module runs on. */
export interface CudaDeviceInfo {
  variant: CudaVariant;
  device: number;
  name: string;
  /** `major.minor` (`0.0` for the emulation). */
  computeCapability: string;
  multiprocessors: number;
  totalMemory: number;
}

type KernelFn = (...args: number[]) => number;

/** The exports of ck_cuda.node / ck_cuda_emu.node (kernels-cpp/cuda/binding.cc). */
export interface CudaAddon {
  readonly variant: CudaVariant;
  /** Every C ABI function of kernels-cpp/cuda/abi.h, by name (`ck_log1p_csr_f32`, …). */
  readonly [symbol: `ck_${string}`]: KernelFn;
  alloc(bytes: number): number;
  free(ptr: number): void;
  copyIn(ptr: number, view: ArrayBufferView): void;
  copyOut(ptr: number, view: ArrayBufferView): void;
  probe(): CudaProbe;
  info(): CudaDeviceInfo;
  setDevice(device: number): void;
  memoryInfo(): { free: number; total: number };
  synchronize(): void;
  lastError(): string;
  setEmuThreadLimit(limit: number): void;
}

/** A CUDA runtime failure (a kernel launch, a copy, a device fault), with CUDA's message. */
export class CudaError extends CellKernelsError {}

/** Status of kernels-cpp/cuda/ck_cuda.h: a CUDA runtime call failed. */
const DEVICE_ERROR = -6;

/**
 * The addon as a KernelModule: the C ABI adapters of src/backends/wasm drive it unchanged —
 * "module pointers" are device addresses, copyIn/copyOut are host↔device copies (counted in
 * `transfers`), and the handles of src/runtime/handles.ts hold device memory. Only what differs
 * from a wasm heap is overridden: allocation, copies, status messages, and the target name.
 */
export class CudaModule extends KernelModule {
  /** Live device allocations made through this module (bytes by pointer). */
  private readonly live = new Map<number, number>();

  constructor(
    readonly addon: CudaAddon,
    /** The device the module runs on (and its name, compute capability, memory). */
    readonly device: CudaDeviceInfo,
  ) {
    const raw: RawModule = {
      memory: () => {
        throw new CellKernelsError('internal: the CUDA module has no WebAssembly memory');
      },
      fn: (name) => {
        const f = (addon as unknown as Record<string, unknown>)[name];
        return name.startsWith('ck_') && typeof f === 'function' ? (f as KernelFn) : undefined;
      },
    };
    // KernelModule's variant names a wasm build; here it only labels messages ('cuda-device').
    super(`cuda-${addon.variant}` as unknown as Variant, raw, Object.keys(addon), 1);
  }

  /** `device` (nvcc build on a GPU) or `emulated` (host C++ launch emulation). */
  get cudaVariant(): CudaVariant {
    return this.addon.variant;
  }

  override get simdTarget(): string {
    const d = this.device;
    return d.variant === 'emulated' ? 'CUDA launch emulation (host C++)' : `CUDA sm_${d.computeCapability.replace('.', '')} (${d.name})`;
  }

  /** Bytes of device memory this module holds (resident matrices and call temporaries). */
  override get heapBytes(): number {
    let n = 0;
    for (const b of this.live.values()) n += b;
    return n;
  }

  /** Number of live device allocations (tests check that calls leave none behind). */
  get liveAllocations(): number {
    return this.live.size;
  }

  override alloc(bytes: number): number {
    const size = Math.max(bytes, 1);
    const p = this.addon.alloc(size);
    if (p === 0) {
      const detail = this.addon.lastError();
      let mem = '';
      try {
        const m = this.addon.memoryInfo();
        if (m.total > 0) mem = ` (${(m.free / 2 ** 20).toFixed(0)} MiB free of ${(m.total / 2 ** 20).toFixed(0)} MiB)`;
      } catch {
        // a failed query adds nothing to the message
      }
      throw new OutOfMemoryError(
        `could not allocate ${(size / 2 ** 20).toFixed(1)} MiB on ${this.where()}${mem}${detail ? `: ${detail}` : ''}; ` +
          'free resident matrices (handle.free()) or process the matrix in row blocks',
      );
    }
    this.live.set(p, size);
    return p;
  }

  override free(ptr: number): void {
    if (!ptr) return;
    this.live.delete(ptr);
    this.addon.free(ptr);
  }

  override copyIn(a: ArrayBufferView): number {
    const p = this.alloc(Math.max(a.byteLength, 1));
    try {
      this.addon.copyIn(p, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    } catch (e) {
      this.free(p);
      throw new CudaError(`copy to ${this.where()} failed: ${(e as Error).message}`);
    }
    this.transfers.toModule++;
    this.transfers.bytesToModule += a.byteLength;
    return p;
  }

  override copyOut<T extends Float32Array | Float64Array | Int32Array | Uint8Array>(ctor: TypedCtor<T>, ptr: number, length: number): T {
    const out = new ctor(length);
    try {
      this.addon.copyOut(ptr, out);
    } catch (e) {
      throw new CudaError(`copy from ${this.where()} failed: ${(e as Error).message}`);
    }
    this.transfers.fromModule++;
    this.transfers.bytesFromModule += out.byteLength;
    return out;
  }

  /** A copy of device memory, made through the host (the addon has no device-to-device copy; counted as two transfers). */
  override duplicate(ptr: number, bytes: number): number {
    return this.copyIn(this.copyOut(Uint8Array, ptr, bytes));
  }

  /** Calls a kernel; a non-zero status becomes the same typed errors as a wasm module's. */
  override run(name: string, ...args: number[]): void {
    const status = this.call(name, ...args);
    if (status === Status.ok) return;
    const detail = this.call('ck_error_detail');
    switch (status) {
      case Status.outOfMemory:
        throw new OutOfMemoryError(`${name}: out of memory on ${this.where()} (${this.addon.lastError() || 'scratch allocation failed'})`);
      case Status.indexOutOfRange:
        throw new InvalidInputError(`${name}: an index at row ${detail} is outside the matrix`);
      case Status.badIndptr:
        throw new InvalidInputError(`${name}: indptr is not non-decreasing at row ${detail}`);
      case Status.unsorted:
        throw new InvalidInputError(`${name}: indices are not sorted at row ${detail}`);
      case Status.invalidArgument:
        throw new InvalidOptionError(`${name}: argument ${detail} is out of range`);
      case DEVICE_ERROR:
        throw new CudaError(`${name} failed on ${this.where()}: ${this.addon.lastError() || 'unknown CUDA error'}`);
      default:
        throw new CudaError(`${name}: unexpected status ${status}`);
    }
  }

  /** Waits for every queued kernel (timings; errors of asynchronous kernels surface here). */
  synchronize(): void {
    try {
      this.addon.synchronize();
    } catch (e) {
      throw new CudaError(`${this.where()}: ${(e as Error).message}`);
    }
  }

  override shutdown(): void {
    // A native addon cannot be unloaded; its memory belongs to the handles that still hold it.
  }

  private where(): string {
    const d = this.device;
    return d.variant === 'emulated' ? 'the emulated CUDA device' : `CUDA device ${d.device} (${d.name})`;
  }
}
