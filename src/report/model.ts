/** The versioned JSON report: what a run found, per table. */
import type { Mode } from '../config/schema.js';
import type { SchemaFinding } from '../schema/findings.js';
import type { LagReport } from '../lag/types.js';
import type { RunRepair, TableRepair } from '../repair/types.js';

export const REPORT_SCHEMA_VERSION = 1;

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
}

export interface RunReport {
  schemaVersion: number;
  tool: { name: string; version: string };
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

export function emptyTableResult(table: string, source: string, target: string, mode: Mode): TableResult {
  return {
    table,
    source,
    target,
    status: 'match',
    mode,
    hash: 'server',
    counts: { source: null, target: null },
    segments: { checked: 0, mismatched: 0 },
    mismatchedSegments: [],
    drift: { missing: 0, extra: 0, changed: 0 },
    inFlight: 0,
    rows: [],
    inFlightRows: [],
    rowsTruncated: false,
    columns: [],
    warnings: [],
    durationMs: 0,
    retries: 0,
    queries: 0,
  };
}

/** Overall status: any error wins, then any mismatch. */
export function overallStatus(tables: TableResult[]): TableStatus {
  if (tables.some((t) => t.status === 'error')) return 'error';
  if (tables.some((t) => t.status === 'mismatch')) return 'mismatch';
  return 'match';
}

export function totalsOf(tables: TableResult[]): RunReport['totals'] {
  const sum = (f: (t: TableResult) => number) => tables.reduce((a, t) => a + f(t), 0);
  return {
    tables: tables.length,
    matched: tables.filter((t) => t.status === 'match').length,
    mismatched: tables.filter((t) => t.status === 'mismatch').length,
    errors: tables.filter((t) => t.status === 'error').length,
    rowsMissing: sum((t) => t.drift.missing),
    rowsExtra: sum((t) => t.drift.extra),
    rowsChanged: sum((t) => t.drift.changed),
    rowsInFlight: sum((t) => t.inFlight),
    retries: sum((t) => t.retries),
  };
}

export function exitCodeFor(status: TableStatus): number {
  return status === 'match' ? 0 : status === 'mismatch' ? 1 : 2;
}
