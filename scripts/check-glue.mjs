// Checks that the Emscripten glue (ck-simd-threads.js) provides every import of its .wasm.
// Emscripten minifies import names in both files; a link whose JS step did not apply the
// renaming produces a module that fails at instantiation ("function import requires a
// callable"). Exit 1 names the missing imports.
import { readFileSync } from 'node:fs';

const dir = process.argv[2] ?? 'build/wasm';
const js = readFileSync(`${dir}/ck-simd-threads.js`, 'utf8');
const mod = new WebAssembly.Module(readFileSync(`${dir}/ck-simd-threads.wasm`));
const m = js.match(/var asmLibraryArg=\{([^}]*)\}/);
if (!m) {
  console.error('check-glue: no asmLibraryArg in the glue');
  process.exit(1);
}
const keys = new Set([...m[1].matchAll(/"([^"]+)":/g)].map((x) => x[1]));
const missing = WebAssembly.Module.imports(mod).filter((i) => !keys.has(i.name)).map((i) => `${i.module}.${i.name}`);
if (missing.length) {
  console.error(`check-glue: the glue lacks ${missing.length} import(s) of the wasm: ${missing.slice(0, 8).join(', ')}`);
  process.exit(1);
}
console.log(`check-glue: ck-simd-threads glue provides all ${WebAssembly.Module.imports(mod).length} imports`);
