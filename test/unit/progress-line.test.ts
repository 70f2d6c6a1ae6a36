import { describe, expect, it } from 'vitest';
import { drawsLine, LiveProgress } from '../../src/cli/live-progress.js';
import { count, duration, renderProgressLine } from '../../src/util/progress-line.js';

describe('progress line', () => {
  it('shows rows of the estimate, rate and ETA', () => {
    const line = renderProgressLine({ table: 'orders', stage: 'checksum', rowsDone: 2_500_000, rowsEstimate: 10_000_000, elapsedMs: 10_000 });
    expect(line).toBe('orders: checksum · 2.50M of ~10.00M rows (25%) · 250.0k rows/s · ETA 30s · elapsed 10s');
  });

  it('never shows fewer rows than done, and no ETA before anything is done', () => {
    expect(renderProgressLine({ table: 't', stage: 'checksum', rowsDone: 1200, rowsEstimate: 1000, elapsedMs: 1000 })).toContain('1200 of ~1200 rows (100%)');
    expect(renderProgressLine({ table: 't', stage: 'checksum', rowsDone: 0, rowsEstimate: 1000, elapsedMs: 0 })).toContain('ETA ?');
  });

  it('drops the ETA once every row is checked (narrowing to rows has no row count to go by)', () => {
    const line = renderProgressLine({ table: 't', stage: 'diff', rowsDone: 1000, rowsEstimate: 1000, elapsedMs: 125_000 });
    expect(line).toBe('t: diff · 1000 of ~1000 rows (100%) · 8 rows/s · elapsed 2m05s');
  });

  it('short counts and durations', () => {
    expect([count(999), count(12_345), count(1_234_567), count(2_000_000_000)]).toEqual(['999', '12.3k', '1.23M', '2.00G']);
    expect([duration(59.4), duration(187), duration(3720)]).toEqual(['59s', '3m07s', '1h02m']);
  });
});

describe('live progress on a terminal', () => {
  function terminal() {
    const writes: string[] = [];
    let now = 0;
    const live = new LiveProgress({ write: (t: string) => writes.push(t), columns: 200 }, () => now);
    return { live, writes, tick: (ms: number) => (now += ms), screen: () => writes.join('') };
  }

  it('redraws the table line in place at each event, and keeps the final line', () => {
    const t = terminal();
    t.live.update({ table: 'orders', stage: 'checksum', rowsDone: 0, rowsEstimate: 300_000 });
    t.tick(1000);
    t.live.update({ table: 'orders', stage: 'checksum', rowsDone: 100_000, rowsEstimate: 300_000 });
    t.tick(1000);
    t.live.update({ table: 'orders', stage: 'done', rowsDone: 300_000, rowsEstimate: 300_000 });
    t.live.stop();
    const s = t.screen();
    expect(s).toContain('orders: checksum · 0 of ~300.0k rows (0%)');
    expect(s).toContain('\r\x1b[2Korders: checksum · 100.0k of ~300.0k rows (33%) · 100.0k rows/s · ETA 2s');
    expect(s.endsWith('orders: done · 300.0k of ~300.0k rows (100%) · 150.0k rows/s · elapsed 2s\n')).toBe(true);
    // Only the final line ends with a newline: the live ones are overwritten.
    expect(s).not.toMatch(/checksum[^\r]*\n/);
  });

  it('one line per table; log lines go above the block', () => {
    const t = terminal();
    t.live.update({ table: 'a', stage: 'checksum', rowsDone: 1, rowsEstimate: 10 });
    t.live.update({ table: 'b', stage: 'checksum', rowsDone: 2, rowsEstimate: 10 });
    t.writes.length = 0;
    t.live.above('{"msg":"connected"}');
    const s = t.screen();
    // Clear both lines (one move up), write the log line, draw both again.
    expect(s.startsWith('\r\x1b[2K\x1b[1A\r\x1b[2K{"msg":"connected"}\n\r\x1b[2Ka: checksum')).toBe(true);
    expect(s).toContain('\n\r\x1b[2Kb: checksum');
    t.live.stop();
  });

  it('cuts a line to the terminal width so it can be redrawn in place', () => {
    const writes: string[] = [];
    const live = new LiveProgress({ write: (t: string) => writes.push(t), columns: 20 }, () => 0);
    live.update({ table: 'a_table_with_a_long_name', stage: 'checksum', rowsDone: 1, rowsEstimate: 10 });
    live.stop();
    expect(writes.join('')).toContain('a_table_with_a_lon…');
  });
});

describe('when the line is drawn', () => {
  it('on an interactive terminal outside CI, or when asked', () => {
    expect(drawsLine('auto', { isTTY: true }, {})).toBe(true);
    expect(drawsLine('auto', { isTTY: true }, { CI: 'true' })).toBe(false);
    expect(drawsLine('auto', { isTTY: false }, {})).toBe(false);
    expect(drawsLine('auto', {}, { CDC_RECON_PROGRESS: 'line' })).toBe(true);
    expect(drawsLine('auto', { isTTY: true }, { CDC_RECON_PROGRESS: 'json' })).toBe(false);
    expect(drawsLine('line', {}, { CI: 'true' })).toBe(true);
    expect(drawsLine('json', { isTTY: true }, {})).toBe(false);
  });
});
