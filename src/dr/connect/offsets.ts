/**
 * Can saved connector offsets be restored, or must the connector re-snapshot?
 *
 * A Debezium SQL Server source connector's offset holds the LSN it had read
 * up to (commit_lsn / change_lsn). After a restore, SQL Server's CDC change
 * tables only keep changes for the retention period (4320 minutes = 72 h by
 * default) once the cleanup job runs again. If the saved LSN is older than
 * what CDC still holds (known exactly from sys.fn_cdc_get_min_lsn when the
 * server is reachable, otherwise from the offsets' age against the retention)
 * restoring the offsets would make the connector fail; it must re-snapshot
 * with snapshot.mode=when_needed instead. An LSN newer than the restored
 * database's max LSN means the connector had read changes that the restored
 * database no longer has: a re-snapshot too.
 */
import type { OffsetEntry } from './client.js';

/** Parses "0000002b:00000498:0003", "0x0000002B000004980003" or 20 hex digits into a comparable number. */
export function parseLsn(text: string): bigint | undefined {
  const t = text.trim();
  let m = /^([0-9a-f]{1,8}):([0-9a-f]{1,8}):([0-9a-f]{1,4})$/i.exec(t);
  if (m) return (BigInt(`0x${m[1]}`) << 48n) | (BigInt(`0x${m[2]}`) << 16n) | BigInt(`0x${m[3]}`);
  m = /^(?:0x)?([0-9a-f]{20})$/i.exec(t);
  if (m) return BigInt(`0x${m[1]}`);
  return undefined;
}

export function formatLsn(lsn: bigint): string {
  const hex = lsn.toString(16).padStart(20, '0');
  return `${hex.slice(0, 8)}:${hex.slice(8, 16)}:${hex.slice(16)}`;
}

export interface LsnBounds {
  /** Oldest LSN the CDC change tables still hold (sys.fn_cdc_get_min_lsn, min over capture instances). */
  min: string;
  /** Newest LSN of the database (sys.fn_cdc_get_max_lsn). */
  max: string;
}

export type OffsetAction = 'restore-offsets' | 'resnapshot' | 'none';

export interface OffsetAssessment {
  connector: string;
  kind: 'sqlserver-source' | 'other';
  action: OffsetAction;
  reason: string;
  /** The oldest saved LSN (SQL Server sources). */
  lsn?: string;
}

export function isSqlServerSource(config: Record<string, string>): boolean {
  return /sqlserver\.SqlServerConnector$/i.test(config['connector.class'] ?? '');
}

/** The oldest LSN among the saved offsets, and whether a snapshot was in progress. */
export function savedLsn(offsets: OffsetEntry[]): { lsn: bigint | undefined; snapshotInProgress: boolean } {
  let lsn: bigint | undefined;
  let snapshotInProgress = false;
  for (const e of offsets) {
    const o = e.offset ?? {};
    if (o.snapshot === true && o.snapshot_completed !== true) snapshotInProgress = true;
    for (const k of ['commit_lsn', 'change_lsn']) {
      const v = o[k];
      const parsed = typeof v === 'string' ? parseLsn(v) : undefined;
      if (parsed !== undefined && (lsn === undefined || parsed < lsn)) lsn = parsed;
    }
  }
  return { lsn, snapshotInProgress };
}

export function assessOffsets(input: {
  connector: string;
  config: Record<string, string>;
  offsets: OffsetEntry[] | null;
  /** When the offsets were read (manifest offsetsCapturedAt). */
  savedAt: Date;
  now: Date;
  /** CDC retention on the restored database, minutes. */
  retentionMinutes: number;
  bounds?: LsnBounds;
}): OffsetAssessment {
  const { connector } = input;
  const sqlserver = isSqlServerSource(input.config);
  const kind = sqlserver ? 'sqlserver-source' : 'other';
  if (!input.offsets || input.offsets.length === 0) {
    return { connector, kind, action: 'none', reason: 'no offsets were saved (worker without the offsets API, or connector had none); it starts as its snapshot.mode says' };
  }
  if (!sqlserver) {
    return { connector, kind, action: 'restore-offsets', reason: 'offsets as saved (replays from the backup point if Kafka still retains those records)' };
  }
  const { lsn, snapshotInProgress } = savedLsn(input.offsets);
  if (snapshotInProgress) {
    return { connector, kind, action: 'resnapshot', reason: 'the saved offsets were taken in the middle of a snapshot: re-snapshot with snapshot.mode=when_needed' };
  }
  if (lsn === undefined) {
    return { connector, kind, action: 'resnapshot', reason: 'the saved offsets hold no LSN: re-snapshot with snapshot.mode=when_needed' };
  }
  const lsnText = formatLsn(lsn);
  if (input.bounds) {
    const min = parseLsn(input.bounds.min);
    const max = parseLsn(input.bounds.max);
    if (min !== undefined && lsn < min) {
      return { connector, kind, action: 'resnapshot', lsn: lsnText, reason: `saved LSN ${lsnText} is older than the oldest change CDC still holds (${formatLsn(min)}, retention ${input.retentionMinutes} min): the connector must re-snapshot (snapshot.mode=when_needed)` };
    }
    if (max !== undefined && lsn > max) {
      return { connector, kind, action: 'resnapshot', lsn: lsnText, reason: `saved LSN ${lsnText} is newer than the restored database's max LSN ${formatLsn(max)} (changes after the backup are gone): the connector must re-snapshot (snapshot.mode=when_needed)` };
    }
    return { connector, kind, action: 'restore-offsets', lsn: lsnText, reason: `saved LSN ${lsnText} is within the CDC range ${input.bounds.min}..${input.bounds.max}` };
  }
  const ageMinutes = (input.now.getTime() - input.savedAt.getTime()) / 60_000;
  const ageH = (ageMinutes / 60).toFixed(1);
  if (ageMinutes > input.retentionMinutes) {
    return {
      connector,
      kind,
      action: 'resnapshot',
      lsn: lsnText,
      reason: `saved offsets (LSN ${lsnText}) are ${ageH} h old, beyond the CDC retention of ${input.retentionMinutes / 60} h: that LSN is older than the CDC retention on the restored database, so the connector must re-snapshot (snapshot.mode=when_needed) instead of restoring these offsets`,
    };
  }
  return { connector, kind, action: 'restore-offsets', lsn: lsnText, reason: `saved offsets are ${ageH} h old, within the CDC retention of ${input.retentionMinutes / 60} h` };
}
