/**
 * Every recipe of validateBackend() catches a backend that is wrong on that kernel: a backend
 * that is the js reference except for one output value of one kernel, moved beyond the
 * kernel's tolerance, fails that kernel and passes every other.
 */
import { describe, expect, it } from 'vitest';
import type { HighlyVariableGenesResult, HvgDispersionResult } from '../../src/api/highly_variable_genes_core.js';
import { jsBackend } from '../../src/backends/js/index.js';
import type { Backend, KernelName, NormalizeTotalResult, ScaleResult } from '../../src/backends/types.js';
import { CscMatrix, CsrMatrix, DenseMatrix } from '../../src/matrix/index.js';
import { CONFORMANCE, KERNEL_TOLERANCE, type ToleranceKind, allowedError, formatReport, validateBackend } from '../../src/testing/index.js';
import { KERNEL_NAMES } from '../../src/backends/types.js';

/** The kernels whose recipes this file covers (log1p by layout below). */
const NEW = [
  'normalizeTotal',
  'scale',
  'highlyVariableGenes',
  'expm1MeanVar',
  'clippedSums',
  'spatialNeighbors',
  'spatialAutocorr',
  'coOccurrence',
  'nhoodEnrichment',
  'ligrec',
] as const satisfies readonly KernelName[];

/**
 * Moves the first finite, non-zero value of `a` (a copy) by `factor` × its allowed error
 * (f32 eps, the larger: beyond tolerance for either dtype); for `exact`, by 1. Returns the
 * copy (unchanged when it holds no such value).
 */
function bumped<A extends Float32Array | Float64Array | Int32Array>(a: A, kind: ToleranceKind, factor = 10): A {
  const out = a.slice() as A;
  for (let i = 0; i < out.length; i++) {
    const v = out[i]!;
    if (!Number.isFinite(v) || v === 0) continue;
    out[i] = kind === 'exact' ? v + 1 : v + factor * allowedError(kind, v, 'f32');
    if (out[i] === v) continue; // rounded back (float32 data): try the next one
    return out;
  }
  return out;
}

type Matrix = CsrMatrix | CscMatrix | DenseMatrix;

function withBumpedValues(m: Matrix, kind: ToleranceKind): Matrix {
  const n = m instanceof DenseMatrix ? m.shape[0] * m.shape[1] : m.nnz;
  const data = m.data.slice();
  data.set(bumped(m.data.subarray(0, n) as Float32Array | Float64Array, kind));
  return m instanceof DenseMatrix ? new DenseMatrix({ shape: m.shape, data }) : m.withData(data);
}

/** One output value of each kernel moved beyond its tolerance. */
const PERTURB: Record<(typeof NEW)[number], (out: never) => unknown> = {
  normalizeTotal: (o: NormalizeTotalResult<Matrix>) => ({ ...o, X: withBumpedValues(o.X, 'elementwise') }),
  scale: (o: ScaleResult<Matrix>) => ({ ...o, X: withBumpedValues(o.X, 'elementwise') }),
  highlyVariableGenes: (o: HighlyVariableGenesResult) => ({ ...o, means: bumped(o.means, 'statistic') }),
  expm1MeanVar: (o: { mean: Float64Array; var: Float64Array }) => ({ ...o, var: bumped(o.var, 'reduction') }),
  clippedSums: (o: { sum: Float64Array; sumSq: Float64Array }) => ({ ...o, sumSq: bumped(o.sumSq, 'reduction') }),
  spatialNeighbors: (o: { distances: Float64Array }) => ({ ...o, distances: bumped(o.distances, 'elementwise') }),
  spatialAutocorr: (o: { stat: Float64Array }) => ({ ...o, stat: bumped(o.stat, 'statistic') }),
  coOccurrence: (o: Float64Array) => bumped(o, 'exact'),
  nhoodEnrichment: (o: { permStd: Float64Array }) => ({ ...o, permStd: bumped(o.permStd, 'statistic') }),
  ligrec: (o: { means: Float64Array }) => ({ ...o, means: bumped(o.means, 'reduction') }),
};

/** A CSR matrix from its columns (cells × genes). */
function denseToCsr(cols: number[][]): CsrMatrix {
  const nrows = cols[0]!.length;
  const indptr = [0];
  const indices: number[] = [];
  const data: number[] = [];
  for (let i = 0; i < nrows; i++) {
    cols.forEach((col, j) => {
      if (col[i] !== 0) {
        indices.push(j);
        data.push(col[i]!);
      }
    });
    indptr.push(indices.length);
  }
  return new CsrMatrix({ shape: [nrows, cols.length], data: Float64Array.from(data), indices: Int32Array.from(indices), indptr: Int32Array.from(indptr) });
}

/** The js backend, with `kernel`'s output passed through `change`. */
function broken(kernel: KernelName, change: (out: never, args: unknown[]) => unknown): Backend {
  const real = jsBackend.kernels[kernel] as (...a: unknown[]) => unknown;
  return { name: `broken-${kernel}`, kernels: { ...jsBackend.kernels, [kernel]: (...a: unknown[]) => change(real(...a) as never, a) } };
}

async function expectOnlyFails(backend: Backend, kernel: KernelName, kernels: readonly KernelName[] = NEW) {
  const report = await validateBackend(backend, { kernels: [...new Set([...kernels, kernel])] });
  const text = formatReport(report);
  expect(report.ok, text).toBe(false);
  for (const k of report.kernels) {
    if (k.kernel === kernel) {
      expect(k.status, `${kernel}\n${text}`).toBe('fail');
      expect(k.worstRatio, text).toBeGreaterThan(1);
    } else expect(k.status, `${k.kernel} (${kernel} perturbed)\n${text}`).toBe('pass');
  }
  return report.kernels.find((k) => k.kernel === kernel)!;
}

describe('every kernel has a recipe and a tolerance kind', () => {
  it('CONFORMANCE and KERNEL_TOLERANCE cover KERNEL_NAMES', () => {
    for (const k of KERNEL_NAMES) {
      expect(CONFORMANCE[k], k).toBeDefined();
      expect(KERNEL_TOLERANCE[k], k).toBeDefined();
      expect(CONFORMANCE[k]!.argSets.length, k).toBeGreaterThan(0);
    }
    expect(KERNEL_TOLERANCE).toMatchObject({
      normalizeTotal: 'elementwise',
      scale: 'elementwise',
      highlyVariableGenes: 'statistic',
      expm1MeanVar: 'reduction',
      clippedSums: 'reduction',
      coOccurrence: 'exact',
    });
  });

  it('js against itself passes every kernel, each with runs', { timeout: 120_000 }, async () => {
    const report = await validateBackend(jsBackend);
    expect(report.ok, formatReport(report)).toBe(true);
    for (const k of report.kernels) {
      expect(k.status, k.kernel).toBe('pass');
      expect(k.cases, k.kernel).toBeGreaterThan(0);
    }
    const get = (k: KernelName) => report.kernels.find((r) => r.kernel === k)!;
    // The transforms run every case (CSR, CSC and dense) with every argument set (one of them
    // in place), except scale's zero-centring in place, which runs on the dense cases only.
    for (const [k, sets] of [['log1p', 4], ['normalizeTotal', 6]] as const) {
      expect(get(k).skipped, k).toBe(0);
      expect(get(k).cases, k).toBe(sets * report.caseCount);
    }
    const scale = get('scale');
    expect(scale.cases + scale.skipped).toBe(10 * report.caseCount);
    expect(scale.skipped).toBeGreaterThan(0);
    expect(scale.skipped).toBeLessThan(report.caseCount);
  });
});

describe('a backend off on one kernel fails that kernel and passes the others', () => {
  for (const kernel of NEW) {
    it(kernel, { timeout: 120_000 }, async () => {
      const perturb = PERTURB[kernel as keyof typeof PERTURB];
      const r = await expectOnlyFails(broken(kernel, (out) => perturb(out)), kernel);
      expect(r.message, r.kernel).toBeDefined();
    });
  }

  it('log1p: a value off on CSC only, or on dense only, or with a base only, fails log1p', { timeout: 120_000 }, async () => {
    for (const [what, when] of [
      ['csc', (x: unknown) => x instanceof CscMatrix],
      ['dense', (x: unknown) => x instanceof DenseMatrix],
      ['base 2', (_x: unknown, base: number | null) => base === 2],
    ] as const) {
      const b = broken('log1p', (out: Matrix, [x, args]) => (when(x, (args as { base: number | null }).base) ? withBumpedValues(out, 'elementwise') : out));
      const r = await expectOnlyFails(b, 'log1p', ['log1p', 'normalizeTotal']);
      expect(r.worstCase, what).toContain(what === 'base 2' ? 'base 2' : what);
    }
  });

  it('normalizeTotal: one excluded gene flipped, or totals off, fails', { timeout: 120_000 }, async () => {
    const flip = broken('normalizeTotal', (o: NormalizeTotalResult<unknown>) => {
      if (!o.excludedGenes || o.excludedGenes.length === 0) return o;
      const e = o.excludedGenes.slice();
      e[0] = e[0] ? 0 : 1;
      return { ...o, excludedGenes: e };
    });
    expect((await expectOnlyFails(flip, 'normalizeTotal', ['normalizeTotal'])).message).toMatch(/excludedGenes/);
    const totals = broken('normalizeTotal', (o: NormalizeTotalResult<unknown>) => ({ ...o, totals: bumped(o.totals, 'reduction') }));
    expect((await expectOnlyFails(totals, 'normalizeTotal', ['normalizeTotal'])).message).toMatch(/totals/);
  });

  it('scale: a sparse-input zero-centred result returned sparse, or std off, fails', { timeout: 120_000 }, async () => {
    const sparse = broken('scale', (o: ScaleResult<unknown>, [x, args]) =>
      (args as { zeroCenter: boolean }).zeroCenter && x instanceof CsrMatrix ? { ...o, X: x } : o,
    );
    expect((await expectOnlyFails(sparse, 'scale', ['scale'])).message).toMatch(/expected a dense matrix/);
    const std = broken('scale', (o: ScaleResult<unknown>) => ({ ...o, std: bumped(o.std, 'reduction') }));
    expect((await expectOnlyFails(std, 'scale', ['scale'])).message).toMatch(/std/);
  });

  it('highlyVariableGenes: a selected gene far from the cut-off dropped fails; a tie at the cut-off swapped passes', { timeout: 120_000 }, async () => {
    const drop = broken('highlyVariableGenes', (o: HighlyVariableGenesResult) => {
      if (o.flavor !== 'seurat' && o.flavor !== 'cell_ranger') return o;
      // Drop the selected gene with the highest normalised dispersion (never tied at the cut-off).
      let best = -1;
      o.highlyVariable.forEach((v, j) => {
        if (v && (best < 0 || o.dispersionsNorm[j]! > o.dispersionsNorm[best]!)) best = j;
      });
      if (best < 0 || o.highlyVariable.reduce((a, b) => a + b, 0) < 2) return o;
      const hv = o.highlyVariable.slice();
      hv[best] = 0;
      return { ...o, highlyVariable: hv };
    });
    expect((await expectOnlyFails(drop, 'highlyVariableGenes', ['highlyVariableGenes'])).message).toMatch(/not tied at the cut-off/);

    // A tie at the cut-off: genes 0 and 1 are the same column, so they share a normalised
    // dispersion; nTopGenes puts the cut-off there (seurat then selects both).
    const cols = [[1, 2, 1, 2, 5], [1, 2, 1, 2, 5], [0, 3, 0, 3, 1], [1, 1, 1, 2, 1], [0, 0, 0, 4, 2], [2, 2, 3, 2, 2], [1, 0, 2, 0, 1]];
    const x = denseToCsr(cols);
    const base = { flavor: 'seurat', nTopGenes: null, minMean: 0.0125, maxMean: 3, minDisp: 0.5, maxDisp: Infinity, nBins: 1, span: 0.3 } as const;
    const all = jsBackend.kernels.highlyVariableGenes!(x, base) as HvgDispersionResult;
    const order = Array.from(all.dispersionsNorm).map((v, j) => [v, j] as const).filter(([v]) => !Number.isNaN(v)).sort((a, b) => b[0] - a[0]);
    const position = order.findIndex(([, j]) => j === 0 || j === 1);
    expect(position).toBeLessThan(order.length - 2); // the tie is not at the bottom: a gene below is unselected
    const args = { ...base, nTopGenes: position + 1 };
    const ref = jsBackend.kernels.highlyVariableGenes!(x, args) as HvgDispersionResult;
    expect([ref.highlyVariable[0], ref.highlyVariable[1]]).toEqual([1, 1]);
    const { HVG_CONFORMANCE } = await import('../../src/testing/conformance-hvg.js');
    const recipe = HVG_CONFORMANCE.highlyVariableGenes!;
    const c = { name: 'ties', layout: 'csr', dtype: 'f64', x, real: false } as const;
    const wrap = (r: HighlyVariableGenesResult) => ({ args, result: r });
    const tiedDropped = ref.highlyVariable.slice();
    tiedDropped[1] = 0;
    expect(recipe.compare(wrap({ ...ref, highlyVariable: tiedDropped }), wrap(ref), c, 'statistic').ok).toBe(true);
    const below = order[position + 2]![1];
    const wrongAdded = ref.highlyVariable.slice();
    wrongAdded[below] = 1;
    const cmp = recipe.compare(wrap({ ...ref, highlyVariable: wrongAdded }), wrap(ref), c, 'statistic');
    expect(cmp.ok).toBe(false);
    expect(cmp.message).toMatch(new RegExp(`gene ${below}.*not tied`));
  });

  it('spatial: a changed neighbour, a count off by one or a p-value off fails', { timeout: 120_000 }, async () => {
    const nb = broken('spatialNeighbors', (o: { indptr: Int32Array; indices: Int32Array; distances: Float64Array }) => {
      if (o.indices.length < 2) return o;
      const indices = o.indices.slice();
      indices[0] = indices[0] === 0 ? 1 : 0;
      return { ...o, indices };
    });
    expect((await expectOnlyFails(nb, 'spatialNeighbors', ['spatialNeighbors'])).message).toMatch(/indices/);
    const ge = broken('spatialAutocorr', (o: { nGreaterEqual: Int32Array | null }) => (o.nGreaterEqual ? { ...o, nGreaterEqual: bumped(o.nGreaterEqual, 'exact') } : o));
    expect((await expectOnlyFails(ge, 'spatialAutocorr', ['spatialAutocorr'])).message).toMatch(/nGreaterEqual/);
    const nc = broken('nhoodEnrichment', (o: { count: Int32Array }) => ({ ...o, count: bumped(o.count, 'exact') }));
    expect((await expectOnlyFails(nc, 'nhoodEnrichment', ['nhoodEnrichment'])).message).toMatch(/count/);
    const pv = broken('ligrec', (o: { pvalues: Float64Array }) => ({ ...o, pvalues: bumped(o.pvalues, 'statistic', 1000) }));
    expect((await expectOnlyFails(pv, 'ligrec', ['ligrec'])).message).toMatch(/pvalues/);
  });

  it('a kernel that writes into a derived input (the neighbour graph) fails, and the next backend is unaffected', { timeout: 120_000 }, async () => {
    const writer = broken('nhoodEnrichment', (o, [w]) => {
      const g = w as CsrMatrix;
      if (g.nnz > 0) g.indices[0] = g.indices[0]! === 0 ? 1 : 0;
      return o;
    });
    const r = await expectOnlyFails(writer, 'nhoodEnrichment', ['nhoodEnrichment']);
    expect(r.message).toMatch(/modified its input/);
    const ok = await validateBackend(jsBackend, { kernels: ['nhoodEnrichment', 'spatialAutocorr'] });
    expect(ok.ok, formatReport(ok)).toBe(true);
  });
});
