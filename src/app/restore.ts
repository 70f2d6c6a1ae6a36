/**
 * A restore from typed settings, for every face: checks the typed
 * confirmation before anything is touched, restores a verified set, writes
 * the JSON report and the Markdown summary (redacted), and returns the report
 * with its text rendering.
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { BackupConfig } from '../config/backup.js';
import { loadBackupConfig } from '../config/load-backup.js';
import { createRedactor, secretsFromConfig, type Redactor } from '../dr/redact.js';
import type { RestoreOptions, RestoreReport } from '../dr/restore.js';
import { ConfigError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';

/** What runRestore takes, with the config named by its file, plus the typed confirmation and where to write the report and summary. */
export type RestoreSettings = Omit<RestoreOptions, 'config' | 'now' | 'mssqlRunner' | 'env' | 'logger'> & {
  configFile?: string;
  /** Must equal the target database name when given. */
  confirm?: string;
  /** Also write the JSON report here. */
  reportFile?: string;
  /** Append a Markdown summary here (e.g. $GITHUB_STEP_SUMMARY). */
  summaryFile?: string;
  summaryTitle?: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
};

export interface RestoreOutcome {
  report: RestoreReport;
  /** The report as text, redacted. */
  text: string;
  redact: Redactor;
}

/** The `backup:` config of a DR command, when it names one. */
export function loadDrConfig(configFile: string | undefined): BackupConfig | undefined {
  return configFile ? loadBackupConfig(configFile) : undefined;
}

/** Redacts with every secret the config names (for error messages of any DR command). */
export function drRedactor(config: BackupConfig | undefined, env: NodeJS.ProcessEnv): Redactor {
  return createRedactor(secretsFromConfig(config, env));
}

export async function restore(s: RestoreSettings, config: BackupConfig | undefined = loadDrConfig(s.configFile)): Promise<RestoreOutcome> {
  if (s.promote && s.dropScratch) throw new ConfigError('--promote and --drop-scratch exclude each other');
  if (s.confirm !== undefined) {
    const target = s.target ?? s.mssqlTarget;
    if (!target || s.confirm !== target) throw new ConfigError(`confirmation "${s.confirm}" does not match the target "${target ?? '(none given)'}": nothing was changed`);
  }
  const { runRestore, renderRestoreMarkdown, renderRestoreText } = await import('../dr/restore.js');
  const { configFile: _file, confirm: _confirm, reportFile, summaryFile, summaryTitle, ...options } = s;
  const report = await runRestore({ ...options, config });
  const redact = drRedactor(config, s.env);
  if (reportFile) {
    await mkdir(dirname(reportFile), { recursive: true });
    await writeFile(reportFile, redact(`${JSON.stringify(report, null, 2)}\n`));
  }
  if (summaryFile) await appendFile(summaryFile, redact(renderRestoreMarkdown(report, summaryTitle)));
  return { report, text: redact(renderRestoreText(report)), redact };
}
