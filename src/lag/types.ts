import type { LagReport } from '../report/model.js';

export type { LagReport };

/**
 * Pipeline lag: how far the Debezium connector's committed position is
 * behind the source's CDC position, in time and in LSN.
 */

/** The source side: where CDC capture is, and what has been captured after a given position. */
export interface CdcPositionSource {
  /** Database name (matched against the connector's offset partitions). */
  database(): Promise<string | null>;
  /** The newest captured position (SQL Server: sys.fn_cdc_get_max_lsn()) and its commit time; null when CDC has none. */
  maxPosition(): Promise<{ lsn: string; time: string | null } | null>;
  /**
   * Transactions captured after `lsn` (exclusive; the capture job's empty
   * progress entries excluded): how many, the oldest one's commit time, and
   * its age in seconds by the source's own clock.
   */
  pendingAfter(lsn: string): Promise<{ transactions: number; oldestTime: string | null; oldestAgeSeconds: number | null }>;
}

/** The pipeline side: the newest position the connector has committed. */
export interface ConnectorPosition {
  readonly connector: string;
  /** Committed LSN (normalised "xxxxxxxx:xxxxxxxx:xxxx"), undefined when the worker cannot say (with why). */
  committedLsn(database: string | null): Promise<{ lsn: string } | { unavailable: string }>;
}

export interface LagReader {
  measure(): Promise<LagReport>;
}
