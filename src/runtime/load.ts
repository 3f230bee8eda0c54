import { ModuleLoadError } from '../errors.js';
import { type AssetFile, type WasmPaths, assetUrl } from './assets.js';
import { KernelModule, type RawModule, type Variant } from './module.js';

/** How to obtain a module's code. */
export interface LoadOptions {
  /** Asset locations (see WasmPaths). */
  wasmPaths?: WasmPaths;
  /** A precompiled module (required by Cloudflare Workers and Vercel edge). */
  module?: WebAssembly.Module;
  /** Threads in total for the simd-threads variant (default: the host's parallelism). */
  threads?: number;
}

const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

async function nodeImport<T>(name: string): Promise<T> {
  // Kept out of bundlers' static analysis: only Node reaches this.
  return (await import(/* @vite-ignore */ /* webpackIgnore: true */ name)) as T;
}

function toPath(u: URL | string): string | URL {
  return typeof u === 'string' && !/^[a-z]+:/i.test(u) ? u : new URL(String(u));
}

/** Reads an asset's bytes: the file system in Node, fetch elsewhere. */
async function readAsset(file: AssetFile, paths?: WasmPaths): Promise<Uint8Array> {
  const url = assetUrl(file, paths);
  try {
    if (isNode && (typeof url !== 'string' || !/^https?:/i.test(url)) && !(url instanceof URL && /^https?:/.test(url.protocol))) {
      const fs = await nodeImport<typeof import('node:fs/promises')>('node:fs/promises');
      return new Uint8Array(await fs.readFile(toPath(url)));
    }
    const res = await fetch(String(url));
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    throw new ModuleLoadError(
      `could not read ${file} from ${String(url)}: ${(e as Error).message}. ` +
        'Build it (npm run build) or point init({ wasmPaths }) at the folder holding the .wasm files',
    );
  }
}

/** Imports for a standalone Emscripten module: it needs only no-op notifications. */
function stubImports(mod: WebAssembly.Module): WebAssembly.Imports {
  const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
  for (const imp of WebAssembly.Module.imports(mod)) {
    if (imp.kind !== 'function') throw new ModuleLoadError(`unexpected import ${imp.module}.${imp.name} (${imp.kind})`);
    const ns = (imports[imp.module] ??= {});
    ns[imp.name] =
      imp.name === 'emscripten_notify_memory_growth'
        ? () => {}
        : () => {
            throw new ModuleLoadError(`the module called ${imp.module}.${imp.name}, which cellkernels does not provide`);
          };
  }
  return imports;
}

async function compile(file: AssetFile, options: LoadOptions): Promise<WebAssembly.Module> {
  if (options.module) return options.module;
  const bytes = await readAsset(file, options.wasmPaths);
  try {
    return await WebAssembly.compile(bytes as BufferSource);
  } catch (e) {
    throw new ModuleLoadError(`could not compile ${file}: ${(e as Error).message}`);
  }
}

/** Instantiates a module without glue: Emscripten standalone or AssemblyScript. */
async function loadPlain(variant: Variant, file: AssetFile, options: LoadOptions): Promise<KernelModule> {
  const mod = await compile(file, options);
  const instance = await WebAssembly.instantiate(mod, stubImports(mod));
  const ex = instance.exports as Record<string, unknown>;
  if (typeof ex._initialize === 'function') (ex._initialize as () => void)();
  const memory = ex.memory as WebAssembly.Memory;
  const raw: RawModule = {
    memory: () => memory,
    fn: (name) => (typeof ex[name] === 'function' ? (ex[name] as (...a: number[]) => number) : undefined),
  };
  return new KernelModule(variant, raw, Object.keys(ex), 1);
}

interface EmscriptenThreadsModule {
  wasmMemory: WebAssembly.Memory;
  PThread: PThreadPool;
  [k: string]: unknown;
}
/** The part of Emscripten's PThread object that holds the pool's workers. */
export interface PThreadPool {
  unusedWorkers: WorkerLike[];
  runningWorkers: WorkerLike[];
}
interface WorkerLike {
  unref?: () => void;
  terminate(): unknown;
}

/**
 * Stops every worker of the pool, idle or running a thread, and frees nothing.
 *
 * Not `PThread.terminateAllThreads()`: Emscripten 3.1.6 first frees each running thread's
 * stack and control block, then terminates its worker. A worker that runs in between (one
 * still starting its thread, or one waking from the pool's condition wait, which wakes every
 * 100 ms to check for cancellation) reads freed memory and traps, and the trap reaches the
 * host as an uncaught exception (seen once in CI, during init.test.ts). Nothing needs freeing:
 * the module is dropped with its memory.
 */
export function stopPool(pool: PThreadPool): void {
  for (const w of poolWorkers(pool)) w.terminate();
}

/** Every worker of the pool, idle or running a thread. */
function poolWorkers(pool: PThreadPool): WorkerLike[] {
  return [...pool.unusedWorkers, ...pool.runningWorkers];
}
type Factory = (m: Record<string, unknown>) => Promise<EmscriptenThreadsModule>;

async function glueFactory(options: LoadOptions): Promise<{ factory: Factory; locate: (p: string) => string; script: string }> {
  const glue = assetUrl('ck-simd-threads.js', options.wasmPaths);
  if (isNode) {
    const { createRequire } = await nodeImport<typeof import('node:module')>('node:module');
    const { fileURLToPath } = await nodeImport<typeof import('node:url')>('node:url');
    const path = await nodeImport<typeof import('node:path')>('node:path');
    const gluePath = typeof glue === 'string' && !/^file:/.test(glue) ? glue : fileURLToPath(String(glue));
    const require = createRequire(import.meta.url);
    const factory = require(gluePath) as Factory;
    const worker = assetUrl('ck-simd-threads.worker.js', options.wasmPaths);
    const workerPath = typeof worker === 'string' && !/^file:/.test(worker) ? worker : fileURLToPath(String(worker));
    return { factory, locate: (p) => (p.endsWith('.worker.js') ? workerPath : path.join(path.dirname(gluePath), p)), script: gluePath };
  }
  // Browsers and workers: the glue is a classic script that defines CellKernelsThreads.
  const g = globalThis as Record<string, unknown>;
  const src = String(glue);
  if (typeof g.CellKernelsThreads !== 'function') {
    if (typeof g.document === 'object') {
      const doc = g.document as Document;
      await new Promise<void>((resolve, reject) => {
        const s = doc.createElement('script');
        s.src = src;
        s.onload = () => resolve();
        s.onerror = () => reject(new ModuleLoadError(`could not load ${src}`));
        doc.head.appendChild(s);
      });
    } else if (typeof g.importScripts === 'function') {
      (g.importScripts as (u: string) => void)(src);
    } else {
      throw new ModuleLoadError('the simd-threads variant needs a page or a worker that can load scripts');
    }
  }
  const worker = String(assetUrl('ck-simd-threads.worker.js', options.wasmPaths));
  const base = src.slice(0, src.lastIndexOf('/') + 1);
  return { factory: g.CellKernelsThreads as Factory, locate: (p) => (p.endsWith('.worker.js') ? worker : base + p), script: src };
}

/** Default thread count: the host's parallelism. */
export async function defaultThreads(): Promise<number> {
  if (isNode) {
    const os = await nodeImport<typeof import('node:os')>('node:os');
    return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
  }
  return Math.max(1, (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1);
}

/** Instantiates the Emscripten pthreads build with a pool of `threads - 1` workers. */
async function loadThreads(options: LoadOptions): Promise<KernelModule> {
  const threads = Math.max(1, Math.floor(options.threads ?? (await defaultThreads())));
  const [{ factory, locate, script }, wasmBinary] = await Promise.all([
    glueFactory(options),
    readAsset('ck-simd-threads.wasm', options.wasmPaths),
  ]);
  let M: EmscriptenThreadsModule;
  try {
    M = await factory({
      // Emscripten 3.1.6 never resolves with an empty pool: keep at least one (idle) worker.
      ckPoolSize: Math.max(1, threads - 1),
      wasmBinary,
      locateFile: locate,
      mainScriptUrlOrBlob: script,
      print: () => {},
      // On a page's main thread the synchronous kernels wait for their workers by spinning
      // (browsers forbid Atomics.wait there); Emscripten's generic warning about it is noise.
      printErr: (s: string) => {
        if (!/Blocking on the main thread is very dangerous/.test(s)) console.warn(`[cellkernels] ${s}`);
      },
    });
  } catch (e) {
    throw new ModuleLoadError(`could not start the simd-threads module: ${(e as Error).message ?? e}`);
  }
  const raw: RawModule = {
    memory: () => M.wasmMemory,
    fn: (name) => (typeof M[`_${name}`] === 'function' ? (M[`_${name}`] as (...a: number[]) => number) : undefined),
  };
  const symbols = Object.keys(M).filter((k) => k.startsWith('_ck_')).map((k) => k.slice(1));
  const started = raw.fn('ck_set_threads')!(threads);
  if (started < 1) throw new ModuleLoadError(`could not start ${threads} threads (status ${started})`);
  // Idle pool workers must not keep a Node process alive: the script exits when its work is done.
  for (const w of poolWorkers(M.PThread)) w.unref?.();
  return new KernelModule('simd-threads', raw, symbols, started, () => stopPool(M.PThread));
}

const FILES: Record<Exclude<Variant, 'simd-threads'>, AssetFile> = {
  simd: 'ck-simd.wasm',
  scalar: 'ck-scalar.wasm',
  'as-simd': 'ck-as-simd.wasm',
  'as-scalar': 'ck-as-scalar.wasm',
};

/** Loads one variant; only that variant's files are read. */
export function loadVariant(variant: Variant, options: LoadOptions = {}): Promise<KernelModule> {
  if (variant === 'simd-threads') return loadThreads(options);
  return loadPlain(variant, FILES[variant], options);
}
