/**
 * The job summary (GITHUB_STEP_SUMMARY, via core.summary) and the
 * annotations of a run: a per-table table (status, counts, drift by kind,
 * in-flight, duration, trend), the first diff keys of each mismatched table,
 * the errors, and one annotation per mismatched or failed table. Every piece
 * of text goes through redact() and is HTML-escaped.
 */
import type { AnnotationProperties } from '@actions/core';
import * as core from '@actions/core';
import { appendFile } from 'node:fs/promises';
import type { FailOn } from '../config/model.js';
import type { DiffRow, RunReport, TableResult } from '../report/model.js';
import { pipelineLines } from '../repair/format.js';
import { incrementalLine } from '../report/incremental-text.js';
import { escapeHtml } from '../util/html.js';
import { redact } from '../util/redact.js';
import { ok, skipped, type Sink } from './run-sinks.js';

export const DEFAULT_MAX_KEYS = 10;

type Summary = typeof core.summary;

function clip(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function keyText(row: DiffRow): string {
  return Object.entries(row.key).map(([k, v]) => `${k}=${clip(v, 60)}`).join(', ');
}

const STATUS_ICON: Record<TableResult['status'], string> = { match: '✅ match', mismatch: '❌ mismatch', error: '⚠️ error' };

function num(n: number | null): string {
  return n === null ? '–' : n.toLocaleString('en-US');
}

function trendText(t: TableResult): string {
  return t.trend ?? '';
}

export interface SummaryContext {
  failOn: FailOn;
  reportPath?: string;
  /** A run that produced no report: what went wrong. */
  error?: string;
  maxKeys?: number;
  title?: string;
  /** Lines about the sinks or the merge (warnings). */
  notes?: string[];
}

/** Fills `s` (core.summary) with the run; does not write it. */
export function renderSummary(s: Summary, report: RunReport | undefined, ctx: SummaryContext): Summary {
  const title = ctx.title ?? 'cdc-recon';
  if (!report) {
    s.addHeading(`${escapeHtml(title)}: ⚠️ ERROR`, 2);
    s.addRaw(`<p>The run did not complete: <code>${escapeHtml(ctx.error ?? 'unknown error')}</code></p>`, true);
    for (const n of ctx.notes ?? []) s.addRaw(`<p>${escapeHtml(n)}</p>`, true);
    return s;
  }
  const t = report.totals;
  const shard = report.shard ? ` (shard ${report.shard.index}/${report.shard.count})` : '';
  s.addHeading(`${escapeHtml(title)}${shard}: ${STATUS_ICON[report.status]}`, 2);
  s.addRaw(
    `<p>${t.tables} tables: ${t.matched} match, ${t.mismatched} mismatch, ${t.errors} error — ` +
      `${num(t.rowsMissing)} missing, ${num(t.rowsExtra)} extra, ${num(t.rowsChanged)} changed, ${num(t.rowsInFlight)} in flight; ` +
      `${(report.durationMs / 1000).toFixed(1)} s; ${escapeHtml(report.source.dialect)} → ${escapeHtml(report.target.dialect)}; run <code>${escapeHtml(report.runId)}</code></p>`,
    true,
  );
  for (const line of pipelineLines(report)) s.addRaw(`<p>${escapeHtml(line)}</p>`, true);
  const header = ['Table', 'Status', 'Source rows', 'Target rows', 'Missing', 'Extra', 'Changed', 'In-flight', 'Duration', 'Trend'].map((h) => ({ data: h, header: true }));
  s.addTable([
    header,
    ...report.tables.map((r) => [
      `<code>${escapeHtml(r.table)}</code>`,
      STATUS_ICON[r.status],
      num(r.counts.source),
      num(r.counts.target),
      num(r.drift.missing),
      num(r.drift.extra),
      num(r.drift.changed),
      num(r.inFlight),
      `${(r.durationMs / 1000).toFixed(1)} s`,
      trendText(r),
    ]),
  ]);
  const incremental = report.tables.flatMap((r) => {
    const line = incrementalLine(r);
    return line ? [`<li><code>${escapeHtml(r.table)}</code>: ${escapeHtml(line)}</li>`] : [];
  });
  if (incremental.length > 0) {
    s.addHeading('Incremental verification', 3);
    s.addRaw(`<ul>${incremental.join('')}</ul>`, true);
  }
  if (report.resolvedSincePrevious && report.resolvedSincePrevious.length > 0) {
    s.addRaw(`<p>✅ Resolved since the previous run: ${report.resolvedSincePrevious.map((n) => `<code>${escapeHtml(n)}</code>`).join(', ')}</p>`, true);
  }
  const maxKeys = ctx.maxKeys ?? DEFAULT_MAX_KEYS;
  const mismatched = report.tables.filter((r) => r.status === 'mismatch');
  if (mismatched.length > 0) {
    s.addHeading('First differing keys', 3);
    for (const r of mismatched) {
      const rows = r.rows.slice(0, maxKeys).map((d) => {
        const decoding = d.decoding?.length ? `; decoded differently by the two sides: ${d.decoding.map(escapeHtml).join(', ')}` : '';
        const cols = d.columns && d.columns.length ? ` (columns: ${d.columns.map(escapeHtml).join(', ')}${decoding})` : '';
        return `<li>${d.kind} <code>${escapeHtml(keyText(d))}</code>${cols}</li>`;
      });
      const more = r.rows.length > maxKeys || r.rowsTruncated ? '<li>… more in the JSON report</li>' : '';
      const reason = r.statusReason ? `<p>${escapeHtml(r.statusReason)}</p>` : '';
      const body = reason + (rows.length > 0 ? `<ul>${rows.join('')}${more}</ul>` : r.statusReason ? '' : '<p>No row keys (mode without row diffs); see the segment counts in the JSON report.</p>');
      const trend = r.trend ? ` — ${r.trend}` : '';
      s.addDetails(`${escapeHtml(r.table)}: ${r.drift.missing} missing, ${r.drift.extra} extra, ${r.drift.changed} changed${trend}`, body);
    }
  }
  const failed = report.tables.filter((r) => r.status === 'error');
  if (failed.length > 0) {
    s.addHeading('Errors', 3);
    s.addList(failed.map((r) => `<code>${escapeHtml(r.table)}</code> (${escapeHtml(r.error?.stage ?? '?')}): ${escapeHtml(r.error?.message ?? 'unknown error')}`));
  }
  for (const n of ctx.notes ?? []) s.addRaw(`<p>${escapeHtml(n)}</p>`, true);
  if (ctx.reportPath) s.addRaw(`<p>Report: <code>${escapeHtml(ctx.reportPath)}</code></p>`, true);
  return s;
}

export interface Annotator {
  error(message: string, properties?: AnnotationProperties): void;
  warning(message: string, properties?: AnnotationProperties): void;
}

/**
 * One annotation per mismatched or failed table: an error when it fails the
 * run under `failOn`, otherwise a warning.
 */
export function annotate(report: RunReport, failOn: FailOn, to: Annotator = core): number {
  let n = 0;
  for (const t of report.tables) {
    if (t.status === 'match') continue;
    const fails = failOn === 'mismatch' || (failOn === 'error' && t.status === 'error');
    const emit = (message: string, props: AnnotationProperties) => (fails ? to.error(message, props) : to.warning(message, props));
    if (t.status === 'mismatch') {
      const first = t.rows[0] ? `; first: ${t.rows[0].kind} ${keyText(t.rows[0])}` : '';
      const trend = t.trend ? ` (${t.trend})` : '';
      const reason = t.statusReason ? ` (${t.statusReason})` : '';
      emit(redact(`${t.table}: ${t.drift.missing} missing, ${t.drift.extra} extra, ${t.drift.changed} changed rows${trend}${first}${reason}`), { title: `cdc-recon: ${t.table} mismatch` });
    } else {
      emit(redact(`${t.table} failed at ${t.error?.stage ?? '?'}: ${t.error?.message ?? 'unknown error'}`), { title: `cdc-recon: ${t.table} error` });
    }
    n++;
  }
  return n;
}

/** The job-summary sink; skipped when there is no GITHUB_STEP_SUMMARY (not on a runner). */
export function summarySink(report: RunReport | undefined, ctx: SummaryContext, env: NodeJS.ProcessEnv = process.env): Sink {
  return {
    name: 'job summary',
    run: async () => {
      if (!env.GITHUB_STEP_SUMMARY) return skipped('skipped the job summary: GITHUB_STEP_SUMMARY is not set (not on a runner)');
      // Rendered with core.summary, appended to this step's file (core.summary
      // would keep the first path it saw for the life of the process).
      const html = renderSummary(core.summary.emptyBuffer(), report, ctx).stringify();
      core.summary.emptyBuffer();
      await appendFile(env.GITHUB_STEP_SUMMARY, html, { encoding: 'utf8' });
      return ok('wrote the job summary');
    },
  };
}
