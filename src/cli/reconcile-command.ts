/** `cdc-recon reconcile`: the CLI face of the engine. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadConfigFile, type Tuning } from '../config/load.js';
import { MODES } from '../config/schema.js';
import { parseDuration } from '../config/duration.js';
import { runReconcileWithRepair } from '../repair/run.js';
import type { RepairMethod } from '../repair/config.js';
import { pipelineLines } from '../repair/format.js';
import { exitCodeFor, type RunReport } from '../report/model.js';
import { renderText } from '../report/text.js';
import { writeReport } from '../report/write.js';
import { ConfigError, CriticalError, errorMessage } from '../util/errors.js';
import { createLogger, type LogLevel } from '../util/logger.js';
import { redact, registerSecret } from '../util/redact.js';
import type { RunMetrics } from '../sinks/metrics.js';
import { runSinks } from '../sinks/run-sinks.js';
import { parseShard } from './shard.js';

function intArg(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return n;
  };
}

export type FailOn = 'mismatch' | 'error' | 'never';

/** Exit code for a status under the fail-on policy. */
export function exitCodeWithPolicy(status: RunReport['status'], failOn: FailOn): number {
  if (failOn === 'never') return 0;
  if (failOn === 'error' && status === 'mismatch') return 0;
  return exitCodeFor(status);
}

export function reconcileCommand(): Command {
  return new Command('reconcile')
    .description('compare source and target tables: counts, in-database checksums, row-level diffs')
    .requiredOption('-c, --config <file>', 'YAML config file')
    .option('-t, --table <name...>', 'only these tables (id, table or schema.table)')
    .addOption(new Option('-m, --mode <mode>', 'override the mode of every table').choices([...MODES]))
    .option('--report-dir <dir>', 'where the JSON report and error reports go (default: config report.dir or ./reports)')
    .option('--chunk-size <n>', 'rows per segment', intArg('--chunk-size'))
    .option('--concurrency <n>', 'statements in flight per side', intArg('--concurrency'))
    .option('--max-retries <n>', 'retries of transient errors', intArg('--max-retries'))
    .option('--recheck-delay <duration>', 'wait before rechecking differing rows (e.g. 30s)')
    .addOption(new Option('--fail-on <what>', 'exit non-zero on').choices(['mismatch', 'error', 'never']).default('mismatch'))
    .option('--shard <i/n>', 'reconcile only shard i of n of the table list')
    .addOption(new Option('--hash <where>', 'compute row hashes in the database or in Node').choices(['server', 'client']))
    .option('--pushgateway-url <url>', 'push metrics to this Prometheus Pushgateway')
    .option('--metrics-job <name>', 'Pushgateway job name', 'cdc-recon')
    .option('--metrics-file <path>', 'also write metrics in text format (node_exporter textfile collector)')
    .addOption(new Option('--log-level <level>', 'log level').choices(['debug', 'info', 'warn', 'error']).default('info'))
    .addOption(new Option('--repair <how>', 'repair drifted rows').choices(['debezium-signal', 'sql']))
    .option('--dry-run', 'with --repair: show what would be done, change nothing')
    .option('--json', 'print the JSON report on stdout instead of the text summary')
    .action(async (opts) => {
      process.exitCode = await reconcileAction(opts);
    });
}

export interface ReconcileCliOptions {
  config: string;
  table?: string[];
  mode?: Tuning['mode'];
  reportDir?: string;
  chunkSize?: number;
  concurrency?: number;
  maxRetries?: number;
  recheckDelay?: string;
  failOn: FailOn;
  shard?: string;
  hash?: 'server' | 'client';
  logLevel: LogLevel;
  json?: boolean;
  pushgatewayUrl?: string;
  metricsJob?: string;
  metricsFile?: string;
  repair?: RepairMethod;
  dryRun?: boolean;
}

export async function reconcileAction(opts: ReconcileCliOptions): Promise<number> {
  const logger = createLogger({ level: opts.logLevel });
  try {
    const overrides: Partial<Tuning> = {};
    if (opts.mode) overrides.mode = opts.mode;
    if (opts.chunkSize !== undefined) overrides.chunkSize = opts.chunkSize;
    if (opts.concurrency !== undefined) overrides.concurrency = opts.concurrency;
    if (opts.maxRetries !== undefined) overrides.maxRetries = opts.maxRetries;
    if (opts.hash) overrides.hash = opts.hash;
    if (opts.recheckDelay !== undefined) {
      const ms = parseDuration(opts.recheckDelay);
      if (ms === undefined) throw new ConfigError(`--recheck-delay: expected a duration like "30s", got ${JSON.stringify(opts.recheckDelay)}`);
      overrides.recheckDelayMs = ms;
    }
    const config = loadConfigFile(opts.config, overrides);
    const shard = opts.shard ? parseShard(opts.shard) : undefined;
    if (opts.pushgatewayUrl && /\/\/[^/@]*:[^/@]*@/.test(opts.pushgatewayUrl)) registerSecret(opts.pushgatewayUrl);
    // prom-client is loaded only when metrics are asked for: it is a tenth of the CLI's start-up time.
    const metricsModule = opts.pushgatewayUrl || opts.metricsFile ? await import('../sinks/metrics.js') : undefined;
    const metrics: RunMetrics | undefined = metricsModule ? new metricsModule.RunMetrics() : undefined;
    if (opts.dryRun && !opts.repair) throw new ConfigError('--dry-run goes with --repair (it shows what the repair would do)');
    const reportDir = opts.reportDir ?? config.reportDir;
    const report = await runReconcileWithRepair({
      config,
      logger,
      tables: opts.table,
      shard,
      hooks: metrics?.hooks,
      reportDir,
      recheckDelayOverridden: opts.recheckDelay !== undefined,
      repair: opts.repair ? { method: opts.repair, dryRun: opts.dryRun === true } : undefined,
      // With --json, stdout carries the report only.
      print: (text) => (opts.json ? process.stderr : process.stdout).write(text),
    }).finally(() => metrics?.stop());
    const written = writeReport(report, reportDir);
    if (metrics && metricsModule) {
      metrics.recordReport(report);
      const sinks = metricsModule.metricsSinks(metrics, { pushgatewayUrl: opts.pushgatewayUrl, job: opts.metricsJob, shard, textfile: opts.metricsFile });
      await runSinks(sinks, { info: (m) => logger.info(m), warning: (m) => logger.warn(m) });
    }
    process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : renderText(report) + pipelineLines(report).map((l) => `${redact(l)}\n`).join(''));
    process.stdout.write(opts.json ? '' : `report: ${written.reportPath}\n`);
    return exitCodeWithPolicy(report.status, opts.failOn);
  } catch (err) {
    const kind = err instanceof ConfigError ? 'config error' : err instanceof CriticalError ? 'critical error' : 'error';
    logger.error(kind, { error: errorMessage(err) });
    process.stderr.write(`cdc-recon: ${kind}: ${redact(errorMessage(err))}\n`);
    return opts.failOn === 'never' ? 0 : 2;
  }
}
