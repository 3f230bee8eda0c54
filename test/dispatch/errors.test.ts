import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as ck from '../../src/index.js';
import { jsBackend } from '../../src/backends/js/index.js';
import { resetNotices } from '../../src/dispatch/index.js';
import { calls, recorder, small } from './recorder.js';

// A third-party backend declares its options by declaration merging: editors check them.
declare module '../../src/index.js' {
  interface BackendOptions {
    'opt-a'?: { level?: number; mode?: 'fast' | 'exact' };
  }
}

beforeAll(async () => {
  await ck.init({ threads: 2 });
  ck.registerBackend(recorder('opt-a', ['log1p', 'sum'], { options: ['level', 'mode'] }), { trusted: true });
  ck.registerBackend(recorder('loose'), { trusted: true }); // declares no options: not checked
  ck.registerBackend(recorder('partial', ['log1p']), { trusted: true });
});
afterAll(() => ck.shutdown());
afterEach(() => {
  ck.settings.backend = 'auto';
  ck.settings.strict = false;
  calls.length = 0;
  vi.restoreAllMocks();
});

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('UnknownBackendError: one canonical name per backend, near misses get a suggestion', () => {
  it('a misspelling suggests the closest name', () => {
    const e = thrown(() => ck.sum(small(), { backend: 'wsam' })) as ck.UnknownBackendError;
    expect(e).toBeInstanceOf(ck.UnknownBackendError);
    expect(e).toBeInstanceOf(ck.CellKernelsError);
    expect(e.name).toBe('UnknownBackendError');
    expect(e.backend).toBe('wsam');
    expect(e.suggestion).toBe('wasm');
    expect(e.message).toMatch(/unknown backend "wsam"; did you mean "wasm"\? \(known backends: cuda, wasm, as, js, .*auto\)/);
  });

  it('other spellings of a backend are not aliases: each is an error with the canonical name', () => {
    const cases: [string, string, RegExp?][] = [
      ['WASM', 'wasm', /exact and lower-case/],
      ['Js', 'js', /exact and lower-case/],
      ['webassembly', 'wasm'],
      ['emscripten', 'wasm'],
      ['simd-threads', 'wasm', /init\(\{ variant \}\)/],
      ['assemblyscript', 'as'],
      ['as-simd', 'as'],
      ['javascript', 'js'],
      ['typescript', 'js'],
      ['gpu', 'cuda'],
      ['cuda:1', 'cuda', /backendOptions: \{ cuda: \{ device: 1 \} \}/],
      ['gpu0', 'cuda', /device: 0/],
    ];
    for (const [name, suggestion, note] of cases) {
      const e = thrown(() => ck.log1p(small(), { backend: name })) as ck.UnknownBackendError;
      expect(e, name).toBeInstanceOf(ck.UnknownBackendError);
      expect(e.suggestion, name).toBe(suggestion);
      expect(e.message, name).toContain(`did you mean "${suggestion}"?`);
      if (note) expect(e.message, name).toMatch(note);
    }
  });

  it('a name far from every backend has no suggestion', () => {
    const e = thrown(() => ck.sum(small(), { backend: 'quantum-annealer' })) as ck.UnknownBackendError;
    expect(e.suggestion).toBeUndefined();
    expect(e.message).not.toMatch(/did you mean/);
  });

  it('the same error comes from every place a name is given', () => {
    expect(() => ck.withBackend('wsam', () => 0)).toThrow(/withBackend: unknown backend "wsam"; did you mean "wasm"/);
    expect(() => {
      ck.settings.backend = 'jss';
    }).toThrow(/settings.backend: unknown backend "jss"; did you mean "js"/);
    expect(() => ck.explain('sum', small(), { backend: 'ass' })).toThrow(ck.UnknownBackendError);
    expect(() => ck.sum(small(), { backendOptions: { cdua: {} } as never })).toThrow(/backendOptions: unknown backend "cdua"; did you mean "cuda"/);
  });
});

describe('BackendUnavailableError says why and what to install', () => {
  it('cuda (known, trusted, optional) is unavailable here with the precise reason', () => {
    const e = thrown(() => ck.sum(small(), { backend: 'cuda' })) as ck.BackendUnavailableError;
    expect(e).toBeInstanceOf(ck.BackendUnavailableError);
    expect(e.backend).toBe('cuda');
    // Not built here (CI builds the nvcc addon elsewhere), or built on a machine without a GPU.
    expect(e.reason).toMatch(/the CUDA addon is not built|no NVIDIA driver|no CUDA device/);
    if (/not built/.test(e.reason)) {
      expect(e.install).toMatch(/npm run build:cuda/);
      expect(e.message).toMatch(/backend "cuda" is unavailable: the CUDA addon is not built.*To use it: .*Linux.*nvcc/);
    }
    const status = ck.listBackends().find((b) => b.name === 'cuda')!;
    expect(status).toMatchObject({ available: false, trusted: true, builtin: true, priority: 40, kernels: [], options: ['device'] });
    expect(status.reason).toBe(e.reason);
    expect(status.install).toBe(e.install);
  });

  it('a scope or settings naming an unavailable backend fails when a kernel runs, with the same reason', () => {
    expect(() => ck.withBackend('cuda', () => ck.log1p(small()))).toThrow(/the CUDA addon is not built|no NVIDIA driver|no CUDA device/);
    ck.settings.backend = 'cuda';
    expect(() => ck.explain('log1p', small())).toThrow(ck.BackendUnavailableError);
  });

  it('it is not silently replaced by another backend, even without strict', () => {
    expect(() => ck.sum(small(), { backend: 'cuda', strict: false })).toThrow(ck.BackendUnavailableError);
  });
});

describe('options: one named object per kernel, checked against a schema', () => {
  it('an unknown option lists the valid ones with a suggestion', () => {
    const e = thrown(() => ck.sum(small(), { axsi: 0 } as never)) as Error;
    expect(e).toBeInstanceOf(ck.InvalidOptionError);
    expect(e.message).toBe('sum: unknown option "axsi" (did you mean "axis"?); valid options: axis, backend, strict, backendOptions');
    expect(() => ck.log1p(small(), { Backend: 'js' } as never)).toThrow(/did you mean "backend"/);
  });

  it('dispatch options are type-checked', () => {
    expect(() => ck.sum(small(), { backend: 3 as never })).toThrow(/backend must be a string/);
    expect(() => ck.sum(small(), { strict: 'yes' as never })).toThrow(/strict must be true or false/);
    expect(() => ck.sum(small(), { backendOptions: [] as never })).toThrow(/backendOptions must be an object/);
    expect(() => ck.sum(small(), { backendOptions: { cuda: 1 } as never })).toThrow(/backendOptions.cuda must be an object/);
  });

  it('a backend that declares option names rejects others, with the valid ones and a suggestion', () => {
    expect(() => ck.sum(small(), { backendOptions: { cuda: { devcie: 1 } as never } })).toThrow(
      'sum: unknown option "devcie" in backendOptions.cuda (did you mean "device"?); valid options: device',
    );
    expect(() => ck.sum(small(), { backendOptions: { 'opt-a': { levle: 1 } as never } })).toThrow(/did you mean "level"\?\); valid options: level, mode/);
    expect(() => ck.sum(small(), { backendOptions: { wasm: { threads: 2 } as never } })).toThrow('sum: backend "wasm" takes no backendOptions, got "threads"');
    // A backend that declares nothing is not checked.
    ck.sum(small(), { backend: 'loose', backendOptions: { loose: { anything: 1 } } as never });
    expect(calls[0]!.backendOptions).toEqual({ anything: 1 });
  });

  it('backendOptions reach only the backend that runs, by name, never by position', () => {
    const x = small();
    const options = { backendOptions: { 'opt-a': { level: 3, mode: 'exact' as const }, cuda: { device: 1 }, loose: { z: 1 } } as never };
    ck.log1p(x, { ...(options as object), backend: 'opt-a', base: 2 });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ backend: 'opt-a', kernel: 'log1p', backendOptions: { level: 3, mode: 'exact' } });
    // The kernel's own arguments are unchanged by the extra options.
    expect(Array.from(ck.log1p(x, { backend: 'opt-a', backendOptions: { 'opt-a': { level: 9 } } }).data)).toEqual(
      Array.from(jsBackend.kernels.log1p!(x, { base: null }).data),
    );
    // Another backend running gets its own options (here none), not opt-a's.
    ck.sum(x, { ...(options as object), backend: 'loose' });
    expect(calls[calls.length - 1]).toMatchObject({ backend: 'loose', backendOptions: { z: 1 } });
    calls.length = 0;
    ck.sum(x, { ...(options as object), backend: 'partial' }); // falls back to wasm: opt-a's options stay out
    expect(calls).toHaveLength(0);
  });

  it('BackendOptions is typed by declaration merging (compile-time checks)', () => {
    const typed: ck.DispatchOptions = { backendOptions: { 'opt-a': { level: 1, mode: 'fast' }, cuda: { device: 0 } } };
    expect(typed.backendOptions?.['opt-a']?.level).toBe(1);
    // @ts-expect-error: mode is 'fast' | 'exact'
    const wrong: ck.DispatchOptions = { backendOptions: { 'opt-a': { mode: 'slow' } } };
    // @ts-expect-error: cuda's device is a number
    const wrongCuda: ck.DispatchOptions = { backendOptions: { cuda: { device: '1' } } };
    expect([wrong, wrongCuda]).toHaveLength(2);
  });
});

describe('a backend that lacks a kernel: fallback with a one-time notice, or strict', () => {
  it('falls back along the auto order and says so once', () => {
    resetNotices();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const x = small();
    const a = ck.sum(x, { backend: 'partial' });
    const b = ck.sum(x, { backend: 'partial' });
    ck.withBackend('partial', () => ck.sum(x));
    expect(Array.from(a)).toEqual(Array.from(jsBackend.kernels.sum!(x, { axis: 1 })));
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(
      /^\[cellkernels\] "partial" \(named by the call's backend option\) does not implement sum; fell back along the auto order to "wasm".*shown once.*strict: true/,
    );
    // log1p, which it has, runs on it without notice.
    ck.log1p(x, { backend: 'partial' });
    expect(calls.map((c) => c.backend)).toEqual(['partial']);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('explain reports the fallback without printing', () => {
    resetNotices();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const e = ck.explain('sum', small(), { backend: 'partial' });
    expect(e).toMatchObject({ backend: 'wasm', requested: 'partial', source: 'call', fellBack: true });
    expect(e.considered[0]).toMatchObject({ name: 'partial', available: true, implements: false, chosen: false, reasonSkipped: 'does not implement sum' });
    expect(e.considered.find((c) => c.chosen)!.name).toBe('wasm');
    expect(warn).not.toHaveBeenCalled();
  });

  it('strict: true raises KernelNotImplementedError (per call or in settings)', () => {
    const e = thrown(() => ck.sum(small(), { backend: 'partial', strict: true })) as ck.KernelNotImplementedError;
    expect(e).toBeInstanceOf(ck.KernelNotImplementedError);
    expect(e.backend).toBe('partial');
    expect(e.kernel).toBe('sum');
    expect(e.message).toMatch(/backend "partial" .* does not implement sum, and strict mode forbids falling back/);
    ck.settings.strict = true;
    expect(() => ck.withBackend('partial', () => ck.sum(small()))).toThrow(ck.KernelNotImplementedError);
    expect(() => ck.explain('sum', small(), { backend: 'partial' })).toThrow(ck.KernelNotImplementedError);
    // strict: false per call overrides the setting.
    expect(ck.sum(small(), { backend: 'partial', strict: false })).toBeInstanceOf(Float64Array);
  });

  it('explain rejects an unknown kernel with a suggestion', () => {
    expect(() => ck.explain('lgo1p' as never, small())).toThrow(/unknown kernel "lgo1p" \(did you mean "log1p"\?\)/);
  });
});
