/**
 * Schema findings in the GitHub job summary: one collapsible block per table
 * with findings, errors first, each with its fix in a code block. Text is
 * redacted and HTML-escaped like the rest of the summary.
 *
 * Integration point for the summary sink (src/sinks/summary.ts): call
 * `renderSchemaFindings(s, report)` in `renderSummary`, after the table of
 * tables. It adds nothing when no table has findings.
 */
import type * as core from '@actions/core';
import type { RunReport } from '../report/model.js';
import { escapeHtml } from '../util/html.js';
import { countBySeverity, type SchemaSeverity } from './findings.js';

type Summary = typeof core.summary;

const ICON: Record<SchemaSeverity, string> = { error: '❌ error', warning: '⚠️ warning', info: 'ℹ️ info' };

export function renderSchemaFindings(s: Summary, report: Pick<RunReport, 'tables'>): Summary {
  const withFindings = report.tables.filter((t) => (t.schemaFindings ?? []).length > 0);
  if (withFindings.length === 0) return s;
  s.addHeading('Schema check', 3);
  for (const t of withFindings) {
    const findings = t.schemaFindings!;
    const n = countBySeverity(findings);
    const items = findings.map((f) => {
      const fix = f.fix ? `<br/>Fix:<pre><code>${escapeHtml(f.fix)}</code></pre>` : '';
      return `<li>${ICON[f.severity]} <code>${escapeHtml(f.code)}</code>: ${escapeHtml(f.message)}${fix}</li>`;
    });
    s.addDetails(`${escapeHtml(t.table)}: ${n.error} error(s), ${n.warning} warning(s), ${n.info} info`, `<ul>${items.join('')}</ul>`);
  }
  return s;
}
