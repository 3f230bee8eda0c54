import { InvalidOptionError } from '../errors.js';
import { closest } from './suggest.js';

/** Options every kernel accepts, besides its own. */
export interface DispatchOptions {
  /** Backend for this call: `auto` (default), `wasm`, `as`, `js`, `cuda`, or a registered one. */
  backend?: string;
  /** Raise KernelNotImplementedError instead of falling back when the backend lacks the kernel. */
  strict?: boolean;
}

const DISPATCH_KEYS = ['backend', 'strict'] as const;

/**
 * Checks an options object against a kernel's option names: anything unknown is an
 * InvalidOptionError listing the valid ones (with a did-you-mean).
 */
export function checkOptions(kernel: string, options: object | undefined, own: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidOptionError(`${kernel}: options must be an object, got ${options === null ? 'null' : typeof options}`);
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
}
