/**
 * `cdc-recon backup | restore | drill | diagnostics`: the CLI faces of
 * app/backup.ts, app/restore.ts, app/drill.ts and app/diagnostics.ts. Results
 * go to stdout (JSON for backup, text or JSON for restore); structured logs
 * go to stderr; a failure prints one clear `error:` line and exits non-zero.
 */
import { appendFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { backup, backupFailureWarnings, loadBackupSettings } from '../app/backup.js';
import { diagnostics } from '../app/diagnostics.js';
import { drill } from '../app/drill.js';
import { liveDrill } from '../app/live-drill.js';
import { drRedactor, loadDrConfig, restore } from '../app/restore.js';
import { COMPONENTS, parseComponentList, type BackupConfig, type Component } from '../config/backup.js';
import { ConfigError, errorMessage } from '../util/errors.js';
import { createLogger, type LogLevel } from '../util/logger.js';

export function parseComponents(value: string): Component[] {
  try {
    return parseComponentList(value);
  } catch (err) {
    throw new InvalidArgumentError(errorMessage(err));
  }
}

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got ${value}`);
  return n;
}

interface DrillOptions {
  set: string;
  config?: string;
  components?: Component[];
  target?: string;
  live?: boolean;
  reconConfig?: string;
  confirm?: string;
  sink?: string[];
  rewind?: boolean;
  rtoTarget?: number;
  pushgatewayUrl?: string;
  owner?: boolean;
  json?: boolean;
  report?: string;
  summary?: string;
  summaryTitle?: string;
  logLevel?: string;
}

interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
}

const defaultIo: Io = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
};

function logger(io: Io, level?: string) {
  return createLogger({ level: (level as LogLevel | undefined) ?? 'info', sink: (l) => io.stderr(`${l}\n`) });
}

async function fail(io: Io, err: unknown, config?: BackupConfig): Promise<void> {
  io.stderr(`error: ${drRedactor(config, io.env)(errorMessage(err))}\n`);
  process.exitCode = 1;
}

/** key=value lines for $GITHUB_OUTPUT. */
async function githubOutputs(io: Io, values: Record<string, string | number>): Promise<void> {
  const file = io.env.GITHUB_OUTPUT;
  if (!file) return;
  await appendFile(file, Object.entries(values).map(([k, v]) => `${k}=${v}\n`).join(''));
}

export function registerDrCommands(program: Command, io: Io = defaultIo): void {
  program
    .command('backup')
    .description('Back up PostgreSQL (pg_dump), SQL Server (BACKUP DATABASE) and Kafka Connect (connector configs and offsets) into a verified set with manifest.json; apply retention; optionally upload to S3')
    .requiredOption('--config <file>', 'YAML config with a backup: section')
    .option('--out <dir>', 'directory holding backup sets (default: backup.dir)')
    .option('--components <list>', `comma-separated subset of ${COMPONENTS.join(',')} (default: all configured)`, parseComponents)
    .option('--retention-days <n>', 'delete sets older than n days, never the newest verified one (default: backup.retentionDays, 7)', parsePositiveInt)
    .option('--s3-bucket <bucket>', 'upload the set to this S3 bucket (default: backup.s3.bucket)')
    .option('--s3-prefix <prefix>', 'key prefix in the bucket (default: backup.s3.prefix)')
    .option('--pushgateway-url <url>', 'push backup_* metrics here (default: $PUSHGATEWAY_URL)')
    .option('--metrics-textfile <path>', 'also write backup_* metrics to a node_exporter .prom file')
    .addOption(new Option('--log-level <level>', 'stderr log level').choices(['debug', 'info', 'warn', 'error']).default('info'))
    .action(async (opts: { config: string; out?: string; components?: Component[]; retentionDays?: number; s3Bucket?: string; s3Prefix?: string; pushgatewayUrl?: string; metricsTextfile?: string; logLevel?: string }) => {
      let config: BackupConfig | undefined;
      try {
        const settings = { configFile: opts.config, outDir: opts.out, components: opts.components, retentionDays: opts.retentionDays, s3Bucket: opts.s3Bucket, s3Prefix: opts.s3Prefix, pushgatewayUrl: opts.pushgatewayUrl, metricsTextfile: opts.metricsTextfile, env: io.env, logger: logger(io, opts.logLevel) };
        config = loadBackupSettings(settings);
        const { summary, warnings } = await backup(settings, config);
        for (const w of warnings) io.stderr(`warning: ${w}\n`);
        await githubOutputs(io, { 'set-id': summary.setId, 'set-dir': summary.setDir, 'size-bytes': summary.sizeBytes });
        io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
      } catch (err) {
        for (const w of await backupFailureWarnings(err)) io.stderr(`warning: ${w}\n`);
        await fail(io, err, config);
      }
    });

  program
    .command('restore')
    .description('Restore a verified backup set: sha256 of every file checked first; PostgreSQL into a scratch database, verified, swapped in only with --promote; SQL Server WITH MOVE (REPLACE only with --force); Kafka Connect connectors (and offsets with --offsets)')
    .requiredOption('--set <path|s3://…>', 'backup set directory or s3://bucket/prefix/<set id> (with --latest: the parent holding sets)')
    .option('--config <file>', 'YAML config with a backup: section (connections by env var)')
    .option('--latest', 'restore the newest complete set under --set')
    .option('--components <list>', `subset of ${COMPONENTS.join(',')} (default: all in the set)`, parseComponents)
    .option('--target <name>', 'PostgreSQL database to restore as (default: the database of the connection URL)')
    .option('--mssql-target <name>', 'SQL Server database to restore as (default: the backed-up name)')
    .option('--confirm <name>', 'must equal the target database name when given (typed confirmation)')
    .option('--promote', 'swap the verified scratch copy in (the original is renamed <db>_pre_restore_<ts>)')
    .option('--force', 'SQL Server: REPLACE an existing database; PostgreSQL --promote: terminate sessions on the target')
    .option('--offsets', 'Kafka Connect: stop connectors, write the saved offsets, resume (only where still usable)')
    .option('--connector <name...>', 'Kafka Connect: restore only these connectors of the set (e.g. the sinks after a target restore)')
    .option('--dry-run', 'verify the set and print the plan; change nothing')
    .option('--drop-scratch', 'drop the scratch database after it verified (DR drills)')
    .option('--no-owner', 'PostgreSQL: skip ownership and privileges (target server lacks the roles)')
    .option('--json', 'print the report as JSON')
    .option('--report <file>', 'also write the JSON report to this file')
    .option('--summary <file>', 'append a Markdown summary with RTO/RPO figures (e.g. $GITHUB_STEP_SUMMARY)')
    .option('--summary-title <title>', 'heading of the Markdown summary', 'Restore')
    .addOption(new Option('--log-level <level>', 'stderr log level').choices(['debug', 'info', 'warn', 'error']).default('info'))
    .action(
      async (opts: {
        set: string;
        config?: string;
        latest?: boolean;
        components?: Component[];
        target?: string;
        mssqlTarget?: string;
        confirm?: string;
        promote?: boolean;
        force?: boolean;
        offsets?: boolean;
        connector?: string[];
        dryRun?: boolean;
        dropScratch?: boolean;
        owner?: boolean;
        json?: boolean;
        report?: string;
        summary?: string;
        summaryTitle?: string;
        logLevel?: string;
      }) => {
        let config: BackupConfig | undefined;
        try {
          config = loadDrConfig(opts.config);
          const { report, text } = await restore(
            {
              set: opts.set,
              configFile: opts.config,
              latest: opts.latest,
              components: opts.components,
              target: opts.target,
              mssqlTarget: opts.mssqlTarget,
              confirm: opts.confirm,
              promote: opts.promote,
              force: opts.force,
              offsets: opts.offsets,
              connectors: opts.connector,
              dryRun: opts.dryRun,
              dropScratch: opts.dropScratch,
              noOwner: opts.owner === false,
              reportFile: opts.report,
              summaryFile: opts.summary,
              summaryTitle: opts.summaryTitle,
              env: io.env,
              logger: logger(io, opts.logLevel),
            },
            config,
          );
          io.stdout(opts.json ? drRedactor(config, io.env)(`${JSON.stringify(report, null, 2)}\n`) : `${text}\n`);
        } catch (err) {
          await fail(io, err, config);
        }
      },
    );

  program
    .command('drill')
    .description(
      'DR drill. Default: restore the newest complete set under --set into a scratch database, verify it, drop it (the live target is never touched). ' +
        '--live: the real sequence on the running pipeline: back up the target and Kafka Connect into --set, drop the target (--confirm), fence the sinks, restore, ' +
        'rewind the sinks to the backup and resume them, heal through Debezium signals, reconcile clean. Exit 1 when a target is missed',
    )
    .requiredOption('--set <path|s3://…>', 'the folder (or S3 prefix) holding backup sets (--live: where its backup set is written)')
    .option('--config <file>', 'YAML config with a backup: section (connections by env var)')
    .option('--components <list>', `subset of ${COMPONENTS.join(',')} (default: all in the set)`, parseComponents)
    .option('--target <name>', 'PostgreSQL database whose scratch copy is made (default: the database of the connection URL)')
    .option('--live', 'the live drill on the running pipeline (drops and restores the target: needs --confirm and --recon-config)')
    .option('--recon-config <file>', '--live: the reconcile config of the pipeline, with repair.signal')
    .option('--confirm <database>', '--live: the target database name, typed: the drill drops it')
    .option('--sink <name...>', '--live: sink connectors to fence and rewind (default: every sink in the set)')
    .option('--no-rewind', '--live: resume the sinks where they stopped instead of at the backup\'s offsets (the gap is then healed through Debezium signals)')
    .option('--rto-target <seconds>', '--live: RTO the drill must meet, seconds', parsePositiveInt, 120)
    .option('--pushgateway-url <url>', '--live: push dr_drill_* metrics here (default: $PUSHGATEWAY_URL)')
    .option('--no-owner', 'PostgreSQL: skip ownership and privileges (target server lacks the roles)')
    .option('--json', 'print the report as JSON')
    .option('--report <file>', 'also write the JSON report to this file')
    .option('--summary <file>', 'append a Markdown summary with RTO/RPO figures (e.g. $GITHUB_STEP_SUMMARY)')
    .option('--summary-title <title>', 'heading of the Markdown summary', 'DR drill')
    .addOption(new Option('--log-level <level>', 'stderr log level').choices(['debug', 'info', 'warn', 'error']).default('info'))
    .action(async (opts: DrillOptions) => {
      let config: BackupConfig | undefined;
      try {
        config = loadDrConfig(opts.config);
        if (opts.live) {
          if (!opts.config || !opts.reconConfig || !opts.confirm) throw new ConfigError('drill --live needs --config (backup:), --recon-config (the pipeline\'s reconcile config) and --confirm <target database>');
          const { report, text, exitCode } = await liveDrill(
            {
              set: opts.set,
              backupConfigFile: opts.config,
              reconConfigFile: opts.reconConfig,
              confirm: opts.confirm,
              sinks: opts.sink,
              rewind: opts.rewind,
              rtoTargetSeconds: opts.rtoTarget,
              pushgatewayUrl: opts.pushgatewayUrl,
              reportFile: opts.report,
              summaryFile: opts.summary,
              noOwner: opts.owner === false,
              env: io.env,
              logger: logger(io, opts.logLevel),
            },
            config,
          );
          io.stdout(opts.json ? drRedactor(config, io.env)(`${JSON.stringify(report, null, 2)}\n`) : `${text}\n`);
          process.exitCode = exitCode;
          return;
        }
        const { report, text, exitCode } = await drill(
          { set: opts.set, configFile: opts.config, components: opts.components, target: opts.target, noOwner: opts.owner === false, reportFile: opts.report, summaryFile: opts.summary, summaryTitle: opts.summaryTitle, env: io.env, logger: logger(io, opts.logLevel) },
          config,
        );
        io.stdout(opts.json ? drRedactor(config, io.env)(`${JSON.stringify(report, null, 2)}\n`) : `${text}\n`);
        process.exitCode = exitCode;
      } catch (err) {
        await fail(io, err, config);
      }
    });

  program
    .command('diagnostics')
    .description('Collect container status and logs, Kafka Connect states, metrics, PostgreSQL and SQL Server CDC health into one redacted tar.gz')
    .option('--config <file>', 'YAML config with a backup: section')
    .option('--out <file>', 'bundle path (default ./cdc-recon-diagnostics-<timestamp>.tar.gz)')
    .addOption(new Option('--log-level <level>', 'stderr log level').choices(['debug', 'info', 'warn', 'error']).default('info'))
    .action(async (opts: { config?: string; out?: string; logLevel?: string }) => {
      let config: BackupConfig | undefined;
      try {
        config = loadDrConfig(opts.config);
        const result = await diagnostics({ configFile: opts.config, out: opts.out, env: io.env, logger: logger(io, opts.logLevel) }, config);
        const lines = [`diagnostics bundle: ${result.bundle} (${result.files} files)`];
        for (const s of result.sections) lines.push(`  ${s.section.padEnd(14)} ${s.status}${s.notes.length ? ` — ${s.notes[0]}` : ''}`);
        io.stdout(`${lines.join('\n')}\n`);
        await githubOutputs(io, { bundle: result.bundle });
      } catch (err) {
        await fail(io, err, config);
      }
    });
}
