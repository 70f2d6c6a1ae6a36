/**
 * The `backup:` section of the project's YAML config (mounted under the
 * top-level config). Connections are named by environment variable
 * only: a URL or password written in the file is a validation error.
 */
import { z } from 'zod';
import { envNameField } from './fields.js';

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
  format: z.enum(['custom', 'directory']).default('custom'),
  jobs: z.number().int().min(1).max(64).default(4),
  /** `checksum` also stores an order-independent content hash per table and checks it on restore. */
  verify: z.enum(['count', 'checksum']).default('checksum'),
  /** Tables above this many (estimated) rows get an estimated count instead of an exact one. */
  exactCountLimit: z.number().int().min(0).default(50_000_000),
  /** Where pg_dump / pg_restore live, when not on PATH (e.g. /usr/lib/postgresql/16/bin). */
  binDir: z.string().min(1).optional(),
});

const mssqlSchema = z.strictObject({
  urlEnv: envName,
  database: z.string().min(1).max(128),
  /** Directory on the SQL Server host where BACKUP writes (and RESTORE reads) the .bak file. */
  serverBackupDir: z.string().min(1),
  /**
   * Argv (no shell) that brings the .bak from the server's disk into the set,
   * e.g. ["docker", "cp", "mssql:{serverPath}", "{localPath}"]; or ["none"] when
   * serverBackupDir is a shared volume seen locally at `localBackupDir`.
   */
  copyCommand: z.array(z.string().min(1)).min(1),
  /** Argv that puts a .bak from the set onto the server's disk for a restore (placeholders as copyCommand). */
  uploadCommand: z.array(z.string().min(1)).min(1).optional(),
  /** Where the server puts restored data / log files (MOVE targets); default: the server's defaults. */
  restoreDataDir: z.string().min(1).optional(),
  restoreLogDir: z.string().min(1).optional(),
  /** CDC change-table retention on the restored database, minutes (SQL Server default 4320 = 72 h). */
  cdcRetentionMinutes: z.number().int().min(1).default(4320),
});

const kafkaConnectSchema = z
  .strictObject({
    /** The worker's REST URL when it holds no credentials. */
    url: z.url().optional(),
    /** Env var holding the URL when it carries credentials (http://user:pass@host:8083). */
    urlEnv: envName.optional(),
    /** Connector names to include (default all). */
    connectors: z.array(z.string().min(1)).optional(),
    /**
     * How cdc-recon reaches a source connector's database on restore, to check the saved offsets against
     * the source (PostgreSQL: the replication slot's position): connector name -> env var holding a
     * postgres:// URL. Without an entry the connector's own config is used (database.hostname, port,
     * user, dbname and its password), which works where cdc-recon sees the database as the worker does.
     */
    sources: z.record(z.string().min(1), z.strictObject({ urlEnv: envName })).optional(),
  })
  .superRefine((k, ctx) => {
    if (!k.url && !k.urlEnv) ctx.addIssue({ code: 'custom', message: 'needs "url" or "urlEnv"' });
    if (k.url) {
      const u = new URL(k.url);
      if (u.password) ctx.addIssue({ code: 'custom', path: ['url'], message: 'holds a password: put the URL in an env var and name it in "urlEnv"' });
    }
  });

const s3Schema = z.strictObject({
  bucket: z.string().min(3).max(63),
  prefix: z.string().default('cdc-recon'),
  region: z.string().min(1).default('us-east-1'),
  /** Env var holding a custom endpoint (MinIO, s3rver, ...); path-style addressing is used then. */
  endpointEnv: envName.optional(),
});

const diagnosticsSchema = z.strictObject({
  pushgatewayUrl: z.url().optional(),
  prometheusUrl: z.url().optional(),
  /** Container (docker) or pod (kubectl) names whose logs are collected; default all listed ones. */
  containers: z.array(z.string().min(1)).optional(),
  kubernetesNamespace: z.string().min(1).optional(),
  logLines: z.number().int().min(1).max(100_000).default(1000),
  /** Transactions open longer than this many seconds are reported as long. */
  longTransactionSeconds: z.number().int().min(1).default(300),
});

export const backupConfigSchema = z.strictObject({
  /** Local directory holding the backup sets. */
  dir: z.string().min(1).default('./backups'),
  retentionDays: z.number().int().min(1).max(3650).default(7),
  postgres: postgresSchema.optional(),
  mssql: mssqlSchema.optional(),
  kafkaConnect: kafkaConnectSchema.optional(),
  s3: s3Schema.optional(),
  diagnostics: diagnosticsSchema.optional(),
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
