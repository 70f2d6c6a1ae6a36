import { describe, expect, it } from 'vitest';
import { ProgressReporter, type TableProgress } from '../../src/engine/progress.js';
import { firstPassRowsPerStatement } from '../../src/engine/reconcile-table.js';
import { createLogger } from '../../src/util/logger.js';

describe('engine progress events', () => {
  it('every step goes to the listener; JSON lines only at each tenth and each change of stage', () => {
    const lines: Array<{ msg: string; stage: string; rowsDone: number }> = [];
    const events: TableProgress[] = [];
    const log = createLogger({ sink: (l) => lines.push(JSON.parse(l)) });
    const p = new ProgressReporter('t', 1000, log, (e) => events.push(e));
    for (let done = 0; done <= 1000; done += 25) p.report('checksum', done);
    p.report('diff', 1000);
    p.report('done', 1000);
    expect(events).toHaveLength(43);
    expect(lines.filter((l) => l.stage === 'checksum').map((l) => l.rowsDone)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    expect(lines.slice(-2).map((l) => l.stage)).toEqual(['diff', 'done']);
  });

  it('the estimate grows to the rows seen when the catalog undercounted', () => {
    const events: TableProgress[] = [];
    new ProgressReporter('t', 100, createLogger({ sink: () => undefined }), (e) => events.push(e)).report('checksum', 150);
    expect(events[0]).toEqual({ table: 't', stage: 'checksum', rowsDone: 150, rowsEstimate: 150 });
  });
});

describe('first-pass statement size', () => {
  it('one statement a side up to 100,000 rows, then statements of 100,000 rows (never below a segment)', () => {
    expect(firstPassRowsPerStatement(50_000, 10_000)).toBe(50_000);
    expect(firstPassRowsPerStatement(10_000_000, 10_000)).toBe(100_000);
    expect(firstPassRowsPerStatement(10_000_000, 1_000_000)).toBe(1_000_000);
  });
});
