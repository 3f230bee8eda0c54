import { KernelNotImplementedError } from '../errors.js';
import type { Backend, KernelName, KernelSignatures } from '../backends/types.js';
import type { DispatchOptions } from './options.js';
import { BUILTIN_ORDER, entry, requireBackend } from './registry.js';
import { currentScope } from './scope.js';
import { settings } from './settings.js';

/** The backend and implementation a call will run. */
export interface Resolution<K extends KernelName> {
  backend: Backend;
  fn: KernelSignatures[K];
  /** How the backend was selected. */
  why: string;
}

const noticed = new Set<string>();
function noticeOnce(key: string, message: string): void {
  if (noticed.has(key)) return;
  noticed.add(key);
  console.warn(`[cellkernels] ${message}`);
}

function auto<K extends KernelName>(kernel: K, why: string): Resolution<K> {
  for (const name of BUILTIN_ORDER) {
    const e = entry(name);
    const fn = e.backend?.kernels[kernel];
    if (e.backend && fn) return { backend: e.backend, fn: fn as KernelSignatures[K], why };
  }
  throw new KernelNotImplementedError(`no available backend implements ${kernel}`, 'auto', kernel);
}

/**
 * Picks the backend for a call: the call's `backend`, else the innermost withBackend scope,
 * else settings.backend, else auto (the fastest available backend implementing the kernel).
 */
export function resolveKernel<K extends KernelName>(kernel: K, options: DispatchOptions = {}): Resolution<K> {
  const scoped = currentScope();
  const [name, source] =
    options.backend !== undefined
      ? [options.backend, 'the call’s backend option']
      : scoped !== undefined
        ? [scoped, 'the enclosing withBackend scope']
        : [settings.backend, settings.backend === 'auto' ? 'auto' : 'settings.backend'];
  const strict = options.strict ?? settings.strict;
  if (name === 'auto') return auto(kernel, 'auto: fastest available backend implementing the kernel');
  const backend = requireBackend(name);
  const fn = backend.kernels[kernel];
  if (fn) return { backend, fn: fn as KernelSignatures[K], why: `${name} from ${source}` };
  if (strict) {
    throw new KernelNotImplementedError(`backend "${name}" does not implement ${kernel} (strict mode)`, name, kernel);
  }
  const fallback = auto(kernel, `${name} lacks ${kernel}; fell back along the auto order`);
  noticeOnce(`${name}:${kernel}`, `backend "${name}" does not implement ${kernel}; using "${fallback.backend.name}" instead`);
  return fallback;
}
