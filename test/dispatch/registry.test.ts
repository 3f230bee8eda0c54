import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as ck from '../../src/index.js';
import { jsBackend } from '../../src/backends/js/index.js';
import { CUDA_MIN_WORK, installBackend, markUnavailable, resetNotices, resolveKernel } from '../../src/dispatch/index.js';
import { KERNEL_NAMES } from '../../src/backends/types.js';
import { CsrMatrix } from '../../src/matrix/index.js';
import { validateBackend } from '../../src/testing/index.js';
import { calls, recorder, small } from './recorder.js';

beforeAll(async () => {
  await ck.init({ threads: 2 });
});
afterAll(() => ck.shutdown());
afterEach(() => {
  ck.settings.backend = 'auto';
  ck.settings.trustedBackends = [];
  calls.length = 0;
  vi.restoreAllMocks();
});

/** A CSR matrix with `nnz` stored ones in one row. */
function wide(nnz: number): CsrMatrix {
  return new CsrMatrix({
    shape: [1, nnz],
    data: new Float32Array(nnz).fill(1),
    indices: Int32Array.from({ length: nnz }, (_, i) => i),
    indptr: new Int32Array([0, nnz]),
  });
}

describe('listBackends()', () => {
  it('lists every backend: name, availability and why not, variant, kernels, what is missing', () => {
    const list = ck.listBackends();
    expect(list.map((b) => [b.name, b.available])).toEqual([
      ['cuda', false],
      ['wasm', true],
      ['as', true],
      ['js', true],
    ]);
    const [cuda, wasm, as, js] = list;
    expect(cuda).toMatchObject({ builtin: true, trusted: true, kernels: [], missing: [...KERNEL_NAMES], minWork: CUDA_MIN_WORK });
    expect(cuda!.reason).toMatch(/CUDA addon is not built/);
    expect(wasm).toMatchObject({ available: true, variant: 'simd-threads', threads: 2, priority: 30, options: [] });
    expect(wasm!.kernels).toEqual(expect.arrayContaining(['log1p', 'sum']));
    // Nothing is silently absent: every kernel is either implemented or listed as missing.
    for (const b of list) expect([...b.kernels, ...b.missing].sort()).toEqual([...KERNEL_NAMES].sort());
    expect(wasm!.reason).toBeUndefined();
    expect(as).toMatchObject({ variant: 'as-simd', priority: 20 });
    expect(js).toMatchObject({ priority: 10, builtin: true, trusted: true });
    expect(js!.kernels).toEqual(expect.arrayContaining(['log1p', 'sum']));
    expect(js!.variant).toBeUndefined();
  });

  it('shows registered backends after the built-ins, with trust, priority and missing kernels', () => {
    ck.registerBackend(recorder('listed', ['sum']), { priority: 5 });
    try {
      expect(ck.listBackends().at(-1)).toEqual({
        name: 'listed',
        available: true,
        builtin: false,
        trusted: false,
        priority: 5,
        kernels: ['sum'],
        missing: KERNEL_NAMES.filter((k) => k !== 'sum'),
      });
      ck.settings.trustedBackends = ['listed'];
      expect(ck.listBackends().at(-1)!.trusted).toBe(true);
    } finally {
      ck.unregisterBackend('listed');
    }
    expect(ck.listBackends().map((b) => b.name)).toEqual(['cuda', 'wasm', 'as', 'js']);
  });
});

describe('registerBackend()', () => {
  it('refuses built-in names, aliases by case, malformed names, duplicates and unknown kernels', () => {
    const reg = (name: string, extra = {}, opts = {}) => () => ck.registerBackend({ ...recorder(name), ...extra }, opts);
    expect(reg('wasm')).toThrow(ck.BackendRegistrationError);
    expect(reg('wasm')).toThrow(/"wasm" is a built-in name/);
    expect(reg('auto')).toThrow(/built-in name/);
    expect(reg('WASM')).toThrow(/not valid: use lower-case/);
    expect(reg('my backend')).toThrow(/not valid/);
    expect(reg('')).toThrow(/not valid/);
    expect(reg('typo', { kernels: { lgo1p: () => 0 } })).toThrow(/declares kernel "lgo1p", which cellkernels does not have \(did you mean "log1p"\?\)/);
    expect(reg('notfn', { kernels: { sum: 3 } })).toThrow(/kernels.sum is not a function/);
    expect(reg('opts', {}, { trused: true })).toThrow(/unknown option "trused" \(did you mean "trusted"\?\)/);
    expect(() => ck.registerBackend(null as never)).toThrow(ck.BackendRegistrationError);
    ck.registerBackend(recorder('dup'));
    try {
      expect(reg('dup')).toThrow(/already registered; pass \{ replace: true \}/);
      expect(reg('dup', {}, { replace: true })).not.toThrow();
    } finally {
      ck.unregisterBackend('dup');
    }
    expect(() => ck.unregisterBackend('js')).toThrow(/built in/);
    expect(ck.unregisterBackend('never-was')).toBe(false);
  });

  it('an untrusted backend works after a one-time warning', () => {
    resetNotices();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    ck.registerBackend(recorder('wild'));
    try {
      const x = small();
      const out = ck.sum(x, { backend: 'wild' });
      ck.log1p(x, { backend: 'wild' });
      ck.withBackend('wild', () => ck.sum(x));
      expect(calls.map((c) => c.backend)).toEqual(['wild', 'wild', 'wild']);
      expect(Array.from(out)).toEqual(Array.from(jsBackend.kernels.sum!(x, { axis: 1 })));
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(/backend "wild" is not on the trusted list.*validateBackend\(\).*settings.trustedBackends/);
      expect(ck.explain('sum', x, { backend: 'wild' }).trusted).toBe(false);
    } finally {
      ck.unregisterBackend('wild');
    }
  });

  it('trusted backends (registered trusted, or in settings.trustedBackends) print nothing', () => {
    resetNotices();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    ck.registerBackend(recorder('vouched'), { trusted: true });
    ck.registerBackend(recorder('listed-later'));
    ck.settings.trustedBackends = ['listed-later'];
    try {
      ck.sum(small(), { backend: 'vouched' });
      ck.sum(small(), { backend: 'listed-later' });
      expect(calls.map((c) => c.backend)).toEqual(['vouched', 'listed-later']);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      ck.unregisterBackend('vouched');
      ck.unregisterBackend('listed-later');
    }
  });

  it('a third-party backend passes the conformance suite and then goes on the trusted list', async () => {
    const mine = recorder('mine');
    const report = await validateBackend(mine);
    expect(report.ok).toBe(true);
    ck.registerBackend(mine, { trusted: report.ok });
    try {
      expect(ck.listBackends().find((b) => b.name === 'mine')!.trusted).toBe(true);
    } finally {
      ck.unregisterBackend('mine');
    }
  });

  it('priority places it in the auto order; without one, auto never picks it', () => {
    const x = small();
    ck.registerBackend(recorder('turbo', ['sum']), { priority: 35, trusted: true });
    ck.registerBackend(recorder('named-only'), { trusted: true });
    try {
      const e = ck.explain('sum', x);
      expect(e.backend).toBe('turbo');
      expect(e.considered.map((c) => c.name)).toEqual(['cuda', 'turbo', 'wasm', 'as', 'js']);
      ck.sum(x);
      expect(calls.map((c) => c.backend)).toEqual(['turbo']);
      // turbo lacks log1p: auto goes on to wasm, with the reason recorded.
      const l = ck.explain('log1p', x);
      expect(l.backend).toBe('wasm');
      expect(l.considered[1]).toMatchObject({ name: 'turbo', implements: false, reasonSkipped: 'does not implement log1p' });
      expect(l.considered.some((c) => c.name === 'named-only')).toBe(false);
    } finally {
      ck.unregisterBackend('turbo');
      ck.unregisterBackend('named-only');
    }
    expect(ck.explain('sum', x).backend).toBe('wasm');
  });

  it('auto skips a backend that rejects this input (e.g. a dtype or layout it lacks), saying why', () => {
    ck.registerBackend(recorder('f32-only', ['sum'], { rejects: (_k, x) => ((x as CsrMatrix).dtype === 'f64' ? 'f64 input is not supported' : undefined) }), {
      priority: 99,
      trusted: true,
    });
    try {
      const x32 = small();
      const x64 = x32.withData(Float64Array.from(x32.data));
      expect(ck.explain('sum', x32).backend).toBe('f32-only');
      const e = ck.explain('sum', x64);
      expect(e.backend).toBe('wasm');
      expect(e.considered[0]).toMatchObject({ name: 'f32-only', reasonSkipped: 'cannot take this input: f64 input is not supported' });
      // Named explicitly, it falls back (or raises with strict) for the same reason.
      expect(ck.explain('sum', x64, { backend: 'f32-only' })).toMatchObject({ backend: 'wasm', fellBack: true });
      expect(() => ck.sum(x64, { backend: 'f32-only', strict: true })).toThrow(/cannot take this input: f64 input is not supported/);
    } finally {
      ck.unregisterBackend('f32-only');
    }
  });
});

describe('cuda in auto: only above its size threshold', () => {
  afterEach(() => markUnavailable('cuda', 'the CUDA addon is not built (test double removed)'));

  it('a loaded cuda is skipped below the threshold, chosen above it, and always used when named', () => {
    installBackend(recorder('cuda', ['sum', 'log1p']));
    const tiny = small();
    const e = ck.explain('sum', tiny);
    expect(e.backend).toBe('wasm');
    expect(e.considered[0]).toMatchObject({ name: 'cuda', available: true, implements: true, reasonSkipped: `input below its size threshold (12 < ${CUDA_MIN_WORK} stored values)` });
    expect(e.reason).toMatch(/cuda: input below its size threshold/);
    const big = wide(CUDA_MIN_WORK);
    expect(ck.explain('sum', big).backend).toBe('cuda');
    ck.sum(big);
    expect(calls.map((c) => c.backend)).toEqual(['cuda']);
    // Named explicitly, the threshold does not apply.
    expect(ck.explain('sum', tiny, { backend: 'cuda' }).backend).toBe('cuda');
    // Without the input (a caller that does not pass it), auto does not gamble on cuda.
    expect(resolveKernel('sum', {}).backend.name).toBe('wasm');
    expect(resolveKernel('sum', {}, big).backend.name).toBe('cuda');
  });

  it("the backend's own minWork replaces the default threshold", () => {
    installBackend({ ...recorder('cuda', ['sum']), minWork: 10 });
    expect(ck.explain('sum', small(1, 9)).backend).toBe('wasm');
    expect(ck.explain('sum', small(2, 5)).backend).toBe('cuda');
    expect(ck.explain('log1p', small(2, 5)).considered[0]!.reasonSkipped).toBe('does not implement log1p');
  });
});
