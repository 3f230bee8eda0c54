import { checkOptions, requireBackend, settings } from '../dispatch/index.js';
import { InvalidInputError } from '../errors.js';
import { CsrMatrix } from '../matrix/index.js';
import { type CsrHandle, isHandle } from '../runtime/handles.js';

/** Options of upload. */
export interface UploadOptions {
  /** Backend whose memory will hold the matrix (default: settings.backend, or wasm under auto). */
  backend?: string;
}

/**
 * Copies a matrix into a backend's memory and returns a handle that every kernel accepts;
 * results of kernels on a handle stay in that backend. Free it with `handle.free()` or `using`.
 * The js backend works on JavaScript memory: uploading to it returns the matrix itself.
 */
export function upload(x: CsrMatrix, options: UploadOptions = {}): CsrHandle | CsrMatrix {
  checkOptions('upload', options, []);
  if (!(x instanceof CsrMatrix)) throw new InvalidInputError('upload: expected a CsrMatrix');
  let name = options.backend ?? settings.backend;
  if (name === 'auto') name = 'wasm';
  const backend = requireBackend(name);
  return backend.upload ? backend.upload(x) : x;
}

/** Copies a resident matrix back into JavaScript memory (a plain matrix is returned as is). */
export function download(x: CsrHandle | CsrMatrix): CsrMatrix {
  return isHandle(x) ? x.download() : x;
}

