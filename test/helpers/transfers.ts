/** Host↔module transfer counting for the residency tests. */
import type { KernelModule, TransferStats } from '../../src/runtime/module.js';

/** Runs fn and returns its result with the transfers it made to and from `mod`. */
export function step<R>(mod: KernelModule, fn: () => R): { result: R; delta: TransferStats } {
  const t0 = { ...mod.transfers };
  const result = fn();
  const t = mod.transfers;
  return {
    result,
    delta: {
      toModule: t.toModule - t0.toModule,
      fromModule: t.fromModule - t0.fromModule,
      bytesToModule: t.bytesToModule - t0.bytesToModule,
      bytesFromModule: t.bytesFromModule - t0.bytesFromModule,
    },
  };
}
