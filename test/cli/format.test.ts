import { describe, expect, it } from 'vitest';
import { ProgressBar, table } from '../../src/cli/format.js';

describe('command-line formatting', () => {
  it('progress bars redraw one line on a terminal and stay silent in a pipe', () => {
    const tty: string[] = [];
    const bar = new ProgressBar({ isTTY: true, write: (s) => tty.push(s) }, true, 10);
    bar.start('blocks');
    const t0 = performance.now();
    while (performance.now() - t0 < 100); // redraws are throttled to one per 80 ms
    bar.update(5, 10);
    bar.update(6, 10); // too soon: skipped
    bar.update(10, 10);
    bar.end();
    expect(tty[0]).toMatch(/^\r\x1b\[2K {2}blocks {7}… {2}\d+\.\d s$/);
    expect(tty.some((s) => s.includes('[█████░░░░░] 5/10'))).toBe(true);
    expect(tty.some((s) => s.includes('6/10'))).toBe(false);
    expect(tty.some((s) => s.includes('[██████████] 10/10'))).toBe(true);
    expect(tty[tty.length - 1]).toBe('\r\x1b[2K');
    const pipe: string[] = [];
    const quiet = new ProgressBar({ isTTY: false, write: (s) => pipe.push(s) }, false);
    quiet.start('x');
    quiet.update(1, 2);
    quiet.end();
    expect(pipe).toEqual([]);
  });

  it('tables align columns under a rule', () => {
    expect(table([['step', 'ms'], ['qc', '12.5'], ['normalize', '3.00']])).toBe('step         ms\n─────────  ────\nqc         12.5\nnormalize  3.00');
  });
});
