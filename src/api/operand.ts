import type { KernelName } from '../backends/types.js';
import { type DispatchOptions, type Resolution, resolveKernel } from '../dispatch/index.js';
import { InvalidInputError } from '../errors.js';
import { CsrMatrix } from '../matrix/index.js';
import { type CsrInput, isHandle } from '../runtime/handles.js';

/** Checks that a kernel's input is a CSR matrix or a live CSR handle. */
export function checkCsr(kernel: string, x: unknown): asserts x is CsrInput {
  if (x instanceof CsrMatrix) return;
  if (isHandle(x)) {
    if (x.freed) throw new InvalidInputError(`${kernel}: the resident matrix was freed`);
    return;
  }
  throw new InvalidInputError(`${kernel}: expected a CsrMatrix or a resident handle from upload(), got ${describe(x)}`);
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x !== 'object') return typeof x;
  return (x as object).constructor?.name ?? 'an object';
}

/**
 * Resolves the backend for a kernel call on `x`. A resident handle pins the call to the
 * backend that holds it (results stay there); naming another backend is an error.
 */
export function dispatchOn<K extends KernelName>(kernel: K, x: CsrInput, options: DispatchOptions): Resolution<K> {
  if (!isHandle(x)) return resolveKernel(kernel, options);
  if (options.backend !== undefined && options.backend !== 'auto' && options.backend !== x.backend) {
    throw new InvalidInputError(
      `${kernel}: the matrix is resident in the ${x.backend} backend but backend "${options.backend}" was requested; ` +
        `download() it or upload it to ${options.backend}`,
    );
  }
  return resolveKernel(kernel, { ...options, backend: x.backend, strict: true });
}
