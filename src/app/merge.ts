/**
 * Joining the reports of a sharded run, for every face: read and merge the
 * parts, write the merged report (to a file, atomically, or into a report
 * directory), and the exit code under `failOn`.
 */
import type { FailOn } from '../config/model.js';
import { mergeReports, readReportFile } from '../report/merge.js';
import type { RunReport } from '../report/model.js';
import { writeReport, writeReportFile, type WrittenReport } from '../report/write.js';
import { ConfigError } from '../util/errors.js';
import { exitCodeWithPolicy } from './exit-code.js';

export interface MergeSettings {
  files: string[];
  failOn: FailOn;
  /** A file for the merged report, or a report directory (report.json and errors/ as a reconcile writes them). */
  out: { file: string } | { dir: string };
  /** Marks the trend against the previous report before the merged one is written (the action's cache). */
  previous?: (report: RunReport) => Promise<RunReport | undefined>;
}

export interface MergeOutcome {
  report: RunReport;
  warnings: string[];
  written: WrittenReport;
  exitCode: number;
}

export async function mergeReportFiles(s: MergeSettings): Promise<MergeOutcome> {
  if (s.files.length === 0) throw new ConfigError('merge-reports: no report files to merge');
  const { report, warnings } = mergeReports(s.files.map(readReportFile));
  if (s.previous) await s.previous(report);
  const written = 'file' in s.out ? await writeReportFile(report, s.out.file) : await writeReport(report, s.out.dir);
  return { report, warnings, written, exitCode: exitCodeWithPolicy(report.status, s.failOn) };
}
