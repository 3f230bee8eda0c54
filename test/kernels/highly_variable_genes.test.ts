import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ck from '../../src/index.js';
import { type HighlyVariableGenesOptions, resolveHvgOptions } from '../../src/api/highly_variable_genes.js';
import {
  type HvgBatchedDispersionResult,
  type HvgBatchedSeuratV3Result,
  type HvgDispersionResult,
  type HvgSeuratV3Result,
  normalizeDispersions,
} from '../../src/api/highly_variable_genes_core.js';
import { loess1d } from '../../src/api/loess.js';
import { jsBackend } from '../../src/backends/js/index.js';
import type { Backend } from '../../src/backends/types.js';
import { type CscMatrix, CsrMatrix, type DenseMatrix } from '../../src/matrix/index.js';
import { csrToCsc, csrToDense } from '../../src/testing/cases.js';
import { KERNEL_TOLERANCE, compareArrays } from '../../src/testing/index.js';
import { apiBackends, loadCudaEmu, viaApi } from '../helpers/api_backends.js';
import { type LoadedVariant, loadAllVariants, shutdownAll } from '../helpers/backends.js';
import { allCases, rng } from '../helpers/cases.js';
import { mouse10k, toF64 } from '../helpers/data.js';
import { golden } from '../helpers/golden.js';
import { firstDifference } from '../helpers/transforms.js';

const tol = KERNEL_TOLERANCE.highlyVariableGenes!;
const redTol = KERNEL_TOLERANCE.expm1MeanVar!;
const g = golden('mouse10k');

let variants: LoadedVariant[] = [];
let raw: CsrMatrix;
/** sc.pp.normalize_total(target_sum=1e4) then sc.pp.log1p, float32, as the fixtures' input. */
let logged: CsrMatrix;
/** logged restricted to the genes the cell_ranger fixture ran on (hvg.cell_ranger.top200.gene_mask). */
let expressed: CsrMatrix;

beforeAll(async () => {
  variants = await loadAllVariants();
  raw = await mouse10k();
  logged = normalizeLog1p(raw);
  expressed = selectColumns(logged, g.get('hvg.cell_ranger.top200.gene_mask') as Uint8Array);
});
afterAll(() => shutdownAll(variants));

/**
 * scanpy's CSR normalize_total(target_sum=1e4) (row totals in f64 stored as f32, factor =
 * f32(total / 1e4), 0 → 1, f32(x / factor)) and log1p in float32. numpy's float32 log1p differs
 * by 1 ULP on ~1 % of values (bench/reference/README.md), so seurat/cell_ranger statistics
 * carry that input noise (≤ 3e-7 relative), not kernel error.
 */
function normalizeLog1p(x: CsrMatrix): CsrMatrix {
  const out = new Float32Array(x.nnz);
  const target = Math.fround(1e4);
  for (let r = 0; r < x.shape[0]; r++) {
    let s = 0;
    for (let k = x.indptr[r]!; k < x.indptr[r + 1]!; k++) s += x.data[k]!;
    let f = Math.fround(Math.fround(s) / target);
    if (f === 0) f = 1;
    for (let k = x.indptr[r]!; k < x.indptr[r + 1]!; k++) out[k] = Math.fround(Math.log1p(Math.fround(x.data[k]! / f)));
  }
  return x.withData(out);
}

function selectColumns(x: CsrMatrix, mask: Uint8Array): CsrMatrix {
  const map = new Int32Array(mask.length).fill(-1);
  let nc = 0;
  mask.forEach((m, j) => {
    if (m) map[j] = nc++;
  });
  const indptr = [0];
  const indices: number[] = [];
  const data: number[] = [];
  for (let r = 0; r < x.shape[0]; r++) {
    for (let k = x.indptr[r]!; k < x.indptr[r + 1]!; k++) {
      const j = map[x.indices[k]!]!;
      if (j >= 0) {
        indices.push(j);
        data.push(x.data[k]!);
      }
    }
    indptr.push(indices.length);
  }
  return new CsrMatrix({ shape: [x.shape[0], nc], data: Float32Array.from(data), indices: Int32Array.from(indices), indptr: Int32Array.from(indptr) });
}

/** Strict relative check (rel 1e-6 of |ref|, NaN where NaN): means, dispersions, variances. */
function expectRel(out: ArrayLike<number>, ref: ArrayLike<number>, label: string, rel = 1e-6): number {
  expect(out.length, label).toBe(ref.length);
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const o = out[i]!;
    const r = ref[i]!;
    if (Number.isNaN(r) || Number.isNaN(o)) {
      expect(Number.isNaN(o), `${label}[${i}]: got ${o}, expected ${r}`).toBe(Number.isNaN(r));
      continue;
    }
    const e = o === r ? 0 : Math.abs(o - r) / Math.abs(r);
    worst = Math.max(worst, e);
    expect(e <= rel, `${label}[${i}]: got ${o}, expected ${r} (rel ${e.toExponential(2)})`).toBe(true);
  }
  return worst;
}

/** Normalised columns (z-score-like): the `statistic` tolerance, 1e-6·max(|ref|, 1). */
function expectStat(out: ArrayLike<number>, ref: ArrayLike<number>, label: string): void {
  const cmp = compareArrays(out, ref, tol, 'f64');
  expect(cmp.ok, `${label}: ${cmp.message}`).toBe(true);
}

/**
 * Selections equal except genes tied at the cut-off: every gene where they differ has the
 * reference's cut-off score (the lowest score among the reference's selected genes), and both
 * select the same number of genes.
 */
function expectSameSelectionExceptTies(out: Uint8Array, ref: ArrayLike<number>, score: ArrayLike<number>, label: string): number {
  let nOut = 0;
  let nRef = 0;
  let cut = Infinity;
  for (let i = 0; i < ref.length; i++) {
    nOut += out[i]!;
    nRef += ref[i]!;
    if (ref[i]) cut = Math.min(cut, score[i]!);
  }
  expect(nOut, `${label}: number selected`).toBe(nRef);
  let differ = 0;
  for (let i = 0; i < ref.length; i++) {
    if (out[i] === ref[i]) continue;
    differ++;
    expect(Math.abs(score[i]! - cut) <= 1e-12 * Math.abs(cut), `${label}: gene ${i} (score ${score[i]}) differs but is not tied at the cut-off ${cut}`).toBe(true);
  }
  return differ;
}

const CONFIGS: { name: string; prefix: string; options: HighlyVariableGenesOptions; input: () => CsrMatrix }[] = [
  { name: 'seurat (cutoffs)', prefix: 'hvg.seurat', options: { flavor: 'seurat' }, input: () => logged },
  { name: 'seurat, nTopGenes 200', prefix: 'hvg.seurat.top200', options: { flavor: 'seurat', nTopGenes: 200 }, input: () => logged },
  { name: 'cell_ranger, nTopGenes 200 (expressed genes)', prefix: 'hvg.cell_ranger.top200', options: { flavor: 'cell_ranger', nTopGenes: 200 }, input: () => expressed },
  { name: 'seurat_v3, nTopGenes 200 (raw counts)', prefix: 'hvg.seurat_v3.top200', options: { flavor: 'seurat_v3', nTopGenes: 200, span: 0.3 }, input: () => raw },
];

function run(backend: Backend, x: CsrMatrix, options: HighlyVariableGenesOptions) {
  return backend.kernels.highlyVariableGenes!(x, resolveHvgOptions(options));
}

describe('highlyVariableGenes vs real scanpy 1.11.5 (mouse10k golden fixtures)', () => {
  for (const c of CONFIGS.filter((c) => !c.prefix.startsWith('hvg.seurat_v3'))) {
    it(c.name, () => {
      const p = c.prefix;
      const out = run(jsBackend, c.input(), c.options) as HvgDispersionResult;
      expect(out.flavor).toBe(c.options.flavor);
      expectRel(out.means, g.f64(`${p}.means`), `${p}.means`);
      expectRel(out.dispersions, g.f64(`${p}.dispersions`), `${p}.dispersions`);
      expectStat(out.dispersionsNorm, g.f64(`${p}.dispersions_norm`), `${p}.dispersions_norm`);
      expect(Array.from(out.meanBin)).toEqual(Array.from(g.get(`${p}.mean_bin_code`)));
      const differ = expectSameSelectionExceptTies(out.highlyVariable, g.get(`${p}.highly_variable`), g.f64(`${p}.dispersions_norm`), p);
      expect(differ).toBe(0);
    });
  }

  it("binning and per-bin normalisation reproduce scanpy's dispersions_norm from scanpy's own means/dispersions", () => {
    // Isolates the pandas.cut + groupby(mean/std | median/MAD) step from the input noise of f32 log1p.
    for (const [p, flavor] of [
      ['hvg.seurat', 'seurat'],
      ['hvg.cell_ranger.top200', 'cell_ranger'],
    ] as const) {
      const { meanBin, dispersionsNorm } = normalizeDispersions(flavor, g.f64(`${p}.means`), g.f64(`${p}.dispersions`), 20);
      expect(Array.from(meanBin)).toEqual(Array.from(g.get(`${p}.mean_bin_code`)));
      expectRel(dispersionsNorm, g.f64(`${p}.dispersions_norm`), `${p}.dispersions_norm`, 0); // bit-exact
    }
  });

  it('cell_ranger selects by >= cutoff: 201 genes for nTopGenes 200', () => {
    const out = run(jsBackend, expressed, { flavor: 'cell_ranger', nTopGenes: 200 });
    expect(out.highlyVariable.reduce((a, b) => a + b, 0)).toBe(201);
  });

  it('cell_ranger on all genes raises like scanpy ("Bin edges must be unique")', () => {
    expect(() => run(jsBackend, logged, { flavor: 'cell_ranger', nTopGenes: 200 })).toThrow(ck.InvalidInputError);
    expect(() => run(jsBackend, logged, { flavor: 'cell_ranger', nTopGenes: 200 })).toThrow(/285 of 1000 genes have mean 0.*Bin edges must be unique/);
  });

  it('seurat_v3, nTopGenes 200 (raw counts): statistics, variances_norm, ranks', () => {
    const p = 'hvg.seurat_v3.top200';
    const out = run(jsBackend, raw, { flavor: 'seurat_v3', nTopGenes: 200 }) as HvgSeuratV3Result;
    expectRel(out.means, g.f64(`${p}.means`), `${p}.means`, 0); // identical arithmetic: bit-exact
    expectRel(out.variances, g.f64(`${p}.variances`), `${p}.variances`, 0);
    const worst = expectRel(out.variancesNorm, g.f64(`${p}.variances_norm`), `${p}.variances_norm`, 1e-10);
    expect(worst).toBeLessThan(1e-12); // measured 1.8e-14: our LOESS reproduces skmisc's kd-tree + vertex interpolation
    const score = g.f64(`${p}.variances_norm`);
    const differ = expectSameSelectionExceptTies(out.highlyVariable, g.get(`${p}.highly_variable`), score, p);
    expect(differ).toBeLessThanOrEqual(2 * 35); // 73 genes tie at the cut-off; 35 are picked
    // Ranks: within every group of exactly tied scores the same set of ranks is handed out
    // (numpy's argsort orders a tie group arbitrarily, we by gene index); across groups identical.
    const refRank = g.f64(`${p}.highly_variable_rank`);
    const calls = g.manifest.calls as unknown as { id: string; results: Record<string, unknown> }[];
    const cut = calls.find((k) => k.id === p)!.results.cutoff_value as number;
    const groups = new Map<number, { ours: number[]; ref: number[] }>();
    let differ2 = 0;
    for (let i = 0; i < refRank.length; i++) {
      const grp = groups.get(score[i]!) ?? { ours: [], ref: [] };
      groups.set(score[i]!, grp);
      if (!Number.isNaN(out.highlyVariableRank[i]!)) grp.ours.push(out.highlyVariableRank[i]!);
      if (!Number.isNaN(refRank[i]!)) grp.ref.push(refRank[i]!);
      if (!Object.is(out.highlyVariableRank[i], refRank[i])) differ2++;
    }
    for (const [sc, grp] of groups) expect(grp.ours.sort((a, b) => a - b), `ranks of the genes scoring ${sc}`).toEqual(grp.ref.sort((a, b) => a - b));
    expect(differ2).toBeGreaterThan(0); // tie groups really are exercised
    // Our tie order is gene order: the tied genes we select are the first 35 tied genes by index.
    const tied = Array.from(score.keys()).filter((i) => score[i] === cut);
    expect(tied.length).toBe(73);
    expect(tied.filter((i) => out.highlyVariable[i]).length).toBe(35);
    expect(tied.slice(0, 35).every((i) => out.highlyVariable[i] === 1)).toBe(true);
  });
});

describe('every backend and variant makes the identical selection', () => {
  for (const c of CONFIGS) {
    it(c.name, () => {
      const x = c.input();
      const ref = run(jsBackend, x, c.options);
      for (const v of variants) {
        const out = run(v.backend, x, c.options);
        expect(out.flavor, v.label).toBe(ref.flavor);
        expect(Buffer.from(out.highlyVariable).equals(Buffer.from(ref.highlyVariable)), `${v.label}: highlyVariable`).toBe(true);
        if ('variancesNorm' in out && 'variancesNorm' in ref) {
          expect(Array.from(out.highlyVariableRank), `${v.label}: ranks`).toEqual(Array.from(ref.highlyVariableRank));
          for (const k of ['means', 'variances', 'variancesNorm'] as const) {
            const cmp = compareArrays(out[k], ref[k], tol, 'f64');
            expect(cmp.ok, `${v.label} ${k}: ${cmp.message}`).toBe(true);
          }
        } else if ('dispersionsNorm' in out && 'dispersionsNorm' in ref) {
          expect(Array.from(out.meanBin), `${v.label}: meanBin`).toEqual(Array.from(ref.meanBin));
          for (const k of ['means', 'dispersions', 'dispersionsNorm'] as const) {
            const cmp = compareArrays(out[k], ref[k], tol, 'f64');
            expect(cmp.ok, `${v.label} ${k}: ${cmp.message}`).toBe(true);
          }
        }
      }
    });
  }

  it('float64 input: every variant makes the js selection (seurat_v3 on counts, seurat on log data)', () => {
    for (const [x, options] of [
      [raw, { flavor: 'seurat_v3', nTopGenes: 200 }],
      [logged, { flavor: 'seurat', nTopGenes: 200 }],
    ] as const) {
      const ref = run(jsBackend, toF64(x), options);
      if (options.flavor === 'seurat_v3') expect(Buffer.from(ref.highlyVariable).equals(Buffer.from(run(jsBackend, x, options).highlyVariable))).toBe(true);
      for (const v of variants) {
        const out = run(v.backend, toF64(x), options);
        expect(Buffer.from(out.highlyVariable).equals(Buffer.from(ref.highlyVariable)), `${v.label} ${options.flavor} f64`).toBe(true);
      }
    }
  });

  it('edge cases: every variant returns the js selection or throws the same typed error', () => {
    const flavours: HighlyVariableGenesOptions[] = [
      { flavor: 'seurat' },
      { flavor: 'seurat', nTopGenes: 5, nBins: 4 },
      { flavor: 'cell_ranger', nTopGenes: 5 },
      { flavor: 'seurat_v3', nTopGenes: 5, span: 0.5 },
    ];
    let ran = 0;
    for (const c of allCases()) {
      for (const options of flavours) {
        let ref: ReturnType<typeof run> | Error;
        try {
          ref = run(jsBackend, c.x, options);
          ran++;
        } catch (e) {
          ref = e as Error;
        }
        for (const v of variants) {
          const label = `${v.label} ${c.name} ${options.flavor}`;
          if (ref instanceof Error) {
            expect(ref, label).toBeInstanceOf(ck.InvalidInputError);
            expect(() => run(v.backend, c.x, options), label).toThrow(ref.message);
          } else {
            const out = run(v.backend, c.x, options);
            expect(Buffer.from(out.highlyVariable).equals(Buffer.from(ref.highlyVariable)), label).toBe(true);
          }
        }
      }
    }
    expect(ran).toBeGreaterThan(20);
  });

  it('a matrix resident in the module gives the same result as a plain one', () => {
    for (const v of variants.filter((w) => w.variant === 'simd' || w.variant === 'as-scalar')) {
      const h = v.backend.upload!(raw);
      try {
        const out = run(v.backend, h as never, { flavor: 'seurat_v3', nTopGenes: 200 });
        const ref = run(v.backend, raw, { flavor: 'seurat_v3', nTopGenes: 200 });
        expect(Buffer.from(out.highlyVariable).equals(Buffer.from(ref.highlyVariable)), v.label).toBe(true);
        expect(Array.from((out as HvgSeuratV3Result).variancesNorm)).toEqual(Array.from((ref as HvgSeuratV3Result).variancesNorm));
      } finally {
        h.free();
      }
    }
  });

  it('simd-threads gives bit-identical results for 1, 2 and 3 threads', () => {
    const st = variants.filter((v) => v.variant === 'simd-threads');
    expect(st).toHaveLength(3);
    for (const c of CONFIGS) {
      const outs = st.map((v) => run(v.backend, c.input(), c.options) as unknown as Record<string, Float64Array | Uint8Array | Int32Array | string>);
      for (const key of Object.keys(outs[0]!)) {
        if (typeof outs[0]![key] === 'string') continue;
        const a = outs[0]![key] as Float64Array;
        for (const o of outs.slice(1)) expect(Buffer.from((o[key] as Float64Array).buffer).equals(Buffer.from(a.buffer)), `${c.name} ${key}`).toBe(true);
      }
    }
  });
});

describe('helper kernels expm1MeanVar and clippedSums vs the js reference', () => {
  const clipFor = (ncols: number, seed: number) => {
    const r = rng(seed);
    // Per-column clips around the count range, some at 0, some negative, one NaN, one +inf.
    return Float64Array.from({ length: ncols }, (_, j) => (j % 11 === 5 ? NaN : j % 7 === 3 ? Infinity : j % 5 === 1 ? -1 : r() * 6));
  };

  for (const expm1 of [false, true]) {
    it(`expm1MeanVar, expm1 ${expm1}: edge cases`, () => {
      for (const c of allCases()) {
        const ref = jsBackend.kernels.expm1MeanVar!(c.x, { expm1 });
        for (const v of variants) {
          const out = v.backend.kernels.expm1MeanVar!(c.x, { expm1 });
          for (const k of ['mean', 'var'] as const) {
            expect(out[k].length).toBe(c.x.shape[1]);
            const cmp = compareArrays(out[k], ref[k], redTol, c.dtype);
            expect(cmp.ok, `${v.label} ${c.name} ${k}: ${cmp.message}`).toBe(true);
          }
        }
      }
    });
  }

  /** A 1 × n float32 matrix of these bit patterns, one per column: each column's mean is then its value's expm1. */
  const oneRow = (bits: Uint32Array) =>
    new CsrMatrix({ shape: [1, bits.length], data: new Float32Array(bits.slice().buffer), indices: Int32Array.from(bits, (_, j) => j), indptr: Int32Array.of(0, bits.length) });
  /**
   * The float32 inputs in [+0, 88] whose expm1 lies within 64 double ULPs of a midpoint between
   * two floats: where an error in the C++ kernel's own float expm1 (expm1_float) would first
   * change the rounding. All of them, found by an exhaustive run over [+0, 88].
   */
  const EXPM1_EDGES = [
    0x337ffffe, 0x337fffff, 0x33b504f2, 0x33b504f3, 0x33b504f4, 0x34000000, 0x345db3d7, 0x347fffff, 0x349cc470, 0x34ca62c1, 0x34ffffff,
    0x350f1bbc, 0x352953fc, 0x3566c158, 0x3577def3, 0x3587c3b5, 0x359617e1, 0x35af456c, 0x35c542de, 0x35d908d5, 0x35f3b465, 0x36322b1b,
    0x364ce65e, 0x368d4ede, 0x36a1978a, 0x3766330b, 0x379153a9, 0x37923475, 0x37b1ceea, 0x37b61385, 0x3851fd1d, 0x39084a75, 0x3918fe36,
    0x3924ad5d, 0x394a2e79, 0x39fe14f2, 0x3a13b3bb, 0x3a254e7a, 0x3a85f83f, 0x3ae8f114, 0x3b234e53, 0x3b2401fd, 0x3b643f1b, 0x3be2927e,
    0x3c35b1c8, 0x3cbc3c2a, 0x3cfbf5f5, 0x3d28e0dd, 0x3dae5f1a, 0x3dc252dd, 0x3dcaae2a, 0x3e35bec5, 0x3e530603, 0x3e91b089, 0x3f0923fe,
    0x3f1a00d5, 0x3f326e60, 0x3f5b257c, 0x3f6d1518, 0x3fa1d683, 0x3fe67199, 0x4001b249, 0x40315b33, 0x4039cb53, 0x408b904b, 0x40a470e2,
    0x40dd70cb, 0x4178966e, 0x419647ed, 0x41d36111, 0x4283070f, 0x4288942b, 0x428a94c5,
  ];
  /** Outside [+0, 88]: −0, negatives, above 88, the largest float, ±inf, NaNs. */
  const EXPM1_OUTSIDE = [0x80000000, 0x80000001, 0xb3800000, 0xbf000000, 0xc1800000, 0xc2c80000, 0x42b00001, 0x42b17218, 0x42c80000, 0x7f7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00001];

  it('expm1MeanVar takes float32 expm1 as Math.fround(Math.expm1(x)) bit for bit: a sample of all floats in [+0, 88], the rounding edges, values outside', () => {
    const edges = new Set(EXPM1_EDGES);
    // every 1021st bit pattern from +0 to 88 (1.1 M values, every binade), none of them an edge
    const sample = Uint32Array.from({ length: Math.floor(0x42b00000 / 1021) + 1 }, (_, i) => i * 1021).filter((b) => !edges.has(b));
    const edgesAndOutside = Uint32Array.from([...EXPM1_EDGES, ...EXPM1_OUTSIDE, 0x3f800000, 0x40000000, 0]);
    for (const [name, bits] of [['sample', sample], ['rounding edges and values outside', edgesAndOutside]] as const) {
      const x = oneRow(bits);
      const want = Float64Array.from(x.data, (v) => 0 + Math.fround(Math.expm1(v))); // Σt from +0: −0 sums to +0
      for (const v of [{ label: 'js', backend: jsBackend }, ...variants]) {
        const got = v.backend.kernels.expm1MeanVar!(x, { expm1: true }).mean;
        const i = firstDifference(got, want);
        expect(i, `${v.label} ${name}: expm1 of bits 0x${bits[i]?.toString(16)} is ${got[i]}, not ${want[i]}`).toBe(-1);
      }
    }
  });

  it('expm1MeanVar on 1,000 mouse10k rows (one chunk) is the js reference bit for bit, with and without rounding edges and values outside [+0, 88]', () => {
    const rows = 1000;
    const head = new CsrMatrix({ shape: [rows, logged.shape[1]], data: logged.data.slice(0, logged.indptr[rows]!), indices: logged.indices.slice(0, logged.indptr[rows]!), indptr: logged.indptr.slice(0, rows + 1) });
    // the same rows with a rounding edge or an outside value at every 997th stored value
    const special = new Float32Array(new Uint32Array([...EXPM1_EDGES, ...EXPM1_OUTSIDE.filter((b) => b !== 0x7fc00000 && b !== 0xffc00001)]).buffer);
    const spiked = head.withData(Float32Array.from(head.data, (v, k) => (k % 997 === 500 ? special[(k / 997) % special.length | 0]! : v)));
    for (const [name, x] of [['as logged', head], ['with edges and outside values', spiked]] as const) {
      const ref = jsBackend.kernels.expm1MeanVar!(x, { expm1: true });
      for (const v of variants) {
        const out = v.backend.kernels.expm1MeanVar!(x, { expm1: true });
        for (const k of ['mean', 'var'] as const) expect(firstDifference(out[k], ref[k]), `${v.label} ${name} ${k}`).toBe(-1);
      }
    }
  });

  it('expm1MeanVar without expm1 is scanpy _get_mean_var on mouse10k (meanvar.csr.axis0 fixture, bit-exact)', () => {
    for (const v of [{ label: 'js', backend: jsBackend }, ...variants]) {
      const out = v.backend.kernels.expm1MeanVar!(raw, { expm1: false });
      expect(Array.from(out.mean), v.label).toEqual(Array.from(g.f64('meanvar.csr.axis0.mean')));
      expect(Array.from(out.var), v.label).toEqual(Array.from(g.f64('meanvar.csr.axis0.var')));
    }
  });

  it('clippedSums: edge cases', () => {
    for (const c of allCases()) {
      const clip = clipFor(c.x.shape[1], 7);
      const ref = jsBackend.kernels.clippedSums!(c.x, { clip });
      for (const v of variants) {
        const out = v.backend.kernels.clippedSums!(c.x, { clip });
        for (const k of ['sum', 'sumSq'] as const) {
          const cmp = compareArrays(out[k], ref[k], KERNEL_TOLERANCE.clippedSums!, c.dtype);
          expect(cmp.ok, `${v.label} ${c.name} ${k}: ${cmp.message}`).toBe(true);
        }
      }
    }
  });

  it('clippedSums clips as Python min(x, clip) and rejects a clip of the wrong length', () => {
    const x = new CsrMatrix({ shape: [2, 3], data: new Float32Array([1, 5, NaN, 2]), indices: new Int32Array([0, 1, 2, 1]), indptr: new Int32Array([0, 3, 4]) });
    const clip = new Float64Array([0.5, 3, 1]);
    for (const v of [{ label: 'js', backend: jsBackend }, ...variants]) {
      const out = v.backend.kernels.clippedSums!(x, { clip });
      expect(Array.from(out.sum), v.label).toEqual([0.5, 5, NaN]);
      expect(Array.from(out.sumSq), v.label).toEqual([0.25, 13, NaN]);
      expect(() => v.backend.kernels.clippedSums!(x, { clip: new Float64Array(2) }), v.label).toThrow(ck.InvalidInputError);
    }
  });

  it('simd-threads gives bit-identical helper outputs for 1, 2 and 3 threads (mouse10k, noisy values)', () => {
    const noisy = logged.withData(Float64Array.from(logged.data, (v, i) => v * (1 + ((i * 2654435761) % 1000) * 1e-7)));
    const clip = clipFor(noisy.shape[1], 3).map((c) => (Number.isFinite(c) ? c + 1 : c));
    const st = variants.filter((v) => v.variant === 'simd-threads');
    const mv = st.map((v) => v.backend.kernels.expm1MeanVar!(noisy, { expm1: true }));
    const cs = st.map((v) => v.backend.kernels.clippedSums!(noisy, { clip }));
    for (let i = 1; i < st.length; i++) {
      expect(Buffer.from(mv[i]!.mean.buffer).equals(Buffer.from(mv[0]!.mean.buffer))).toBe(true);
      expect(Buffer.from(mv[i]!.var.buffer).equals(Buffer.from(mv[0]!.var.buffer))).toBe(true);
      expect(Buffer.from(cs[i]!.sum.buffer).equals(Buffer.from(cs[0]!.sum.buffer))).toBe(true);
      expect(Buffer.from(cs[i]!.sumSq.buffer).equals(Buffer.from(cs[0]!.sumSq.buffer))).toBe(true);
    }
  });

  it('an out-of-range column index is a typed error in every variant', () => {
    const bad = new CsrMatrix(
      { shape: [2, 3], data: new Float32Array([1, 2]), indices: new Int32Array([0, 7]), indptr: new Int32Array([0, 1, 2]) },
      { validate: false },
    );
    for (const v of variants) {
      expect(() => v.backend.kernels.expm1MeanVar!(bad, { expm1: true }), v.label).toThrow(/index at row 1 is outside/);
      expect(() => v.backend.kernels.clippedSums!(bad, { clip: new Float64Array(3) }), v.label).toThrow(/index at row 1 is outside/);
    }
  });
});

describe('LOESS (skmisc semantics)', () => {
  it('reproduces an exact quadratic and rejects a span that is too small', () => {
    const x = Array.from({ length: 300 }, (_, i) => Math.sin(i) * 3);
    const y = x.map((v) => 1 - 2 * v + 0.5 * v * v);
    const fit = loess1d(x, y, { span: 0.3 });
    fit.forEach((f, i) => expect(Math.abs(f - y[i]!)).toBeLessThan(1e-9));
    expect(() => loess1d(x.slice(0, 10), y.slice(0, 10), { span: 0.3 })).toThrow(/Span too small/);
  });
});

describe('highlyVariableGenes API', () => {
  const x = new CsrMatrix({ shape: [3, 2], data: new Float32Array([1, 2, 3, 4]), indices: new Int32Array([0, 1, 0, 1]), indptr: new Int32Array([0, 2, 3, 4]) });

  it('rejects bad options with the valid values listed', () => {
    expect(() => ck.highlyVariableGenes(x, { flavor: 'seurat3' as never })).toThrow(ck.InvalidOptionError);
    expect(() => ck.highlyVariableGenes(x, { flavor: 'seurat3' as never })).toThrow(/"seurat", "cell_ranger", "seurat_v3", "seurat_v3_paper"/);
    expect(() => ck.highlyVariableGenes(x, { nTopGenes: 0 })).toThrow(/nTopGenes must be an integer ≥ 1/);
    expect(() => ck.highlyVariableGenes(x, { nTopGenes: 2.5 })).toThrow(ck.InvalidOptionError);
    expect(() => ck.highlyVariableGenes(x, { nBins: 0 })).toThrow(/nBins/);
    expect(() => ck.highlyVariableGenes(x, { span: 0 })).toThrow(/span/);
    expect(() => ck.highlyVariableGenes(x, { minMean: Number.NaN })).toThrow(/minMean/);
    expect(() => ck.highlyVariableGenes(x, { ntopGenes: 5 } as never)).toThrow(/did you mean "nTopGenes".*valid options: flavor, nTopGenes/);
    expect(() => ck.highlyVariableGenes({} as never)).toThrow(ck.InvalidInputError);
  });

  it('runs through dispatch (js backend) with scanpy defaults', () => {
    const out = ck.highlyVariableGenes(logged, { backend: 'js' });
    expect(out.flavor).toBe('seurat');
    expect(Buffer.from(out.highlyVariable).equals(Buffer.from(g.get('hvg.seurat.highly_variable')))).toBe(true);
    const v3 = ck.highlyVariableGenes(raw, { backend: 'js', flavor: 'seurat_v3_paper', nTopGenes: 200 });
    expect(v3.flavor).toBe('seurat_v3_paper');
    expect(v3.highlyVariable.reduce((a, b) => a + b, 0)).toBe(200);
  });
});

describe('highlyVariableGenes on CSC and dense input: the selection and columns of the same matrix as CSR, in every backend', () => {
  let cuda: Backend | undefined;
  beforeAll(async () => {
    cuda = await loadCudaEmu();
  });
  const layouts = (x: CsrMatrix): [string, CscMatrix | DenseMatrix][] => [
    ['csc', csrToCsc(x)],
    ['dense', csrToDense(x)],
  ];
  type Columns = Record<string, Float64Array | Uint8Array | Int32Array | string>;

  /** The js CSR selection exactly; every numeric column within the statistic tolerance. */
  function expectSameHvg(out: ck.HighlyVariableGenesResult, ref: ck.HighlyVariableGenesResult, label: string): void {
    expect(out.flavor, label).toBe(ref.flavor);
    expect(Buffer.from(out.highlyVariable).equals(Buffer.from(ref.highlyVariable)), `${label}: highlyVariable`).toBe(true);
    const o = out as unknown as Columns;
    const r = ref as unknown as Columns;
    expect(Object.keys(o).sort(), label).toEqual(Object.keys(r).sort());
    for (const k of Object.keys(r)) {
      if (typeof r[k] === 'string') continue;
      expect(o[k]!.constructor, `${label} ${k}`).toBe(r[k]!.constructor);
      const cmp = compareArrays(o[k] as Float64Array, r[k] as Float64Array, k === 'meanBin' || k === 'highlyVariableRank' ? 'exact' : tol, 'f64');
      expect(cmp.ok, `${label} ${k}: ${cmp.message}`).toBe(true);
    }
  }

  /** Every numeric column bit for bit. */
  function expectBitIdentical(out: ck.HighlyVariableGenesResult, own: ck.HighlyVariableGenesResult, label: string): void {
    const o = out as unknown as Columns;
    for (const [k, v] of Object.entries(own as unknown as Columns)) {
      if (typeof v !== 'string') expect(Buffer.from((o[k] as Float64Array).buffer).equals(Buffer.from(v.buffer)), `${label} ${k} bit-identical`).toBe(true);
    }
  }

  for (const c of CONFIGS) {
    it(`mouse10k, ${c.name}: CSC and dense vs js on CSR, and bit-identical to the same backend on CSR`, () => {
      const x = c.input();
      const ref = ck.highlyVariableGenes(x, { ...c.options, backend: 'js' });
      const inputs = layouts(x);
      const backends = apiBackends(variants, 'highlyVariableGenes', [cuda]);
      expect(backends.length).toBe(cuda ? 9 : 8); // js, 7 variants, cuda-emu where built
      for (const b of backends) {
        viaApi(b, (backend) => {
          const own = ck.highlyVariableGenes(x, { ...c.options, backend });
          for (const [layout, input] of inputs) {
            const out = ck.highlyVariableGenes(input, { ...c.options, backend });
            expectSameHvg(out, ref, `${b.label} ${layout}`);
            expectBitIdentical(out, own, `${b.label} ${layout}`);
          }
        });
      }
    });
  }

  it('edge cases: every backend returns the js CSR selection on CSC and dense, or throws the same typed error', () => {
    const flavours: HighlyVariableGenesOptions[] = [
      { flavor: 'seurat' },
      { flavor: 'seurat', nTopGenes: 5, nBins: 4 },
      { flavor: 'cell_ranger', nTopGenes: 5 },
      { flavor: 'seurat_v3', nTopGenes: 5, span: 0.5 },
    ];
    let ran = 0;
    for (const b of apiBackends(variants, 'highlyVariableGenes', [cuda])) {
      viaApi(b, (backend) => {
        for (const c of allCases()) {
          const inputs = layouts(c.x);
          for (const options of flavours) {
            let ref: ck.HighlyVariableGenesResult | Error;
            try {
              ref = ck.highlyVariableGenes(c.x, { ...options, backend: 'js' });
              ran++;
            } catch (e) {
              ref = e as Error;
            }
            for (const [layout, input] of inputs) {
              const label = `${b.label} ${layout} ${c.name} ${options.flavor}`;
              if (ref instanceof Error) {
                expect(ref, label).toBeInstanceOf(ck.InvalidInputError);
                expect(() => ck.highlyVariableGenes(input, { ...options, backend }), label).toThrow(ref.message);
              } else {
                expectSameHvg(ck.highlyVariableGenes(input, { ...options, backend }), ref, label);
              }
            }
          }
        }
      });
    }
    expect(ran).toBeGreaterThan(20 * 8);
  });

  it('a resident dense matrix runs in the backend that holds it, with the plain dense results', () => {
    const dense = csrToDense(raw);
    for (const b of apiBackends(variants, 'highlyVariableGenes').filter((a) => a.backend.uploadDense && (a.label === 'simd' || a.label === 'as-scalar'))) {
      viaApi(b, (backend) => {
        const h = b.backend.uploadDense!(dense);
        try {
          const out = ck.highlyVariableGenes(h, { flavor: 'seurat_v3', nTopGenes: 200 });
          expectBitIdentical(out, ck.highlyVariableGenes(dense, { flavor: 'seurat_v3', nTopGenes: 200, backend }), b.label);
          expect(() => ck.highlyVariableGenes(h, { backend: 'js' })).toThrow(/resident in the .* backend but backend "js" was requested/);
        } finally {
          h.free();
        }
      });
    }
  });

  it('rejects a layout it does not know with a typed error naming the accepted ones', () => {
    expect(() => ck.highlyVariableGenes({ format: 'coo', shape: [2, 2] } as never)).toThrow(ck.InvalidInputError);
    expect(() => ck.highlyVariableGenes({ format: 'coo', shape: [2, 2] } as never)).toThrow(/highlyVariableGenes: expected a CsrMatrix, a CscMatrix, a DenseMatrix or a resident handle/);
  });
});

describe('highlyVariableGenes with a batch (scanpy batch_key) vs real scanpy 1.11.5, every backend', () => {
  let cuda: Backend | undefined;
  beforeAll(async () => {
    cuda = await loadCudaEmu();
  });
  const BATCHED: { name: string; prefix: string; options: HighlyVariableGenesOptions & { flavor: 'seurat' | 'cell_ranger' } }[] = [
    { name: 'seurat (cutoffs)', prefix: 'hvg.batch3.seurat', options: { flavor: 'seurat' } },
    { name: 'seurat, nTopGenes 200', prefix: 'hvg.batch3.seurat.top200', options: { flavor: 'seurat', nTopGenes: 200 } },
    { name: 'cell_ranger, nTopGenes 200 (all genes)', prefix: 'hvg.batch3.cell_ranger.top200', options: { flavor: 'cell_ranger', nTopGenes: 200 } },
  ];
  /** The fixture's labels, given as strings (as scanpy's obs column) and as integers. */
  const codes = () => Array.from(g.get('hvg.batch3.labels') as Int32Array);

  for (const c of BATCHED) {
    it(`3 batches (cell i in batch i % 3), ${c.name}: columns and selection of scanpy in every backend`, () => {
      const p = c.prefix;
      const labels = codes().map((k) => `b${k}`);
      expect(labels.length).toBe(logged.shape[0]);
      const backends = apiBackends(variants, 'highlyVariableGenes', [cuda]);
      expect(backends.length).toBe(cuda ? 9 : 8);
      let ref: HvgBatchedDispersionResult | undefined;
      for (const b of backends) {
        viaApi(b, (backend) => {
          const out = ck.highlyVariableGenes(logged, { ...c.options, batch: labels, backend });
          const label = `${b.label} ${p}`;
          expect(out.flavor, label).toBe(c.options.flavor);
          expect(out.batches, label).toEqual(['b0', 'b1', 'b2']);
          expectRel(out.means, g.f64(`${p}.means`), `${label}.means`);
          expectRel(out.dispersions, g.f64(`${p}.dispersions`), `${label}.dispersions`);
          expectStat(out.dispersionsNorm, g.f64(`${p}.dispersions_norm`), `${label}.dispersions_norm`);
          expect(Array.from(out.highlyVariableNbatches), `${label} nbatches`).toEqual(Array.from(g.get(`${p}.highly_variable_nbatches`)));
          expect(Buffer.from(out.highlyVariableIntersection).equals(Buffer.from(g.get(`${p}.highly_variable_intersection`))), `${label} intersection`).toBe(true);
          expect(Buffer.from(out.highlyVariable).equals(Buffer.from(g.get(`${p}.highly_variable`))), `${label} highly_variable`).toBe(true);
          expect(Object.keys(out).sort(), label).toEqual(
            ['batches', 'dispersions', 'dispersionsNorm', 'flavor', 'highlyVariable', 'highlyVariableIntersection', 'highlyVariableNbatches', 'means'].sort(),
          );
          if (ref === undefined) ref = out;
          else {
            for (const k of ['means', 'dispersions', 'dispersionsNorm'] as const) {
              const cmp = compareArrays(out[k], ref[k], tol, 'f64');
              expect(cmp.ok, `${label} ${k} vs ${backends[0]!.label}: ${cmp.message}`).toBe(true);
            }
          }
        });
      }
      // integer labels, and CSC / dense input: the same result as string labels on CSR
      const asInts = ck.highlyVariableGenes(logged, { ...c.options, batch: Int32Array.from(codes()), backend: 'js' });
      const dense = ck.highlyVariableGenes(csrToDense(logged), { ...c.options, batch: codes(), backend: 'js' });
      const js = ck.highlyVariableGenes(logged, { ...c.options, batch: codes().map((k) => `b${k}`), backend: 'js' });
      for (const o of [asInts, dense]) {
        expect(o.batches).toEqual([0, 1, 2]);
        for (const k of ['means', 'dispersions', 'dispersionsNorm', 'highlyVariable', 'highlyVariableNbatches', 'highlyVariableIntersection'] as const) {
          expect(Buffer.from(o[k].buffer).equals(Buffer.from(js[k].buffer)), k).toBe(true);
        }
      }
    });
  }

  it('one batch is scanpy batched path: on expressed genes the single-batch columns, NaN norm → 0 without nTopGenes', () => {
    const one = new Array<string>(expressed.shape[0]).fill('a');
    for (const flavor of ['seurat', 'cell_ranger'] as const) {
      const plain = ck.highlyVariableGenes(expressed, { flavor, backend: 'js' }) as HvgDispersionResult;
      const b = ck.highlyVariableGenes(expressed, { flavor, batch: one, backend: 'js' });
      expect(b.batches).toEqual(['a']);
      expect(Array.from(b.means)).toEqual(Array.from(plain.means));
      expect(Array.from(b.dispersions)).toEqual(Array.from(plain.dispersions));
      expect(Array.from(b.dispersionsNorm)).toEqual(Array.from(plain.dispersionsNorm, (v) => (Number.isNaN(v) ? 0 : v)));
      expect(Array.from(b.highlyVariable)).toEqual(Array.from(plain.highlyVariable));
      expect(Array.from(b.highlyVariableNbatches)).toEqual(Array.from(plain.highlyVariable));
      expect(Array.from(b.highlyVariableIntersection)).toEqual(Array.from(plain.highlyVariable));
      // nTopGenes: exactly n genes (no tie expansion), the best by dispersionsNorm
      const top = ck.highlyVariableGenes(expressed, { flavor, nTopGenes: 50, batch: one, backend: 'js' });
      expect(top.highlyVariable.reduce((a, v) => a + v, 0)).toBe(50);
      const plainTop = ck.highlyVariableGenes(expressed, { flavor, nTopGenes: 50, backend: 'js' });
      top.highlyVariable.forEach((v, j) => {
        if (v) expect(plainTop.highlyVariable[j], `gene ${j}`).toBe(1);
      });
    }
  });

  it('a gene unexpressed in a batch counts 0 there (scanpy filter_genes(min_cells=1) per batch)', () => {
    // gene 2 only in batch 1; gene 0, 1 in both
    const x = new CsrMatrix({
      shape: [6, 3],
      data: new Float32Array([1, 2, 2, 1, 0.5, 3, 1, 2, 2, 1, 4, 0.5, 1.5, 2]),
      indices: new Int32Array([0, 1, 0, 1, 0, 1, 0, 1, 2, 0, 1, 2, 0, 1]),
      indptr: new Int32Array([0, 2, 4, 6, 9, 12, 14]),
    });
    const batch = [0, 0, 0, 1, 1, 1];
    const r = ck.highlyVariableGenes(x, { flavor: 'seurat', batch, backend: 'js', nBins: 2 });
    const b1 = ck.highlyVariableGenes(ck.subset(x, { rows: [3, 4, 5] }), { flavor: 'seurat', backend: 'js', nBins: 2 }) as HvgDispersionResult;
    expect(r.means[2]).toBe(b1.means[2]! / 2);
    expect(r.dispersions[2]).toBe(b1.dispersions[2]! / 2);
  });

  it('rejects a batch of the wrong length or type, for every flavor', () => {
    const x = new CsrMatrix({ shape: [3, 2], data: new Float32Array([1, 2, 3, 4]), indices: new Int32Array([0, 1, 0, 1]), indptr: new Int32Array([0, 2, 3, 4]) });
    for (const flavor of ['seurat', 'seurat_v3', 'seurat_v3_paper'] as const) {
      expect(() => ck.highlyVariableGenes(x, { flavor, batch: ['a', 'b'] })).toThrow(ck.InvalidOptionError);
      expect(() => ck.highlyVariableGenes(x, { flavor, batch: ['a', 'b'] })).toThrow(/2 labels for 3 cells/);
      expect(() => ck.highlyVariableGenes(x, { flavor, batch: [0, 1.5, 2] })).toThrow(/label 1 is 1.5/);
      expect(() => ck.highlyVariableGenes(x, { flavor, batch: ['a', 1, 'b'] as never })).toThrow(ck.InvalidOptionError);
      expect(() => ck.highlyVariableGenes(x, { flavor, batch: new Float64Array(3) as never })).toThrow(ck.InvalidOptionError);
    }
  });
});

describe('highlyVariableGenes seurat_v3 / seurat_v3_paper with a batch (scanpy batch_key) vs real scanpy 1.11.5, every backend', () => {
  let cuda: Backend | undefined;
  beforeAll(async () => {
    cuda = await loadCudaEmu();
  });
  const V3: { name: string; prefix: string; options: HighlyVariableGenesOptions & { flavor: 'seurat_v3' | 'seurat_v3_paper' } }[] = [
    { name: 'seurat_v3 (nTopGenes default 2000)', prefix: 'hvg.batch3.seurat_v3', options: { flavor: 'seurat_v3' } },
    { name: 'seurat_v3, nTopGenes 200', prefix: 'hvg.batch3.seurat_v3.top200', options: { flavor: 'seurat_v3', nTopGenes: 200 } },
    { name: 'seurat_v3_paper (nTopGenes default 2000)', prefix: 'hvg.batch3.seurat_v3_paper', options: { flavor: 'seurat_v3_paper' } },
    { name: 'seurat_v3_paper, nTopGenes 200', prefix: 'hvg.batch3.seurat_v3_paper.top200', options: { flavor: 'seurat_v3_paper', nTopGenes: 200 } },
  ];
  const codes = () => Array.from(g.get('hvg.batch3.labels') as Int32Array);
  const KEYS = ['batches', 'flavor', 'highlyVariable', 'highlyVariableNbatches', 'highlyVariableRank', 'means', 'variances', 'variancesNorm'];

  /**
   * Genes whose variances_norm within some batch (scanpy on that batch alone) equals another
   * gene's there: numpy's argsort orders them arbitrarily, so only their ranks (and nbatches)
   * depend on the tie order; every other gene's per-batch ranks are fixed.
   */
  function tiedInABatch(): Set<number> {
    const pb = g.f64('hvg.batch3.seurat_v3.per_batch.variances_norm');
    const ngenes = raw.shape[1];
    const tied = new Set<number>();
    for (let b = 0; b < pb.length / ngenes; b++) {
      const row = pb.subarray(b * ngenes, (b + 1) * ngenes);
      const count = new Map<number, number>();
      for (const v of row) count.set(v, (count.get(v) ?? 0) + 1);
      row.forEach((v, j) => {
        if (count.get(v)! > 1) tied.add(j);
      });
    }
    return tied;
  }

  it("each batch's variances_norm (the single-batch call on the batch's cells) is scanpy's, in every backend", () => {
    const pb = g.f64('hvg.batch3.seurat_v3.per_batch.variances_norm');
    const ngenes = raw.shape[1];
    const c = codes();
    for (const b of apiBackends(variants, 'highlyVariableGenes', [cuda])) {
      viaApi(b, (backend) => {
        for (let k = 0; k < 3; k++) {
          const rows = Int32Array.from(c.flatMap((v, i) => (v === k ? [i] : [])));
          const out = ck.highlyVariableGenes(ck.subset(raw, { rows }), { flavor: 'seurat_v3', backend }) as HvgSeuratV3Result;
          const worst = expectRel(out.variancesNorm, pb.subarray(k * ngenes, (k + 1) * ngenes), `${b.label} batch b${k} variances_norm`, 1e-10);
          expect(worst).toBeLessThan(1e-12);
        }
      });
    }
  });

  for (const c of V3) {
    it(`3 batches (cell i in batch i % 3), ${c.name}: scanpy's columns, selection, nbatches and ranks in every backend`, () => {
      const p = c.prefix;
      const st = `${p}.stable_ties`;
      const labels = codes().map((k) => `b${k}`);
      const backends = apiBackends(variants, 'highlyVariableGenes', [cuda]);
      expect(backends.length).toBe(cuda ? 9 : 8);
      const score = g.f64(`${p}.variances_norm`);
      const tied = tiedInABatch();
      expect(tied.size).toBeGreaterThan(500); // mouse10k has many identical genes
      let ref: HvgBatchedSeuratV3Result | undefined;
      for (const b of backends) {
        viaApi(b, (backend) => {
          const out = ck.highlyVariableGenes(raw, { ...c.options, batch: labels, backend });
          const label = `${b.label} ${p}`;
          expect(out.flavor, label).toBe(c.options.flavor);
          expect(out.batches, label).toEqual(['b0', 'b1', 'b2']);
          expect(Object.keys(out).sort(), label).toEqual(KEYS);
          expectRel(out.means, g.f64(`${p}.means`), `${label}.means`, 0); // all cells, the same pass as one batch: bit-exact
          expectRel(out.variances, g.f64(`${p}.variances`), `${label}.variances`, 0);
          const worst = expectRel(out.variancesNorm, score, `${label}.variances_norm`, 1e-10);
          expect(worst, label).toBeLessThan(1e-12);
          // scanpy with np.argsort made stable (ties in gene order, as ours): identical
          expect(Array.from(out.highlyVariableNbatches), `${label} nbatches`).toEqual(Array.from(g.get(`${st}.highly_variable_nbatches`)));
          expectRel(out.highlyVariableRank, g.f64(`${st}.highly_variable_rank`), `${label} rank`, 0);
          expect(Buffer.from(out.highlyVariable).equals(Buffer.from(g.get(`${st}.highly_variable`))), `${label} highly_variable`).toBe(true);
          // scanpy as it runs (numpy's tie order): nbatches and rank the same for every gene not
          // tied within a batch; the selection moves with the tied genes' ranks, so only its size
          const nb = g.get(`${p}.highly_variable_nbatches`);
          const rk = g.f64(`${p}.highly_variable_rank`);
          const hv = g.get(`${p}.highly_variable`);
          let nSel = 0;
          let nRef = 0;
          for (let j = 0; j < score.length; j++) {
            nSel += out.highlyVariable[j]!;
            nRef += hv[j]!;
            if (tied.has(j)) continue;
            expect(out.highlyVariableNbatches[j], `${label} nbatches[${j}]`).toBe(nb[j]);
            expect(Object.is(out.highlyVariableRank[j], rk[j]), `${label} rank[${j}]: ${out.highlyVariableRank[j]} vs ${rk[j]}`).toBe(true);
          }
          expect(nSel, label).toBe(nRef);
          if (ref === undefined) ref = out;
          else {
            for (const k of ['highlyVariable', 'highlyVariableNbatches', 'highlyVariableRank', 'means', 'variances'] as const) {
              expect(Buffer.from(out[k].buffer).equals(Buffer.from(ref[k].buffer)), `${label} ${k} vs ${backends[0]!.label}`).toBe(true);
            }
          }
        });
      }
      // integer labels, and CSC / dense input: the same result as string labels on CSR
      const js = ck.highlyVariableGenes(raw, { ...c.options, batch: labels, backend: 'js' });
      const asInts = ck.highlyVariableGenes(raw, { ...c.options, batch: Int32Array.from(codes()), backend: 'js' });
      const csc = ck.highlyVariableGenes(csrToCsc(raw), { ...c.options, batch: codes(), backend: 'js' });
      const dense = ck.highlyVariableGenes(csrToDense(raw), { ...c.options, batch: codes(), backend: 'js' });
      for (const o of [asInts, csc, dense]) {
        expect(o.batches).toEqual([0, 1, 2]);
        for (const k of ['means', 'variances', 'variancesNorm', 'highlyVariable', 'highlyVariableNbatches', 'highlyVariableRank'] as const) {
          expect(Buffer.from(o[k].buffer).equals(Buffer.from(js[k].buffer)), k).toBe(true);
        }
      }
    });
  }

  it('the test data really exercises ties: numpy and stable tie orders give different ranks, nbatches and top-200 selections', () => {
    for (const p of ['hvg.batch3.seurat_v3.top200', 'hvg.batch3.seurat_v3_paper.top200']) {
      const a = g.get(`${p}.highly_variable_nbatches`);
      const b = g.get(`${p}.stable_ties.highly_variable_nbatches`);
      expect(Array.from(a).some((v, j) => v !== b[j]), p).toBe(true);
      expect(Array.from(g.get(`${p}.highly_variable`)).some((v, j) => v !== g.get(`${p}.stable_ties.highly_variable`)[j]), p).toBe(true);
    }
    // and the two flavors select differently on the same per-batch ranks
    const v3 = g.get('hvg.batch3.seurat_v3.top200.stable_ties.highly_variable');
    const paper = g.get('hvg.batch3.seurat_v3_paper.top200.stable_ties.highly_variable');
    expect(Array.from(v3).some((v, j) => v !== paper[j])).toBe(true);
  });

  it("one batch is the single-batch result, and scanpy's one-batch seurat_v3 (hvg.seurat_v3.top200)", () => {
    const one = new Array<string>(raw.shape[0]).fill('a');
    for (const flavor of ['seurat_v3', 'seurat_v3_paper'] as const) {
      const plain = ck.highlyVariableGenes(raw, { flavor, nTopGenes: 200, backend: 'js' }) as HvgSeuratV3Result;
      const b = ck.highlyVariableGenes(raw, { flavor, nTopGenes: 200, batch: one, backend: 'js' });
      expect(b.batches).toEqual(['a']);
      for (const k of ['means', 'variances', 'variancesNorm', 'highlyVariableRank', 'highlyVariable'] as const) {
        expect(Buffer.from(b[k].buffer).equals(Buffer.from(plain[k].buffer)), `${flavor} ${k}`).toBe(true);
      }
      expect(Array.from(b.highlyVariableNbatches)).toEqual(Array.from(plain.highlyVariable));
      const p = 'hvg.seurat_v3.top200';
      expectRel(b.means, g.f64(`${p}.means`), `${p}.means`, 0);
      expectRel(b.variances, g.f64(`${p}.variances`), `${p}.variances`, 0);
      expectRel(b.variancesNorm, g.f64(`${p}.variances_norm`), `${p}.variances_norm`, 1e-10);
      const differ = expectSameSelectionExceptTies(b.highlyVariable, g.get(`${p}.highly_variable`), g.f64(`${p}.variances_norm`), p);
      expect(differ).toBeLessThanOrEqual(2 * 35); // 73 genes tie at the cut-off (see the one-batch test above)
    }
  });

  it('a matrix resident in a wasm / as module gives the plain result (its batch subsets stay resident)', () => {
    const labels = codes();
    for (const v of variants.filter((w) => w.variant === 'simd' || w.variant === 'as-scalar')) {
      viaApi({ label: v.label, backend: v.backend }, (backend) => {
        const h = v.backend.upload!(raw);
        try {
          const out = ck.highlyVariableGenes(h, { flavor: 'seurat_v3', nTopGenes: 200, batch: labels, backend });
          const ref = ck.highlyVariableGenes(raw, { flavor: 'seurat_v3', nTopGenes: 200, batch: labels, backend });
          for (const k of ['means', 'variances', 'variancesNorm', 'highlyVariable', 'highlyVariableNbatches', 'highlyVariableRank'] as const) {
            expect(Buffer.from(out[k].buffer).equals(Buffer.from(ref[k].buffer)), `${v.label} ${k}`).toBe(true);
          }
        } finally {
          h.free();
        }
      });
    }
  });

  it('a batch whose genes are all constant is a typed error naming the batch (the LOESS has nothing to fit)', () => {
    // batch "a": 12 cells of varied counts; batch "b": 3 identical cells, so every gene has variance 0 there
    const ngenes = 40;
    const rows: number[][] = [];
    for (let i = 0; i < 12; i++) rows.push(Array.from({ length: ngenes }, (_, j) => ((i * 7 + j * 3 + i * j) % 11) + (j % 4)));
    for (let i = 0; i < 3; i++) rows.push(Array.from({ length: ngenes }, (_, j) => j % 5));
    const x = new ck.DenseMatrix({ shape: [rows.length, ngenes], data: Float32Array.from(rows.flat()) });
    const batch = [...new Array<string>(12).fill('a'), 'b', 'b', 'b'];
    const a = new ck.DenseMatrix({ shape: [12, ngenes], data: Float32Array.from(rows.slice(0, 12).flat()) });
    expect(() => ck.highlyVariableGenes(a, { flavor: 'seurat_v3', backend: 'js' })).not.toThrow();
    expect(() => ck.highlyVariableGenes(x, { flavor: 'seurat_v3', batch, backend: 'js' })).toThrow(ck.InvalidInputError);
    expect(() => ck.highlyVariableGenes(x, { flavor: 'seurat_v3', batch, backend: 'js' })).toThrow(/every gene is constant \(in batch "b", 3 cells\)/);
  });
});
