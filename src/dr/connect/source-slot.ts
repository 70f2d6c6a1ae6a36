/**
 * Reads a Debezium PostgreSQL source connector's replication slot on its
 * source database (read-only: pg_replication_slots and the current WAL
 * position), so a restore can tell whether the saved offsets can still be
 * replayed. The database is reached through the env var the backup config
 * names for the connector (kafkaConnect.sources), else through the
 * connector's own config (hostname, port, user, dbname, its password).
 */
import pg from 'pg';
import type { SlotPosition } from './offsets.js';

/** A postgres:// URL from a Debezium PostgreSQL connector's config (password already resupplied). */
export function sourceUrlFromConfig(config: Record<string, string>): string | undefined {
  const host = config['database.hostname'];
  const db = config['database.dbname'];
  if (!host || !db) return undefined;
  const u = new URL('postgres://placeholder');
  u.hostname = host;
  u.port = config['database.port'] ?? '5432';
  u.username = encodeURIComponent(config['database.user'] ?? 'postgres');
  const pw = config['database.password'];
  if (pw) u.password = encodeURIComponent(pw);
  u.pathname = `/${encodeURIComponent(db)}`;
  const ssl = config['database.sslmode'];
  if (ssl && ssl !== 'disable') u.searchParams.set('sslmode', ssl);
  return u.toString();
}

/** The slot name a Debezium PostgreSQL connector uses (its default is "debezium"). */
export function slotNameOf(config: Record<string, string>): string {
  return config['slot.name'] || 'debezium';
}

export async function readSlotPosition(url: string, slot: string, timeoutMs = 10_000): Promise<SlotPosition> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs, application_name: 'cdc-recon-restore' });
  await c.connect();
  try {
    const cur = await c.query<{ lsn: string }>('SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text AS lsn');
    const { rows } = await c.query<{ confirmed: string | null; restart: string | null; wal_status: string | null }>(
      `SELECT confirmed_flush_lsn::text AS confirmed, restart_lsn::text AS restart, wal_status FROM pg_replication_slots WHERE slot_name = $1`,
      [slot],
    );
    const r = rows[0];
    return r
      ? { slot, exists: true, confirmedFlushLsn: r.confirmed, restartLsn: r.restart, walStatus: r.wal_status, currentLsn: cur.rows[0]!.lsn }
      : { slot, exists: false, currentLsn: cur.rows[0]!.lsn };
  } finally {
    await c.end().catch(() => undefined);
  }
}
