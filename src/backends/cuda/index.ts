/**
 * The optional CUDA backend: a native addon (kernels-cpp/cuda, N-API) for Linux, driven by the
 * same C ABI adapters as the wasm and AssemblyScript modules, with device-resident handles.
 *
 * Nothing here runs at import time: init() calls loadCuda(), which only then looks for the addon
 * file, `require`s it (Node only, never in browsers or edge runtimes) and asks it whether a
 * driver and a device exist. Every way it can fail becomes a precise reason for listBackends()
 * and BackendUnavailableError: not Node, not Linux, not built, cannot be loaded, no driver,
 * driver too old, no device.
 * @module
 */
import { CUDA_MIN_WORK } from '../../dispatch/registry.js';
import { InvalidOptionError } from '../../errors.js';
import { detectHost } from '../../runtime/detect.js';
import { uploadCsr } from '../../runtime/handles.js';
import type { Backend, BackendCallOptions, KernelName, KernelSignatures } from '../types.js';
import { ABI_KERNELS } from '../wasm/index.js';
import { type CudaAddon, CudaModule, type CudaVariant } from './module.js';

export { type CudaAddon, type CudaDeviceInfo, CudaError, CudaModule, type CudaProbe, type CudaVariant } from './module.js';

/** Where each build's addon lies, relative to the package root. */
export const CUDA_ADDON_FILES: Readonly<Record<CudaVariant, string>> = {
  device: 'build/cuda/Release/ck_cuda.node',
  emulated: 'build/cuda-emu/Release/ck_cuda_emu.node',
};

/** Options of loadCuda(). */
export interface LoadCudaOptions {
  /** Which build (default `device`; `emulated` is for tests and CI: slow, but needs no GPU). */
  variant?: CudaVariant;
  /** Path of the .node file (default: the package's build folder; also `CELLKERNELS_CUDA_ADDON`). */
  path?: string;
  /** CUDA device ordinal (default 0; also `CELLKERNELS_CUDA_DEVICE`). */
  device?: number;
}

/** What loadCuda() found: a backend, or why there is none. */
export type CudaLoadResult = { ok: true; backend: Backend; module: CudaModule } | { ok: false; reason: string };

interface NodeProcess {
  platform?: string;
  env?: Record<string, string | undefined>;
}

const proc = (): NodeProcess | undefined => (globalThis as { process?: NodeProcess }).process;

async function nodeImport<T>(name: string): Promise<T> {
  // Kept out of bundlers' static analysis: only Node on Linux reaches this.
  return (await import(/* @vite-ignore */ /* webpackIgnore: true */ name)) as T;
}

/** Why this host cannot run the addon at all (undefined: Node on Linux). */
export function cudaHostReason(runtime: string): string | undefined {
  if (runtime !== 'node') return `the CUDA addon needs Node on Linux; this is ${runtime}`;
  const platform = proc()?.platform;
  if (platform !== 'linux') return `the CUDA addon is built for Linux only; this is ${platform}`;
  return undefined;
}

/** The addon file: the explicit path, else the first build folder that has it (source tree or package). */
async function findAddon(variant: CudaVariant, explicit: string | undefined): Promise<{ path?: string; looked: string[] }> {
  const fs = await nodeImport<typeof import('node:fs')>('node:fs');
  const { fileURLToPath } = await nodeImport<typeof import('node:url')>('node:url');
  if (explicit) return { path: fs.existsSync(explicit) ? explicit : undefined, looked: [explicit] };
  // The package root: three levels above src/backends/cuda/ (sources), one above dist/ (bundle).
  const isRoot = (up: string) => {
    try {
      return (JSON.parse(fs.readFileSync(fileURLToPath(new URL(`${up}package.json`, import.meta.url)), 'utf8')) as { name?: string }).name === 'cellkernels';
    } catch {
      return false;
    }
  };
  const roots = ['../', '../../../'].filter(isRoot);
  const looked = (roots.length ? roots : ['../']).map((up) => fileURLToPath(new URL(up + CUDA_ADDON_FILES[variant], import.meta.url)));
  return { path: looked.find((p) => fs.existsSync(p)), looked };
}

function deviceOption(value: unknown, where: string): number {
  const d = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
    throw new InvalidOptionError(`${where}: the CUDA device must be a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return d;
}

/**
 * Loads the CUDA addon and returns the `cuda` backend, or the reason it cannot run here (a
 * missing addon, driver or device, a malformed device ordinal). Never throws.
 */
export async function loadCuda(options: LoadCudaOptions = {}): Promise<CudaLoadResult> {
  const variant = options.variant ?? 'device';
  const hostReason = cudaHostReason(detectHost().runtime);
  if (hostReason) return { ok: false, reason: hostReason };
  const env = proc()?.env ?? {};
  let device: number;
  try {
    device = deviceOption(options.device ?? env.CELLKERNELS_CUDA_DEVICE ?? 0, 'CELLKERNELS_CUDA_DEVICE / loadCuda({ device })');
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
  const found = await findAddon(variant, options.path ?? env.CELLKERNELS_CUDA_ADDON);
  if (!found.path) {
    const how = variant === 'device' ? '`npm run build:cuda` in the cellkernels package (Linux with nvcc)' : '`npm run build:cuda-emu` in the cellkernels package';
    return { ok: false, reason: `the CUDA addon is not built (no ${found.looked[0]}): run ${how}` };
  }
  let addon: CudaAddon;
  try {
    const { createRequire } = await nodeImport<typeof import('node:module')>('node:module');
    addon = createRequire(import.meta.url)(found.path) as CudaAddon;
  } catch (e) {
    return { ok: false, reason: `the CUDA addon ${found.path} cannot be loaded: ${(e as Error).message.split('\n')[0]}` };
  }
  const probe = addon.probe();
  if (probe.code !== 'ok') return { ok: false, reason: probe.message };
  if (device >= probe.devices) {
    return { ok: false, reason: `CUDA device ${device} does not exist: this machine has ${probe.devices} (CELLKERNELS_CUDA_DEVICE)` };
  }
  try {
    if (device !== 0) addon.setDevice(device);
    const module = new CudaModule(addon, addon.info());
    return { ok: true, backend: createCudaBackend(module), module };
  } catch (e) {
    return { ok: false, reason: `CUDA cannot start on device ${device}: ${(e as Error).message}` };
  }
}

/** The option names of the cuda backend under `backendOptions.cuda`. */
export const CUDA_OPTIONS = ['device'] as const;

/**
 * The `cuda` backend over a loaded addon: every C ABI adapter whose symbols the addon exports
 * (the same adapters as wasm), `upload` into device memory, auto only above CUDA_MIN_WORK stored
 * values. `backendOptions.cuda.device` must name the device the module runs on (one device per
 * process in this version; choose it with CELLKERNELS_CUDA_DEVICE or loadCuda({ device })).
 */
export function createCudaBackend(mod: CudaModule): Backend {
  const kernels: Partial<KernelSignatures> = {};
  for (const a of ABI_KERNELS) {
    if (!mod.has(...a.symbols)) continue;
    const impl = a.impl(mod) as unknown as (x: unknown, args: unknown) => unknown;
    const name = a.name;
    (kernels as Record<KernelName, unknown>)[name] = (x: unknown, args: unknown, bo?: BackendCallOptions) => {
      if (bo?.device !== undefined && deviceOption(bo.device, `${name}: backendOptions.cuda.device`) !== mod.device.device) {
        throw new InvalidOptionError(
          `${name}: backendOptions.cuda.device is ${String(bo.device)}, but the cuda backend runs on device ${mod.device.device} ` +
            '(one device per process in this version: set CELLKERNELS_CUDA_DEVICE before init())',
        );
      }
      return impl(x, args);
    };
  }
  const variant: CudaVariant = mod.cudaVariant;
  return {
    name: 'cuda',
    variant,
    kernels,
    upload: (x) => uploadCsr('cuda', mod, x),
    options: CUDA_OPTIONS,
    minWork: CUDA_MIN_WORK,
  };
}
