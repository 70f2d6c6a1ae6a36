/** A readable plain-text rendering of a report, for terminals and the demo. */
import type { RunReport, TableResult } from './model.js';
import { incrementalLine } from './incremental-text.js';

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function keyText(key: Record<string, string>): string {
  return Object.entries(key).map(([k, v]) => `${k}=${v}`).join(', ');
}

/** Schema findings, errors first, each with its fix indented under it. */
function findingLines(t: TableResult): string[] {
  const lines: string[] = [];
  for (const f of t.schemaFindings ?? []) {
    lines.push(`  ${t.table}: schema ${f.severity} [${f.code}]: ${f.message}`);
    if (f.fix) {
      const [first, ...rest] = f.fix.split('\n');
      lines.push(`      fix: ${first}`, ...rest.map((l) => `           ${l}`));
    }
  }
  return lines;
}

function tableLines(t: TableResult, maxRows: number): string[] {
  const lines: string[] = [];
  if (t.status === 'error') {
    lines.push(`  ${t.table}: ERROR (${t.error?.stage}): ${t.error?.message}`);
    lines.push(...findingLines(t));
    return lines;
  }
  if (t.statusReason) lines.push(`  ${t.table}: ${t.status.toUpperCase()}: ${t.statusReason}`);
  lines.push(...findingLines(t));
  for (const r of t.rows.slice(0, maxRows)) {
    const decoding = r.decoding?.length ? ` (differ only in characters the two sides decode differently: ${r.decoding.join(', ')})` : '';
    const cols = r.columns && r.columns.length ? `  columns: ${r.columns.join(', ')}${decoding}` : '';
    lines.push(`  ${t.table}: ${pad(r.kind, 8)} ${keyText(r.key)}${cols}`);
  }
  if (t.rows.length > maxRows || t.rowsTruncated) lines.push(`  ${t.table}: … more rows in the JSON report`);
  for (const r of t.inFlightRows.slice(0, maxRows)) lines.push(`  ${t.table}: in-flight ${keyText(r.key)}`);
  const inc = incrementalLine(t);
  if (inc) lines.push(`  ${t.table}: ${inc}`);
  for (const w of t.warnings) lines.push(`  ${t.table}: warning: ${w}`);
  return lines;
}

export function renderText(report: RunReport, maxRows = 20): string {
  const header = ['table', 'status', 'source', 'target', 'missing', 'extra', 'changed', 'in-flight', 'segments', 'seconds'];
  const rows = report.tables.map((t) => [
    t.table,
    t.status.toUpperCase(),
    String(t.counts.source ?? '-'),
    String(t.counts.target ?? '-'),
    String(t.drift.missing),
    String(t.drift.extra),
    String(t.drift.changed),
    String(t.inFlight),
    `${t.segments.mismatched}/${t.segments.checked}`,
    (t.durationMs / 1000).toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => pad(c, widths[i]!)).join('  ');
  const out = [
    `cdc-recon ${report.tool.version} — run ${report.runId}`,
    `status: ${report.status.toUpperCase()}  (${report.totals.tables} tables: ${report.totals.matched} match, ${report.totals.mismatched} mismatch, ${report.totals.errors} error)`,
    '',
    fmt(header),
    fmt(widths.map((w) => '-'.repeat(w))),
    ...rows.map(fmt),
  ];
  const details = report.tables.flatMap((t) => tableLines(t, maxRows));
  if (details.length) out.push('', 'details:', ...details);
  return `${out.join('\n')}\n`;
}
