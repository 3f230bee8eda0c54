import { type Backend, type BackendCallOptions, KERNEL_NAMES, type KernelName, type KernelSignatures } from '../backends/types.js';
import { InvalidInputError, KernelNotImplementedError } from '../errors.js';
import { noticeOnce } from './notice.js';
import { type DispatchOptions, checkDispatchOptions } from './options.js';
import { autoOrder, entry, isTrusted, minWorkOf, unavailable } from './registry.js';
import { currentScope } from './scope.js';
import { settings } from './settings.js';
import { closest } from './suggest.js';

/** Where the selected backend name came from, most specific first. */
export type SelectionSource = 'call' | 'scope' | 'settings' | 'auto';

/** The backend and implementation a call will run. */
export interface Resolution<K extends KernelName> {
  backend: Backend;
  /**
   * The implementation, called with every declared parameter; when the call gave options for
   * this backend under `backendOptions`, they are appended as its last argument.
   */
  fn: KernelSignatures[K];
  /** This backend's own options from the call (`backendOptions[backend.name]`), if any. */
  backendOptions: BackendCallOptions | undefined;
  /** Where the selection came from. */
  source: SelectionSource;
  /** Whether the selected backend could not run the kernel and another one runs instead. */
  fellBack: boolean;
  /** How the backend was selected, in words. */
  why: string;
}

/** One backend as explain() weighed it. */
export interface Candidate {
  name: string;
  available: boolean;
  /** Whether it implements the kernel (false while unavailable). */
  implements: boolean;
  trusted: boolean;
  /** The one that would run. */
  chosen: boolean;
  /** Why it was not chosen. */
  reasonSkipped?: string;
}

/** What explain() says about a call. */
export interface Explanation {
  kernel: KernelName;
  /** The backend that would run. */
  backend: string;
  /** Its build variant, when it has several. */
  variant?: string;
  /** The name that was asked for (`auto` when nothing named one) and where it came from. */
  requested: string;
  source: SelectionSource;
  strict: boolean;
  /** Whether the requested backend could not run it and the auto order supplied another. */
  fellBack: boolean;
  /** Whether the backend that would run is on the trusted list. */
  trusted: boolean;
  /** Why this backend, in one sentence. */
  reason: string;
  /** Every backend weighed, in the order they were weighed. */
  considered: Candidate[];
}

interface Plan {
  backend: Backend;
  source: SelectionSource;
  requested: string;
  strict: boolean;
  fellBack: boolean;
  reason: string;
  considered: Candidate[];
}

/** Work of an input for size thresholds: its stored values (nnz), else its length. */
export function workOf(input: unknown): number | undefined {
  if (input === null || typeof input !== 'object') return undefined;
  const o = input as { nnz?: unknown; length?: unknown; shape?: unknown };
  if (typeof o.nnz === 'number') return o.nnz;
  if (typeof o.length === 'number') return o.length;
  if (Array.isArray(o.shape)) return (o.shape as number[]).reduce((a, b) => a * b, 1);
  return undefined;
}

type Entry = ReturnType<typeof entry>;

/** Why auto (or a fallback) cannot use this entry for the kernel and input; undefined: it can. */
function autoSkip(e: Entry, kernel: KernelName, input: unknown, hasInput: boolean): string | undefined {
  if (!e.backend) return `unavailable: ${e.unavailable ?? 'not loaded'}`;
  if (typeof e.backend.kernels[kernel] !== 'function') return `does not implement ${kernel}`;
  const min = minWorkOf(e);
  if (min !== undefined && min > 0) {
    const work = hasInput ? workOf(input) : undefined;
    if (work === undefined) return `runs only above ${min} stored values and the input size is unknown`;
    if (work < min) return `input below its size threshold (${work} < ${min} stored values)`;
  }
  return hasInput ? rejects(e.backend, kernel, input) : undefined;
}

/** Why an explicitly selected backend cannot run this call (size thresholds do not apply). */
function namedSkip(b: Backend, kernel: KernelName, input: unknown, hasInput: boolean): string | undefined {
  if (typeof b.kernels[kernel] !== 'function') return `does not implement ${kernel}`;
  return hasInput ? rejects(b, kernel, input) : undefined;
}

function rejects(b: Backend, kernel: KernelName, input: unknown): string | undefined {
  const r = b.rejects?.(kernel, input);
  return r ? `cannot take this input: ${r}` : undefined;
}

function candidate(e: Entry, kernel: KernelName, chosen: boolean, reasonSkipped?: string): Candidate {
  return {
    name: e.name,
    available: e.backend !== undefined,
    implements: typeof e.backend?.kernels[kernel] === 'function',
    trusted: isTrusted(e),
    chosen,
    ...(reasonSkipped !== undefined ? { reasonSkipped } : {}),
  };
}

/** Walks the auto order (without `exclude`) and picks the first entry that can run the call. */
function walkAuto(kernel: KernelName, input: unknown, hasInput: boolean, exclude?: string): { chosen?: Entry; considered: Candidate[] } {
  const considered: Candidate[] = [];
  let chosen: Entry | undefined;
  for (const e of autoOrder()) {
    if (e.name === exclude) continue;
    const skip = autoSkip(e, kernel, input, hasInput);
    if (chosen) considered.push(candidate(e, kernel, false, skip ?? `comes after "${chosen.name}" in the auto order`));
    else if (skip) considered.push(candidate(e, kernel, false, skip));
    else {
      chosen = e;
      considered.push(candidate(e, kernel, true));
    }
  }
  return { chosen, considered };
}

function sourceWords(source: SelectionSource): string {
  return source === 'call' ? "the call's backend option" : source === 'scope' ? 'the innermost withBackend() scope' : 'settings.backend';
}

function plan(kernel: KernelName, options: DispatchOptions, input: unknown, hasInput: boolean): Plan {
  let requested: string;
  let source: SelectionSource;
  const scoped = options.backend === undefined ? currentScope() : undefined;
  if (options.backend !== undefined) [requested, source] = [options.backend, 'call'];
  else if (scoped !== undefined) [requested, source] = [scoped, 'scope'];
  else [requested, source] = [settings.backend, 'settings'];
  if (requested === 'auto') source = 'auto';
  const strict = options.strict ?? settings.strict;

  if (source === 'auto') {
    const { chosen, considered } = walkAuto(kernel, input, hasInput);
    if (!chosen) {
      throw new KernelNotImplementedError(
        `no available backend can run ${kernel} on this input: ${considered.map((c) => `${c.name} ${c.reasonSkipped}`).join('; ')}`,
        'auto',
        kernel,
      );
    }
    const skipped = considered.filter((c) => !c.chosen && !c.reasonSkipped?.startsWith('comes after'));
    return {
      backend: chosen.backend!,
      source,
      requested,
      strict,
      fellBack: false,
      reason:
        `auto: "${chosen.name}" is the fastest available backend that implements ${kernel} for this input` +
        (skipped.length ? ` (${skipped.map((c) => `${c.name}: ${c.reasonSkipped}`).join('; ')})` : ''),
      considered,
    };
  }

  const e = entry(requested);
  if (!e.backend) throw unavailable(e);
  const why = namedSkip(e.backend, kernel, input, hasInput);
  if (why === undefined) {
    return {
      backend: e.backend,
      source,
      requested,
      strict,
      fellBack: false,
      reason: `"${requested}" was named by ${sourceWords(source)}`,
      considered: [candidate(e, kernel, true)],
    };
  }
  if (strict) {
    throw new KernelNotImplementedError(
      `backend "${requested}" (named by ${sourceWords(source)}) ${why}, and strict mode forbids falling back; ` +
        `name a backend that implements it (see listBackends()) or pass strict: false`,
      requested,
      kernel,
    );
  }
  const { chosen, considered } = walkAuto(kernel, input, hasInput, requested);
  if (!chosen) throw new KernelNotImplementedError(`backend "${requested}" ${why}, and no other available backend can run it`, requested, kernel);
  return {
    backend: chosen.backend!,
    source,
    requested,
    strict,
    fellBack: true,
    reason: `"${requested}" (named by ${sourceWords(source)}) ${why}; fell back along the auto order to "${chosen.name}"`,
    considered: [candidate(e, kernel, false, why), ...considered],
  };
}

/**
 * Picks the backend for a call: the call's `backend`, else the innermost withBackend() scope,
 * else settings.backend, else auto (the fastest available backend that implements the kernel
 * for this input; cuda only above its size threshold). A named backend that lacks the kernel
 * falls back along the auto order with a one-time notice, or raises KernelNotImplementedError
 * with `strict`. An untrusted third-party backend prints a one-time warning when first used.
 *
 * Pass the kernel's main input as `input` so that size thresholds and `rejects()` apply;
 * without it, backends with a size threshold are not chosen by auto.
 */
export function resolveKernel<K extends KernelName>(kernel: K, options: DispatchOptions = {}, ...input: [unknown?]): Resolution<K> {
  const p = plan(kernel, options, input[0], input.length > 0);
  const b = p.backend;
  if (p.fellBack) {
    noticeOnce(
      `fallback:${p.requested}:${kernel}`,
      `${p.reason}. This notice is shown once; pass strict: true (or set settings.strict) to make it an error.`,
    );
  }
  const e = entry(b.name);
  if (!isTrusted(e)) {
    noticeOnce(
      `untrusted:${b.name}`,
      `backend "${b.name}" is not on the trusted list: its results have not been checked by cellkernels. ` +
        `Run validateBackend() from cellkernels/testing in its CI, then register it with { trusted: true } or add it to settings.trustedBackends.`,
    );
  }
  const raw = b.kernels[kernel] as unknown as (...a: unknown[]) => unknown;
  const own = options.backendOptions?.[b.name as keyof typeof options.backendOptions] as BackendCallOptions | undefined;
  const fn = (own === undefined ? raw : (...a: unknown[]) => raw.call(b.kernels, ...a, own)) as KernelSignatures[K];
  return { backend: b, fn, backendOptions: own, source: p.source, fellBack: p.fellBack, why: p.reason };
}

/**
 * Which backend (and variant) a kernel call on `input` with these options would run, and why,
 * without running it or printing notices. Throws what the call would throw
 * (UnknownBackendError, BackendUnavailableError, KernelNotImplementedError in strict mode).
 *
 * ```ts
 * ck.explain('log1p', X);
 * // { backend: 'wasm', variant: 'simd-threads', reason: 'auto: "wasm" is the fastest …',
 * //   considered: [{ name: 'cuda', available: false, reasonSkipped: 'unavailable: …' }, …] }
 * ```
 */
export function explain(kernel: KernelName, input: unknown, options: DispatchOptions = {}): Explanation {
  if (!(KERNEL_NAMES as readonly string[]).includes(kernel)) {
    const s = closest(String(kernel), KERNEL_NAMES);
    throw new InvalidInputError(`explain: unknown kernel "${String(kernel)}"${s ? ` (did you mean "${s}"?)` : ''}; kernels: ${KERNEL_NAMES.join(', ')}`);
  }
  if (options === null || typeof options !== 'object') throw new InvalidInputError('explain: options must be an object');
  checkDispatchOptions(`explain(${kernel})`, options);
  const p = plan(kernel, options, input, true);
  return {
    kernel,
    backend: p.backend.name,
    ...(p.backend.variant ? { variant: p.backend.variant } : {}),
    requested: p.requested,
    source: p.source,
    strict: p.strict,
    fellBack: p.fellBack,
    trusted: isTrusted(entry(p.backend.name)),
    reason: p.reason,
    considered: p.considered,
  };
}
