import type { CsrMatrix } from '../matrix/index.js';
import type { CsrHandle, CsrInput } from '../runtime/handles.js';
// transforms (normalizeTotal, log1p, scale):
import type { CscMatrix, DenseMatrix, FloatArray } from '../matrix/index.js';
import type { DenseHandle, DenseInput } from '../runtime/handles.js';
// highlyVariableGenes (+ helper kernels expm1MeanVar, clippedSums):
import type { HighlyVariableGenesResult, HvgArgs } from '../api/highly_variable_genes_core.js';
// spatial (spatialNeighbors, spatialAutocorr, coOccurrence, nhoodEnrichment, ligrec):
import type { SpatialKernelArgs, SpatialKernelSignatures } from './spatial_types.js';

/** Resolved arguments of each kernel, as backends receive them (defaults already applied). */
export interface KernelArgs {
  // inPlace: write the result into the input's own values (plain array or module buffer) and
  // return the input itself; the API allows it only when the result has the input's layout and dtype.
  log1p: { base: number | null; inPlace?: boolean };
  normalizeTotal: { targetSum: number | null; excludeHighlyExpressed: boolean; maxFraction: number; inPlace?: boolean };
  scale: { zeroCenter: boolean; maxValue: number | null; mask: Uint8Array | null; inPlace?: boolean };
  sum: { axis: 0 | 1 };
  // stats family (meanVar, nnzCount, qcMetrics, filterCells/Genes, subset, toCsc/toCsr):
  meanVar: { axis: 0 | 1; ddof: 0 | 1 };
  nnzCount: { axis: 0 | 1; positive: boolean };
  qcMetrics: { qcVars: readonly QcVarMask[]; percentTop: readonly number[]; log1p: boolean };
  filterCells: FilterArgs;
  filterGenes: FilterArgs;
  subset: { rows: Int32Array | null; cols: Int32Array | null };
  toCsc: Record<string, never>;
  toCsr: Record<string, never>;
  highlyVariableGenes: HvgArgs;
  expm1MeanVar: { expm1: boolean };
  clippedSums: { clip: Float64Array };
  spatialNeighbors: SpatialKernelArgs['spatialNeighbors'];
  spatialAutocorr: SpatialKernelArgs['spatialAutocorr'];
  coOccurrence: SpatialKernelArgs['coOccurrence'];
  nhoodEnrichment: SpatialKernelArgs['nhoodEnrichment'];
  ligrec: SpatialKernelArgs['ligrec'];
}

/**
 * This backend's own options for one call: `backendOptions[backend.name]` of the call's
 * options, handed only to that backend (undefined when the call gave none).
 */
export type BackendCallOptions = Readonly<Record<string, unknown>>;

/**
 * What each kernel takes and returns, in every backend. Matrix operands are plain matrices
 * or handles resident in this backend (dispatch never hands a backend another's handle);
 * matrix results live where the input lives. The last parameter of every kernel is its
 * BackendCallOptions; API functions pass every parameter before it, and dispatch appends it.
 */
export interface KernelSignatures {
  log1p<T extends TransformInput>(x: T, args: KernelArgs['log1p'], backendOptions?: BackendCallOptions): T;
  normalizeTotal<T extends TransformInput>(x: T, args: KernelArgs['normalizeTotal'], backendOptions?: BackendCallOptions): NormalizeTotalResult<T>;
  scale(x: TransformInput, args: KernelArgs['scale'], backendOptions?: BackendCallOptions): ScaleResult<ScaleOutput>;
  sum(x: StatsInput, args: KernelArgs['sum'], backendOptions?: BackendCallOptions): Float64Array;
  meanVar(x: StatsInput, args: KernelArgs['meanVar'], backendOptions?: BackendCallOptions): MeanVarResult;
  nnzCount(x: StatsInput, args: KernelArgs['nnzCount'], backendOptions?: BackendCallOptions): Int32Array;
  qcMetrics(x: CsrInput, args: KernelArgs['qcMetrics'], backendOptions?: BackendCallOptions): QcMetricsResult;
  filterCells(x: StatsInput, args: KernelArgs['filterCells'], backendOptions?: BackendCallOptions): FilterResult;
  filterGenes(x: StatsInput, args: KernelArgs['filterGenes'], backendOptions?: BackendCallOptions): FilterResult;
  subset<T extends CsrInput>(x: T, args: KernelArgs['subset'], backendOptions?: BackendCallOptions): T;
  toCsc(x: CsrInput, args: KernelArgs['toCsc'], backendOptions?: BackendCallOptions): CscMatrix;
  toCsr(x: CscMatrix, args: KernelArgs['toCsr'], backendOptions?: BackendCallOptions): CsrMatrix;
  highlyVariableGenes(x: CsrInput, args: KernelArgs['highlyVariableGenes'], backendOptions?: BackendCallOptions): HighlyVariableGenesResult;
  expm1MeanVar(x: CsrInput, args: KernelArgs['expm1MeanVar'], backendOptions?: BackendCallOptions): { mean: Float64Array; var: Float64Array };
  clippedSums(x: CsrInput, args: KernelArgs['clippedSums'], backendOptions?: BackendCallOptions): { sum: Float64Array; sumSq: Float64Array };
  spatialNeighbors: SpatialKernelSignatures['spatialNeighbors'];
  spatialAutocorr: SpatialKernelSignatures['spatialAutocorr'];
  coOccurrence: SpatialKernelSignatures['coOccurrence'];
  nhoodEnrichment: SpatialKernelSignatures['nhoodEnrichment'];
  ligrec: SpatialKernelSignatures['ligrec'];
}

/** Names of all kernels. */
export type KernelName = keyof KernelSignatures;

/** Every kernel name, in documentation order. */
export const KERNEL_NAMES: readonly KernelName[] = ['log1p', 'sum', 'nnzCount', 'meanVar', 'qcMetrics', 'filterCells', 'filterGenes', 'subset', 'toCsc', 'toCsr', 'normalizeTotal', 'scale', 'highlyVariableGenes', 'expm1MeanVar', 'clippedSums', 'spatialNeighbors', 'spatialAutocorr', 'coOccurrence', 'nhoodEnrichment', 'ligrec'];

/** A backend: an implementation of some kernels. */
export interface Backend {
  /** Canonical name (`wasm`, `as`, `js`, `cuda`, or a third party's). */
  readonly name: string;
  /** Build variant in use, when the backend has several. */
  readonly variant?: string;
  /** The kernels it implements. */
  readonly kernels: Partial<KernelSignatures>;
  /** Threads used by its kernels. */
  readonly threads?: number;
  /** Copies a matrix into the backend's memory (absent: the backend works on JS memory). */
  upload?(x: CsrMatrix): CsrHandle;
  /** Copies a dense matrix into the backend's memory (absent: upload() of a DenseMatrix keeps it in JS memory). */
  uploadDense?(x: DenseMatrix): DenseHandle;
  /**
   * Names of the options it takes under `backendOptions: { <name>: {...} }`. When given, any
   * other key there is an InvalidOptionError listing these; when absent, nothing is checked.
   */
  readonly options?: readonly string[];
  /** Smallest input (stored values) worth sending here: `auto` skips it below. */
  readonly minWork?: number;
  /** Why it cannot run `kernel` on this input (e.g. a layout it lacks), or undefined if it can. */
  rejects?(kernel: KernelName, input: unknown): string | undefined;
}

/** Input of the transforms (normalizeTotal, log1p, scale): CSR (plain or resident), CSC or dense (plain or resident). */
export type TransformInput = CsrInput | CscMatrix | DenseInput;

/** What normalizeTotal returns (scanpy's `{"X", "norm_factor"}` plus the target and totals). */
export interface NormalizeTotalResult<T> {
  /** The normalised matrix: same layout, structure and residency as the input. */
  X: T;
  /** Target sum used (given, or the median rule), rounded to the output dtype. */
  target: number;
  /** Per cell `total / target` in the output dtype, before zero factors become 1 (scanpy's `norm_factor`). */
  normFactor: FloatArray;
  /** Per cell float64 totals the factors came from (over the kept genes when excluding). */
  totals: Float64Array;
  /** Per gene 1 = excluded as highly expressed (null unless `excludeHighlyExpressed`). */
  excludedGenes: Uint8Array | null;
}

/** Matrix scale() returns: sparse without zero-centring, dense (resident for a resident input) with it. */
export type ScaleOutput = CsrInput | CscMatrix | DenseMatrix | DenseHandle;

/** What scale returns. */
export interface ScaleResult<T> {
  X: T;
  /** Per gene mean (float64) over the cells used (scanpy `var["mean"]`). */
  mean: Float64Array;
  /** Per gene standard deviation (ddof 1, zeros replaced by 1; scanpy `var["std"]`). */
  std: Float64Array;
}

// ---- stats family (meanVar, nnzCount, sum, qcMetrics, filterCells/Genes, subset, toCsc/toCsr)

/** Input of the reductions (sum, nnzCount, meanVar, filterCells, filterGenes): CSR (plain or resident), CSC or dense (plain or resident). */
export type StatsInput = CsrInput | CscMatrix | DenseInput;

/** Float64 means and variances along an axis (fast_array_utils.stats.mean_var). */
export interface MeanVarResult {
  mean: Float64Array;
  var: Float64Array;
}

/** One QC gene set of qcMetrics: its name (column suffix) and a 0/1 mask over the genes. */
export interface QcVarMask {
  name: string;
  mask: Uint8Array;
}

/** A qcMetrics column: Int32Array for counts, the input dtype or Float64Array for the rest (as scanpy). */
export type QcColumn = Float64Array | Float32Array | Int32Array;

/** calculate_qc_metrics' two tables, column name → values, in scanpy's column order. */
export interface QcMetricsResult {
  /** Per cell: n_genes_by_counts, log1p_n_genes_by_counts, total_counts, log1p_total_counts, pct_counts_in_top_{N}_genes, total_counts_{qc}, log1p_total_counts_{qc}, pct_counts_{qc}. */
  obs: Record<string, QcColumn>;
  /** Per gene: n_cells_by_counts, mean_counts, log1p_mean_counts, pct_dropout_by_counts, total_counts, log1p_total_counts. */
  var: Record<string, QcColumn>;
}

/** Resolved filter_cells / filter_genes threshold: exactly one of min and max is a number. */
export interface FilterArgs {
  /** 'counts': total counts; 'detected': number of genes (cells) with x > 0. */
  by: 'counts' | 'detected';
  min: number | null;
  max: number | null;
}

/** filter_cells / filter_genes with inplace=False: the kept mask and scanpy's number_per_cell/gene. */
export interface FilterResult {
  /** 1 = kept. */
  mask: Uint8Array;
  /** By counts: sums in the input dtype (Float32Array for f32 input); by detected: Int32Array. */
  counts: FloatArray | Int32Array;
}
