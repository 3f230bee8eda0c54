/** Runs Python's anndata (the reference venv) on an .h5ad and returns test/io/anndata_dump.py's JSON. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT, VENV_PYTHON } from './tmp.js';

/** Why the Python check cannot run here, or undefined when it can. */
export function pythonMissing(): string | undefined {
  if (!existsSync(VENV_PYTHON)) {
    return `Python anndata is not installed: ${VENV_PYTHON} is missing (run bash bench/reference/setup-venv.sh; scripts/test.sh does)`;
  }
  return undefined;
}

export interface DumpedColumn {
  dtype: string;
  values: (number | string | boolean | null)[];
}
export interface DumpedMatrix {
  type: string;
  format: string;
  dtype: string;
  shape: number[];
  nnz: number;
  cell_sum: number[];
  gene_sum: number[];
  gene_mean: number[];
  gene_var: number[];
}
export interface Dumped {
  anndata: string;
  shape: number[];
  obs_names: string[];
  var_names: string[];
  obs: Record<string, DumpedColumn>;
  var: Record<string, DumpedColumn>;
  X: DumpedMatrix | null;
  layers: Record<string, DumpedMatrix>;
  warnings: string[];
  hvg_subset_shape?: number[];
}

/** anndata.read_h5ad(file), summarised. Throws with Python's stderr if anndata cannot read it. */
export function anndataDump(file: string): Dumped {
  const out = execFileSync(VENV_PYTHON, [path.join(ROOT, 'test/io/anndata_dump.py'), file], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    env: { ...process.env, NUMBA_NUM_THREADS: '1', PYTHONWARNINGS: 'ignore' },
  });
  return JSON.parse(out) as Dumped;
}
