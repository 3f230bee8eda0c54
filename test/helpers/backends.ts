/** Every compiled backend variant available on this machine, loaded side by side. */
import { createAsBackend } from '../../src/backends/as/index.js';
import type { Backend } from '../../src/backends/types.js';
import { createWasmBackend } from '../../src/backends/wasm/index.js';
import { loadVariant } from '../../src/runtime/load.js';
import type { KernelModule, Variant } from '../../src/runtime/module.js';

export interface LoadedVariant {
  label: string;
  variant: Variant;
  threads: number;
  module: KernelModule;
  backend: Backend;
}

/** simd-threads with 1, 2 and 3 threads, simd, scalar, and both AssemblyScript flavours. */
export async function loadAllVariants(): Promise<LoadedVariant[]> {
  const specs: [Variant, number][] = [
    ['simd-threads', 1],
    ['simd-threads', 2],
    ['simd-threads', 3],
    ['simd', 1],
    ['scalar', 1],
    ['as-simd', 1],
    ['as-scalar', 1],
  ];
  const out: LoadedVariant[] = [];
  for (const [variant, threads] of specs) {
    const module = await loadVariant(variant, { threads });
    const backend = variant.startsWith('as-') ? createAsBackend(module) : createWasmBackend(module);
    out.push({ label: variant === 'simd-threads' ? `${variant}×${threads}` : variant, variant, threads, module, backend });
  }
  return out;
}

/** Stops the worker pools so the test file ends promptly. */
export function shutdownAll(vs: LoadedVariant[]): void {
  for (const v of vs) v.module.shutdown();
}
