import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutOfMemoryError } from '../../src/errors.js';
import { CsrMatrix } from '../../src/matrix/index.js';
import { type LoadedVariant, loadAllVariants, shutdownAll } from '../helpers/backends.js';

let variants: LoadedVariant[] = [];
beforeAll(async () => {
  variants = (await loadAllVariants()).filter((v) => v.threads !== 3);
});
afterAll(() => shutdownAll(variants));

describe('out of memory is a typed error the module survives', () => {
  it('an allocation larger than the heap can grow to', () => {
    for (const v of variants) {
      expect(() => v.module.alloc(0xffff_0000), v.label).toThrow(OutOfMemoryError);
      const p = v.module.alloc(1024);
      expect(p).toBeGreaterThan(0);
      v.module.free(p);
    }
  });

  it('a kernel whose work buffer cannot be allocated, then a normal call on the same module', () => {
    // 2^28 columns: the column-sum output needs 2 GiB, the per-chunk partials more.
    const wide = new CsrMatrix({ shape: [1, 2 ** 28], data: new Float32Array([1]), indices: new Int32Array([5]), indptr: new Int32Array([0, 1]) });
    const small = new CsrMatrix({ shape: [2, 2], data: new Float32Array([1, 2, 3]), indices: new Int32Array([0, 1, 1]), indptr: new Int32Array([0, 2, 3]) });
    for (const v of variants.filter((x) => x.variant === 'simd' || x.variant.startsWith('as'))) {
      expect(() => v.backend.kernels.sum!(wide, { axis: 0 }), v.label).toThrow(OutOfMemoryError);
      expect(Array.from(v.backend.kernels.sum!(small, { axis: 0 })), v.label).toEqual([1, 5]);
      expect(Array.from(v.backend.kernels.sum!(small, { axis: 1 })), v.label).toEqual([3, 3]);
    }
  });
});
