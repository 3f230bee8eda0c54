import type { FilterArgs, FilterResult, StatsInput } from '../backends/types.js';
import { type DispatchOptions, checkOptions } from '../dispatch/index.js';
import { InvalidOptionError } from '../errors.js';
import type { IntegerMatrix } from './normalize_total.js';
import { dispatchOn } from './operand.js';
import { statsInput } from './sum.js';

/** Options of filterCells: exactly one threshold. */
export interface FilterCellsOptions extends DispatchOptions {
  /** Keep cells with total counts ≥ minCounts. */
  minCounts?: number;
  /** Keep cells with at least minGenes genes detected (x > 0). */
  minGenes?: number;
  /** Keep cells with total counts ≤ maxCounts. */
  maxCounts?: number;
  /** Keep cells with at most maxGenes genes detected (x > 0). */
  maxGenes?: number;
}

/** Options of filterGenes: exactly one threshold. */
export interface FilterGenesOptions extends DispatchOptions {
  /** Keep genes with total counts ≥ minCounts. */
  minCounts?: number;
  /** Keep genes detected (x > 0) in at least minCells cells. */
  minCells?: number;
  /** Keep genes with total counts ≤ maxCounts. */
  maxCounts?: number;
  /** Keep genes detected (x > 0) in at most maxCells cells. */
  maxCells?: number;
}

function resolve(kernel: string, options: Record<string, unknown>, detected: 'minGenes' | 'minCells', detectedMax: 'maxGenes' | 'maxCells'): FilterArgs {
  const keys = ['minCounts', detected, 'maxCounts', detectedMax] as const;
  const given = keys.filter((k) => options[k] !== undefined && options[k] !== null);
  if (given.length !== 1) {
    throw new InvalidOptionError(
      `${kernel}: give exactly one of ${keys.join(', ')} per call (as scanpy requires)${given.length ? `; got ${given.join(', ')}` : ''}`,
    );
  }
  const key = given[0]!;
  const value = options[key];
  if (typeof value !== 'number' || Number.isNaN(value)) throw new InvalidOptionError(`${kernel}: ${key} must be a number, got ${String(value)}`);
  return {
    by: key === 'minCounts' || key === 'maxCounts' ? 'counts' : 'detected',
    min: key.startsWith('min') ? value : null,
    max: key.startsWith('max') ? value : null,
  };
}

/**
 * `scanpy.pp.filter_cells(X, min_counts | min_genes | max_counts | max_genes, inplace=False)`:
 * `{ mask, counts }` — the cells kept (1) and scanpy's number_per_cell. By counts, `counts`
 * holds the row totals in the input dtype (Float32Array for float32 input, as scanpy; float64
 * sums rounded once, identical on count data) and a cell is kept when total ≥ minCounts (or
 * ≤ maxCounts); by genes, `counts` is an Int32Array of genes with x > 0 (NaN and negatives do
 * not count). NaN totals are never kept. Exactly one threshold per call, else
 * InvalidOptionError. CSR (plain or resident), CSC or dense; integer counts are converted to
 * float64. Use `subset(X, { rows: mask })` to apply it (resident input stays resident).
 */
export function filterCells(x: StatsInput | IntegerMatrix, options: FilterCellsOptions = {}): FilterResult {
  checkOptions('filterCells', options, ['minCounts', 'minGenes', 'maxCounts', 'maxGenes']);
  const args = resolve('filterCells', options as Record<string, unknown>, 'minGenes', 'maxGenes');
  const m = statsInput('filterCells', x);
  return dispatchOn('filterCells', m, options).fn(m, args);
}

/**
 * `scanpy.pp.filter_genes(X, min_counts | min_cells | max_counts | max_cells, inplace=False)`:
 * as filterCells, per gene (column totals, or cells with x > 0). Apply with
 * `subset(X, { cols: mask })`.
 */
export function filterGenes(x: StatsInput | IntegerMatrix, options: FilterGenesOptions = {}): FilterResult {
  checkOptions('filterGenes', options, ['minCounts', 'minCells', 'maxCounts', 'maxCells']);
  const args = resolve('filterGenes', options as Record<string, unknown>, 'minCells', 'maxCells');
  const m = statsInput('filterGenes', x);
  return dispatchOn('filterGenes', m, options).fn(m, args);
}
