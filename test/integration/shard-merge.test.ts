/**
 * Sharded runs on the real demo pair merge to the same result as one
 * unsharded run; the split uses the catalog's row estimates.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { runReconcile } from '../../src/engine/run.js';
import { mergeReports } from '../../src/report/merge.js';
import type { RunReport } from '../../src/report/model.js';
import { silentLogger } from '../../src/util/logger.js';
import { comparableReport } from '../support/compare.js';
import { demoPair } from '../support/fixtures.js';
import { exec } from '../support/pg.js';

const CONFIG = `${readFileSync('scripts/demo/recon.yml', 'utf8')}
  - table: big_one
  - table: small_one
`;

describe('sharding on the demo pair', () => {
  it('splits by catalog estimates, covers every table once, and merges to the unsharded result', async () => {
    const db = await demoPair();
    for (const url of [db.source, db.target]) {
      await exec(url, `CREATE TABLE shop.big_one (id int PRIMARY KEY, v text);
        INSERT INTO shop.big_one SELECT i, md5(i::text) FROM generate_series(1, 20000) i;
        CREATE TABLE shop.small_one (id int PRIMARY KEY, v text);
        INSERT INTO shop.small_one VALUES (1, 'x');
        ANALYZE;`);
    }
    const env = { DEMO_SOURCE_URL: db.source, DEMO_TARGET_URL: db.target };
    const config = parseConfig(CONFIG, 'recon.yml');
    const whole = await runReconcile({ config, logger: silentLogger, env });
    expect(whole.status).toBe('mismatch');
    expect(whole.tables).toHaveLength(5);

    const shards: RunReport[] = [];
    for (const index of [1, 2, 3]) {
      shards.push(await runReconcile({ config, logger: silentLogger, env, shard: { index, count: 3 } }));
    }
    const names = shards.map((s) => s.tables.map((t) => t.table));
    // Largest first (estimates: big_one 20000, order_lines 3000, orders 2000, customers ~500, small_one 1):
    // big_one alone on shard 1, then order_lines, orders on 2 and 3, and the small ones fill shards 3 and 2.
    expect(names[0]).toEqual(['big_one']);
    expect(names.flat().sort()).toEqual(['big_one', 'customers', 'order_lines', 'orders', 'small_one']);
    expect(new Set(names.flat()).size).toBe(5);
    for (const s of shards) expect(s.shard?.count).toBe(3);

    const merged = mergeReports(shards);
    expect(merged.warnings).toEqual([]);
    expect(comparableReport(merged.report)).toEqual(comparableReport(whole));
    expect(merged.report.shard).toBeUndefined();
  });

  it('more shards than tables: the extra shards are empty and the merge is still complete', async () => {
    const db = await demoPair({ drift: false });
    const env = { DEMO_SOURCE_URL: db.source, DEMO_TARGET_URL: db.target };
    const config = parseConfig(readFileSync('scripts/demo/recon.yml', 'utf8'), 'recon.yml');
    const shards: RunReport[] = [];
    for (const index of [1, 2, 3, 4]) shards.push(await runReconcile({ config, logger: silentLogger, env, shard: { index, count: 4 } }));
    expect(shards.map((s) => s.tables.length).sort()).toEqual([0, 1, 1, 1]);
    const { report } = mergeReports(shards);
    expect(report.status).toBe('match');
    expect(report.totals.tables).toBe(3);
  });
});
