import type { DType, FloatArray } from '../../matrix/index.js';
import { type CsrHandle, type CsrInput, type ModuleBuffer, allocBuffer, checkResidentIn, isHandle, uploadCsr, uploadDense } from '../../runtime/handles.js';
import type { AllocScope, KernelModule, TypedCtor } from '../../runtime/module.js';
import type { Backend, KernelName, KernelSignatures } from '../types.js';

/**
 * One kernel's adapter over the C ABI: the symbols it needs and a factory binding it to a
 * module. The same adapters drive the Emscripten and the AssemblyScript modules.
 */
export interface AbiKernel<K extends KernelName> {
  name: K;
  symbols: readonly string[];
  impl: (mod: KernelModule) => KernelSignatures[K];
}

/** Typed-array constructor of a float dtype. */
export function floatCtor(dtype: DType): TypedCtor<FloatArray> {
  return (dtype === 'f32' ? Float32Array : Float64Array) as TypedCtor<FloatArray>;
}

/** Bytes per value of a dtype. */
export function bytesOf(dtype: DType): number {
  return dtype === 'f32' ? 4 : 8;
}

/** A CSR operand as module pointers. */
export interface CsrPtrs {
  indptr: number;
  indices: number;
  data: number;
  nrows: number;
  ncols: number;
  nnz: number;
  dtype: DType;
}

/**
 * Pointers of `x` in `mod`: a resident handle's own arrays (no copy), or the arrays of a
 * plain matrix copied into `scope` (freed when the call ends). `parts` limits what a plain
 * matrix uploads (a kernel that reads only values need not copy the structure).
 */
export function csrPtrs(mod: KernelModule, x: CsrInput, scope: AllocScope, parts: 'all' | 'data' = 'all'): CsrPtrs {
  const [nrows, ncols] = x.shape;
  if (isHandle(x)) {
    checkResidentIn(x, mod);
    return { ...x.ptrs, nrows, ncols, nnz: x.nnz, dtype: x.dtype };
  }
  const nnz = x.nnz;
  return {
    indptr: parts === 'all' ? scope.copyIn(x.indptr) : 0,
    indices: parts === 'all' ? scope.copyIn(x.indices.subarray(0, nnz)) : 0,
    data: scope.copyIn(x.data.subarray(0, nnz)),
    nrows,
    ncols,
    nnz,
    dtype: x.dtype,
  };
}

/**
 * Runs a value transform (same structure, new values) on a CSR operand. `compute(src, dst)`
 * writes nnz values at dst from src (they may be equal). A resident input gives a new
 * resident handle sharing the structure; a plain input is transformed in a temporary copy
 * and comes back as a plain matrix.
 */
export function mapValues<T extends CsrInput>(mod: KernelModule, x: T, compute: (p: CsrPtrs, dst: number) => void): T {
  if (isHandle(x)) {
    const h: CsrHandle = x;
    const out: ModuleBuffer = allocBuffer(mod, h.nnz * bytesOf(h.dtype));
    try {
      compute(csrPtrs(mod, h, NO_SCOPE), out.ptr);
    } catch (e) {
      out.release();
      throw e;
    }
    return h.withData(out) as T;
  }
  return mod.scoped((s) => {
    const p = csrPtrs(mod, x, s, 'data');
    compute(p, p.data);
    return x.withData(mod.copyOut(floatCtor(p.dtype), p.data, p.nnz)) as T;
  });
}

const NO_SCOPE: AllocScope = {
  alloc: () => {
    throw new Error('internal: resident operand needs no allocation');
  },
  copyIn: () => {
    throw new Error('internal: resident operand needs no copy');
  },
};

/** Builds a backend from a module: every adapter whose symbols the module exports. */
export function createAbiBackend(name: string, mod: KernelModule, adapters: readonly AbiKernel<KernelName>[]): Backend {
  const kernels: Partial<KernelSignatures> = {};
  for (const a of adapters) {
    if (mod.has(...a.symbols)) (kernels as Record<string, unknown>)[a.name] = a.impl(mod);
  }
  return { name, variant: mod.variant, kernels, threads: mod.threads, upload: (x) => uploadCsr(name, mod, x), uploadDense: (x) => uploadDense(name, mod, x) };
}
