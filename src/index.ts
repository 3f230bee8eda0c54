/**
 * cellkernels — fast single-cell analysis kernels with scanpy's numbers, in WebAssembly
 * (SIMD + threads, SIMD, scalar), AssemblyScript and TypeScript, behind one API.
 *
 * ```ts
 * import * as ck from 'cellkernels';
 * await ck.init();
 * const logged = ck.log1p(X);
 * ```
 * @module
 */
export { init, info, shutdown, type InitOptions, type RuntimeInfo } from './init.js';
export type { Variant } from './runtime/module.js';
export { log1p, type Log1pOptions } from './api/log1p.js';
// transforms family:
export { normalizeTotal, type NormalizeTotalOptions, type IntegerMatrix, type IntegerArray } from './api/normalize_total.js';
export { scale, type ScaleOptions } from './api/scale.js';
export { DenseHandle } from './runtime/handles.js';
export type { NormalizeTotalResult, ScaleResult, ScaleOutput, TransformInput } from './backends/types.js';
export { sum, type SumOptions } from './api/sum.js';
// stats family:
export { meanVar, type MeanVarOptions } from './api/mean_var.js';
export { nnzCount, type NnzCountOptions } from './api/nnz_count.js';
export { qcMetrics, type QcMetricsOptions, type GeneMask } from './api/qc_metrics.js';
export { filterCells, filterGenes, type FilterCellsOptions, type FilterGenesOptions } from './api/filter.js';
export { subset, type SubsetOptions, type Selection } from './api/subset.js';
export { toCsc, toCsr, type ConvertOptions } from './api/convert.js';
export type { StatsInput, MeanVarResult, QcMetricsResult, QcColumn, QcVarMask, FilterArgs, FilterResult } from './backends/types.js';
export {
  highlyVariableGenes,
  type HighlyVariableGenesOptions,
  type HighlyVariableGenesBatchOptions,
  type HighlyVariableGenesResult,
  type HvgBatchedDispersionResult,
  type HvgBatchedResult,
  type HvgBatchedSeuratV3Result,
  type HvgBatchLabels,
  type HvgDispersionResult,
  type HvgFlavor,
  type HvgSeuratV3Result,
} from './api/highly_variable_genes.js';
// spatial (squidpy):
export { spatialNeighbors, type SpatialNeighborsOptions, type SpatialNeighborsResult } from './api/spatial_neighbors.js';
export { spatialAutocorr, moransI, gearysC, type SpatialAutocorrOptions, type SpatialAutocorrResult, type WeightMoments } from './api/spatial_autocorr.js';
export { coOccurrence, type CoOccurrenceOptions, type CoOccurrenceResult } from './api/co_occurrence.js';
export { nhoodEnrichment, type NhoodEnrichmentOptions, type NhoodEnrichmentResult } from './api/nhood_enrichment.js';
export { ligrec, type LigrecOptions, type LigrecResult } from './api/ligrec.js';
export type { NeighborGraph, SpatialAutocorrRaw, NhoodEnrichmentRaw, LigrecRaw } from './backends/spatial_types.js';
export { upload, download, type UploadOptions } from './api/residency.js';
export { CsrHandle, FreedHandleError, type CsrInput, type DenseInput, type ResidentMatrix, type Disposal } from './runtime/handles.js';
export { CsrMatrix, CscMatrix, DenseMatrix, type Matrix, type CompressedInit, type DenseInit, type DType, type FloatArray } from './matrix/index.js';
export {
  type BackendName,
  type BackendOptions,
  type BackendStatus,
  type Candidate,
  type CudaBackendOptions,
  type DispatchOptions,
  type DispatchSettings,
  type Explanation,
  type RegisterOptions,
  explain,
  listBackends,
  registerBackend,
  scopeMode,
  settings,
  unregisterBackend,
  withBackend,
} from './dispatch/index.js';
export type { Backend, BackendCallOptions, KernelArgs, KernelName, KernelSignatures } from './backends/types.js';
export * from './errors.js';
