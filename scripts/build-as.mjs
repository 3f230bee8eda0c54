// Builds kernels-as into build/wasm/ck-as-simd.wasm and ck-as-scalar.wasm with asc.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const asc = path.join(root, 'node_modules', '.bin', 'asc');
const out = path.join(root, 'build', 'wasm');
mkdirSync(out, { recursive: true });

const common = [
  'kernels-as/assembly/index.ts',
  '--runtime', 'minimal',
  '--optimizeLevel', '3', '--shrinkLevel', '0', '--noAssert',
  '--initialMemory', '256', '--maximumMemory', '65536',
  '--use', 'abort=', // no env.abort import: errors are statuses, traps map to typed errors
];
const flavours = { 'ck-as-simd': ['--enable', 'simd'], 'ck-as-scalar': ['--disable', 'simd'] };
for (const [name, flags] of Object.entries(flavours)) {
  execFileSync(asc, [...common, ...flags, '--outFile', path.join(out, `${name}.wasm`)], { cwd: root, stdio: 'inherit' });
  console.log(`built ${name}.wasm`);
}
