/**
 * Backend dispatch: registry, selection (call > scope > settings > auto), options checking.
 * @module
 */
export { type DispatchOptions, checkOptions } from './options.js';
export { type BackendStatus, BUILTIN_ORDER, listBackends, installBackend, markUnavailable, requireBackend } from './registry.js';
export { type Resolution, resolveKernel } from './resolve.js';
export { withBackend } from './scope.js';
export { settings } from './settings.js';
