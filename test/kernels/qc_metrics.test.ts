import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ck from '../../src/index.js';
import { jsBackend } from '../../src/backends/js/index.js';
import type { Backend, KernelArgs, QcMetricsResult } from '../../src/backends/types.js';
import { CscMatrix, CsrMatrix, DenseMatrix, type DType } from '../../src/matrix/index.js';
import { SPECIAL_SPECS, buildCase, csrToCsc, csrToDense } from '../../src/testing/cases.js';
import { KERNEL_TOLERANCE, compareArrays } from '../../src/testing/index.js';
import { apiBackends, loadCudaEmu, viaApi } from '../helpers/api_backends.js';
import { type LoadedVariant, loadAllVariants, shutdownAll } from '../helpers/backends.js';
import { allCases } from '../helpers/cases.js';
import { mouse10k, toF64 } from '../helpers/data.js';
import { golden } from '../helpers/golden.js';
import { sameBits } from '../helpers/stats.js';

const tol = KERNEL_TOLERANCE.qcMetrics!;
let variants: LoadedVariant[] = [];
beforeAll(async () => {
  variants = await loadAllVariants();
});
afterAll(() => shutdownAll(variants));

/** Every column equal in kind and within tolerance (ints exact). */
function expectSameQc(out: QcMetricsResult, ref: QcMetricsResult, dtype: DType, label: string): void {
  for (const table of ['obs', 'var'] as const) {
    expect(Object.keys(out[table]), label).toEqual(Object.keys(ref[table]));
    for (const [k, r] of Object.entries(ref[table])) {
      const o = out[table][k]!;
      expect(o.constructor, `${label} ${table}.${k}`).toBe(r.constructor);
      const cmp = compareArrays(o, r, r instanceof Int32Array ? 'exact' : tol, dtype);
      expect(cmp.ok, `${label} ${table}.${k}: ${cmp.message}`).toBe(true);
    }
  }
}

function argsFor(ncols: number, full: boolean): KernelArgs['qcMetrics'] {
  if (!full) return { qcVars: [], percentTop: [], log1p: false };
  const mask = Uint8Array.from({ length: ncols }, (_, j) => (j % 3 === 1 ? 1 : 0));
  return { qcVars: [{ name: 'a', mask }, { name: 'b', mask: mask.map((m) => 1 - m) }], percentTop: [1, 5, 20, 50].filter((n) => n <= ncols), log1p: true };
}

describe('qcMetrics: every compiled variant matches the js reference', () => {
  const cases = [...allCases(), ...SPECIAL_SPECS.flatMap((s) => (['f32', 'f64'] as const).map((dtype) => ({ name: `${s.name} ${dtype}`, dtype, x: buildCase(s, dtype) })))];
  for (const full of [true, false]) {
    it(`edge cases (NaN, inf, negatives included), ${full ? 'two QC sets, top 1/5/20/50, log1p' : 'no QC set, no top, no log1p'}`, () => {
      for (const c of cases) {
        const args = argsFor(c.x.shape[1], full);
        const ref = jsBackend.kernels.qcMetrics!(c.x, args);
        expect(ref.obs.total_counts).toBeInstanceOf(c.dtype === 'f32' ? Float32Array : Float64Array);
        for (const v of variants) expectSameQc(v.backend.kernels.qcMetrics!(c.x, args), ref, c.dtype, `${v.label} ${c.name}`);
      }
    });
  }

  it('simd-threads gives bit-identical output for 1, 2 and 3 threads', async () => {
    const x = await mouse10k();
    const noisy = x.withData(Float64Array.from(x.data, (v, i) => v * (1 + ((i * 2654435761) % 1000) * 1e-7)));
    const args = argsFor(x.shape[1], true);
    const outs = variants.filter((v) => v.variant === 'simd-threads').map((v) => v.backend.kernels.qcMetrics!(noisy, args));
    expect(outs).toHaveLength(3);
    for (const o of outs.slice(1)) {
      for (const table of ['obs', 'var'] as const) for (const k of Object.keys(o[table])) expect(sameBits(o[table][k]!, outs[0]![table][k]!), k).toBe(true);
    }
  });
});

describe('qcMetrics against real scanpy (calculate_qc_metrics) on mouse10k', () => {
  const g = golden('mouse10k');
  const call = (g.manifest.calls as unknown as { id: string; results: Record<string, unknown> }[]).find((c) => c.id === 'qc')!;
  const results = call.results as { obs_columns: string[]; var_columns: string[]; column_dtypes: Record<string, string> };

  function expectGolden(out: QcMetricsResult, label: string): void {
    expect(Object.keys(out.obs)).toEqual(results.obs_columns);
    expect(Object.keys(out.var)).toEqual(results.var_columns);
    for (const table of ['obs', 'var'] as const) {
      for (const [k, col] of Object.entries(out[table])) {
        const dt = results.column_dtypes[`${table}.${k}`]!;
        const want = g.get(`qc.${table}.${k}`);
        expect(col.constructor.name, `${table}.${k}`).toBe(dt.startsWith('int') ? 'Int32Array' : dt === 'float32' ? 'Float32Array' : 'Float64Array');
        if (k.startsWith('log1p_')) {
          // numpy's log1p differs from Math.log1p by ≤ 1 ULP on some values.
          const cmp = compareArrays(col, want, 'elementwise', dt === 'float32' ? 'f32' : 'f64');
          expect(cmp.ok, `${label} ${table}.${k}: ${cmp.message}`).toBe(true);
        } else {
          expect(sameBits(col, want), `${label} ${table}.${k} is bit-identical to scanpy`).toBe(true);
        }
      }
    }
  }

  it('js and every variant: scanpy columns, order, dtypes; bit-exact except log1p (≤ 4 ULP)', async () => {
    const x = await mouse10k();
    const ribo = g.get('qc.qc_var_mask') as Uint8Array;
    expect(Array.from(ribo).filter(Boolean)).toHaveLength(3);
    const opts = { qcVars: { ribo }, percentTop: [500, 50, 200, 100] };
    expectGolden(ck.qcMetrics(x, { ...opts, backend: 'js' }), 'js');
    const args: KernelArgs['qcMetrics'] = { qcVars: [{ name: 'ribo', mask: ribo }], percentTop: [50, 100, 200, 500], log1p: true };
    for (const v of variants) expectGolden(v.backend.kernels.qcMetrics!(x, args), v.label);
  });

  it('the zero-count cell gives NaN pct columns and zero totals, as scanpy', async () => {
    const x = await mouse10k();
    const out = ck.qcMetrics(x, { qcVars: { ribo: g.get('qc.qc_var_mask') as Uint8Array }, backend: 'js' });
    const [cell] = (g.manifest.dataset as { zero_count_cells: number[] }).zero_count_cells;
    expect(out.obs.total_counts![cell!]).toBe(0);
    expect(out.obs.n_genes_by_counts![cell!]).toBe(0);
    expect(out.obs.pct_counts_in_top_50_genes![cell!]).toBeNaN();
    expect(out.obs.pct_counts_ribo![cell!]).toBeNaN();
  });

  it('float64 input gives float64 columns with the same values (count data)', async () => {
    const x = toF64(await mouse10k());
    const ribo = g.get('qc.qc_var_mask') as Uint8Array;
    const args: KernelArgs['qcMetrics'] = { qcVars: [{ name: 'ribo', mask: ribo }], percentTop: [50], log1p: false };
    for (const b of [jsBackend, variants[0]!.backend]) {
      const out = b.kernels.qcMetrics!(x, args);
      expect(out.obs.total_counts).toBeInstanceOf(Float64Array);
      expect(Array.from(out.obs.total_counts!)).toEqual(Array.from(g.get('qc.obs.total_counts')));
      const cmp = compareArrays(out.obs.pct_counts_ribo!, g.f64('qc.obs.pct_counts_ribo'), 'elementwise', 'f32');
      expect(cmp.ok, cmp.message).toBe(true);
    }
  });
});

describe('qcMetrics semantics and errors', () => {
  it('top-N shares pad short rows with zeros, so negative values rank below absent genes (scanpy)', () => {
    // Row 0: 5, −1, 3 and an explicit zero over 10 genes; top 4 = 5, 3, 0, −1. Row 1: empty.
    const x = new CsrMatrix({ shape: [2, 10], data: new Float64Array([5, 0, -1, 3]), indices: new Int32Array([0, 1, 4, 7]), indptr: new Int32Array([0, 4, 4]) });
    const args: KernelArgs['qcMetrics'] = { qcVars: [{ name: 'q', mask: Uint8Array.from({ length: 10 }, (_, j) => (j === 4 ? 1 : 0)) }], percentTop: [1, 2, 4], log1p: true };
    for (const b of [jsBackend, ...variants.map((v) => v.backend)]) {
      const out = b.kernels.qcMetrics!(x, args);
      expect(Array.from(out.obs.n_genes_by_counts!)).toEqual([3, 0]);
      expect(Array.from(out.obs.total_counts!)).toEqual([7, 0]);
      expect(out.obs.pct_counts_in_top_1_genes![0]).toBe((5 / 7) * 100);
      expect(out.obs.pct_counts_in_top_2_genes![0]).toBe((8 / 7) * 100);
      expect(out.obs.pct_counts_in_top_4_genes![0]).toBe((7 / 7) * 100);
      expect(out.obs.pct_counts_in_top_4_genes![1]).toBeNaN();
      expect(out.obs.pct_counts_q![0]).toBe((-1 / 7) * 100);
      expect(Array.from(out.var.n_cells_by_counts!)).toEqual([1, 0, 0, 0, 1, 0, 0, 1, 0, 0]);
      expect(out.var.pct_dropout_by_counts![0]).toBe(50);
      expect(out.var.mean_counts![7]).toBe(1.5);
    }
  });

  it('rejects bad options with typed errors', () => {
    const x = new CsrMatrix({ shape: [1, 3], data: new Float32Array([1]), indices: new Int32Array([0]), indptr: new Int32Array([0, 1]) });
    expect(() => ck.qcMetrics(x)).toThrow(/percentTop 50 is more than the number of genes \(3\)/);
    expect(() => ck.qcMetrics(x, { percentTop: [0] })).toThrow(ck.InvalidOptionError);
    expect(() => ck.qcMetrics(x, { percentTop: [1.5] })).toThrow(/positive integers/);
    expect(() => ck.qcMetrics(x, { percentTop: null, qcVars: { mt: new Uint8Array(2) } })).toThrow(/qcVars.mt has 2 entries, expected one per gene \(3\)/);
    expect(() => ck.qcMetrics(x, { percentTop: null, log1p: 1 as never })).toThrow(ck.InvalidOptionError);
    expect(() => ck.qcMetrics(x, { percentTop: null, qcvars: {} } as never)).toThrow(/did you mean "qcVars"/);
    expect(ck.qcMetrics(x, { percentTop: [3, 1, 3], backend: 'js' }).obs).toHaveProperty('pct_counts_in_top_3_genes');
    expect(() => ck.qcMetrics({ format: 'coo', shape: [1, 3] } as never)).toThrow(ck.InvalidInputError);
  });

  it('takes a resident matrix without copying it', async () => {
    const v = variants.find((v) => v.label === 'simd-threads×2')!;
    const x = await mouse10k();
    const h = v.backend.upload!(x);
    const before = v.module.transfers.bytesToModule;
    const args: KernelArgs['qcMetrics'] = { qcVars: [], percentTop: [50], log1p: true };
    const out = v.backend.kernels.qcMetrics!(h, args);
    expect(v.module.transfers.bytesToModule - before).toBeLessThan(1000);
    expectSameQc(out, jsBackend.kernels.qcMetrics!(x, args), 'f32', 'resident');
    h.free();
  });
});

describe('qcMetrics on CSC and dense input: the results of the same matrix as CSR, in every backend', () => {
  let cuda: Backend | undefined;
  beforeAll(async () => {
    cuda = await loadCudaEmu();
  });
  const cases = [...allCases(), ...SPECIAL_SPECS.flatMap((s) => (['f32', 'f64'] as const).map((dtype) => ({ name: `${s.name} ${dtype}`, dtype, x: buildCase(s, dtype) })))];
  const layouts = (x: CsrMatrix): [string, CscMatrix | DenseMatrix][] => [
    ['csc', csrToCsc(x)],
    ['dense', csrToDense(x)],
  ];
  /** API options equivalent to argsFor(). */
  const optionsFor = (ncols: number, full: boolean) => {
    const a = argsFor(ncols, full);
    return { qcVars: Object.fromEntries(a.qcVars.map((q) => [q.name, q.mask])), percentTop: a.percentTop.length ? a.percentTop : null, log1p: a.log1p };
  };

  it('edge cases (NaN, inf, negatives included) vs the js reference on CSR, every backend and variant', () => {
    const backends = apiBackends(variants, 'qcMetrics', [cuda]);
    expect(backends.length).toBe(cuda ? 9 : 8); // js, 7 variants, cuda-emu where built
    for (const b of backends) {
      viaApi(b, (backend) => {
        for (const c of cases) {
          for (const full of [true, false]) {
            const opts = optionsFor(c.x.shape[1], full);
            const ref = ck.qcMetrics(c.x, { ...opts, backend: 'js' });
            for (const [layout, x] of layouts(c.x)) expectSameQc(ck.qcMetrics(x, { ...opts, backend, strict: true }), ref, c.dtype, `${b.label} ${layout} ${c.name} full=${full}`);
          }
        }
      });
    }
  });

  it('mouse10k: CSC and dense vs the js reference on CSR, and bit-identical to the same backend on CSR', async () => {
    const x = await mouse10k();
    const ribo = golden('mouse10k').get('qc.qc_var_mask') as Uint8Array;
    const opts = { qcVars: { ribo }, percentTop: [50, 100, 200, 500] };
    const ref = ck.qcMetrics(x, { ...opts, backend: 'js' });
    const inputs = layouts(x);
    for (const b of apiBackends(variants, 'qcMetrics', [cuda])) {
      viaApi(b, (backend) => {
        const own = ck.qcMetrics(x, { ...opts, backend });
        for (const [layout, input] of inputs) {
          const out = ck.qcMetrics(input, { ...opts, backend });
          expectSameQc(out, ref, 'f32', `${b.label} ${layout}`);
          for (const t of ['obs', 'var'] as const) for (const k of Object.keys(own[t])) expect(sameBits(out[t][k]!, own[t][k]!), `${b.label} ${layout} ${t}.${k}`).toBe(true);
        }
      });
    }
  });

  it('counts values ≠ 0 on dense input like scanpy (count_nonzero: NaN and negatives count, ±0 does not); integer dense counts', () => {
    const d = new DenseMatrix({ shape: [2, 4], data: new Float64Array([0, -0, Number.NaN, 2, -1, 0, 3, 0]) });
    const out = ck.qcMetrics(d, { percentTop: null, backend: 'js' });
    expect(Array.from(out.obs.n_genes_by_counts!)).toEqual([2, 2]);
    expect(Array.from(out.var.n_cells_by_counts!)).toEqual([1, 0, 2, 1]);
    const ints = ck.qcMetrics({ format: 'dense', shape: [2, 2], data: new Int32Array([1, 0, 2, 3]) }, { percentTop: [1], backend: 'js' });
    expect(ints.obs.total_counts).toBeInstanceOf(Float64Array);
    expect(Array.from(ints.obs.total_counts!)).toEqual([1, 5]);
  });

  it('a resident dense matrix runs in the backend that holds it, with the plain dense results', () => {
    const x = csrToDense(buildCase({ name: 'counts', rows: 90, cols: 30, density: 0.3, value: (r) => Math.floor(r() * 9) + 1 }, 'f32'));
    for (const b of apiBackends(variants, 'qcMetrics').filter((a) => a.backend.uploadDense)) {
      viaApi(b, (backend) => {
        const h = b.backend.uploadDense!(x);
        const out = ck.qcMetrics(h, { percentTop: [5] });
        const ref = ck.qcMetrics(x, { percentTop: [5], backend });
        for (const t of ['obs', 'var'] as const) for (const k of Object.keys(ref[t])) expect(sameBits(out[t][k]!, ref[t][k]!), `${b.label} ${t}.${k}`).toBe(true);
        h.free();
      });
    }
  });

  it('rejects a layout it does not know with a typed error naming the accepted ones', () => {
    expect(() => ck.qcMetrics({ format: 'coo', shape: [2, 2], row: [0], col: [1] } as never)).toThrow(ck.InvalidInputError);
    expect(() => ck.qcMetrics({ format: 'coo', shape: [2, 2] } as never)).toThrow(/expected a CsrMatrix, a CscMatrix, a DenseMatrix or a resident handle/);
    expect(() => ck.qcMetrics([[1, 2]] as never)).toThrow(/got Array/);
  });
});
