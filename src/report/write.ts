/** Writes the JSON report and one JSON error report per failed table, redacted. */
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { allListedRowTexts, listSpills } from '../engine/listed-rows.js';
import { jsonSafe, utcTimestamp } from '../util/logger.js';
import { redact } from '../util/redact.js';
import type { DiffRow, RunReport } from './model.js';

export interface WrittenReport {
  reportPath: string;
  errorReportPaths: string[];
}

/** Writes `path` through a temporary file renamed into place, so a reader never sees half of it. */
async function writeAtomic(path: string, write: (fd: number) => void | Promise<void>): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    await write(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  return writeAtomic(path, (fd) => {
    writeSync(fd, `${redact(JSON.stringify(value, jsonSafe, 2))}\n`);
  });
}

/**
 * Characters of report text gathered before one write. Small enough that each piece, and its redacted copy,
 * stays a young-generation string: at 256 K they went to V8's large-object space, where the ~50 MB a report of
 * 100,000 rows passes through raised the old generation's peak (77 -> 73 MiB of that diff's RSS, issue 18).
 */
const REPORT_WRITE_CHARS = 16 * 1024;

/**
 * The report as indented JSON, handed to `write` in pieces, each redacted. A table whose listed rows were spooled
 * (more than the held ones, see engine/listed-rows.ts) has them read back one at a time, so a report listing
 * any number of rows is never one string in memory. The text is what JSON.stringify(report, jsonSafe, 2) gives.
 */
export async function writeReportJson(report: RunReport, write: (text: string) => void | Promise<void>): Promise<void> {
  const marker = `cdc-recon-rows-${randomUUID()}`;
  const lists = new Map<string, readonly DiffRow[]>();
  const tables = report.tables.map((t, i) => {
    const out = { ...t };
    for (const field of ['rows', 'inFlightRows'] as const) {
      if (!listSpills(t[field])) continue;
      const id = `${marker}:${i}:${field}`;
      lists.set(id, t[field]);
      (out as Record<string, unknown>)[field] = id;
    }
    return out;
  });
  const text = JSON.stringify(lists.size > 0 ? { ...report, tables } : report, jsonSafe, 2);
  // Pieces are whole (the text between lists, one row), so no secret is cut in two by the redaction.
  let buffered = '';
  const emit = async (piece: string, end = false) => {
    buffered += piece;
    if (buffered.length >= REPORT_WRITE_CHARS || end) {
      const chunk = buffered;
      buffered = '';
      await write(redact(chunk));
    }
  };
  const placeholders = new RegExp(`"(${marker}:\\d+:(?:rows|inFlightRows))"`, 'g');
  let from = 0;
  for (const m of text.matchAll(placeholders)) {
    await emit(text.slice(from, m.index));
    from = m.index + m[0].length;
    // The list's items go one level deeper than the line that names it.
    const lineStart = text.lastIndexOf('\n', m.index) + 1;
    const indent = ' '.repeat(/^ */.exec(text.slice(lineStart, m.index))![0].length + 2);
    let first = true;
    await emit('[');
    for await (const text of allListedRowTexts(lists.get(m[1]!)!)) {
      await emit(`${first ? '' : ','}\n${indent}${text.replace(/\n/g, `\n${indent}`)}`);
      first = false;
    }
    await emit(`\n${indent.slice(2)}]`);
  }
  await emit(`${text.slice(from)}\n`, true);
}

/** The report to a file, written to a temporary one first and renamed. */
function writeReportAtomic(path: string, report: RunReport): Promise<void> {
  return writeAtomic(path, (fd) =>
    writeReportJson(report, (text) => {
      writeSync(fd, text);
    }),
  );
}

/** Bytes copied per read when a written report goes to a stream. */
const COPY_BYTES = 64 * 1024;

/**
 * A written report on a stream (stdout for --json), byte for byte what the file holds: copying the file costs a
 * fraction of writing the report again (a report listing 100,000 rows). One buffer serves every read, each write
 * finishing before the next read: a read stream's fresh buffer per read piled up 12 MB until a collection.
 */
export async function copyReportFile(path: string, out: NodeJS.WritableStream): Promise<void> {
  const fd = openSync(path, 'r');
  const buffer = Buffer.allocUnsafe(COPY_BYTES);
  try {
    for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) {
      const piece = buffer.subarray(0, n);
      await new Promise<void>((resolve, reject) => out.write(piece, (err) => (err ? reject(err) : resolve())));
    }
  } finally {
    closeSync(fd);
  }
}

/** File-system-safe name for a table id. */
export function safeFileName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 120) || 'table';
}

export async function writeReport(report: RunReport, dir: string): Promise<WrittenReport> {
  mkdirSync(dir, { recursive: true });
  const suffix = report.shard ? `-shard-${report.shard.index}-of-${report.shard.count}` : '';
  const reportPath = join(dir, `report${suffix}.json`);
  await writeReportAtomic(reportPath, report);
  const errorReportPaths: string[] = [];
  const failed = report.tables.filter((t) => t.status === 'error');
  if (failed.length > 0) {
    const errDir = join(dir, 'errors');
    mkdirSync(errDir, { recursive: true });
    for (const t of failed) {
      const path = join(errDir, `${safeFileName(t.table)}.json`);
      await writeJsonAtomic(path, {
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
export async function writeReportFile(report: RunReport, file: string): Promise<WrittenReport> {
  mkdirSync(dirname(resolve(file)), { recursive: true });
  await writeReportAtomic(file, report);
  return { reportPath: file, errorReportPaths: [] };
}
