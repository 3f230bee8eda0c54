/**
 * cellkernels/testing — the conformance suite: validateBackend() runs a backend's kernels
 * against the js reference on a fixed, seeded case set with the tolerances of KERNELS.md; plus
 * the tolerances, comparison helpers and case generators it uses.
 * @module
 */
export { KERNEL_TOLERANCE, type ToleranceKind, type Comparison, allowedError, compareArrays, ulp } from './tolerance.js';
export {
  type CaseSpec,
  type ConformanceCase,
  type Layout,
  type RealMatrix,
  CASE_SPECS,
  SPECIAL_SPECS,
  allCases,
  buildCase,
  conformanceCases,
  csrToCsc,
  rng,
} from './cases.js';
export { type KernelConformance, CONFORMANCE, mismatch } from './kernels.js';
export {
  type KernelReport,
  type KernelStatus,
  type ValidateOptions,
  type ValidationReport,
  formatReport,
  validateBackend,
} from './validate.js';
