import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as ck from '../../src/index.js';
import { jsBackend } from '../../src/backends/js/index.js';
import { KERNEL_NAMES, type Backend } from '../../src/backends/types.js';
import type { CsrMatrix } from '../../src/matrix/index.js';
import {
  CONFORMANCE,
  KERNEL_TOLERANCE,
  type ValidationReport,
  allowedError,
  conformanceCases,
  csrToCsc,
  formatReport,
  validateBackend,
} from '../../src/testing/index.js';
import { type LoadedVariant, loadAllVariants, shutdownAll } from '../helpers/backends.js';
import { allCases, buildCase, CASE_SPECS } from '../helpers/cases.js';
import { mouse10k } from '../helpers/data.js';

let variants: LoadedVariant[] = [];
let real: CsrMatrix;
beforeAll(async () => {
  [variants, real] = await Promise.all([loadAllVariants(), mouse10k()]);
});
afterAll(() => shutdownAll(variants));

/**
 * Passing: no failure, every kernel the backend implements passes (every kernel has a recipe
 * and a tolerance), and the others are skipped as not implemented.
 */
function expectPass(report: ValidationReport, label: string, backend?: Backend): void {
  const text = formatReport(report);
  expect(report.ok, `${label}\n${text}`).toBe(true);
  expect(report.kernels.map((k) => k.kernel)).toEqual([...KERNEL_NAMES]);
  for (const k of report.kernels) {
    expect(k.failed, `${label} ${k.kernel}\n${text}`).toBe(0);
    if (k.kernel === 'log1p' || k.kernel === 'sum') expect(k.status, `${label} ${k.kernel}\n${text}`).toBe('pass');
    if (backend?.kernels[k.kernel as keyof Backend['kernels']]) expect(k.status, `${label} ${k.kernel}\n${text}`).toBe('pass');
    if (k.status === 'pass') expect(k.worstRatio).toBeLessThanOrEqual(1);
    else expect(k.message, `${label} ${k.kernel}`).toMatch(/^not implemented by/);
  }
}

describe('the conformance case set', () => {
  it('is fixed and seeded, and covers the edge cases in f32 and f64, CSR and CSC, plus real data', () => {
    const a = conformanceCases({ realData: [{ name: 'mouse10k', matrix: real }] });
    const b = conformanceCases({ realData: [{ name: 'mouse10k', matrix: real }] });
    expect(a.map((c) => c.name)).toEqual(b.map((c) => c.name));
    const pick = (cs: typeof a) => Array.from(cs.find((c) => c.name === 'odd lengths f32 csr')!.x.data);
    expect(pick(a).length).toBeGreaterThan(1000);
    expect(pick(a)).toEqual(pick(b));
    const names = a.map((c) => c.name).join('\n');
    for (const want of ['empty rows and columns', 'one row', 'one column', 'all zeros', 'huge values', 'NaN', 'no rows', 'no columns', 'mouse10k']) {
      expect(names).toContain(want);
    }
    for (const dtype of ['f32', 'f64']) for (const layout of ['csr', 'csc', 'dense']) expect(a.some((c) => c.dtype === dtype && c.layout === layout)).toBe(true);
    expect(a.filter((c) => c.real).map((c) => `${c.dtype} ${c.layout}`)).toEqual(['f32 csr', 'f32 csc', 'f64 csr', 'f64 csc']);
    // A different seed gives different values.
    expect(pick(conformanceCases({ seed: 7 }))).not.toEqual(pick(a));
  });

  it('CSC cases hold the same matrix as their CSR twins', () => {
    const x = buildCase(CASE_SPECS.find((s) => s.name === 'unsorted indices')!, 'f64');
    const c = csrToCsc(x);
    const dense = (get: (i: number, j: number) => number) => Array.from({ length: x.shape[0] * x.shape[1] }, (_, k) => get(Math.floor(k / x.shape[1]), k % x.shape[1]));
    const fromCsr = new Float64Array(x.shape[0] * x.shape[1]);
    for (let i = 0; i < x.shape[0]; i++) for (let k = x.indptr[i]!; k < x.indptr[i + 1]!; k++) fromCsr[i * x.shape[1] + x.indices[k]!] = x.data[k]!;
    const fromCsc = new Float64Array(x.shape[0] * x.shape[1]);
    for (let j = 0; j < x.shape[1]; j++) for (let k = c.indptr[j]!; k < c.indptr[j + 1]!; k++) fromCsc[c.indices[k]! * x.shape[1] + j] = c.data[k]!;
    expect(Array.from(fromCsc)).toEqual(dense((i, j) => fromCsr[i * x.shape[1] + j]!));
    expect(c.sorted).toBe(true);
  });

  it('test/helpers/cases.ts still exports the generator the kernel tests use', () => {
    expect(allCases()).toHaveLength(CASE_SPECS.length * 2);
  });

  it('every kernel has a recipe and a tolerance; a kernel without one would be reported, never silently absent', async () => {
    for (const k of KERNEL_NAMES) {
      expect(CONFORMANCE[k], k).toBeDefined();
      expect(KERNEL_TOLERANCE[k], k).toBeDefined();
    }
    const report = await validateBackend(jsBackend);
    for (const k of KERNEL_NAMES) {
      const r = report.kernels.find((x) => x.kernel === k)!;
      expect(r, k).toBeDefined();
      if (!CONFORMANCE[k]) {
        expect(r.status, k).toBe('skip');
        expect(r.message, k).toMatch(new RegExp(`^(not implemented by "js"|no conformance recipe for ${k} \\(add one to src/testing/kernels.ts\\))`));
      }
    }
  });
});

describe('validateBackend passes every built-in backend and variant on this machine', () => {
  it('js against itself', { timeout: 180_000 }, async () => {
    expectPass(await validateBackend(jsBackend, { realData: [real] }), 'js', jsBackend);
  });

  const LABELS = ['simd-threads×1', 'simd-threads×2', 'simd-threads×3', 'simd', 'scalar', 'as-simd', 'as-scalar'];
  it('every compiled variant is loaded: wasm simd-threads ×1/×2/×3, simd, scalar; as as-simd, as-scalar', () => {
    expect(variants.map((v) => v.label)).toEqual(LABELS);
  });

  for (const label of LABELS) {
    it(`${label}, with mouse10k`, { timeout: 180_000 }, async () => {
      const v = variants.find((x) => x.label === label)!;
      const report = await validateBackend(v.backend, { realData: [{ name: 'mouse10k', matrix: real }] });
      expectPass(report, v.label, v.backend);
      expect(report.backend).toBe(v.variant.startsWith('as-') ? 'as' : 'wasm');
      expect(report.variant).toBe(v.variant);
      // Every case ran with every argument set, or was skipped with the reason.
      const log1p = report.kernels.find((k) => k.kernel === 'log1p')!;
      expect(log1p.tolerance).toBe('elementwise');
      expect(log1p.cases + log1p.skipped).toBe(4 * report.caseCount);
      expect(log1p.cases).toBeGreaterThan(0);
      for (const s of log1p.skips) expect(s.reason).toMatch(/^(CSC|DENSE) input: log1p takes|rejects/);
      expect(report.kernels.find((k) => k.kernel === 'sum')!.tolerance).toBe('reduction');
    });
  }

  it('a loaded backend can be named', async () => {
    expectPass(await validateBackend('js'), 'js by name');
    await expect(validateBackend('cuda')).rejects.toThrow(ck.BackendUnavailableError);
    await expect(validateBackend('wsam')).rejects.toThrow(/did you mean "wasm"/);
  });
});

/** A backend that agrees with js except for one output value, moved by `factor` × its tolerance. */
function perturbed(kernel: 'log1p' | 'sum', factor: number): Backend {
  return {
    name: 'broken',
    kernels: {
      log1p: (x, args) => {
        const out = jsBackend.kernels.log1p!(x, args) as unknown as CsrMatrix;
        if (kernel !== 'log1p' || out.nnz === 0) return out as unknown as typeof x;
        const data = out.data.slice();
        const v = data[0]!;
        if (Number.isFinite(v)) data[0] = v + factor * allowedError('elementwise', v, out.dtype) * 1.01;
        return out.withData(data) as unknown as typeof x;
      },
      sum: (x, args) => {
        const out = jsBackend.kernels.sum!(x, args);
        if (kernel === 'sum' && out.length > 0 && Number.isFinite(out[0]!)) out[0] = out[0]! + factor * allowedError('reduction', out[0]!, x.dtype) * 1.01;
        return out;
      },
    },
  };
}

describe('validateBackend detects a broken backend', () => {
  it('one sum output just over the tolerance fails sum and names the worst case; log1p still passes', async () => {
    const report = await validateBackend(perturbed('sum', 2));
    expect(report.ok).toBe(false);
    const sum = report.kernels.find((k) => k.kernel === 'sum')!;
    expect(sum.status).toBe('fail');
    expect(sum.worstRatio).toBeGreaterThan(1);
    expect(sum.worstRatio).toBeLessThan(3);
    expect(sum.worstCase).toMatch(/(csr), axis [01]$/);
    expect(sum.message).toMatch(/element 0: got .*, expected .*× the reduction tolerance/);
    expect(report.kernels.find((k) => k.kernel === 'log1p')!.status).toBe('pass');
    expect(formatReport(report)).toMatch(/— FAIL[\s\S]*FAIL  sum/);
  });

  it('one log1p value off by 10× its tolerance fails log1p', async () => {
    const report = await validateBackend(perturbed('log1p', 10), { realData: [real] });
    const log1p = report.kernels.find((k) => k.kernel === 'log1p')!;
    expect(log1p.status).toBe('fail');
    expect(log1p.worstRatio).toBeGreaterThan(10);
    expect(report.kernels.find((k) => k.kernel === 'sum')!.status).toBe('pass');
  });

  it('a perturbation within the tolerance passes (the bound is the one of KERNELS.md, not zero)', async () => {
    const report = await validateBackend(perturbed('sum', 0.5));
    expect(report.ok).toBe(true);
    const sum = report.kernels.find((k) => k.kernel === 'sum')!;
    expect(sum.worstRatio).toBeGreaterThan(0.4);
  });

  it('a wrong structure, a wrong output type, or a throw fails with the reason', async () => {
    const bad: Backend = {
      name: 'bad',
      kernels: {
        log1p: (x) => (x as CsrMatrix).withData(new Float64Array((x as CsrMatrix).nnz)) as unknown as typeof x,
        sum: (x) => {
          if (x.shape[0] === 1) throw new RangeError('boom');
          return new Float64Array(3);
        },
      },
    };
    const report = await validateBackend(bad);
    const [log1p, sum] = report.kernels;
    expect(log1p!.status).toBe('fail');
    expect(log1p!.message).toMatch(/output data is Float64Array, expected Float32Array|got .* expected/);
    expect(sum!.status).toBe('fail');
    expect(sum!.worstRatio).toBe(Infinity);
    expect(report.kernels.filter((k) => k.status === 'fail').map((k) => k.kernel)).toEqual(['log1p', 'sum']);
  });

  it('kernels it lacks are skipped with the reason, and a misspelled kernel name fails', async () => {
    const partial = { name: 'partial', kernels: { sum: jsBackend.kernels.sum!, smu: () => new Float64Array() } } as unknown as Backend;
    const report = await validateBackend(partial);
    const status = Object.fromEntries(report.kernels.map((k) => [k.kernel, k]));
    expect(report.kernels.map((k) => k.kernel)).toEqual([...KERNEL_NAMES, 'smu']);
    expect(status.log1p).toMatchObject({ status: 'skip', message: 'not implemented by "partial" (calls fall back along the auto order)' });
    expect(status.sum!.status).toBe('pass');
    expect(status.smu).toMatchObject({ status: 'fail' });
    expect(status.smu!.message).toMatch(/did you mean "sum"/);
    expect(report.ok).toBe(false);
  });

  it('a backend that rejects CSC or f64 input gets those cases skipped, not failed', async () => {
    const picky: Backend = { ...jsBackend, name: 'picky', rejects: (_k, x) => ((x as CsrMatrix).dtype === 'f64' ? 'no f64 support' : undefined) };
    const report = await validateBackend(picky, { kernels: ['sum'] });
    expect(report.kernels).toHaveLength(1);
    expect(report.kernels[0]!.status).toBe('pass');
    expect(report.kernels[0]!.skips.map((s) => s.reason)).toContain('"picky" rejects CSR f64 input: no f64 support');
  });

  it('prints the report when asked, and rejects unknown options with the valid ones', async () => {
    const lines: string[] = [];
    await validateBackend(jsBackend, { kernels: ['log1p'], print: (t) => lines.push(t) });
    expect(lines[0]).toMatch(/^cellkernels conformance: js vs js — PASS \(1 pass, 0 fail, 0 skip/);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await validateBackend(jsBackend, { kernels: ['sum'], print: true });
    expect(log).toHaveBeenCalledTimes(1);
    log.mockRestore();
    await expect(validateBackend(jsBackend, { realdata: [] } as never)).rejects.toThrow(/unknown option "realdata" \(did you mean "realData"\?\); valid options:/);
    await expect(validateBackend(jsBackend, { kernels: ['lgo1p' as never] })).rejects.toThrow(/did you mean "log1p"/);
  });

  it('a kernel that writes into its input fails, and the shared cases are restored for the next run', async () => {
    const inPlace: Backend = {
      name: 'in-place',
      kernels: {
        log1p: (x, args) => {
          const m = x as unknown as CsrMatrix;
          for (let i = 0; i < m.data.length; i++) m.data[i] = Math.log1p(m.data[i]!) / (args.base === null ? 1 : Math.log(args.base));
          return m as unknown as typeof x;
        },
      },
    };
    const report = await validateBackend(inPlace, { kernels: ['log1p'] });
    expect(report.kernels[0]).toMatchObject({ status: 'fail' });
    expect(report.kernels[0]!.message).toMatch(/modified its input/);
    expectPass(await validateBackend(jsBackend), 'js after a mutating backend');
  });

  it('passes backendOptions through to the backend under test', async () => {
    const seen: unknown[] = [];
    const withOpts: Backend = { name: 'opts', kernels: { sum: (x, a, bo) => (seen.push(bo), jsBackend.kernels.sum!(x, a)) } };
    await validateBackend(withOpts, { kernels: ['sum'], backendOptions: { tile: 4 } });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((s) => (s as { tile: number }).tile === 4)).toBe(true);
  });
});
