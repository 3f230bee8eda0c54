/**
 * Backend dispatch: registry, selection (call > scope > settings > auto), options checking,
 * introspection.
 * @module
 */
export {
  type BackendName,
  type BackendOptions,
  type CudaBackendOptions,
  type DispatchOptions,
  DISPATCH_KEYS,
  checkDispatchOptions,
  checkOptions,
} from './options.js';
export {
  type BackendStatus,
  type BuiltinBackendName,
  type RegisterOptions,
  BUILTIN_ORDER,
  CUDA_MIN_WORK,
  backendNames,
  installBackend,
  listBackends,
  markUnavailable,
  registerBackend,
  requireBackend,
  unregisterBackend,
} from './registry.js';
export { type Candidate, type Explanation, type Resolution, type SelectionSource, explain, resolveKernel, workOf } from './resolve.js';
export { type AsyncLocalStorageLike, type ScopeStore, scopeMode, withBackend } from './scope.js';
export { type DispatchSettings, settings } from './settings.js';
export { resetNotices } from './notice.js';
