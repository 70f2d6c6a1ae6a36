/**
 * A backup run from typed settings, for every face: load the `backup:`
 * section, mask its secrets, run the backup (PostgreSQL, SQL Server, Kafka
 * Connect), and return the set with a summary a face can print or output.
 */
import { secretEnvNames, type BackupConfig, type Component } from '../config/backup.js';
import { loadBackupConfig } from '../config/load-backup.js';
import type { BackupOptions } from '../dr/backup.js';
import type { Logger } from '../util/logger.js';

/** What runBackup takes, with the config named by its file (the face never loads it itself). */
export type BackupSettings = Omit<BackupOptions, 'config' | 'now' | 'mssqlRunner' | 'env' | 'logger'> & {
  configFile: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** Called with every secret the config names, before anything runs (the action masks them). */
  onSecret?: (value: string | undefined) => void;
};

export interface BackupSummary {
  status: 'success';
  setId: string;
  setDir: string;
  sizeBytes: number;
  durationMs: number;
  components: Array<{ component: Component; status: string; durationMs: number; bytes: number; error?: string }>;
  retention: Array<{ id: string; action: string; reason: string }>;
  s3?: { url: string; files: number; deleted: string[] };
}

export interface BackupOutcome {
  summary: BackupSummary;
  /** Metric sinks that failed (never a failed backup). */
  warnings: string[];
}

/** The config, loaded first so that a failure can still be redacted with its secrets. */
export function loadBackupSettings(s: Pick<BackupSettings, 'configFile' | 'env' | 'onSecret'>): BackupConfig {
  const config = loadBackupConfig(s.configFile);
  for (const name of secretEnvNames(config)) s.onSecret?.(s.env[name]);
  return config;
}

export async function backup(s: BackupSettings, config: BackupConfig = loadBackupSettings(s)): Promise<BackupOutcome> {
  const { runBackup } = await import('../dr/backup.js');
  const { configFile: _file, onSecret: _onSecret, ...options } = s;
  const result = await runBackup({ ...options, config });
  const summary: BackupSummary = {
    status: 'success',
    setId: result.setId,
    setDir: result.setDir,
    sizeBytes: result.manifest.files.reduce((n, f) => n + f.size, 0),
    durationMs: result.durationMs,
    components: result.components,
    retention: result.retention.map((d) => ({ id: d.id, action: d.action, reason: d.reason })),
    s3: result.s3 && { url: result.s3.url, files: result.s3.files, deleted: result.s3.retention.filter((d) => d.action === 'delete').map((d) => d.id) },
  };
  return { summary, warnings: result.metrics.flatMap((m) => (m.ok ? [] : [m.warning])) };
}

/** Metric warnings carried by a failed backup, for the face to show next to the error. */
export async function backupFailureWarnings(err: unknown): Promise<string[]> {
  const { BackupError } = await import('../dr/backup.js');
  return err instanceof BackupError ? err.metrics.flatMap((m) => (m.ok ? [] : [m.warning])) : [];
}
