/**
 * cellkernels/testing — tolerances and comparison helpers of the conformance suite.
 * @module
 */
export { KERNEL_TOLERANCE, type ToleranceKind, type Comparison, allowedError, compareArrays, ulp } from './tolerance.js';
