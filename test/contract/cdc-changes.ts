/**
 * Contract case for `scope: incremental` from a CDC capture instance (dialects with change capture: SQL
 * Server): after inserts, updates and deletes on a captured table, the keys changed after one LSN up to
 * the newest are exactly the keys touched, deletes included, and the LSN range reads. Skipped on dialects
 * without `cdcChanges` (PostgreSQL reads its changes from a change column).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectOptions, Endpoint, SideTable } from '../../src/dialects/types.js';
import type { ContractHarness } from './harness.js';

const CONNECT: ConnectOptions = { poolSize: 2, statementTimeoutMs: 120_000, connectTimeoutMs: 30_000, applicationName: 'cdc-recon-contract' };

export function runCdcChangesContract(h: ContractHarness): void {
  const cdc = h.dialect.cdcChanges;
  describe.skipIf(!cdc)('changed keys from the CDC capture instance', () => {
    let ep: Endpoint;
    let url: string;
    let table: SideTable;
    const q = (n: string) => h.dialect.quoteTable({ schema: h.schema, name: n });
    beforeAll(async () => {
      url = await h.freshDatabase();
      await h.exec(url, h.createTableSql('captured', [{ name: 'id', type: 'bigint', notNull: true }, { name: 'v', type: 'int' }], ['id']));
      await h.exec(url, `INSERT INTO ${q('captured')} (id, v) VALUES (1, 1), (2, 2), (3, 3), (4, 4)`);
      await h.exec(url, `EXEC sys.sp_cdc_enable_db`);
      await h.exec(url, `EXEC sys.sp_cdc_enable_table @source_schema = N'${h.schema}', @source_name = N'captured', @role_name = NULL, @supports_net_changes = 1`);
      ep = await h.dialect.connect(url, 'source', CONNECT);
      const column = { name: 'id', dataType: 'bigint', precision: null, scale: null, length: null, datetimePrecision: null, nullable: false, collation: null, ordinal: 1 };
      table = { table: { schema: h.schema, name: 'captured' }, columns: [{ column, canonical: { type: 'int' } }], keys: [{ column, canonical: { type: 'int' } }] };
    }, 300_000);
    afterAll(async () => {
      await ep?.close();
    });

    async function lsns(ci: string): Promise<{ max_lsn: string | null; min_lsn: string | null }> {
      return (await ep.query<{ max_lsn: string | null; min_lsn: string | null }>(cdc!.lsnRangeStatement(ci)))[0]!;
    }

    it('the capture instance, its LSN range, and exactly the keys changed after an LSN (deletes included)', async () => {
      const instance = (await ep.query<{ capture_instance: string; net: number }>(cdc!.captureInstanceStatement(table)))[0]!;
      expect(instance.capture_instance).toBe(`${h.schema}_captured`);
      expect(Number(instance.net)).toBe(1);
      // The capture job harvests the log asynchronously: wait for a first LSN, then change rows.
      const first = await waitFor(async () => (await lsns(instance.capture_instance)).max_lsn);
      await h.exec(url, `UPDATE ${q('captured')} SET v = 20 WHERE id = 2; DELETE FROM ${q('captured')} WHERE id = 3; INSERT INTO ${q('captured')} (id, v) VALUES (5, 5)`);
      const last = await waitFor(async () => {
        const r = await lsns(instance.capture_instance);
        return r.max_lsn && r.max_lsn > first ? r.max_lsn : null;
      });
      expect(last).toMatch(/^0x[0-9A-F]{20}$/);
      const rows = await ep.query<{ k: string }>(cdc!.cdcChangedKeysStatement(table, instance.capture_instance, true, first, last));
      expect(rows.map((r) => r.k).sort()).toEqual(['2', '3', '5']);
      const all = await ep.query<{ k: string }>(cdc!.cdcChangedKeysStatement(table, instance.capture_instance, false, first, last));
      expect(all.map((r) => r.k).sort()).toEqual(['2', '3', '5']);
    }, 180_000);
  });
}

async function waitFor<T>(read: () => Promise<T | null | undefined>, timeoutMs = 120_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (v) return v;
    if (Date.now() > until) throw new Error('timed out waiting for the CDC capture job');
    await new Promise((r) => setTimeout(r, 1000));
  }
}
