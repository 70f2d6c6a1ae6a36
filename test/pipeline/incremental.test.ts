/**
 * scope: incremental on the live pipeline, through the real CLI with a state file: a 2M-row table on both
 * sides, about 1 % of it changed on the source and delivered by Debezium and the sink; drift planted in the
 * target among the changed rows is found by the incremental run, drift in a row nothing marks changed is found
 * by the rolling slice within `coverage` runs, and the rows each run reads on the target (counted by the
 * server) are about changed keys + table / coverage.
 *
 * The 2M rows are loaded on each side directly (on the source into an UNLOGGED table made LOGGED after: a
 * table rewrite is not decoded, so the pipeline does not carry the seed); every change after goes through it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunReport, TableResult } from '../../src/report/model.js';
import { tableRowsRead } from '../support/pg.js';
import { cliEntry, pipeline, query, until } from './support.js';

const execFileP = promisify(execFile);
const p = pipeline();
const ROWS = 2_000_000;
const COVERAGE = 4;
const DDL = (unlogged: boolean) =>
  `CREATE ${unlogged ? 'UNLOGGED ' : ''}TABLE app.inc_events (id bigint PRIMARY KEY, v text NOT NULL, updated_at timestamptz NOT NULL)`;
const SEED = `INSERT INTO app.inc_events SELECT i, 'event ' || i, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 second' FROM generate_series(1, ${ROWS}) i`;
const INDEX = 'CREATE INDEX inc_events_updated_at ON app.inc_events (updated_at)';

let dir: string;
let configFile: string;
let stateFile: string;

async function run(): Promise<{ t: TableResult; read: number }> {
  const before = await tableRowsRead(p.target.url, 'inc_events');
  const args = [cliEntry(), 'reconcile', '-c', configFile, '--json', '--fail-on', 'never', '--state-file', stateFile, '--report-dir', join(dir, 'reports'), '--log-level', 'warn'];
  const { stdout } = await execFileP('node', args, {
    env: { ...process.env, PIPELINE_SOURCE_URL: p.source.url, PIPELINE_TARGET_URL: p.target.url },
    maxBuffer: 64 * 1024 * 1024,
  });
  const report = JSON.parse(stdout) as RunReport;
  return { t: report.tables[0]!, read: (await tableRowsRead(p.target.url, 'inc_events')) - before };
}

const digest = (url: string, where: string) =>
  query<{ h: string }>(url, `SELECT md5(string_agg(t::text, ',' ORDER BY id)) AS h FROM app.inc_events t WHERE ${where}`).then((r) => r[0]!.h);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cdc-recon-incremental-'));
  configFile = join(dir, 'recon.yml');
  stateFile = join(dir, 'state.json');
  writeFileSync(configFile, [
    'version: 1',
    'source: { dialect: postgres, urlEnv: PIPELINE_SOURCE_URL, schema: app }',
    'target: { dialect: postgres, urlEnv: PIPELINE_TARGET_URL, schema: app }',
    'defaults: { maxDiffRows: 100000, recheckDelay: 5s }',
    'tables:',
    '  - table: inc_events',
    '    scope: incremental',
    `    incremental: { changeColumn: updated_at, overlap: 1m, coverage: ${COVERAGE} }`,
    '',
  ].join('\n'));
  await query(p.target.url, DDL(false));
  await query(p.target.url, SEED);
  await query(p.target.url, INDEX);
  await query(p.source.url, DDL(true));
  await query(p.source.url, SEED);
  await query(p.source.url, 'ALTER TABLE app.inc_events SET LOGGED');
  await query(p.source.url, INDEX);
  await query(p.source.url, 'ANALYZE app.inc_events');
  await query(p.target.url, 'ANALYZE app.inc_events');
});

describe.sequential('scope: incremental on the live pipeline', () => {
  it('the first run is full and sets the starting point', async () => {
    const { t } = await run();
    expect(t.status).toBe('match');
    expect(t.incremental).toMatchObject({ scope: 'full', coverage: COVERAGE });
  });

  it('1 % changed through the pipeline: the incremental run finds the drift planted among the changed rows, reading about changed + table / coverage rows', async () => {
    // About 1 % of the rows change on the source; Debezium and the sink deliver them.
    await query(p.source.url, `UPDATE app.inc_events SET v = v || ' (edited)', updated_at = clock_timestamp() WHERE id % 100 = 7`);
    const changedWhere = 'id % 100 = 7';
    await until(async () => (await digest(p.source.url, changedWhere)) === (await digest(p.target.url, changedWhere)), (v) => v, 'the changes delivered', 240_000, 1000);
    // Drift among the changed rows, on the target only: a lost update, a lost row, a row the source never had.
    await query(p.target.url, "UPDATE app.inc_events SET v = 'stale' WHERE id = 1500007");
    await query(p.target.url, 'DELETE FROM app.inc_events WHERE id = 1700007');
    await query(p.target.url, "INSERT INTO app.inc_events VALUES (9000001, 'only on the target', clock_timestamp())");
    const { t, read } = await run();
    expect(t.incremental).toMatchObject({ scope: 'incremental', slice: { index: 1, count: COVERAGE } });
    const changed = t.incremental!.changedKeys!;
    expect(changed).toBeGreaterThanOrEqual(ROWS / 100 + 1);
    expect(changed).toBeLessThan(ROWS / 100 + 200);
    expect(t.rows.map((r) => `${r.kind} ${r.key.id}`).sort()).toEqual(['changed 1500007', 'extra 9000001', 'missing 1700007']);
    // Counted by the target server: about the changed keys and a quarter of the table, never the whole of it.
    expect(read).toBeGreaterThan(0.7 * (ROWS / COVERAGE));
    expect(read).toBeLessThan(1.3 * (ROWS / COVERAGE) + 3 * changed);
    process.stderr.write(`\nincremental on the live pipeline: ${changed} changed keys, ${read} rows read on the target of ${ROWS} (${((100 * read) / ROWS).toFixed(1)} %)\n`);
    // Put the target right for the next step.
    await query(p.target.url, "UPDATE app.inc_events t SET v = s.v FROM (VALUES (1500007::bigint, 'event 1500007 (edited)')) s(id, v) WHERE t.id = s.id");
    await query(p.target.url, 'DELETE FROM app.inc_events WHERE id = 9000001');
    await query(p.source.url, "UPDATE app.inc_events SET v = v || '!', updated_at = clock_timestamp() WHERE id = 1700007");
    await until(async () => (await query(p.target.url, 'SELECT 1 FROM app.inc_events WHERE id = 1700007')).length, (n) => n === 1, 'row 1700007 back through the pipeline', 120_000);
  });

  it('drift in a row nothing marks changed is found by the rolling slice within coverage runs', async () => {
    await query(p.target.url, "UPDATE app.inc_events SET v = v || ' ~' WHERE id = 1234567");
    const found: number[] = [];
    for (let r = 0; r < COVERAGE; r++) {
      const { t } = await run();
      expect(t.incremental?.scope).toBe('incremental');
      if (t.rows.some((row) => row.key.id === '1234567' && row.kind === 'changed')) found.push(t.incremental!.slice!.index);
      else expect(t.rows).toEqual([]);
    }
    expect(found).toHaveLength(1);
  });
});
