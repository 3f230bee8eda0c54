/**
 * The `cellkernels` command: `info` and `demo` (Node only).
 * @module
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as ck from '../index.js';
import { readMatrixMarket } from '../io/mtx.js';

const USAGE = `usage: cellkernels <command> [options]

commands:
  info                 runtime, variant, threads, backends and why any is unavailable
  demo                 run the smoke pipeline on the bundled 10x dataset (mouse, 10,000 cells)

options:
  --backend <name>     backend for the kernels (auto, wasm, as, js)
  --threads <n>        threads for the simd-threads variant
  --variant <v>        force a wasm variant (simd-threads, simd, scalar)
  -h, --help           this text`;

interface Args {
  command: string | undefined;
  backend?: string;
  threads?: number;
  variant?: 'simd-threads' | 'simd' | 'scalar';
}

function parseArgs(argv: string[]): Args {
  const args: Args = { command: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new ck.InvalidOptionError(`${a} needs a value`);
      return v;
    };
    if (a === '-h' || a === '--help') args.command = 'help';
    else if (a === '--backend') args.backend = value();
    else if (a === '--threads') args.threads = Number(value());
    else if (a === '--variant') args.variant = value() as Args['variant'];
    else if (a.startsWith('-')) throw new ck.InvalidOptionError(`unknown option ${a}\n\n${USAGE}`);
    else if (args.command === undefined) args.command = a;
    else throw new ck.InvalidOptionError(`unexpected argument ${a}\n\n${USAGE}`);
  }
  return args;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

function printInfo(info: ck.RuntimeInfo): void {
  console.log(`cellkernels — ${info.host.runtime} ${typeof process !== 'undefined' ? process.version : ''}`);
  console.log(`  wasm variant : ${info.variant ?? 'none'} (Highway target ${info.simdTarget ?? '-'}), threads ${info.threads}`);
  console.log(`  AssemblyScript: ${info.asVariant ?? 'none'}`);
  console.log(`  features     : SIMD ${info.features.simd ? 'yes' : 'no'}, threads ${info.features.threads ? 'yes' : 'no'}`);
  for (const [v, why] of Object.entries(info.notTaken)) console.log(`  not ${v}: ${why}`);
  console.log('  backends:');
  for (const b of info.backends) {
    const state = b.available ? `available${b.variant ? ` (${b.variant})` : ''}: ${b.kernels.join(', ')}` : `unavailable: ${b.reason}`;
    console.log(`    ${b.name.padEnd(5)} ${state}`);
  }
}

async function demo(args: Args): Promise<void> {
  const info = await ck.init({ ...(args.threads ? { threads: args.threads } : {}), ...(args.variant ? { variant: args.variant } : {}) });
  printInfo(info);
  const file = fileURLToPath(new URL('../data/mouse10k-10x/matrix.mtx.gz', import.meta.url));
  const t0 = performance.now();
  const X = await readMatrixMarket(new Uint8Array(await readFile(file)), { name: file });
  const tRead = performance.now() - t0;
  console.log(`\nread ${file}\n  ${X.shape[0]} cells × ${X.shape[1]} genes, ${X.nnz} stored counts (${tRead.toFixed(0)} ms)\n`);
  const backends = args.backend ? [args.backend] : ['wasm', 'as', 'js'];
  const rows = [['step', ...backends.map((b) => `${b} (ms)`)]];
  const results: Record<string, { totals: Float64Array; geneLog: Float64Array }> = {};
  const time = (fn: () => unknown) => {
    const s = performance.now();
    fn();
    return performance.now() - s;
  };
  const steps: Record<string, string[]> = { 'cell totals': [], 'gene totals': [], log1p: [], 'gene sums of log1p': [] };
  for (const backend of backends) {
    let totals: Float64Array = new Float64Array();
    let logged: ck.CsrMatrix = X;
    let geneLog: Float64Array = new Float64Array();
    steps['cell totals']!.push(time(() => (totals = ck.sum(X, { axis: 1, backend }))).toFixed(2));
    steps['gene totals']!.push(time(() => ck.sum(X, { axis: 0, backend })).toFixed(2));
    steps.log1p!.push(time(() => (logged = ck.log1p(X, { backend }))).toFixed(2));
    steps['gene sums of log1p']!.push(time(() => (geneLog = ck.sum(logged, { axis: 0, backend }))).toFixed(2));
    results[backend] = { totals, geneLog };
  }
  for (const [step, t] of Object.entries(steps)) rows.push([step, ...t]);
  console.log(table(rows));
  const ref = results[backends[0]!]!;
  const sorted = Float64Array.from(ref.totals).sort();
  const median = sorted[Math.floor(sorted.length / 2)]!;
  console.log(
    `\nsummary: ${X.shape[0]} cells, median ${median} counts per cell, ${ref.totals.filter((t) => t === 0).length} empty cell(s); ` +
      `mean log1p per gene ${(ref.geneLog.reduce((a, b) => a + b, 0) / X.shape[1] / X.shape[0]).toFixed(4)}`,
  );
  for (const b of backends.slice(1)) {
    const other = results[b]!;
    let worst = 0;
    for (let j = 0; j < ref.geneLog.length; j++) worst = Math.max(worst, Math.abs(other.geneLog[j]! - ref.geneLog[j]!) / Math.max(1, Math.abs(ref.geneLog[j]!)));
    console.log(`  ${b} vs ${backends[0]}: largest relative difference of gene sums ${worst.toExponential(2)}`);
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
        printInfo(await ck.init({ ...(args.threads ? { threads: args.threads } : {}), ...(args.variant ? { variant: args.variant } : {}) }));
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
    return 1;
  }
}
