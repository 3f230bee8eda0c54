/**
 * validateBackend: the conformance suite that every backend (built-in or third-party) runs
 * against the js reference.
 * @module
 */
import { jsBackend } from '../backends/js/index.js';
import { type Backend, type BackendCallOptions, KERNEL_NAMES, type KernelName, type KernelSignatures } from '../backends/types.js';
import { requireBackend } from '../dispatch/registry.js';
import { closest } from '../dispatch/suggest.js';
import { InvalidInputError, InvalidOptionError } from '../errors.js';
import { type ConformanceCase, type RealMatrix, conformanceCases, inputChecksum } from './cases.js';
import { CONFORMANCE, type KernelConformance } from './kernels.js';
import { KERNEL_TOLERANCE, type ToleranceKind } from './tolerance.js';

/** Options of validateBackend(). */
export interface ValidateOptions {
  /** Kernels to check (default: every kernel cellkernels has). */
  kernels?: readonly KernelName[];
  /**
   * Real matrices to add to the generated cases, e.g. a dataset your CI downloads (the library
   * reads no files itself, so that it runs in browsers too). Each runs in f32 and f64, CSR and CSC.
   */
  realData?: readonly RealMatrix[];
  /** Seed of the generated cases (default 42; keep it fixed so that reports are comparable). */
  seed?: number;
  /** The backend's own options, passed to each of its kernel calls (as `backendOptions` would). */
  backendOptions?: BackendCallOptions;
  /** Reference to compare against (default: the js backend, the oracle). */
  reference?: Backend;
  /** Print the report when done: true for console.log, or a function that takes the text. */
  print?: boolean | ((text: string) => void);
}

const VALIDATE_KEYS = ['kernels', 'realData', 'seed', 'backendOptions', 'reference', 'print'];

/** Outcome of one kernel. */
export type KernelStatus = 'pass' | 'fail' | 'skip';

/** The conformance result of one kernel. */
export interface KernelReport {
  kernel: string;
  /** `pass`: every case ran within tolerance; `fail`: at least one did not; `skip`: none ran. */
  status: KernelStatus;
  /** Tolerance kind used (KERNELS.md), when the kernel has one. */
  tolerance?: ToleranceKind;
  /** Case × argument-set runs compared. */
  cases: number;
  /** Runs within tolerance. */
  passed: number;
  /** Runs outside tolerance, with a structural mismatch, or that threw. */
  failed: number;
  /** Runs skipped (see `skips` for why). */
  skipped: number;
  /** Worst |out − ref| / allowed seen (≤ 1 passes; Infinity for a mismatch or a throw). */
  worstRatio: number;
  /** The case and argument set of the worst ratio. */
  worstCase?: string;
  /** Why it failed (first failing run) or why it was skipped. */
  message?: string;
  /** Skip reasons with how many runs each covered. */
  skips: { reason: string; count: number }[];
}

/** What validateBackend() found. */
export interface ValidationReport {
  backend: string;
  variant?: string;
  threads?: number;
  reference: string;
  /** No kernel failed and at least one passed. */
  ok: boolean;
  kernels: KernelReport[];
  /** Cases in the set (each runs once per argument set). */
  caseCount: number;
  durationMs: number;
}

function describeError(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

function checkValidateOptions(options: ValidateOptions): void {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('validateBackend: options must be an object');
  for (const k of Object.keys(options)) {
    if (!VALIDATE_KEYS.includes(k)) {
      const s = closest(k, VALIDATE_KEYS);
      throw new InvalidOptionError(`validateBackend: unknown option "${k}"${s ? ` (did you mean "${s}"?)` : ''}; valid options: ${VALIDATE_KEYS.join(', ')}`);
    }
  }
  for (const k of options.kernels ?? []) {
    if (!(KERNEL_NAMES as readonly string[]).includes(k)) {
      const s = closest(k, KERNEL_NAMES);
      throw new InvalidOptionError(`validateBackend: unknown kernel "${k}"${s ? ` (did you mean "${s}"?)` : ''}; kernels: ${KERNEL_NAMES.join(', ')}`);
    }
  }
  if (options.seed !== undefined && !Number.isInteger(options.seed)) throw new InvalidOptionError(`validateBackend: seed must be an integer, got ${options.seed}`);
}

class KernelRun {
  readonly report: KernelReport;
  private readonly skipCounts = new Map<string, number>();
  constructor(kernel: string, tolerance: ToleranceKind | undefined) {
    this.report = { kernel, status: 'skip', cases: 0, passed: 0, failed: 0, skipped: 0, worstRatio: 0, skips: [], ...(tolerance ? { tolerance } : {}) };
  }
  skip(reason: string, count = 1): void {
    this.report.skipped += count;
    this.skipCounts.set(reason, (this.skipCounts.get(reason) ?? 0) + count);
  }
  result(label: string, ok: boolean, ratio: number, message?: string): void {
    const r = this.report;
    r.cases++;
    if (ok) r.passed++;
    else {
      r.failed++;
      if (r.failed === 1) r.message = `${label}: ${message ?? `${ratio}× the tolerance`}`;
    }
    if (ratio > r.worstRatio || r.worstCase === undefined) {
      r.worstRatio = ratio;
      r.worstCase = label;
    }
  }
  finish(): KernelReport {
    const r = this.report;
    r.skips = [...this.skipCounts].map(([reason, count]) => ({ reason, count }));
    r.status = r.failed > 0 ? 'fail' : r.cases > 0 ? 'pass' : 'skip';
    if (r.status === 'skip' && r.message === undefined) r.message = r.skips.map((s) => s.reason).join('; ') || 'no cases';
    if (r.cases === 0) delete r.worstCase;
    return r;
  }
}

/** Reference outputs per reference backend and case, computed once (cases are cached too). */
const refCache = new WeakMap<Backend, WeakMap<ConformanceCase, Map<string, unknown>>>();

function referenceOutput(reference: Backend, kernel: string, label: string, c: ConformanceCase, compute: () => unknown): unknown {
  let byCase = refCache.get(reference);
  if (!byCase) refCache.set(reference, (byCase = new WeakMap()));
  let m = byCase.get(c);
  if (!m) byCase.set(c, (m = new Map()));
  const key = `${kernel}\u0000${label}`;
  if (!m.has(key)) m.set(key, compute());
  return m.get(key);
}

/** Pristine checksum and copy of each case's values, to detect (and undo) a kernel that writes into its input. */
const pristine = new WeakMap<ConformanceCase, { sum: number; data: Float32Array | Float64Array; indices?: Int32Array; indptr?: Int32Array }>();

function checksum(c: ConformanceCase): number {
  let p = pristine.get(c);
  if (!p) {
    const x = c.x;
    p = { sum: inputChecksum(x), data: x.data.slice(), ...('indices' in x ? { indices: x.indices.slice(), indptr: x.indptr.slice() } : {}) };
    pristine.set(c, p);
  }
  return p.sum;
}

function restore(c: ConformanceCase): void {
  const p = pristine.get(c)!;
  c.x.data.set(p.data);
  if ('indices' in c.x && p.indices && p.indptr) {
    c.x.indices.set(p.indices);
    c.x.indptr.set(p.indptr);
  }
}

function runKernel<K extends KernelName>(
  kernel: K,
  backend: Backend,
  reference: Backend,
  cases: readonly ConformanceCase[],
  bo: BackendCallOptions | undefined,
): KernelReport {
  const tolerance = KERNEL_TOLERANCE[kernel] as ToleranceKind | undefined;
  const run = new KernelRun(kernel, tolerance);
  const fn = backend.kernels[kernel] as KernelSignatures[K] | undefined;
  const spec = CONFORMANCE[kernel] as KernelConformance<K> | undefined;
  const refFn = reference.kernels[kernel] as KernelSignatures[K] | undefined;
  if (!fn) run.skip(`not implemented by "${backend.name}" (calls fall back along the auto order)`);
  else if (!spec) run.skip(`no conformance recipe for ${kernel} (add one to src/testing/kernels.ts)`);
  else if (!tolerance) run.skip(`no tolerance for ${kernel} (add it to KERNEL_TOLERANCE in src/testing/tolerance.ts)`);
  else if (!refFn) run.skip(`the reference "${reference.name}" does not implement ${kernel}`);
  else {
    for (const c of cases) {
      if (!spec.layouts.includes(c.layout)) {
        run.skip(`${c.layout.toUpperCase()} input: ${kernel} takes ${spec.layouts.join('/').toUpperCase()} only in this version`, spec.argSets.length);
        continue;
      }
      const rejected = backend.rejects?.(kernel, c.x);
      if (rejected) {
        run.skip(`"${backend.name}" rejects ${c.layout.toUpperCase()} ${c.dtype} input: ${rejected}`, spec.argSets.length);
        continue;
      }
      for (const { label, args } of spec.argSets) {
        const where = `${c.name}, ${label}`;
        const notRun = spec.skip?.(c, args);
        if (notRun !== undefined) {
          run.skip(notRun);
          continue;
        }
        let ref: unknown;
        try {
          ref = referenceOutput(reference, kernel, label, c, () => spec.run(refFn, c, args, undefined));
        } catch (e) {
          run.skip(`the reference failed on some cases (${describeError(e)})`);
          continue;
        }
        const before = checksum(c);
        let out: unknown;
        let error: { e: unknown } | undefined;
        try {
          out = spec.run(fn, c, args, bo);
        } catch (e) {
          error = { e };
        }
        if (inputChecksum(c.x) !== before) {
          run.result(where, false, Infinity, 'modified its input (kernels must leave their input unchanged)');
          restore(c);
          continue;
        }
        if (error) {
          run.result(where, false, Infinity, `threw ${describeError(error.e)}`);
          continue;
        }
        const cmp = spec.compare(out, ref, c, tolerance);
        run.result(where, cmp.ok, cmp.worstRatio, cmp.message);
      }
    }
  }
  return run.finish();
}

/**
 * Runs every kernel a backend implements against the js reference on a fixed, seeded case
 * set (empty matrices, empty rows and columns, one row, one column, all zeros, huge and tiny
 * values, NaN and infinities, unsorted indices; f32 and f64; CSR and CSC; plus `realData`) and
 * checks each output with the kernel's tolerance from KERNELS.md (KERNEL_TOLERANCE). A kernel
 * passes when every run is within tolerance, fails when any run is not (or throws, or returns
 * the wrong type or structure), and is skipped, with the reason, when nothing could run (not
 * implemented, no recipe yet). Cases a kernel or backend does not take (a layout) are counted
 * as skipped with the reason.
 *
 * `backend` is a Backend object (a third party's, before or without registering it) or the
 * name of a loaded backend. Third-party backends run this in their CI:
 *
 * ```ts
 * import { validateBackend } from 'cellkernels/testing';
 * const report = await validateBackend(myBackend, { realData: [X], print: true });
 * if (!report.ok) process.exit(1);
 * ```
 */
export async function validateBackend(backend: Backend | string, options: ValidateOptions = {}): Promise<ValidationReport> {
  checkValidateOptions(options);
  const b = typeof backend === 'string' ? requireBackend(backend) : backend;
  if (b === null || typeof b !== 'object' || typeof b.name !== 'string' || b.kernels === null || typeof b.kernels !== 'object') {
    throw new InvalidInputError('validateBackend: expected a Backend object (with a name and kernels) or a backend name');
  }
  const reference = options.reference ?? jsBackend;
  const started = Date.now();
  const cases = conformanceCases({ ...(options.seed !== undefined ? { seed: options.seed } : {}), realData: options.realData ?? [] });
  const kernels: KernelReport[] = [];
  for (const k of options.kernels ?? KERNEL_NAMES) {
    kernels.push(runKernel(k, b, reference, cases, options.backendOptions));
    await Promise.resolve();
  }
  for (const k of Object.keys(b.kernels)) {
    if ((KERNEL_NAMES as readonly string[]).includes(k)) continue;
    const s = closest(k, KERNEL_NAMES);
    kernels.push({
      kernel: k,
      status: 'fail',
      cases: 0,
      passed: 0,
      failed: 1,
      skipped: 0,
      worstRatio: Infinity,
      message: `"${k}" is not a cellkernels kernel${s ? ` (did you mean "${s}"?)` : ''}, so dispatch would never call it`,
      skips: [],
    });
  }
  const report: ValidationReport = {
    backend: b.name,
    ...(b.variant ? { variant: b.variant } : {}),
    ...(b.threads ? { threads: b.threads } : {}),
    reference: reference.name,
    ok: kernels.every((k) => k.status !== 'fail') && kernels.some((k) => k.status === 'pass'),
    kernels,
    caseCount: cases.length,
    durationMs: Date.now() - started,
  };
  if (options.print) (typeof options.print === 'function' ? options.print : console.log)(formatReport(report));
  return report;
}

function ratio(r: number): string {
  if (!Number.isFinite(r)) return '∞';
  return r < 0.01 && r > 0 ? r.toExponential(1) : r < 1000 ? r.toFixed(2) : r.toExponential(2);
}

/**
 * The report as text, one line per kernel (and an indented line per skip reason), e.g.
 *
 * ```text
 * cellkernels conformance: wasm (simd-threads, 2 threads) vs js — PASS (2 pass, 0 fail, 0 skip; 58 cases, 1.2 s)
 *   pass  log1p  elementwise  87 runs, worst 0.50× tolerance (odd lengths f32 csr, base 10)
 *         skipped 87 runs: CSC input: log1p takes CSR only in this version
 * ```
 */
export function formatReport(report: ValidationReport): string {
  const count = (s: KernelStatus) => report.kernels.filter((k) => k.status === s).length;
  const desc = [report.variant, report.threads ? `${report.threads} thread${report.threads === 1 ? '' : 's'}` : undefined].filter(Boolean).join(', ');
  const lines = [
    `cellkernels conformance: ${report.backend}${desc ? ` (${desc})` : ''} vs ${report.reference} — ${report.ok ? 'PASS' : 'FAIL'} ` +
      `(${count('pass')} pass, ${count('fail')} fail, ${count('skip')} skip; ${report.caseCount} cases, ${(report.durationMs / 1000).toFixed(1)} s)`,
  ];
  const width = Math.max(6, ...report.kernels.map((k) => k.kernel.length));
  for (const k of report.kernels) {
    const head = `  ${(k.status === 'fail' ? 'FAIL' : k.status).padEnd(4)}  ${k.kernel.padEnd(width)}  ${(k.tolerance ?? '-').padEnd(11)}`;
    if (k.status === 'skip') lines.push(`${head}  ${k.message ?? ''}`);
    else {
      lines.push(`${head}  ${k.cases} runs, worst ${ratio(k.worstRatio)}× tolerance${k.worstCase ? ` (${k.worstCase})` : ''}`);
      if (k.status === 'fail') lines.push(`        ${k.failed} failed; first: ${k.message}`);
    }
    if (k.status !== 'skip') for (const s of k.skips) lines.push(`        skipped ${s.count} run${s.count === 1 ? '' : 's'}: ${s.reason}`);
  }
  return lines.join('\n');
}
