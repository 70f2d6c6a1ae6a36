/**
 * A reconcile run from typed settings, for every face: load the config with
 * the face's overrides, run the engine (with lag and the optional repair),
 * write the report, record and push metrics. Returns the report, where it was
 * written and the exit code under `failOn`; the face presents them.
 */
import { defined, loadConfigFile } from '../config/load.js';
import type { FailOn, ReconConfig, Tuning } from '../config/model.js';
import type { RepairMethod } from '../config/repair.js';
import type { ProgressListener } from '../engine/progress.js';
import type { Shard } from '../engine/shard.js';
import type { RunReport } from '../report/model.js';
import { runReconcileWithRepair } from '../repair/run.js';
import { writeReport, type WrittenReport } from '../report/write.js';
import type { RunMetrics } from '../sinks/metrics.js';
import { runSinks, type Sink, type SinkReporter } from '../sinks/run-sinks.js';
import { ConfigError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { registerSecret } from '../util/redact.js';
import { exitCodeWithPolicy } from './exit-code.js';
import { nextStateOf, readStateFile, stateFromReport, writeStateFile, type LoadedState } from './incremental-state.js';

export interface MetricsSettings {
  pushgatewayUrl?: string;
  job?: string;
  /** node_exporter textfile collector path. */
  textfile?: string;
}

export interface ReconcileSettings {
  configFile: string;
  /** Tuning given by the face; a field left undefined keeps the config's value. */
  overrides?: { [K in keyof Tuning]?: Tuning[K] | undefined };
  tables?: string[];
  shard?: Shard;
  /** Default: the config's report.dir. */
  reportDir?: string;
  repair?: { method: RepairMethod; dryRun: boolean };
  metrics?: MetricsSettings;
  failOn: FailOn;
  /** Connection URLs given by the face (action inputs) for the env vars the config names. */
  sourceUrl?: string;
  targetUrl?: string;
  env?: NodeJS.ProcessEnv;
  logger: Logger;
  /** Each table's progress as it goes (the CLI draws it on a terminal). */
  onProgress?: ProgressListener;
  /** Progress and repair lines meant for a person. */
  print?: (text: string) => void;
  /** Called with every secret the run will hold, before anything is logged (the action masks them). */
  onSecret?: (value: string | undefined) => void;
  /** Where `scope: incremental` keeps its state: a file (CLI), or the previous report (the action's cache). */
  incrementalState?: { file: string } | { fromReport: () => Promise<RunReport | undefined> };
  /** The previous run's report, to mark the trend before the report is written (the action's cache). */
  previous?: (report: RunReport) => Promise<RunReport | undefined>;
  sinkReporter: SinkReporter;
}

export interface ReconcileOutcome {
  config: ReconConfig;
  report: RunReport;
  written: WrittenReport;
  previous?: RunReport;
  exitCode: number;
}

/** Connection URLs from the face go into the env vars the config names; a contradiction is a config error. */
function applyConnections(config: ReconConfig, s: ReconcileSettings, env: NodeJS.ProcessEnv): void {
  if (s.sourceUrl && s.targetUrl && config.source.urlEnv === config.target.urlEnv && s.sourceUrl !== s.targetUrl) {
    throw new ConfigError(`source-url and target-url differ but the config reads both from ${config.source.urlEnv}`);
  }
  if (s.sourceUrl) env[config.source.urlEnv] = s.sourceUrl;
  if (s.targetUrl) env[config.target.urlEnv] = s.targetUrl;
  s.onSecret?.(env[config.source.urlEnv]);
  s.onSecret?.(env[config.target.urlEnv]);
}

/** Runs one reconcile; throws ConfigError / CriticalError before a report exists, never after. */
export async function reconcile(s: ReconcileSettings): Promise<ReconcileOutcome> {
  const env = s.env ?? process.env;
  const overrides: Partial<Tuning> = defined(s.overrides ?? {});
  const config = loadConfigFile(s.configFile, overrides);
  applyConnections(config, s, env);
  const m = s.metrics;
  if (m?.pushgatewayUrl && /\/\/[^/@]*:[^/@]*@/.test(m.pushgatewayUrl)) registerSecret(m.pushgatewayUrl);
  // prom-client is loaded only when metrics are asked for: it is a tenth of the CLI's start-up time.
  const metricsModule = m?.pushgatewayUrl || m?.textfile ? await import('../sinks/metrics.js') : undefined;
  const metrics: RunMetrics | undefined = metricsModule ? new metricsModule.RunMetrics() : undefined;
  const reportDir = s.reportDir ?? config.reportDir;
  const incremental = config.tables.some((t) => t.scope === 'incremental') ? await loadState(s) : undefined;
  if (incremental?.warning) s.logger.warn(incremental.warning);
  const report = await runReconcileWithRepair({
    config,
    logger: s.logger,
    env,
    tables: s.tables?.length ? s.tables : undefined,
    shard: s.shard,
    hooks: s.onProgress ? { ...metrics?.hooks, onProgress: s.onProgress } : metrics?.hooks,
    reportDir,
    recheckDelayOverridden: overrides.recheckDelayMs !== undefined,
    repair: s.repair,
    print: s.print,
    incrementalState: incremental?.state,
  }).finally(() => metrics?.stop());
  if (incremental && s.incrementalState && 'file' in s.incrementalState) writeStateFile(s.incrementalState.file, nextStateOf(incremental.state, report));
  const previous = s.previous ? await s.previous(report) : undefined;
  const written = await writeReport(report, reportDir);
  if (metrics && metricsModule) {
    metrics.recordReport(report, previous);
    const sinks: Sink[] = metricsModule.metricsSinks(metrics, { pushgatewayUrl: m?.pushgatewayUrl, job: m?.job, shard: s.shard, textfile: m?.textfile });
    await runSinks(sinks, s.sinkReporter);
  }
  return { config, report, written, previous, exitCode: exitCodeWithPolicy(report.status, s.failOn) };
}

async function loadState(s: ReconcileSettings): Promise<LoadedState> {
  const where = s.incrementalState;
  if (!where) return { warning: 'scope incremental without a state (--state-file, or the action\'s cache): full runs' };
  return 'file' in where ? readStateFile(where.file) : stateFromReport(await where.fromReport());
}
