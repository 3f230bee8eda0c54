import { computeHvg } from '../../api/highly_variable_genes_core.js';
import type { CsrInput } from '../../runtime/handles.js';
import type { KernelArgs } from '../types.js';
import { type AbiKernel, csrPtrs } from './abi.js';
import { runClippedSums } from './clipped_sums.js';
import { runExpm1MeanVar } from './expm1_mean_var.js';

/**
 * highly_variable_genes over the module: the matrix is copied in once (or used in place when
 * resident), both statistics passes run in the module, the selection runs in TypeScript.
 */
export const highlyVariableGenesKernel: AbiKernel<'highlyVariableGenes'> = {
  name: 'highlyVariableGenes',
  symbols: ['ck_expm1_mean_var_csr_f32', 'ck_expm1_mean_var_csr_f64', 'ck_clipped_sums_csr_f32', 'ck_clipped_sums_csr_f64'],
  impl: (mod) => (x: CsrInput, args: KernelArgs['highlyVariableGenes']) =>
    mod.scoped((s) => {
      const p = csrPtrs(mod, x, s);
      return computeHvg([p.nrows, p.ncols], args, {
        meanVar: (expm1) => runExpm1MeanVar(mod, s, p, expm1),
        clippedSums: (clip) => runClippedSums(mod, s, p, clip),
      });
    }),
};
