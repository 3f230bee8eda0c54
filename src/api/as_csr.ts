import type { KernelSignatures, StatsInput } from '../backends/types.js';
import { type DispatchOptions, explain } from '../dispatch/index.js';
import { CscMatrix, CsrMatrix, type DenseMatrix, denseToCsr as denseValuesToCsr } from '../matrix/index.js';
import { type CsrInput, isDenseHandle, isHandle } from '../runtime/handles.js';
import { toCsr } from './convert.js';
import { dispatchOn } from './operand.js';

/**
 * A dense row-major matrix as CSR without its zeros, as scipy's `csr_matrix(dense)` (and
 * AnnData's sparse view of it): every value `!== 0` is stored (NaN and ±inf included; +0 and
 * −0 are not), in row order with sorted column indices, copied exactly. One pass over the
 * rows·cols values in JavaScript, then one over them again to fill; memory: the stored values
 * plus an Int32 index each.
 */
export function denseToCsr(x: DenseMatrix): CsrMatrix {
  return denseValuesToCsr(x.data, x.shape[0], x.shape[1]);
}

/**
 * The backend that converts a CSC input to CSR for a CSR-only kernel: the backend the call
 * names (its `backend` option, else the innermost withBackend() scope, else settings.backend)
 * when it implements toCsr, else the fastest one that does (auto order). No notice is printed:
 * the conversion is part of the call, not a fallback of it.
 */
function converter(x: CscMatrix, options: DispatchOptions): string {
  return explain('toCsr', x, { ...(options.backend !== undefined ? { backend: options.backend } : {}), strict: false }).backend;
}

/**
 * The CSR operand of a kernel that runs on CSR only, for an input in any layout: CSR (plain or
 * resident) as is; CSC through the toCsr kernel (scipy's `tocsr()`: every stored value kept,
 * columns sorted within rows); dense (a DenseMatrix, or a DenseHandle downloaded first) by
 * dropping its zeros (denseToCsr). Each conversion is one extra pass over the matrix and a
 * CSR copy of it in JavaScript memory.
 */
export function csrOf(x: StatsInput, options: DispatchOptions): CsrInput {
  if (x instanceof CsrMatrix || isHandle(x)) return x;
  if (x instanceof CscMatrix) return toCsr(x, { backend: converter(x, options) });
  return denseToCsr(isDenseHandle(x) ? x.download() : x);
}

/**
 * Resolves a CSR-only kernel for an input in any layout and converts the input (csrOf): the
 * implementation to call and the CSR operand to call it with. A resident dense matrix pins the
 * call to the backend that holds it, as every resident operand does (checked before it is
 * downloaded); other inputs are dispatched on their CSR form.
 */
export function dispatchCsr<K extends 'qcMetrics' | 'highlyVariableGenes'>(
  kernel: K,
  x: StatsInput,
  options: DispatchOptions,
): { fn: KernelSignatures[K]; csr: CsrInput } {
  const pinned = isDenseHandle(x) ? dispatchOn(kernel, x, options) : undefined;
  const csr = csrOf(x, options);
  return { fn: (pinned ?? dispatchOn(kernel, csr, options)).fn, csr };
}
