/**
 * Integer keys at the ends of their types (issue 20, items 1 and 2), on PostgreSQL, through the engine:
 *  - keys spanning more than 2^63 (-9e18 .. 9e18): the range-bucket offset must not overflow bigint;
 *  - a sentinel key at the type's maximum: power-of-two bucket widths from the lowest key put the last upper
 *    bound past it, and no bound outside the key type's range may reach the database.
 * The same bucket arithmetic and clamping serve SQL Server (see test/unit/mssql-statements.test.ts and the
 * contract case "keys at the ends of bigint").
 */
import pLimit from 'p-limit';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { postgresDialect } from '../../src/dialects/postgres/index.js';
import type { Endpoint, Statement } from '../../src/dialects/types.js';
import { planTable } from '../../src/engine/plan.js';
import { ClientReader, ServerReader } from '../../src/engine/reader.js';
import { reconcileTable } from '../../src/engine/reconcile-table.js';
import { QueryRunner } from '../../src/engine/runner.js';
import { silentLogger } from '../../src/util/logger.js';
import { createDatabase, exec } from '../support/pg.js';
import { rowsOf } from '../support/recon.js';

const CONNECT = { poolSize: 2, statementTimeoutMs: 60_000, connectTimeoutMs: 10_000, applicationName: 'key-extremes' };

/** Every bigint-typed parameter a statement sends (range bounds, bucket base and width). */
function boundValues(s: Statement): bigint[] {
  const out: bigint[] = [];
  s.values.forEach((v, i) => {
    const cast = new RegExp(`\\$${i + 1}::(bigint|numeric)(\\[\\])?`).exec(s.text);
    if (!cast || cast[1] !== 'bigint') return;
    for (const x of Array.isArray(v) ? v : [v]) out.push(BigInt(x as string));
  });
  return out;
}

async function reconcileRecording(type: string, sourceRows: string, targetRows: string, hash: 'server' | 'client', chunkSize: number) {
  const [s, t] = await Promise.all([createDatabase('ks'), createDatabase('kt')]);
  const ddl = `CREATE TABLE k (id ${type} PRIMARY KEY, v text);`;
  await Promise.all([exec(s.url, ddl + sourceRows), exec(t.url, ddl + targetRows)]);
  const config = parseConfig(`source: { dialect: postgres, urlEnv: S }\ntarget: { dialect: postgres, urlEnv: T }\ntables: [{ table: k, chunkSize: ${chunkSize}, leafSize: 2, hash: ${hash} }]`, 'inline.yml');
  const sent: Statement[] = [];
  const record = (ep: Endpoint): Endpoint => {
    const query = ep.query.bind(ep);
    const stream = ep.stream.bind(ep);
    ep.query = ((st: Statement) => (sent.push(st), query(st))) as Endpoint['query'];
    ep.stream = ((st: Statement, n: number) => (sent.push(st), stream(st, n))) as Endpoint['stream'];
    return ep;
  };
  const [se, te] = await Promise.all([postgresDialect.connect(s.url, 'source', CONNECT), postgresDialect.connect(t.url, 'target', CONNECT)]);
  try {
    record(se);
    record(te);
    const spec = config.tables[0]!;
    const plan = await planTable({ spec, source: { dialect: postgresDialect, endpoint: se }, target: { dialect: postgresDialect, endpoint: te } });
    const runner = (ep: Endpoint) => new QueryRunner(ep, postgresDialect, pLimit(2), 0, silentLogger);
    const Reader = hash === 'client' ? ClientReader : ServerReader;
    const readers = { source: new Reader(runner(se), plan.source), target: new Reader(runner(te), plan.target) };
    const result = await reconcileTable(plan, readers, { logger: silentLogger });
    return { result, sent };
  } finally {
    await Promise.all([se.close(), te.close()]);
  }
}

const rows = (keys: Array<string | bigint | number>, value = (k: string) => `'v${k}'`) =>
  `INSERT INTO k VALUES ${keys.map((k) => `(${k}, ${value(String(k))})`).join(', ')};`;

const DOMAINS: Array<[string, bigint, bigint]> = [
  ['bigint', -(2n ** 63n), 2n ** 63n - 1n],
  ['integer', -(2n ** 31n), 2n ** 31n - 1n],
  ['smallint', -32768n, 32767n],
];

describe.each(['server', 'client'] as const)('integer keys at the ends of their types (%s hashing)', (hash) => {
  it('bigint keys from -9e18 to 9e18 (a span past 2^63): drift found exactly, no "bigint out of range"', async () => {
    const keys = [-9_000_000_000_000_000_000n, -5n, 0n, 7n, 9_000_000_000_000_000_000n];
    const target = `${rows(keys.filter((k) => k !== 7n), (k) => (k === '9000000000000000000' ? "'changed'" : `'v${k}'`))} INSERT INTO k VALUES (8, 'extra');`;
    const { result } = await reconcileRecording('bigint', rows(keys), target, hash, 10);
    expect(result.status).toBe('mismatch');
    expect(rowsOf(result)).toEqual(['changed 9000000000000000000 [v]', 'extra 8', 'missing 7']);
  });

  for (const [type, min, max] of DOMAINS) {
    it(`${type} keys 1..40 and the type's maximum ${max}: every range bound sent stays in the type's range, drift found`, async () => {
      // Power-of-two widths from key 1 put the last bucket's upper bound at max + 1 without the clamp.
      const keys = [...Array.from({ length: 40 }, (_, i) => BigInt(i + 1)), max - 1n, max];
      const target = rows(keys, (k) => (k === String(max) || k === '1' ? "'changed'" : `'v${k}'`));
      const { result, sent } = await reconcileRecording(type, rows(keys), target, hash, 10);
      expect(rowsOf(result)).toEqual([`changed ${max} [v]`, 'changed 1 [v]'].sort());
      const bounds = sent.filter((s) => s.label !== 'key-bounds').flatMap(boundValues);
      expect(bounds.length).toBeGreaterThan(0);
      for (const b of bounds) {
        expect(b >= min && b <= max, `bound ${b} within ${type}`).toBe(true);
      }
    });
  }

  it('bigint keys at both ends of the type (-9223372036854775808 and 9223372036854775807)', async () => {
    const [min, max] = [-(2n ** 63n), 2n ** 63n - 1n];
    const keys = [min, min + 1n, 0n, max - 1n, max];
    const target = rows(keys, (k) => (k === String(max) || k === String(min) ? "'changed'" : `'v${k}'`));
    const { result } = await reconcileRecording('bigint', rows(keys), target, hash, 10);
    expect(rowsOf(result)).toEqual([`changed ${max} [v]`, `changed ${min} [v]`].sort());
  });

  it('a sentinel at the bigint maximum above a dense low range (keys 1..60 and 9223372036854775807)', async () => {
    const keys = [...Array.from({ length: 60 }, (_, i) => BigInt(i + 1)), 2n ** 63n - 1n];
    const target = rows(keys, (k) => (k === String(2n ** 63n - 1n) || k === '60' ? "'x'" : `'v${k}'`));
    const { result } = await reconcileRecording('bigint', rows(keys), target, hash, 10);
    expect(rowsOf(result)).toEqual(['changed 60 [v]', `changed ${2n ** 63n - 1n} [v]`]);
    const seg = result.mismatchedSegments.map((m) => m.range!.map(BigInt) as [bigint, bigint]);
    for (const [lo, hi] of seg) expect(lo <= hi && hi <= 2n ** 63n - 1n).toBe(true);
  });
});
