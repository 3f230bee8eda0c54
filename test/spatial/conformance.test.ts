/**
 * validateBackend on every compiled variant for the spatial kernels (recipes in
 * src/testing/conformance-spatial.ts): each must pass against the js reference, and the
 * AssemblyScript build must report spatialNeighbors as not implemented (skip), not fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPATIAL_KERNEL_NAMES } from '../../src/backends/spatial_types.js';
import { formatReport, validateBackend } from '../../src/testing/index.js';
import { type LoadedVariant, loadAllVariants, shutdownAll } from '../helpers/backends.js';

let variants: LoadedVariant[] = [];
beforeAll(async () => {
  variants = await loadAllVariants();
});
afterAll(() => shutdownAll(variants));

describe('validateBackend: spatial kernels', () => {
  it('every variant passes (AssemblyScript: spatialNeighbors skipped as not implemented)', async () => {
    for (const v of variants) {
      const report = await validateBackend(v.backend, { kernels: [...SPATIAL_KERNEL_NAMES] });
      const text = formatReport(report);
      expect(report.ok, text).toBe(true);
      for (const k of report.kernels) {
        const expected = v.variant.startsWith('as-') && k.kernel === 'spatialNeighbors' ? 'skip' : 'pass';
        expect(k.status, `${v.label} ${k.kernel}\n${text}`).toBe(expected);
      }
    }
  });
});
