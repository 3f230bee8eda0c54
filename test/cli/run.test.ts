import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { golden } from '../helpers/golden.js';
import { type Dumped, type DumpedColumn, anndataDump, pythonMissing } from '../io/python.js';
import { ROOT, SHARED, VENV_PYTHON, tempDir } from '../io/tmp.js';
import { cli } from './helpers.js';

const H5AD = path.join(SHARED, 'mouse10k.h5ad');
const missing = pythonMissing();
if (missing) console.warn(`skipping the Python anndata checks of cellkernels run: ${missing}`);

/** Largest |a−b| / max(|b|, floor) over the pairs; NaN (null) must sit at the same places. */
function worst(ours: ArrayLike<number | null>, ref: ArrayLike<number | null>, floor = 1): number {
  expect(ours.length).toBe(ref.length);
  let w = 0;
  for (let i = 0; i < ref.length; i++) {
    const a = ours[i] ?? null;
    const b = ref[i] ?? null;
    const an = a === null || Number.isNaN(a);
    const bn = b === null || Number.isNaN(b);
    if (an || bn) {
      if (an !== bn) return Number.POSITIVE_INFINITY;
      continue;
    }
    w = Math.max(w, Math.abs(a! - b!) / Math.max(Math.abs(b!), floor));
  }
  return w;
}

function values(c: DumpedColumn | undefined, name: string): (number | null)[] {
  if (!c) throw new Error(`column ${name} is missing`);
  return c.values.map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : (v as number | null)));
}

describe('cellkernels run', () => {
  const tmp = tempDir('ck-cli-');
  afterAll(() => tmp.cleanup());

  describe.skipIf(missing !== undefined)('on ../shared/data/mouse10k.h5ad: Python anndata opens the result; it matches scanpy', () => {
    let py: Dumped;
    const out = path.join(tmp.dir, 'mouse10k-result.h5ad');

    it('writes an .h5ad (qc, normalize, log1p, hvg, scale) and prints the timing table and summary', async () => {
      const r = await cli(['run', H5AD, '--steps', 'qc,normalize,log1p,hvg,scale', '--out', out]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^step\s+ms\s+backend\s+what it did$/m);
      for (const s of ['qc', 'normalize', 'log1p', 'hvg', 'scale', 'total']) expect(r.stdout).toMatch(new RegExp(`^${s}\\s+[\\d.]+`, 'm'));
      expect(r.stdout).toContain('HVGs      134 highly variable genes');
      expect(r.stdout).toContain(`wrote     ${out}`);
      py = anndataDump(out);
      expect(py.shape).toEqual([10_000, 1_000]);
    });

    it('obs: the QC metrics of calculate_qc_metrics, column by column (dtypes as scanpy)', () => {
      const g = golden('mouse10k');
      const cols = ['n_genes_by_counts', 'log1p_n_genes_by_counts', 'total_counts', 'log1p_total_counts', 'pct_counts_in_top_50_genes', 'pct_counts_in_top_100_genes', 'pct_counts_in_top_200_genes', 'pct_counts_in_top_500_genes', 'total_counts_ribo', 'log1p_total_counts_ribo', 'pct_counts_ribo'];
      const calls = g.manifest.calls as unknown as { id: string; results: { column_dtypes: Record<string, string> } }[];
      const dtypes = calls.find((c) => c.id === 'qc')!.results.column_dtypes;
      for (const c of cols) {
        expect(py.obs[c]?.dtype, c).toBe(dtypes[`obs.${c}`]);
        expect(worst(values(py.obs[c], c), g.f64(`qc.obs.${c}`)), c).toBeLessThan(1e-6);
      }
    });

    it('var: the QC metrics, the HVG columns of highly_variable_genes(flavor="seurat"), and scale\'s mean/std', () => {
      const g = golden('mouse10k');
      for (const c of ['n_cells_by_counts', 'mean_counts', 'log1p_mean_counts', 'pct_dropout_by_counts', 'total_counts', 'log1p_total_counts']) {
        expect(worst(values(py.var[c], c), g.f64(`qc.var.${c}`)), c).toBeLessThan(1e-6);
      }
      expect(py.var.highly_variable!.dtype).toBe('bool');
      expect(values(py.var.highly_variable, 'hv')).toEqual(Array.from(g.get('hvg.seurat.highly_variable')));
      expect(worst(values(py.var.means, 'means'), g.f64('hvg.seurat.means')), 'means').toBeLessThan(1e-6);
      expect(worst(values(py.var.dispersions, 'dispersions'), g.f64('hvg.seurat.dispersions')), 'dispersions').toBeLessThan(1e-6);
      expect(py.var.dispersions_norm!.dtype).toBe('float32');
      // Stored as float32 (as scanpy does in place): rel 1e-6 of the statistic plus the float32 rounding.
      expect(worst(values(py.var.dispersions_norm, 'dn'), g.f64('hvg.seurat.dispersions_norm')), 'dispersions_norm').toBeLessThan(2e-6);
      expect(worst(values(py.var.mean, 'mean'), g.f64('scale.zc.mean')), 'mean').toBeLessThan(1e-6);
      expect(worst(values(py.var.std, 'std'), g.f64('scale.zc.std')), 'std').toBeLessThan(1e-6);
      expect(py.hvg_subset_shape).toEqual([10_000, 134]);
    });

    it('X (scaled), layers lognorm (normalize_total 1e4 + log1p) and counts, against scanpy', () => {
      const g = golden('mouse10k');
      expect(py.X).toMatchObject({ format: 'dense', dtype: 'float64', shape: [10_000, 1_000] });
      // Sums of zero-centred values cancel: compare on the scale of the summed magnitudes (~100).
      expect(worst(py.X!.gene_sum, g.f64('scale.zc.gene_sum'), 100)).toBeLessThan(1e-6);
      expect(worst(py.X!.cell_sum, g.f64('scale.zc.cell_sum'), 100)).toBeLessThan(1e-6);
      const ln = py.layers.lognorm!;
      expect(ln).toMatchObject({ format: 'csr', dtype: 'float32' });
      expect(worst(ln.gene_mean, g.f64('log1p.norm1e4.gene_mean'))).toBeLessThan(1e-5);
      expect(worst(ln.gene_var, g.f64('log1p.norm1e4.gene_var'))).toBeLessThan(1e-5);
      expect(worst(ln.cell_sum, g.f64('log1p.norm1e4.cell_sum'))).toBeLessThan(1e-5);
      expect(py.layers.counts!.cell_sum).toEqual(Array.from(g.f64('sum.axis1')));
    });
  });

  it.skipIf(missing !== undefined)('the whole pipeline with filters matches scanpy run on the spot, column by column', async () => {
    const out = path.join(tmp.dir, 'filtered.h5ad');
    const r = await cli(['run', H5AD, '--out', out, '--min-genes', '30', '--min-cells', '10']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('cells     9,741 kept of 10,000');
    const ours = anndataDump(out);
    const ref = JSON.parse(
      execFileSync(VENV_PYTHON, [path.join(ROOT, 'test/cli/scanpy_pipeline.py'), H5AD, '30', '10'], { encoding: 'utf8', maxBuffer: 256 << 20, env: { ...process.env, PYTHONWARNINGS: 'ignore' } }),
    ) as Dumped;
    // filter_cells(min_genes=30) keeps what scanpy kept in the fixtures too.
    const g = golden('mouse10k');
    expect(ours.obs_names.length).toBe(Array.from(g.get('filter_cells.min_genes.mask')).filter(Boolean).length);
    expect(ours.shape).toEqual(ref.shape);
    expect(ours.obs_names).toEqual(ref.obs_names);
    expect(ours.var_names).toEqual(ref.var_names);
    expect(Object.keys(ours.obs).sort()).toEqual(Object.keys(ref.obs).sort());
    expect(Object.keys(ours.var).sort()).toEqual(Object.keys(ref.var).sort());
    for (const table of ['obs', 'var'] as const) {
      for (const [c, col] of Object.entries(ref[table])) {
        if (col.dtype === 'bool' || col.dtype === 'object' || col.dtype === 'category') {
          expect(ours[table][c]!.values, `${table}.${c}`).toEqual(col.values);
          continue;
        }
        expect(worst(values(ours[table][c], c), values(col, c)), `${table}.${c}`).toBeLessThan(1e-5);
      }
    }
    expect(worst(ours.X!.gene_sum, ref.X!.gene_sum, 100)).toBeLessThan(1e-6);
    expect(worst(ours.layers.lognorm!.gene_var, ref.layers.lognorm!.gene_var)).toBeLessThan(1e-5);
    expect(ours.layers.counts!.gene_sum).toEqual(ref.layers.counts!.gene_sum);
  }, 300_000); // runs real scanpy (import, numba JIT) next to our CLI: ~40 s idle, minutes on a loaded machine

  it('--stream processes row blocks with bounded memory and gives the same result as the whole matrix', async () => {
    const whole = path.join(tmp.dir, 'whole.h5ad');
    const streamed = path.join(tmp.dir, 'streamed.h5ad');
    const steps = ['--steps', 'qc,filter,normalize,log1p'];
    const a = await cli(['run', H5AD, ...steps, '--out', whole]);
    expect(a.code).toBe(0);
    const b = await cli(['run', H5AD, ...steps, '--stream', '--block-rows', '1500', '--out', streamed]);
    expect(b.stderr).toBe('');
    expect(b.code).toBe(0);
    expect(b.stdout).toMatch(/streamed 7 block\(s\) of ≤ 1,500 rows in 2 pass\(es\)/);
    expect(b.stdout).toMatch(/peak RSS [\d.]+ MiB, wasm heaps [\d.]+ MiB \(bounded by one block\)/);
    const { readH5ad } = await import('../../src/io/index.js');
    const [wa, sa] = await Promise.all([readH5ad(whole), readH5ad(streamed)]);
    expect(sa.obs.index).toEqual(wa.obs.index);
    expect(sa.var.index).toEqual(wa.var.index);
    for (const [k, c] of Object.entries(wa.obs.columns)) expect(worst(Array.from(sa.obs.columns[k] as Float64Array), Array.from(c as Float64Array)), `obs.${k}`).toBeLessThan(1e-6);
    for (const [k, c] of Object.entries(wa.var.columns)) {
      if (!ArrayBuffer.isView(c)) continue;
      expect(worst(Array.from(sa.var.columns[k] as Float64Array), Array.from(c as Float64Array)), `var.${k}`).toBeLessThan(1e-6);
    }
    const xw = wa.X!;
    const xs = sa.X!;
    expect(xs.format).toBe('csr');
    expect(Buffer.from(new Float32Array(xs.data).buffer).equals(Buffer.from(new Float32Array(xw.data).buffer))).toBe(true);
  });

  describe('malformed inputs: one clear error, exit code 1, no output file', () => {
    const cases: [string, () => string, RegExp][] = [
      [
        'a truncated .h5ad',
        () => {
          const f = path.join(tmp.dir, 'truncated.h5ad');
          writeFileSync(f, readFileSync(H5AD).subarray(0, 1_000_000));
          return f;
        },
        /^cellkernels: FileFormatError: .*truncated\.h5ad: cannot open: truncated HDF5 file: it has 1,000,000 bytes but its superblock says 1,740,348 \(incomplete download or copy\?\)$/,
      ],
      [
        'a gzip with a bad trailer',
        () => {
          const d = path.join(tmp.dir, 'badgz');
          cpSync(path.join(SHARED, 'mouse10k-10x'), d, { recursive: true });
          const f = path.join(d, 'features.tsv.gz');
          const b = readFileSync(f);
          b[b.length - 3]! ^= 0x55;
          writeFileSync(f, b);
          return d;
        },
        /^cellkernels: FileFormatError: .*badgz\/features\.tsv\.gz: bad gzip trailer: the stored length does not match the decompressed data \(corrupt file\)$/,
      ],
      [
        'an mtx with an out-of-range index',
        () => {
          const d = path.join(tmp.dir, 'badmtx');
          cpSync(path.join(SHARED, 'mouse10k-10x'), d, { recursive: true });
          const lines = execFileSync('gzip', ['-dc', path.join(d, 'matrix.mtx.gz')], { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n');
          lines[100] = '1001 5 2';
          rmSync(path.join(d, 'matrix.mtx.gz'));
          writeFileSync(path.join(d, 'matrix.mtx'), lines.join('\n'));
          return d;
        },
        /^cellkernels: FileFormatError: .*badmtx\/matrix\.mtx: line 101: index \(1001, 5\) is outside the declared 1000 × 10000 matrix$/,
      ],
    ];
    for (const [what, make, message] of cases) {
      it(what, async () => {
        const input = make();
        const outDir = path.join(tmp.dir, `out-${what.replace(/\W+/g, '-')}`);
        mkdirSync(outDir);
        const out = path.join(outDir, 'result.h5ad');
        const r = await cli(['run', input, '--out', out]);
        expect(r.code).toBe(1);
        expect(r.stderr.split('\n')).toHaveLength(1);
        expect(r.stderr).toMatch(message);
        expect(existsSync(out)).toBe(false);
        expect(readdirSync(outDir)).toEqual([]);
      });
    }
  });

  it('usage errors exit with 2 and say what is valid', async () => {
    const r = await cli(['run', H5AD, '--steps', 'qc,normalise']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('cellkernels: InvalidOptionError: unknown step "normalise"; steps: qc, filter, normalize, log1p, hvg, scale (or all)');
    const s = await cli(['run', H5AD, '--stream', '--steps', 'qc,hvg']);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/step "hvg" needs the whole matrix and cannot run over row blocks/);
  });
});
