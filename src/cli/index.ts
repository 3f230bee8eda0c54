/**
 * The `cellkernels` command (Node): `info`, `run <input>` and `demo`.
 * @module
 */
import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as ck from '../index.js';
import type { AnnData } from '../io/anndata.js';
import { FileFormatError } from '../io/errors.js';
import { openH5ad } from '../io/h5ad.js';
import { writeH5ad } from '../io/h5ad-write.js';
import { readAny } from '../io/read.js';
import { type PipelineResult, type ProgressEvent, type StepName, type StepReport, STEPS, STREAM_STEPS, mib, parseSteps, runPipeline, streamPipeline } from '../pipeline/index.js';
import { ProgressBar, int, ms, table } from './format.js';

const USAGE = `usage: cellkernels <command> [options]

commands:
  info                   runtime, wasm variant, threads, backends and why any is unavailable
  run <input>            preprocess a dataset: an .h5ad, a Cell Ranger .h5, or a Cell Ranger
                         Matrix Market folder (matrix.mtx.gz, features.tsv.gz, barcodes.tsv.gz)
  demo                   the whole pipeline on the bundled real dataset (10x mouse, 10,000 cells),
                         on every backend, with a timing table and a summary

run options:
  --out <file.h5ad>      write the result (obs/var columns, X, layers counts/lognorm)
  --steps <list>         comma-separated, in any order (default all): ${STEPS.join(',')}
  --stream               process row blocks of an .h5ad with bounded memory (steps ${STREAM_STEPS.join(',')})
  --block-rows <n>       rows per block with --stream (default: ~4 million values per block)
  --min-genes <n>        filter_cells(min_genes) (default 30; "none" to skip)
  --min-counts <n>       filter_cells(min_counts) (default none)
  --min-cells <n>        filter_genes(min_cells) (default 10; "none" to skip)
  --target-sum <x>       normalize_total(target_sum) (default 1e4; "median" for scanpy's default)
  --flavor <f>           highly_variable_genes flavor: seurat (default), cell_ranger, seurat_v3
  --n-top-genes <n>      highly_variable_genes(n_top_genes) (default: scanpy's cutoffs)
  --max-value <x>        scale(max_value) (default 10; "none" for no clipping)
  --compression <0-9>    gzip level of the matrices in --out (default 4; 0 = none, fastest)

common options:
  --backend <name>       backend for the kernels: auto (default), wasm, as, js
  --threads <n>          threads for the simd-threads variant
  --variant <v>          force a wasm variant: simd-threads, simd, scalar
  -h, --help             this text

Progress bars go to stderr on a terminal (CELLKERNELS_PROGRESS=1 forces them).`;

interface Args {
  command: string | undefined;
  input?: string;
  out?: string;
  steps?: string;
  stream: boolean;
  blockRows?: number;
  minGenes?: number | null;
  minCounts?: number | null;
  minCells?: number | null;
  targetSum?: number | null;
  flavor?: string;
  nTopGenes?: number;
  maxValue?: number | null;
  compression?: number;
  backend?: string;
  threads?: number;
  variant?: 'simd-threads' | 'simd' | 'scalar';
}

function num(flag: string, v: string, opts: { none?: string; integer?: boolean; min?: number } = {}): number | null {
  if (opts.none && v === opts.none) return null;
  const n = Number(v);
  if (!Number.isFinite(n) || (opts.integer && !Number.isInteger(n)) || (opts.min !== undefined && n < opts.min)) {
    throw new ck.InvalidOptionError(`${flag} needs ${opts.integer ? 'an integer' : 'a number'}${opts.min !== undefined ? ` ≥ ${opts.min}` : ''}${opts.none ? ` or "${opts.none}"` : ''}, got "${v}"`);
  }
  return n;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { command: undefined, stream: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new ck.InvalidOptionError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '-h':
      case '--help':
        args.command = 'help';
        break;
      case '--backend':
        args.backend = value();
        break;
      case '--threads':
        args.threads = num(flag, value(), { integer: true, min: 1 })!;
        break;
      case '--variant':
        args.variant = value() as Args['variant'];
        break;
      case '--out':
      case '-o':
        args.out = value();
        break;
      case '--steps':
        args.steps = value();
        break;
      case '--stream':
        args.stream = true;
        break;
      case '--block-rows':
        args.blockRows = num(flag, value(), { integer: true, min: 1 })!;
        break;
      case '--min-genes':
        args.minGenes = num(flag, value(), { none: 'none', min: 0 });
        break;
      case '--min-counts':
        args.minCounts = num(flag, value(), { none: 'none', min: 0 });
        break;
      case '--min-cells':
        args.minCells = num(flag, value(), { none: 'none', min: 0 });
        break;
      case '--target-sum':
        args.targetSum = num(flag, value(), { none: 'median', min: 0 });
        break;
      case '--flavor':
        args.flavor = value();
        break;
      case '--n-top-genes':
        args.nTopGenes = num(flag, value(), { integer: true, min: 1 })!;
        break;
      case '--compression':
        args.compression = num(flag, value(), { integer: true, min: 0 })!;
        if (args.compression > 9) throw new ck.InvalidOptionError(`--compression needs a gzip level 0–9, got ${args.compression}`);
        break;
      case '--max-value':
        args.maxValue = num(flag, value(), { none: 'none', min: 0 });
        break;
      default:
        if (a.startsWith('-')) throw new ck.InvalidOptionError(`unknown option ${a}\n\n${USAGE}`);
        if (args.command === undefined) args.command = a;
        else if (args.command === 'run' && args.input === undefined) args.input = a;
        else throw new ck.InvalidOptionError(`unexpected argument ${a}\n\n${USAGE}`);
    }
  }
  return args;
}

function initOptions(args: Args): ck.InitOptions {
  return { ...(args.threads ? { threads: args.threads } : {}), ...(args.variant ? { variant: args.variant } : {}) };
}

function printInfo(info: ck.RuntimeInfo): void {
  const proc = typeof process !== 'undefined' ? process : undefined;
  const cpus = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  console.log(`cellkernels — ${info.host.runtime} ${proc?.version ?? ''} on ${proc?.platform ?? '?'}/${proc?.arch ?? '?'}, ${cpus} logical CPUs`);
  console.log(`  wasm variant  : ${info.variant ?? 'none'} (Highway target ${info.simdTarget ?? '-'}), threads ${info.threads}`);
  console.log(`  AssemblyScript: ${info.asVariant ?? 'none'}`);
  console.log(`  features      : SIMD ${info.features.simd ? 'yes' : 'no'}, threads ${info.features.threads ? 'yes' : 'no'}, crossOriginIsolated ${info.host.crossOriginIsolated ? 'yes' : 'no'}`);
  for (const [v, why] of Object.entries(info.notTaken)) console.log(`  not ${v}: ${why}`);
  console.log('  backends:');
  for (const b of info.backends) {
    const state = b.available
      ? `available${b.variant ? ` (${b.variant}${b.threads ? `, ${b.threads} thread${b.threads > 1 ? 's' : ''}` : ''})` : ''}: ${b.kernels.length} kernels`
      : `unavailable: ${b.reason}${b.install ? ` — ${b.install}` : ''}`;
    console.log(`    ${b.name.padEnd(5)} ${state}`);
  }
}

function progressHandler(bar: ProgressBar): (e: ProgressEvent) => void {
  return (e) => {
    if (e.phase === 'start') bar.start(e.step);
    else if (e.phase === 'progress') bar.update(e.done ?? 0, e.total);
    else bar.end();
  };
}

function makeBar(): ProgressBar {
  const force = process.env.CELLKERNELS_PROGRESS === '1';
  return new ProgressBar(process.stderr, force || process.stderr.isTTY === true);
}

function pipelineOptions(args: Args, steps: StepName[]) {
  return {
    steps,
    ...(args.backend ? { backend: args.backend } : {}),
    filter: {
      ...(args.minGenes !== undefined ? { minGenes: args.minGenes } : {}),
      ...(args.minCounts !== undefined ? { minCounts: args.minCounts } : {}),
      ...(args.minCells !== undefined ? { minCells: args.minCells } : {}),
    },
    normalize: args.targetSum !== undefined ? { targetSum: args.targetSum } : {},
    hvg: { ...(args.flavor ? { flavor: args.flavor as ck.HvgFlavor } : {}), ...(args.nTopGenes ? { nTopGenes: args.nTopGenes } : {}) },
    scale: args.maxValue !== undefined ? { maxValue: args.maxValue } : {},
  };
}

function stepTable(reports: StepReport[][], labels: string[]): string {
  const steps = reports[0]!.map((r) => r.step);
  if (reports.length === 1) {
    // One run: say which backend ran each step.
    const rows = [['step', 'ms', 'backend', 'what it did']];
    for (const r of reports[0]!) rows.push([r.step, ms(r.ms), r.backend, r.note]);
    rows.push(['total', ms(reports[0]!.reduce((t, x) => t + x.ms, 0)), '', '']);
    return table(rows, ['l', 'r', 'l', 'l']);
  }
  const rows = [['step', ...labels.map((l) => `${l} (ms)`), 'what it did']];
  steps.forEach((s, i) => rows.push([s, ...reports.map((r) => ms(r[i]?.ms ?? Number.NaN)), reports[0]![i]!.note]));
  rows.push(['total', ...reports.map((r) => ms(r.reduce((t, x) => t + x.ms, 0))), '']);
  return table(rows, ['l', ...labels.map(() => 'r' as const), 'l']);
}

function summaryLines(r: PipelineResult, extra: string[] = []): string {
  const s = r.summary;
  const lines = [
    `  cells     ${int(s.cellsKept)} kept of ${int(s.cellsIn)}`,
    `  genes     ${int(s.genesKept)} kept of ${int(s.genesIn)}`,
  ];
  if (s.targetSum !== null) lines.push(`  normalise target sum ${s.targetSum}`);
  if (s.hvgs !== null) {
    const hv = r.adata.var.columns.highly_variable as boolean[];
    const names = r.adata.var.index.filter((_, i) => hv[i]);
    const disp = r.adata.var.columns.dispersions_norm as Float32Array | undefined;
    const top = disp ? names.map((n) => [n, disp[r.adata.var.index.indexOf(n)]!] as const).sort((a, b) => b[1] - a[1]).slice(0, 8).map((x) => x[0]) : names.slice(0, 8);
    lines.push(`  HVGs      ${int(s.hvgs)} highly variable genes (top: ${top.join(', ')})`);
  }
  const X = r.adata.X!;
  lines.push(`  X         ${X.format} ${X.dtype}, ${int(X.shape[0])} × ${int(X.shape[1])}${r.summary.resident ? ' (resident in the backend between steps)' : ''}`);
  lines.push(`  memory    peak RSS ${mib(r.memory.rss)}, wasm heaps ${mib(r.memory.wasmHeap)}${r.memory.hdf5Heap ? `, HDF5 heap ${mib(r.memory.hdf5Heap)}` : ''}`);
  return [...lines, ...extra].join('\n');
}

async function load(input: string, bar: ProgressBar): Promise<{ adata: AnnData; ms: number }> {
  bar.start('read');
  const t0 = performance.now();
  try {
    const adata = await readAny(input);
    return { adata, ms: performance.now() - t0 };
  } finally {
    bar.end();
  }
}

async function run(args: Args): Promise<void> {
  if (!args.input) throw new ck.InvalidOptionError(`run needs an input: an .h5ad, a Cell Ranger .h5 or a Cell Ranger folder\n\n${USAGE}`);
  if (!existsSync(args.input)) throw new FileFormatError(args.input, 'no such file or folder');
  if (args.out && existsSync(args.out) && statSync(args.out).isDirectory()) throw new FileFormatError(args.out, '--out is a folder; give a file name ending in .h5ad');
  const steps = args.steps ? parseSteps(args.steps) : args.stream ? [...STREAM_STEPS] : [...STEPS];
  const info = await ck.init(initOptions(args));
  console.log(`cellkernels run — ${info.variant ?? 'no wasm'} (${info.threads} thread${info.threads > 1 ? 's' : ''}), backend ${args.backend ?? 'auto'}`);
  const bar = makeBar();
  const stream = args.stream;
  if (stream) {
    const f = await openH5ad(args.input);
    try {
      console.log(`input  ${args.input}: ${int(f.shape[0])} cells × ${int(f.shape[1])} genes, X ${f.X?.format ?? '-'} ${f.X?.dtype ?? ''}, ${int(f.X?.stored ?? 0)} stored values`);
      const t0 = performance.now();
      const r = await streamPipeline(f, {
        ...pipelineOptions(args, steps),
        ...(args.blockRows ? { blockRows: args.blockRows } : {}),
        ...(args.out ? { out: args.out } : {}),
        ...(args.compression !== undefined ? { compression: args.compression } : {}),
        onProgress: progressHandler(bar),
      });
      const total = performance.now() - t0;
      console.log(`\nstreamed ${r.blocks} block(s) of ≤ ${int(r.blockRows)} rows in ${r.passes} pass(es), ${ms(total)} ms\n`);
      console.log(stepTable([r.steps], [args.backend ?? 'auto']));
      console.log('\nsummary');
      console.log(`  cells     ${int(r.summary.cellsKept)} kept of ${int(r.summary.cellsIn)}`);
      console.log(`  genes     ${int(r.summary.genesKept)} kept of ${int(r.summary.genesIn)}`);
      if (r.summary.targetSum !== null) console.log(`  normalise target sum ${r.summary.targetSum}`);
      const meanOfMeans = r.geneStats.mean.reduce((s, x) => s + x, 0) / Math.max(1, r.geneStats.mean.length);
      console.log(`  genes     mean of per-gene means ${meanOfMeans.toFixed(4)} (mergeable mean/var over blocks)`);
      console.log(`  memory    peak RSS ${mib(r.memory.rss)}, wasm heaps ${mib(r.memory.wasmHeap)} (bounded by one block), HDF5 heap ${mib(r.memory.hdf5Heap)}`);
      console.log(`            (X whole would be ${mib((f.X?.stored ?? 0) * 8)} as float32 + int32; per-cell columns grow with the cells: ${int(r.summary.cellsKept)} kept)`);
      if (args.out) console.log(`  wrote     ${args.out}`);
    } finally {
      f.close();
    }
    return;
  }
  const { adata, ms: tRead } = await load(args.input, bar);
  const X = adata.X!;
  console.log(`input  ${args.input}: ${int(X.shape[0])} cells × ${int(X.shape[1])} genes, ${X.format} ${X.dtype} (read in ${ms(tRead)} ms)`);
  const r = runPipeline(adata, { ...pipelineOptions(args, steps), onProgress: progressHandler(bar) });
  let tWrite = 0;
  if (args.out) {
    bar.start('write');
    const t0 = performance.now();
    try {
      await writeH5ad(args.out, r.adata, args.compression !== undefined ? { compression: args.compression } : {});
    } finally {
      bar.end();
    }
    tWrite = performance.now() - t0;
  }
  console.log('');
  console.log(stepTable([r.steps], [args.backend ?? 'auto']));
  console.log(`read ${ms(tRead)} ms${args.out ? `, write ${ms(tWrite)} ms` : ''}`);
  console.log('\nsummary');
  console.log(summaryLines(r, args.out ? [`  wrote     ${args.out}`] : []));
}

async function demo(args: Args): Promise<void> {
  const info = await ck.init(initOptions(args));
  printInfo(info);
  // dist/cli.js and src/cli/index.ts both find the package's data/ folder.
  const folder = [new URL('../data/mouse10k-10x', import.meta.url), new URL('../../data/mouse10k-10x', import.meta.url)]
    .map((u) => fileURLToPath(u))
    .find((p) => existsSync(p));
  if (!folder) throw new FileFormatError('data/mouse10k-10x', 'the bundled dataset is missing from this installation');
  const bar = makeBar();
  const { adata, ms: tRead } = await load(folder, bar);
  const X = adata.X!;
  console.log(`\nread ${folder}\n  ${int(X.shape[0])} cells × ${int(X.shape[1])} genes, ${int((X as ck.CsrMatrix).nnz)} stored counts (${ms(tRead)} ms)\n`);
  const available = ck.listBackends().filter((b) => b.available && b.name !== 'cuda').map((b) => b.name);
  const backends = args.backend ? [args.backend] : ['wasm', 'as', 'js'].filter((b) => available.includes(b));
  const steps = args.steps ? parseSteps(args.steps) : [...STEPS];
  const results: PipelineResult[] = [];
  for (const b of backends) {
    results.push(runPipeline(adata, { ...pipelineOptions({ ...args, backend: b }, steps), onProgress: progressHandler(bar) }));
  }
  const labels = backends.map((b) => {
    const s = ck.listBackends().find((x) => x.name === b);
    return s?.variant ? `${b} ${s.variant}` : b;
  });
  console.log(`pipeline ${steps.join(' → ')} (per step: wall time on each backend; the note is from the first)\n`);
  console.log(stepTable(results.map((r) => r.steps), labels));
  const ref = results[0]!;
  const agree: string[] = [];
  for (let i = 1; i < results.length; i++) {
    const o = results[i]!;
    const diffs: string[] = [];
    if (o.summary.cellsKept !== ref.summary.cellsKept || o.summary.genesKept !== ref.summary.genesKept) diffs.push('different cells/genes kept');
    const a = ref.adata.var.columns.highly_variable as boolean[] | undefined;
    const b = o.adata.var.columns.highly_variable as boolean[] | undefined;
    if (a && b && a.some((v, j) => v !== b[j])) diffs.push(`HVG sets differ in ${a.filter((v, j) => v !== b[j]).length} genes`);
    let worst = 0;
    const xa = ref.adata.X!.data;
    const xb = o.adata.X!.data;
    for (let j = 0; j < Math.min(xa.length, xb.length); j++) worst = Math.max(worst, Math.abs(xa[j]! - xb[j]!) / Math.max(1, Math.abs(xa[j]!)));
    agree.push(`  ${backends[i]} vs ${backends[0]}: ${diffs.length ? diffs.join('; ') : 'same cells, genes and HVGs'}; largest relative difference in X ${worst.toExponential(2)}`);
  }
  console.log(`\nsummary (${backends[0]})`);
  console.log(summaryLines(ref, agree));
  if (args.out) {
    await writeH5ad(args.out, ref.adata);
    console.log(`  wrote     ${args.out}`);
  }
}

/** Runs the command line; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    console.error(`cellkernels: ${(e as Error).message}`);
    return 2;
  }
  try {
    switch (args.command) {
      case 'info':
        printInfo(await ck.init(initOptions(args)));
        return 0;
      case 'run':
        await run(args);
        return 0;
      case 'demo':
        await demo(args);
        return 0;
      case 'help':
      case undefined:
        console.log(USAGE);
        return args.command ? 0 : 2;
      default:
        console.error(`cellkernels: unknown command "${args.command}"\n\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    const err = e as Error;
    console.error(`cellkernels: ${err.name}: ${err.message}`);
    return err instanceof ck.InvalidOptionError ? 2 : 1;
  }
}
