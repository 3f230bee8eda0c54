import type { KernelModule } from '../../runtime/module.js';
import type { Backend } from '../types.js';
import { createAbiBackend } from '../wasm/abi.js';
import { ABI_KERNELS } from '../wasm/index.js';

/** The `as` backend: the AssemblyScript module, driven by the same C ABI adapters as wasm. */
export function createAsBackend(mod: KernelModule): Backend {
  return createAbiBackend('as', mod, ABI_KERNELS);
}
