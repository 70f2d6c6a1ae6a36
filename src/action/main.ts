/**
 * The action's face: mask secrets, read the inputs, run the application
 * (app/: reconcile, merge shard reports, backup), then present the result:
 * outputs, annotations and the optional sinks (job summary, artifact, cache:
 * none can fail the run), and the step's status from `fail-on`.
 */
import * as core from '@actions/core';
import * as glob from '@actions/glob';
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { backup, loadBackupSettings } from '../app/backup.js';
import { mergeReportFiles } from '../app/merge.js';
import { reconcile, type ReconcileOutcome } from '../app/reconcile.js';
import type { FailOn } from '../config/model.js';
import type { Shard } from '../engine/shard.js';
import type { RunReport } from '../report/model.js';
import { renderText } from '../report/text.js';
import type { WrittenReport } from '../report/write.js';
import { GitHubArtifactStore, artifactNameFor, artifactSink, type ArtifactStore } from '../sinks/artifacts.js';
import { GitHubReportCache, cacheLocation, cacheSaveSink, compareWithPrevious, restorePreviousReport, type CacheScope, type ReportCache } from '../sinks/cache.js';
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

/** Sets the failure (or not) of the step from the exit code under `fail-on`. */
function finish(exitCode: number, failOn: FailOn, what: string): void {
  if (exitCode !== 0) core.setFailed(redact(`cdc-recon: ${what} (fail-on: ${failOn})`));
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

async function reconcileMode(inputs: ActionInputs, deps: Delivery['deps']): Promise<void> {
  const scope: CacheScope = { command: 'reconcile', configFile: inputs.config, tables: inputs.tables, shard: inputs.shard };
  const metrics = { pushgatewayUrl: inputs.pushgatewayUrl, job: inputs.metricsJob, textfile: inputs.metricsFile };
  let outcome: ReconcileOutcome;
  try {
    outcome = await reconcile({
      configFile: inputs.config,
      overrides: { mode: inputs.mode, chunkSize: inputs.chunkSize, concurrency: inputs.concurrency, maxRetries: inputs.maxRetries, recheckDelayMs: inputs.recheckDelayMs, scope: inputs.scope },
      // The state of scope: incremental rides in the previous report, which the cache keeps anyway.
      incrementalState: { fromReport: async () => (await restorePreviousReport(deps.cache, cacheLocation(scope, deps.env)).catch(() => ({ report: undefined }))).report },
      tables: inputs.tables,
      shard: inputs.shard,
      reportDir: inputs.reportDir,
      repair: inputs.repair ? { method: inputs.repair, dryRun: false } : undefined,
      metrics,
      failOn: inputs.failOn,
      sourceUrl: inputs.sourceUrl,
      targetUrl: inputs.targetUrl,
      env: deps.env,
      logger: logger(),
      print: (t) => core.info(redact(t)),
      onSecret: maskSecret,
      previous: inputs.compareWithPrevious ? (report) => applyPrevious(report, deps.cache, scope, deps.env) : undefined,
      sinkReporter: reporter,
    });
  } catch (err) {
    const message = redact(errorMessage(err));
    writeOutputs(outputsOf(undefined, undefined));
    await runSinks([summarySink(undefined, { failOn: inputs.failOn, error: `${kindOf(err)}: ${message}`, notes: ['No report, so no artifact, cache entry or metrics from this run.'] }, deps.env)], reporter);
    if (inputs.failOn === 'never') core.warning(`cdc-recon: ${kindOf(err)}: ${message} (fail-on: never)`);
    else core.setFailed(`cdc-recon: ${kindOf(err)}: ${message}`);
    return;
  }
  const { report, written } = outcome;
  await deliver({ report, written, inputs, deps, scope, title: 'cdc-recon', shard: inputs.shard });
  finish(outcome.exitCode, inputs.failOn, statusLine(report));
}

async function mergeMode(inputs: ActionInputs, deps: Delivery['deps']): Promise<void> {
  const globber = await glob.create(inputs.reports, { matchDirectories: false });
  const files = (await globber.glob()).filter((f) => statSync(f).isFile()).sort();
  if (files.length === 0) throw new ConfigError(`reports: no file matches ${JSON.stringify(inputs.reports)}`);
  core.info(`merging ${files.length} report(s):\n  ${files.join('\n  ')}`);
  let scope: CacheScope | undefined;
  const outcome = await mergeReportFiles({
    files,
    failOn: inputs.failOn,
    out: { dir: inputs.reportDir ?? 'reports' },
    previous: inputs.compareWithPrevious
      ? (report) => applyPrevious(report, deps.cache, (scope = { command: 'merge-reports', configFile: report.configFile }), deps.env)
      : undefined,
  });
  const { report, warnings, written } = outcome;
  for (const w of warnings) core.warning(redact(`merge-reports: ${w}`));
  const notes = [...warnings.map((w) => `merge: ${w}`)];
  const extra: Sink[] = [];
  if (inputs.pushgatewayUrl || inputs.metricsFile) {
    extra.push({ name: 'metrics', run: async () => skipped('merge-reports pushes no metrics: each shard run pushed its own under {job, shard}') });
  }
  scope ??= { command: 'merge-reports', configFile: report.configFile };
  await deliver({ report, written, inputs, deps, scope, title: `cdc-recon (${files.length} reports merged)`, extra, notes });
  finish(outcome.exitCode, inputs.failOn, `merged ${files.length} reports: ${statusLine(report)}`);
}

async function backupMode(inputs: ActionInputs, deps: Delivery['deps']): Promise<void> {
  const outputs = outputsOf(undefined, undefined);
  const settings = { configFile: inputs.config, pushgatewayUrl: inputs.pushgatewayUrl, metricsTextfile: inputs.metricsFile, env: deps.env, logger: logger(), onSecret: maskSecret };
  const config = loadBackupSettings(settings);
  try {
    const { summary, warnings } = await backup(settings, config);
    for (const w of warnings) core.warning(redact(w));
    writeOutputs({ ...outputs, status: 'success', 'report-path': summary.setDir });
    core.info(redact(`cdc-recon backup: set ${summary.setId} written to ${summary.setDir}`));
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
    else await reconcileMode(inputs, full);
  } catch (err) {
    const message = redact(errorMessage(err));
    writeOutputs(outputsOf(undefined, undefined));
    if (failOn === 'never') core.warning(`cdc-recon: ${kindOf(err)}: ${message}`);
    else core.setFailed(`cdc-recon: ${kindOf(err)}: ${message}`);
  }
}
