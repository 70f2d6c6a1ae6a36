/**
 * One table's progress as a line a person reads on a terminal: rows checked of
 * the estimate, rate and ETA. Pure (no clock, no stream) so it can be tested.
 */
export interface ProgressState {
  table: string;
  /** What the engine is doing: 'checksum' (first pass), 'diff' (bisection and rows), 'done'. */
  stage: string;
  rowsDone: number;
  /** The catalog's estimate; the line never shows fewer than the rows done. */
  rowsEstimate: number;
  elapsedMs: number;
}

export function renderProgressLine(p: ProgressState): string {
  const total = Math.max(p.rowsEstimate, p.rowsDone);
  const pct = total > 0 ? Math.min(100, (100 * p.rowsDone) / total) : 100;
  const seconds = p.elapsedMs / 1000;
  const rate = seconds > 0 ? p.rowsDone / seconds : 0;
  const parts = [`${p.table}: ${p.stage}`, `${count(p.rowsDone)} of ~${count(total)} rows (${pct.toFixed(0)}%)`, `${count(rate)} rows/s`];
  if (p.stage === 'checksum') parts.push(`ETA ${rate > 0 && total > p.rowsDone ? duration((total - p.rowsDone) / rate) : rate > 0 ? '0s' : '?'}`);
  parts.push(`elapsed ${duration(seconds)}`);
  return parts.join(' · ');
}

/** 1234567 -> "1.23M": short enough for one terminal line. */
export function count(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (abs >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

/** Seconds as "42s", "3m07s", "1h02m". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
