/**
 * Conformance recipes of highlyVariableGenes and its two matrix passes (expm1MeanVar,
 * clippedSums); spread into CONFORMANCE by ./kernels.ts.
 *
 * highlyVariableGenes: every numeric column (means, dispersions, normalised dispersions,
 * variances) within the `statistic` tolerance; `meanBin` identical; the selection identical
 * except genes tied at the cut-off — a gene may be selected by one side only when its score
 * lies within the statistic tolerance of the reference's cut-off score (nTopGenes), or its
 * mean or normalised dispersion within tolerance of a bound (cut-offs); seurat_v3 ranks
 * identical except between genes whose scores are within tolerance of each other.
 * @module
 */
import type { HighlyVariableGenesResult, HvgArgs, HvgDispersionResult, HvgSeuratV3Result } from '../api/highly_variable_genes_core.js';
import type { KernelArgs } from '../backends/types.js';
import type { CsrMatrix } from '../matrix/index.js';
import type { ConformanceCase } from './cases.js';
import { type RecipeTable, compareTyped, describe, guarded, mismatch, worst } from './conformance-common.js';
import { type Comparison, type ToleranceKind, allowedError } from './tolerance.js';

/** Whether two scores are within the statistic tolerance of each other (NaN ties NaN). */
function near(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= allowedError('statistic', b, 'f64');
}

/** numpy.nan_to_num(x, nan=nan). */
function nanToNum(x: number, nan: number): number {
  if (Number.isNaN(x)) return nan;
  if (x === Infinity) return Number.MAX_VALUE;
  if (x === -Infinity) return -Number.MAX_VALUE;
  return x;
}

/**
 * The selection against the reference's: where they differ, `excused(j)` must say why (the
 * gene is tied at the cut-off); otherwise a mismatch naming the gene.
 */
function compareSelection(out: unknown, ref: Uint8Array, excused: (j: number) => string | undefined): Comparison {
  if (!(out instanceof Uint8Array)) return mismatch(`highlyVariable is ${describe(out)}, expected a Uint8Array`);
  if (out.length !== ref.length) return mismatch(`highlyVariable has ${out.length} genes, expected ${ref.length}`);
  for (let j = 0; j < ref.length; j++) {
    if ((out[j] !== 0) === (ref[j] !== 0)) continue;
    const why = excused(j);
    if (why === undefined) return mismatch(`highlyVariable differs at gene ${j}: ${out[j]} vs ${ref[j]}, and the gene is not tied at the cut-off`);
  }
  return { ok: true, worstRatio: 0, worstIndex: -1, worstOut: NaN, worstRef: NaN };
}

/** Why a gene whose selection differs is excused under nTopGenes: its score is tied with the reference's cut-off. */
function tiedAtCutoff(score: ArrayLike<number>, selected: Uint8Array): (j: number) => string | undefined {
  let cut = Infinity;
  for (let j = 0; j < selected.length; j++) if (selected[j] && score[j]! < cut) cut = score[j]!;
  return (j) => (Number.isFinite(cut) && near(score[j]!, cut) ? `score ${score[j]} tied with the cut-off ${cut}` : undefined);
}

function compareDispersion(o: HvgDispersionResult, r: HvgDispersionResult, args: HvgArgs): Comparison {
  const parts: [string, Comparison][] = [
    ['means', compareTyped(o.means, r.means, 'statistic', 'f64')],
    ['dispersions', compareTyped(o.dispersions, r.dispersions, 'statistic', 'f64')],
    ['dispersionsNorm', compareTyped(o.dispersionsNorm, r.dispersionsNorm, 'statistic', 'f64')],
    ['meanBin', compareTyped(o.meanBin, r.meanBin, 'exact', 'f64')],
  ];
  let excused: (j: number) => string | undefined;
  if (args.nTopGenes !== null) {
    excused = tiedAtCutoff(Float64Array.from(r.dispersionsNorm, (v) => nanToNum(v, -Infinity)), r.highlyVariable);
  } else {
    const bounds = (v: number, lo: number, hi: number) => [lo, hi].some((b) => Number.isFinite(b) && near(v, b));
    excused = (j) => (bounds(r.means[j]!, args.minMean, args.maxMean) || bounds(nanToNum(r.dispersionsNorm[j]!, 0), args.minDisp, args.maxDisp) ? 'at a bound' : undefined);
  }
  parts.push(['highlyVariable', compareSelection(o.highlyVariable, r.highlyVariable, excused)]);
  return worst(parts);
}

function compareSeuratV3(o: HvgSeuratV3Result, r: HvgSeuratV3Result): Comparison {
  const score = Float64Array.from(r.variancesNorm, (v) => (Number.isNaN(v) ? -Infinity : v));
  const parts: [string, Comparison][] = [
    ['means', compareTyped(o.means, r.means, 'statistic', 'f64')],
    ['variances', compareTyped(o.variances, r.variances, 'statistic', 'f64')],
    ['variancesNorm', compareTyped(o.variancesNorm, r.variancesNorm, 'statistic', 'f64')],
    ['highlyVariable', compareSelection(o.highlyVariable, r.highlyVariable, tiedAtCutoff(score, r.highlyVariable))],
  ];
  const bad = worst(parts);
  if (!bad.ok) return bad;
  const rank = o.highlyVariableRank;
  if (!(rank instanceof Float64Array) || rank.length !== r.highlyVariableRank.length) return mismatch(`highlyVariableRank is ${describe(rank)} of the wrong length`);
  const geneAt = new Map<number, number>();
  r.highlyVariableRank.forEach((v, j) => {
    if (!Number.isNaN(v)) geneAt.set(v, j);
  });
  for (let j = 0; j < rank.length; j++) {
    const v = rank[j]!;
    if (Number.isNaN(v) !== !o.highlyVariable[j]) return mismatch(`highlyVariableRank[${j}] is ${v} but highlyVariable is ${o.highlyVariable[j]}`);
    if (Number.isNaN(v)) continue;
    const g = geneAt.get(v);
    if (g === undefined) return mismatch(`highlyVariableRank[${j}] is ${v}, a rank the reference does not give`);
    if (g !== j && !near(score[j]!, score[g]!)) return mismatch(`gene ${j} has rank ${v}, the reference gives it to gene ${g} (scores ${score[j]} vs ${score[g]} are not tied)`);
  }
  return bad;
}

function compareHvg(out: unknown, ref: unknown): Comparison {
  const { args, result: r } = ref as { args: HvgArgs; result: HighlyVariableGenesResult };
  const o = (out as { result?: unknown } | null)?.result as Partial<HighlyVariableGenesResult> | undefined;
  if (o === null || typeof o !== 'object') return mismatch(`expected highlyVariableGenes' columns, got ${describe(o)}`);
  if (o.flavor !== r.flavor) return mismatch(`flavor ${String(o.flavor)}, expected ${r.flavor}`);
  return r.flavor === 'seurat' || r.flavor === 'cell_ranger'
    ? compareDispersion(o as HvgDispersionResult, r, args)
    : compareSeuratV3(o as HvgSeuratV3Result, r as HvgSeuratV3Result);
}

const HVG_BASE: HvgArgs = { flavor: 'seurat', nTopGenes: null, minMean: 0.0125, maxMean: 3, minDisp: 0.5, maxDisp: Infinity, nBins: 20, span: 0.3 };

const HVG_ARGS: { label: string; args: HvgArgs }[] = [
  { label: 'seurat, cut-offs', args: { ...HVG_BASE } },
  { label: 'seurat, top 10', args: { ...HVG_BASE, nTopGenes: 10 } },
  { label: 'seurat, 5 bins, cut-offs 0.1 < mean < 2, disp > 0', args: { ...HVG_BASE, nBins: 5, minMean: 0.1, maxMean: 2, minDisp: 0 } },
  { label: 'cell_ranger, top 10', args: { ...HVG_BASE, flavor: 'cell_ranger', nTopGenes: 10 } },
  { label: 'seurat_v3, top 10', args: { ...HVG_BASE, flavor: 'seurat_v3', nTopGenes: 10 } },
  { label: 'seurat_v3, top 200, span 0.5', args: { ...HVG_BASE, flavor: 'seurat_v3', nTopGenes: 200, span: 0.5 } },
];

function compareMoments(out: unknown, ref: unknown, c: ConformanceCase, tol: ToleranceKind, names: readonly [string, string]): Comparison {
  const o = out as Record<string, unknown> | null;
  const r = ref as Record<string, Float64Array>;
  if (o === null || typeof o !== 'object') return mismatch(`expected { ${names.join(', ')} }, got ${describe(out)}`);
  return worst(names.map((n) => [n, compareTyped(o[n], r[n]!, tol, c.dtype)] as const));
}

/** clippedSums' clip vectors: a pattern repeated over the genes. */
const CLIP_ARGS: { label: string; args: KernelArgs['clippedSums'] }[] = [
  { label: 'clip 1, 2.5, 0, +inf by gene', args: { clip: Float64Array.of(1, 2.5, 0, Infinity) } },
  { label: 'clip 3', args: { clip: Float64Array.of(3) } },
  { label: 'clip NaN, 2 by gene', args: { clip: Float64Array.of(NaN, 2) } },
];

function clipFor(c: ConformanceCase, pattern: Float64Array): Float64Array {
  return Float64Array.from({ length: c.x.shape[1] }, (_, j) => pattern[j % pattern.length]!);
}

/**
 * Real data through expm1 runs on log1p(X), the data expm1MeanVar exists for (seurat's
 * log-normalised input). Raw counts through expm1 reach e^count, where a float64 sum in
 * row order — the reference's — is itself hundreds of eps from the exact sum (mouse10k f64,
 * gene 395: the reference 505 eps, wasm's chunked sum 40 eps), so the comparison would
 * measure the reference's rounding rather than the backend's.
 */
const loggedCache = new WeakMap<ConformanceCase, CsrMatrix>();

function logged(c: ConformanceCase): CsrMatrix {
  let x = loggedCache.get(c);
  if (!x) {
    const m = c.x as CsrMatrix;
    const data = m.data instanceof Float32Array ? Float32Array.from(m.data, Math.log1p) : Float64Array.from(m.data, Math.log1p);
    loggedCache.set(c, (x = m.withData(data)));
  }
  return x;
}

/** The recipes of highlyVariableGenes, expm1MeanVar and clippedSums. */
export const HVG_CONFORMANCE: RecipeTable = {
  highlyVariableGenes: {
    layouts: ['csr'],
    argSets: HVG_ARGS,
    // The result travels with its args: compare() needs the cut-offs.
    run: (fn, c, args, bo) => ({ args, result: fn(c.x as Parameters<typeof fn>[0], args, bo) }),
    compare: (out, ref) => compareHvg(out, ref),
  },
  expm1MeanVar: {
    layouts: ['csr'],
    argSets: [
      { label: 'expm1 (real data: of log1p(X))', args: { expm1: true } },
      { label: 'no expm1', args: { expm1: false } },
    ],
    run: (fn, c, args, bo) => {
      if (!(args.expm1 && c.real)) return fn(c.x as Parameters<typeof fn>[0], args, bo);
      const x = logged(c);
      return guarded([x.data], () => fn(x, args, bo), () => loggedCache.delete(c));
    },
    compare: (out, ref, c, tol) => compareMoments(out, ref, c, tol, ['mean', 'var']),
  },
  clippedSums: {
    layouts: ['csr'],
    argSets: CLIP_ARGS,
    run: (fn, c, args, bo) => {
      const clip = clipFor(c, args.clip);
      return guarded([clip], () => fn(c.x as Parameters<typeof fn>[0], { clip }, bo), () => {});
    },
    compare: (out, ref, c, tol) => compareMoments(out, ref, c, tol, ['sum', 'sumSq']),
  },
};
