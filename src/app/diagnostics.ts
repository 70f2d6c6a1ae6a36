/** A diagnostics bundle from typed settings: one redacted tar.gz of the pipeline's state. */
import type { BackupConfig } from '../config/backup.js';
import type { DiagnosticsResult } from '../dr/diagnostics/collect.js';
import type { Logger } from '../util/logger.js';
import { loadDrConfig } from './restore.js';

export interface DiagnosticsSettings {
  configFile?: string;
  /** Bundle path (default ./cdc-recon-diagnostics-<timestamp>.tar.gz). */
  out?: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
}

export async function diagnostics(s: DiagnosticsSettings, config: BackupConfig | undefined = loadDrConfig(s.configFile)): Promise<DiagnosticsResult> {
  const { runDiagnostics } = await import('../dr/diagnostics/collect.js');
  return runDiagnostics({ config, out: s.out, env: s.env, logger: s.logger });
}
