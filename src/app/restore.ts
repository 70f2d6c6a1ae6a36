/**
 * A restore from typed settings, for every face: checks the typed
 * confirmation before anything is touched, restores a verified set, writes
 * the JSON report and the Markdown summary (redacted), and returns the report
 * with its text rendering.
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { BackupConfig, Component } from '../config/backup.js';
import { loadBackupConfig } from '../config/load-backup.js';
import { createRedactor, secretsFromConfig, type Redactor } from '../dr/redact.js';
import type { RestoreReport } from '../dr/restore.js';
import { ConfigError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';

export interface RestoreSettings {
  set: string;
  configFile?: string;
  latest?: boolean;
  components?: Component[];
  target?: string;
  mssqlTarget?: string;
  /** Must equal the target database name when given. */
  confirm?: string;
  promote?: boolean;
  force?: boolean;
  offsets?: boolean;
  dryRun?: boolean;
  dropScratch?: boolean;
  noOwner?: boolean;
  /** Also write the JSON report here. */
  reportFile?: string;
  /** Append a Markdown summary here (e.g. $GITHUB_STEP_SUMMARY). */
  summaryFile?: string;
  summaryTitle?: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
}

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
  const report = await runRestore({
    set: s.set,
    latest: s.latest,
    config,
    components: s.components,
    target: s.target,
    mssqlTarget: s.mssqlTarget,
    promote: s.promote,
    force: s.force,
    offsets: s.offsets,
    dryRun: s.dryRun,
    dropScratch: s.dropScratch,
    noOwner: s.noOwner,
    env: s.env,
    logger: s.logger,
  });
  const redact = drRedactor(config, s.env);
  if (s.reportFile) {
    await mkdir(dirname(s.reportFile), { recursive: true });
    await writeFile(s.reportFile, redact(`${JSON.stringify(report, null, 2)}\n`));
  }
  if (s.summaryFile) await appendFile(s.summaryFile, redact(renderRestoreMarkdown(report, s.summaryTitle)));
  return { report, text: redact(renderRestoreText(report)), redact };
}
