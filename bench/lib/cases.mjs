/**
 * The benchmark cases, one entry per (kernel, parameters): how to call cellkernels' public API
 * and which of its outputs to compare with which scanpy reference output. The Python side
 * (bench/python/bench_scanpy.py) defines the same case ids, times the scanpy call and writes the
 * reference outputs `bench/data/<dataset>/ref/<case>.<output>.<dtype>` with their parameters in
 * ref/manifest.json; `params` below are read from there, so both sides run the same call.
 *
 * Entry fields
 *   id        case id (shared with Python)
 *   api       name of the public function; the case is skipped (and listed as missing) when
 *             cellkernels does not export it yet
 *   input     'counts' (the dataset) or 'lognorm' (scanpy's normalize_total + log1p output)
 *   run(ck, X, params, o)  the timed call; `o` holds { backend, strict: true }; X is a plain
 *             CsrMatrix (with-transfer) or a resident handle
 *   fresh(X)  optional: a copy of X that the call may overwrite, made before every call and
 *             not timed (scanpy's setup copy for calls that write in place)
 *   outputs(r, ck)  result → { refName: array } (downloads resident results; not timed)
 *   release(r)      frees resident results (not timed)
 *   tol       per output: [kind, dtype] for compareArrays, or 'hvgMask' (the same set except
 *             genes tied at the cut-off); default: exact for integer/mask refs, 'reduction'
 *             at f32 for float refs
 */

const handleFree = (x) => {
  if (x && typeof x.free === 'function' && x.resident) x.free();
};
// handle.download() rather than ck.download(): the latter takes CsrHandle only (not DenseHandle)
const dl = (ck, x) => (x && x.resident ? x.download() : x);

/** The subset case's masks (bench_scanpy.py builds the same): cells i % rowsEvery ≠ 0, genes j % colsEvery = 0; built once per shape, not timed after the first call. */
const maskCache = new Map();
function subsetMasks([n, g], p) {
  const key = `${n}x${g}/${p.rowsEvery}/${p.colsEvery}`;
  let m = maskCache.get(key);
  if (!m) {
    const rows = new Uint8Array(n);
    for (let i = 0; i < n; i++) rows[i] = i % p.rowsEvery !== 0 ? 1 : 0;
    const cols = new Uint8Array(g);
    for (let j = 0; j < g; j++) cols[j] = j % p.colsEvery === 0 ? 1 : 0;
    maskCache.set(key, (m = { rows, cols }));
  }
  return m;
}

/** A copy of X's values (a handle's inside its module) for a case whose call writes in place; made before each call, not timed. */
const freshCopy = (X) => (X.resident ? X.copy() : X.withData(X.data.slice()));

const ELEM32 = ['elementwise', 'f32'];
const RED32 = ['reduction', 'f32'];

export const CASES = [
  {
    id: 'log1p',
    api: 'log1p',
    // scanpy's sc.pp.log1p(X) overwrites X.data (its setup copies X, not timed); ours runs
    // in place on a fresh copy too (handle.copy() inside the module; not timed).
    fresh: freshCopy,
    run: (ck, X, p, o) => ck.log1p(X, { ...o, inPlace: true }),
    outputs: (r, ck) => ({ data: dl(ck, r).data }),
    release: handleFree,
    tol: { data: ELEM32 },
  },
  ...[0, 1].map((axis) => ({
    id: `sum.axis${axis}`,
    api: 'sum',
    run: (ck, X, p, o) => ck.sum(X, { axis, ...o }),
    outputs: (r) => ({ out: r }),
  })),
  ...[0, 1].map((axis) => ({
    id: `meanVar.axis${axis}`,
    api: 'meanVar',
    run: (ck, X, p, o) => ck.meanVar(X, { axis, ddof: 1, ...o }),
    outputs: (r) => ({ mean: r.mean, var: r.var }),
  })),
  ...[0, 1].map((axis) => ({
    id: `nnzCount.axis${axis}`,
    api: 'nnzCount',
    run: (ck, X, p, o) => ck.nnzCount(X, { axis, ...o }),
    outputs: (r) => ({ out: r }),
  })),
  {
    id: 'qcMetrics',
    api: 'qcMetrics',
    run: (ck, X, p, o, ctx) => ck.qcMetrics(X, { qcVars: { qc: ctx.qcMask }, percentTop: p.percentTop, log1p: true, ...o }),
    outputs: (r) => ({
      ...Object.fromEntries(Object.entries(r.obs).map(([k, v]) => [`obs.${k}`, v])),
      ...Object.fromEntries(Object.entries(r.var).map(([k, v]) => [`var.${k}`, v])),
    }),
  },
  {
    id: 'filterCells',
    api: 'filterCells',
    run: (ck, X, p, o) => ck.filterCells(X, { minGenes: p.minGenes, ...o }),
    outputs: (r) => ({ mask: r.mask, number: r.counts }),
  },
  {
    id: 'filterGenes',
    api: 'filterGenes',
    run: (ck, X, p, o) => ck.filterGenes(X, { minCells: p.minCells, ...o }),
    outputs: (r) => ({ mask: r.mask, number: r.counts }),
  },
  {
    id: 'normalizeTotal',
    api: 'normalizeTotal',
    run: (ck, X, p, o) => ck.normalizeTotal(X, { ...o }),
    outputs: (r, ck) => ({ data: dl(ck, r.X).data, norm_factor: r.normFactor }),
    release: (r) => handleFree(r.X),
    tol: { data: ELEM32, norm_factor: ELEM32 },
  },
  {
    id: 'normalizeTotal+log1p',
    api: ['normalizeTotal', 'log1p'],
    // scanpy's normalize_total(adata) and log1p(adata) both overwrite X (its setup copies X)
    fresh: freshCopy,
    run: (ck, X, p, o) => ck.log1p(ck.normalizeTotal(X, { ...o, inPlace: true }).X, { ...o, inPlace: true }),
    outputs: (r, ck) => ({ data: dl(ck, r).data }),
    release: handleFree,
    tol: { data: ['elementwise8', 'f32'] },
  },
  {
    id: 'lognorm+meanVar',
    api: ['normalizeTotal', 'log1p', 'meanVar'],
    fresh: freshCopy, // in place, as scanpy's (see normalizeTotal+log1p)
    run: (ck, X, p, o) => {
      const l = ck.log1p(ck.normalizeTotal(X, { ...o, inPlace: true }).X, { ...o, inPlace: true });
      const mv = ck.meanVar(l, { axis: 0, ddof: 1, ...o });
      handleFree(l);
      return mv;
    },
    outputs: (r) => ({ mean: r.mean, var: r.var }),
  },
  {
    id: 'hvg.seurat',
    api: 'highlyVariableGenes',
    input: 'lognorm',
    run: (ck, X, p, o) => ck.highlyVariableGenes(X, { flavor: 'seurat', nTopGenes: p.nTopGenes, ...o }),
    outputs: (r) => ({ means: r.means, dispersions: r.dispersions, dispersions_norm: r.dispersionsNorm, highly_variable: r.highlyVariable }),
    tol: { highly_variable: ['hvgMask', 'dispersions_norm'] },
  },
  {
    id: 'hvg.cell_ranger',
    api: 'highlyVariableGenes',
    input: 'lognorm',
    run: (ck, X, p, o) => ck.highlyVariableGenes(X, { flavor: 'cell_ranger', nTopGenes: p.nTopGenes, ...o }),
    outputs: (r) => ({ means: r.means, dispersions: r.dispersions, dispersions_norm: r.dispersionsNorm, highly_variable: r.highlyVariable }),
    tol: { highly_variable: ['hvgMask', 'dispersions_norm'] },
  },
  {
    id: 'hvg.seurat_v3',
    api: 'highlyVariableGenes',
    run: (ck, X, p, o) => ck.highlyVariableGenes(X, { flavor: 'seurat_v3', nTopGenes: p.nTopGenes, ...o }),
    outputs: (r) => ({
      means: r.means,
      variances: r.variances,
      variances_norm: r.variancesNorm,
      highly_variable: r.highlyVariable,
      highly_variable_rank: r.highlyVariableRank,
    }),
    tol: { highly_variable: ['hvgMask', 'variances_norm'], highly_variable_rank: ['hvgRank', 'variances_norm'] },
  },
  {
    id: 'subset',
    api: 'subset',
    run: (ck, X, p, o) => {
      const { rows, cols } = subsetMasks(X.shape, p);
      return ck.subset(X, { rows, cols, ...o });
    },
    outputs: (r, ck) => {
      const m = dl(ck, r);
      return { indptr: m.indptr, indices: m.indices, data: m.data };
    },
    release: handleFree,
  },
  {
    id: 'toCsc',
    api: 'toCsc',
    run: (ck, X, p, o) => ck.toCsc(X, o),
    outputs: (r) => ({ indptr: r.indptr, indices: r.indices, data: r.data }),
  },
  {
    id: 'scale',
    api: 'scale',
    input: 'lognorm',
    run: (ck, X, p, o) => ck.scale(X, { zeroCenter: false, maxValue: p.maxValue, ...o }),
    outputs: (r, ck) => ({ data: dl(ck, r.X).data }),
    release: (r) => handleFree(r.X),
    tol: { data: ELEM32 },
  },
  {
    id: 'scale.zc',
    api: 'scale',
    input: 'lognorm',
    run: (ck, X, p, o) => ck.scale(X, { zeroCenter: true, maxValue: p.maxValue, ...o }),
    outputs: (r, ck) => ({ out: dl(ck, r.X).data }),
    release: (r) => handleFree(r.X),
    tol: { out: ['elementwise', 'f64'] },
  },
];

/** Tolerance of one output: [kind, dtype]. */
export function toleranceOf(c, name, refDtype) {
  const t = c.tol?.[name];
  if (t) return t;
  if (refDtype === 'i32' || refDtype === 'u8') return ['exact', 'f64'];
  return RED32;
}

export { ELEM32, RED32 };
