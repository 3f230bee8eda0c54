import type { KernelModule } from '../../runtime/module.js';
import type { Backend, KernelName } from '../types.js';
import { type AbiKernel, createAbiBackend } from './abi.js';
import { log1pKernel } from './log1p.js';
import { sumKernel } from './sum.js';

/** Every C ABI adapter; a slim build can import fewer. */
export const ABI_KERNELS: readonly AbiKernel<KernelName>[] = [log1pKernel, sumKernel] as AbiKernel<KernelName>[];

/** The `wasm` backend over an Emscripten module (simd-threads, simd or scalar). */
export function createWasmBackend(mod: KernelModule): Backend {
  return createAbiBackend('wasm', mod, ABI_KERNELS);
}
