import { InvalidOptionError } from '../errors.js';
import type { BackendName } from './options.js';
import { checkBackendName, setTrustSource } from './registry.js';

/** Process-wide dispatch settings: the lowest-priority selection and the trusted list. */
export interface DispatchSettings {
  /**
   * Backend of every call that names none and runs outside any withBackend() scope; default
   * `auto`. Setting an unknown name throws UnknownBackendError at once (register a third-party
   * backend first). An unavailable backend is reported when a kernel runs.
   */
  backend: BackendName;
  /** Default of the per-call `strict` option (false: fall back with a one-time notice). */
  strict: boolean;
  /**
   * Names of third-party backends to trust in addition to the built-ins and those registered
   * with `{ trusted: true }`: calls on them print no warning. Put a backend here once it passes
   * `validateBackend()` from `cellkernels/testing`.
   */
  trustedBackends: string[];
}

let backend: BackendName = 'auto';
let strict = false;
let trusted: string[] = [];

/**
 * Process-wide dispatch settings. Selection, most specific first: the call's `backend`
 * option, then the innermost withBackend() scope, then `settings.backend`, then `auto`.
 *
 * ```ts
 * ck.settings.backend = 'as';      // every call that names no backend
 * ck.settings.strict = true;       // no silent fallback
 * ck.settings.trustedBackends.push('mybackend');
 * ```
 */
export const settings: DispatchSettings = {
  get backend(): BackendName {
    return backend;
  },
  set backend(name: BackendName) {
    checkBackendName(name, 'settings.backend: ');
    backend = name;
  },
  get strict(): boolean {
    return strict;
  },
  set strict(v: boolean) {
    if (typeof v !== 'boolean') throw new InvalidOptionError(`settings.strict must be true or false, got ${typeof v}`);
    strict = v;
  },
  get trustedBackends(): string[] {
    return trusted;
  },
  set trustedBackends(names: string[]) {
    if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) {
      throw new InvalidOptionError('settings.trustedBackends must be an array of backend names');
    }
    trusted = [...names];
  },
};

setTrustSource(() => trusted);
