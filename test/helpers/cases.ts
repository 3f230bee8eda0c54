/**
 * The edge-case matrix every kernel test sweeps: seeded, deterministic, f32 and f64. It lives
 * in src/testing/cases.ts (shared with validateBackend); this file re-exports it.
 * Real data comes from test/helpers/data.ts.
 */
export { type CaseSpec, CASE_SPECS, SPECIAL_SPECS, allCases, buildCase, csrToCsc, rng } from '../../src/testing/cases.js';
