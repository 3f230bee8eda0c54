import { BackendUnavailableError, UnknownBackendError } from '../errors.js';
import { jsBackend } from '../backends/js/index.js';
import type { Backend } from '../backends/types.js';
import { closest } from './suggest.js';

/** Built-in backends, fastest first: the order `auto` tries. */
export const BUILTIN_ORDER = ['cuda', 'wasm', 'as', 'js'] as const;

interface Entry {
  name: string;
  backend?: Backend;
  /** Why it cannot run here (undefined when loaded). */
  unavailable?: string;
  trusted: boolean;
}

const entries = new Map<string, Entry>();
for (const name of BUILTIN_ORDER) {
  entries.set(
    name,
    name === 'js' ? { name, trusted: true, backend: jsBackend } : { name, trusted: true, unavailable: 'not initialised: call `await init()` first' },
  );
}

/** Installs a loaded backend (or replaces one). */
export function installBackend(backend: Backend, trusted = true): void {
  entries.set(backend.name, { name: backend.name, backend, trusted });
}

/** Marks a known backend as unable to run here, with the reason and what to do. */
export function markUnavailable(name: string, reason: string): void {
  const e = entries.get(name);
  entries.set(name, { name, trusted: e?.trusted ?? false, unavailable: reason });
}

/** All known backend names, built-ins first in `auto` order, then third parties. */
export function backendNames(): string[] {
  return [...entries.keys()];
}

/** The entry of a backend name; UnknownBackendError (with a suggestion) when there is none. */
export function entry(name: string): Entry {
  const e = entries.get(name);
  if (e) return e;
  const suggestion = closest(name, [...entries.keys(), 'auto']);
  throw new UnknownBackendError(
    `unknown backend "${name}"${suggestion ? `; did you mean "${suggestion}"?` : ''} (known: ${[...entries.keys(), 'auto'].join(', ')})`,
    name,
    suggestion,
  );
}

/** The loaded backend of that name, or BackendUnavailableError saying why not. */
export function requireBackend(name: string): Backend {
  const e = entry(name);
  if (e.backend) return e.backend;
  const reason = e.unavailable ?? 'not loaded';
  throw new BackendUnavailableError(`backend "${name}" is unavailable: ${reason}`, name, reason);
}

/** Snapshot of one backend for listBackends(). */
export interface BackendStatus {
  name: string;
  available: boolean;
  reason?: string;
  variant?: string;
  threads?: number;
  trusted: boolean;
  kernels: string[];
}

/** Every known backend with its state. */
export function listBackends(): BackendStatus[] {
  return [...entries.values()].map((e) => ({
    name: e.name,
    available: e.backend !== undefined,
    ...(e.backend ? {} : { reason: e.unavailable }),
    ...(e.backend?.variant ? { variant: e.backend.variant } : {}),
    ...(e.backend?.threads ? { threads: e.backend.threads } : {}),
    trusted: e.trusted,
    kernels: e.backend ? Object.keys(e.backend.kernels) : [],
  }));
}
