/**
 * Contract case for one table across shards: the key histogram the dialect reads from its own statistics
 * cuts an integer-keyed table into parts of about equal rows (the engine's cuts, src/engine/part.ts), on
 * every dialect. Keys are skewed on purpose (dense low keys, sparse high ones), so cuts that followed the key
 * span instead of the rows would fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectOptions, Endpoint, SideTable } from '../../src/dialects/types.js';
import { quantileCuts } from '../../src/engine/part.js';
import type { ContractHarness } from './harness.js';

const CONNECT: ConnectOptions = { poolSize: 2, statementTimeoutMs: 120_000, connectTimeoutMs: 30_000, applicationName: 'cdc-recon-contract' };
const DENSE = 30_000;
const SPARSE = 10_000;

export function runSplitContract(h: ContractHarness): void {
  describe('one table across shards: the key histogram cuts equal parts', () => {
    let ep: Endpoint;
    let table: SideTable;
    beforeAll(async () => {
      const url = await h.freshDatabase();
      const series = (from: number, count: number, step: number) =>
        h.name === 'mssql'
          ? `SELECT TOP (${count}) ${from} + ${step} * (ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) - 1) FROM sys.all_objects a CROSS JOIN sys.all_objects b`
          : `SELECT ${from} + ${step} * (i - 1) FROM generate_series(1, ${count}) i`;
      const t = h.dialect.quoteTable({ schema: h.schema, name: 'split_keys' });
      await h.exec(url, h.createTableSql('split_keys', [{ name: 'id', type: 'bigint', notNull: true }], ['id']));
      await h.exec(url, `INSERT INTO ${t} (id) ${series(1, DENSE, 1)}`);
      await h.exec(url, `INSERT INTO ${t} (id) ${series(1_000_000, SPARSE, 1000)}`);
      await h.exec(url, h.name === 'mssql' ? `UPDATE STATISTICS ${t} WITH FULLSCAN` : `ANALYZE ${t}`);
      ep = await h.dialect.connect(url, 'source', CONNECT);
      const column = { name: 'id', dataType: 'bigint', precision: null, scale: null, length: null, datetimePrecision: null, nullable: false, collation: null, ordinal: 1 };
      table = { table: { schema: h.schema, name: 'split_keys' }, columns: [{ column, canonical: { type: 'int' } }], keys: [{ column, canonical: { type: 'int' } }] };
    }, 300_000);
    afterAll(async () => {
      await ep?.close();
    });

    it('4 parts of about a quarter of the rows each', async () => {
      const rows = await ep.query<{ key: string; rows: string | number }>(h.dialect.keyHistogramStatement(table));
      expect(rows.length).toBeGreaterThan(10);
      const cuts = quantileCuts(rows.map((r) => ({ key: BigInt(String(r.key)), rows: Number(r.rows) })), 4);
      expect(cuts).toHaveLength(3);
      const keys = [...Array.from({ length: DENSE }, (_, i) => 1 + i), ...Array.from({ length: SPARSE }, (_, i) => 1_000_000 + 1000 * i)];
      const total = DENSE + SPARSE;
      const bounds = [-Infinity, ...cuts.map(Number), Infinity];
      for (let p = 0; p < 4; p++) {
        const n = keys.filter((k) => k >= bounds[p]! && k < bounds[p + 1]!).length;
        expect(n / total).toBeGreaterThan(0.15);
        expect(n / total).toBeLessThan(0.35);
      }
    });
  });
}
