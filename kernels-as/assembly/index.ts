// cellkernels (AssemblyScript) — every export of the C ABI, one module per kernel.
export { ck_alloc, ck_free, ck_error_detail, ck_abi_version, ck_simd_target, ck_set_threads } from "./runtime";
export { ck_log1p_csr_f32, ck_log1p_csr_f64 } from "./log1p";
export { ck_sum_csr_f32, ck_sum_csr_f64 } from "./sum";
