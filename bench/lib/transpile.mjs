/**
 * Transpiles src/**\/*.ts to bench/.build/src/**\/*.js (TypeScript's transpileModule: no type
 * check, ~1 s) so that the harness can reach the internals that the published bundle does not
 * export (loadVariant, KernelModule, createWasmBackend, installBackend) from the same module
 * graph as the public API. The compiled .wasm files are taken from build/wasm/ (npm run build).
 * Only files whose source changed are rewritten.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { BENCH, REPO } from './datasets.mjs';

export const BUILD = join(BENCH, '.build');

export function transpileSrc() {
  const require = createRequire(join(REPO, 'package.json'));
  const ts = require('typescript');
  const srcDir = join(REPO, 'src');
  let n = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) {
        const out = join(BUILD, 'src', relative(srcDir, p)).replace(/\.ts$/, '.js');
        if (existsSync(out) && statSync(out).mtimeMs >= statSync(p).mtimeMs) continue;
        const r = ts.transpileModule(readFileSync(p, 'utf8'), {
          fileName: p,
          compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false, importHelpers: false },
        });
        mkdirSync(dirname(out), { recursive: true });
        writeFileSync(out, r.outputText);
        n++;
      }
    }
  };
  walk(srcDir);
  return n;
}
