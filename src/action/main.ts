/**
 * The action: mask secrets, read inputs, call the engine (or merge shard
 * reports, or run a backup), write the report and the outputs, feed the
 * optional sinks (job summary, artifact, cache, metrics: none can fail the
 * run), and set the exit status from `fail-on`.
 */
import * as core from '@actions/core';
import * as glob from '@actions/glob';
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { exitCodeWithPolicy, type FailOn } from '../cli/reconcile-command.js';
import { loadConfigFile, type ReconConfig, type Tuning } from '../config/load.js';
import { runReconcileWithRepair } from '../repair/run.js';
import type { Shard } from '../engine/shard.js';
import { mergeReports, readReportFile } from '../report/merge.js';
import type { RunReport } from '../report/model.js';
import { renderText } from '../report/text.js';
import { writeReport, type WrittenReport } from '../report/write.js';
import { GitHubArtifactStore, artifactNameFor, artifactSink, type ArtifactStore } from '../sinks/artifacts.js';
import { GitHubReportCache, cacheLocation, cacheSaveSink, compareWithPrevious, restorePreviousReport, type CacheScope, type ReportCache } from '../sinks/cache.js';
import { RunMetrics, metricsSinks } from '../sinks/metrics.js';
import { ok, runSinks, skipped, type Sink, type SinkReporter } from '../sinks/run-sinks.js';
import { annotate, summarySink } from '../sinks/summary.js';
import { ConfigError, CriticalError, errorMessage } from '../util/errors.js';
import { createLogger, type Logger } from '../util/logger.js';
import { redact } from '../util/redact.js';
import { maskSecret, maskSecretInputs, readInputs, type ActionInputs } from './inputs.js';
import { outputsOf, writeOutputs } from './outputs.js';

export interface ActionDeps {
  artifacts?: ArtifactStore;
  cache?: ReportCache;
  env?: NodeJS.ProcessEnv;
}

const reporter: SinkReporter = {
  info: (m) => core.info(redact(m)),
  warning: (m) => core.warning(redact(m)),
};

function logger(): Logger {
  return createLogger({ level: core.isDebug() ? 'debug' : 'info' });
}

function kindOf(err: unknown): string {
  return err instanceof ConfigError ? 'config error' : err instanceof CriticalError ? 'critical error' : 'error';
}

/** Sets the failure (or not) of the step from the status and `fail-on`. */
function finish(status: RunReport['status'], failOn: FailOn, what: string): void {
  if (exitCodeWithPolicy(status, failOn) !== 0) core.setFailed(redact(`cdc-recon: ${what} (fail-on: ${failOn})`));
  else core.info(redact(`cdc-recon: ${what}`));
}

function statusLine(report: RunReport): string {
  const t = report.totals;
  return `${report.status.toUpperCase()}: ${t.tables} tables, ${t.matched} match, ${t.mismatched} mismatch, ${t.errors} error; ${t.rowsMissing} missing, ${t.rowsExtra} extra, ${t.rowsChanged} changed rows`;
}

/** Restores the previous report and marks the trend; a failure is a warning. */
async function applyPrevious(report: RunReport, cache: ReportCache, scope: CacheScope, env: NodeJS.ProcessEnv): Promise<RunReport | undefined> {
  let previous: RunReport | undefined;
  await runSinks(
    [
      {
        name: 'cache',
        run: async () => {
          const r = await restorePreviousReport(cache, cacheLocation(scope, env));
          if (!r.report) return skipped(r.message);
          previous = r.report;
          const trend = compareWithPrevious(report, r.report);
          return ok(`${r.message}; mismatches: ${trend.newMismatches.length} new, ${trend.persisting.length} persisting, ${trend.resolved.length} resolved`);
        },
      },
    ],
    reporter,
  );
  return previous;
}

interface Delivery {
  report: RunReport;
  written: WrittenReport;
  inputs: ActionInputs;
  deps: Required<Pick<ActionDeps, 'artifacts' | 'cache'>> & { env: NodeJS.ProcessEnv };
  scope: CacheScope;
  title: string;
  shard?: Shard;
  extra?: Sink[];
  notes?: string[];
}

/** Outputs, annotations and every sink for a finished report. */
async function deliver(d: Delivery): Promise<void> {
  const { report, written, inputs } = d;
  writeOutputs(outputsOf(report, written.reportPath));
  core.info(redact(renderText(report)));
  core.info(`report: ${written.reportPath}`);
  annotate(report, inputs.failOn);
  const sinks: Sink[] = [summarySink(report, { failOn: inputs.failOn, reportPath: written.reportPath, title: d.title, notes: d.notes }, d.deps.env)];
  if (inputs.uploadArtifact) {
    sinks.push(
      artifactSink(d.deps.artifacts, {
        name: artifactNameFor(inputs.artifactName, d.shard),
        files: [written.reportPath, ...written.errorReportPaths],
        rootDirectory: dirname(written.reportPath),
        retentionDays: inputs.retentionDays,
      }),
    );
  }
  if (inputs.compareWithPrevious) sinks.push(cacheSaveSink(d.deps.cache, cacheLocation(d.scope, d.deps.env), report));
  sinks.push(...(d.extra ?? []));
  await runSinks(sinks, reporter);
}

async function reconcile(inputs: ActionInputs, deps: Delivery['deps']): Promise<void> {
  const env = deps.env;
  const log = logger();
  const metrics = new RunMetrics();
  let config: ReconConfig | undefined;
  let report: RunReport | undefined;
  try {
    const overrides: Partial<Tuning> = {};
    if (inputs.mode) overrides.mode = inputs.mode;
    if (inputs.chunkSize !== undefined) overrides.chunkSize = inputs.chunkSize;
    if (inputs.concurrency !== undefined) overrides.concurrency = inputs.concurrency;
    if (inputs.maxRetries !== undefined) overrides.maxRetries = inputs.maxRetries;
    if (inputs.recheckDelayMs !== undefined) overrides.recheckDelayMs = inputs.recheckDelayMs;
    config = loadConfigFile(inputs.config, overrides);
    // Connections the config names, whether they came from inputs or from the step's env.
    if (inputs.sourceUrl && inputs.targetUrl && config.source.urlEnv === config.target.urlEnv && inputs.sourceUrl !== inputs.targetUrl) {
      throw new ConfigError(`source-url and target-url differ but the config reads both from ${config.source.urlEnv}`);
    }
    if (inputs.sourceUrl) env[config.source.urlEnv] = inputs.sourceUrl;
    if (inputs.targetUrl) env[config.target.urlEnv] = inputs.targetUrl;
    maskSecret(env[config.source.urlEnv]);
    maskSecret(env[config.target.urlEnv]);
    report = await runReconcileWithRepair({
      config, logger: log, env, tables: inputs.tables.length ? inputs.tables : undefined, shard: inputs.shard, hooks: metrics.hooks,
      reportDir: inputs.reportDir ?? config.reportDir, recheckDelayOverridden: inputs.recheckDelayMs !== undefined,
      repair: inputs.repair ? { method: inputs.repair, dryRun: false } : undefined, print: (t) => core.info(redact(t)),
    });
  } catch (err) {
    metrics.stop();
    const message = redact(errorMessage(err));
    writeOutputs(outputsOf(undefined, undefined));
    await runSinks([summarySink(undefined, { failOn: inputs.failOn, error: `${kindOf(err)}: ${message}`, notes: ['No report, so no artifact, cache entry or metrics from this run.'] }, env)], reporter);
    if (inputs.failOn === 'never') core.warning(`cdc-recon: ${kindOf(err)}: ${message} (fail-on: never)`);
    else core.setFailed(`cdc-recon: ${kindOf(err)}: ${message}`);
    return;
  }

  const scope: CacheScope = { command: 'reconcile', configFile: inputs.config, tables: inputs.tables, shard: inputs.shard };
  const previous = inputs.compareWithPrevious ? await applyPrevious(report, deps.cache, scope, env) : undefined;
  const written = writeReport(report, inputs.reportDir ?? config.reportDir);
  metrics.recordReport(report, previous);
  await deliver({
    report,
    written,
    inputs,
    deps,
    scope,
    title: 'cdc-recon',
    shard: inputs.shard,
    extra: metricsSinks(metrics, { pushgatewayUrl: inputs.pushgatewayUrl, job: inputs.metricsJob, shard: inputs.shard, textfile: inputs.metricsFile }),
  });
  finish(report.status, inputs.failOn, statusLine(report));
}

async function mergeMode(inputs: ActionInputs, deps: Delivery['deps']): Promise<void> {
  const globber = await glob.create(inputs.reports, { matchDirectories: false });
  const files = (await globber.glob()).filter((f) => statSync(f).isFile()).sort();
  if (files.length === 0) throw new ConfigError(`reports: no file matches ${JSON.stringify(inputs.reports)}`);
  core.info(`merging ${files.length} report(s):\n  ${files.join('\n  ')}`);
  const { report, warnings } = mergeReports(files.map(readReportFile));
  for (const w of warnings) core.warning(redact(`merge-reports: ${w}`));
  const scope: CacheScope = { command: 'merge-reports', configFile: report.configFile };
  if (inputs.compareWithPrevious) await applyPrevious(report, deps.cache, scope, deps.env);
  const written = writeReport(report, inputs.reportDir ?? 'reports');
  const notes = [...warnings.map((w) => `merge: ${w}`)];
  const extra: Sink[] = [];
  if (inputs.pushgatewayUrl || inputs.metricsFile) {
    extra.push({ name: 'metrics', run: async () => skipped('merge-reports pushes no metrics: each shard run pushed its own under {job, shard}') });
  }
  await deliver({ report, written, inputs, deps, scope, title: `cdc-recon (${files.length} reports merged)`, extra, notes });
  finish(report.status, inputs.failOn, `merged ${files.length} reports: ${statusLine(report)}`);
}

async function backupMode(inputs: ActionInputs, deps: Delivery['deps']): Promise<void> {
  const [{ loadBackupConfig }, { runBackup }, { secretEnvNames }] = await Promise.all([
    import('../dr/load-config.js'),
    import('../dr/backup.js'),
    import('../dr/config.js'),
  ]);
  const config = loadBackupConfig(inputs.config);
  for (const name of secretEnvNames(config)) maskSecret(deps.env[name]);
  const outputs = outputsOf(undefined, undefined);
  try {
    const result = await runBackup({ config, pushgatewayUrl: inputs.pushgatewayUrl, metricsTextfile: inputs.metricsFile, env: deps.env, logger: logger() });
    for (const m of result.metrics) if (!m.ok) core.warning(redact(m.warning));
    writeOutputs({ ...outputs, status: 'success', 'report-path': result.setDir });
    core.info(redact(`cdc-recon backup: set ${result.setId} written to ${result.setDir}`));
  } catch (err) {
    writeOutputs(outputs);
    const message = redact(errorMessage(err));
    if (inputs.failOn === 'never') core.warning(`cdc-recon backup failed: ${message}`);
    else core.setFailed(`cdc-recon backup failed: ${message}`);
  }
}

/** The action's entry point; never throws (a failure is core.setFailed). */
export async function run(deps: ActionDeps = {}): Promise<void> {
  const env = deps.env ?? process.env;
  let failOn: FailOn = 'mismatch';
  try {
    // Before anything reads or logs: every secret input is masked.
    maskSecretInputs();
    const inputs = readInputs();
    failOn = inputs.failOn;
    const full = { artifacts: deps.artifacts ?? new GitHubArtifactStore(env), cache: deps.cache ?? new GitHubReportCache(env), env };
    if (inputs.command === 'merge-reports') await mergeMode(inputs, full);
    else if (inputs.command === 'backup') await backupMode(inputs, full);
    else await reconcile(inputs, full);
  } catch (err) {
    const message = redact(errorMessage(err));
    writeOutputs(outputsOf(undefined, undefined));
    if (failOn === 'never') core.warning(`cdc-recon: ${kindOf(err)}: ${message}`);
    else core.setFailed(`cdc-recon: ${kindOf(err)}: ${message}`);
  }
}
