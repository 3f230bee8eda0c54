/**
 * Scoped backend selection. In Node (and Deno, Bun, and edge runtimes that expose
 * AsyncLocalStorage) a scope follows the async work started inside it; elsewhere it holds for
 * the synchronous extent of the callback only.
 */
import { InvalidInputError } from '../errors.js';
import type { BackendName } from './options.js';
import { checkBackendName } from './registry.js';

/** The parts of AsyncLocalStorage that scopes use. */
export interface AsyncLocalStorageLike<T> {
  run<R>(store: T, fn: () => R): R;
  getStore(): T | undefined;
}

/** One level of scope: a name and the scope around it. */
interface Frame {
  readonly name: string;
  readonly outer: Frame | undefined;
}

/** How scopes are tracked: the innermost frame and a way to run code inside a new one. */
export interface ScopeStore {
  /** `async`: AsyncLocalStorage, follows awaits; `sync`: synchronous extent only. */
  readonly mode: 'async' | 'sync';
  current(): string | undefined;
  run<R>(name: string, fn: () => R): R;
}

/** A scope store over an AsyncLocalStorage: async-safe, nestable, isolated between tasks. */
export function asyncScopeStore(als: AsyncLocalStorageLike<Frame>): ScopeStore {
  return {
    mode: 'async',
    current: () => als.getStore()?.name,
    run: (name, fn) => als.run({ name, outer: als.getStore() }, fn),
  };
}

/**
 * A scope store over a plain stack: the scope holds while `fn` runs synchronously; code after
 * the first `await` inside an async `fn` runs outside it.
 */
export function syncScopeStore(): ScopeStore {
  let top: Frame | undefined;
  return {
    mode: 'sync',
    current: () => top?.name,
    run: (name, fn) => {
      const saved = top;
      top = { name, outer: saved };
      try {
        return fn();
      } finally {
        top = saved;
      }
    },
  };
}

/** AsyncLocalStorage of this host, found without a static import of node:async_hooks. */
function findAsyncLocalStorage(): (new () => AsyncLocalStorageLike<Frame>) | undefined {
  const g = globalThis as {
    process?: { getBuiltinModule?: (id: string) => { AsyncLocalStorage?: new () => AsyncLocalStorageLike<Frame> } | undefined };
    AsyncLocalStorage?: new () => AsyncLocalStorageLike<Frame>;
  };
  try {
    const fromNode = g.process?.getBuiltinModule?.('node:async_hooks')?.AsyncLocalStorage;
    if (typeof fromNode === 'function') return fromNode;
  } catch {
    // A runtime with a partial `process` shim: fall through.
  }
  return typeof g.AsyncLocalStorage === 'function' ? g.AsyncLocalStorage : undefined;
}

const ALS = findAsyncLocalStorage();
let store: ScopeStore = ALS ? asyncScopeStore(new ALS()) : syncScopeStore();

/** The innermost scoped backend name, if any. */
export function currentScope(): string | undefined {
  return store.current();
}

/**
 * How withBackend() scopes are tracked here: `async` (AsyncLocalStorage: Node ≥ 20.16, Deno,
 * Bun, runtimes exposing it) or `sync` (browsers, most edge runtimes: the synchronous extent
 * of the callback only).
 */
export function scopeMode(): 'async' | 'sync' {
  return store.mode;
}

/** Replaces the scope store (for tests of the synchronous fallback); returns the previous one. */
export function setScopeStore(next: ScopeStore): ScopeStore {
  const prev = store;
  store = next;
  return prev;
}

/**
 * Runs `fn` with `name` as the backend of every kernel call inside it that names none itself
 * (a call's own `backend` option still wins; the scope beats `settings.backend`). Scopes nest:
 * the innermost wins, and `withBackend('auto', …)` restores automatic choice inside an outer
 * scope. Returns what `fn` returns (a promise, for an async `fn`).
 *
 * Where AsyncLocalStorage exists (Node ≥ 20.16, Deno, Bun; see scopeMode()) the scope follows
 * the async work started inside `fn`, across `await`, timers and promise callbacks, and
 * concurrent scopes never see each other's backend. In browsers and edge runtimes without it,
 * the scope holds only for the synchronous extent of `fn`: after the first `await` inside an
 * async `fn`, calls see the enclosing selection again; pass `{ backend }` per call there.
 *
 * An unknown name throws UnknownBackendError at once; an unavailable backend is reported when
 * a kernel runs.
 *
 * ```ts
 * await withBackend('js', async () => {
 *   const a = ck.log1p(X);          // js
 *   await somethingElse();
 *   const b = ck.sum(X);            // still js in Node
 * });
 * ```
 */
export function withBackend<R>(name: BackendName, fn: () => R): R {
  checkBackendName(name, 'withBackend: ');
  if (typeof fn !== 'function') throw new InvalidInputError(`withBackend: expected a function, got ${typeof fn}`);
  return store.run(name, fn);
}
