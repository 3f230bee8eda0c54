/** Test doubles for dispatch tests: backends that record which one ran, delegating to js. */
import { jsBackend } from '../../src/backends/js/index.js';
import type { Backend, BackendCallOptions, KernelName } from '../../src/backends/types.js';
import { CsrMatrix } from '../../src/matrix/index.js';

/** One recorded kernel call. */
export interface Call {
  backend: string;
  kernel: KernelName;
  /** The input matrix (to tell concurrent tasks apart). */
  x: unknown;
  backendOptions: BackendCallOptions | undefined;
}

/** Every call made on a recorder, in order. */
export const calls: Call[] = [];

/** A backend named `name` implementing `kernels` (default both) by delegating to js and recording the call. */
export function recorder(name: string, kernels: readonly KernelName[] = ['log1p', 'sum'], extra: Partial<Backend> = {}): Backend {
  const k: Record<string, unknown> = {};
  if (kernels.includes('log1p')) {
    k.log1p = (x: CsrMatrix, args: { base: number | null }, bo?: BackendCallOptions) => {
      calls.push({ backend: name, kernel: 'log1p', x, backendOptions: bo });
      return jsBackend.kernels.log1p!(x, args);
    };
  }
  if (kernels.includes('sum')) {
    k.sum = (x: CsrMatrix, args: { axis: 0 | 1 }, bo?: BackendCallOptions) => {
      calls.push({ backend: name, kernel: 'sum', x, backendOptions: bo });
      return jsBackend.kernels.sum!(x, args);
    };
  }
  return { name, kernels: k as Backend['kernels'], ...extra };
}

/** Backends of the recorded calls on `x` (or all), and clears nothing. */
export function ranOn(x?: unknown): string[] {
  return calls.filter((c) => x === undefined || c.x === x).map((c) => c.backend);
}

/** A small CSR matrix (distinct object per call). */
export function small(rows = 3, cols = 4): CsrMatrix {
  const indptr = Int32Array.from({ length: rows + 1 }, (_, i) => i * cols);
  const indices = Int32Array.from({ length: rows * cols }, (_, k) => k % cols);
  const data = Float32Array.from({ length: rows * cols }, (_, k) => (k % 5) + 1);
  return new CsrMatrix({ shape: [rows, cols], data, indices, indptr });
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
