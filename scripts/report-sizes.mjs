// Prints each compiled module's size, raw and gzipped.
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const dir = process.argv[2] ?? 'build/wasm';
const rows = readdirSync(dir)
  .filter((f) => f.endsWith('.wasm') || f.endsWith('.js'))
  .sort()
  .map((f) => {
    const b = readFileSync(`${dir}/${f}`);
    return [f, b.length, gzipSync(b, { level: 9 }).length];
  });
const w = Math.max(...rows.map((r) => r[0].length));
console.log(`${'module'.padEnd(w)}  ${'raw'.padStart(9)}  ${'gzip'.padStart(9)}`);
for (const [f, raw, gz] of rows) {
  console.log(`${f.padEnd(w)}  ${(raw / 1024).toFixed(1).padStart(7)} K  ${(gz / 1024).toFixed(1).padStart(7)} K`);
}
const wasm = rows.filter((r) => r[0].endsWith('.wasm')).length;
console.log(`${wasm} wasm files (3 Emscripten variants + 2 AssemblyScript flavours expected)`);
if (wasm !== 5) process.exit(1);
