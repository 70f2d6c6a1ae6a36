/**
 * scope: incremental on real PostgreSQL, through the CLI's application layer with a state file: the first run
 * is full and sets the starting point; later runs verify exactly the keys changed since (a missed update, a
 * row only on the target, a missed insert, a row deleted from the target, all among changed keys), plus a
 * rolling slice that finds drift in an unchanged row within `coverage` runs; the rows each run reads (counted
 * by the server) are about changed keys + table / coverage; a state that is missing, unreadable or whose
 * change column went backwards gives a full run that says why.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { reconcile } from '../../src/app/reconcile.js';
import type { RunReport, TableResult } from '../../src/report/model.js';
import { silentLogger } from '../../src/util/logger.js';
import { createDatabase, exec, tableRowsRead } from '../support/pg.js';

const ROWS = 200_000;
const COVERAGE = 4;

const CONFIG = `
source: { dialect: postgres, urlEnv: INC_SOURCE_URL, schema: public }
target: { dialect: postgres, urlEnv: INC_TARGET_URL, schema: public }
defaults: { maxDiffRows: 100000 }
tables:
  - table: events
    scope: incremental
    incremental: { changeColumn: updated_at, overlap: 1m, coverage: ${COVERAGE} }
`;


describe('scope: incremental', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let configFile: string;
  let stateFile: string;
  let src: string;
  let tgt: string;

  async function run(extra: { stateFile?: string; scope?: 'full' | 'incremental' } = {}): Promise<{ report: RunReport; t: TableResult; read: number }> {
    const before = await tableRowsRead(tgt, 'events');
    const outcome = await reconcile({
      configFile,
      overrides: { scope: extra.scope },
      reportDir: join(dir, 'reports'),
      failOn: 'mismatch',
      env,
      logger: silentLogger,
      incrementalState: { file: extra.stateFile ?? stateFile },
      sinkReporter: { info: () => {}, warning: () => {} },
    });
    const t = outcome.report.tables[0]!;
    return { report: outcome.report, t, read: (await tableRowsRead(tgt, 'events')) - before };
  }

  /** The same change on both sides, as the pipeline would deliver it. */
  async function changeBoth(sql: string) {
    await exec(src, sql);
    await exec(tgt, sql);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'incremental-'));
    src = (await createDatabase('inc_src')).url;
    tgt = (await createDatabase('inc_tgt')).url;
    env = { ...process.env, INC_SOURCE_URL: src, INC_TARGET_URL: tgt };
    configFile = join(dir, 'recon.yml');
    stateFile = join(dir, 'state.json');
    writeFileSync(configFile, CONFIG);
    for (const url of [src, tgt]) {
      await exec(
        url,
        `CREATE TABLE events (id bigint PRIMARY KEY, v text NOT NULL, updated_at timestamptz NOT NULL);
         INSERT INTO events SELECT i, 'event ' || i, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 second' FROM generate_series(1, ${ROWS}) i;
         CREATE INDEX events_updated_at ON events (updated_at);
         ANALYZE events;`,
      );
    }
  }, 300_000);

  it('the first run is full (no state) and writes the state', async () => {
    const { t } = await run();
    expect(t.status).toBe('match');
    expect(t.incremental).toMatchObject({ scope: 'full', changeColumn: 'updated_at', coverage: COVERAGE, coverageAgeSeconds: 0 });
    expect(t.incremental?.reason).toMatch(/no state/);
    expect(t.incremental?.watermark).toBe('2026-01-03 07:33:20+00');
    const state = JSON.parse(readFileSync(stateFile, 'utf8'));
    expect(state.tables.events).toMatchObject({ watermark: '2026-01-03 07:33:20+00', nextSlice: 0, coverage: COVERAGE });
  });

  it('then verifies the changed keys and one slice, finding drift among the changed rows, reading about changed + table / coverage rows', async () => {
    // About 1 % of the rows change on both sides, as the pipeline delivers them.
    await changeBoth(`UPDATE events SET v = v || ' (edited)', updated_at = timestamptz '2026-02-01 00:00:00+00' + id * interval '1 millisecond' WHERE id % 100 = 3`);
    // Drift among changed rows: a missed update, a missed insert, a row only on the target, a row deleted from the target.
    await exec(src, `UPDATE events SET v = 'missed update', updated_at = timestamptz '2026-02-02 00:00:00+00' WHERE id = 150007`);
    await exec(src, `INSERT INTO events VALUES (${ROWS + 1}, 'missed insert', timestamptz '2026-02-02 00:00:00+00')`);
    await exec(tgt, `INSERT INTO events VALUES (${ROWS + 2}, 'only on the target', timestamptz '2026-02-02 00:00:00+00')`);
    await exec(tgt, `DELETE FROM events WHERE id = 170003`);
    const { t, read } = await run();
    expect(t.incremental).toMatchObject({ scope: 'incremental', slice: { index: 1, count: COVERAGE } });
    expect(t.incremental!.since).toBe('2026-01-03 07:32:20+00');
    // 1 % changed on both sides, the 3 planted ones, and the rows of the overlap (the last minute before the watermark).
    const changed = ROWS / 100 + 3 + 61;
    expect(t.incremental!.changedKeys).toBe(changed);
    const rows = t.rows.map((r) => `${r.kind} ${r.key.id}`).sort();
    expect(rows).toEqual(['changed 150007', `extra ${ROWS + 2}`, 'missing 170003', `missing ${ROWS + 1}`].sort());
    expect(t.status).toBe('mismatch');
    // What the run read on the target, counted by the server: about the changed keys and a quarter of the table.
    expect(read).toBeGreaterThan(0.7 * (ROWS / COVERAGE));
    expect(read).toBeLessThan(1.3 * (ROWS / COVERAGE) + 3 * changed);
    expect(t.incremental!.coverageAgeSeconds).toBeGreaterThanOrEqual(0);
  });

  it('drift in a row nothing marks changed is found by the rolling slice within coverage runs', async () => {
    // Heal the earlier drift, then a manual write on the target that leaves updated_at alone.
    await exec(src, `DELETE FROM events WHERE id = ${ROWS + 1}`);
    await exec(tgt, `UPDATE events SET v = 'missed update', updated_at = timestamptz '2026-02-02 00:00:00+00' WHERE id = 150007`);
    await exec(tgt, `DELETE FROM events WHERE id = ${ROWS + 2}`);
    await exec(tgt, `INSERT INTO events SELECT * FROM (VALUES (170003::bigint, 'event 170003 (edited)', timestamptz '2026-02-01 00:00:00+00' + 170003 * interval '1 millisecond')) v`);
    await exec(tgt, `UPDATE events SET v = v || ' ~' WHERE id = 123456`);
    const found: number[] = [];
    for (let r = 2; r <= COVERAGE + 1; r++) {
      const { t } = await run();
      expect(t.incremental?.scope).toBe('incremental');
      if (t.rows.some((row) => row.key.id === '123456' && row.kind === 'changed')) found.push(t.incremental!.slice!.index);
      else expect(t.rows).toEqual([]);
    }
    // Found exactly once in a full cycle of slices, by the slice that holds key 123456.
    expect(found).toHaveLength(1);
    await exec(tgt, `UPDATE events SET v = 'event 123456' WHERE id = 123456`);
  });

  it('a state it cannot read, or a change column that went backwards, gives a full run that says why', async () => {
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ not json');
    const unreadable = await run({ stateFile: broken });
    expect(unreadable.t.incremental).toMatchObject({ scope: 'full' });
    expect(unreadable.t.status).toBe('match');

    await changeBoth(`UPDATE events SET updated_at = timestamptz '2020-01-01 00:00:00+00'`);
    const back = await run();
    expect(back.t.incremental?.scope).toBe('full');
    expect(back.t.incremental?.reason).toMatch(/went backwards/);
    expect(back.t.status).toBe('match');
    expect(back.t.counts).toEqual({ source: ROWS, target: ROWS });
    // The next run is incremental again, from the new starting point.
    const next = await run();
    expect(next.t.incremental?.scope).toBe('incremental');
    expect(next.t.incremental?.changedKeys).toBe(ROWS);
  });
});
