import { type HighlyVariableGenesResult, computeHvg } from '../../api/highly_variable_genes_core.js';
import type { CsrInput } from '../../runtime/handles.js';
import type { KernelArgs } from '../types.js';
import { clippedSums } from './clipped_sums.js';
import { expm1MeanVar } from './expm1_mean_var.js';
import { plain } from './plain.js';

/** Reference highly_variable_genes: the js statistics passes and the shared selection logic. */
export function highlyVariableGenes(input: CsrInput, args: KernelArgs['highlyVariableGenes']): HighlyVariableGenesResult {
  const x = plain(input);
  return computeHvg(x.shape, args, {
    meanVar: (expm1) => expm1MeanVar(x, { expm1 }),
    clippedSums: (clip) => clippedSums(x, { clip }),
  });
}
