/**
 * The first pass of a range-segmented table (src/engine/first-pass.ts) through the engine on PostgreSQL: key-range
 * statements on each side, dense keys read a unit at a time; the same report whatever the heap's order and whether
 * PostgreSQL or Node hashes (client mode, the oracle of the unit hashes); progress after each statement; a diff's
 * bisection starting from the fine buckets that differ; a connection lost in the middle of a packed answer.
 */
import pLimit from 'p-limit';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { postgresDialect } from '../../src/dialects/postgres/index.js';
import type { Endpoint, Statement } from '../../src/dialects/types.js';
import { BucketBuffer } from '../../src/engine/bucket-buffer.js';
import { planTable } from '../../src/engine/plan.js';
import type { TableProgress } from '../../src/engine/progress.js';
import { ClientReader, ServerReader } from '../../src/engine/reader.js';
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
  /** Statements sent, per side. */
  sent: { source: Statement[]; target: Statement[] };
  progress: TableProgress[];
  /** Bucket widths of the range checksums read (plain or packed), per side, in order. */
  widths: { source: bigint[]; target: bigint[] };
}

/** Every statement an endpoint sends, plain or streamed. */
function record(ep: Endpoint, into: Statement[]): void {
  const query = ep.query.bind(ep);
  const stream = ep.stream.bind(ep);
  ep.query = ((st: Statement) => (into.push(st), query(st))) as Endpoint['query'];
  ep.stream = ((st: Statement, n: number) => (into.push(st), stream(st, n))) as Endpoint['stream'];
}

async function reconcile(source: string, target: string, o: { mode?: string; maxDiffRows?: number; chunkSize?: number; hash?: 'server' | 'client' } = {}): Promise<Run> {
  const { mode = 'diff', maxDiffRows = 100, chunkSize = 10_000, hash = 'server' } = o;
  const config = parseConfig(`source: { dialect: postgres, urlEnv: S }\ntarget: { dialect: postgres, urlEnv: T }\ntables: [{ table: k, mode: ${mode}, chunkSize: ${chunkSize}, maxDiffRows: ${maxDiffRows}, hash: ${hash} }]`, 'x.yml');
  const [se, te] = await Promise.all([postgresDialect.connect(source, 'source', CONNECT), postgresDialect.connect(target, 'target', CONNECT)]);
  const sent = { source: [] as Statement[], target: [] as Statement[] };
  const progress: TableProgress[] = [];
  try {
    record(se, sent.source);
    record(te, sent.target);
    const plan = await planTable({ spec: { ...config.tables[0]!, recheckDelayMs: 0 }, source: { dialect: postgresDialect, endpoint: se }, target: { dialect: postgresDialect, endpoint: te } });
    const runner = (ep: Endpoint) => new QueryRunner(ep, postgresDialect, pLimit(3), 0, silentLogger);
    const widths = { source: [] as bigint[], target: [] as bigint[] };
    const reader = (ep: Endpoint, side: 'source' | 'target') => {
      const r = hash === 'client' ? new ClientReader(runner(ep), plan[side]) : new ServerReader(runner(ep), plan[side]);
      const checksums = r.checksums.bind(r);
      r.checksums = (filter, bucketing) => (widths[side].push(bucketing.kind === 'range' ? bucketing.width : -1n), checksums(filter, bucketing));
      if (r instanceof ServerReader) {
        const packed = r.packedChecksums!.bind(r);
        (r as { packedChecksums: typeof packed }).packedChecksums = (filter, bucketing, add, reset, dense) => (widths[side].push(bucketing.width), packed(filter, bucketing, add, reset, dense));
      }
      return r;
    };
    const result = await reconcileTable(plan, { source: reader(se, 'source'), target: reader(te, 'target') }, { logger: silentLogger, onProgress: (p) => progress.push(p) });
    return { result, sent, progress, widths };
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

const count = (sent: Statement[], label: string) => sent.filter((s) => s.label === label).length;

describe('the first pass in key-range statements', () => {
  it('dense keys a unit at a time; the same report on a shuffled heap and from Node hashing; progress after every statement', async () => {
    const ordered = await pair(FILL_ORDERED, FILL_ORDERED);
    const shuffled = await pair(FILL_SHUFFLED, FILL_SHUFFLED);
    const run = await reconcile(ordered.source, ordered.target);
    expect(run.result.drift).toEqual({ missing: 5, extra: 1, changed: 10 });
    for (const side of ['source', 'target'] as const) {
      const firstPass = run.sent[side].filter((s) => s.label === 'packed-checksum' && /generate_series/.test(s.text));
      expect(firstPass.length).toBeGreaterThanOrEqual(3);
    }
    expect(essence((await reconcile(shuffled.source, shuffled.target)).result)).toEqual(essence(run.result));
    const client = await reconcile(ordered.source, ordered.target, { hash: 'client' });
    expect(count(client.sent.source, 'packed-checksum')).toBe(0);
    expect(essence(client.result)).toEqual(essence(run.result));
    // A line per statement and side as it ends, rising to every row.
    const checksum = run.progress.filter((p) => p.stage === 'checksum').map((p) => p.rowsDone);
    expect(checksum.length).toBeGreaterThanOrEqual(4);
    expect(checksum).toEqual([...checksum].sort((a, b) => a - b));
    expect(checksum.at(-1)).toBe(ROWS);
    // A checksum alone: the same mismatch and counts, server and client alike.
    for (const hash of ['server', 'client'] as const) {
      const checksumOnly = await reconcile(ordered.source, ordered.target, { mode: 'checksum', hash });
      expect(checksumOnly.result.status).toBe('mismatch');
      expect(checksumOnly.result.counts).toEqual({ source: ROWS, target: ROWS - 5 + 1 });
      expect(checksumOnly.result.mismatchedSegments).toEqual(run.result.mismatchedSegments);
    }
  });

  it('past maxDiffRows rows are counted only: the same counts, the first listed whole', async () => {
    const ordered = await pair(FILL_ORDERED, FILL_ORDERED);
    const all = await reconcile(ordered.source, ordered.target);
    const few = await reconcile(ordered.source, ordered.target, { maxDiffRows: 3 });
    expect(few.result.drift).toEqual(all.result.drift);
    expect(few.result.rowsTruncated).toBe(true);
    expect(few.result.rows.map((r) => [r.kind, r.key, r.columns])).toEqual(all.result.rows.slice(0, 3).map((r) => [r.kind, r.key, r.columns]));
  });

  it('drift in every bucket: a diff starts the bisection from the fine buckets that differ, never re-reading whole buckets', async () => {
    // One row in 40 changed, one in 1,000 gone, and one extra: every first-pass bucket mismatches.
    const dense = `UPDATE k SET v = -1 WHERE id % 40 = 3; DELETE FROM k WHERE id % 1000 = 11; INSERT INTO k VALUES (${ROWS + 5}, 1, 'extra');`;
    const ordered = await pair(FILL_ORDERED, FILL_ORDERED, dense);
    const run = await reconcile(ordered.source, ordered.target, { chunkSize: 100_000 });
    // A deleted id (11 mod 1,000) is 11 mod 40, never a changed one (3 mod 40).
    expect(run.result.drift).toEqual({ missing: ROWS / 1000, extra: 1, changed: ROWS / 40 });
    expect(essence((await reconcile(ordered.source, ordered.target, { chunkSize: 100_000, hash: 'client' })).result)).toEqual(essence(run.result));
    // The first pass reads fine buckets of a unit (64 keys); the bisection their children and then single keys,
    // never a wider bucket again.
    const widths = run.widths.target;
    expect(widths[0]).toBe(64n);
    expect(widths.every((w) => w <= 64n)).toBe(true);
    expect(widths).toContain(16n);
    expect(widths).toContain(1n);
    expect((await reconcile(ordered.source, ordered.target, { mode: 'checksum', chunkSize: 100_000 })).result.status).toBe('mismatch');
  });

  it('a connection lost in the middle of a packed answer: the statement is read again, its buckets counted once', async () => {
    const db = await createDatabase('fplost');
    await exec(db.url, `${DDL} ${FILL_ORDERED}`);
    await exec(db.url, 'VACUUM ANALYZE k');
    const config = parseConfig('source: { dialect: postgres, urlEnv: S }\ntarget: { dialect: postgres, urlEnv: T }\ntables: [{ table: k }]', 'x.yml');
    const ep = await postgresDialect.connect(db.url, 'target', { ...CONNECT, applicationName: 'first-pass-lost' });
    const killer = new pg.Client({ connectionString: db.url });
    await killer.connect();
    try {
      const plan = await planTable({ spec: config.tables[0]!, source: { dialect: postgresDialect, endpoint: ep }, target: { dialect: postgresDialect, endpoint: ep } });
      let kill = false;
      const stream = ep.stream.bind(ep);
      // After the first batch of an answer: the backend reading it is terminated, so the next read fails.
      ep.stream = async function* <T>(st: Statement, n: number): AsyncGenerator<T[]> {
        for await (const batch of stream<T>(st, n)) {
          yield batch;
          if (kill) {
            kill = false;
            // The one backend in the middle of the answer (an idle pooled connection stays).
            const killed = await killer.query("SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'first-pass-lost' AND query LIKE '%generate_series%'");
            expect(killed.rows).toEqual([{ ok: true }]);
          }
        }
      } as Endpoint['stream'];
      const runner = new QueryRunner(ep, postgresDialect, pLimit(2), 2, silentLogger, {}, 10);
      const reader = new ServerReader(runner, plan.target);
      const read = async () => {
        let rows = 0;
        let sum = 0n;
        await new BucketBuffer().read(reader, { kind: 'ranges', ranges: [[1n, BigInt(ROWS)]] }, { kind: 'range', base: 0n, width: 16n }, (_b, n, hi, lo) => {
          rows += n;
          sum += (BigInt(hi) << 32n) | BigInt(lo);
        }, true);
        return { rows, sum: BigInt.asUintN(64, sum) };
      };
      const clean = await read();
      expect(clean.rows).toBe(ROWS);
      kill = true;
      const lost = await read();
      expect(kill).toBe(false);
      expect(runner.retries).toBe(1);
      expect(lost).toEqual(clean);
    } finally {
      await killer.end();
      await ep.close();
    }
  });
});
