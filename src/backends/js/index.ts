import type { Backend } from '../types.js';
import { clippedSums } from './clipped_sums.js';
import { expm1MeanVar } from './expm1_mean_var.js';
import { highlyVariableGenes } from './highly_variable_genes.js';
import { log1p } from './log1p.js';
import { normalizeTotal } from './normalize_total.js';
import { scale } from './scale.js';
import { sum } from './sum.js';
// stats family:
import { toCsc, toCsr } from './convert.js';
import { filterCells, filterGenes } from './filter.js';
import { meanVar } from './mean_var.js';
import { nnzCount } from './nnz_count.js';
import { qcMetrics } from './qc_metrics.js';
import { subset } from './subset.js';
// spatial:
import { coOccurrence } from './co_occurrence.js';
import { ligrec } from './ligrec.js';
import { nhoodEnrichment } from './nhood_enrichment.js';
import { spatialAutocorr } from './spatial_autocorr.js';
import { spatialNeighbors } from './spatial_neighbors.js';

/**
 * The reference backend: plain TypeScript in float64, written for clarity, always available.
 * It is the oracle of the conformance suite and the last resort of `auto`.
 */
export const jsBackend: Backend = {
  name: 'js',
  kernels: { log1p, normalizeTotal, scale, sum, meanVar, nnzCount, qcMetrics, filterCells, filterGenes, subset, toCsc, toCsr, highlyVariableGenes, expm1MeanVar, clippedSums, spatialNeighbors, spatialAutocorr, coOccurrence, nhoodEnrichment, ligrec },
};
