import { jsBackend } from '../backends/js/index.js';
import { type Backend, KERNEL_NAMES, type KernelName } from '../backends/types.js';
import { BackendRegistrationError, BackendUnavailableError, InvalidOptionError, UnknownBackendError } from '../errors.js';
import { closest } from './suggest.js';

/** Names of the built-in backends. */
export type BuiltinBackendName = 'cuda' | 'wasm' | 'as' | 'js';

/** Built-in backends, fastest first: the order `auto` tries. */
export const BUILTIN_ORDER: readonly BuiltinBackendName[] = ['cuda', 'wasm', 'as', 'js'];

/** What is known about a built-in backend before (and whether or not) it loads. */
interface Descriptor {
  /** Position in the auto order: higher is tried first. */
  priority: number;
  /** What to install or call to make it available. */
  install: string;
  /** Names of its backendOptions. */
  options: readonly string[];
  /** Default size threshold for auto (the loaded backend's own minWork wins). */
  minWork?: number;
}

/**
 * Built-in descriptors. Auto priorities: cuda 40, wasm 30, as 20, js 10; a third-party backend
 * registered with `priority: 35` is tried after cuda and before wasm.
 */
const BUILTINS: Record<BuiltinBackendName, Descriptor> = {
  cuda: {
    priority: 40,
    options: ['device'],
    minWork: 1_000_000,
    install:
      'the optional CUDA addon: on Linux with an NVIDIA driver and nvcc, run `npm run build:cuda` in the cellkernels package, then `await init()`',
  },
  wasm: {
    priority: 30,
    options: [],
    install: 'call `await init()`; where files cannot be fetched, pass init({ wasmPaths }) or a precompiled init({ module })',
  },
  as: {
    priority: 20,
    options: [],
    install: "call `await init()` (it loads the AssemblyScript build unless init({ backends }) leaves 'as' out)",
  },
  js: { priority: 10, options: [], install: 'nothing: the js backend is always available' },
};

/** Default auto threshold of the cuda backend, in stored values of the input. */
export const CUDA_MIN_WORK = BUILTINS.cuda.minWork!;

interface Entry {
  name: string;
  builtin: boolean;
  backend?: Backend;
  /** Why it cannot run here (undefined when loaded). */
  unavailable?: string;
  trusted: boolean;
  /** Position in the auto order (higher first); undefined: never chosen by auto. */
  priority: number | undefined;
  descriptor?: Descriptor;
  /** Registration order, to break priority ties. */
  seq: number;
}

let seq = 0;
const entries = new Map<string, Entry>();
for (const name of BUILTIN_ORDER) {
  const descriptor = BUILTINS[name];
  entries.set(name, {
    name,
    builtin: true,
    trusted: true,
    priority: descriptor.priority,
    descriptor,
    seq: seq++,
    ...(name === 'js' ? { backend: jsBackend } : { unavailable: 'not initialised: call `await init()` first' }),
  });
}

/** Whether `name` is a built-in backend. */
export function isBuiltin(name: string): name is BuiltinBackendName {
  return (BUILTIN_ORDER as readonly string[]).includes(name);
}

/**
 * Installs a loaded built-in backend (wasm, as, cuda), replacing its previous state. Used by
 * init() and by tests; third parties use registerBackend().
 */
export function installBackend(backend: Backend, trusted = true): void {
  const e = entries.get(backend.name);
  if (!e?.builtin) {
    throw new BackendRegistrationError(`installBackend is for built-in backends; register "${backend.name}" with registerBackend()`);
  }
  entries.set(backend.name, { ...e, backend, trusted, unavailable: undefined });
}

/** Marks a known backend as unable to run here, with the reason and what to do. */
export function markUnavailable(name: string, reason: string): void {
  const e = entries.get(name);
  if (!e) throw new BackendRegistrationError(`markUnavailable: unknown backend "${name}"`);
  entries.set(name, { ...e, backend: undefined, unavailable: reason });
}

/** Options of registerBackend(). */
export interface RegisterOptions {
  /**
   * Put it on the trusted list (default false). Untrusted backends work after a one-time
   * warning; a backend earns trust by passing `validateBackend()` from `cellkernels/testing`.
   * `settings.trustedBackends` trusts a name without re-registering.
   */
  trusted?: boolean;
  /**
   * Its place in the `auto` order, higher first: built-ins are cuda 40, wasm 30, as 20, js 10.
   * Default: undefined, so `auto` never picks it and it runs only when named (per call, scope or
   * settings.backend).
   */
  priority?: number;
  /** Replace an earlier registration of the same name (default false: that is an error). */
  replace?: boolean;
}

const REGISTER_KEYS = ['trusted', 'priority', 'replace'];
const NAME_RE = /^[a-z][a-z0-9_-]{0,63}$/;

/**
 * Registers a third-party backend (an object implementing Backend) under its canonical
 * `name`. The name must be lower-case (`[a-z][a-z0-9_-]*`) and must not be a built-in (in any
 * letter case) or `auto`; its kernel names must be cellkernels kernels. Nothing is aliased:
 * the backend is selected by exactly this name. Throws BackendRegistrationError.
 *
 * ```ts
 * registerBackend(myBackend, { priority: 35 }); // tried by auto after cuda, before wasm
 * ck.log1p(X, { backend: 'mine' });
 * ```
 */
export function registerBackend(backend: Backend, options: RegisterOptions = {}): void {
  for (const k of Object.keys(options)) {
    if (!REGISTER_KEYS.includes(k)) {
      const s = closest(k, REGISTER_KEYS);
      throw new InvalidOptionError(`registerBackend: unknown option "${k}"${s ? ` (did you mean "${s}"?)` : ''}; valid options: ${REGISTER_KEYS.join(', ')}`);
    }
  }
  if (backend === null || typeof backend !== 'object' || typeof backend.kernels !== 'object' || backend.kernels === null) {
    throw new BackendRegistrationError('registerBackend: expected a Backend object with a `name` and a `kernels` object');
  }
  const name = backend.name;
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new BackendRegistrationError(
      `registerBackend: backend name ${JSON.stringify(name)} is not valid: use lower-case letters, digits, "-" or "_", starting with a letter`,
    );
  }
  if (name === 'auto' || isBuiltin(name)) {
    throw new BackendRegistrationError(`registerBackend: "${name}" is a built-in name; give your backend its own name`);
  }
  const clash = [...entries.keys()].find((n) => n !== name && n.toLowerCase() === name.toLowerCase());
  if (clash) throw new BackendRegistrationError(`registerBackend: "${name}" differs from "${clash}" only in letter case`);
  const previous = entries.get(name);
  if (previous && !options.replace) {
    throw new BackendRegistrationError(`registerBackend: "${name}" is already registered; pass { replace: true } to replace it`);
  }
  for (const [k, fn] of Object.entries(backend.kernels)) {
    if (!(KERNEL_NAMES as readonly string[]).includes(k)) {
      const s = closest(k, KERNEL_NAMES);
      throw new BackendRegistrationError(
        `registerBackend: "${name}" declares kernel "${k}", which cellkernels does not have${s ? ` (did you mean "${s}"?)` : ''}; kernels: ${KERNEL_NAMES.join(', ')}`,
      );
    }
    if (typeof fn !== 'function') throw new BackendRegistrationError(`registerBackend: "${name}".kernels.${k} is not a function`);
  }
  if (options.priority !== undefined && !Number.isFinite(options.priority)) {
    throw new InvalidOptionError(`registerBackend: priority must be a finite number, got ${options.priority}`);
  }
  entries.set(name, { name, builtin: false, backend, trusted: options.trusted === true, priority: options.priority, seq: seq++ });
}

/** Removes a third-party backend registered with registerBackend(); returns whether it was there. */
export function unregisterBackend(name: string): boolean {
  const e = entries.get(name);
  if (!e) return false;
  if (e.builtin) throw new BackendRegistrationError(`unregisterBackend: "${name}" is built in and cannot be removed`);
  return entries.delete(name);
}

/** All known backend names, built-ins first in `auto` order, then third parties. */
export function backendNames(): string[] {
  return [...entries.keys()];
}

/** Common names that are not backends, and the backend they probably mean (never aliased). */
const NEAR_MISSES: Record<string, [string, string?]> = {
  webassembly: ['wasm'],
  emscripten: ['wasm'],
  wasm32: ['wasm'],
  'simd-threads': ['wasm', 'variants are chosen by init({ variant }) or CELLKERNELS_VARIANT'],
  simd: ['wasm', 'variants are chosen by init({ variant }) or CELLKERNELS_VARIANT'],
  scalar: ['wasm', 'variants are chosen by init({ variant }) or CELLKERNELS_VARIANT'],
  assemblyscript: ['as'],
  'as-simd': ['as', 'the AssemblyScript flavour is chosen by init()'],
  'as-scalar': ['as', 'the AssemblyScript flavour is chosen by init()'],
  javascript: ['js'],
  typescript: ['js'],
  ts: ['js'],
  reference: ['js'],
  numpy: ['js'],
  gpu: ['cuda'],
  nvidia: ['cuda'],
  cupy: ['cuda'],
  rapids: ['cuda'],
};
const DEVICE_RE = /^(cuda|gpu)[:_-]?(\d+)$/i;

/** The UnknownBackendError for `name`, with a did-you-mean suggestion when one is close. */
export function unknownBackend(name: string, context = ''): UnknownBackendError {
  const known = [...entries.keys(), 'auto'];
  const lower = String(name).toLowerCase();
  let suggestion: string | undefined;
  let note: string | undefined;
  const device = DEVICE_RE.exec(lower);
  if (device) {
    suggestion = 'cuda';
    note = `a backend names an implementation, not hardware: choose the device with backendOptions: { cuda: { device: ${device[2]} } }`;
  } else if (NEAR_MISSES[lower]) {
    [suggestion, note] = NEAR_MISSES[lower]!;
  } else {
    suggestion = closest(lower, known);
  }
  if (lower !== name && known.includes(lower)) note = 'backend names are exact and lower-case';
  const message =
    `${context}unknown backend "${name}"` +
    (suggestion ? `; did you mean "${suggestion}"?` : '') +
    ` (${note ? `${note}; ` : ''}known backends: ${known.join(', ')})`;
  return new UnknownBackendError(message, name, suggestion);
}

/** The entry of a backend name; UnknownBackendError (with a suggestion) when there is none. */
export function entry(name: string): Entry {
  const e = typeof name === 'string' ? entries.get(name) : undefined;
  if (e) return e;
  throw unknownBackend(name);
}

/** Throws UnknownBackendError unless `name` is a known backend or `auto`. */
export function checkBackendName(name: unknown, context = ''): asserts name is string {
  if (name === 'auto' || (typeof name === 'string' && entries.has(name))) return;
  throw unknownBackend(String(name), context);
}

/** What to install or call to make a backend available. */
export function installHint(e: Entry): string | undefined {
  return e.descriptor?.install;
}

/** The loaded backend of that name, or BackendUnavailableError saying why not and what to install. */
export function requireBackend(name: string): Backend {
  const e = entry(name);
  if (e.backend) return e.backend;
  throw unavailable(e);
}

/** The BackendUnavailableError of an entry that is not loaded. */
export function unavailable(e: Entry): BackendUnavailableError {
  const reason = e.unavailable ?? 'not loaded';
  const install = installHint(e);
  return new BackendUnavailableError(
    `backend "${e.name}" is unavailable: ${reason}${install ? `. To use it: ${install}` : ''}`,
    e.name,
    reason,
    install,
  );
}

/** Option names a backend declares for backendOptions (undefined: not checked). */
export function optionSchema(e: Entry): readonly string[] | undefined {
  return e.backend?.options ?? e.descriptor?.options;
}

/** Size threshold of a backend in auto (undefined: none). */
export function minWorkOf(e: Entry): number | undefined {
  return e.backend?.minWork ?? e.descriptor?.minWork;
}

/** Entries that auto may choose, highest priority first (ties: earlier registration first). */
export function autoOrder(): Entry[] {
  return [...entries.values()]
    .filter((e) => e.priority !== undefined)
    .sort((a, b) => b.priority! - a.priority! || a.seq - b.seq);
}

/** Snapshot of one backend, as listBackends() reports it. */
export interface BackendStatus {
  /** Canonical name: the only name that selects it. */
  name: string;
  /** Whether it is loaded and can run here. */
  available: boolean;
  /** Why it is not available (addon not installed, no device, not Linux, feature missing…). */
  reason?: string;
  /** What to install or call to make it available (built-ins). */
  install?: string;
  /** Build variant in use (wasm: `simd-threads`, `simd`, `scalar`; as: `as-simd`, `as-scalar`). */
  variant?: string;
  /** Threads its kernels use. */
  threads?: number;
  /** Built into cellkernels (true) or registered with registerBackend(). */
  builtin: boolean;
  /** On the trusted list (built-ins, `{ trusted: true }`, or settings.trustedBackends). */
  trusted: boolean;
  /** Place in the auto order (higher first), or null when auto never picks it. */
  priority: number | null;
  /** Kernels it implements (empty while unavailable). */
  kernels: string[];
  /** Kernels it lacks (calls fall back along the auto order, or raise with strict). */
  missing: string[];
  /** Option names it takes under backendOptions, when it declares them. */
  options?: readonly string[];
  /** Size threshold (stored values) below which auto does not pick it. */
  minWork?: number;
}

/** Trust as settings extend it; set by settings.ts (kept here to avoid an import cycle). */
let extraTrusted: () => readonly string[] = () => [];

/** Lets settings.ts supply `settings.trustedBackends`. */
export function setTrustSource(f: () => readonly string[]): void {
  extraTrusted = f;
}

/** Whether a backend is on the trusted list. */
export function isTrusted(e: Entry): boolean {
  return e.trusted || extraTrusted().includes(e.name);
}

/**
 * Every known backend with its state: built-ins first in auto order (cuda, wasm, as, js), then
 * third parties in registration order. A kernel a backend lacks is listed under `missing`.
 */
export function listBackends(): BackendStatus[] {
  return [...entries.values()].map((e) => {
    const kernels = e.backend ? KERNEL_NAMES.filter((k) => typeof e.backend!.kernels[k] === 'function') : [];
    const options = optionSchema(e);
    const minWork = minWorkOf(e);
    return {
      name: e.name,
      available: e.backend !== undefined,
      ...(e.backend ? {} : { reason: e.unavailable ?? 'not loaded' }),
      ...(e.backend || !installHint(e) ? {} : { install: installHint(e) }),
      ...(e.backend?.variant ? { variant: e.backend.variant } : {}),
      ...(e.backend?.threads ? { threads: e.backend.threads } : {}),
      builtin: e.builtin,
      trusted: isTrusted(e),
      priority: e.priority ?? null,
      kernels,
      missing: KERNEL_NAMES.filter((k: KernelName) => !kernels.includes(k)),
      ...(options ? { options } : {}),
      ...(minWork !== undefined ? { minWork } : {}),
    };
  });
}
