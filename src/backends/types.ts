import type { CsrMatrix } from '../matrix/index.js';
import type { CsrHandle, CsrInput } from '../runtime/handles.js';

/** Resolved arguments of each kernel, as backends receive them (defaults already applied). */
export interface KernelArgs {
  log1p: { base: number | null };
  sum: { axis: 0 | 1 };
}

/**
 * What each kernel takes and returns, in every backend. Matrix operands are plain matrices
 * or handles resident in this backend (dispatch never hands a backend another's handle);
 * matrix results live where the input lives.
 */
export interface KernelSignatures {
  log1p<T extends CsrInput>(x: T, args: KernelArgs['log1p']): T;
  sum(x: CsrInput, args: KernelArgs['sum']): Float64Array;
}

/** Names of all kernels. */
export type KernelName = keyof KernelSignatures;

/** Every kernel name, in documentation order. */
export const KERNEL_NAMES: readonly KernelName[] = ['log1p', 'sum'];

/** A backend: an implementation of some kernels. */
export interface Backend {
  /** Canonical name (`wasm`, `as`, `js`, `cuda`, or a third party's). */
  readonly name: string;
  /** Build variant in use, when the backend has several. */
  readonly variant?: string;
  /** The kernels it implements. */
  readonly kernels: Partial<KernelSignatures>;
  /** Threads used by its kernels. */
  readonly threads?: number;
  /** Copies a matrix into the backend's memory (absent: the backend works on JS memory). */
  upload?(x: CsrMatrix): CsrHandle;
}
