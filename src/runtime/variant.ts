import type { HostFacts, WasmFeatures } from './detect.js';
import type { Variant } from './module.js';

/** Emscripten variants, fastest first. */
export const WASM_VARIANTS = ['simd-threads', 'simd', 'scalar'] as const;
export type WasmVariant = (typeof WASM_VARIANTS)[number];
/** AssemblyScript flavours, fastest first. */
export const AS_VARIANTS = ['as-simd', 'as-scalar'] as const;
export type AsVariant = (typeof AS_VARIANTS)[number];

/** Which variant was chosen and why each faster one was not. */
export interface VariantChoice<V extends Variant> {
  variant: V;
  /** For each faster variant that was passed over: the reason. */
  notTaken: Partial<Record<Variant, string>>;
}

/** Why a wasm variant cannot run on this host, or undefined when it can. */
export function whyNot(variant: Variant, host: HostFacts, features: WasmFeatures, precompiled: boolean): string | undefined {
  if (variant === 'scalar' || variant === 'as-scalar') return undefined;
  if (!features.simd) return 'the engine has no WebAssembly SIMD';
  if (variant !== 'simd-threads') return undefined;
  if (precompiled) return 'a precompiled module was given (init({ module })): edge runtimes cannot start threads';
  // Host facts first: they say more than a failed feature probe (a non-isolated page also
  // fails the threads probe, because it has no SharedArrayBuffer).
  if (host.runtime !== 'node' && host.runtime !== 'bun' && host.runtime !== 'browser' && host.runtime !== 'worker') {
    return `the threaded build needs Node's worker_threads or a browser page or worker; this is ${host.runtime}`;
  }
  if (!host.crossOriginIsolated) {
    return 'the page is not crossOriginIsolated: serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp';
  }
  if (!host.canStartWorkers) return `this ${host.runtime} context cannot start workers`;
  if (!features.threads) return 'the engine has no WebAssembly threads (shared memory and atomics)';
  return undefined;
}

/**
 * Picks the fastest variant in `order` that runs here, or the forced one (which must run here).
 * Returns the reasons the faster ones were passed over.
 */
export function chooseVariant<V extends Variant>(
  order: readonly V[],
  host: HostFacts,
  features: WasmFeatures,
  options: { forced?: V; precompiled?: boolean } = {},
): VariantChoice<V> | { error: string } {
  const notTaken: Partial<Record<Variant, string>> = {};
  for (const v of order) {
    if (options.forced && v !== options.forced) {
      notTaken[v] = `variant ${options.forced} was requested`;
      continue;
    }
    const why = whyNot(v, host, features, options.precompiled ?? false);
    if (why === undefined) return { variant: v, notTaken };
    if (options.forced) return { error: `variant ${v} cannot run here: ${why}` };
    notTaken[v] = why;
  }
  return { error: 'no variant can run here' };
}
