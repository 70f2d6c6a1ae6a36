/**
 * A schema finding: one difference between the source table, its SQL Server
 * CDC capture instances and the target table, with how bad it is and how to
 * fix it. Severities:
 *  - error:   the data cannot match (a column only on one side, a column no
 *             capture instance captures, a key that differs, types that do
 *             not map, CDC off for the table);
 *  - warning: the data may lose precision or fail to replicate for some
 *             values (narrower precision, scale, length, time precision;
 *             nullability that differs);
 *  - info:    worth knowing (two capture instances alive, a type widened).
 */
import type { SchemaFinding, SchemaSeverity } from '../report/model.js';

export type { SchemaFinding, SchemaSeverity };

export const SCHEMA_SEVERITIES: readonly SchemaSeverity[] = ['error', 'warning', 'info'];

const RANK: Record<SchemaSeverity, number> = { error: 0, warning: 1, info: 2 };

/** Errors first, then warnings, then info; stable within a severity. */
export function sortFindings(findings: SchemaFinding[]): SchemaFinding[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => RANK[a.f.severity] - RANK[b.f.severity] || a.i - b.i)
    .map((x) => x.f);
}

/** Number of findings of each severity (every severity present, 0 when none). */
export function countBySeverity(findings: readonly SchemaFinding[]): Record<SchemaSeverity, number> {
  const out: Record<SchemaSeverity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) out[f.severity] += 1;
  return out;
}

export function hasSchemaErrors(findings: readonly SchemaFinding[] | undefined): boolean {
  return (findings ?? []).some((f) => f.severity === 'error');
}

/** A name in double quotes, for messages ("email"). */
export function q(name: string): string {
  return JSON.stringify(name);
}
