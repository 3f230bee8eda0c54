// A Cloudflare-style worker (run by workerd in test/edge/edge.test.ts): the compiled modules are
// imported as WebAssembly.Module values, as Cloudflare requires, and handed to init(); the real
// dataset (mouse10k's matrix.mtx.gz) is a data module. GET / answers with the numbers as JSON.
import * as ck from 'cellkernels';
import { readMatrixMarket } from 'cellkernels/io';
import asModule from './ck-as-simd.wasm';
import wasmModule from './ck-simd.wasm';
import mtx from './matrix.mtx.gz';

let ready;

async function compute() {
  const info = await ck.init({ module: { wasm: wasmModule, as: asModule } });
  const t0 = Date.now();
  const X = await readMatrixMarket(new Uint8Array(mtx), { name: 'matrix.mtx.gz' });
  const h = ck.upload(X);
  const qc = ck.qcMetrics(h, { percentTop: [50, 100, 200, 500], log1p: true });
  const norm = ck.normalizeTotal(h, { targetSum: 1e4 });
  const logged = ck.log1p(norm.X);
  const hvg = ck.highlyVariableGenes(logged, { flavor: 'seurat' });
  const geneLogSums = ck.sum(logged, { axis: 0 });
  const asSums = ck.sum(X, { axis: 1, backend: 'as' });
  logged.free?.();
  norm.X.free?.();
  h.free?.();
  return {
    runtime: info.host.runtime,
    variant: info.variant,
    asVariant: info.asVariant,
    threads: info.threads,
    notTaken: info.notTaken,
    shape: X.shape,
    totalCounts: Array.from(qc.obs.total_counts),
    nGenes: Array.from(qc.obs.n_genes_by_counts),
    asCellSums: Array.from(asSums),
    targetSum: norm.target,
    geneLogSums: Array.from(geneLogSums),
    hvgMeans: Array.from(hvg.means),
    highlyVariable: Array.from(hvg.highlyVariable),
    ms: Date.now() - t0,
  };
}

export default {
  async fetch() {
    try {
      ready ??= compute();
      return Response.json(await ready);
    } catch (e) {
      ready = undefined;
      return new Response(String(e?.stack ?? e), { status: 500 });
    }
  },
};
