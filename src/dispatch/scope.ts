/**
 * Scoped backend selection. This first version holds for the synchronous extent of the
 * callback (and of the promise it returns, without isolation between concurrent tasks).
 */
const stack: string[] = [];

/** The innermost scoped backend name, if any. */
export function currentScope(): string | undefined {
  return stack[stack.length - 1];
}

/** Runs fn with `name` as the backend of every kernel call inside it that names none. */
export function withBackend<R>(name: string, fn: () => R): R {
  stack.push(name);
  try {
    return fn();
  } finally {
    stack.pop();
  }
}
