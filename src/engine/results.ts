/** Building a report: an empty table result, the overall status and the totals of a run. */
import type { Mode } from '../config/schema.js';
import type { RunReport, TableResult, TableStatus } from '../report/model.js';

/** Version of the JSON report's shape (bumped on any incompatible change). */
export const REPORT_SCHEMA_VERSION = 1;

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

/** 0 match, 1 mismatch, 2 error. */
export function exitCodeFor(status: TableStatus): number {
  return status === 'match' ? 0 : status === 'mismatch' ? 1 : 2;
}
