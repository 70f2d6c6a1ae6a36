/**
 * One backup run: a new set directory named by its UTC start time, each
 * configured component in turn, manifest.json last, then local retention,
 * optional S3 upload (+ retention by prefix) and backup metrics. Any failed
 * component fails the run with a clear message and removes the partial set,
 * so no half set can ever look complete.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createMetrics, pushMetrics, writeTextfile, type SinkResult } from '../observability/metrics.js';
import { ConfigError, errorMessage } from '../util/errors.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { COMPONENTS, type BackupConfig, type Component } from '../config/backup.js';
import { backupKafkaConnect, KafkaConnectClient } from './connect/client.js';
import { requireEnv } from '../config/load-backup.js';
import { MANIFEST_FORMAT, readManifest, setIdFor, writeManifest, type Manifest, type ManifestFile } from './store/manifest.js';
import { backupMssql, createMssqlRunner, type MssqlRunner } from './mssql/backup.js';
import { backupPostgres } from './postgres/backup.js';
import { createRedactor, secretsFromConfig } from './redact.js';
import { applyLocalRetention, applyS3Retention, listLocalSets, type RetentionDecision } from './store/retention.js';
import { S3Store } from './store/s3.js';
import { TOOL_VERSION } from '../version.js';

export interface BackupOptions {
  config: BackupConfig;
  /** Overrides config.dir. */
  outDir?: string;
  components?: Component[];
  retentionDays?: number;
  s3Bucket?: string;
  s3Prefix?: string;
  pushgatewayUrl?: string;
  metricsTextfile?: string;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
  logger?: Logger;
  /** How to reach SQL Server (default: the mssql driver). */
  mssqlRunner?: (connection: string) => Promise<MssqlRunner>;
}

export interface ComponentOutcome {
  component: Component;
  status: 'success' | 'failure' | 'skipped';
  durationMs: number;
  bytes: number;
  error?: string;
}

export interface BackupResult {
  setId: string;
  setDir: string;
  manifest: Manifest;
  durationMs: number;
  components: ComponentOutcome[];
  retention: RetentionDecision[];
  s3?: { url: string; files: number; retention: RetentionDecision[] };
  metrics: SinkResult[];
}

export class BackupError extends Error {
  override readonly name = 'BackupError';
  constructor(message: string, readonly components: ComponentOutcome[], readonly metrics: SinkResult[] = []) {
    super(message);
  }
}

export function configuredComponents(config: BackupConfig): Component[] {
  return COMPONENTS.filter((c) => (c === 'postgres' ? config.postgres : c === 'mssql' ? config.mssql : config.kafkaConnect));
}

export function resolveComponents(config: BackupConfig, requested?: Component[]): Component[] {
  const configured = configuredComponents(config);
  const wanted = requested && requested.length ? requested : configured;
  const missing = wanted.filter((c) => !configured.includes(c));
  if (missing.length) throw new ConfigError(`component(s) ${missing.join(', ')} requested but not configured under backup:`);
  if (wanted.length === 0) throw new ConfigError('nothing to back up: configure backup.postgres, backup.mssql or backup.kafkaConnect');
  return COMPONENTS.filter((c) => wanted.includes(c));
}

export function s3StoreFor(config: BackupConfig, env: NodeJS.ProcessEnv, overrides: { bucket?: string; prefix?: string } = {}): S3Store | undefined {
  const bucket = overrides.bucket ?? config.s3?.bucket;
  if (!bucket) return undefined;
  const endpointEnv = config.s3?.endpointEnv;
  return new S3Store({
    bucket,
    prefix: overrides.prefix ?? config.s3?.prefix ?? 'cdc-recon',
    region: config.s3?.region ?? env.AWS_REGION ?? 'us-east-1',
    endpoint: endpointEnv ? requireEnv(endpointEnv, env) : undefined,
  });
}

/** When each component last had a complete, verified set in `root` (for failure metrics). */
async function previousSuccesses(root: string): Promise<Map<Component, Date>> {
  const out = new Map<Component, Date>();
  for (const s of (await listLocalSets(root).catch(() => [])).filter((x) => x.verified)) {
    try {
      const m = await readManifest(join(root, s.id));
      for (const c of COMPONENTS) {
        const prev = out.get(c);
        if (m.components[c] && (!prev || s.createdAt > prev)) out.set(c, s.createdAt);
      }
    } catch {
      /* unreadable: ignore */
    }
  }
  return out;
}

/**
 * backup_* metrics of this run. A failed run removed its set, so every
 * component of it is a failure (even one whose own step had finished), and
 * keeps the time of its last complete set as its last success.
 */
async function publishMetrics(
  outcomes: ComponentOutcome[],
  options: BackupOptions,
  env: NodeJS.ProcessEnv,
  failedRun?: { root: string },
): Promise<SinkResult[]> {
  const url = options.pushgatewayUrl ?? env.PUSHGATEWAY_URL;
  if (!url && !options.metricsTextfile) return [];
  const metrics = createMetrics();
  const previous = failedRun ? await previousSuccesses(failedRun.root) : new Map<Component, Date>();
  for (const o of outcomes) {
    if (failedRun) {
      metrics.recordBackup({ component: o.component, status: 'failure', durationSeconds: o.durationMs / 1000, previousSuccessAt: previous.get(o.component) });
    } else {
      metrics.recordBackup({ component: o.component, status: 'success', durationSeconds: o.durationMs / 1000, sizeBytes: o.bytes });
    }
  }
  const sinks: SinkResult[] = [];
  if (url) sinks.push(await pushMetrics(metrics.registry, url, { job: 'cdc-recon-backup' }));
  if (options.metricsTextfile) sinks.push(await writeTextfile(metrics.registry, options.metricsTextfile));
  return sinks;
}

export async function runBackup(options: BackupOptions): Promise<BackupResult> {
  const env = options.env ?? process.env;
  const log = options.logger ?? silentLogger;
  const config = options.config;
  const secrets = secretsFromConfig(config, env);
  const redactor = createRedactor(secrets);
  const components = resolveComponents(config, options.components);
  const runStart = Date.now();
  const started = new Date((options.now ?? (() => new Date()))());
  const setId = setIdFor(started);
  // Resolve the S3 target first: a missing endpoint variable fails before any work.
  const store = s3StoreFor(config, env, { bucket: options.s3Bucket, prefix: options.s3Prefix });
  const root = resolve(options.outDir ?? config.dir);
  const setDir = join(root, setId);
  await mkdir(root, { recursive: true });
  await mkdir(setDir); // fails if it exists: never write into another set

  const outcomes: ComponentOutcome[] = components.map((c) => ({ component: c, status: 'skipped', durationMs: 0, bytes: 0 }));
  const files: ManifestFile[] = [];
  const parts: Manifest['components'] = {};

  // Kafka Connect before PostgreSQL: the sinks' committed offsets are then never ahead of the dump, so a
  // restored target rewound to them replays everything the dump missed (app/live-drill.ts).
  const captureOrder: Component[] = ['mssql', 'kafka-connect', 'postgres'];
  const inCaptureOrder = [...outcomes].sort((a, b) => captureOrder.indexOf(a.component) - captureOrder.indexOf(b.component));
  for (const outcome of inCaptureOrder) {
    const t0 = Date.now();
    const c = outcome.component;
    log.info('backup component starting', { component: c, setId });
    try {
      if (c === 'postgres') {
        const pgCfg = config.postgres!;
        const r = await backupPostgres({ url: requireEnv(pgCfg.urlEnv, env), config: pgCfg, setDir, secrets });
        parts.postgres = r.manifest;
        files.push(...r.files);
        outcome.bytes = r.files.reduce((n, f) => n + f.size, 0);
      } else if (c === 'mssql') {
        const msCfg = config.mssql!;
        const runner = await (options.mssqlRunner ?? createMssqlRunner)(requireEnv(msCfg.urlEnv, env));
        try {
          const r = await backupMssql({ runner, config: msCfg, setDir, setId, secrets });
          parts.mssql = r.manifest;
          files.push(...r.files);
          outcome.bytes = r.files.reduce((n, f) => n + f.size, 0);
        } finally {
          await runner.close().catch(() => undefined);
        }
      } else {
        const kc = config.kafkaConnect!;
        const url = kc.urlEnv ? requireEnv(kc.urlEnv, env) : kc.url!;
        const r = await backupKafkaConnect({ client: new KafkaConnectClient(url), setDir, include: kc.connectors });
        parts['kafka-connect'] = r.manifest;
        files.push(...r.files);
        outcome.bytes = r.files.reduce((n, f) => n + f.size, 0);
      }
      outcome.status = 'success';
      outcome.durationMs = Date.now() - t0;
      log.info('backup component done', { component: c, durationMs: outcome.durationMs, bytes: outcome.bytes });
    } catch (err) {
      outcome.status = 'failure';
      outcome.durationMs = Date.now() - t0;
      outcome.error = redactor(errorMessage(err));
      await rm(setDir, { recursive: true, force: true });
      const metrics = await publishMetrics(outcomes, options, env, { root });
      log.error('backup failed', { component: c, error: outcome.error });
      throw new BackupError(`backup failed at ${c}: ${outcome.error} (the partial set ${setId} was removed; no manifest was written)`, outcomes, metrics);
    }
  }

  const manifest: Manifest = {
    formatVersion: MANIFEST_FORMAT,
    kind: 'cdc-recon-backup-set',
    setId,
    createdAt: started.toISOString(),
    completedAt: new Date().toISOString(),
    tool: { name: 'cdc-recon', version: TOOL_VERSION },
    verified: true,
    components: parts,
    files,
  };
  await writeManifest(setDir, manifest);
  log.info('backup set complete', { setId, files: files.length });

  const retentionDays = options.retentionDays ?? config.retentionDays;
  const retention = await applyLocalRetention(root, { retentionDays, now: started });

  let s3: BackupResult['s3'];
  if (store) {
    try {
      const up = await store.uploadSet(setDir, setId);
      const r = await applyS3Retention(store, { retentionDays, now: started });
      s3 = { url: store.url(setId), files: up.files, retention: r };
    } catch (err) {
      const metrics = await publishMetrics(outcomes, options, env);
      throw new BackupError(
        `backup set ${setId} is complete locally at ${setDir}, but the S3 upload to ${store.url(setId)} failed: ${redactor(errorMessage(err))}`,
        outcomes,
        metrics,
      );
    }
  }
  const metrics = await publishMetrics(outcomes, options, env);
  return { setId, setDir, manifest, durationMs: Date.now() - runStart, components: outcomes, retention, s3, metrics };
}
