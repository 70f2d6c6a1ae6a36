/**
 * Row-level diff of range leaves goes in two steps: the row hash and count of every key, then the canonical
 * columns of the keys both sides have whose hash differs. So the rows downloaded in full grow with the changed
 * rows, not with the leaf size, and a missing or extra row is known by its key alone. Observed through a reader
 * that counts what each side returned, with and without the dialect's packed per-key answer.
 */
import pLimit from 'p-limit';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { getDialect } from '../../src/dialects/index.js';
import type { Bucketing, Endpoint, LeafRow, SegmentFilter } from '../../src/dialects/types.js';
import { planTable } from '../../src/engine/plan.js';
import { ServerReader, type BucketSum, type SideReader } from '../../src/engine/reader.js';
import { reconcileTable } from '../../src/engine/reconcile-table.js';
import { QueryRunner } from '../../src/engine/runner.js';
import { silentLogger } from '../../src/util/logger.js';
import { createDatabase, exec } from '../support/pg.js';

/** A SideReader that counts the rows it returned in full and the per-key checksums it answered. */
class CountingReader implements SideReader {
  leafRowsReturned = 0;
  leafStatements = 0;
  perKeyChecksums = 0;
  readonly packedChecksums?: SideReader['packedChecksums'];
  constructor(
    private readonly inner: SideReader,
    packed: boolean,
  ) {
    const innerPacked = inner.packedChecksums;
    if (packed && innerPacked) {
      this.packedChecksums = (filter, bucketing, add, reset, denseKeys) =>
        innerPacked.call(inner, filter, bucketing, (key, count, hi, lo) => {
          if (bucketing.width === 1n) this.perKeyChecksums += 1;
          add(key, count, hi, lo);
        }, reset, denseKeys);
    }
  }
  count(): Promise<bigint> {
    return this.inner.count();
  }
  bounds(): Promise<{ lo: bigint; hi: bigint } | null> {
    return this.inner.bounds();
  }
  keyHistogram() {
    return this.inner.keyHistogram();
  }
  maxChange(...a: Parameters<SideReader['maxChange']>) {
    return this.inner.maxChange(...a);
  }
  changedKeys(...a: Parameters<SideReader['changedKeys']>) {
    return this.inner.changedKeys(...a);
  }
  cdcChanges() {
    return this.inner.cdcChanges();
  }
  async checksums(filter: SegmentFilter, bucketing: Bucketing): Promise<Map<bigint, BucketSum>> {
    const out = await this.inner.checksums(filter, bucketing);
    if (bucketing.kind === 'range' && bucketing.width === 1n) this.perKeyChecksums += out.size;
    return out;
  }
  async keySums(filter: SegmentFilter, perKey: Extract<Bucketing, { kind: 'range' }>): Promise<Map<string, string>> {
    const out = await this.inner.keySums(filter, perKey);
    this.perKeyChecksums += out.size;
    return out;
  }
  async leafRows(filter: SegmentFilter): Promise<LeafRow[]> {
    const rows = await this.inner.leafRows(filter);
    this.leafStatements += 1;
    this.leafRowsReturned += rows.length;
    return rows;
  }
}

const DDL = 'CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL, price numeric(10,2) NOT NULL);';
const FILL = "INSERT INTO items SELECT i, 'item ' || i, i * 1.5 FROM generate_series(1, 20000) i; ANALYZE items;";

const endpoints: Endpoint[] = [];
afterEach(async () => {
  await Promise.all(endpoints.splice(0).map((e) => e.close()));
});

async function reconcileCounting(urls: { source: string; target: string }, tableYaml: string, sleep?: () => Promise<void>, packed = false) {
  const config = parseConfig(`source: { dialect: postgres, urlEnv: S }\ntarget: { dialect: postgres, urlEnv: T }\ntables: [${tableYaml}]`, 'leaf.yml');
  const spec = config.tables[0]!;
  const dialect = await getDialect('postgres');
  const options = { poolSize: 2, statementTimeoutMs: 30_000, connectTimeoutMs: 5_000, applicationName: 'leaf-rows-test' };
  const [source, target] = await Promise.all([dialect.connect(urls.source, 'source', options), dialect.connect(urls.target, 'target', options)]);
  endpoints.push(source, target);
  const plan = await planTable({ spec, source: { dialect, endpoint: source }, target: { dialect, endpoint: target } });
  const runner = (e: Endpoint) => new QueryRunner(e, dialect, pLimit(2), 0, silentLogger);
  const readers = {
    source: new CountingReader(new ServerReader(runner(source), plan.source), packed),
    target: new CountingReader(new ServerReader(runner(target), plan.target), packed),
  };
  const result = await reconcileTable(plan, readers, { logger: silentLogger, sleep });
  return { result, readers, plan };
}

describe('two-step range leaves', () => {
  for (const packed of [false, true]) {
    it(`fetches full rows only for the changed keys, however large the leaves; missing and extra by key (${packed ? 'packed' : 'a row per key'})`, async () => {
      const [s, t] = await Promise.all([createDatabase('ls'), createDatabase('lt')]);
      await Promise.all([exec(s.url, DDL + FILL), exec(t.url, DDL + FILL)]);
      await exec(t.url, "UPDATE items SET name = 'changed' WHERE id IN (17, 9000); DELETE FROM items WHERE id IN (12345, 3); INSERT INTO items VALUES (30000, 'extra', 1), (-5, 'below', 2);");

      // Leaves of up to 2,000 rows: a one-step fetch would download thousands of full rows per side.
      const { result, readers, plan } = await reconcileCounting({ source: s.url, target: t.url }, '{ table: items, chunkSize: 5000, leafSize: 2000, maxDiffRows: 100 }', undefined, packed);
      expect(plan.segmentation).toBe('range');
      expect(Boolean(readers.source.packedChecksums)).toBe(packed);
      expect(result.drift).toEqual({ missing: 2, extra: 2, changed: 2 });
      // In key order within the leaves, each kind with its key (and the changed columns).
      expect(result.rows.map((r) => `${r.kind} ${r.key.id}${r.columns ? ` ${r.columns.join(',')}` : ''}`)).toEqual(['extra -5', 'missing 3', 'changed 17 name', 'changed 9000 name', 'missing 12345', 'extra 30000']);
      // Full rows: the two changed keys from each side; the missing and extra keys are not read again.
      expect(readers.source.leafRowsReturned).toBe(2);
      expect(readers.target.leafRowsReturned).toBe(2);
      // The per-key step covered the leaves (hashes only), far more rows than were downloaded in full.
      expect(readers.source.perKeyChecksums).toBeGreaterThan(100);
    });
  }

  it('missing and extra rows known by key alone are rechecked by the same key: a row that arrives in the delay was in flight', async () => {
    const [s, t] = await Promise.all([createDatabase('ls'), createDatabase('lt')]);
    await Promise.all([exec(s.url, DDL + FILL), exec(t.url, DDL + FILL)]);
    await exec(t.url, "DELETE FROM items WHERE id IN (40, 7000); INSERT INTO items VALUES (25000, 'extra', 1), (26000, 'extra', 2);");
    const { result } = await reconcileCounting(
      { source: s.url, target: t.url },
      '{ table: items, chunkSize: 5000, leafSize: 2000, recheckDelay: 1s }',
      async () => {
        // The pipeline catches up on one missing and one extra row while the recheck waits.
        await exec(t.url, "INSERT INTO items VALUES (7000, 'item 7000', 10500); DELETE FROM items WHERE id = 26000;");
      },
      true,
    );
    expect(result.rows.map((r) => `${r.kind} ${r.key.id}`)).toEqual(['missing 40', 'extra 25000']);
    expect(result.inFlight).toBe(2);
    expect(result.inFlightRows.map((r) => `${r.kind} ${r.key.id}`).sort()).toEqual(['extra 26000', 'missing 7000']);
  });

  it('the recheck fetches the differing keys again, not their leaves', async () => {
    const [s, t] = await Promise.all([createDatabase('ls'), createDatabase('lt')]);
    await Promise.all([exec(s.url, DDL + FILL), exec(t.url, DDL + FILL)]);
    await exec(t.url, "UPDATE items SET price = 0 WHERE id IN (5, 15000)");
    const { result, readers } = await reconcileCounting({ source: s.url, target: t.url }, '{ table: items, chunkSize: 5000, leafSize: 2000, recheckDelay: 1s }', async () => {
      // While the recheck waits, the pipeline catches up on one of the two rows.
      await exec(t.url, 'UPDATE items SET price = 15000 * 1.5 WHERE id = 15000');
    });
    expect(result.rows.map((r) => `${r.kind} ${r.key.id}`)).toEqual(['changed 5']);
    expect(result.inFlight).toBe(1);
    // Two keys fetched in full by the diff, the same two again by the recheck.
    expect(readers.source.leafRowsReturned).toBe(4);
    expect(readers.target.leafRowsReturned).toBe(4);
  });
});
