/** `cdc-recon reconcile`: the CLI face of a reconcile run (app/reconcile.ts). */
import { Command, InvalidArgumentError, Option } from 'commander';
import { reconcile } from '../app/reconcile.js';
import { exitCodeForFailure } from '../app/exit-code.js';
import { parseDuration } from '../config/duration.js';
import { FAIL_ON, type FailOn, type Tuning } from '../config/model.js';
import type { RepairMethod } from '../config/repair.js';
import { MODES } from '../config/schema.js';
import { parseShard } from '../config/shard.js';
import { pipelineLines } from '../repair/format.js';
import { renderText } from '../report/text.js';
import { copyReportFile } from '../report/write.js';
import { ConfigError, CriticalError, errorMessage } from '../util/errors.js';
import { createLogger, type LogLevel } from '../util/logger.js';
import { redact } from '../util/redact.js';
import { drawsLine, LiveProgress, PROGRESS_MODES, type ProgressMode } from './live-progress.js';

function intArg(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return n;
  };
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
    .addOption(new Option('--fail-on <what>', 'exit non-zero on').choices([...FAIL_ON]).default('mismatch'))
    .option('--shard <i/n>', 'reconcile only shard i of n of the table list')
    .addOption(new Option('--hash <where>', 'compute row hashes in the database or in Node').choices(['server', 'client']))
    .addOption(new Option('--scope <scope>', 'every row, or the keys changed since the last run plus a rolling slice').choices(['full', 'incremental']))
    .option('--state-file <path>', 'where scope incremental keeps its state between runs (read, then rewritten)')
    .option('--pushgateway-url <url>', 'push metrics to this Prometheus Pushgateway')
    .option('--metrics-job <name>', 'Pushgateway job name', 'cdc-recon')
    .option('--metrics-file <path>', 'also write metrics in text format (node_exporter textfile collector)')
    .addOption(new Option('--log-level <level>', 'log level').choices(['debug', 'info', 'warn', 'error']).default('info'))
    .addOption(new Option('--repair <how>', 'repair drifted rows').choices(['debezium-signal', 'sql']))
    .option('--dry-run', 'with --repair: show what would be done, change nothing')
    .option('--json', 'print the JSON report on stdout instead of the text summary')
    .addOption(new Option('--progress <how>', 'progress: a live line per table on a terminal, JSON log lines otherwise (env CDC_RECON_PROGRESS forces auto)').choices([...PROGRESS_MODES]).default('auto'))
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
  scope?: 'full' | 'incremental';
  stateFile?: string;
  logLevel: LogLevel;
  json?: boolean;
  pushgatewayUrl?: string;
  metricsJob?: string;
  metricsFile?: string;
  repair?: RepairMethod;
  dryRun?: boolean;
  progress?: ProgressMode;
}

export async function reconcileAction(opts: ReconcileCliOptions): Promise<number> {
  // On a terminal the progress is a live line on stderr; its JSON lines stay for logs and CI.
  const live = drawsLine(opts.progress ?? 'auto', process.stderr, process.env) ? new LiveProgress(process.stderr) : undefined;
  const logger = live
    ? createLogger({ level: opts.logLevel, sink: (line) => live.above(line), skip: (msg) => msg === 'progress' })
    : createLogger({ level: opts.logLevel });
  try {
    if (opts.dryRun && !opts.repair) throw new ConfigError('--dry-run goes with --repair (it shows what the repair would do)');
    const outcome = await reconcile({
      configFile: opts.config,
      overrides: { mode: opts.mode, chunkSize: opts.chunkSize, concurrency: opts.concurrency, maxRetries: opts.maxRetries, hash: opts.hash, scope: opts.scope, recheckDelayMs: recheckDelayMs(opts.recheckDelay) },
      incrementalState: opts.stateFile ? { file: opts.stateFile } : undefined,
      tables: opts.table,
      shard: opts.shard ? parseShard(opts.shard) : undefined,
      reportDir: opts.reportDir,
      repair: opts.repair ? { method: opts.repair, dryRun: opts.dryRun === true } : undefined,
      metrics: { pushgatewayUrl: opts.pushgatewayUrl, job: opts.metricsJob, textfile: opts.metricsFile },
      failOn: opts.failOn,
      logger,
      onProgress: live ? (p) => live.update(p) : undefined,
      // With --json, stdout carries the report only.
      print: (text) => (opts.json ? process.stderr : process.stdout).write(text),
      sinkReporter: { info: (m) => logger.info(m), warning: (m) => logger.warn(m) },
    });
    live?.stop();
    const { report, written } = outcome;
    // --json prints what the report file holds (redacted, every listed row), streamed from the file.
    if (opts.json) await copyReportFile(written.reportPath, process.stdout);
    else process.stdout.write(`${renderText(report)}${pipelineLines(report).map((l) => `${redact(l)}\n`).join('')}report: ${written.reportPath}\n`);
    return outcome.exitCode;
  } catch (err) {
    live?.stop();
    const kind = err instanceof ConfigError ? 'config error' : err instanceof CriticalError ? 'critical error' : 'error';
    logger.error(kind, { error: errorMessage(err) });
    process.stderr.write(`cdc-recon: ${kind}: ${redact(errorMessage(err))}\n`);
    return exitCodeForFailure(opts.failOn);
  }
}

/** --recheck-delay as milliseconds; a malformed duration is a config error naming the flag. */
function recheckDelayMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined) throw new ConfigError(`--recheck-delay: expected a duration like "30s", got ${JSON.stringify(value)}`);
  return ms;
}
