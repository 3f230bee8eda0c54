/**
 * The preprocessing pipeline (scanpy's QC → filter → normalize → log1p → HVG → scale) over a
 * whole matrix, and its per-cell part over row blocks of an `.h5ad` for matrices larger than
 * memory. Used by the `cellkernels` command; each step calls the public API.
 * @module
 */
export { type PipelineOptions, type PipelineResult, type ProgressEvent, type StepReport, runPipeline } from './run.js';
export { GeneStatsAccumulator, STREAM_STEPS, type StreamOptions, type StreamResult, streamPipeline } from './stream.js';
export { STEPS, STEP_KERNELS, type StepName, type StepOptions, parseSteps, qcMasks, requireKernels } from './steps.js';
export { MemoryTracker, type MemoryPeak, mib } from './memory.js';
