import { type DispatchOptions, checkOptions, explain, requireBackend } from '../dispatch/index.js';
import { InvalidInputError } from '../errors.js';
import { CsrMatrix, DenseMatrix } from '../matrix/index.js';
import { type CsrHandle, type DenseHandle, isResident } from '../runtime/handles.js';

/** Options of upload: which backend holds the matrix, chosen as for any kernel call. */
export type UploadOptions = DispatchOptions;

/**
 * The backend a kernel call on `x` with these options would run on — the call's `backend`,
 * else the innermost withBackend() scope, else settings.backend, else auto for this input —
 * as the dispatcher resolves it. A named backend is taken even where it would fall back for
 * a kernel: holding a matrix needs no kernel.
 */
function holder(x: CsrMatrix | DenseMatrix, options: UploadOptions) {
  const e = explain('log1p', x, { ...(options.backend !== undefined ? { backend: options.backend } : {}), strict: false });
  return requireBackend(e.fellBack ? e.requested : e.backend);
}

/**
 * Copies a matrix into a backend's memory and returns a handle that every kernel taking that
 * layout accepts (a CsrHandle for a CsrMatrix, a DenseHandle for a DenseMatrix); results of
 * kernels on a handle stay in that backend. Free it with `handle.free()` or `using`.
 *
 * The backend is selected like a kernel call's: `options.backend`, else the innermost
 * `withBackend()` scope, else `settings.backend`, else `auto` (the backend auto would run
 * kernels on this input on). A backend that works on JavaScript memory (js) returns the
 * matrix itself.
 */
export function upload(x: CsrMatrix, options?: UploadOptions): CsrHandle | CsrMatrix;
export function upload(x: DenseMatrix, options?: UploadOptions): DenseHandle | DenseMatrix;
export function upload(x: CsrMatrix | DenseMatrix, options?: UploadOptions): CsrHandle | DenseHandle | CsrMatrix | DenseMatrix;
export function upload(x: CsrMatrix | DenseMatrix, options: UploadOptions = {}): CsrHandle | DenseHandle | CsrMatrix | DenseMatrix {
  checkOptions('upload', options, []);
  if (!(x instanceof CsrMatrix || x instanceof DenseMatrix)) {
    throw new InvalidInputError(`upload: expected a CsrMatrix or a DenseMatrix, got ${isResident(x) ? 'a matrix that is already resident' : describe(x)}`);
  }
  const backend = holder(x, options);
  if (x instanceof DenseMatrix) return backend.uploadDense ? backend.uploadDense(x) : x;
  return backend.upload ? backend.upload(x) : x;
}

/** Copies a resident matrix back into JavaScript memory (a plain matrix is returned as is). */
export function download(x: CsrHandle | CsrMatrix): CsrMatrix;
export function download(x: DenseHandle | DenseMatrix): DenseMatrix;
export function download(x: CsrHandle | DenseHandle | CsrMatrix | DenseMatrix): CsrMatrix | DenseMatrix;
export function download(x: CsrHandle | DenseHandle | CsrMatrix | DenseMatrix): CsrMatrix | DenseMatrix {
  if (isResident(x)) return x.download();
  if (x instanceof CsrMatrix || x instanceof DenseMatrix) return x;
  throw new InvalidInputError(`download: expected a resident handle or a plain CsrMatrix/DenseMatrix, got ${describe(x)}`);
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x !== 'object') return typeof x;
  return (x as object).constructor?.name ?? 'an object';
}
