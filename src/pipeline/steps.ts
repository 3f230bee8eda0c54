/**
 * Step names, their options (with scanpy's parameter names and our defaults), and which
 * kernels each step needs.
 * @module
 */
import type { HvgFlavor } from '../api/highly_variable_genes.js';
import type { KernelName } from '../backends/types.js';
import { listBackends } from '../dispatch/index.js';
import { InvalidOptionError, KernelNotImplementedError } from '../errors.js';

/** The preprocessing steps, in the order they run. */
export const STEPS = ['qc', 'filter', 'normalize', 'log1p', 'hvg', 'scale'] as const;
export type StepName = (typeof STEPS)[number];

/** Options of each step (all optional; defaults noted). */
export interface StepOptions {
  qc?: {
    /** QC gene sets by name: a regular expression on var_names or a 0/1 mask. Default `{ mt: /^mt-/i, ribo: /^rp[sl]/i }`. */
    qcVars?: Record<string, RegExp | Uint8Array>;
    /** Default [50, 100, 200, 500] (values above the number of genes are left out). */
    percentTop?: number[];
  };
  filter?: {
    /** filter_cells(min_genes). Default 30 (null: skip). */
    minGenes?: number | null;
    /** filter_cells(min_counts). Default null. */
    minCounts?: number | null;
    /** filter_genes(min_cells), on the cells kept. Default 10 (null: skip). */
    minCells?: number | null;
  };
  normalize?: {
    /** normalize_total(target_sum). Default 1e4; null: the median of the cell totals. */
    targetSum?: number | null;
  };
  log1p?: {
    /** Default null (natural log). */
    base?: number | null;
  };
  hvg?: {
    /** Default 'seurat' (on the log data; seurat_v3 uses the kept raw counts). */
    flavor?: HvgFlavor;
    /** Default null: scanpy's cutoffs (min_mean 0.0125, max_mean 3, min_disp 0.5). */
    nTopGenes?: number | null;
  };
  scale?: {
    /** Default 10 (null: no clipping). */
    maxValue?: number | null;
    /** Default true. */
    zeroCenter?: boolean;
  };
}

/** Kernels each step calls. */
export const STEP_KERNELS: Record<StepName, KernelName[]> = {
  qc: ['qcMetrics'],
  filter: ['filterCells', 'filterGenes', 'subset'],
  normalize: ['normalizeTotal'],
  log1p: ['log1p'],
  hvg: ['highlyVariableGenes'],
  scale: ['scale'],
};

/** Parses "qc,filter,…" (or "all"); unknown names are an InvalidOptionError listing the valid ones. */
export function parseSteps(spec: string | readonly string[]): StepName[] {
  const parts = (typeof spec === 'string' ? spec.split(',') : [...spec]).map((s) => s.trim()).filter(Boolean);
  if (parts.length === 1 && parts[0] === 'all') return [...STEPS];
  for (const p of parts) {
    if (!(STEPS as readonly string[]).includes(p)) throw new InvalidOptionError(`unknown step "${p}"; steps: ${STEPS.join(', ')} (or all)`);
  }
  if (parts.length === 0) throw new InvalidOptionError(`no steps given; steps: ${STEPS.join(', ')}`);
  // Always in pipeline order, whatever order they were named in.
  return STEPS.filter((s) => parts.includes(s));
}

/**
 * Throws KernelNotImplementedError when no loaded backend implements a kernel the step needs
 * (a step is never faked): says which kernel and what is loaded.
 */
export function requireKernels(step: StepName): void {
  const avail = listBackends().filter((b) => b.available);
  for (const k of STEP_KERNELS[step]) {
    if (!avail.some((b) => b.kernels.includes(k))) {
      throw new KernelNotImplementedError(
        `step "${step}" needs the ${k} kernel, which no loaded backend implements yet (loaded: ${avail.map((b) => b.name).join(', ') || 'none'})`,
        avail[0]?.name ?? 'none',
        k,
      );
    }
  }
}

/** The QC gene sets as masks over `varNames`. */
export function qcMasks(varNames: string[], qcVars: Record<string, RegExp | Uint8Array> | undefined): Record<string, Uint8Array> {
  const spec = qcVars ?? { mt: /^mt-/i, ribo: /^rp[sl]/i };
  const out: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(spec)) out[k] = v instanceof RegExp ? Uint8Array.from(varNames, (n) => (v.test(n) ? 1 : 0)) : v;
  return out;
}
