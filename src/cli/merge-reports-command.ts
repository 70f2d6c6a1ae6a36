/** `cdc-recon merge-reports`: the CLI face of app/merge.ts (joins the reports of a sharded run). */
import { Command, Option } from 'commander';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { exitCodeForFailure } from '../app/exit-code.js';
import { mergeReportFiles } from '../app/merge.js';
import { FAIL_ON, type FailOn } from '../config/model.js';
import { renderText } from '../report/text.js';
import { ConfigError, errorMessage } from '../util/errors.js';
import { jsonSafe } from '../util/logger.js';
import { redact } from '../util/redact.js';

export interface MergeCliOptions {
  out: string;
  failOn: FailOn;
  json?: boolean;
}

/** Files named report*.json under a directory (recursively, error reports left out). */
function reportsUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'errors') out.push(...reportsUnder(p));
    } else if (/^report.*\.json$/.test(entry.name)) out.push(p);
  }
  return out;
}

/** The report files named by the arguments: files as given, directories searched. */
export function expandReportPaths(paths: string[], exclude?: string): string[] {
  const skip = exclude ? resolve(exclude) : undefined;
  const files = paths.flatMap((p) => {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      throw new ConfigError(`merge-reports: ${p} does not exist`, p);
    }
    return isDir ? reportsUnder(p) : [p];
  });
  return [...new Set(files.map((f) => resolve(f)))].filter((f) => f !== skip).sort();
}

export async function mergeReportsAction(paths: string[], opts: MergeCliOptions): Promise<number> {
  try {
    const files = expandReportPaths(paths, opts.out);
    if (files.length === 0) throw new ConfigError(`merge-reports: no report*.json under ${paths.join(', ')}`);
    const { report, warnings, exitCode } = await mergeReportFiles({ files, failOn: opts.failOn, out: { file: opts.out } });
    for (const w of warnings) process.stderr.write(`cdc-recon: warning: ${redact(w)}\n`);
    process.stdout.write(opts.json ? `${redact(JSON.stringify(report, jsonSafe, 2))}\n` : `${redact(renderText(report))}merged ${files.length} reports into ${opts.out}\n`);
    return exitCode;
  } catch (err) {
    process.stderr.write(`cdc-recon: ${err instanceof ConfigError ? 'config error' : 'error'}: ${redact(errorMessage(err))}\n`);
    return exitCodeForFailure(opts.failOn);
  }
}

export function mergeReportsCommand(): Command {
  return new Command('merge-reports')
    .description('join the reports of a sharded run (shard: i/n) into one report')
    .argument('<reports...>', 'report files, or directories to search for report*.json')
    .option('-o, --out <file>', 'where the merged report goes', 'report-merged.json')
    .addOption(new Option('--fail-on <what>', 'exit non-zero on').choices([...FAIL_ON]).default('mismatch'))
    .option('--json', 'print the merged JSON report on stdout instead of the text summary')
    .action(async (paths: string[], opts: MergeCliOptions) => {
      process.exitCode = await mergeReportsAction(paths, opts);
    });
}
