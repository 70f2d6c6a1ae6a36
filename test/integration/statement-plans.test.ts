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
import type { Dialect, Endpoint, SegmentFilter, SideTable, Statement } from '../../src/dialects/types.js';
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

  it('packed per-key sums over many ranges: index scans only, and every key as the unpacked statement gives it', async () => {
    const packed = dialect.packedKeySums!;
    const perKey = { kind: 'range', base: 1n, width: 1n } as const;
    const stmt = packed.statement(table, manyRanges, perKey);
    expect(stmt.lookup).toBe(true);
    const scans = await scansOf(stmt);
    expect(scans.length).toBeGreaterThan(0);
    expect(scans.every((s) => s.startsWith('Index'))).toBe(true);
    const heard: Array<[string, string]> = [];
    const rows = (await exec(url, stmt.text, stmt.values)).rows as Array<Record<string, unknown>>;
    // 480 keys: fewer rows than keys (packed 512 keys to a row at most).
    expect(rows.length).toBeLessThan(RANGES * 16);
    for (const row of rows) packed.eachKeySum(row, (bucket, count, hi, lo) => heard.push([String(bucket), `${count}:${BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo))}`]));
    const plain = dialect.segmentChecksumStatement(table, manyRanges, perKey);
    const expected = ((await exec(url, plain.text, plain.values)).rows as Array<Record<string, unknown>>)
      .map((r) => dialect.toSegmentChecksumRow(r))
      .map((r): [string, string] => [r.bucket.toString(), `${r.count}:${BigInt.asIntN(64, BigInt(r.sum))}`]);
    const byKey = (a: [string, string], b: [string, string]) => Number(a[0]) - Number(b[0]);
    expect(heard.sort(byKey)).toEqual(expected.sort(byKey));
    expect(heard).toHaveLength(RANGES * 16);
  });

  it('per-key sums are one key wide only', () => {
    expect(() => dialect.packedKeySums!.statement(table, manyRanges, { kind: 'range', base: 1n, width: 2n })).toThrow(/one key wide/);
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

  it('a chunk of heap blocks is one TID range scan; the key range is a filter only where bigint needs it', async () => {
    const scan = dialect.physicalScan!;
    const blocks = Number(((await endpoint.query<{ blocks: string }>(scan.layoutStatement(table)))[0]!).blocks);
    const chunk = scan.chunkChecksumStatement(table, [10, 200], [0n, 262_143n], { kind: 'range', base: 0n, width: 512n });
    expect(await scansOf(chunk)).toEqual(['Tid Range Scan']);
    expect(chunk.text).not.toMatch(/BETWEEN/);
    // The open-ended last chunk, with a base far above the lowest bigint: key - base could overflow for keys outside
    // the range, so it filters them, in a form the planner cannot answer from the key index.
    const far = scan.chunkChecksumStatement(table, [blocks - 20, null], [2n ** 62n, 2n ** 62n + 1023n], { kind: 'range', base: 2n ** 62n, width: 512n });
    expect(far.text).toMatch(/"id" \+ 0 BETWEEN \$\d+::bigint AND \$\d+::bigint/);
    expect(far.text).not.toMatch(/ctid < /);
    expect(await scansOf(far)).toEqual(['Tid Range Scan']);
    // Every block once: the chunks' counts add up to the table, and the open-ended last one reads to the end.
    const cuts = [0, Math.floor(blocks / 3), Math.floor((2 * blocks) / 3)];
    let rows = 0;
    for (const [i, from] of cuts.entries()) {
      const stmt = scan.chunkChecksumStatement(table, [from, cuts[i + 1] ?? null], [0n, 262_143n], { kind: 'range', base: 0n, width: 512n });
      for (const row of (await exec(url, stmt.text, stmt.values)).rows) scan.eachChunkBucket(row, (_bucket, count) => (rows += count));
    }
    expect(rows).toBe(ROWS);
  });

  it('the layout: blocks, usable on a plain table of PostgreSQL 14+, the key correlation from the statistics', async () => {
    const layout = (await endpoint.query<{ blocks: string; usable: boolean; correlation: number | null }>(dialect.physicalScan!.layoutStatement(table)))[0]!;
    expect(Number(layout.blocks)).toBeGreaterThan(1_000);
    expect(layout.usable).toBe(true);
    expect(layout.correlation).toBeCloseTo(1, 3);
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
