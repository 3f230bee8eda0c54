import type { Backend } from '../types.js';
import { log1p } from './log1p.js';
import { sum } from './sum.js';

/**
 * The reference backend: plain TypeScript in float64, written for clarity, always available.
 * It is the oracle of the conformance suite and the last resort of `auto`.
 */
export const jsBackend: Backend = {
  name: 'js',
  kernels: { log1p, sum },
};
