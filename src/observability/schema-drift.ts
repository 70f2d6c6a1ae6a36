/**
 * `reconciliation_schema_drift{table_name,severity}` from a run report: the
 * number of schema findings of each table by severity (error, warning, info).
 *
 * Integration point for the metrics sink (src/sinks/metrics.ts): call
 * `recordSchemaFindings(this.metrics, report)` in `RunMetrics.recordReport`,
 * next to `recordTable`. The alert `ReconciliationSchemaDrift` fires on
 * `severity="error"` > 0.
 *
 * Every table of the report gets all three series, so a push always replaces
 * yesterday's values (an alert resolves on the next clean run). A table whose
 * schema check did not run (it errored before, or the report predates the
 * check) gets NaN, like every other measurement a run could not make.
 */
import type { RunReport, TableResult } from '../report/model.js';
import { countBySeverity } from '../schema/findings.js';
import type { DriftSeverity, ReconMetrics } from './metrics.js';

/** Findings per severity for one table; NaN for every severity when the check did not run. */
export function schemaDriftCounts(t: Pick<TableResult, 'schemaFindings'>): Record<DriftSeverity, number> {
  if (!t.schemaFindings) return { error: Number.NaN, warning: Number.NaN, info: Number.NaN };
  return countBySeverity(t.schemaFindings);
}

export function recordSchemaFindings(metrics: Pick<ReconMetrics, 'recordSchemaDrift'>, report: Pick<RunReport, 'tables'>): void {
  for (const t of report.tables) metrics.recordSchemaDrift(t.table, schemaDriftCounts(t));
}
