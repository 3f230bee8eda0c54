/**
 * How the conformance suite runs and compares each kernel: one entry per kernel (log1p and sum
 * here; the families' in ./conformance-stats.ts, ./conformance-transforms.ts,
 * ./conformance-hvg.ts and ./conformance-spatial.ts, shared helpers in
 * ./conformance-common.ts). Adding a kernel to KernelSignatures means adding its entry (and
 * its tolerance kind to KERNEL_TOLERANCE); until then validateBackend() reports it as
 * skipped, saying so. When a kernel's signature starts accepting CscMatrix, add 'csc' to its
 * `layouts` and the CSC twins of every case run too; a recipe's `skip` leaves out single
 * runs with a reason.
 * @module
 */
import type { ConformanceCase } from './cases.js';
import { type RecipeTable, compareMatrix, mismatch, runInPlace } from './conformance-common.js';
import { HVG_CONFORMANCE } from './conformance-hvg.js';
import { SPATIAL_CONFORMANCE } from './conformance-spatial.js';
import { STATS_CONFORMANCE } from './conformance-stats.js';
import { TRANSFORMS_CONFORMANCE } from './conformance-transforms.js';
import { type Comparison, type ToleranceKind, compareArrays } from './tolerance.js';

export { type KernelConformance, mismatch } from './conformance-common.js';

/** Same layout, structure and dtype as the reference's (which keeps the input's), values within tolerance: element-wise transforms. */
function compareSameStructure(out: unknown, ref: unknown, _c: ConformanceCase, tolerance: ToleranceKind): Comparison {
  return compareMatrix(out, ref, tolerance);
}

/** A Float64Array of the reference's length, values within tolerance: reductions. */
function compareF64Vector(out: unknown, ref: unknown, c: ConformanceCase, tolerance: ToleranceKind): Comparison {
  if (!(out instanceof Float64Array)) return mismatch(`expected a Float64Array, got ${(out as object | null)?.constructor?.name ?? String(out)}`);
  return compareArrays(out, ref as Float64Array, tolerance, c.dtype);
}

/** The conformance recipes, one per kernel. */
export const CONFORMANCE: RecipeTable = {
  ...STATS_CONFORMANCE, // meanVar, nnzCount, qcMetrics, filterCells, filterGenes, subset, toCsc, toCsr
  ...TRANSFORMS_CONFORMANCE, // normalizeTotal, scale
  ...HVG_CONFORMANCE, // highlyVariableGenes, expm1MeanVar, clippedSums
  ...SPATIAL_CONFORMANCE, // spatialNeighbors, spatialAutocorr, coOccurrence, nhoodEnrichment, ligrec
  log1p: {
    layouts: ['csr', 'csc', 'dense'],
    argSets: [
      { label: 'base null', args: { base: null } },
      { label: 'base 2', args: { base: 2 } },
      { label: 'base 10', args: { base: 10 } },
      { label: 'base 2, in place', args: { base: 2, inPlace: true } },
    ],
    run: (fn, c, args, bo) => runInPlace(c.x, args.inPlace, (x) => fn(x, args, bo), (r) => r),
    compare: compareSameStructure,
  },
  sum: {
    layouts: ['csr', 'csc', 'dense'],
    argSets: [
      { label: 'axis 0', args: { axis: 0 } },
      { label: 'axis 1', args: { axis: 1 } },
    ],
    run: (fn, c, args, bo) => fn(c.x as Parameters<typeof fn>[0], args, bo),
    compare: compareF64Vector,
  },
};
