/**
 * SQL Server's CDC position, read with T-SQL through a read-only endpoint
 * (parser-checked in test/unit/repair-tsql.test.ts). Times are compared with
 * SYSDATETIME() on the server, in the server's own clock and time zone (the
 * cdc tables store local datetimes), so neither clock skew nor the runner's
 * time zone can bend the number.
 *
 * The capture job also writes progress-only rows to cdc.lsn_time_mapping in
 * idle periods (tran_id all zeros, no change-table rows): those are not
 * pending changes and are excluded, so an idle database shows no lag.
 */
import type { Endpoint } from '../dialects/types.js';
import { formatLsn, parseLsn } from '../dr/connect/offsets.js';
import type { CdcPositionSource } from './types.js';

export const DATABASE_SQL = 'SELECT DB_NAME() AS database_name';

/** The newest captured LSN and its commit time (ISO 8601, server local time). */
export const MAX_POSITION_SQL =
  'SELECT CONVERT(VARCHAR(22), l.max_lsn, 1) AS max_lsn, CONVERT(VARCHAR(23), sys.fn_cdc_map_lsn_to_time(l.max_lsn), 126) AS max_lsn_time ' +
  'FROM (SELECT sys.fn_cdc_get_max_lsn() AS max_lsn) AS l';

/** @p1: the connector's LSN (binary(10)). Transactions captured after it, and the oldest one's commit time and age. */
export const PENDING_SQL =
  'SELECT COUNT_BIG(*) AS pending, CONVERT(VARCHAR(23), MIN(m.tran_end_time), 126) AS oldest_time, ' +
  'DATEDIFF_BIG(MILLISECOND, MIN(m.tran_end_time), SYSDATETIME()) AS oldest_age_ms ' +
  'FROM cdc.lsn_time_mapping AS m WHERE m.start_lsn > @p1 AND m.tran_id <> 0x00000000000000000000';

/** "0x0000002B000004980003" / "0000002b:00000498:0003" -> the 10 bytes of a binary(10) LSN. */
export function lsnBytes(lsn: string): Buffer {
  const n = parseLsn(lsn);
  if (n === undefined) throw new Error(`not an LSN: ${JSON.stringify(lsn.slice(0, 40))}`);
  return Buffer.from(n.toString(16).padStart(20, '0'), 'hex');
}

/** Any LSN spelling -> "xxxxxxxx:xxxxxxxx:xxxx". */
export function normaliseLsn(lsn: string): string | null {
  const n = parseLsn(lsn);
  return n === undefined ? null : formatLsn(n);
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export class MssqlCdcPosition implements CdcPositionSource {
  constructor(private readonly endpoint: Endpoint) {}

  async database(): Promise<string | null> {
    const rows = await this.endpoint.query<{ database_name: string | null }>({ text: DATABASE_SQL, values: [], label: 'lag-database' });
    return rows[0]?.database_name ?? null;
  }

  async maxPosition(): Promise<{ lsn: string; time: string | null } | null> {
    const rows = await this.endpoint.query<{ max_lsn: string | null; max_lsn_time: string | null }>({ text: MAX_POSITION_SQL, values: [], label: 'lag-max-lsn' });
    const r = rows[0];
    if (!r?.max_lsn) return null;
    return { lsn: normaliseLsn(r.max_lsn) ?? r.max_lsn, time: r.max_lsn_time };
  }

  async pendingAfter(lsn: string) {
    const rows = await this.endpoint.query<{ pending: unknown; oldest_time: string | null; oldest_age_ms: unknown }>({
      text: PENDING_SQL,
      values: [lsnBytes(lsn)],
      label: 'lag-pending',
    });
    const r = rows[0];
    const ms = num(r?.oldest_age_ms);
    return { transactions: num(r?.pending) ?? 0, oldestTime: r?.oldest_time ?? null, oldestAgeSeconds: ms === null ? null : Math.max(0, ms) / 1000 };
  }
}
