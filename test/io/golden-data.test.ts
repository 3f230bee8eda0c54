import { describe, expect, it } from 'vitest';
import { jsBackend } from '../../src/backends/js/index.js';
import { compareArrays } from '../../src/testing/index.js';
import { mouse10k } from '../helpers/data.js';
import { golden } from '../helpers/golden.js';

describe('bundled mouse10k (Matrix Market) is the matrix scanpy read from mouse10k.h5ad', () => {
  it('same shape, nnz and per-cell / per-gene sums and counts as the scanpy fixtures', async () => {
    const x = await mouse10k();
    const g = golden('mouse10k');
    const ds = g.manifest.dataset as { shape: number[]; nnz: number };
    expect([...x.shape]).toEqual(ds.shape);
    expect(x.nnz).toBe(ds.nnz);
    expect(compareArrays(jsBackend.kernels.sum!(x, { axis: 1 }), g.f64('sum.axis1'), 'exact', 'f64').ok).toBe(true);
    expect(compareArrays(jsBackend.kernels.sum!(x, { axis: 0 }), g.f64('sum.axis0'), 'exact', 'f64').ok).toBe(true);
    const perCell = Int32Array.from({ length: x.shape[0] }, (_, r) => x.indptr[r + 1]! - x.indptr[r]!);
    expect(Array.from(perCell)).toEqual(Array.from(g.get('nnz.axis1')));
  });
});
