// Bundles src/ into ESM + CJS with type declarations, and copies the compiled modules.
import { copyFileSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

// Chunks sit beside the entries (not in a subfolder): the asset URLs are relative to them.
const entries = { index: 'src/index.ts', testing: 'src/testing/index.ts', cli: 'src/cli/index.ts', io: 'src/io/index.ts' };
const external = (id) => id === 'wasm-feature-detect' || id === 'h5wasm' || id.startsWith('h5wasm/') || id.startsWith('node:');

/**
 * Small third-party modules compiled into the bundle rather than imported at run time:
 * delaunator (ISC) and its robust-predicates (Unlicense) are ESM-only, so importing them from
 * dist/*.cjs would need require(esm) (Node ≥ 20.19) even for users who never triangulate.
 * Their licences go to dist/THIRD_PARTY_LICENSES.md.
 */
const BUNDLED = ['delaunator', 'robust-predicates'];
const requireHere = createRequire(import.meta.url);
const bundleDeps = () => ({
  name: 'cellkernels-bundle-deps',
  resolveId(id) {
    return BUNDLED.includes(id) ? requireHere.resolve(id) : null;
  },
  writeBundle() {
    const parts = BUNDLED.map((name) => {
      const dir = path.dirname(requireHere.resolve(name)); // both keep index.js at the package root
      const { version, license } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      return `## ${name} ${version} (${license})\n\n${readFileSync(path.join(dir, 'LICENSE'), 'utf8').trim()}\n`;
    });
    writeFileSync('dist/THIRD_PARTY_LICENSES.md', `# Third-party code compiled into this bundle\n\n${parts.join('\n')}`);
  },
});

/** The sources point at build/wasm/ (tests run from src/); the bundle sits beside dist/wasm/. */
const assetPaths = () => ({
  name: 'cellkernels-asset-paths',
  transform(code, id) {
    if (!id.endsWith(path.join('runtime', 'assets.ts'))) return null;
    return { code: code.replaceAll("'../../build/wasm/", "'./wasm/"), map: null };
  },
});

/** Copies build/wasm/* to dist/wasm/ (the files the asset URLs name). */
const copyWasm = () => ({
  name: 'cellkernels-copy-wasm',
  writeBundle() {
    const from = 'build/wasm';
    const to = 'dist/wasm';
    mkdirSync(to, { recursive: true });
    for (const f of readdirSync(from)) {
      if (statSync(path.join(from, f)).isFile()) copyFileSync(path.join(from, f), path.join(to, f));
    }
  },
});

export default [
  {
    input: entries,
    external,
    plugins: [bundleDeps(), assetPaths(), typescript({ tsconfig: './tsconfig.build.json' }), copyWasm()],
    output: [
      { dir: 'dist', format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js', sourcemap: true },
      { dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: '[name]-[hash].cjs', sourcemap: true, exports: 'named' },
    ],
  },
  {
    input: entries,
    external,
    plugins: [dts({ tsconfig: './tsconfig.build.json' })],
    output: { dir: 'dist', format: 'es', entryFileNames: '[name].d.ts', chunkFileNames: '[name]-[hash].d.ts' },
  },
];
