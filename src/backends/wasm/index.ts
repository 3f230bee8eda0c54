import type { KernelModule } from '../../runtime/module.js';
import type { Backend, KernelName } from '../types.js';
import { type AbiKernel, createAbiBackend } from './abi.js';
import { clippedSumsKernel } from './clipped_sums.js';
import { expm1MeanVarKernel } from './expm1_mean_var.js';
import { highlyVariableGenesKernel } from './highly_variable_genes.js';
import { log1pKernel } from './log1p.js';
import { sumKernel } from './sum.js';
// transforms family:
import { normalizeTotalKernel } from './normalize_total.js';
import { scaleKernel } from './scale.js';
// stats family:
import { toCscKernel, toCsrKernel } from './convert.js';
import { filterCellsKernel, filterGenesKernel } from './filter.js';
import { meanVarKernel } from './mean_var.js';
import { nnzCountKernel } from './nnz_count.js';
import { qcMetricsKernel } from './qc_metrics.js';
import { subsetKernel } from './subset.js';
// spatial:
import { coOccurrenceKernel } from './co_occurrence.js';
import { ligrecKernel } from './ligrec.js';
import { nhoodEnrichmentKernel } from './nhood_enrichment.js';
import { spatialAutocorrKernel } from './spatial_autocorr.js';
import { spatialNeighborsKernel } from './spatial_neighbors.js';

/** Every C ABI adapter; a slim build can import fewer. */
export const ABI_KERNELS: readonly AbiKernel<KernelName>[] = [log1pKernel, sumKernel, meanVarKernel, nnzCountKernel, qcMetricsKernel, filterCellsKernel, filterGenesKernel, subsetKernel, toCscKernel, toCsrKernel, highlyVariableGenesKernel, expm1MeanVarKernel, clippedSumsKernel, normalizeTotalKernel, scaleKernel, spatialNeighborsKernel, spatialAutocorrKernel, coOccurrenceKernel, nhoodEnrichmentKernel, ligrecKernel] as AbiKernel<KernelName>[];

/** The `wasm` backend over an Emscripten module (simd-threads, simd or scalar). */
export function createWasmBackend(mod: KernelModule): Backend {
  return createAbiBackend('wasm', mod, ABI_KERNELS);
}
