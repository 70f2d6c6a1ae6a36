/**
 * The plans PostgreSQL picks for the engine's statements on a table large
 * enough for the planner to care: a statement over many key ranges must be
 * one index range scan per range, never a scan of the whole table joined to
 * every range (which costs table size x ranges; minutes at 10M rows).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { getDialect } from '../../src/dialects/index.js';
import type { Bucketing, Dialect, Endpoint, SegmentFilter, SideTable, Statement } from '../../src/dialects/types.js';
import { planTable } from '../../src/engine/plan.js';
import { createDatabase, exec } from '../support/pg.js';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

function nodes(n: PlanNode): PlanNode[] {
  return [n, ...(n.Plans ?? []).flatMap(nodes)];
}

const ROWS = 200_000;

describe('statement plans on a 200k-row table', () => {
  let url: string;
  let dialect: Dialect;
  let endpoint: Endpoint;
  let table: SideTable;

  beforeAll(async () => {
    ({ url } = await createDatabase('plans'));
    await exec(
      url,
      `CREATE TABLE big (id bigint PRIMARY KEY, qty int NOT NULL, price numeric(12,2) NOT NULL, label text NOT NULL,
         at timestamptz NOT NULL, active boolean NOT NULL, ref uuid NOT NULL);
       INSERT INTO big SELECT i, i % 1000, (i % 100000) / 100.0, 'row ' || i, timestamptz '2024-01-01' + i * interval '1 second',
         i % 3 <> 0, md5(i::text)::uuid FROM generate_series(1, ${ROWS}) i;
       ANALYZE big;`,
    );
    const config = parseConfig('source: { dialect: postgres, urlEnv: U }\ntarget: { dialect: postgres, urlEnv: U }\ntables: [{ table: public.big }]\n', 'plans.yml');
    dialect = await getDialect('postgres');
    endpoint = await dialect.connect(url, 'source', { poolSize: 2, statementTimeoutMs: 60_000, connectTimeoutMs: 10_000, applicationName: 'plans-test' });
    const plan = await planTable({ spec: config.tables[0]!, source: { dialect, endpoint }, target: { dialect, endpoint } });
    table = plan.source;
  }, 120_000);

  afterAll(async () => {
    await endpoint?.close();
  });

  /**
   * The scan nodes on the table. Parallel plans are made as cheap as they are on a big, busy-to-hash
   * table (a few dozen ranges, 10M rows, the row hash), where PostgreSQL 15 picked a parallel seq scan
   * joined to every range: here, at test size, the statement must hold whatever the costs say.
   */
  async function scansOf(stmt: Statement): Promise<string[]> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    let res: pg.QueryResult;
    try {
      await client.query('SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0');
      res = await client.query(`EXPLAIN (FORMAT JSON) ${stmt.text}`, stmt.values);
    } finally {
      await client.end();
    }
    const root = (res.rows[0] as { 'QUERY PLAN': Array<{ Plan: PlanNode }> })['QUERY PLAN'][0]!.Plan;
    return nodes(root).filter((n) => n['Relation Name'] === 'big').map((n) => n['Node Type']);
  }

  // Scattered 16-row ranges, as bisection leaves and refinements produce them.
  const RANGES = 30;
  const manyRanges: SegmentFilter = { kind: 'ranges', ranges: Array.from({ length: RANGES }, (_, i) => [BigInt(1 + i * 6_000), BigInt(16 + i * 6_000)] as [bigint, bigint]) };

  it('segment checksums over many ranges: index scans only', async () => {
    const scans = await scansOf(dialect.segmentChecksumStatement(table, manyRanges, { kind: 'range', base: 1n, width: 4n }));
    expect(scans.length).toBeGreaterThan(0);
    expect(scans.every((s) => s.startsWith('Index'))).toBe(true);
  });

  it('leaf rows over many ranges: index scans only', async () => {
    const scans = await scansOf(dialect.leafRowsStatement(table, manyRanges));
    expect(scans.length).toBeGreaterThan(0);
    expect(scans.every((s) => s.startsWith('Index'))).toBe(true);
  });

  it('and the answer is right: the rows of exactly those ranges', async () => {
    const stmt = dialect.segmentChecksumStatement(table, manyRanges, { kind: 'range', base: 1n, width: 1024n });
    const rows = (await exec(url, stmt.text, stmt.values)).rows as Array<{ cnt: string }>;
    expect(rows.reduce((a, r) => a + Number(r.cnt), 0)).toBe(RANGES * 16);
  });

  /** Every bucket of a packed answer as "bucket count:sum" (the sum as a signed 64-bit value), in bucket order. */
  async function packedAnswer(stmt: Statement): Promise<string[]> {
    const heard: Array<[bigint, string]> = [];
    for (const row of (await exec(url, stmt.text, stmt.values)).rows as Array<Record<string, unknown>>) {
      dialect.packedChecksums!.eachBucket(row, (bucket, count, hi, lo) => heard.push([BigInt(bucket), `${count}:${BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo))}`]));
    }
    return heard.sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([b, v]) => `${b} ${v}`);
  }

  /** The plain segment checksum's answer in the same form. */
  async function plainAnswer(filter: SegmentFilter, bucketing: Bucketing): Promise<string[]> {
    const plain = dialect.segmentChecksumStatement(table, filter, bucketing);
    return ((await exec(url, plain.text, plain.values)).rows as Array<Record<string, unknown>>)
      .map((r) => dialect.toSegmentChecksumRow(r))
      .sort((a, b) => (a.bucket < b.bucket ? -1 : 1))
      .map((r) => `${r.bucket} ${r.count}:${BigInt.asIntN(64, BigInt(r.sum))}`);
  }

  it('packed per-key sums over many ranges: index scans only, and every key as the unpacked statement gives it', async () => {
    const perKey = { kind: 'range', base: 1n, width: 1n } as const;
    const stmt = dialect.packedChecksums!.statement(table, manyRanges, perKey);
    expect(stmt.lookup).toBe(true);
    const scans = await scansOf(stmt);
    expect(scans.length).toBeGreaterThan(0);
    expect(scans.every((s) => s.startsWith('Index'))).toBe(true);
    // 480 keys: fewer rows than keys (packed 512 keys to a row at most).
    expect((await exec(url, stmt.text, stmt.values)).rows.length).toBeLessThan(RANGES * 16);
    const heard = await packedAnswer(stmt);
    expect(heard).toEqual(await plainAnswer(manyRanges, perKey));
    expect(heard).toHaveLength(RANGES * 16);
  });

  it('a first-pass statement over dense keys reads one unit at a time (index scans, nothing sorted) and answers as the grouped one', async () => {
    const range: SegmentFilter = { kind: 'ranges', ranges: [[1_001n, 60_000n]] };
    for (const width of [16n, 64n, 1024n]) {
      const bucketing = { kind: 'range', base: 1n, width } as const;
      const byUnit = dialect.packedChecksums!.statement(table, range, bucketing, true);
      expect(byUnit.text).toMatch(/generate_series/);
      // A statement of many unit scans: JIT off, as for the lookups.
      expect(byUnit.lookup).toBe(true);
      expect(await scansOf(byUnit)).toEqual(['Index Scan']);
      const grouped = dialect.packedChecksums!.statement(table, range, bucketing, false);
      expect(grouped.text).not.toMatch(/generate_series/);
      const expected = await plainAnswer(range, bucketing);
      expect(expected.length).toBe(Number((60_000n - 1n) / width - (1_001n - 1n) / width) + 1);
      expect(await packedAnswer(byUnit)).toEqual(expected);
      expect(await packedAnswer(grouped)).toEqual(expected);
    }
    // A unit of one key is the row: no unit scans.
    expect(dialect.packedChecksums!.statement(table, range, { kind: 'range', base: 1n, width: 1n }, true).text).not.toMatch(/generate_series/);
  });

  it('statements over many ranges are marked as lookups; scans and single ranges are not', () => {
    const perKey = { kind: 'range', base: 1n, width: 1n } as const;
    expect(dialect.segmentChecksumStatement(table, manyRanges, perKey).lookup).toBe(true);
    expect(dialect.leafRowsStatement(table, manyRanges).lookup).toBe(true);
    expect(dialect.rowStreamStatement(table, manyRanges).lookup).toBe(true);
    expect(dialect.segmentChecksumStatement(table, { kind: 'all' }, perKey).lookup).toBeUndefined();
    expect(dialect.segmentChecksumStatement(table, { kind: 'ranges', ranges: [[1n, 2_000_000n]] }, perKey).lookup).toBeUndefined();
    expect(dialect.segmentChecksumStatement(table, { kind: 'residues', modulus: 8, residues: [1, 5] }, { kind: 'hash', modulus: 64 }).lookup).toBeUndefined();
  });

  it('the endpoint runs lookups with JIT off and everything else with the session default, on the same connection', async () => {
    // One connection, so every statement below shares its session settings.
    const one = await dialect.connect(url, 'source', { poolSize: 1, statementTimeoutMs: 60_000, connectTimeoutMs: 10_000, applicationName: 'jit-test' });
    try {
      const jit = async (lookup: boolean) => (await one.query<{ jit: string }>({ text: "SELECT current_setting('jit') AS jit", values: [], label: 'jit', ...(lookup ? { lookup } : {}) }))[0]!.jit;
      const jitStreamed = async (lookup: boolean) => {
        const out: string[] = [];
        for await (const batch of one.stream<{ jit: string }>({ text: "SELECT current_setting('jit') AS jit", values: [], label: 'jit', ...(lookup ? { lookup } : {}) }, 10)) out.push(...batch.map((r) => r.jit));
        return out[0];
      };
      const sessionDefault = (await exec(url, "SELECT reset_val FROM pg_settings WHERE name = 'jit'")).rows[0].reset_val as string;
      expect(sessionDefault).toBe('on');
      expect(await jit(false)).toBe('on');
      expect(await jit(true)).toBe('off');
      expect(await jit(true)).toBe('off');
      expect(await jit(false)).toBe('on');
      expect(await jitStreamed(true)).toBe('off');
      expect(await jitStreamed(false)).toBe('on');
    } finally {
      await one.close();
    }
  });
});
