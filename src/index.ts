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
export { log1p, type Log1pOptions } from './api/log1p.js';
export { sum, type SumOptions } from './api/sum.js';
export { upload, download, type UploadOptions } from './api/residency.js';
export { CsrHandle, type CsrInput } from './runtime/handles.js';
export { CsrMatrix, type CompressedInit, type DType, type FloatArray } from './matrix/index.js';
export { type BackendStatus, type DispatchOptions, listBackends, settings, withBackend } from './dispatch/index.js';
export type { Backend, KernelName } from './backends/types.js';
export * from './errors.js';
