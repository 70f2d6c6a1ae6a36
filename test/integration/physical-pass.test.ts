/**
 * The first pass in chunks of heap blocks (issue 18, see src/engine/physical-pass.ts), on a real PostgreSQL:
 * the same report as the key-range statements, on either side alone or both, chunks inside one snapshot (a row
 * moved by an update between two chunks is counted once, as it was), and the key-range fallback where the
 * key does not follow the storage order.
 */
import pLimit from 'p-limit';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { postgresDialect } from '../../src/dialects/postgres/index.js';
import type { Endpoint, Statement } from '../../src/dialects/types.js';
import { blockChunks } from '../../src/engine/physical-pass.js';
import { planTable } from '../../src/engine/plan.js';
import type { TableProgress } from '../../src/engine/progress.js';
import { ServerReader } from '../../src/engine/reader.js';
import { reconcileTable } from '../../src/engine/reconcile-table.js';
import { QueryRunner } from '../../src/engine/runner.js';
import type { TableResult } from '../../src/report/model.js';
import { silentLogger } from '../../src/util/logger.js';
import { createDatabase, exec } from '../support/pg.js';

const CONNECT = { poolSize: 3, statementTimeoutMs: 60_000, connectTimeoutMs: 10_000, applicationName: 'physical-pass' };
const ROWS = 250_000;
const DDL = `CREATE TABLE k (id bigint PRIMARY KEY, v int NOT NULL, s text);`;
const FILL_ORDERED = `INSERT INTO k SELECT i, i % 1000, 'row ' || i FROM generate_series(1, ${ROWS}) i;`;
/** The same rows in a shuffled physical order: the key's correlation with the heap is near 0. */
const FILL_SHUFFLED = `INSERT INTO k SELECT i, i % 1000, 'row ' || i FROM generate_series(1, ${ROWS}) i ORDER BY md5(i::text);`;
const DRIFT = `UPDATE k SET v = -1 WHERE id % 25000 = 7; DELETE FROM k WHERE id % 50000 = 11; INSERT INTO k VALUES (${ROWS + 5}, 1, 'extra');`;

interface Run {
  result: TableResult;
  /** Statement labels sent, per side. */
  labels: { source: string[]; target: string[] };
  progress: TableProgress[];
  /** Bucket widths of the key-range checksum statements (the bisection's, a key-range first pass's, the per-key step's), per side. */
  widths: { source: bigint[]; target: bigint[] };
}

/** Both endpoints instrumented: every statement (plain or inside a snapshot) is recorded by label. */
function record(ep: Endpoint, into: string[]): void {
  const query = ep.query.bind(ep);
  ep.query = ((st: Statement) => (into.push(st.label), query(st))) as Endpoint['query'];
  const snapshot = ep.snapshot?.bind(ep);
  if (snapshot) {
    ep.snapshot = async () => {
      const s = await snapshot();
      return {
        query: ((st: Statement) => (into.push(st.label), s.query(st))) as typeof s.query,
        stream: ((st: Statement, n: number) => (into.push(st.label), s.stream(st, n))) as typeof s.stream,
        release: s.release,
      };
    };
  }
}

async function reconcile(source: string, target: string, mode = 'diff', maxDiffRows = 100, chunkSize = 10_000): Promise<Run> {
  const config = parseConfig(`source: { dialect: postgres, urlEnv: S }\ntarget: { dialect: postgres, urlEnv: T }\ntables: [{ table: k, mode: ${mode}, chunkSize: ${chunkSize}, maxDiffRows: ${maxDiffRows} }]`, 'x.yml');
  const [se, te] = await Promise.all([postgresDialect.connect(source, 'source', CONNECT), postgresDialect.connect(target, 'target', CONNECT)]);
  const labels = { source: [] as string[], target: [] as string[] };
  const progress: TableProgress[] = [];
  try {
    record(se, labels.source);
    record(te, labels.target);
    const plan = await planTable({ spec: { ...config.tables[0]!, recheckDelayMs: 0 }, source: { dialect: postgresDialect, endpoint: se }, target: { dialect: postgresDialect, endpoint: te } });
    const runner = (ep: Endpoint) => new QueryRunner(ep, postgresDialect, pLimit(3), 0, silentLogger);
    const widths = { source: [] as bigint[], target: [] as bigint[] };
    const reader = (ep: Endpoint, side: 'source' | 'target') => {
      const r = new ServerReader(runner(ep), plan[side]);
      const checksums = r.checksums.bind(r);
      r.checksums = (filter, bucketing) => (widths[side].push(bucketing.kind === 'range' ? bucketing.width : -1n), checksums(filter, bucketing));
      // The per-key step (packed on PostgreSQL) reads buckets one key wide.
      const packed = r.packedKeySums!.bind(r);
      (r as { packedKeySums: typeof packed }).packedKeySums = (filter, perKey, add) => (widths[side].push(perKey.width), packed(filter, perKey, add));
      return r;
    };
    const result = await reconcileTable(plan, { source: reader(se, 'source'), target: reader(te, 'target') }, { logger: silentLogger, onProgress: (p) => progress.push(p) });
    return { result, labels, progress, widths };
  } finally {
    await Promise.all([se.close(), te.close()]);
  }
}

async function pair(sourceFill: string, targetFill: string, drift = DRIFT): Promise<{ source: string; target: string }> {
  const [s, t] = await Promise.all([createDatabase('pps'), createDatabase('ppt')]);
  await Promise.all([exec(s.url, `${DDL} ${sourceFill} ANALYZE k;`), exec(t.url, `${DDL} ${targetFill} ${drift}`)]);
  await exec(t.url, 'VACUUM ANALYZE k');
  return { source: s.url, target: t.url };
}

/** What a report says about the table, without timings. */
function essence(r: TableResult) {
  // Rows in key order: they are listed as found, and the two ways reach the leaves in different orders.
  const rows = r.rows.map((x) => [x.kind, x.key, x.columns] as const).sort((a, b) => Number(a[1].id) - Number(b[1].id) || a[0].localeCompare(b[0]));
  return { status: r.status, counts: r.counts, drift: r.drift, segments: r.segments, mismatchedSegments: r.mismatchedSegments, rows };
}

const count = (labels: string[], label: string) => labels.filter((l) => l === label).length;

describe('first pass in chunks of heap blocks', () => {
  it('both sides in key order: chunks on both, the same report as key ranges, progress after every chunk', async () => {
    const ordered = await pair(FILL_ORDERED, FILL_ORDERED);
    const shuffled = await pair(FILL_SHUFFLED, FILL_SHUFFLED);
    const [physical, ranges] = [await reconcile(ordered.source, ordered.target), await reconcile(shuffled.source, shuffled.target)];
    expect(count(physical.labels.source, 'chunk-checksum')).toBeGreaterThanOrEqual(3);
    expect(count(physical.labels.target, 'chunk-checksum')).toBeGreaterThanOrEqual(3);
    expect(count(ranges.labels.source, 'chunk-checksum') + count(ranges.labels.target, 'chunk-checksum')).toBe(0);
    expect(physical.result.drift).toEqual({ missing: 5, extra: 1, changed: 10 });
    expect(essence(physical.result)).toEqual(essence(ranges.result));
    // A line per chunk and side as it ends, rising to every row.
    const checksum = physical.progress.filter((p) => p.stage === 'checksum').map((p) => p.rowsDone);
    expect(checksum.length).toBeGreaterThanOrEqual(4);
    expect(checksum).toEqual([...checksum].sort((a, b) => a - b));
    expect(checksum.at(-1)).toBe(ROWS);
  });

  it('one side in key order, the other shuffled: chunks on one side, key ranges on the other, the same report', async () => {
    const mixed = await pair(FILL_SHUFFLED, FILL_ORDERED);
    const run = await reconcile(mixed.source, mixed.target);
    expect(count(run.labels.source, 'chunk-checksum')).toBe(0);
    expect(count(run.labels.source, 'segment-checksum')).toBeGreaterThanOrEqual(3);
    expect(count(run.labels.target, 'chunk-checksum')).toBeGreaterThanOrEqual(3);
    expect(run.result.drift).toEqual({ missing: 5, extra: 1, changed: 10 });
    const checksumOnly = await reconcile(mixed.source, mixed.target, 'checksum');
    expect(checksumOnly.result.status).toBe('mismatch');
    expect(checksumOnly.result.counts).toEqual({ source: ROWS, target: ROWS - 5 + 1 });
    // Past maxDiffRows rows are counted only (their column texts dropped as found): the same counts, the first 3 listed whole.
    const few = await reconcile(mixed.source, mixed.target, 'diff', 3);
    expect(few.result.drift).toEqual(run.result.drift);
    expect(few.result.rowsTruncated).toBe(true);
    expect(few.result.rows.map((r) => [r.kind, r.key, r.columns])).toEqual(run.result.rows.slice(0, 3).map((r) => [r.kind, r.key, r.columns]));
  });

  it('drift in every bucket: a diff starts the bisection from the fine buckets that differ, never re-reading whole buckets', async () => {
    // One row in 40 changed, one in 1,000 gone, and one extra: every 256-key first-pass bucket mismatches.
    const dense = `UPDATE k SET v = -1 WHERE id % 40 = 3; DELETE FROM k WHERE id % 1000 = 11; INSERT INTO k VALUES (${ROWS + 5}, 1, 'extra');`;
    const ordered = await pair(FILL_ORDERED, FILL_ORDERED, dense);
    const shuffled = await pair(FILL_SHUFFLED, FILL_SHUFFLED, dense);
    const [physical, ranges] = [await reconcile(ordered.source, ordered.target, 'diff', 100, 100_000), await reconcile(shuffled.source, shuffled.target, 'diff', 100, 100_000)];
    // A deleted id (11 mod 1,000) is 11 mod 40, never a changed one (3 mod 40).
    expect(physical.result.drift).toEqual({ missing: ROWS / 1000, extra: 1, changed: ROWS / 40 });
    expect(essence(physical.result)).toEqual(essence(ranges.result));
    // The key-range run refines whole buckets first (wider than a key); the chunked one goes to the leaves at once.
    expect(ranges.widths.target.some((w) => w > 1n)).toBe(true);
    expect(physical.widths.target.length).toBeGreaterThan(0);
    expect(physical.widths.target.every((w) => w === 1n)).toBe(true);
    // A checksum keeps no finer level: the same mismatch, decided by the buckets.
    expect((await reconcile(ordered.source, ordered.target, 'checksum', 100, 100_000)).result.status).toBe('mismatch');
  });

  it('every chunk reads the snapshot of the first: a row moved to the end of the heap between chunks is counted once, as it was', async () => {
    const db = await createDatabase('ppsnap');
    await exec(db.url, `${DDL} ${FILL_ORDERED}`);
    await exec(db.url, 'VACUUM ANALYZE k');
    const config = parseConfig('source: { dialect: postgres, urlEnv: S }\ntarget: { dialect: postgres, urlEnv: T }\ntables: [{ table: k }]', 'x.yml');
    const ep = await postgresDialect.connect(db.url, 'target', CONNECT);
    const writer = new pg.Client({ connectionString: db.url });
    await writer.connect();
    try {
      const plan = await planTable({ spec: config.tables[0]!, source: { dialect: postgresDialect, endpoint: ep }, target: { dialect: postgresDialect, endpoint: ep } });
      const reader = new ServerReader(new QueryRunner(ep, postgresDialect, pLimit(2), 0, silentLogger), plan.target);
      const layout = await reader.physicalLayout();
      expect(layout).not.toBeNull();
      expect(layout!.correlation).toBeGreaterThan(0.99);
      const chunks = blockChunks(layout!.blocks, ROWS, 50_000);
      expect(chunks.length).toBeGreaterThanOrEqual(4);
      const bucketing = { kind: 'range' as const, base: 0n, width: 1024n };
      const sums = async (between?: () => Promise<void>) => {
        const rows: Array<{ count: number; sum: bigint }> = [];
        let n = 0;
        const sumOf = (hi: number, lo: number) => (BigInt(hi) << 32n) | BigInt(lo);
        await reader.physicalChecksums(chunks, [0n, 1_000_000n], bucketing, (_bucket, count, hi, lo) => rows.push({ count, sum: sumOf(hi, lo) }), async () => {
          n += 1;
          if (n === 1 && between) await between();
        }, () => (rows.length = 0));
        return { count: rows.reduce((a, r) => a + r.count, 0), sum: BigInt.asUintN(64, rows.reduce((a, r) => a + r.sum, 0n)) };
      };
      const before = await sums();
      expect(before.count).toBe(ROWS);
      // Row 1 sits in the first chunk; updated, its new version goes to the end of the heap, in the last chunk.
      const during = await sums(async () => {
        await writer.query("UPDATE k SET s = 'moved' WHERE id = 1");
        const block = Number((await writer.query<{ b: string }>("SELECT split_part(trim(both '()' from ctid::text), ',', 1) AS b FROM k WHERE id = 1")).rows[0]!.b);
        expect(block).toBeGreaterThanOrEqual(chunks.at(-1)![0]);
      });
      expect(during).toEqual(before);
      const after = await sums();
      expect(after.count).toBe(ROWS);
      expect(after.sum).not.toBe(before.sum);
    } finally {
      await writer.end();
      await ep.close();
    }
  });

  it('a connection lost between two chunks of the snapshot: the read starts over on a new one and adds up the same', async () => {
    const db = await createDatabase('pplost');
    await exec(db.url, `${DDL} ${FILL_ORDERED}`);
    await exec(db.url, 'VACUUM ANALYZE k');
    const config = parseConfig('source: { dialect: postgres, urlEnv: S }\ntarget: { dialect: postgres, urlEnv: T }\ntables: [{ table: k }]', 'x.yml');
    const ep = await postgresDialect.connect(db.url, 'target', { ...CONNECT, applicationName: 'physical-lost' });
    const killer = new pg.Client({ connectionString: db.url });
    await killer.connect();
    try {
      const plan = await planTable({ spec: config.tables[0]!, source: { dialect: postgresDialect, endpoint: ep }, target: { dialect: postgresDialect, endpoint: ep } });
      const runner = new QueryRunner(ep, postgresDialect, pLimit(2), 2, silentLogger, {}, 10);
      const reader = new ServerReader(runner, plan.target);
      const layout = await reader.physicalLayout();
      const chunks = blockChunks(layout!.blocks, ROWS, 50_000);
      const bucketing = { kind: 'range' as const, base: 0n, width: 1024n };
      const read = async (kill: boolean) => {
        let count = 0;
        let sum = 0n;
        let chunksDone = 0;
        let resets = 0;
        await reader.physicalChecksums(chunks, [0n, 1_000_000n], bucketing, (_bucket, n, hi, lo) => {
          count += n;
          sum += (BigInt(hi) << 32n) | BigInt(lo);
        }, async () => {
          chunksDone += 1;
          // After the second chunk of the first attempt: the session's backend is terminated, so the third
          // chunk's cursor fails on a dead connection.
          if (kill && resets === 1 && chunksDone === 2) {
            const killed = await killer.query("SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'physical-lost' AND state = 'idle in transaction'");
            expect(killed.rows).toEqual([{ ok: true }]);
          }
        }, () => {
          resets += 1;
          count = 0;
          sum = 0n;
          chunksDone = 0;
        });
        return { count, sum: BigInt.asUintN(64, sum), resets };
      };
      const clean = await read(false);
      expect(clean).toEqual({ count: ROWS, sum: clean.sum, resets: 1 });
      const retriesBefore = runner.retries;
      const lost = await read(true);
      expect(lost).toEqual({ count: ROWS, sum: clean.sum, resets: 2 });
      expect(runner.retries).toBe(retriesBefore + 1);
    } finally {
      await killer.end();
      await ep.close();
    }
  });
});
