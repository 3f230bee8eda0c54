/** Text helpers of the command line: tables, numbers, progress bars. */

/** A table: first column left-aligned, the others right-aligned; a rule under the header. */
export function table(rows: string[][], align: ('l' | 'r')[] = []): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => ((align[c] ?? (c === 0 ? 'l' : 'r')) === 'l' ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** 12,345 */
export function int(n: number): string {
  return n.toLocaleString('en-US');
}

/** Milliseconds with sensible precision. */
export function ms(t: number): string {
  return t >= 100 ? t.toFixed(0) : t >= 10 ? t.toFixed(1) : t.toFixed(2);
}

/** Where progress goes (stderr): bars only on a terminal, or when CELLKERNELS_PROGRESS=1. */
export interface ProgressSink {
  isTTY?: boolean;
  write(s: string): unknown;
}

/**
 * Progress bars for long steps, on one line that is redrawn (stderr). Silent when the sink is
 * not a terminal, unless forced, so logs and pipes stay clean.
 */
export class ProgressBar {
  private label = '';
  private started = 0;
  private last = 0;
  private drawn = false;

  constructor(
    private readonly sink: ProgressSink,
    private readonly enabled: boolean,
    private readonly width = 28,
  ) {}

  start(label: string): void {
    this.label = label;
    this.started = performance.now();
    this.last = 0;
    this.draw(0, undefined, true);
  }

  update(done: number, total?: number): void {
    this.draw(done, total, false);
  }

  end(): void {
    if (!this.enabled || !this.drawn) return;
    this.sink.write(this.sink.isTTY ? '\r\x1b[2K' : '\n');
    this.drawn = false;
  }

  private draw(done: number, total: number | undefined, force: boolean): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (!force && now - this.last < 80 && done !== total) return;
    this.last = now;
    const secs = ((now - this.started) / 1000).toFixed(1);
    let bar: string;
    if (total && total > 0) {
      const f = Math.min(1, done / total);
      const full = Math.round(f * this.width);
      bar = `[${'█'.repeat(full)}${'░'.repeat(this.width - full)}] ${done}/${total}`;
    } else bar = '…';
    const text = `  ${this.label.padEnd(12)} ${bar}  ${secs} s`;
    this.sink.write(this.sink.isTTY ? `\r\x1b[2K${text}` : `${text}\n`);
    this.drawn = true;
  }
}
