/** Writes the JSON report and one JSON error report per failed table, redacted. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { jsonSafe, utcTimestamp } from '../util/logger.js';
import { redact } from '../util/redact.js';
import type { RunReport } from './model.js';

export interface WrittenReport {
  reportPath: string;
  errorReportPaths: string[];
}

function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${redact(JSON.stringify(value, jsonSafe, 2))}\n`);
  renameSync(tmp, path);
}

/** File-system-safe name for a table id. */
export function safeFileName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 120) || 'table';
}

export function writeReport(report: RunReport, dir: string): WrittenReport {
  mkdirSync(dir, { recursive: true });
  const suffix = report.shard ? `-shard-${report.shard.index}-of-${report.shard.count}` : '';
  const reportPath = join(dir, `report${suffix}.json`);
  writeJsonAtomic(reportPath, report);
  const errorReportPaths: string[] = [];
  const failed = report.tables.filter((t) => t.status === 'error');
  if (failed.length > 0) {
    const errDir = join(dir, 'errors');
    mkdirSync(errDir, { recursive: true });
    for (const t of failed) {
      const path = join(errDir, `${safeFileName(t.table)}.json`);
      writeJsonAtomic(path, {
        schemaVersion: 1,
        runId: report.runId,
        writtenAt: utcTimestamp(),
        table: t.table,
        source: t.source,
        target: t.target,
        stage: t.error?.stage,
        class: t.error?.class,
        message: t.error?.message,
        retries: t.retries,
        durationMs: t.durationMs,
      });
      errorReportPaths.push(path);
    }
  }
  return { reportPath, errorReportPaths };
}

/** The report alone, to one file (a merged report), written atomically. */
export function writeReportFile(report: RunReport, file: string): WrittenReport {
  mkdirSync(dirname(resolve(file)), { recursive: true });
  writeJsonAtomic(file, report);
  return { reportPath: file, errorReportPaths: [] };
}
