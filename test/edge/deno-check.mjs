// Run by Deno (test/edge/edge.test.ts): imports the built package as an application would and
// prints the numbers as JSON on stdout.
//   deno run --allow-read --allow-env test/edge/deno-check.mjs <repo>/data/mouse10k-10x/matrix.mtx.gz
import * as ck from '../../dist/index.js';
import { readH5ad, readMatrixMarket } from '../../dist/io.js';

const [mtxPath, h5adPath] = Deno.args;
const info = await ck.init();
const X = await readMatrixMarket(await Deno.readFile(mtxPath), { name: 'matrix.mtx.gz' });
const h = ck.upload(X);
const qc = ck.qcMetrics(h, { percentTop: [50, 100, 200, 500], log1p: true });
const norm = ck.normalizeTotal(h, { targetSum: 1e4 });
const logged = ck.log1p(norm.X);
const hvg = ck.highlyVariableGenes(logged, { flavor: 'seurat' });
const geneLogSums = ck.sum(logged, { axis: 0 });
let h5ad = null;
if (h5adPath) {
  // h5wasm's browser build over an in-memory file system (bytes, not a path).
  const a = await readH5ad(await Deno.readFile(h5adPath), { name: 'mouse10k.h5ad' });
  h5ad = { shape: a.X.shape, nnz: a.X.nnz, firstVar: a.var.index[0] };
}
console.log(
  JSON.stringify({
    runtime: info.host.runtime,
    deno: Deno.version.deno,
    variant: info.variant,
    asVariant: info.asVariant,
    threads: info.threads,
    notTaken: info.notTaken,
    shape: X.shape,
    totalCounts: Array.from(qc.obs.total_counts),
    nGenes: Array.from(qc.obs.n_genes_by_counts),
    targetSum: norm.target,
    geneLogSums: Array.from(geneLogSums),
    hvgMeans: Array.from(hvg.means),
    highlyVariable: Array.from(hvg.highlyVariable),
    h5ad,
  }),
);
ck.shutdown();
