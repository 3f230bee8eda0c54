import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 180_000, // generous: CI machines have 2 cores; per-variant conformance runs take tens of seconds
    hookTimeout: 120_000,
    // wasm modules and worker pools per file; two forks fit the 2-core machines.
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
