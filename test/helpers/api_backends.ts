/**
 * Runs public API calls (`ck.qcMetrics(X, { backend })`, …) on each backend of a test: the js
 * reference, every loaded wasm / AssemblyScript variant and, where it is built, the emulated
 * CUDA addon. A variant is installed under its backend name for the duration of one call
 * batch, so the API's own conversions (toCsr of a CSC input, …) run in that backend too.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CUDA_ADDON_FILES, loadCuda } from '../../src/backends/cuda/index.js';
import { jsBackend } from '../../src/backends/js/index.js';
import type { Backend } from '../../src/backends/types.js';
import { installBackend, markUnavailable } from '../../src/dispatch/index.js';
import type { LoadedVariant } from './backends.js';

/** One backend as the API reaches it. */
export interface ApiBackend {
  label: string;
  backend: Backend;
}

/** The emulated CUDA backend when its addon is built (undefined otherwise). */
export async function loadCudaEmu(): Promise<Backend | undefined> {
  if (!existsSync(fileURLToPath(new URL(`../../${CUDA_ADDON_FILES.emulated}`, import.meta.url)))) return undefined;
  const r = await loadCuda({ variant: 'emulated' });
  if (!r.ok) throw new Error(`the emulated CUDA addon is built but did not load: ${r.reason}`);
  return r.backend;
}

/** js, every variant, and the extra backends given (e.g. cuda-emu) that implement `kernel`. */
export function apiBackends(variants: readonly LoadedVariant[], kernel: keyof Backend['kernels'], extra: readonly (Backend | undefined)[] = []): ApiBackend[] {
  const out: ApiBackend[] = [{ label: 'js', backend: jsBackend }, ...variants.map((v) => ({ label: v.label, backend: v.backend }))];
  for (const b of extra) if (b && typeof b.kernels[kernel] === 'function') out.push({ label: `${b.name}-${b.variant ?? ''}`, backend: b });
  return out;
}

/** Runs `fn(name)` with `b` installed under its name (js needs nothing), then marks the name not initialised again. */
export function viaApi<R>(b: ApiBackend, fn: (name: string) => R): R {
  if (b.backend === jsBackend) return fn('js');
  installBackend(b.backend);
  try {
    return fn(b.backend.name);
  } finally {
    markUnavailable(b.backend.name, 'not initialised: call `await init()` first');
  }
}
