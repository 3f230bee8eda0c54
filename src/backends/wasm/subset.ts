import { CsrMatrix } from '../../matrix/index.js';
import { CsrHandle, type CsrInput, type ModuleBuffer, allocBuffer, isHandle } from '../../runtime/handles.js';
import type { KernelModule } from '../../runtime/module.js';
import type { KernelArgs } from '../types.js';
import { type AbiKernel, bytesOf, csrPtrs, floatCtor } from './abi.js';

/** Where the three result arrays go: module buffers that a handle will own, or call temporaries. */
interface Sink {
  alloc(bytes: number): number;
}

/** Runs count + fill; returns the result's pointers and nnz. */
function run(mod: KernelModule, x: CsrInput, { rows, cols }: KernelArgs['subset'], sink: Sink) {
  return mod.scoped((s) => {
    const p = csrPtrs(mod, x, s);
    const nOut = rows ? rows.length : p.nrows;
    const pRows = rows ? s.copyIn(rows) : 0;
    const pCols = cols ? s.copyIn(cols) : 0;
    const sel = [pRows, rows ? rows.length : -1, pCols, cols ? cols.length : -1];
    const indptr = sink.alloc((nOut + 1) * 4);
    mod.run('ck_subset_count_csr', p.indptr, p.indices, p.nrows, p.ncols, ...sel, indptr);
    const nnz = mod.copyOut(Int32Array, indptr + nOut * 4, 1)[0]!;
    const indices = sink.alloc(nnz * 4);
    const data = sink.alloc(nnz * bytesOf(p.dtype));
    mod.run(`ck_subset_fill_csr_${p.dtype}`, p.indptr, p.indices, p.data, p.nrows, p.ncols, ...sel, indptr, indices, data);
    return { indptr, indices, data, nnz, nOut, dtype: p.dtype };
  });
}

/**
 * `X[rows][:, cols]` through `ck_subset_count_csr` + `ck_subset_fill_csr_{f32,f64}`. A resident
 * input gives a resident result (no copy through JavaScript memory); a plain input a plain
 * CsrMatrix. A sorted input stays sorted.
 */
export const subsetKernel: AbiKernel<'subset'> = {
  name: 'subset',
  symbols: ['ck_subset_count_csr', 'ck_subset_fill_csr_f32', 'ck_subset_fill_csr_f64'],
  impl:
    (mod) =>
    <T extends CsrInput>(x: T, args: KernelArgs['subset']): T => {
      const ncolsOut = args.cols ? args.cols.length : x.shape[1];
      if (isHandle(x)) {
        const bufs: ModuleBuffer[] = [];
        try {
          const r = run(mod, x, args, {
            alloc: (bytes) => {
              const b = allocBuffer(mod, bytes);
              bufs.push(b);
              return b.ptr;
            },
          });
          return new CsrHandle(x.backend, mod, [r.nOut, ncolsOut], r.dtype, r.nnz, x.sorted, {
            indptr: bufs[0]!,
            indices: bufs[1]!,
            data: bufs[2]!,
          }) as T;
        } catch (e) {
          for (const b of bufs) b.release();
          throw e;
        }
      }
      return mod.scoped((s) => {
        const r = run(mod, x, args, s);
        return new CsrMatrix({
          shape: [r.nOut, ncolsOut],
          indptr: mod.copyOut(Int32Array, r.indptr, r.nOut + 1),
          indices: mod.copyOut(Int32Array, r.indices, r.nnz),
          data: mod.copyOut(floatCtor(r.dtype), r.data, r.nnz),
        }) as T;
      });
    },
};
