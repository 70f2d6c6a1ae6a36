/** A report's findings without the timings and counters that differ between two runs of the same data. */
import type { RunReport, TableResult } from '../../src/report/model.js';

export function comparableTable(t: TableResult) {
  const key = (r: { kind: string; key: Record<string, string>; columns?: string[] }) => `${r.kind} ${JSON.stringify(r.key)} ${(r.columns ?? []).join(',')}`;
  return {
    table: t.table,
    status: t.status,
    counts: t.counts,
    drift: t.drift,
    inFlight: t.inFlight,
    rows: t.rows.map(key).sort(),
    error: t.error?.message,
  };
}

export function comparableReport(r: RunReport) {
  const { rowsMissing, rowsExtra, rowsChanged, rowsInFlight, tables, matched, mismatched, errors } = r.totals;
  return {
    status: r.status,
    totals: { rowsMissing, rowsExtra, rowsChanged, rowsInFlight, tables, matched, mismatched, errors },
    tables: [...r.tables].sort((a, b) => a.table.localeCompare(b.table)).map(comparableTable),
  };
}
