/** Running the `cellkernels` command in tests: in-process (src) or as the real bin (dist). */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { vi } from 'vitest';
import { main } from '../../src/cli/index.js';
import { ROOT } from '../io/tmp.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs main(argv) from the sources, capturing console output. */
export async function cli(argv: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  const warn = vi.spyOn(console, 'warn').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  try {
    const code = await main(argv);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    warn.mockRestore();
  }
}

/** Runs the packaged command (bin/cellkernels.mjs → dist/cli.js) in a child process. */
export function bin(argv: string[], env: Record<string, string> = {}): Promise<CliRun> {
  if (!existsSync(path.join(ROOT, 'dist/cli.js'))) {
    throw new Error('dist/cli.js is missing: build first (npm run build, or npx rollup -c rollup.config.mjs)');
  }
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'bin/cellkernels.mjs'), ...argv], { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 16 << 20 }, (e, stdout, stderr) => {
      resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
