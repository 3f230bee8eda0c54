/**
 * The README's main job: `cellkernels demo` (the package's bin over the built dist/) on the
 * bundled real dataset, with no arguments; and `cellkernels info`.
 */
import { describe, expect, it } from 'vitest';
import { bin } from './helpers.js';

describe('the cellkernels command (bin/cellkernels.mjs → dist/cli.js)', () => {
  it('demo: runs the whole pipeline on every backend and prints the timing table and the summary', async () => {
    const r = await bin(['demo']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/^read .*data\/mouse10k-10x\n {2}10,000 cells × 1,000 genes, 691,914 stored counts/m);
    expect(out).toContain('pipeline qc → filter → normalize → log1p → hvg → scale');
    expect(out).toMatch(/^step\s+wasm simd-threads \(ms\)\s+as as-simd \(ms\)\s+js \(ms\)\s+what it did$/m);
    for (const s of ['qc', 'filter', 'normalize', 'log1p', 'hvg', 'scale', 'total']) expect(out).toMatch(new RegExp(`^${s}\\s+[\\d.]+\\s+[\\d.]+\\s+[\\d.]+`, 'm'));
    expect(out).toContain('summary (wasm)');
    expect(out).toContain('cells     9,741 kept of 10,000');
    expect(out).toContain('genes     519 kept of 1,000');
    expect(out).toMatch(/HVGs {6}\d+ highly variable genes \(top: /);
    expect(out).toMatch(/as vs wasm: same cells, genes and HVGs; largest relative difference in X \S+/);
    expect(out).toMatch(/js vs wasm: same cells, genes and HVGs; largest relative difference in X \S+/);
    expect(out).toMatch(/memory {4}peak RSS [\d.]+ MiB, wasm heaps [\d.]+ MiB/);
    console.log(out);
  }, 120_000);

  it('info: runtime, variant, threads, and every backend with why it is unavailable', async () => {
    const r = await bin(['info']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^cellkernels — node v\d+/);
    expect(r.stdout).toMatch(/wasm variant {2}: simd-threads \(Highway target \w+\), threads \d+/);
    expect(r.stdout).toMatch(/^ {4}wasm {2}available \(simd-threads, \d+ threads?\)/m);
    expect(r.stdout).toMatch(/^ {4}as {4}available \(as-simd/m);
    expect(r.stdout).toMatch(/^ {4}js {4}available/m);
    expect(r.stdout).toMatch(/^ {4}cuda {2}unavailable: .+/m);
  }, 60_000);

  it('help and unknown commands', async () => {
    const h = await bin(['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('run <input>');
    const u = await bin(['frobnicate']);
    expect(u.code).toBe(2);
    expect(u.stderr).toContain('cellkernels: unknown command "frobnicate"');
  }, 60_000);
});
