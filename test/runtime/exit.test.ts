import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('thread pool lifecycle', () => {
  it('a Node script that used simd-threads exits by itself, without shutdown()', () => {
    const dist = new URL('../../dist/index.js', import.meta.url).href;
    const script = `
      const ck = await import('${dist}');
      const info = await ck.init({ threads: 2 });
      const n = 200000;
      const indptr = new Int32Array(1001); for (let i = 0; i <= 1000; i++) indptr[i] = i * 200;
      const indices = new Int32Array(n).map((_, k) => k % 200);
      const X = new ck.CsrMatrix({ shape: [1000, 200], data: new Float32Array(n).fill(3), indices, indptr });
      const s = ck.sum(ck.log1p(X), { axis: 0 });
      console.log(info.variant, info.threads, s[0].toFixed(3));`;
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.error, 'the process hung').toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`simd-threads 2 ${(1000 * Math.log1p(3)).toFixed(3)}`);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });
});
