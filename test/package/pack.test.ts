import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'ck-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 });

describe('npm pack yields a package a fresh project installs and uses from Node', () => {
  it('packs, installs into an empty project, and runs from ESM, CJS, the testing entry and the bin', () => {
    npm(['pack', '--pack-destination', work, '--silent'], ROOT);
    const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
    expect(tgz).toBeDefined();
    const listing = execFileSync('tar', ['-tzf', path.join(work, tgz!)], { encoding: 'utf8' });
    for (const f of ['ck-simd-threads.wasm', 'ck-simd-threads.js', 'ck-simd-threads.worker.js', 'ck-simd.wasm', 'ck-scalar.wasm', 'ck-as-simd.wasm', 'ck-as-scalar.wasm']) {
      expect(listing).toContain(`package/dist/wasm/${f}`);
    }
    expect(listing).toContain('package/dist/index.d.ts');

    const app = path.join(work, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }));
    npm(['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(work, tgz!)], app);

    writeFileSync(
      path.join(app, 'esm.mjs'),
      `import * as ck from 'cellkernels';
       import { validateBackend } from 'cellkernels/testing';
       const info = await ck.init({ threads: 2 });
       const X = new ck.CsrMatrix({ shape: [2, 3], data: new Float32Array([1, 3, 7]), indices: new Int32Array([0, 2, 1]), indptr: new Int32Array([0, 2, 3]) });
       const s = ck.sum(ck.log1p(X), { axis: 1 });
       console.log(JSON.stringify({ variant: info.variant, s: Array.from(s), validate: typeof validateBackend }));`,
    );
    const esm = JSON.parse(execFileSync(process.execPath, ['esm.mjs'], { cwd: app, encoding: 'utf8', timeout: 60_000 }));
    expect(esm.variant).toBe('simd-threads');
    expect(esm.s[0]).toBeCloseTo(Math.log1p(1) + Math.log1p(3), 6);
    expect(esm.s[1]).toBeCloseTo(Math.log1p(7), 6);
    expect(esm.validate).toBe('function');

    writeFileSync(
      path.join(app, 'cjs.cjs'),
      `const ck = require('cellkernels');
       ck.init({ variant: 'simd' }).then((info) => {
         const X = new ck.CsrMatrix({ shape: [1, 2], data: new Float64Array([1, 2]), indices: new Int32Array([0, 1]), indptr: new Int32Array([0, 2]) });
         console.log(info.variant, ck.sum(X, { axis: 0 }).join(','));
       });`,
    );
    expect(execFileSync(process.execPath, ['cjs.cjs'], { cwd: app, encoding: 'utf8', timeout: 60_000 }).trim()).toBe('simd 1,2');

    const infoOut = execFileSync(path.join(app, 'node_modules', '.bin', 'cellkernels'), ['info'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
    expect(infoOut).toMatch(/simd-threads/);
  }, 300_000);
});
