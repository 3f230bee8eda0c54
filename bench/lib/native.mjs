/**
 * Loads the native build of the kernels (bench/native: the same C++ as the wasm variants,
 * compiled by g++ into a Node addon whose memory is one arena, exposed like a wasm module) as a
 * KernelModule, so that the wasm backend's adapters drive it unchanged.
 *
 *   const { mod, heapTop, exit } = loadNative('native' | 'native-sse4', threads, KernelModule);
 *
 * heapTop() is the arena's high-water mark; exit(code) ends the process without running static
 * destructors (see addon.cc). Build the addons first: node bench/native/build.mjs [sse4].
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { BENCH } from './datasets.mjs';

export function loadNative(config, threads, KernelModule) {
  const file = join(BENCH, 'native', 'build', config === 'native' ? 'ck_native.node' : 'ck_native_sse4.node');
  if (!existsSync(file)) throw new Error(`${file} is missing: run node bench/native/build.mjs${config === 'native' ? '' : ' sse4'}`);
  const addon = createRequire(import.meta.url)(file);
  const { buffer, symbols } = addon.init(2 ** 32 - 65536);
  const index = new Map(symbols.map((s, i) => [s, i]));
  const memory = { buffer };
  const fns = new Map();
  const raw = {
    memory: () => memory,
    fn: (name) => {
      if (!index.has(name)) return undefined;
      if (!fns.has(name)) {
        const i = index.get(name);
        fns.set(name, (...a) => addon.call(i, ...a));
      }
      return fns.get(name);
    },
  };
  const started = raw.fn('ck_set_threads')(threads);
  return { mod: new KernelModule(config, raw, symbols, started), heapTop: () => addon.heap().top, exit: (code) => addon.exit(code) };
}
