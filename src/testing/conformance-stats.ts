/**
 * Conformance recipes of the stats family (meanVar, nnzCount, qcMetrics, filterCells,
 * filterGenes, subset, toCsc, toCsr); spread into CONFORMANCE by ./kernels.ts.
 * @module
 */
import type { FilterResult, KernelArgs, KernelName, KernelSignatures, MeanVarResult, QcMetricsResult } from '../backends/types.js';
import type { ConformanceCase } from './cases.js';
import type { KernelConformance } from './conformance-common.js';
import { type Comparison, type ToleranceKind, allowedError, compareArrays } from './tolerance.js';

type Recipe<K extends KernelName> = KernelConformance<K>;

function fail(message: string): Comparison {
  return { ok: false, worstRatio: Infinity, worstIndex: -1, worstOut: NaN, worstRef: NaN, message };
}

function describe(x: unknown): string {
  if (x === null || typeof x !== 'object') return String(x === null ? 'null' : typeof x);
  return (x as object).constructor?.name ?? 'an object';
}

/** The worse of several comparisons, its message prefixed with what was compared. */
function worst(parts: [string, Comparison][]): Comparison {
  let w: Comparison = { ok: true, worstRatio: 0, worstIndex: -1, worstOut: NaN, worstRef: NaN };
  for (const [what, c] of parts) {
    if (!c.ok && w.ok) w = { ...c, message: `${what}: ${c.message ?? 'mismatch'}` };
    else if (c.ok && w.ok && c.worstRatio > w.worstRatio) w = c;
  }
  return w;
}

function sameKind(out: unknown, ref: unknown, what: string): string | undefined {
  if (describe(out) !== describe(ref)) return `${what} is ${describe(out)}, expected ${describe(ref)}`;
  return undefined;
}

/** Every argument set of a reduction over an axis. */
const AXES = [
  { label: 'axis 0', axis: 0 },
  { label: 'axis 1', axis: 1 },
] as const;

function compareMeanVar(out: unknown, ref: unknown, c: ConformanceCase, tol: ToleranceKind): Comparison {
  const o = out as Partial<MeanVarResult> | null;
  const r = ref as MeanVarResult;
  if (!(o?.mean instanceof Float64Array) || !(o.var instanceof Float64Array)) return fail(`expected { mean, var } Float64Arrays, got ${describe(out)}`);
  return worst([
    ['mean', compareArrays(o.mean, r.mean, tol, c.dtype)],
    ['var', compareArrays(o.var, r.var, tol, c.dtype)],
  ]);
}

function compareInts(out: unknown, ref: unknown): Comparison {
  if (!(out instanceof Int32Array)) return fail(`expected an Int32Array, got ${describe(out)}`);
  return compareArrays(out, ref as Int32Array, 'exact', 'f64');
}

/** A few genes of each case as a QC set, and the top-N sizes that fit the case. */
function qcArgs(c: ConformanceCase, base: KernelArgs['qcMetrics']): KernelArgs['qcMetrics'] {
  const ncols = c.x.shape[1];
  const mask = Uint8Array.from({ length: ncols }, (_, j) => (j % 3 === 1 ? 1 : 0));
  return { ...base, qcVars: base.qcVars.length ? [{ name: 'set', mask }] : [], percentTop: base.percentTop.filter((n) => n <= ncols) };
}

function compareQc(out: unknown, ref: unknown, c: ConformanceCase, tol: ToleranceKind): Comparison {
  const o = out as Partial<QcMetricsResult> | null;
  const r = ref as QcMetricsResult;
  if (!o?.obs || !o.var) return fail(`expected { obs, var }, got ${describe(out)}`);
  const parts: [string, Comparison][] = [];
  for (const table of ['obs', 'var'] as const) {
    const want = Object.keys(r[table]);
    const got = Object.keys(o[table]!);
    if (want.join() !== got.join()) return fail(`${table} columns ${got.join(', ')}, expected ${want.join(', ')}`);
    for (const k of want) {
      const a = o[table]![k];
      const b = r[table][k]!;
      const kind = sameKind(a, b, `${table}.${k}`);
      if (kind) return fail(kind);
      parts.push([`${table}.${k}`, compareArrays(a!, b, b instanceof Int32Array ? 'exact' : tol, c.dtype)]);
    }
  }
  return worst(parts);
}

/**
 * Filter results: counts within tolerance; the mask equal to the reference's except where the
 * two counts lie within tolerance of each other on both sides of the threshold.
 */
function compareFilter(args: KernelArgs['filterCells']) {
  return (out: unknown, ref: unknown, c: ConformanceCase, tol: ToleranceKind): Comparison => {
    const o = out as Partial<FilterResult> | null;
    const r = ref as FilterResult;
    if (!(o?.mask instanceof Uint8Array)) return fail(`expected { mask: Uint8Array, counts }, got ${describe(out)}`);
    const kind = sameKind(o.counts, r.counts, 'counts');
    if (kind) return fail(kind);
    const counts = compareArrays(o.counts!, r.counts, r.counts instanceof Int32Array ? 'exact' : tol, c.dtype);
    if (!counts.ok) return { ...counts, message: `counts: ${counts.message}` };
    if (o.mask.length !== r.mask.length) return fail(`mask has ${o.mask.length} entries, expected ${r.mask.length}`);
    const threshold = (args.min ?? args.max)!;
    for (let i = 0; i < r.mask.length; i++) {
      if (o.mask[i] === r.mask[i]) continue;
      const near = Math.abs(r.counts[i]! - threshold) <= allowedError(tol, r.counts[i]!, c.dtype);
      if (!near) return fail(`mask differs at ${i}: ${o.mask[i]} vs ${r.mask[i]} (count ${o.counts![i]} vs ${r.counts[i]}, threshold ${threshold})`);
    }
    return counts;
  };
}

interface Compressed {
  format: string;
  shape: readonly [number, number];
  data: Float32Array | Float64Array;
  indices: Int32Array;
  indptr: Int32Array;
}

/** Structure and values identical (subset, conversions: exact copies). */
function compareExactMatrix(out: unknown, ref: unknown, c: ConformanceCase): Comparison {
  const o = out as Partial<Compressed> | null;
  const r = ref as Compressed;
  if (!o || o.format !== r.format) return fail(`expected a ${r.format} matrix, got ${describe(out)}`);
  if (o.shape?.[0] !== r.shape[0] || o.shape[1] !== r.shape[1]) return fail(`shape ${o.shape?.join('×')}, expected ${r.shape.join('×')}`);
  if (describe(o.data) !== describe(r.data)) return fail(`data is ${describe(o.data)}, expected ${describe(r.data)}`);
  const nnz = r.indptr[r.indptr.length - 1] ?? 0;
  return worst([
    ['indptr', compareArrays(o.indptr!, r.indptr, 'exact', c.dtype)],
    ['indices', compareArrays(o.indices!.subarray(0, nnz), r.indices.subarray(0, nnz), 'exact', c.dtype)],
    ['data', compareArrays(o.data!.subarray(0, nnz), r.data.subarray(0, nnz), 'exact', c.dtype)],
  ]);
}

/** A handle result is compared after download(). */
function plainOf(x: unknown): unknown {
  const h = x as { resident?: boolean; download?: () => unknown } | null;
  return h?.resident && typeof h.download === 'function' ? h.download() : x;
}

/** Rows and columns picked from a case: reversed every-other rows with a repeat; columns reordered, with a repeat. */
function subsetArgs(c: ConformanceCase, kind: SubsetKind): KernelArgs['subset'] {
  const [nrows, ncols] = c.x.shape;
  const rows = Int32Array.from([...Array.from({ length: nrows }, (_, i) => nrows - 1 - i).filter((i) => i % 2 === 0), ...(nrows > 0 ? [0] : [])]);
  const cols = Int32Array.from([...Array.from({ length: ncols }, (_, j) => (j * 7) % ncols).filter((j, k, a) => a.indexOf(j) === k && j % 3 !== 0), ...(ncols > 1 ? [1] : [])]);
  const maskCols = Int32Array.from(Array.from({ length: ncols }, (_, j) => j).filter((j) => j % 4 !== 2));
  switch (kind) {
    case 'rows':
      return { rows, cols: null };
    case 'cols':
      return { rows: null, cols };
    case 'both':
      return { rows, cols };
    case 'mask':
      return { rows: null, cols: maskCols };
  }
}

const FILTER_ARGS = [
  { label: 'min counts 6', args: { by: 'counts', min: 6, max: null } },
  { label: 'max counts 40', args: { by: 'counts', min: null, max: 40 } },
  { label: 'min detected 3', args: { by: 'detected', min: 3, max: null } },
  { label: 'max detected 10', args: { by: 'detected', min: null, max: 10 } },
] as const satisfies readonly { label: string; args: KernelArgs['filterCells'] }[];

function filterRecipe<K extends 'filterCells' | 'filterGenes'>(): Recipe<K> {
  return {
    layouts: ['csr', 'csc', 'dense'],
    argSets: FILTER_ARGS.map((a) => ({ label: a.label, args: { ...a.args } })),
    // The result travels with its args: compare() needs the threshold.
    run: (fn, c, args, bo) => ({ args, result: (fn as KernelSignatures['filterCells'])(c.x, args, bo) }),
    compare: (out, ref, c, tol) => {
      const r = ref as { args: KernelArgs['filterCells']; result: FilterResult };
      return compareFilter(r.args)((out as { result?: unknown } | null)?.result, r.result, c, tol);
    },
  };
}

type SubsetKind = 'rows' | 'cols' | 'both' | 'mask';
const SUBSET_KIND = new WeakMap<object, SubsetKind>();
const SUBSET_ARGS = (['rows', 'cols', 'both', 'mask'] as const).map((kind) => {
  const args: KernelArgs['subset'] = { rows: null, cols: null };
  SUBSET_KIND.set(args, kind);
  return { label: kind, args };
});

/** The stats family's recipes. */
export const STATS_CONFORMANCE: { readonly [K in KernelName]?: Recipe<K> } = {
  meanVar: {
    layouts: ['csr', 'csc', 'dense'],
    argSets: [...AXES.map((a) => ({ label: `${a.label}, ddof 1`, args: { axis: a.axis, ddof: 1 as const } })), { label: 'axis 0, ddof 0', args: { axis: 0, ddof: 0 } }],
    run: (fn, c, args, bo) => fn(c.x, args, bo),
    compare: compareMeanVar,
  },
  nnzCount: {
    layouts: ['csr', 'csc', 'dense'],
    argSets: [...AXES.map((a) => ({ label: a.label, args: { axis: a.axis, positive: false } })), { label: 'axis 1, positive', args: { axis: 1, positive: true } }],
    run: (fn, c, args, bo) => fn(c.x, args, bo),
    compare: (out, ref) => compareInts(out, ref),
  },
  qcMetrics: {
    layouts: ['csr'],
    argSets: [
      { label: 'top 1/5/20/50, one QC set, log1p', args: { qcVars: [{ name: 'set', mask: new Uint8Array(0) }], percentTop: [1, 5, 20, 50], log1p: true } },
      { label: 'no top, no QC set, no log1p', args: { qcVars: [], percentTop: [], log1p: false } },
    ],
    run: (fn, c, args, bo) => fn(c.x as Parameters<typeof fn>[0], qcArgs(c, args), bo),
    compare: compareQc,
  },
  filterCells: filterRecipe<'filterCells'>(),
  filterGenes: filterRecipe<'filterGenes'>(),
  subset: {
    layouts: ['csr'],
    // Each argument set names a selection that run() builds for the case's shape.
    argSets: SUBSET_ARGS,
    run: (fn, c, args, bo) => plainOf(fn(c.x as Parameters<typeof fn>[0], subsetArgs(c, SUBSET_KIND.get(args) ?? 'both'), bo)),
    compare: (out, ref, c) => compareExactMatrix(out, ref, c),
  },
  toCsc: {
    layouts: ['csr'],
    argSets: [{ label: 'default', args: {} }],
    run: (fn, c, args, bo) => fn(c.x as Parameters<typeof fn>[0], args, bo),
    compare: (out, ref, c) => compareExactMatrix(out, ref, c),
  },
  toCsr: {
    layouts: ['csc'],
    argSets: [{ label: 'default', args: {} }],
    run: (fn, c, args, bo) => fn(c.x as Parameters<typeof fn>[0], args, bo),
    compare: (out, ref, c) => compareExactMatrix(out, ref, c),
  },
};
