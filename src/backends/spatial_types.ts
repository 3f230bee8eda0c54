/**
 * Arguments and raw results of the spatial kernels (squidpy's spatial statistics), as every
 * backend takes and returns them. The API functions in src/api/ turn the raw results into
 * squidpy's tables (p-values, FDR, ordering) with the same TypeScript code for every backend.
 * @module
 */
import type { CsrMatrix, DenseMatrix } from '../matrix/index.js';

/** Resolved arguments of the spatial kernels. */
export interface SpatialKernelArgs {
  spatialNeighbors: {
    /** `knn`: the nNeighs nearest other cells; `radius`: every other cell within `radius`. */
    mode: 'knn' | 'radius';
    nNeighs: number;
    radius: number;
  };
  spatialAutocorr: {
    mode: 'moran' | 'geary';
    /** Row-normalise the weights (squidpy `transformation`). */
    transformation: boolean;
    /** Permutations (0: none). */
    nPerms: number;
    seed: number;
  };
  nhoodEnrichment: { nClusters: number; nPerms: number; seed: number };
  coOccurrence: {
    nClusters: number;
    /** Distance thresholds, float32, ascending, ≥ 0; the kernel counts pairs with d² ≤ interval[r + 1]² for r < len − 1. */
    interval: Float32Array;
  };
  ligrec: {
    nClusters: number;
    /** (source, target) gene (column) indices, flattened: 2 per interaction. */
    pairs: Int32Array;
    /** (cluster 1, cluster 2) codes, flattened: 2 per column of the result. */
    clusterPairs: Int32Array;
    threshold: number;
    nPerms: number;
    seed: number;
  };
}

/** A neighbour graph without self-loops: CSR structure, columns sorted within each row, distances (float64). */
export interface NeighborGraph {
  indptr: Int32Array;
  indices: Int32Array;
  distances: Float64Array;
}

/** Raw spatialAutocorr output, one entry per feature (column of X). */
export interface SpatialAutocorrRaw {
  /** Moran's I or Geary's C (NaN for a constant feature). */
  stat: Float64Array;
  /** With permutations: how many permuted statistics were ≥ the observed one. */
  nGreaterEqual: Int32Array | null;
  /** With permutations: mean of the permuted statistics. */
  simMean: Float64Array | null;
  /** With permutations: variance (ddof 0) of the permuted statistics. */
  simVar: Float64Array | null;
}

/** Raw nhoodEnrichment output (k × k, row-major). */
export interface NhoodEnrichmentRaw {
  /** Edges from a cell of cluster a to a cell of cluster b. */
  count: Int32Array;
  /** Mean of the counts over the label permutations. */
  permMean: Float64Array;
  /** Standard deviation (ddof 0) of the counts over the label permutations. */
  permStd: Float64Array;
}

/** Raw ligrec output (interactions × cluster pairs, row-major). */
export interface LigrecRaw {
  /** (mean of source in cluster 1 + mean of target in cluster 2) / 2; 0 where a mean is 0. */
  means: Float64Array;
  /** Fraction of permutations whose shuffled sum exceeds the observed one; NaN where not tested. */
  pvalues: Float64Array;
}

/** What each spatial kernel takes and returns. */
export interface SpatialKernelSignatures {
  spatialNeighbors(coords: DenseMatrix, args: SpatialKernelArgs['spatialNeighbors'], backendOptions?: Readonly<Record<string, unknown>>): NeighborGraph;
  spatialAutocorr(w: CsrMatrix, x: DenseMatrix, args: SpatialKernelArgs['spatialAutocorr'], backendOptions?: Readonly<Record<string, unknown>>): SpatialAutocorrRaw;
  nhoodEnrichment(w: CsrMatrix, labels: Int32Array, args: SpatialKernelArgs['nhoodEnrichment'], backendOptions?: Readonly<Record<string, unknown>>): NhoodEnrichmentRaw;
  coOccurrence(coords: DenseMatrix, labels: Int32Array, args: SpatialKernelArgs['coOccurrence'], backendOptions?: Readonly<Record<string, unknown>>): Float64Array;
  ligrec(x: DenseMatrix | CsrMatrix, labels: Int32Array, args: SpatialKernelArgs['ligrec'], backendOptions?: Readonly<Record<string, unknown>>): LigrecRaw;
}

/** Names of the spatial kernels, in documentation order. */
export const SPATIAL_KERNEL_NAMES = ['spatialNeighbors', 'spatialAutocorr', 'coOccurrence', 'nhoodEnrichment', 'ligrec'] as const;
