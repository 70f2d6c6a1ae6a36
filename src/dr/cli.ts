/**
 * `cdc-recon backup | restore | diagnostics` (commander). The zx scripts in
 * scripts/ call this same code through the bundled CLI. Results go to stdout
 * (JSON for backup, text or JSON for restore); structured logs go to stderr;
 * a failure prints one clear `error:` line and exits non-zero.
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { errorMessage } from '../util/errors.js';
import { createLogger, type LogLevel } from '../util/logger.js';
import { COMPONENTS, type BackupConfig, type Component } from './config.js';
import { loadBackupConfig } from './load-config.js';
import { createRedactor, secretsFromConfig } from './redact.js';

// Loaded when their command runs: other commands never pay for pg_dump helpers, tar or the AWS SDK.
const backupModule = () => import('./backup.js');
const restoreModule = () => import('./restore.js');
const diagnosticsModule = () => import('./diagnostics.js');

export function parseComponents(value: string): Component[] {
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = list.filter((c) => !(COMPONENTS as readonly string[]).includes(c));
  if (bad.length || list.length === 0) throw new InvalidArgumentError(`expected a comma-separated list of ${COMPONENTS.join(', ')}; got ${value}`);
  return list as Component[];
}

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got ${value}`);
  return n;
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
  const redactor = createRedactor(secretsFromConfig(config, io.env));
  io.stderr(`error: ${redactor(errorMessage(err))}\n`);
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
      const { BackupError, runBackup } = await backupModule();
      try {
        config = loadBackupConfig(opts.config);
        const result = await runBackup({
          config,
          outDir: opts.out,
          components: opts.components,
          retentionDays: opts.retentionDays,
          s3Bucket: opts.s3Bucket,
          s3Prefix: opts.s3Prefix,
          pushgatewayUrl: opts.pushgatewayUrl,
          metricsTextfile: opts.metricsTextfile,
          env: io.env,
          logger: logger(io, opts.logLevel),
        });
        for (const m of result.metrics) if (!m.ok) io.stderr(`warning: ${m.warning}\n`);
        const size = result.manifest.files.reduce((n, f) => n + f.size, 0);
        await githubOutputs(io, { 'set-id': result.setId, 'set-dir': result.setDir, 'size-bytes': size });
        io.stdout(
          `${JSON.stringify(
            {
              status: 'success',
              setId: result.setId,
              setDir: result.setDir,
              sizeBytes: size,
              durationMs: result.durationMs,
              components: result.components,
              retention: result.retention.map((d) => ({ id: d.id, action: d.action, reason: d.reason })),
              s3: result.s3 && { url: result.s3.url, files: result.s3.files, deleted: result.s3.retention.filter((d) => d.action === 'delete').map((d) => d.id) },
            },
            null,
            2,
          )}\n`,
        );
      } catch (err) {
        if (err instanceof BackupError) for (const m of err.metrics) if (!m.ok) io.stderr(`warning: ${m.warning}\n`);
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
          config = opts.config ? loadBackupConfig(opts.config) : undefined;
          if (opts.promote && opts.dropScratch) throw new Error('--promote and --drop-scratch exclude each other');
          if (opts.confirm !== undefined) {
            const target = opts.target ?? opts.mssqlTarget;
            if (!target || opts.confirm !== target) throw new Error(`confirmation "${opts.confirm}" does not match the target "${target ?? '(none given)'}": nothing was changed`);
          }
          const { runRestore, renderRestoreMarkdown, renderRestoreText } = await restoreModule();
          const report = await runRestore({
            set: opts.set,
            latest: opts.latest,
            config,
            components: opts.components,
            target: opts.target,
            mssqlTarget: opts.mssqlTarget,
            promote: opts.promote,
            force: opts.force,
            offsets: opts.offsets,
            dryRun: opts.dryRun,
            dropScratch: opts.dropScratch,
            noOwner: opts.owner === false,
            env: io.env,
            logger: logger(io, opts.logLevel),
          });
          const redactor = createRedactor(secretsFromConfig(config, io.env));
          if (opts.report) {
            await mkdir(dirname(opts.report), { recursive: true });
            await writeFile(opts.report, redactor(`${JSON.stringify(report, null, 2)}\n`));
          }
          if (opts.summary) await appendFile(opts.summary, redactor(renderRestoreMarkdown(report, opts.summaryTitle)));
          io.stdout(redactor(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderRestoreText(report)}\n`));
        } catch (err) {
          await fail(io, err, config);
        }
      },
    );

  program
    .command('diagnostics')
    .description('Collect container status and logs, Kafka Connect states, metrics, PostgreSQL and SQL Server CDC health into one redacted tar.gz')
    .option('--config <file>', 'YAML config with a backup: section')
    .option('--out <file>', 'bundle path (default ./cdc-recon-diagnostics-<timestamp>.tar.gz)')
    .addOption(new Option('--log-level <level>', 'stderr log level').choices(['debug', 'info', 'warn', 'error']).default('info'))
    .action(async (opts: { config?: string; out?: string; logLevel?: string }) => {
      let config: BackupConfig | undefined;
      try {
        config = opts.config ? loadBackupConfig(opts.config) : undefined;
        const { runDiagnostics } = await diagnosticsModule();
        const result = await runDiagnostics({ config, out: opts.out, env: io.env, logger: logger(io, opts.logLevel) });
        const lines = [`diagnostics bundle: ${result.bundle} (${result.files} files)`];
        for (const s of result.sections) lines.push(`  ${s.section.padEnd(14)} ${s.status}${s.notes.length ? ` — ${s.notes[0]}` : ''}`);
        io.stdout(`${lines.join('\n')}\n`);
        await githubOutputs(io, { bundle: result.bundle });
      } catch (err) {
        await fail(io, err, config);
      }
    });
}
