/**
 * The application layer as a library (bundled to dist/app.js): the zx
 * scripts in scripts/ are faces over these, as the action and the CLI are.
 */
export { reconcile, type ReconcileSettings, type ReconcileOutcome } from './reconcile.js';
export { mergeReportFiles, type MergeSettings, type MergeOutcome } from './merge.js';
export { plan, type PlanSettings, type PlanOutcome } from './plan.js';
export { backup, backupFailureWarnings, loadBackupSettings, type BackupSettings, type BackupOutcome } from './backup.js';
export { restore, drRedactor, loadDrConfig, type RestoreSettings, type RestoreOutcome } from './restore.js';
export { drill, type DrillSettings, type DrillOutcome } from './drill.js';
export { liveDrill, renderLiveDrill, type LiveDrillSettings, type LiveDrillReport, type LiveDrillOutcome } from './live-drill.js';
export { diagnostics, type DiagnosticsSettings } from './diagnostics.js';
export { exitCodeWithPolicy, exitCodeForFailure } from './exit-code.js';
export { createLogger } from '../util/logger.js';
export { errorMessage } from '../util/errors.js';
export { COMPONENTS, parseComponentList } from '../config/backup.js';
