// cellkernels (AssemblyScript) — every export of the C ABI, one module per kernel.
export { ck_alloc, ck_free, ck_error_detail, ck_abi_version, ck_simd_target, ck_set_threads } from "./runtime";
export { ck_log1p_csr_f32, ck_log1p_csr_f64, ck_log1p_csc_f32, ck_log1p_csc_f64, ck_log1p_dense_f32, ck_log1p_dense_f64 } from "./log1p";
export {
  ck_normalize_total_counts_csr_f32, ck_normalize_total_counts_csr_f64, ck_normalize_total_counts_csc_f32, ck_normalize_total_counts_csc_f64,
  ck_normalize_total_counts_dense_f32, ck_normalize_total_counts_dense_f64, ck_normalize_total_csr_f32, ck_normalize_total_csr_f64,
  ck_normalize_total_csc_f32, ck_normalize_total_csc_f64, ck_normalize_total_dense_f32, ck_normalize_total_dense_f64,
} from "./normalize_total";
export { ck_scale_csr_f32, ck_scale_csr_f64, ck_scale_csc_f32, ck_scale_csc_f64, ck_scale_dense_f32, ck_scale_dense_f64 } from "./scale";
export { ck_sum_csr_f32, ck_sum_csr_f64, ck_sum_csc_f32, ck_sum_csc_f64, ck_sum_dense_f32, ck_sum_dense_f64 } from "./sum";
// stats family:
export { ck_nnz_count_csr_f32, ck_nnz_count_csr_f64, ck_nnz_count_csc_f32, ck_nnz_count_csc_f64, ck_nnz_count_dense_f32, ck_nnz_count_dense_f64 } from "./nnz_count";
export { ck_mean_var_csr_f32, ck_mean_var_csr_f64, ck_mean_var_csc_f32, ck_mean_var_csc_f64, ck_mean_var_dense_f32, ck_mean_var_dense_f64 } from "./mean_var";
export { ck_qc_metrics_csr_f32, ck_qc_metrics_csr_f64 } from "./qc_metrics";
export { ck_subset_count_csr, ck_subset_fill_csr_f32, ck_subset_fill_csr_f64 } from "./subset";
export { ck_to_csc_csr_f32, ck_to_csc_csr_f64, ck_to_csr_csc_f32, ck_to_csr_csc_f64 } from "./convert";
export { ck_expm1_mean_var_csr_f32, ck_expm1_mean_var_csr_f64 } from "./expm1_mean_var";
export { ck_clipped_sums_csr_f32, ck_clipped_sums_csr_f64 } from "./clipped_sums";
// spatial (spatialNeighbors has no AssemblyScript build: its KD-tree is not worth a second implementation here):
export { ck_spatial_autocorr_dense_f32, ck_spatial_autocorr_dense_f64 } from "./spatial_autocorr";
export { ck_nhood_enrichment_csr_i32 } from "./nhood_enrichment";
export { ck_co_occurrence_dense_f32 } from "./co_occurrence";
export { ck_ligrec_dense_f32, ck_ligrec_dense_f64, ck_ligrec_csr_f32, ck_ligrec_csr_f64 } from "./ligrec";
