/**
 * PostgreSQL source position of a Debezium connector: how far its replication slot's confirmed flush
 * position is behind the current WAL position (bytes). The connector confirms a position only after
 * Kafka has its changes, so this is the source side of the pipeline lag.
 */
import type pg from 'pg';

export interface SlotLag {
  slot: string;
  /** pg_current_wal_lsn() */
  currentLsn: string;
  /** The slot's confirmed_flush_lsn; null before the connector confirmed anything. */
  confirmedLsn: string | null;
  /** WAL bytes between the two (0 when caught up); null when the slot has confirmed nothing. */
  bytesBehind: number | null;
  /** Whether a connector is attached to the slot now. */
  active: boolean;
}

type Queryable = Pick<pg.Client, 'query'>;

/** Reads one slot; null when there is no such slot (wrong name, or the connector never started). */
export async function readSlotLag(db: Queryable, slot: string): Promise<SlotLag | null> {
  const { rows } = await db.query<{ current: string; confirmed: string | null; behind: string | null; active: boolean }>(
    `SELECT pg_current_wal_lsn()::text AS current, confirmed_flush_lsn::text AS confirmed,
            pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::text AS behind, active
       FROM pg_replication_slots WHERE slot_name = $1`,
    [slot],
  );
  const r = rows[0];
  if (!r) return null;
  return { slot, currentLsn: r.current, confirmedLsn: r.confirmed, bytesBehind: r.behind === null ? null : Math.max(0, Number(r.behind)), active: r.active };
}
