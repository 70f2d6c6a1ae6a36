/**
 * PgCdcPositionDouble: the source half of the lag reader for a PostgreSQL
 * source in tests (PostgreSQL has no sys.fn_cdc_get_max_lsn). It keeps SQL
 * Server's model in a real table, `cdc_lsn_time_mapping` (start_lsn as 20 hex
 * digits, tran_end_time, tran_id, with all-zero tran_ids for the capture
 * job's progress-only rows), and answers the CdcPositionSource questions with
 * the same semantics as src/lag/mssql.ts, ages by the server's clock.
 */
import pg from 'pg';
import { parseLsn } from '../../src/dr/connect/offsets.js';
import { normaliseLsn } from '../../src/lag/mssql.js';
import type { CdcPositionSource } from '../../src/lag/types.js';

export const LSN_MAPPING_DDL =
  'CREATE TABLE cdc_lsn_time_mapping (start_lsn char(20) PRIMARY KEY, tran_end_time timestamptz NOT NULL, tran_id bytea NOT NULL)';

export const ZERO_TRAN = '\\x00000000000000000000';

export function lsnHex(lsn: string): string {
  const n = parseLsn(lsn);
  if (n === undefined) throw new Error(`not an LSN: ${lsn}`);
  return n.toString(16).padStart(20, '0');
}

export class PgCdcPositionDouble implements CdcPositionSource {
  constructor(private readonly url: string) {}

  private async query<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
    const c = new pg.Client({ connectionString: this.url });
    await c.connect();
    try {
      return (await c.query<T>(text, values)).rows;
    } finally {
      await c.end();
    }
  }

  async database(): Promise<string | null> {
    return (await this.query<{ db: string }>('SELECT current_database() AS db'))[0]?.db ?? null;
  }

  async maxPosition(): Promise<{ lsn: string; time: string | null } | null> {
    const r = (await this.query<{ lsn: string; t: string }>(
      "SELECT start_lsn AS lsn, to_char(tran_end_time, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS') AS t FROM cdc_lsn_time_mapping ORDER BY start_lsn DESC LIMIT 1",
    ))[0];
    return r ? { lsn: normaliseLsn(r.lsn)!, time: r.t } : null;
  }

  async pendingAfter(lsn: string) {
    const r = (await this.query<{ n: string; t: string | null; age_ms: string | null }>(
      "SELECT count(*)::text AS n, to_char(min(tran_end_time), 'YYYY-MM-DD\"T\"HH24:MI:SS.MS') AS t, " +
        '(extract(epoch FROM clock_timestamp() - min(tran_end_time)) * 1000)::bigint::text AS age_ms ' +
        `FROM cdc_lsn_time_mapping WHERE start_lsn > $1 AND tran_id <> '${ZERO_TRAN}'::bytea`,
      [lsnHex(lsn)],
    ))[0]!;
    return { transactions: Number(r.n), oldestTime: r.t, oldestAgeSeconds: r.age_ms === null ? null : Number(r.age_ms) / 1000 };
  }
}
