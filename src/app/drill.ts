/**
 * A DR drill from typed settings: the newest complete set under `set` is
 * restored into a scratch database, verified and dropped (the live target is
 * never touched), and the measured RTO and the set's age (RPO) are judged
 * against the targets. Exit code 0 only when the restore verified and both
 * targets were met.
 */
import type { BackupConfig } from '../config/backup.js';
import type { RestoreReport } from '../dr/restore.js';
import { loadDrConfig, restore, type RestoreSettings } from './restore.js';

export type DrillSettings = Omit<RestoreSettings, 'latest' | 'promote' | 'dropScratch' | 'force' | 'confirm' | 'offsets' | 'dryRun'>;

export interface DrillOutcome {
  report: RestoreReport;
  text: string;
  exitCode: number;
}

export async function drill(s: DrillSettings, config: BackupConfig | undefined = loadDrConfig(s.configFile)): Promise<DrillOutcome> {
  const { report, text } = await restore({ ...s, latest: true, dropScratch: true, summaryTitle: s.summaryTitle ?? 'DR drill' }, config);
  const met = report.rto.met && report.rpo.met;
  return { report, text, exitCode: met ? 0 : 1 };
}
