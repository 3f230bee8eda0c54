import { InvalidOptionError } from '../errors.js';
import { checkBackendName, entry, optionSchema } from './registry.js';
import { closest } from './suggest.js';

/**
 * A backend name: `auto`, a built-in (`wasm`, `as`, `js`, `cuda`) or the canonical name of a
 * registered third-party backend. There are no aliases; a near miss is an UnknownBackendError
 * with a suggestion.
 */
export type BackendName = 'auto' | 'wasm' | 'as' | 'js' | 'cuda' | (string & {});

/** Options of the optional CUDA addon. */
export interface CudaBackendOptions {
  /** CUDA device ordinal to run on (default 0). */
  device?: number;
}

/**
 * Backend-specific options, one object per backend name, under `backendOptions`. Each object
 * is handed only to that backend, and only when it is the one that runs. A third-party backend
 * declares its options by declaration merging, so editors complete and check them:
 *
 * ```ts
 * declare module 'cellkernels' {
 *   interface BackendOptions {
 *     mybackend?: { tileSize?: number };
 *   }
 * }
 * ck.log1p(X, { backend: 'mybackend', backendOptions: { mybackend: { tileSize: 64 } } });
 * ```
 *
 * At run time a key naming no backend is an UnknownBackendError, and a key that a backend's
 * declared `options` list lacks is an InvalidOptionError.
 */
export interface BackendOptions {
  /** Options of the CUDA addon (the device is an option: a backend names an implementation, not hardware). */
  cuda?: CudaBackendOptions;
  /** The wasm backend takes no options (choose its variant with init({ variant })). */
  wasm?: Record<string, never>;
  /** The AssemblyScript backend takes no options. */
  as?: Record<string, never>;
  /** The js reference backend takes no options. */
  js?: Record<string, never>;
}

/** Options every kernel accepts, besides its own. */
export interface DispatchOptions {
  /**
   * Backend for this call: `auto`, `wasm`, `as`, `js`, `cuda`, or a registered one. It beats
   * the innermost withBackend() scope, which beats settings.backend (default `auto`).
   */
  backend?: BackendName;
  /**
   * When the selected backend lacks the kernel (or cannot take this input): raise
   * KernelNotImplementedError (true) instead of falling back along the auto order with a
   * one-time notice (false). Default: settings.strict (false).
   */
  strict?: boolean;
  /** Backend-specific options, e.g. `{ cuda: { device: 1 } }`: see BackendOptions. */
  backendOptions?: BackendOptions;
}

/** The option names of DispatchOptions, which every kernel accepts. */
export const DISPATCH_KEYS = ['backend', 'strict', 'backendOptions'] as const;

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

function kind(x: unknown): string {
  return x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x;
}

/**
 * Checks the dispatch part of an options object: `backend` is a known name, `strict` a
 * boolean, and every `backendOptions` key a known backend whose declared option names include
 * each key given (InvalidOptionError listing the valid ones otherwise).
 */
export function checkDispatchOptions(kernel: string, options: DispatchOptions): void {
  if (options.backend !== undefined) {
    if (typeof options.backend !== 'string') {
      throw new InvalidOptionError(`${kernel}: backend must be a string, got ${kind(options.backend)}`);
    }
    checkBackendName(options.backend, `${kernel}: `);
  }
  if (options.strict !== undefined && typeof options.strict !== 'boolean') {
    throw new InvalidOptionError(`${kernel}: strict must be true or false, got ${kind(options.strict)}`);
  }
  const bo = options.backendOptions as unknown;
  if (bo === undefined) return;
  if (!isPlainObject(bo)) {
    throw new InvalidOptionError(`${kernel}: backendOptions must be an object like { cuda: { device: 1 } }, got ${kind(bo)}`);
  }
  for (const [name, sub] of Object.entries(bo)) {
    if (sub === undefined) continue;
    checkBackendName(name, `${kernel}: backendOptions: `);
    if (name === 'auto') throw new InvalidOptionError(`${kernel}: backendOptions are per backend; "auto" takes none`);
    if (!isPlainObject(sub)) {
      throw new InvalidOptionError(`${kernel}: backendOptions.${name} must be an object, got ${kind(sub)}`);
    }
    const schema = optionSchema(entry(name));
    if (schema === undefined) continue;
    for (const key of Object.keys(sub)) {
      if (schema.includes(key)) continue;
      const s = closest(key, schema);
      throw new InvalidOptionError(
        schema.length === 0
          ? `${kernel}: backend "${name}" takes no backendOptions, got "${key}"`
          : `${kernel}: unknown option "${key}" in backendOptions.${name}${s ? ` (did you mean "${s}"?)` : ''}; valid options: ${schema.join(', ')}`,
      );
    }
  }
}

/**
 * Checks an options object against a kernel's option names plus the dispatch options
 * (`backend`, `strict`, `backendOptions`): anything unknown is an InvalidOptionError listing
 * the valid ones, with a did-you-mean. Options are one named object; nothing is positional.
 */
export function checkOptions(kernel: string, options: object | undefined, own: readonly string[]): void {
  if (options === undefined) return;
  if (!isPlainObject(options)) {
    throw new InvalidOptionError(`${kernel}: options must be an object, got ${kind(options)}`);
  }
  const valid = [...own, ...DISPATCH_KEYS];
  for (const key of Object.keys(options)) {
    if (!valid.includes(key)) {
      const s = closest(key, valid);
      throw new InvalidOptionError(
        `${kernel}: unknown option "${key}"${s ? ` (did you mean "${s}"?)` : ''}; valid options: ${valid.join(', ')}`,
      );
    }
  }
  checkDispatchOptions(kernel, options as DispatchOptions);
}
