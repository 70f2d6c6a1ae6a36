/** The versioned JSON report: what a run found, per table. Types only (engine/results.ts builds and totals it). */
import type { Mode } from '../config/schema.js';
import type { RepairMethod } from '../config/repair.js';

export type TableStatus = 'match' | 'mismatch' | 'error';
export type DriftKind = 'missing' | 'extra' | 'changed';

export interface DiffRow {
  kind: DriftKind;
  /** Key column (source name) -> canonical value. */
  key: Record<string, string>;
  /** For changed rows: source names of the columns whose values differ. */
  columns?: string[];
  /**
   * Changed text columns whose two values differ only in characters the two paths decode differently
   * (SQL Server vs the Debezium -> JDBC path): cp1252 bytes 0x81, 0x8D, 0x8F, 0x90, 0x9D (U+0081... on SQL
   * Server, U+FFFD in Java), lone surrogates in NVARCHAR ('?' or U+FFFD). Still reported as changed.
   */
  decoding?: string[];
}

export interface SegmentInfo {
  /** Range segments: inclusive key bounds; hash segments: residue of the key hash. */
  range?: [string, string];
  hash?: { modulus: number; residue: number };
  sourceCount: string;
  targetCount: string;
}

export interface TableResult {
  table: string;
  source: string;
  target: string;
  status: TableStatus;
  mode: Mode;
  hash: 'server' | 'client';
  segmentation?: 'range' | 'hash';
  counts: { source: number | null; target: number | null };
  segments: { checked: number; mismatched: number };
  mismatchedSegments: SegmentInfo[];
  drift: { missing: number; extra: number; changed: number };
  inFlight: number;
  rows: DiffRow[];
  inFlightRows: DiffRow[];
  rowsTruncated: boolean;
  /** What was compared, with the canonical type of each column pair. */
  columns: Array<{ source: string; target: string; canonical: string }>;
  warnings: string[];
  durationMs: number;
  retries: number;
  queries: number;
  /** Drift compared with the previous report (set by the cache sink). */
  trend?: 'new' | 'persisting' | 'resolved';
  /**
   * What decided the status when the data alone does not say it: e.g. "counts match (source 10, target 10);
   * mismatch from the schema check: cdc-disabled". Absent when the status is the data comparison's own.
   */
  statusReason?: string;
  /** Schema check (source vs CDC capture instances vs target); absent when it did not run. */
  schemaFindings?: SchemaFinding[];
  /** Repair of this table's drift (--repair); absent without it. */
  repair?: TableRepair;
  error?: { message: string; stage: string; class: string };
  /** scope: incremental: what this run verified, and the state it leaves for the next run. */
  incremental?: TableIncremental;
  /** Set when this run reconciled one part of a table split across shards (merge-reports joins the parts). */
  part?: { index: number; count: number; /** rows listed at most, so that the joined table lists as many as one run would */ maxDiffRows: number };
}

export interface RunReport {
  schemaVersion: number;
  tool: { name: string; version: string };
  /** Version of the canonical form the checksums were computed in (absent in reports before form 2: form 1). */
  canonicalForm?: number;
  runId: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  status: TableStatus;
  mode: Mode | 'mixed';
  configFile: string;
  shard?: { index: number; count: number };
  source: { dialect: string; version?: string };
  target: { dialect: string; version?: string };
  /** Database connections opened per endpoint during the run, and the time spent getting them (where the driver tells). */
  connections?: { source: number; target: number; acquireMs?: { source: number; target: number } };
  totals: {
    tables: number;
    matched: number;
    mismatched: number;
    errors: number;
    rowsMissing: number;
    rowsExtra: number;
    rowsChanged: number;
    rowsInFlight: number;
    retries: number;
  };
  tables: TableResult[];
  /** Tables whose mismatch went away since the previous report (set by the cache sink). */
  resolvedSincePrevious?: string[];
  /** CDC pipeline lag measured before the run (SQL Server sources, or `lag:` configured). */
  lag?: LagReport;
  /** What --repair did, over all tables. */
  repair?: RunRepair;
}

// Lag, repair and schema findings as the report holds them (their readers and writers live in lag/, repair/, schema/).

/** Pipeline lag: how far the Debezium connector's committed position is behind the source's CDC position. */
export interface LagReport {
  measuredAt: string;
  /**
   * `connector-offsets`: seconds is the age of the oldest change the connector
   * has not committed (0 when none); `source-only`: the connector position is
   * unknown, seconds is null; `unavailable`: the source position could not be read.
   */
  basis: 'connector-offsets' | 'source-only' | 'unavailable' | 'end-to-end';
  /** Pipeline lag, seconds; null when it could not be measured. */
  seconds: number | null;
  lsn: {
    /** Newest captured LSN on the source. */
    source: string | null;
    /** The connector's committed LSN. */
    connector: string | null;
    /** Captured transactions after the connector's LSN. */
    pendingTransactions: number | null;
  };
  /** Commit time of the newest captured change (source clock). */
  sourceTime: string | null;
  /** Commit time of the oldest change not yet committed by the connector (source clock). */
  oldestPendingTime: string | null;
  connector?: string;
  /** Recheck delay chosen from this lag, when none was configured (ms). */
  recheckDelayMs?: number;
  /** The pipeline's own readings, where configured (lag.heartbeat, lag.sink, lag.slot); null: looked for, not read. */
  readings?: LagReadings;
  warnings: string[];
}

export interface LagReadings {
  /** Seconds a heartbeat written on the source took to show on the target (opt-in write). */
  endToEndSeconds?: number | null;
  /** Messages the sink connector's consumer group has not read yet. */
  sinkConsumerMessages?: number | null;
  /** WAL bytes between the PostgreSQL source's current position and the connector slot's confirmed one. */
  sourceSlotBytes?: number | null;
  /** What each reading read: the heartbeat table (source), the sink connector, the slot. */
  heartbeatTable?: string;
  sinkConnector?: string;
  slot?: string;
}

/** What a repair did, as the JSON report shows it. */
export interface TableRepair {
  method: RepairMethod;
  dryRun: boolean;
  /**
   * signalled: signals written (debezium-signal); planned: dry run;
   * written: statements in the SQL file; skipped: nothing to do or not repairable (see reason);
   * failed: an error (see reason).
   */
  status: 'signalled' | 'planned' | 'written' | 'skipped' | 'failed';
  reason?: string;
  /** Drifted keys the repair covered. */
  keys: number;
  signals?: {
    /** How the signals went: the Kafka signal topic, or the signalling table on the source. */
    channel: 'kafka' | 'source';
    /** Where they went: the topic and key, or the signalling table as resolved in the source catalog. */
    table: string;
    /** Debezium data-collection id of the table. */
    collection: string;
    count: number;
    ids: string[];
    /** Keys signalled (missing and changed rows). */
    keys: number;
  };
  /** Extra rows: an incremental snapshot emits only rows that exist, so these need the deletes in `deletesFile`. */
  deletesRequired?: number;
  sql?: { upserts: number; deletes: number; leftOut: number };
  heal?: {
    checkedAt: string;
    /** From the send to the last check. */
    waitedMs: number;
    /** From the send to the check that found every key healed; null when some are not. */
    timeToHealMs: number | null;
    /** Times the keys were read again. */
    checks: number;
    healed: number;
    notHealed: number;
    /** Drift rows that match now (up to maxDiffRows). */
    healedRows: DiffRow[];
    /** Drift rows that still differ, as they differ now (up to maxDiffRows). */
    notHealedRows: DiffRow[];
  };
}

export interface RunRepair {
  method: RepairMethod;
  dryRun: boolean;
  tables: number;
  keys: number;
  signals: number;
  healed: number;
  notHealed: number;
  /** `repair: sql`: the reviewed SQL file. */
  sqlFile?: string;
  /** `debezium-signal` with extra rows: the reviewed DELETEs a snapshot cannot do. */
  deletesFile?: string;
  warnings: string[];
}

/** A schema finding's severity (see schema/findings.ts for what each means). */
export type SchemaSeverity = 'error' | 'warning' | 'info';

export interface SchemaFinding {
  /** The table id of the config (as in TableResult.table). */
  table: string;
  severity: SchemaSeverity;
  /** Stable kebab-case identifier, e.g. "column-missing-in-target" (documented in the README). */
  code: string;
  /** Plain explanation: what differs and what it does to the data. */
  message: string;
  /** What to run or change (SQL, or a config change); may span several lines. */
  fix?: string;
  /** The column concerned, when there is one (source name; target name for target-only columns). */
  column?: string;
}

/** What an incremental run of a table verified (scope: incremental). */
export interface TableIncremental {
  /** incremental, or full when the state could not be trusted (see reason). */
  scope: 'incremental' | 'full';
  reason?: string;
  changeColumn: string | null;
  /** Where the key-by-key pass started: the change column's point (canonical text), or the CDC window. */
  since?: string;
  /** The source's newest change when the run started (canonical text): the next run starts from it. */
  watermark: string | null;
  /** Keys changed since `since` on either side, all verified. */
  changedKeys: number;
  /** Of those, keys whose rows differed when first read. */
  changedKeysDiffering: number;
  /** The slice of the key space verified whole (1/count of it) and the rows it held. */
  slice?: { index: number; count: number; rows: number };
  coverage: number;
  /** Seconds since the least recently verified slice was verified (0 after a full run). */
  coverageAgeSeconds?: number;
  /** The state for the next run (engine/incremental.ts). */
  state?: {
    changeColumn: string | null;
    coverage: number;
    watermark: string | null;
    nextSlice: number;
    sliceVerifiedAt: string[];
  };
}
