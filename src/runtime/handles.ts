import { CellKernelsError, InvalidInputError } from '../errors.js';
import { CsrMatrix, type DType } from '../matrix/index.js';
import { DenseMatrix } from '../matrix/index.js';
import type { KernelModule } from './module.js';

/** A reference-counted allocation in a module heap (several handles may share one). */
export class ModuleBuffer {
  private refs = 1;
  constructor(
    readonly module: KernelModule,
    readonly ptr: number,
    readonly bytes: number,
  ) {}
  retain(): this {
    this.refs++;
    return this;
  }
  release(): void {
    if (this.refs <= 0) return;
    if (--this.refs === 0) this.module.free(this.ptr);
  }
}

const registry =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<ModuleBuffer[]>((bufs) => {
        for (const b of bufs) b.release();
      })
    : undefined;

/** Error for use of a freed handle. */
export class FreedHandleError extends CellKernelsError {}

/**
 * `[Symbol.dispose](): void`, typed only where the consumer's TypeScript lib declares
 * `Symbol.dispose` (lib `esnext.disposable` / ES2025, or @types/node): there `using h = …`
 * type-checks; on lib ES2022 this is `{}`, so the published declarations never name a
 * symbol the consumer's lib lacks (with `skipLibCheck: false` that would be an error).
 */
export type Disposal = SymbolConstructor extends { readonly dispose: infer S extends symbol } ? { [K in S]: () => void } : {};

/** The runtime's Symbol.dispose (Node ≥ 20, current browsers); undefined where it has none. */
const DISPOSE: symbol | undefined = (Symbol as unknown as { dispose?: symbol }).dispose;

/** Installs `[Symbol.dispose]() { this.free() }` on a handle prototype where the runtime has Symbol.dispose. */
function installDispose(proto: { free(): void }): void {
  if (typeof DISPOSE !== 'symbol') return;
  Object.defineProperty(proto, DISPOSE, {
    value(this: { free(): void }): void {
      this.free();
    },
    writable: true,
    configurable: true,
  });
}

// Declaration merging: the handles are Disposable exactly where the consumer's lib knows Disposable.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging
export interface CsrHandle extends Disposal {}
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging
export interface DenseHandle extends Disposal {}

/**
 * A CSR matrix resident in a backend's memory (the wasm heap, the AssemblyScript heap, …).
 * Kernels accept it wherever they accept a CsrMatrix and return results in the same place, so
 * a pipeline makes no round trips through JavaScript memory. Release it with `free()` or
 * `using` (Symbol.dispose); a FinalizationRegistry frees a forgotten handle eventually.
 */
export class CsrHandle {
  readonly format = 'csr' as const;
  readonly resident = true as const;
  private bufs: { indptr: ModuleBuffer; indices: ModuleBuffer; data: ModuleBuffer } | undefined;

  constructor(
    /** Name of the backend that owns the memory. */
    readonly backend: string,
    readonly module: KernelModule,
    readonly shape: readonly [number, number],
    readonly dtype: DType,
    readonly nnz: number,
    readonly sorted: boolean,
    bufs: { indptr: ModuleBuffer; indices: ModuleBuffer; data: ModuleBuffer },
  ) {
    this.bufs = bufs;
    registry?.register(this, [bufs.indptr, bufs.indices, bufs.data], this);
  }

  /** Whether free() was called. */
  get freed(): boolean {
    return this.bufs === undefined;
  }

  /** Module pointers of the arrays; FreedHandleError after free(). */
  get ptrs(): { indptr: number; indices: number; data: number } {
    const b = this.live();
    return { indptr: b.indptr.ptr, indices: b.indices.ptr, data: b.data.ptr };
  }

  private live() {
    if (!this.bufs) throw new FreedHandleError('this resident matrix was freed; upload it again');
    return this.bufs;
  }

  /** A handle with the same structure (shared, reference-counted) and new values. */
  withData(data: ModuleBuffer): CsrHandle {
    const b = this.live();
    return new CsrHandle(this.backend, this.module, this.shape, this.dtype, this.nnz, this.sorted, {
      indptr: b.indptr.retain(),
      indices: b.indices.retain(),
      data,
    });
  }

  /**
   * A second handle in the same module with its own copy of the values, copied inside the
   * module (nothing crosses to JavaScript; the CUDA addon copies through the host). The
   * structure is shared, reference-counted: no kernel writes it. For a transform in place that
   * must keep the original, as scanpy's `adata.copy()`: `ck.log1p(h.copy(), { inPlace: true })`.
   */
  copy(): CsrHandle {
    const b = this.live();
    return this.withData(duplicateBuffer(b.data));
  }

  /** Copies the matrix back into JavaScript memory. */
  download(): CsrMatrix {
    const b = this.live();
    const m = this.module;
    const m2 = new CsrMatrix(
      {
        shape: this.shape,
        indptr: m.copyOut(Int32Array, b.indptr.ptr, this.shape[0] + 1),
        indices: m.copyOut(Int32Array, b.indices.ptr, this.nnz),
        data: this.dtype === 'f32' ? m.copyOut(Float32Array, b.data.ptr, this.nnz) : m.copyOut(Float64Array, b.data.ptr, this.nnz),
      },
      { validate: false },
    );
    m2.sorted = this.sorted;
    return m2;
  }

  /** Releases the module memory (shared structure is released when its last user goes). */
  free(): void {
    if (!this.bufs) return;
    registry?.unregister(this);
    this.bufs.indptr.release();
    this.bufs.indices.release();
    this.bufs.data.release();
    this.bufs = undefined;
  }

  static {
    // `using h = upload(x)` frees the handle at the end of the block (typed through Disposal).
    installDispose(this.prototype);
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `CsrHandle(${this.shape[0]} × ${this.shape[1]}, nnz ${this.nnz}, ${this.dtype}, in ${this.backend}${this.freed ? ', freed' : ''})`;
  }
}

/**
 * A dense row-major matrix resident in a backend's memory: what scale() with zero-centring
 * returns for a resident input, or `upload()` of a DenseMatrix. Kernels that take dense input
 * (log1p, normalizeTotal, scale, sum, meanVar, nnzCount, filterCells/Genes) accept it and
 * return results in the same place, so a pipeline needs no round trip through JavaScript
 * memory. qcMetrics, subset and highlyVariableGenes accept it too, but download it and work
 * on a CSR copy (subset uploads its dense result again). `download()` copies it out as a DenseMatrix; release it with `free()` or `using`.
 */
export class DenseHandle {
  readonly format = 'dense' as const;
  readonly resident = true as const;
  private buf: ModuleBuffer | undefined;

  constructor(
    /** Name of the backend that owns the memory. */
    readonly backend: string,
    readonly module: KernelModule,
    readonly shape: readonly [number, number],
    readonly dtype: DType,
    buf: ModuleBuffer,
  ) {
    this.buf = buf;
    registry?.register(this, [buf], this);
  }

  /** Whether free() was called. */
  get freed(): boolean {
    return this.buf === undefined;
  }

  /** Module pointer of the values; FreedHandleError after free(). */
  get ptr(): number {
    if (!this.buf) throw new FreedHandleError('this resident matrix was freed; upload it again');
    return this.buf.ptr;
  }

  /** A second handle in the same module with its own copy of the values (see CsrHandle.copy). */
  copy(): DenseHandle {
    if (!this.buf) throw new FreedHandleError('this resident matrix was freed; upload it again');
    return new DenseHandle(this.backend, this.module, this.shape, this.dtype, duplicateBuffer(this.buf));
  }

  /** Copies the matrix back into JavaScript memory. */
  download(): DenseMatrix {
    const n = this.shape[0] * this.shape[1];
    const p = this.ptr;
    const data = this.dtype === 'f32' ? this.module.copyOut(Float32Array, p, n) : this.module.copyOut(Float64Array, p, n);
    return new DenseMatrix({ shape: this.shape, data });
  }

  /** Releases the module memory. */
  free(): void {
    if (!this.buf) return;
    registry?.unregister(this);
    this.buf.release();
    this.buf = undefined;
  }

  static {
    // `using h = …` frees the handle at the end of the block (typed through Disposal).
    installDispose(this.prototype);
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `DenseHandle(${this.shape[0]} × ${this.shape[1]}, ${this.dtype}, in ${this.backend}${this.freed ? ', freed' : ''})`;
  }
}

/** A sparse matrix operand: plain JavaScript arrays, or resident in a backend. */
export type CsrInput = CsrMatrix | CsrHandle;

/** A dense matrix operand: plain JavaScript arrays, or resident in a backend. */
export type DenseInput = DenseMatrix | DenseHandle;

/** A matrix resident in a backend: sparse (CSR) or dense. */
export type ResidentMatrix = CsrHandle | DenseHandle;

/**
 * Whether an operand is a resident CSR handle. Resident dense matrices are DenseHandles:
 * `isResident()` recognises both.
 */
export function isHandle(x: unknown): x is CsrHandle {
  return x instanceof CsrHandle;
}

/** Whether an operand is a resident dense handle. */
export function isDenseHandle(x: unknown): x is DenseHandle {
  return x instanceof DenseHandle;
}

/** Whether an operand is resident in a backend (a CsrHandle or a DenseHandle). */
export function isResident(x: unknown): x is ResidentMatrix {
  return x instanceof CsrHandle || x instanceof DenseHandle;
}

/** Copies a plain matrix into a module; returns the resident handle. */
export function uploadCsr(backend: string, module: KernelModule, x: CsrMatrix): CsrHandle {
  const nnz = x.nnz;
  const bufs: ModuleBuffer[] = [];
  try {
    for (const a of [x.indptr, x.indices.subarray(0, nnz), x.data.subarray(0, nnz)]) {
      bufs.push(new ModuleBuffer(module, module.copyIn(a), a.byteLength));
    }
  } catch (e) {
    for (const b of bufs) b.release();
    throw e;
  }
  return new CsrHandle(backend, module, x.shape, x.dtype, nnz, x.sorted, { indptr: bufs[0]!, indices: bufs[1]!, data: bufs[2]! });
}

/**
 * Checks that a resident operand lives in `module` (its pointers mean nothing in another
 * heap, e.g. after init() loaded another variant); InvalidInputError otherwise.
 */
export function checkResidentIn(x: ResidentMatrix, module: unknown): void {
  if (x.module !== module) {
    throw new InvalidInputError(
      `the matrix is resident in another ${x.backend} module (${x.module.variant}) than the one running this kernel; download() it and upload it again`,
    );
  }
}

/** Copies a plain dense matrix into a module; returns the resident handle. */
export function uploadDense(backend: string, module: KernelModule, x: DenseMatrix): DenseHandle {
  const n = x.shape[0] * x.shape[1];
  const values = x.data.subarray(0, n);
  return new DenseHandle(backend, module, x.shape, x.dtype, new ModuleBuffer(module, module.copyIn(values), values.byteLength));
}

/** A new buffer in the same module holding a copy of `b`. */
function duplicateBuffer(b: ModuleBuffer): ModuleBuffer {
  return new ModuleBuffer(b.module, b.module.duplicate(b.ptr, b.bytes), b.bytes);
}

/** Allocates an uninitialised buffer in a module heap. */
export function allocBuffer(module: KernelModule, bytes: number): ModuleBuffer {
  return new ModuleBuffer(module, module.alloc(Math.max(bytes, 1)), bytes);
}
