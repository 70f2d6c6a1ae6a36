/**
 * The CLI's live progress: one line per table being reconciled, redrawn in
 * place on a terminal every second and at every progress event; a finished
 * table's last line stays. Log lines are written above the block.
 */
import type { TableProgress } from '../engine/progress.js';
import { renderProgressLine } from '../util/progress-line.js';

export type ProgressMode = 'auto' | 'line' | 'json';
export const PROGRESS_MODES: readonly ProgressMode[] = ['auto', 'line', 'json'];

/** The line is drawn on an interactive terminal only; CI logs and pipes get the JSON lines. */
export function drawsLine(mode: ProgressMode, stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  const forced = env.CDC_RECON_PROGRESS;
  const m = mode === 'auto' && (forced === 'line' || forced === 'json') ? forced : mode;
  if (m !== 'auto') return m === 'line';
  return stream.isTTY === true && !env.CI;
}

export interface LineStream {
  write(text: string): unknown;
  columns?: number;
}

const CLEAR_LINE = '\r\x1b[2K';
const UP = '\x1b[1A';
/** Under the "at least every 2 seconds": the clock and rate move even while a statement runs. */
const REFRESH_MS = 1_000;

export class LiveProgress {
  private readonly tables = new Map<string, { progress: TableProgress; started: number }>();
  private drawn = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly stream: LineStream,
    private readonly now: () => number = Date.now,
  ) {
    this.timer = setInterval(() => this.redraw(), REFRESH_MS);
    this.timer.unref();
  }

  update(p: TableProgress): void {
    const started = this.tables.get(p.table)?.started ?? this.now();
    if (p.stage === 'done') {
      this.tables.delete(p.table);
      this.clear();
      this.stream.write(`${this.fit(renderProgressLine({ ...p, elapsedMs: this.now() - started }))}\n`);
    } else this.tables.set(p.table, { progress: p, started });
    this.redraw();
  }

  /** A log line, written above the live block. */
  above(line: string): void {
    this.clear();
    this.stream.write(`${line}\n`);
    this.redraw();
  }

  stop(): void {
    clearInterval(this.timer);
    this.clear();
  }

  private redraw(): void {
    this.clear();
    const lines = [...this.tables.values()].map(({ progress, started }) => this.fit(renderProgressLine({ ...progress, elapsedMs: this.now() - started })));
    if (lines.length === 0) return;
    this.stream.write(CLEAR_LINE + lines.join(`\n${CLEAR_LINE}`));
    this.drawn = lines.length;
  }

  private clear(): void {
    if (this.drawn === 0) return;
    this.stream.write(CLEAR_LINE + `${UP}${CLEAR_LINE}`.repeat(this.drawn - 1));
    this.drawn = 0;
  }

  /** One terminal row per line: a wrapped line could not be redrawn in place. */
  private fit(line: string): string {
    const width = this.stream.columns;
    return width && line.length >= width ? `${line.slice(0, Math.max(1, width - 2))}…` : line;
  }
}
