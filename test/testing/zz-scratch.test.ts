import { it } from 'vitest';
import { jsBackend } from '../../src/backends/js/index.js';
import { formatReport, validateBackend } from '../../src/testing/index.js';
import { loadAllVariants, shutdownAll } from '../helpers/backends.js';
import { mouse10k } from '../helpers/data.js';

const only = process.env.CK_VARIANTS?.split(',');
const real = process.env.CK_REAL === '1';
it('reports', async () => {
  const vs = await loadAllVariants();
  const m = await mouse10k();
  const opts = real ? { realData: [{ name: 'mouse10k', matrix: m }] } : {};
  if (!only || only.includes('js')) console.log(formatReport(await validateBackend(jsBackend, opts)));
  for (const v of vs) {
    if (only && !only.includes(v.label)) continue;
    const t = Date.now();
    console.log(v.label, formatReport(await validateBackend(v.backend, opts)), Date.now() - t);
  }
  shutdownAll(vs);
}, 1_200_000);
