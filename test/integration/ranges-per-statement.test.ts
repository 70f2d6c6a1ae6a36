/**
 * Key ranges per statement are capped on every dialect (issue 20, item 8): scattered drift used to put
 * ~4,000 OR'ed BETWEENs into one T-SQL statement (Msg 8623). Proven here on PostgreSQL through the engine,
 * with every statement recorded; the cap is the engine's, so SQL Server gets the same statements
 * (its range lists are bound parameters up to the same 1,000, see test/unit/mssql-statements.test.ts).
 */
import pLimit from 'p-limit';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { postgresDialect } from '../../src/dialects/postgres/index.js';
import type { Endpoint, SegmentFilter, Statement } from '../../src/dialects/types.js';
import { planTable } from '../../src/engine/plan.js';
import { ServerReader } from '../../src/engine/reader.js';
import { chunkRanges, MAX_RANGES_PER_STATEMENT, reconcileTable } from '../../src/engine/reconcile-table.js';
import { QueryRunner } from '../../src/engine/runner.js';
import { silentLogger } from '../../src/util/logger.js';
import { createDatabase, exec } from '../support/pg.js';

const CONNECT = { poolSize: 2, statementTimeoutMs: 60_000, connectTimeoutMs: 10_000, applicationName: 'ranges-cap' };

/** The number of key ranges a PostgreSQL statement reads: the length of its bound lower-bound array, else 1 or 0. */
function rangesIn(s: Statement): number {
  const m = /unnest\(\$(\d+)::bigint\[\]/.exec(s.text);
  if (m) {
    // Bound as PostgreSQL's array literal text: {lo1,lo2,...}
    const literal = s.values[Number(m[1]) - 1] as string;
    expect(literal).toMatch(/^\{-?\d+(,-?\d+)*\}$/);
    return literal.split(',').length;
  }
  return / BETWEEN \$\d+::bigint AND /.test(s.text) ? 1 : 0;
}

describe('bisection of a smaller last first-pass bucket', () => {
  it('drift only in the last 64 keys (a bucket split by another factor than the rest) is found', async () => {
    const [s, t] = await Promise.all([createDatabase('ls'), createDatabase('lt')]);
    const ddl = 'CREATE TABLE k (id bigint PRIMARY KEY, v int); INSERT INTO k SELECT i, i FROM generate_series(1, 40000) i;';
    await Promise.all([exec(s.url, `${ddl} ANALYZE k;`), exec(t.url, `${ddl} UPDATE k SET v = -v WHERE id > 39936 AND id % 10 = 3 OR id % 1000 = 0; ANALYZE k;`)]);
    const { reconcileYaml } = await import('../support/recon.js');
    const r = await reconcileYaml('tables: [{ table: k, chunkSize: 10000, leafSize: 4, maxDiffRows: 100 }]', { source: s.url, target: t.url }, { overrides: { recheckDelayMs: 0 } });
    const keys = r.tables[0]!.rows.map((x) => x.key.id!).sort();
    const want = [...Array.from({ length: 40 }, (_, i) => String((i + 1) * 1000)), '39943', '39953', '39963', '39973', '39983', '39993'].sort();
    expect(keys).toEqual(want);
  });
});

describe('key ranges per statement', () => {
  it('chunkRanges cuts a long range list into statements of at most the cap, in order, nothing lost', () => {
    const ranges = Array.from({ length: 2_500 }, (_, i): [bigint, bigint] => [BigInt(i * 10), BigInt(i * 10 + 1)]);
    const parts = chunkRanges({ kind: 'ranges', ranges });
    expect(parts.map((p) => (p.kind === 'ranges' ? p.ranges.length : -1))).toEqual([1_000, 1_000, 500]);
    expect(parts.flatMap((p) => (p as Extract<SegmentFilter, { kind: 'ranges' }>).ranges)).toEqual(ranges);
    expect(chunkRanges({ kind: 'all' })).toEqual([{ kind: 'all' }]);
  });

  it('scattered drift on 4,000 rows: every statement reads at most 1,000 ranges, and every drifted row is found', async () => {
    const [s, t] = await Promise.all([createDatabase('rs'), createDatabase('rt')]);
    const ddl = 'CREATE TABLE k (id bigint PRIMARY KEY, v int); INSERT INTO k SELECT i, i FROM generate_series(1, 40000) i;';
    await Promise.all([exec(s.url, ddl), exec(t.url, `${ddl} UPDATE k SET v = -v WHERE id % 10 = 3; ANALYZE k;`)]);
    await exec(s.url, 'ANALYZE k;');
    const config = parseConfig('source: { dialect: postgres, urlEnv: S }\ntarget: { dialect: postgres, urlEnv: T }\ntables: [{ table: k, chunkSize: 10000, leafSize: 4, maxDiffRows: 10 }]', 'x.yml');
    const sent: Statement[] = [];
    const [se, te] = await Promise.all([postgresDialect.connect(s.url, 'source', CONNECT), postgresDialect.connect(t.url, 'target', CONNECT)]);
    try {
      for (const ep of [se, te]) {
        const query = ep.query.bind(ep);
        ep.query = ((st: Statement) => (sent.push(st), query(st))) as Endpoint['query'];
      }
      const plan = await planTable({ spec: config.tables[0]!, source: { dialect: postgresDialect, endpoint: se }, target: { dialect: postgresDialect, endpoint: te } });
      const runner = (ep: Endpoint) => new QueryRunner(ep, postgresDialect, pLimit(2), 0, silentLogger);
      const found: string[] = [];
      const result = await reconcileTable(plan, { source: new ServerReader(runner(se), plan.source), target: new ServerReader(runner(te), plan.target) }, { logger: silentLogger, onDrift: (_p, d) => found.push(...d.map((x) => x.keyText)) });
      // Every one, including the six in the last (smaller) first-pass bucket, 39937..40000.
      expect(found.sort()).toEqual(Array.from({ length: 4000 }, (_, i) => String(i * 10 + 3)).sort());
      expect(result.drift).toEqual({ missing: 0, extra: 0, changed: 4_000 });
      const most = Math.max(...sent.map(rangesIn));
      expect(most).toBeGreaterThan(MAX_RANGES_PER_STATEMENT / 2);
      expect(most).toBeLessThanOrEqual(MAX_RANGES_PER_STATEMENT);
    } finally {
      await Promise.all([se.close(), te.close()]);
    }
  });
});
