/**
 * Typed errors of cellkernels. Every error says what was wrong, where, and what to do.
 * @module
 */

/** Base class: every error thrown by cellkernels is an instance of it. */
export class CellKernelsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A matrix or argument is malformed (shape, indptr, indices, dtype, NaN where forbidden…). */
export class InvalidInputError extends CellKernelsError {}

/** An option name or value is not valid for this kernel. Lists the valid options. */
export class InvalidOptionError extends CellKernelsError {}

/**
 * The backend's memory could not hold the request (for wasm: the 4 GB heap). Nothing was
 * written and the module remains usable; free resident matrices or process in row blocks.
 */
export class OutOfMemoryError extends CellKernelsError {}

/** No backend of that name is registered. `suggestion` holds the closest known name. */
export class UnknownBackendError extends CellKernelsError {
  constructor(
    message: string,
    readonly backend: string,
    readonly suggestion: string | undefined,
  ) {
    super(message);
  }
}

/**
 * The backend exists but cannot run here; `reason` says why (addon not installed, no device,
 * not Linux, feature missing) and `install` what to install or call to make it available.
 */
export class BackendUnavailableError extends CellKernelsError {
  constructor(
    message: string,
    readonly backend: string,
    readonly reason: string,
    readonly install?: string,
  ) {
    super(message);
  }
}

/** The chosen backend does not implement this kernel (raised with `strict: true`). */
export class KernelNotImplementedError extends CellKernelsError {
  constructor(
    message: string,
    readonly backend: string,
    readonly kernel: string,
  ) {
    super(message);
  }
}

/** A compiled module could not be fetched, compiled or instantiated. */
export class ModuleLoadError extends CellKernelsError {}

/**
 * registerBackend() was given a backend it cannot register: a name that is taken (a built-in,
 * `auto`, or an earlier registration), a malformed name, or a kernel name cellkernels does not
 * know (with a did-you-mean).
 */
export class BackendRegistrationError extends CellKernelsError {}
