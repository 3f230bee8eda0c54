import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as ck from '../../src/index.js';
import { resolveKernel } from '../../src/dispatch/index.js';
import { setScopeStore, syncScopeStore } from '../../src/dispatch/scope.js';
import { calls, ranOn, recorder, sleep, small } from './recorder.js';

beforeAll(async () => {
  await ck.init({ threads: 2 });
  for (const n of ['rec-a', 'rec-b', 'rec-c']) ck.registerBackend(recorder(n), { trusted: true });
});
afterAll(() => ck.shutdown());
afterEach(() => {
  ck.settings.backend = 'auto';
  ck.settings.strict = false;
  calls.length = 0;
});

const last = () => calls[calls.length - 1]?.backend;

describe('selection order: per call > scope > settings > auto', () => {
  it('auto takes the fastest available backend implementing the kernel (wasm here; cuda is unavailable)', () => {
    const x = small();
    const e = ck.explain('log1p', x);
    expect(e).toMatchObject({ backend: 'wasm', variant: 'simd-threads', source: 'auto', requested: 'auto', fellBack: false, trusted: true });
    expect(e.reason).toMatch(/auto: "wasm" is the fastest available backend that implements log1p.*cuda: unavailable/);
    expect(e.considered.map((c) => [c.name, c.chosen])).toEqual([
      ['cuda', false],
      ['wasm', true],
      ['as', false],
      ['js', false],
    ]);
    expect(e.considered[0]!.reasonSkipped).toMatch(/^unavailable: the CUDA addon is not built/);
    expect(e.considered[2]!.reasonSkipped).toBe('comes after "wasm" in the auto order');
    expect(resolveKernel('log1p', {}, x).backend.name).toBe('wasm');
  });

  it('settings.backend beats auto', () => {
    ck.settings.backend = 'rec-c';
    ck.sum(small());
    expect(last()).toBe('rec-c');
    expect(ck.explain('sum', small())).toMatchObject({ backend: 'rec-c', source: 'settings', reason: '"rec-c" was named by settings.backend' });
  });

  it('a scope beats settings.backend, and the call option beats the scope', () => {
    ck.settings.backend = 'rec-c';
    ck.withBackend('rec-b', () => {
      ck.sum(small());
      expect(last()).toBe('rec-b');
      expect(ck.explain('sum', small()).source).toBe('scope');
      ck.sum(small(), { backend: 'rec-a' });
      expect(last()).toBe('rec-a');
      expect(ck.explain('sum', small(), { backend: 'rec-a' })).toMatchObject({ backend: 'rec-a', source: 'call' });
    });
    ck.sum(small());
    expect(last()).toBe('rec-c');
  });

  it("a call's backend: 'auto' and withBackend('auto') restore automatic choice inside a selection", () => {
    ck.settings.backend = 'rec-c';
    expect(ck.explain('sum', small(), { backend: 'auto' }).backend).toBe('wasm');
    ck.withBackend('rec-a', () => {
      ck.withBackend('auto', () => expect(ck.explain('log1p', small())).toMatchObject({ backend: 'wasm', source: 'auto' }));
    });
  });

  it('built-in names select built-ins, and results agree', () => {
    const x = small(5, 7);
    const ref = ck.sum(x, { backend: 'js' });
    for (const b of ['wasm', 'as', 'js'] as const) {
      expect(ck.explain('sum', x, { backend: b }).backend).toBe(b);
      expect(Array.from(ck.withBackend(b, () => ck.sum(x)))).toEqual(Array.from(ref));
    }
  });

  it('settings.backend and settings.strict validate what they are given', () => {
    expect(() => {
      ck.settings.backend = 'wsam';
    }).toThrow(ck.UnknownBackendError);
    expect(ck.settings.backend).toBe('auto');
    expect(() => {
      ck.settings.strict = 'yes' as never;
    }).toThrow(ck.InvalidOptionError);
  });
});

describe('withBackend scopes', () => {
  it('nest: the innermost wins, and leaving a scope restores the outer one', () => {
    ck.withBackend('rec-a', () => {
      ck.sum(small());
      ck.withBackend('rec-b', () => {
        ck.sum(small());
        ck.withBackend('rec-c', () => ck.sum(small()));
        ck.sum(small());
      });
      ck.sum(small());
    });
    ck.sum(small(), { backend: 'js' });
    expect(ranOn()).toEqual(['rec-a', 'rec-b', 'rec-c', 'rec-b', 'rec-a']);
  });

  it('a throw inside a scope leaves it', () => {
    expect(() =>
      ck.withBackend('rec-a', () => {
        throw new Error('inside');
      }),
    ).toThrow('inside');
    expect(ck.explain('sum', small()).backend).toBe('wasm');
  });

  it('return the callback value, and reject unknown names and non-functions at once', () => {
    expect(ck.withBackend('js', () => 42)).toBe(42);
    expect(() => ck.withBackend('WASM', () => 1)).toThrow(/unknown backend "WASM"; did you mean "wasm"\?/);
    expect(() => ck.withBackend('js', 5 as never)).toThrow(ck.InvalidInputError);
  });

  it('in Node they are async-safe: a scope holds across awaits, timers and nested async scopes', async () => {
    expect(ck.scopeMode()).toBe('async');
    const x = small();
    const result = await ck.withBackend('rec-a', async () => {
      ck.sum(x);
      await sleep(5);
      ck.sum(x);
      await ck.withBackend('rec-b', async () => {
        await sleep(1);
        ck.sum(x);
        await new Promise<void>((r) => setTimeout(() => (ck.sum(x), r()), 2));
      });
      ck.sum(x);
      return 'done';
    });
    expect(result).toBe('done');
    expect(ranOn(x)).toEqual(['rec-a', 'rec-a', 'rec-b', 'rec-b', 'rec-a']);
    expect(ck.explain('sum', x).backend).toBe('wasm');
  });

  it('two overlapping async tasks with different backends do not leak into each other', async () => {
    const xa = small();
    const xb = small();
    const xc = small();
    const task = async (name: string, x: unknown, delays: number[]) =>
      ck.withBackend(name, async () => {
        for (const d of delays) {
          await sleep(d);
          ck.sum(x as never);
          ck.log1p(x as never);
        }
      });
    // Interleaved: a runs at 0, 6, 12…; b at 3, 9, 15…; c (nested inside nothing) stays on settings.
    ck.settings.backend = 'rec-c';
    await Promise.all([
      task('rec-a', xa, [0, 6, 6, 6]),
      task('rec-b', xb, [3, 6, 6, 6]),
      (async () => {
        for (let i = 0; i < 4; i++) {
          await sleep(4);
          ck.sum(xc);
        }
      })(),
    ]);
    expect(ranOn(xa)).toEqual(Array(8).fill('rec-a'));
    expect(ranOn(xb)).toEqual(Array(8).fill('rec-b'));
    expect(ranOn(xc)).toEqual(Array(4).fill('rec-c'));
    // The calls really interleaved.
    const order = calls.map((c) => c.backend).join(' ');
    expect(order).toMatch(/rec-a.*rec-b.*rec-a.*rec-b/);
  });

  it('overlapping tasks on the built-in backends see their own backend (explain and results)', async () => {
    const x = small(6, 5);
    const seen: string[] = [];
    await Promise.all(
      (['js', 'as', 'wasm'] as const).map((b, i) =>
        ck.withBackend(b, async () => {
          for (let k = 0; k < 3; k++) {
            await sleep(2 + i);
            seen.push(`${b}=${ck.explain('log1p', x).backend}`);
            ck.log1p(x);
          }
        }),
      ),
    );
    expect(seen.every((s) => s.split('=')[0] === s.split('=')[1])).toBe(true);
    expect(seen).toHaveLength(9);
  });

  it('without AsyncLocalStorage (browsers, edge) a scope holds for the synchronous extent only', async () => {
    const previous = setScopeStore(syncScopeStore());
    try {
      expect(ck.scopeMode()).toBe('sync');
      const x = small();
      ck.withBackend('rec-a', () => {
        ck.sum(x);
        ck.withBackend('rec-b', () => ck.sum(x));
        ck.sum(x);
      });
      const p = ck.withBackend('rec-a', async () => {
        ck.sum(x); // synchronous part: rec-a
        await sleep(1);
        ck.sum(x); // after the first await: the scope has ended (documented)
      });
      ck.sum(x); // outside: not rec-a
      await p;
      expect(ranOn(x)).toEqual(['rec-a', 'rec-b', 'rec-a', 'rec-a']);
      expect(ck.explain('sum', x).backend).toBe('wasm');
    } finally {
      setScopeStore(previous);
    }
    expect(ck.scopeMode()).toBe('async');
  });
});
