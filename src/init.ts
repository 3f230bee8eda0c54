import { createAsBackend } from './backends/as/index.js';
import { loadCuda } from './backends/cuda/index.js';
import { createWasmBackend } from './backends/wasm/index.js';
import { installBackend, listBackends, markUnavailable } from './dispatch/index.js';
import { InvalidOptionError } from './errors.js';
import type { WasmPaths } from './runtime/assets.js';
import { type HostFacts, type WasmFeatures, detectFeatures, detectHost } from './runtime/detect.js';
import { defaultThreads, loadVariant } from './runtime/load.js';
import type { KernelModule, Variant } from './runtime/module.js';
import { AS_VARIANTS, type AsVariant, WASM_VARIANTS, type WasmVariant, chooseVariant } from './runtime/variant.js';

/** Options of init(). */
export interface InitOptions {
  /** Force a wasm variant (`simd-threads`, `simd`, `scalar`); also `CELLKERNELS_VARIANT`. */
  variant?: WasmVariant;
  /** Threads in total for simd-threads (default: the host's parallelism). */
  threads?: number;
  /** Where the .wasm/.js assets are (a base URL/folder, or a map per file). */
  wasmPaths?: WasmPaths;
  /**
   * Precompiled modules, for runtimes that forbid compiling bytes (Cloudflare Workers, Vercel
   * edge): the Emscripten `ck-simd.wasm` or `ck-scalar.wasm` as `module` (or `{ wasm, as }`).
   */
  module?: WebAssembly.Module | { wasm?: WebAssembly.Module; as?: WebAssembly.Module };
  /**
   * Which compiled backends to load (default all three: `wasm`, `as`, and `cuda`, the optional
   * Linux addon, which loads only when it is built and a CUDA device exists).
   */
  backends?: ReadonlyArray<'wasm' | 'as' | 'cuda'>;
}

/** What init() chose and why. */
export interface RuntimeInfo {
  /** Backend that `auto` uses for kernels the wasm module implements. */
  backend: string;
  /** wasm variant in use, or null when wasm could not load. */
  variant: WasmVariant | null;
  /** AssemblyScript flavour in use, or null. */
  asVariant: AsVariant | null;
  simd: boolean;
  threads: number;
  /** Highway target of the wasm module. */
  simdTarget: string | null;
  host: HostFacts;
  features: WasmFeatures;
  /** For every faster option that was not taken: why. */
  notTaken: Partial<Record<Variant, string>>;
  backends: ReturnType<typeof listBackends>;
}

const INIT_KEYS = ['variant', 'threads', 'wasmPaths', 'module', 'backends'];

let state: { info: RuntimeInfo; modules: KernelModule[] } | undefined;
let pending: Promise<RuntimeInfo> | undefined;

function envVariant(): string | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const deno = (globalThis as { Deno?: { env?: { get(k: string): string | undefined } } }).Deno;
  try {
    return proc?.env?.CELLKERNELS_VARIANT ?? deno?.env?.get('CELLKERNELS_VARIANT');
  } catch {
    return undefined; // Deno without --allow-env
  }
}

function checkInitOptions(o: InitOptions): void {
  for (const k of Object.keys(o)) {
    if (!INIT_KEYS.includes(k)) throw new InvalidOptionError(`init: unknown option "${k}"; valid options: ${INIT_KEYS.join(', ')}`);
  }
  if (o.variant !== undefined && !WASM_VARIANTS.includes(o.variant)) {
    throw new InvalidOptionError(`init: variant must be one of ${WASM_VARIANTS.join(', ')}, got "${o.variant}"`);
  }
  if (o.threads !== undefined && !(Number.isInteger(o.threads) && o.threads >= 1 && o.threads <= 64)) {
    throw new InvalidOptionError(`init: threads must be an integer in [1, 64], got ${o.threads}`);
  }
}

async function doInit(options: InitOptions): Promise<RuntimeInfo> {
  checkInitOptions(options);
  const host = detectHost();
  const features = await detectFeatures();
  const forced = (options.variant ?? envVariant()) as WasmVariant | undefined;
  if (forced !== undefined && !WASM_VARIANTS.includes(forced)) {
    throw new InvalidOptionError(`CELLKERNELS_VARIANT must be one of ${WASM_VARIANTS.join(', ')}, got "${forced}"`);
  }
  const pre = options.module instanceof WebAssembly.Module ? { wasm: options.module } : (options.module ?? {});
  const which = options.backends ?? ['wasm', 'as', 'cuda'];
  const modules: KernelModule[] = [];
  const notTaken: Partial<Record<Variant, string>> = {};
  let variant: WasmVariant | null = null;
  let asVariant: AsVariant | null = null;
  let threads = 1;
  let simdTarget: string | null = null;

  if (which.includes('wasm')) {
    const choice = chooseVariant(WASM_VARIANTS, host, features, { forced, precompiled: pre.wasm !== undefined });
    if ('error' in choice) {
      markUnavailable('wasm', choice.error);
    } else {
      Object.assign(notTaken, choice.notTaken);
      const mod = await loadVariant(choice.variant, {
        wasmPaths: options.wasmPaths,
        module: pre.wasm,
        threads: options.threads ?? (choice.variant === 'simd-threads' ? await defaultThreads() : 1),
      });
      modules.push(mod);
      variant = choice.variant;
      threads = mod.threads;
      simdTarget = mod.simdTarget;
      installBackend(createWasmBackend(mod));
    }
  } else markUnavailable('wasm', 'not loaded: init({ backends }) left it out');

  if (which.includes('as')) {
    const choice = chooseVariant(AS_VARIANTS, host, features, {});
    if ('error' in choice) markUnavailable('as', choice.error);
    else {
      const mod = await loadVariant(choice.variant, { wasmPaths: options.wasmPaths, module: pre.as });
      modules.push(mod);
      asVariant = choice.variant;
      Object.assign(notTaken, choice.notTaken);
      installBackend(createAsBackend(mod));
    }
  } else markUnavailable('as', 'not loaded: init({ backends }) left it out');
  if (which.includes('cuda')) {
    // Node on Linux only: looks for the built addon, loads it, asks for a driver and a device.
    const cuda = await loadCuda();
    if (cuda.ok) installBackend(cuda.backend);
    else markUnavailable('cuda', cuda.reason);
  } else markUnavailable('cuda', 'not loaded: init({ backends }) left it out');

  const info: RuntimeInfo = {
    backend: variant ? 'wasm' : asVariant ? 'as' : 'js',
    variant,
    asVariant,
    simd: features.simd,
    threads,
    simdTarget,
    host,
    features,
    notTaken,
    backends: listBackends(),
  };
  state = { info, modules };
  return info;
}

/**
 * Loads the compiled backends: detects SIMD and threads, picks the fastest wasm variant that
 * runs here (or the one forced by `variant` / `CELLKERNELS_VARIANT`), reads only that
 * variant's files, and registers the `wasm` and `as` backends. Safe to call more than once:
 * later calls return the first result unless shutdown() ran in between.
 */
export function init(options: InitOptions = {}): Promise<RuntimeInfo> {
  pending ??= doInit(options).catch((e) => {
    pending = undefined;
    throw e;
  });
  return pending;
}

/** What init() chose and why (with live backend states); undefined before init(). */
export function info(): RuntimeInfo | undefined {
  return state ? { ...state.info, backends: listBackends() } : undefined;
}

/**
 * Stops worker threads and forgets the loaded modules. Optional: a Node process exits on its
 * own when its work is done. Call init() again to reload.
 */
export function shutdown(): void {
  for (const m of state?.modules ?? []) m.shutdown();
  state = undefined;
  pending = undefined;
  markUnavailable('wasm', 'shut down: call `await init()` again');
  markUnavailable('as', 'shut down: call `await init()` again');
  markUnavailable('cuda', 'shut down: call `await init()` again');
}

/** Loaded modules (for tests and benchmarks: transfer counters, heap size). */
export function loadedModules(): readonly KernelModule[] {
  return state?.modules ?? [];
}
