import { simd as detectSimd, threads as detectThreads } from 'wasm-feature-detect';

/** Facts about the JavaScript host that decide which build can run. */
export interface HostFacts {
  /** node, deno, bun, a browser page, a web/service worker, or an edge runtime (workerd, Vercel). */
  runtime: 'node' | 'deno' | 'bun' | 'browser' | 'worker' | 'edge' | 'unknown';
  /** `crossOriginIsolated` (pages need COOP/COEP headers for SharedArrayBuffer). Always true in Node. */
  crossOriginIsolated: boolean;
  /** Whether threads can be started: Node's worker_threads, or `Worker` in browsers. */
  canStartWorkers: boolean;
  /** Logical CPUs reported by the host (1 when unknown). */
  hardwareConcurrency: number;
}

/** WebAssembly features of the engine. */
export interface WasmFeatures {
  simd: boolean;
  threads: boolean;
}

const g = globalThis as Record<string, unknown>;

/** Reads host facts without touching anything. */
export function detectHost(): HostFacts {
  const proc = g.process as { versions?: Record<string, string> } | undefined;
  const nav = g.navigator as { hardwareConcurrency?: number; userAgent?: string } | undefined;
  let runtime: HostFacts['runtime'] = 'unknown';
  if (typeof g.Deno === 'object') runtime = 'deno';
  else if (typeof g.Bun === 'object') runtime = 'bun';
  else if (proc?.versions?.node && typeof g.EdgeRuntime === 'undefined') runtime = 'node';
  else if (typeof g.EdgeRuntime === 'string' || nav?.userAgent === 'Cloudflare-Workers') runtime = 'edge';
  else if (typeof g.document === 'object') runtime = 'browser';
  else if (typeof g.importScripts === 'function' || typeof g.WorkerGlobalScope === 'function') runtime = 'worker';
  const isolated = runtime === 'node' || runtime === 'bun' || g.crossOriginIsolated === true;
  const canStartWorkers =
    runtime === 'node' || runtime === 'bun' || ((runtime === 'browser' || runtime === 'worker') && typeof g.Worker === 'function');
  let cores = nav?.hardwareConcurrency ?? 1;
  if (runtime === 'node' && !nav?.hardwareConcurrency) cores = 1;
  return { runtime, crossOriginIsolated: isolated, canStartWorkers, hardwareConcurrency: Math.max(1, cores) };
}

/** Probes the engine's SIMD and threads support with wasm-feature-detect. */
export async function detectFeatures(): Promise<WasmFeatures> {
  const [simd, threads] = await Promise.all([detectSimd(), detectThreads().catch(() => false)]);
  return { simd, threads };
}
