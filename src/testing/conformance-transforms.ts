/**
 * Conformance recipes of the transforms family (normalizeTotal, scale); log1p's is in
 * ./kernels.ts. Spread into CONFORMANCE by ./kernels.ts.
 * @module
 */
import type { KernelArgs, NormalizeTotalResult, ScaleResult } from '../backends/types.js';
import type { ConformanceCase } from './cases.js';
import { type RecipeTable, compareMatrix, compareTyped, describe, guarded, mismatch, runInPlace, worst } from './conformance-common.js';
import type { Comparison, ToleranceKind } from './tolerance.js';

/**
 * normalizeTotal: X same structure and dtype, element-wise; normFactor (input dtype) and
 * target element-wise; totals (float64) a reduction; excludedGenes identical (or both null).
 */
function compareNormalizeTotal(out: unknown, ref: unknown, c: ConformanceCase, tol: ToleranceKind): Comparison {
  const o = out as Partial<NormalizeTotalResult<unknown>> | null;
  const r = ref as NormalizeTotalResult<unknown>;
  if (o === null || typeof o !== 'object' || !('X' in o)) return mismatch(`expected { X, target, normFactor, totals, excludedGenes }, got ${describe(out)}`);
  if (typeof o.target !== 'number') return mismatch(`target is ${describe(o.target)}, expected a number`);
  if ((o.excludedGenes == null) !== (r.excludedGenes === null)) {
    return mismatch(`excludedGenes is ${describe(o.excludedGenes ?? null)}, expected ${describe(r.excludedGenes)}`);
  }
  return worst([
    ['X', compareMatrix(o.X, r.X, tol)],
    ['target', compareTyped(Float64Array.of(o.target), Float64Array.of(r.target), tol, c.dtype)],
    ['normFactor', compareTyped(o.normFactor, r.normFactor, tol, c.dtype)],
    ['totals', compareTyped(o.totals, r.totals, 'reduction', c.dtype)],
    ...(r.excludedGenes ? ([['excludedGenes', compareTyped(o.excludedGenes, r.excludedGenes, 'exact', c.dtype)]] as const) : []),
  ]);
}

/** scale: X in the reference's layout and dtype (dense float64 for zero-centred sparse input), element-wise; mean and std reductions. */
function compareScale(out: unknown, ref: unknown, c: ConformanceCase, tol: ToleranceKind): Comparison {
  const o = out as Partial<ScaleResult<unknown>> | null;
  const r = ref as ScaleResult<unknown>;
  if (o === null || typeof o !== 'object' || !('X' in o)) return mismatch(`expected { X, mean, std }, got ${describe(out)}`);
  return worst([
    ['X', compareMatrix(o.X, r.X, tol)],
    ['mean', compareTyped(o.mean, r.mean, 'reduction', c.dtype)],
    ['std', compareTyped(o.std, r.std, 'reduction', c.dtype)],
  ]);
}

const NORMALIZE_ARGS: readonly { label: string; args: KernelArgs['normalizeTotal'] }[] = [
  { label: 'median target', args: { targetSum: null, excludeHighlyExpressed: false, maxFraction: 0.05 } },
  { label: 'target 1e4', args: { targetSum: 1e4, excludeHighlyExpressed: false, maxFraction: 0.05 } },
  { label: 'target 0.1', args: { targetSum: 0.1, excludeHighlyExpressed: false, maxFraction: 0.05 } },
  { label: 'median target, exclude > 5 %', args: { targetSum: null, excludeHighlyExpressed: true, maxFraction: 0.05 } },
  { label: 'target 1e4, exclude > 30 %', args: { targetSum: 1e4, excludeHighlyExpressed: true, maxFraction: 0.3 } },
  { label: 'median target, exclude > 5 %, in place', args: { targetSum: null, excludeHighlyExpressed: true, maxFraction: 0.05, inPlace: true } },
];

/** Placeholder of a mask: run() builds the case's mask (every third cell left out). */
const MASK = new Uint8Array(0);

function scaleMask(c: ConformanceCase, mask: Uint8Array | null): Uint8Array | null {
  return mask === null ? null : Uint8Array.from({ length: c.x.shape[0] }, (_, i) => (i % 3 === 1 ? 0 : 1));
}

const SCALE_ARGS: { label: string; args: KernelArgs['scale'] }[] = [];
for (const zeroCenter of [true, false]) {
  for (const maxValue of [null, 1.5]) {
    for (const mask of [null, MASK]) {
      SCALE_ARGS.push({
        label: `${zeroCenter ? 'zero-centred' : 'not centred'}, ${maxValue === null ? 'no clip' : `clip ${maxValue}`}${mask ? ', mask' : ''}`,
        args: { zeroCenter, maxValue, mask },
      });
    }
  }
}
SCALE_ARGS.push(
  { label: 'not centred, clip 1.5, mask, in place', args: { zeroCenter: false, maxValue: 1.5, mask: MASK, inPlace: true } },
  { label: 'zero-centred, clip 1.5, in place (dense only)', args: { zeroCenter: true, maxValue: 1.5, mask: null, inPlace: true } },
);

/** Zero-centring densifies sparse input: above this many dense values (real data) those runs are skipped. */
const MAX_DENSE_VALUES = 1 << 22;

/** The transforms' recipes. */
export const TRANSFORMS_CONFORMANCE: RecipeTable = {
  normalizeTotal: {
    layouts: ['csr', 'csc', 'dense'],
    argSets: NORMALIZE_ARGS,
    run: (fn, c, args, bo) => runInPlace(c.x, args.inPlace, (x) => fn(x, args, bo), (r) => r.X),
    compare: compareNormalizeTotal,
  },
  scale: {
    layouts: ['csr', 'csc', 'dense'],
    argSets: SCALE_ARGS,
    skip: (c, args) => {
      if (args.inPlace && args.zeroCenter && c.layout !== 'dense') return 'in place: zero-centring a sparse matrix gives a new dense one';
      const n = c.x.shape[0] * c.x.shape[1];
      if (args.zeroCenter && c.layout !== 'dense' && n > MAX_DENSE_VALUES) {
        return `zero-centring densifies; ${c.layout.toUpperCase()} input of ${n} values above ${MAX_DENSE_VALUES} is left to the generated cases`;
      }
      return undefined;
    },
    run: (fn, c, args, bo) => {
      const mask = scaleMask(c, args.mask);
      return guarded(mask ? [mask] : [], () => runInPlace(c.x, args.inPlace, (x) => fn(x, { ...args, mask }, bo), (r) => r.X), () => {});
    },
    compare: compareScale,
  },
};
