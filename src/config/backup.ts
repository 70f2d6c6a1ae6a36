/**
 * The `backup:` section of the project's YAML config (mounted under the
 * top-level config). Connections are named by environment variable
 * only: a URL or password written in the file is a validation error.
 */
import * as z from 'zod/mini';
import { envNameField, int, text } from './fields.js';

const envName = envNameField('the secret');

export const COMPONENTS = ['postgres', 'mssql', 'kafka-connect'] as const;
export type Component = (typeof COMPONENTS)[number];

/** "postgres,kafka-connect" into components; anything else is an error naming what is allowed. */
export function parseComponentList(value: string): Component[] {
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = list.filter((c) => !(COMPONENTS as readonly string[]).includes(c));
  if (bad.length || list.length === 0) throw new Error(`expected a comma-separated list of ${COMPONENTS.join(', ')}; got ${value}`);
  return list as Component[];
}

const postgresSchema = z.strictObject({
  urlEnv: envName,
  /** `custom` = one pg_dump -Fc file; `directory` = -Fd with `jobs` parallel workers (large databases). */
  format: z._default(z.enum(['custom', 'directory']), 'custom'),
  jobs: z._default(int(1, 64), 4),
  /** `checksum` also stores an order-independent content hash per table and checks it on restore. */
  verify: z._default(z.enum(['count', 'checksum']), 'checksum'),
  /** Tables above this many (estimated) rows get an estimated count instead of an exact one. */
  exactCountLimit: z._default(int(0), 50_000_000),
  /** Where pg_dump / pg_restore live, when not on PATH (e.g. /usr/lib/postgresql/16/bin). */
  binDir: z.optional(text()),
});

const mssqlSchema = z.strictObject({
  urlEnv: envName,
  database: text(1, 128),
  /** Directory on the SQL Server host where BACKUP writes (and RESTORE reads) the .bak file. */
  serverBackupDir: text(),
  /**
   * Argv (no shell) that brings the .bak from the server's disk into the set,
   * e.g. ["docker", "cp", "mssql:{serverPath}", "{localPath}"]; or ["none"] when
   * serverBackupDir is a shared volume seen locally at `localBackupDir`.
   */
  copyCommand: z.array(text()).check(z.minLength(1)),
  /** Argv that puts a .bak from the set onto the server's disk for a restore (placeholders as copyCommand). */
  uploadCommand: z.optional(z.array(text()).check(z.minLength(1))),
  /** Where the server puts restored data / log files (MOVE targets); default: the server's defaults. */
  restoreDataDir: z.optional(text()),
  restoreLogDir: z.optional(text()),
  /** CDC change-table retention on the restored database, minutes (SQL Server default 4320 = 72 h). */
  cdcRetentionMinutes: z._default(int(1), 4320),
});

const kafkaConnectSchema = z
  .strictObject({
    /** The worker's REST URL when it holds no credentials. */
    url: z.optional(z.url()),
    /** Env var holding the URL when it carries credentials (http://user:pass@host:8083). */
    urlEnv: z.optional(envName),
    /** Connector names to include (default all). */
    connectors: z.optional(z.array(text())),
    /**
     * How cdc-recon reaches a source connector's database on restore, to check the saved offsets against
     * the source (PostgreSQL: the replication slot's position): connector name -> env var holding a
     * postgres:// URL. Without an entry the connector's own config is used (database.hostname, port,
     * user, dbname and its password), which works where cdc-recon sees the database as the worker does.
     */
    sources: z.optional(z.record(text(), z.strictObject({ urlEnv: envName }))),
  })
  .check(
    z.superRefine((k, ctx) => {
      if (!k.url && !k.urlEnv) ctx.addIssue({ code: 'custom', message: 'needs "url" or "urlEnv"' });
      if (k.url) {
        const u = new URL(k.url);
        if (u.password) ctx.addIssue({ code: 'custom', path: ['url'], message: 'holds a password: put the URL in an env var and name it in "urlEnv"' });
      }
    }),
  );

const s3Schema = z.strictObject({
  bucket: text(3, 63),
  prefix: z._default(z.string(), 'cdc-recon'),
  region: z._default(text(), 'us-east-1'),
  /** Env var holding a custom endpoint (MinIO, s3rver, ...); path-style addressing is used then. */
  endpointEnv: z.optional(envName),
});

const diagnosticsSchema = z.strictObject({
  pushgatewayUrl: z.optional(z.url()),
  prometheusUrl: z.optional(z.url()),
  /** Container (docker) or pod (kubectl) names whose logs are collected; default all listed ones. */
  containers: z.optional(z.array(text())),
  kubernetesNamespace: z.optional(text()),
  logLines: z._default(int(1, 100_000), 1000),
  /** Transactions open longer than this many seconds are reported as long. */
  longTransactionSeconds: z._default(int(1), 300),
});

export const backupConfigSchema = z.strictObject({
  /** Local directory holding the backup sets. */
  dir: z._default(text(), './backups'),
  retentionDays: z._default(int(1, 3650), 7),
  postgres: z.optional(postgresSchema),
  mssql: z.optional(mssqlSchema),
  kafkaConnect: z.optional(kafkaConnectSchema),
  s3: z.optional(s3Schema),
  diagnostics: z.optional(diagnosticsSchema),
});

export type BackupConfig = z.output<typeof backupConfigSchema>;
export type PostgresBackupConfig = z.output<typeof postgresSchema>;
export type MssqlBackupConfig = z.output<typeof mssqlSchema>;
export type KafkaConnectConfig = z.output<typeof kafkaConnectSchema>;
export type S3Config = z.output<typeof s3Schema>;
export type DiagnosticsConfig = z.output<typeof diagnosticsSchema>;

/** Env var names used when no config names them. */
export const DEFAULT_ENV = { postgres: 'TARGET_URL', mssql: 'SOURCE_URL', kafkaConnect: 'KAFKA_CONNECT_URL' } as const;

/** Env var names the config points at: their values are secrets everywhere. */
export function secretEnvNames(cfg: BackupConfig): string[] {
  const sources = Object.values(cfg.kafkaConnect?.sources ?? {}).map((s) => s.urlEnv);
  return [cfg.postgres?.urlEnv, cfg.mssql?.urlEnv, cfg.kafkaConnect?.urlEnv, cfg.s3?.endpointEnv, ...sources].filter(
    (v): v is string => typeof v === 'string',
  );
}
