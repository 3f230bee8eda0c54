/**
 * Where the compiled modules are. Each file is a literal `new URL(…, import.meta.url)`, the
 * pattern bundlers (Vite, webpack 5, Rollup, esbuild with plugins) follow to emit the asset;
 * nothing is fetched until the loader asks for that one file. The published bundle rewrites
 * the `../../build/wasm/` prefix to `./wasm/` (rollup.config.mjs).
 */
export type AssetFile =
  | 'ck-simd-threads.js'
  | 'ck-simd-threads.wasm'
  | 'ck-simd-threads.worker.js'
  | 'ck-simd.wasm'
  | 'ck-scalar.wasm'
  | 'ck-as-simd.wasm'
  | 'ck-as-scalar.wasm';

/** Default URL of an asset file, next to the library. */
export function defaultAssetUrl(file: AssetFile): URL {
  switch (file) {
    case 'ck-simd-threads.js':
      return new URL('../../build/wasm/ck-simd-threads.js', import.meta.url);
    case 'ck-simd-threads.wasm':
      return new URL('../../build/wasm/ck-simd-threads.wasm', import.meta.url);
    case 'ck-simd-threads.worker.js':
      return new URL('../../build/wasm/ck-simd-threads.worker.js', import.meta.url);
    case 'ck-simd.wasm':
      return new URL('../../build/wasm/ck-simd.wasm', import.meta.url);
    case 'ck-scalar.wasm':
      return new URL('../../build/wasm/ck-scalar.wasm', import.meta.url);
    case 'ck-as-simd.wasm':
      return new URL('../../build/wasm/ck-as-simd.wasm', import.meta.url);
    case 'ck-as-scalar.wasm':
      return new URL('../../build/wasm/ck-as-scalar.wasm', import.meta.url);
  }
}

/**
 * Asset locations: a base (URL or directory path, ending in `/` or not) under which all files
 * lie, or a map from file name to URL/path.
 */
export type WasmPaths = string | URL | Partial<Record<AssetFile, string | URL>>;

/** Resolves an asset through the user's `wasmPaths`, else the default. */
export function assetUrl(file: AssetFile, paths?: WasmPaths): URL | string {
  if (paths === undefined) return defaultAssetUrl(file);
  if (typeof paths === 'string' || paths instanceof URL) {
    const base = String(paths);
    return base.endsWith('/') ? base + file : `${base}/${file}`;
  }
  return paths[file] ?? defaultAssetUrl(file);
}
