/**
 * Restore a backup set. Order of business, whatever the components:
 *   1. fetch the set (local path or s3://…; `latest` picks the newest set that has a manifest);
 *   2. verify every file's size and sha256 against manifest.json — a set without
 *      a manifest, or with one bad byte, is refused before any database is touched;
 *   3. plan each component and, with dryRun, print the plan and stop;
 *   4. PostgreSQL into a scratch database, verified, swapped in only with promote;
 *      SQL Server with MOVE (REPLACE only with force, KEEP_CDC for a CDC source);
 *      Kafka Connect connectors re-created, offsets written only with `offsets`
 *      and only when they are still usable (otherwise snapshot.mode=when_needed).
 * The report gives timings (RTO) and the age of the set (RPO) against the targets.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, errorMessage } from '../util/errors.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { DEFAULT_ENV, type BackupConfig, type Component } from '../config/backup.js';
import { executeConnectRestore, planConnectRestore, slotReader, type ConnectorOutcome, type ConnectorPlan, type ConnectPlanResult, type SlotReader } from './connect/restore.js';
import { readSavedConnect } from './connect/saved.js';
import { KafkaConnectClient, type SavedConnect } from './connect/client.js';
import { requireEnv } from '../config/load-backup.js';
import { verifySet, type Manifest, type SetVerification } from './store/manifest.js';
import { createMssqlRunner, type MssqlRunner } from './mssql/backup.js';
import { planMssqlRestore, restoreMssql, type MssqlRestorePlan } from './mssql/restore.js';
import type { LsnBounds } from './connect/offsets.js';
import { databaseOf } from './postgres/conn.js';
import { planPostgresRestore, restorePostgres, RestoreError, type PostgresRestoreOutcome, type PostgresRestorePlan } from './postgres/restore.js';
import { createRedactor, secretsFromConfig } from './redact.js';
import { newestVerifiedLocal } from './store/retention.js';
import { parseS3Url, S3Store } from './store/s3.js';

export { RestoreError } from './postgres/restore.js';

/** Documented targets (mitigation plan 3.1). */
export const RTO_TARGET_SECONDS = 2 * 3600;
export const RPO_TARGET_SECONDS = 24 * 3600;

export { DEFAULT_ENV } from '../config/backup.js';

export interface RestoreOptions {
  /** Local set directory, or s3://bucket/prefix/<setId>; with `latest`, the parent holding sets. */
  set: string;
  latest?: boolean;
  config?: BackupConfig;
  components?: Component[];
  /** PostgreSQL database to restore as (default: the database of the connection URL). */
  target?: string;
  mssqlTarget?: string;
  promote?: boolean;
  force?: boolean;
  offsets?: boolean;
  /** Kafka Connect: restore only these connectors of the set (default: all of them). */
  connectors?: string[];
  dryRun?: boolean;
  /** Drop the scratch database after it verified (drills). */
  dropScratch?: boolean;
  noOwner?: boolean;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
  logger?: Logger;
  mssqlRunner?: (connection: string) => Promise<MssqlRunner>;
  /** Where S3 sets are downloaded (default a temp dir, removed afterwards). */
  workDir?: string;
  /** Override the S3 endpoint (else config.s3.endpointEnv). */
  s3Endpoint?: string;
  /** How PostgreSQL source connectors' replication slots are read (tests); default from config.kafkaConnect.sources. */
  readSlot?: SlotReader;
}

export interface RestoreReport {
  dryRun: boolean;
  set: { id: string; location: string; createdAt: string; ageSeconds: number; toolVersion: string };
  verification: { files: number; bytes: number; durationMs: number };
  components: Component[];
  postgres?: { plan: PostgresRestorePlan; outcome?: Omit<PostgresRestoreOutcome, 'plan'> };
  mssql?: { plan: MssqlRestorePlan; statements?: string[]; warnings?: string[]; lsnBounds?: LsnBounds };
  kafkaConnect?: { plan: Omit<ConnectorPlan, 'secretSources'>[]; outcomes?: ConnectorOutcome[] };
  timings: { fetchMs: number; verifyMs: number; postgresMs?: number; mssqlMs?: number; kafkaConnectMs?: number; totalMs: number };
  rto: { measuredSeconds: number; targetSeconds: number; met: boolean };
  rpo: { setAgeSeconds: number; targetSeconds: number; met: boolean };
  nextSteps: string[];
}

interface FetchedSet {
  dir: string;
  location: string;
  cleanup: () => Promise<void>;
}

async function fetchSet(options: RestoreOptions, env: NodeJS.ProcessEnv): Promise<FetchedSet> {
  if (options.set.startsWith('s3://')) {
    const loc = parseS3Url(options.set);
    const endpointEnv = options.config?.s3?.endpointEnv;
    const endpoint = options.s3Endpoint ?? (endpointEnv ? requireEnv(endpointEnv, env) : undefined);
    const region = options.config?.s3?.region ?? env.AWS_REGION ?? 'us-east-1';
    let store: S3Store;
    let setId: string;
    if (options.latest) {
      store = new S3Store({ bucket: loc.bucket, prefix: loc.prefix, region, endpoint });
      const sets = (await store.listSets()).filter((s) => s.hasManifest && s.createdAt).sort((a, b) => b.createdAt!.getTime() - a.createdAt!.getTime());
      if (!sets[0]) throw new RestoreError(`no complete backup set (with a manifest) under ${options.set}`);
      setId = sets[0].setId;
    } else {
      const parts = loc.prefix.split('/');
      setId = parts.pop() ?? '';
      if (!setId) throw new ConfigError(`${options.set}: name the set (s3://bucket/prefix/<set id>) or pass --latest`);
      store = new S3Store({ bucket: loc.bucket, prefix: parts.join('/'), region, endpoint });
    }
    const work = options.workDir ?? (await mkdtemp(join(tmpdir(), 'cdc-recon-restore-')));
    const dir = join(work, setId);
    await store.downloadSet(setId, dir);
    return { dir, location: store.url(setId), cleanup: () => (options.workDir ? Promise.resolve() : rm(work, { recursive: true, force: true })) };
  }
  let dir = resolve(options.set);
  if (options.latest) {
    const newest = await newestVerifiedLocal(dir);
    if (!newest) throw new RestoreError(`no complete backup set (with a manifest) in ${dir}`);
    dir = newest;
  }
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new RestoreError(`backup set ${dir} not found (a directory holding manifest.json)`);
  }
  return { dir, location: dir, cleanup: async () => undefined };
}

function chooseComponents(manifest: Manifest, requested?: Component[]): Component[] {
  const present = (['postgres', 'mssql', 'kafka-connect'] as const).filter((c) => manifest.components[c]);
  if (!requested || requested.length === 0) return [...present];
  const missing = requested.filter((c) => !present.includes(c));
  if (missing.length) throw new RestoreError(`the set has no ${missing.join(', ')} backup (it holds: ${present.join(', ') || 'nothing'})`);
  return present.filter((c) => requested.includes(c));
}

function connectUrl(options: RestoreOptions, env: NodeJS.ProcessEnv): string {
  const kc = options.config?.kafkaConnect;
  if (kc?.urlEnv) return requireEnv(kc.urlEnv, env);
  if (kc?.url) return kc.url;
  return requireEnv(DEFAULT_ENV.kafkaConnect, env);
}

export async function runRestore(options: RestoreOptions): Promise<RestoreReport> {
  const env = options.env ?? process.env;
  const log = options.logger ?? silentLogger;
  const now = () => (options.now ? options.now() : new Date());
  const startedAt = now();
  const t0 = Date.now();
  const secrets = secretsFromConfig(options.config, env);
  const redactor = createRedactor(secrets);
  const dryRun = Boolean(options.dryRun);

  const fetched = await fetchSet(options, env);
  const fetchMs = Date.now() - t0;
  try {
    // 2. Nothing is touched before every byte of the set checks out.
    let verification: SetVerification;
    try {
      verification = await verifySet(fetched.dir);
    } catch (err) {
      throw new RestoreError(redactor(errorMessage(err)));
    }
    const manifest = verification.manifest;
    log.info('backup set verified', { set: manifest.setId, files: verification.files, bytes: verification.bytes });
    const components = chooseComponents(manifest, options.components);
    if (options.connectors && !components.includes('kafka-connect')) throw new ConfigError('--connector names Kafka Connect connectors: the restore must include the kafka-connect component');
    const ageSeconds = Math.max(0, (startedAt.getTime() - new Date(manifest.createdAt).getTime()) / 1000);

    const report: RestoreReport = {
      dryRun,
      set: { id: manifest.setId, location: fetched.location, createdAt: manifest.createdAt, ageSeconds, toolVersion: manifest.tool.version },
      verification: { files: verification.files, bytes: verification.bytes, durationMs: verification.durationMs },
      components,
      timings: { fetchMs, verifyMs: verification.durationMs, totalMs: 0 },
      rto: { measuredSeconds: 0, targetSeconds: RTO_TARGET_SECONDS, met: false },
      rpo: { setAgeSeconds: ageSeconds, targetSeconds: RPO_TARGET_SECONDS, met: ageSeconds <= RPO_TARGET_SECONDS },
      nextSteps: [],
    };

    // 3. Plans (read-only).
    const pgPart = manifest.components.postgres;
    let pgPlan: PostgresRestorePlan | undefined;
    let pgUrl: string | undefined;
    const pgCfg = options.config?.postgres;
    if (components.includes('postgres') && pgPart) {
      pgUrl = requireEnv(pgCfg?.urlEnv ?? DEFAULT_ENV.postgres, env);
      const target = options.target ?? databaseOf(pgUrl);
      pgPlan = planPostgresRestore({
        manifest: pgPart,
        target,
        now: startedAt,
        promote: Boolean(options.promote),
        dropScratch: Boolean(options.dropScratch),
        force: Boolean(options.force),
        jobs: pgCfg?.jobs ?? 4,
        noOwner: Boolean(options.noOwner),
      });
      report.postgres = { plan: pgPlan };
    }
    const msPart = manifest.components.mssql;
    let msPlan: MssqlRestorePlan | undefined;
    if (components.includes('mssql') && msPart) {
      msPlan = planMssqlRestore({ manifest: msPart, config: options.config?.mssql, target: options.mssqlTarget, force: Boolean(options.force), setDir: fetched.dir });
      report.mssql = { plan: msPlan };
    }
    const kcPart = manifest.components['kafka-connect'];
    const retentionMinutes = options.config?.mssql?.cdcRetentionMinutes ?? 4320;
    // The Kafka Connect part is read and checked here, before anything is restored: a damaged or
    // incomplete one refuses the whole restore and the worker is never contacted.
    const offsets = Boolean(options.offsets);
    let saved: SavedConnect | undefined;
    let readSlot: SlotReader | undefined;
    if (kcPart && components.includes('kafka-connect')) {
      saved = onlyConnectors(await readSavedConnect(fetched.dir, kcPart, { offsets }), options.connectors);
      const sources: Record<string, string> = {};
      for (const [name, s] of Object.entries(options.config?.kafkaConnect?.sources ?? {})) sources[name] = requireEnv(s.urlEnv, env);
      readSlot = options.readSlot ?? slotReader(sources);
    }
    const planConnect = (client: KafkaConnectClient, at: Date, bounds?: LsnBounds): Promise<ConnectPlanResult> =>
      planConnectRestore({ client, saved: saved!, offsets, now: at, retentionMinutes, bounds, env, readSlot });
    const connectReport = (plan: ConnectPlanResult) => plan.connectors.map(({ secretSources: _s, ...rest }) => rest);

    if (dryRun) {
      if (saved) {
        try {
          const client = new KafkaConnectClient(connectUrl(options, env));
          const plan = await planConnect(client, startedAt);
          report.kafkaConnect = { plan: connectReport(plan) };
          pushConnectWarnings(report, plan);
        } catch (err) {
          // A dry run still prints what it can: the worker is needed only to execute.
          report.nextSteps.push(`Kafka Connect: could not plan against the worker (${redactor(errorMessage(err))}); ${Object.keys(saved.connectors).length} connector(s) in the set`);
        }
      }
      report.nextSteps.push('dry run: nothing was changed; run again without --dry-run to restore');
      return finish(report, t0);
    }

    // Connector secrets that cannot be resupplied refuse the restore before any component is touched.
    let connectClient: KafkaConnectClient | undefined;
    let connectPlan: ConnectPlanResult | undefined;
    if (saved) {
      connectClient = new KafkaConnectClient(connectUrl(options, env));
      connectPlan = await planConnect(connectClient, startedAt);
      const missing = connectPlan.connectors.filter((c) => c.missingSecrets.length);
      if (missing.length) {
        throw new RestoreError(
          'connector secrets were redacted at backup time and cannot be resupplied (nothing was restored, nothing was changed in Kafka Connect)',
          missing.map((c) => `${c.name}: ${c.missingSecrets.join(', ')}`),
        );
      }
    }

    // 4. Execute.
    if (pgPlan && pgPart && pgUrl) {
      const t = Date.now();
      const outcome = await restorePostgres({
        url: pgUrl,
        setDir: fetched.dir,
        manifest: pgPart,
        plan: pgPlan,
        force: Boolean(options.force),
        jobs: pgCfg?.jobs ?? 4,
        noOwner: Boolean(options.noOwner),
        binDir: pgCfg?.binDir,
        secrets,
      });
      const { plan: _p, ...rest } = outcome;
      report.postgres = { plan: pgPlan, outcome: rest };
      report.timings.postgresMs = Date.now() - t;
      if (outcome.promoted) {
        report.nextSteps.push(
          `PostgreSQL: ${pgPlan.target} now holds the data of ${manifest.createdAt}` +
            (outcome.previousRenamedTo ? `; the previous database is kept as ${outcome.previousRenamedTo} (drop it once satisfied)` : ''),
          'PostgreSQL: changes after the backup must be replayed: restore the sink connectors\' offsets (--offsets) so they re-apply from the backup point, then run `cdc-recon reconcile`',
        );
      } else if (outcome.scratchKept) {
        report.nextSteps.push(`PostgreSQL: verified copy in ${pgPlan.scratch}; ${pgPlan.target} untouched. Re-run with --promote to swap it in`);
      }
    }
    let bounds: LsnBounds | undefined;
    if (msPlan) {
      const t = Date.now();
      const conn = requireEnv(options.config?.mssql?.urlEnv ?? DEFAULT_ENV.mssql, env);
      const runner = await (options.mssqlRunner ?? ((c: string) => createMssqlRunner(c, { database: 'master' })))(conn);
      try {
        const r = await restoreMssql({ runner, plan: msPlan, config: options.config?.mssql, secrets });
        bounds = r.bounds;
        report.mssql = { plan: msPlan, statements: r.statements.map((s) => s.text), warnings: r.warnings, lsnBounds: r.bounds };
      } finally {
        await runner.close().catch(() => undefined);
      }
      report.timings.mssqlMs = Date.now() - t;
      if (msPlan.keepCdc) report.nextSteps.push(`SQL Server: ${msPlan.database} restored with KEEP_CDC; check the capture job runs (sys.sp_cdc_help_jobs)`);
    }
    if (saved && connectClient && connectPlan) {
      const t = Date.now();
      // After a SQL Server restore the plan is made again against the restored database's LSN range.
      const plan = bounds ? await planConnect(connectClient, now(), bounds) : connectPlan;
      const outcomes = await executeConnectRestore({ client: connectClient, saved, plan, offsets });
      report.kafkaConnect = { plan: connectReport(plan), outcomes };
      report.timings.kafkaConnectMs = Date.now() - t;
      for (const o of outcomes) {
        if (o.offsets === 'resnapshot') report.nextSteps.push(`Kafka Connect: ${o.name} will re-snapshot (snapshot.mode=when_needed): ${o.reason}`);
      }
      pushConnectWarnings(report, plan);
    }
    return finish(report, t0);
  } finally {
    await fetched.cleanup();
  }
}

/** Gaps and unchecked positions of the connector plan, with their advice, as next steps. */
function pushConnectWarnings(report: RestoreReport, plan: ConnectPlanResult): void {
  for (const c of plan.connectors) {
    for (const w of c.warnings) report.nextSteps.push(`Kafka Connect: WARNING ${c.name}: ${w}`);
    for (const a of c.advice) report.nextSteps.push(`Kafka Connect: ${a}`);
  }
}

function finish(report: RestoreReport, t0: number): RestoreReport {
  report.timings.totalMs = Date.now() - t0;
  report.rto = { measuredSeconds: report.timings.totalMs / 1000, targetSeconds: RTO_TARGET_SECONDS, met: report.timings.totalMs / 1000 <= RTO_TARGET_SECONDS };
  return report;
}

const secs = (ms: number | undefined) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(2)} s`);

/** Human-readable report (also what --dry-run prints). */
export function renderRestoreText(r: RestoreReport): string {
  const lines = [
    `${r.dryRun ? 'RESTORE PLAN (dry run: nothing will be changed)' : 'RESTORE REPORT'}`,
    `set ${r.set.id} from ${r.set.location}, created ${r.set.createdAt} (${(r.set.ageSeconds / 3600).toFixed(1)} h ago)`,
    `verified ${r.verification.files} file(s), ${r.verification.bytes} bytes, sha256 OK in ${secs(r.verification.durationMs)}`,
  ];
  if (r.postgres) {
    lines.push('', `PostgreSQL -> ${r.postgres.plan.target} via scratch ${r.postgres.plan.scratch}`, ...r.postgres.plan.steps.map((s, i) => `  ${i + 1}. ${s}`));
    const o = r.postgres.outcome;
    if (o) {
      lines.push(`  restored in ${secs(o.restoreMs)}, verified ${o.comparison.checked} table(s) in ${secs(o.verifyMs)}${o.comparison.estimatedSkipped ? ` (${o.comparison.estimatedSkipped} with estimated counts not compared)` : ''}`);
      lines.push(o.promoted ? `  promoted${o.previousRenamedTo ? `; previous database kept as ${o.previousRenamedTo}` : ''}` : o.scratchKept ? '  not promoted (original untouched)' : '  scratch dropped after verification (original untouched)');
    }
  }
  if (r.mssql) {
    lines.push('', `SQL Server -> ${r.mssql.plan.database}`, ...r.mssql.plan.steps.map((s, i) => `  ${i + 1}. ${s}`));
    for (const w of r.mssql.warnings ?? []) lines.push(`  warning: ${w}`);
  }
  if (r.kafkaConnect) {
    lines.push('', 'Kafka Connect');
    for (const c of r.kafkaConnect.plan) {
      lines.push(`  ${c.name}: offsets ${c.assessment.action} — ${c.assessment.reason}`);
      for (const s of c.steps) lines.push(`    - ${s}`);
      for (const m of c.missingSecrets) lines.push(`    ! missing secret ${m}`);
      if (c.position) lines.push(`    source position: ${c.position.status} — ${c.position.reason}`);
      for (const w of c.warnings) lines.push(`    ! WARNING: ${w}`);
      for (const a of c.advice) lines.push(`    > ${a}`);
    }
  }
  lines.push(
    '',
    `timings: fetch ${secs(r.timings.fetchMs)}, verify ${secs(r.timings.verifyMs)}, postgres ${secs(r.timings.postgresMs)}, mssql ${secs(r.timings.mssqlMs)}, kafka-connect ${secs(r.timings.kafkaConnectMs)}, total ${secs(r.timings.totalMs)}`,
    `RTO ${r.rto.measuredSeconds.toFixed(1)} s vs target ${r.rto.targetSeconds} s: ${r.rto.met ? 'met' : 'MISSED'}; RPO (set age) ${(r.rpo.setAgeSeconds / 3600).toFixed(1)} h vs target ${r.rpo.targetSeconds / 3600} h: ${r.rpo.met ? 'met' : 'MISSED'}`,
  );
  if (r.nextSteps.length) lines.push('', 'next steps:', ...r.nextSteps.map((s) => `  - ${s}`));
  return lines.join('\n');
}

/** Markdown for $GITHUB_STEP_SUMMARY (drills and restores). */
export function renderRestoreMarkdown(r: RestoreReport, title = 'Restore'): string {
  const row = (k: string, v: string) => `| ${k} | ${v} |`;
  const out = [
    `## ${title}${r.dryRun ? ' (dry run)' : ''}`,
    '',
    '| | |',
    '|---|---|',
    row('Set', `\`${r.set.id}\` (${r.set.createdAt})`),
    row('Verified', `${r.verification.files} files, ${r.verification.bytes} bytes, sha256 OK`),
    row('Fetch', secs(r.timings.fetchMs)),
    row('Verify hashes', secs(r.timings.verifyMs)),
  ];
  if (r.postgres?.outcome) {
    const o = r.postgres.outcome;
    out.push(row('PostgreSQL restore', secs(o.restoreMs)), row('PostgreSQL verify', `${secs(o.verifyMs)} (${o.comparison.checked} tables match the manifest)`));
  }
  if (r.timings.mssqlMs !== undefined) out.push(row('SQL Server restore', secs(r.timings.mssqlMs)));
  if (r.timings.kafkaConnectMs !== undefined) out.push(row('Kafka Connect', secs(r.timings.kafkaConnectMs)));
  out.push(
    row('**RTO (measured)**', `**${r.rto.measuredSeconds.toFixed(1)} s** vs target ${r.rto.targetSeconds / 3600} h — ${r.rto.met ? '✅ met' : '❌ missed'}`),
    row('**RPO (set age)**', `**${(r.rpo.setAgeSeconds / 3600).toFixed(1)} h** vs target ${r.rpo.targetSeconds / 3600} h — ${r.rpo.met ? '✅ met' : '❌ missed'}`),
  );
  if (r.nextSteps.length) out.push('', ...r.nextSteps.map((s) => `- ${s}`));
  return `${out.join('\n')}\n`;
}

/** The set's connectors narrowed to those named; a name the set lacks refuses the restore before anything is touched. */
function onlyConnectors(saved: SavedConnect, names: string[] | undefined): SavedConnect {
  if (!names) return saved;
  const unknown = names.filter((n) => !saved.connectors[n]);
  if (unknown.length) {
    throw new ConfigError(`connector(s) ${unknown.join(', ')} not in the set (it holds ${Object.keys(saved.connectors).sort().join(', ') || 'none'}); nothing was changed`);
  }
  return { ...saved, connectors: Object.fromEntries(names.map((n) => [n, saved.connectors[n]!])) };
}
