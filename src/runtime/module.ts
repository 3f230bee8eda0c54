import { InvalidInputError, InvalidOptionError, ModuleLoadError, OutOfMemoryError } from '../errors.js';

/** The build a module came from. */
export type Variant = 'simd-threads' | 'simd' | 'scalar' | 'as-simd' | 'as-scalar';

/** Status codes of the C ABI (kernels-cpp/include/ck/common.h). */
export const Status = {
  ok: 0,
  invalidArgument: -1,
  outOfMemory: -2,
  indexOutOfRange: -3,
  badIndptr: -4,
  unsorted: -5,
} as const;

type Fn = (...args: number[]) => number;

/** Raw exports of a compiled module: the C ABI plus its memory. */
export interface RawModule {
  memory: () => WebAssembly.Memory;
  fn: (name: string) => Fn | undefined;
}

/** Counters of host↔module copies, for tests and benchmarks of residency. */
export interface TransferStats {
  toModule: number;
  fromModule: number;
  bytesToModule: number;
  bytesFromModule: number;
}

const ABI_VERSION = 1;

/**
 * One instantiated kernel module (Emscripten or AssemblyScript) behind the flat C ABI.
 * Owns allocation with typed errors, copies in and out (counted), and status checking.
 */
export class KernelModule {
  readonly transfers: TransferStats = { toModule: 0, fromModule: 0, bytesToModule: 0, bytesFromModule: 0 };
  /** Names of the exported `ck_*` functions. */
  readonly symbols: ReadonlySet<string>;

  constructor(
    readonly variant: Variant,
    private readonly raw: RawModule,
    symbols: Iterable<string>,
    readonly threads: number,
    /** Disposes workers etc. (threads variant). */
    private readonly onShutdown: () => void = () => {},
  ) {
    this.symbols = new Set([...symbols].filter((s) => s.startsWith('ck_')));
    const v = this.call('ck_abi_version');
    if (v !== ABI_VERSION) throw new ModuleLoadError(`module ${variant} has ABI ${v}, this library needs ${ABI_VERSION}; rebuild it`);
  }

  /** Whether the module exports every one of these symbols. */
  has(...names: string[]): boolean {
    return names.every((n) => this.symbols.has(n));
  }

  /** Highway target (or AssemblyScript flavour) the module was compiled for. */
  get simdTarget(): string {
    const p = this.call('ck_simd_target');
    const bytes = new Uint8Array(this.raw.memory().buffer);
    let s = '';
    for (let i = p; bytes[i] !== 0 && i < p + 64; i++) s += String.fromCharCode(bytes[i]!);
    return s;
  }

  /** Calls an exported function; a trap in the module becomes a typed error. */
  call(name: string, ...args: number[]): number {
    const f = this.raw.fn(name);
    if (!f) throw new ModuleLoadError(`module ${this.variant} does not export ${name}`);
    try {
      return f(...args);
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) {
        // Allocators trap (AssemblyScript) or fail before touching state when memory cannot grow.
        if (/unreachable|memory|out of bounds/i.test(String(e.message))) {
          throw new OutOfMemoryError(`${name}: the ${this.variant} module ran out of memory (${e.message})`);
        }
      }
      throw e;
    }
  }

  /** Calls a kernel and converts a non-zero status into a typed error. */
  run(name: string, ...args: number[]): void {
    const status = this.call(name, ...args);
    if (status !== Status.ok) this.raise(name, status);
  }

  private raise(name: string, status: number): never {
    const detail = this.call('ck_error_detail');
    switch (status) {
      case Status.outOfMemory:
        throw new OutOfMemoryError(`${name}: out of memory in the ${this.variant} module (the wasm heap is limited to 4 GB)`);
      case Status.indexOutOfRange:
        throw new InvalidInputError(`${name}: an index at row ${detail} is outside the matrix`);
      case Status.badIndptr:
        throw new InvalidInputError(`${name}: indptr is not non-decreasing at row ${detail}`);
      case Status.unsorted:
        throw new InvalidInputError(`${name}: indices are not sorted at row ${detail}`);
      case Status.invalidArgument:
        throw new InvalidOptionError(`${name}: argument ${detail} is out of range`);
      default:
        throw new ModuleLoadError(`${name}: unexpected status ${status}`);
    }
  }

  /** Allocates bytes in the module heap; OutOfMemoryError when it cannot grow. */
  alloc(bytes: number): number {
    if (bytes > 0xffffffff - 16) throw new OutOfMemoryError(`cannot allocate ${bytes} bytes in a 32-bit heap`);
    const p = this.call('ck_alloc', bytes >>> 0) >>> 0;
    if (p === 0) {
      throw new OutOfMemoryError(
        `could not allocate ${(bytes / 2 ** 20).toFixed(1)} MiB in the ${this.variant} module heap ` +
          `(now ${(this.raw.memory().buffer.byteLength / 2 ** 20).toFixed(0)} MiB of at most 4096 MiB); ` +
          'free resident matrices or process the matrix in row blocks',
      );
    }
    return p;
  }

  free(ptr: number): void {
    if (ptr) this.call('ck_free', ptr);
  }

  /** Copies a typed array into a new allocation; returns its pointer. */
  copyIn(a: ArrayBufferView): number {
    const p = this.alloc(Math.max(a.byteLength, 1));
    new Uint8Array(this.raw.memory().buffer, p, a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    this.transfers.toModule++;
    this.transfers.bytesToModule += a.byteLength;
    return p;
  }

  /** Copies `length` elements at ptr out into a new typed array of the given kind. */
  copyOut<T extends Float32Array | Float64Array | Int32Array | Uint8Array>(
    ctor: TypedCtor<T>,
    ptr: number,
    length: number,
  ): T {
    const out = new ctor(length);
    const bytes = length * ctor.BYTES_PER_ELEMENT;
    new Uint8Array(out.buffer).set(new Uint8Array(this.raw.memory().buffer, ptr, bytes));
    this.transfers.fromModule++;
    this.transfers.bytesFromModule += bytes;
    return out;
  }

  /**
   * A new allocation holding a copy of `bytes` bytes at `ptr`, copied inside the module (no
   * transfer to or from JavaScript); returns its pointer.
   */
  duplicate(ptr: number, bytes: number): number {
    const p = this.alloc(Math.max(bytes, 1));
    new Uint8Array(this.raw.memory().buffer).copyWithin(p, ptr, ptr + bytes);
    return p;
  }

  /** Current heap size in bytes. */
  get heapBytes(): number {
    return this.raw.memory().buffer.byteLength;
  }

  /**
   * Runs `fn` with allocations that are all freed afterwards, whether it returns or throws.
   * `scope.alloc`/`scope.copyIn` register pointers for release.
   */
  scoped<R>(fn: (scope: AllocScope) => R): R {
    const ptrs: number[] = [];
    const scope: AllocScope = {
      alloc: (bytes) => {
        const p = this.alloc(Math.max(bytes, 1));
        ptrs.push(p);
        return p;
      },
      copyIn: (a) => {
        const p = this.copyIn(a);
        ptrs.push(p);
        return p;
      },
    };
    try {
      return fn(scope);
    } finally {
      for (const p of ptrs) this.free(p);
    }
  }

  /** Stops worker threads (threads variant); the module must not be used afterwards. */
  shutdown(): void {
    this.onShutdown();
  }
}

/** Constructor of a typed array kind. */
export interface TypedCtor<T> {
  new (n: number): T;
  readonly BYTES_PER_ELEMENT: number;
}

/** Allocations that live for one kernel call. */
export interface AllocScope {
  alloc(bytes: number): number;
  copyIn(a: ArrayBufferView): number;
}
