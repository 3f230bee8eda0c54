import type { KernelName } from '../backends/types.js';
import { type DispatchOptions, type Resolution, resolveKernel } from '../dispatch/index.js';
import { InvalidInputError } from '../errors.js';
import { CscMatrix, CsrMatrix, DenseMatrix } from '../matrix/index.js';
import { type CsrInput, type DenseInput, isResident } from '../runtime/handles.js';

/** Matrix layouts a kernel may accept. */
export type Format = 'csr' | 'csc' | 'dense';

/** Any kernel input: a plain matrix of any layout, or a resident CSR or dense handle. */
export type MatrixInput = CsrInput | CscMatrix | DenseInput;

/**
 * Checks that a kernel's input is a matrix in one of the `formats` it accepts (a resident
 * handle, CsrHandle or DenseHandle, counts as its format) and not freed; InvalidInputError
 * saying what was given.
 */
export function checkMatrix(kernel: string, x: unknown, formats: readonly Format[]): asserts x is MatrixInput {
  const ok =
    (x instanceof CsrMatrix && formats.includes('csr')) ||
    (x instanceof CscMatrix && formats.includes('csc')) ||
    (x instanceof DenseMatrix && formats.includes('dense')) ||
    (isResident(x) && formats.includes(x.format));
  if (!ok) {
    const resident = isResident(x) ? ` (resident ${x.format.toUpperCase()} handles are not taken by ${kernel}; download() it first)` : '';
    throw new InvalidInputError(`${kernel}: expected ${formats.map((f) => FORMAT_NAMES[f]).join(', ')} or a resident handle from upload(), got ${describe(x)}${resident}`);
  }
  if (isResident(x) && x.freed) throw new InvalidInputError(`${kernel}: the resident matrix was freed`);
}

const FORMAT_NAMES: Record<Format, string> = { csr: 'a CsrMatrix', csc: 'a CscMatrix', dense: 'a DenseMatrix' };

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x !== 'object') return typeof x;
  return (x as object).constructor?.name ?? 'an object';
}

/**
 * Resolves the backend for a kernel call on `x`. A resident handle (CSR or dense) pins the
 * call to the backend that holds it (results stay there); naming another backend is an error.
 */
export function dispatchOn<K extends KernelName>(kernel: K, x: MatrixInput, options: DispatchOptions): Resolution<K> {
  if (!isResident(x)) return resolveKernel(kernel, options, x);
  if (options.backend !== undefined && options.backend !== 'auto' && options.backend !== x.backend) {
    throw new InvalidInputError(
      `${kernel}: the matrix is resident in the ${x.backend} backend but backend "${options.backend}" was requested; ` +
        `download() it or upload it to ${options.backend}`,
    );
  }
  return resolveKernel(kernel, { ...options, backend: x.backend, strict: true }, x);
}
