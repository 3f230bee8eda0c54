/** Temporary folders for io tests, removed at the end of the file's tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The shared real datasets (../shared/data next to the repository). */
export const SHARED = path.resolve(ROOT, '../shared/data');
/** The bundled copy of mouse10k's Cell Ranger folder. */
export const BUNDLED_10X = path.join(ROOT, 'data/mouse10k-10x');
/** The Python of the scanpy reference venv (bench/reference/setup-venv.sh). */
export const VENV_PYTHON = path.join(ROOT, 'bench/reference/.venv/bin/python');

export function tempDir(prefix = 'ck-io-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
