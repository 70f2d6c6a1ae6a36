/**
 * One table across runners: with shard i/n, a table of at least `splitRows` rows is reconciled by every
 * shard, each one a part of it. A 2M-row integer-keyed table (cut at the quantiles of its pg_stats
 * histogram) and a text-keyed table (split by hash segment) over 4 shards merge to exactly the result of one
 * unsharded run, segments included; the rows each shard's statements read are measured on the server
 * (pg_stat_user_tables), not assumed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { runReconcile } from '../../src/engine/run.js';
import { mergeReports } from '../../src/report/merge.js';
import type { RunReport, TableResult } from '../../src/report/model.js';
import { silentLogger } from '../../src/util/logger.js';
import { comparableTable } from '../support/compare.js';
import { createDatabase, exec, tableRowsRead } from '../support/pg.js';

const ROWS = 2_000_000;
const SHARDS = 4;

const CONFIG = `
source: { dialect: postgres, urlEnv: SPLIT_SOURCE_URL, schema: public }
target: { dialect: postgres, urlEnv: SPLIT_TARGET_URL, schema: public }
defaults: { maxDiffRows: 100000, splitRows: 1000000 }
tables:
  - table: big
  - table: tagged
    splitRows: 1000
  - table: small
`;


function table(r: RunReport, name: string): TableResult {
  return r.tables.find((t) => t.table === name)!;
}

describe('one table across shards', () => {
  let env: Record<string, string>;
  beforeAll(async () => {
    const src = await createDatabase('split_src');
    const tgt = await createDatabase('split_tgt');
    env = { SPLIT_SOURCE_URL: src.url, SPLIT_TARGET_URL: tgt.url };
    for (const url of [src.url, tgt.url]) {
      await exec(
        url,
        `CREATE TABLE big (id bigint PRIMARY KEY, qty int NOT NULL, label text NOT NULL);
         INSERT INTO big SELECT i * 3, i % 1000, 'row ' || i FROM generate_series(1, ${ROWS}) i;
         CREATE TABLE tagged (tag text PRIMARY KEY, v int);
         INSERT INTO tagged SELECT 'tag ' || i, i FROM generate_series(1, 20000) i;
         CREATE TABLE small (id int PRIMARY KEY, v text);
         INSERT INTO small SELECT i, 'v' || i FROM generate_series(1, 50) i;`,
      );
    }
    // Scattered drift in every part of both split tables: changed, missing and extra rows.
    await exec(
      tgt.url,
      `UPDATE big SET label = label || '~' WHERE id IN (SELECT i * 3 FROM generate_series(7, ${ROWS}, 99991) i);
       DELETE FROM big WHERE id IN (SELECT i * 3 FROM generate_series(50021, ${ROWS}, 199999) i);
       INSERT INTO big SELECT i * 3 + 1, 0, 'extra' FROM generate_series(1000, ${ROWS}, 333331) i;
       UPDATE tagged SET v = -v WHERE v % 2500 = 7;
       DELETE FROM tagged WHERE v % 4000 = 11;
       INSERT INTO tagged VALUES ('extra a', 1), ('extra b', 2);
       UPDATE small SET v = 'changed' WHERE id = 5;`,
    );
    for (const url of [src.url, tgt.url]) await exec(url, 'ANALYZE');
  }, 300_000);

  it('4 shards merge to the unsharded result; each shard reads about a quarter of the big table', async () => {
    const config = parseConfig(CONFIG, 'split.yml');
    const whole = await runReconcile({ config, logger: silentLogger, env });
    expect(whole.status).toBe('mismatch');
    expect(table(whole, 'big').drift).toEqual({ missing: 10, extra: 6, changed: 21 });

    const shards: RunReport[] = [];
    const read: number[] = [];
    for (let index = 1; index <= SHARDS; index++) {
      const before = await tableRowsRead(env.SPLIT_TARGET_URL!, 'big');
      shards.push(await runReconcile({ config, logger: silentLogger, env, shard: { index, count: SHARDS } }));
      read.push((await tableRowsRead(env.SPLIT_TARGET_URL!, 'big')) - before);
    }
    // Both split tables are in every shard, as parts; the small one in exactly one shard, whole.
    for (const [i, s] of shards.entries()) {
      expect(table(s, 'big').part).toEqual({ index: i + 1, count: SHARDS, maxDiffRows: 100000 });
      expect(table(s, 'tagged').part).toEqual({ index: i + 1, count: SHARDS, maxDiffRows: 100000 });
    }
    expect(shards.filter((s) => s.tables.some((t) => t.table === 'small'))).toHaveLength(1);
    // Every shard's statements read about a quarter of the rows (measured by the server).
    for (const n of read) {
      expect(n).toBeGreaterThan(0.15 * ROWS);
      expect(n).toBeLessThan(0.4 * ROWS);
    }
    // No part is empty and together they hold every row once.
    const counts = shards.map((s) => table(s, 'big').counts.source!);
    expect(counts.every((c) => c > 0.15 * ROWS)).toBe(true);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(ROWS);

    const merged = mergeReports(shards);
    expect(merged.warnings).toEqual([]);
    for (const name of ['big', 'tagged', 'small']) {
      const m = table(merged.report, name);
      const w = table(whole, name);
      expect(comparableTable(m)).toEqual(comparableTable(w));
      expect(m.segments).toEqual(w.segments);
      expect(m.part).toBeUndefined();
    }
    expect(merged.report.totals).toEqual(whole.totals);
  });

  it('a missing part makes the joined table an error, never a clean result', async () => {
    const config = parseConfig(CONFIG, 'split.yml');
    const shards: RunReport[] = [];
    for (const index of [1, 2, 4]) shards.push(await runReconcile({ config, logger: silentLogger, env, shard: { index, count: SHARDS }, tables: ['tagged'] }));
    const merged = mergeReports(shards);
    const t = table(merged.report, 'tagged');
    expect(t.status).toBe('error');
    expect(t.error?.message).toMatch(/part\(s\) 3 of 4 of this table were not reconciled/);
    expect(merged.report.status).toBe('error');
  });
});
