/** Process-wide dispatch settings (the lowest-priority selection). */
export const settings = {
  /** Backend used when neither the call nor a scope names one. */
  backend: 'auto' as string,
  /** Default of the per-call `strict` option. */
  strict: false,
};
