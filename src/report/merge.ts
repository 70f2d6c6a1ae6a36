/**
 * Joins the reports of a sharded run (`shard: i/n` on n runners) into one
 * report, as if one runner had reconciled every table. Checks that the
 * pieces fit: one shard count, every shard present once, no table twice. A
 * shard that sent no report becomes an errored entry, so the merged run can
 * never look clean when part of it did not run.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../util/errors.js';
import { emptyTableResult, overallStatus, REPORT_SCHEMA_VERSION, totalsOf } from '../engine/results.js';
import type { RunReport, TableResult, TableStatus } from './model.js';

export interface MergeResult {
  report: RunReport;
  /** Problems found while joining (missing shards, duplicates, different versions). */
  warnings: string[];
}

/** A report from before the form was recorded was computed in form 1. */
const formOf = (r: RunReport): number => r.canonicalForm ?? 1;

const RANK: Record<TableStatus, number> = { match: 0, mismatch: 1, error: 2 };

function isRunReport(v: unknown): v is RunReport {
  if (!v || typeof v !== 'object') return false;
  const r = v as Partial<RunReport>;
  return typeof r.schemaVersion === 'number' && typeof r.runId === 'string' && Array.isArray(r.tables) && typeof r.status === 'string';
}

/** Reads and checks one report file. */
export function readReportFile(path: string): RunReport {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read report ${path}: ${(err as Error).message}`, path);
  }
  if (!isRunReport(value)) throw new ConfigError(`${path} is not a cdc-recon report (no schemaVersion / runId / tables)`, path);
  if (value.schemaVersion > REPORT_SCHEMA_VERSION) {
    throw new ConfigError(`${path} has report schema version ${value.schemaVersion}; this cdc-recon reads up to ${REPORT_SCHEMA_VERSION}`, path);
  }
  return value;
}

function missingShardEntry(index: number, count: number, mode: RunReport['mode']): TableResult {
  return {
    ...emptyTableResult(`(shard ${index}/${count})`, '', '', mode === 'mixed' ? 'diff' : mode),
    status: 'error',
    error: { message: `no report from shard ${index} of ${count}: its tables were not reconciled`, stage: 'merge', class: 'critical' },
  };
}

export function mergeReports(reports: RunReport[], options: { runId?: string } = {}): MergeResult {
  if (reports.length === 0) throw new ConfigError('merge-reports: no reports to merge');
  const warnings: string[] = [];

  const counts = new Set(reports.map((r) => r.shard?.count ?? 1));
  if (counts.size > 1) throw new ConfigError(`merge-reports: the reports come from different shard counts (${[...counts].join(', ')})`);
  const count = [...counts][0]!;
  const sharded = reports.some((r) => r.shard);
  if (sharded && reports.some((r) => !r.shard)) throw new ConfigError('merge-reports: some reports are shard reports and some are not');

  const byShard = new Map<number, RunReport>();
  for (const r of reports) {
    const i = r.shard?.index ?? 1;
    const prior = byShard.get(i);
    if (prior && sharded) {
      // A re-run of one shard: keep the later one.
      warnings.push(`shard ${i}/${count} appears twice (runs ${prior.runId} and ${r.runId}); keeping the later one`);
      if (r.finishedAt > prior.finishedAt) byShard.set(i, r);
    } else if (!prior) byShard.set(i, r);
  }
  const parts = sharded ? [...byShard.values()] : reports;

  // Hashes of two canonical forms never meet in one run; neither do their reports in one merge.
  const forms = new Set(parts.map(formOf));
  if (forms.size > 1) {
    throw new ConfigError(`merge-reports: the reports were computed in different canonical forms (${[...forms].sort().join(', ')}); re-run the shards with one cdc-recon version`);
  }

  const configs = new Set(parts.map((r) => r.configFile));
  if (configs.size > 1) warnings.push(`the reports name different config files: ${[...configs].join(', ')}`);
  for (const side of ['source', 'target'] as const) {
    const seen = new Set(parts.map((r) => `${r[side].dialect} ${r[side].version ?? ''}`.trim()));
    if (seen.size > 1) warnings.push(`the reports saw different ${side} servers: ${[...seen].join(' | ')}`);
  }

  const tables = new Map<string, TableResult>();
  const partsOf = new Map<string, TableResult[]>();
  for (const r of parts) {
    for (const t of r.tables) {
      if (t.part) {
        partsOf.set(t.table, [...(partsOf.get(t.table) ?? []), t]);
        continue;
      }
      const prior = tables.get(t.table);
      if (prior) {
        warnings.push(`table ${t.table} was reconciled by more than one shard; keeping the worse result`);
        if (RANK[t.status] > RANK[prior.status]) tables.set(t.table, t);
      } else tables.set(t.table, t);
    }
  }

  for (const [table, pieces] of partsOf) {
    if (tables.has(table)) warnings.push(`table ${table} was reconciled whole by one shard and in parts by others; keeping the whole result`);
    else tables.set(table, joinParts(pieces, warnings));
  }

  const modes = new Set(parts.map((r) => r.mode));
  const mode: RunReport['mode'] = modes.size === 1 ? [...modes][0]! : 'mixed';
  const results = [...tables.values()].sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : 0));
  if (sharded) {
    for (let i = 1; i <= count; i++) {
      if (!byShard.has(i)) {
        warnings.push(`no report from shard ${i}/${count}`);
        results.push(missingShardEntry(i, count, mode));
      }
    }
  }

  const startedAt = parts.map((r) => r.startedAt).sort()[0]!;
  const finishedAt = parts.map((r) => r.finishedAt).sort().at(-1)!;
  const resolved = [...new Set(parts.flatMap((r) => r.resolvedSincePrevious ?? []))].sort();
  const first = parts[0]!;
  const report: RunReport = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: first.tool,
    canonicalForm: formOf(first),
    runId: options.runId ?? randomUUID(),
    startedAt,
    finishedAt,
    durationMs: Math.max(0, Date.parse(finishedAt) - Date.parse(startedAt)),
    status: overallStatus(results),
    mode,
    configFile: first.configFile,
    source: first.source,
    target: first.target,
    totals: totalsOf(results),
    tables: results,
  };
  if (resolved.length > 0) report.resolvedSincePrevious = resolved;
  return { report, warnings };
}

const sumCounts = (a: number | null, b: number | null) => (a === null || b === null ? null : a + b);

/**
 * The parts of a table split across shards (engine/part.ts) as one result, as one run would have given it:
 * counts, segments, drift and in-flight rows add up, rows are listed in part order up to the same limit. A
 * part without a report makes the table an error: rows of it were not compared.
 */
export function joinParts(pieces: TableResult[], warnings: string[]): TableResult {
  const count = pieces[0]!.part!.count;
  const byIndex = new Map<number, TableResult>();
  for (const p of pieces) {
    if (p.part!.count !== count) throw new ConfigError(`merge-reports: table ${p.table} was split into ${count} and into ${p.part!.count} parts`);
    if (byIndex.has(p.part!.index)) warnings.push(`part ${p.part!.index}/${count} of table ${p.table} appears twice; keeping the first`);
    else byIndex.set(p.part!.index, p);
  }
  const ordered = [...byIndex.values()].sort((a, b) => a.part!.index - b.part!.index);
  const first = ordered[0]!;
  const limit = first.part!.maxDiffRows;
  const rows = ordered.flatMap((p) => p.rows);
  const inFlightRows = ordered.flatMap((p) => p.inFlightRows);
  const joined: TableResult = {
    ...first,
    status: ordered.reduce<TableStatus>((worst, p) => (RANK[p.status] > RANK[worst] ? p.status : worst), 'match'),
    counts: { source: ordered.reduce<number | null>((a, p) => sumCounts(a, p.counts.source), 0), target: ordered.reduce<number | null>((a, p) => sumCounts(a, p.counts.target), 0) },
    segments: { checked: ordered.reduce((a, p) => a + p.segments.checked, 0), mismatched: ordered.reduce((a, p) => a + p.segments.mismatched, 0) },
    mismatchedSegments: ordered.flatMap((p) => p.mismatchedSegments).slice(0, limit),
    drift: {
      missing: ordered.reduce((a, p) => a + p.drift.missing, 0),
      extra: ordered.reduce((a, p) => a + p.drift.extra, 0),
      changed: ordered.reduce((a, p) => a + p.drift.changed, 0),
    },
    inFlight: ordered.reduce((a, p) => a + p.inFlight, 0),
    rows: rows.slice(0, limit),
    inFlightRows: inFlightRows.slice(0, limit),
    rowsTruncated: ordered.some((p) => p.rowsTruncated) || rows.length > limit || inFlightRows.length > limit,
    warnings: [...new Set(ordered.flatMap((p) => p.warnings))],
    durationMs: Math.max(...ordered.map((p) => p.durationMs)),
    retries: ordered.reduce((a, p) => a + p.retries, 0),
    queries: ordered.reduce((a, p) => a + p.queries, 0),
    error: ordered.find((p) => p.error)?.error,
  };
  delete joined.part;
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    warnings.push(`table ${first.table}: no report for part(s) ${missing.join(', ')} of ${count}`);
    joined.status = 'error';
    joined.error = { message: `part(s) ${missing.join(', ')} of ${count} of this table were not reconciled (no report from their shards)`, stage: 'merge', class: 'critical' };
  }
  return joined;
}
