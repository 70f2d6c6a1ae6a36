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

// ------------------------------------------------------------------ PostgreSQL sources

/**
 * A Debezium PostgreSQL source connector's offset holds numeric LSNs: `lsn_commit` (the commit LSN of
 * the last transaction it handled; what the connector confirms to its replication slot once the offset
 * is committed), `lsn_proc` (the last change completely processed) and `lsn`. The replication slot
 * keeps WAL only from its `restart_lsn`, and replays nothing before its `confirmed_flush_lsn`: a
 * connector restored with an offset older than the slot's confirmed position resumes at the slot, and
 * the changes in between are never read again from the source.
 */
export function isPostgresSource(config: Record<string, string>): boolean {
  return /postgresql\.PostgresConnector$/i.test(config['connector.class'] ?? '');
}

/** "16/B374D848" into a number; undefined when not an LSN. */
export function parsePgLsn(text: string | null | undefined): bigint | undefined {
  const m = /^([0-9a-f]{1,8})\/([0-9a-f]{1,8})$/i.exec((text ?? '').trim());
  return m ? (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`) : undefined;
}

export function formatPgLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

function lsnField(v: unknown): bigint | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v);
  return undefined;
}

/** The position a saved PostgreSQL offset resumes from (the oldest over its partitions), and whether a snapshot was in progress. */
export function savedPgLsn(offsets: OffsetEntry[]): { lsn: bigint | undefined; snapshotInProgress: boolean } {
  let lsn: bigint | undefined;
  let snapshotInProgress = false;
  for (const e of offsets) {
    const o = e.offset ?? {};
    if ((o.snapshot === true || o.snapshot === 'true') && o.last_snapshot_record !== true) snapshotInProgress = true;
    // The same field the connector confirms to its slot: lsn_commit, else lsn_proc, else lsn.
    const v = lsnField(o.lsn_commit) ?? lsnField(o.lsn_proc) ?? lsnField(o.lsn);
    if (v !== undefined && (lsn === undefined || v < lsn)) lsn = v;
  }
  return { lsn, snapshotInProgress };
}

/** What the source's replication slot says now (pg_replication_slots). */
export interface SlotPosition {
  slot: string;
  /** false: no slot of that name on the source. */
  exists: boolean;
  confirmedFlushLsn?: string | null;
  restartLsn?: string | null;
  currentLsn: string;
  /** pg_replication_slots.wal_status (PostgreSQL 13+): 'lost' once the WAL it needs is gone. */
  walStatus?: string | null;
}

export interface SourceGap {
  /** slot-ahead: the slot confirmed past the saved offset; slot-missing / slot-lost: the slot cannot replay at all; source-behind: the offset is ahead of the source's WAL. */
  kind: 'slot-ahead' | 'slot-missing' | 'slot-lost' | 'source-behind';
  savedLsn: string;
  slotLsn?: string;
  /** WAL bytes between the saved offset and the slot's position. */
  bytes?: number;
}

export interface PostgresPositionCheck {
  status: 'ok' | 'gap' | 'unchecked';
  /**
   * The slot no longer holds the WAL from the saved offset (restart_lsn past it, slot gone or lost):
   * Debezium refuses to start from that offset ("no longer available on the server").
   */
  unavailable?: boolean;
  savedLsn?: string;
  slot?: SlotPosition;
  gap?: SourceGap;
  /** One line for the plan. */
  reason: string;
}

/** Compares a saved offset with the slot: the restored connector can resume exactly from its offset, or not. */
export function checkPostgresPosition(offsets: OffsetEntry[], slot: SlotPosition): PostgresPositionCheck {
  const { lsn } = savedPgLsn(offsets);
  if (lsn === undefined) return { status: 'unchecked', slot, reason: 'the saved offsets hold no LSN: the position was not checked' };
  const savedLsn = formatPgLsn(lsn);
  if (!slot.exists) {
    return {
      status: 'gap',
      savedLsn,
      slot,
      unavailable: true,
      gap: { kind: 'slot-missing', savedLsn },
      reason: `replication slot ${slot.slot} does not exist on the source: the connector will create it at the current WAL position ${slot.currentLsn}, and every change since the saved offset (LSN ${savedLsn}) is lost to it`,
    };
  }
  if (slot.walStatus === 'lost') {
    return {
      status: 'gap',
      savedLsn,
      slot,
      unavailable: true,
      gap: { kind: 'slot-lost', savedLsn },
      reason: `replication slot ${slot.slot} has lost the WAL it needs (wal_status lost, max_slot_wal_keep_size): the changes after the saved offset (LSN ${savedLsn}) cannot be read again`,
    };
  }
  const confirmed = parsePgLsn(slot.confirmedFlushLsn) ?? parsePgLsn(slot.restartLsn);
  const restart = parsePgLsn(slot.restartLsn);
  const current = parsePgLsn(slot.currentLsn);
  if (restart !== undefined && lsn < restart) {
    const bytes = Number((confirmed ?? restart) - lsn);
    return {
      status: 'gap',
      unavailable: true,
      savedLsn,
      slot,
      gap: { kind: 'slot-ahead', savedLsn, slotLsn: formatPgLsn(confirmed ?? restart), bytes },
      reason:
        `saved offset LSN ${savedLsn} is older than replication slot ${slot.slot}'s restart_lsn ${formatPgLsn(restart)} (confirmed ${formatPgLsn(confirmed ?? restart)}, ${bytes} bytes of WAL past the offset): ` +
        'the WAL from the saved offset is gone, the changes in between cannot be read again, and Debezium refuses to start from that offset ("no longer available on the server")',
    };
  }
  if (confirmed !== undefined && lsn < confirmed) {
    const bytes = Number(confirmed - lsn);
    return {
      status: 'gap',
      savedLsn,
      slot,
      gap: { kind: 'slot-ahead', savedLsn, slotLsn: formatPgLsn(confirmed), bytes },
      reason:
        `saved offset LSN ${savedLsn} is older than replication slot ${slot.slot}'s confirmed position ${formatPgLsn(confirmed)} (${bytes} bytes of WAL): ` +
        `the slot cannot replay transactions that committed in between; the connector resumes at ${formatPgLsn(confirmed)}. ` +
        'Changes the connector streamed after the backup are in Kafka (the restored sink offsets replay them from there if the topics still hold them); ' +
        'changes it never streamed are lost to it (an idle connector also confirms WAL past its last offset: a gap of a few hundred bytes may hold nothing)',
    };
  }
  if (current !== undefined && lsn > current) {
    return {
      status: 'gap',
      savedLsn,
      slot,
      gap: { kind: 'source-behind', savedLsn, slotLsn: formatPgLsn(current) },
      reason: `saved offset LSN ${savedLsn} is ahead of the source's current WAL position ${formatPgLsn(current)}: the source was restored or replaced after the backup, and the connector would skip its changes up to ${savedLsn}`,
    };
  }
  return {
    status: 'ok',
    savedLsn,
    slot,
    reason: `saved offset LSN ${savedLsn} is at or after replication slot ${slot.slot}'s confirmed position ${slot.confirmedFlushLsn ?? slot.restartLsn ?? '(none yet)'}: the connector resumes exactly there`,
  };
}

/** The tables a Debezium source captures, from its config (for the advice after a gap). */
/** A comma-separated connector config value as its entries. */
function configList(value: string | undefined): string[] {
  return value ? value.split(',').map((t) => t.trim()).filter(Boolean) : [];
}

export function capturedTables(config: Record<string, string>): string[] {
  return configList(config['table.include.list'] ?? config['table.whitelist']);
}

/**
 * What to do about a gap: reconcile the captured tables and heal the drift with an incremental snapshot
 * (cdc-recon's Debezium-signal repair), or signal an incremental snapshot of the whole tables.
 */
export function gapAdvice(connector: string, config: Record<string, string>): string[] {
  const tables = capturedTables(config);
  // A schema-wide connector (schema.include.list) names no tables: name its schemas instead.
  const schemas = configList(config['schema.include.list']);
  const placeholder = schemas.length ? `<the tables of schema ${schemas.join(', ')}>` : '<the tables it captures>';
  const shown = tables.length ? tables.join(' ') : placeholder;
  const out = [
    `${connector}: reconcile the tables it captures and heal what the gap lost with an incremental snapshot of exactly the drifted keys: cdc-recon reconcile -c <config> -t ${shown} --repair debezium-signal`,
  ];
  const signal = {
    type: 'execute-snapshot',
    data: { 'data-collections': tables.length ? tables : ['<schema.table>'], type: 'incremental' },
  };
  const table = config['signal.data.collection'];
  if (table) {
    const name = table.split('.').slice(-2).join('.');
    out.push(
      `${connector}: or snapshot the whole tables again, incrementally: INSERT INTO ${name} (id, type, data) VALUES ('cdc-recon-restore-${Date.now()}', 'execute-snapshot', '${JSON.stringify(signal.data)}');`,
    );
  } else {
    out.push(
      `${connector}: or snapshot the whole tables again, incrementally, with the execute-snapshot signal ${JSON.stringify(signal)} (the connector has no signal.data.collection: enable a signal channel in its config first)`,
    );
  }
  return out;
}
