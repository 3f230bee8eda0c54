/** Real data for tests: the bundled mouse10k (10x, 10,000 cells × 1,000 genes). */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { readMatrixMarket } from '../../src/io/mtx.js';
import type { CsrMatrix } from '../../src/matrix/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let cached: Promise<CsrMatrix> | undefined;

/** mouse10k as CSR float32 counts (cells × genes), read once per test file. */
export function mouse10k(): Promise<CsrMatrix> {
  cached ??= readFile(`${ROOT}data/mouse10k-10x/matrix.mtx.gz`).then((b) =>
    readMatrixMarket(new Uint8Array(b), { name: 'mouse10k matrix.mtx.gz' }),
  );
  return cached;
}

/** Float64 copy of a matrix's values, same structure. */
export function toF64(x: CsrMatrix): CsrMatrix {
  return x.withData(Float64Array.from(x.data));
}
