/**
 * The DR drill as an operator lives it, on the running pipeline (`cdc-recon drill --live`):
 *
 *   1. back up the target (PostgreSQL) and Kafka Connect (Connect first: the sinks' saved offsets are then
 *      never ahead of the dump, so replaying from them misses nothing);
 *   2. the loss: the target database is dropped (typed confirmation), while the source keeps changing;
 *   3. fence: the sink connectors are stopped, so nothing writes into a half-restored database;
 *   4. restore the target from the set, verified against its manifest, under its own name;
 *   5. measure the RPO gap: a reconcile of the restored target, sinks still stopped, counts the rows the
 *      backup missed (and the ones changed since the loss);
 *   6. the sinks' offsets are set back to the backup's (offsets API) and they resume: the pipeline
 *      replays what the backup missed (with `rewind: false` they resume where they stopped, and step 7
 *      heals the gap through signals). RTO is measured from the loss to here, without step 5;
 *   7. reconcile with repair through Debezium signals: anything the replay did not cover is re-emitted;
 *   8. a final reconcile: the target must end with 0 drift.
 *
 * Prints RTO, the RPO gap in rows, rows healed and drift left, and pushes them as dr_drill_* metrics.
 * The only destructive step is 2, and it needs `confirm` equal to the target database's name.
 */
import { DEFAULT_ENV, type BackupConfig } from '../config/backup.js';
import { loadConfigFile } from '../config/load.js';
import type { RunReport } from '../report/model.js';
import { ConfigError, errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { redact, registerSecret } from '../util/redact.js';
import { backup } from './backup.js';
import { loadDrConfig, restore } from './restore.js';

export interface LiveDrillSettings {
  /** Where the drill's backup set is written (a folder holding sets). */
  set: string;
  /** YAML with the backup: section (the target PostgreSQL, Kafka Connect). */
  backupConfigFile: string;
  /** The reconcile config of the pipeline, with repair.signal for the heal. */
  reconConfigFile: string;
  /** Must equal the target database's name: the drill drops it. */
  confirm: string;
  /** Sink connectors to fence and rewind (default: every sink connector in the set). */
  sinks?: string[];
  /**
   * Rewind the sinks to the backup's offsets before resuming them (default): the pipeline replays what the
   * backup missed. Without it they resume where they stopped, and the gap is healed through Debezium signals.
   */
  rewind?: boolean;
  /** RTO the drill must meet (default 2 min). */
  rtoTargetSeconds?: number;
  pushgatewayUrl?: string;
  reportFile?: string;
  summaryFile?: string;
  noOwner?: boolean;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** Called after each step (tests use it to go on changing the source). */
  onStep?: (step: LiveDrillStep) => Promise<void> | void;
}

export type LiveDrillStep = 'backup' | 'loss' | 'fence' | 'restore' | 'gap' | 'resume' | 'heal' | 'final';

export interface LiveDrillReport {
  drill: 'live';
  status: 'passed' | 'failed';
  setId: string;
  target: string;
  sinks: string[];
  /** Whether the sinks were rewound to the backup's offsets. */
  rewound: boolean;
  rtoSeconds: number;
  rtoTargetSeconds: number;
  /** Rows the restored target lacked or had stale (missing + extra + changed) before the sinks resumed. */
  rpoGapRows: number;
  /** Rows the first reconcile after the resume still found drifted (neither replayed nor in flight). */
  driftAfterReplay: number;
  healedRows: number;
  notHealedRows: number;
  /** Rows only in the restored target (deleted on the source since the backup, not replayed): a snapshot cannot remove them. */
  extraRows: number;
  /** The reviewed DELETE file for those rows (never run by cdc-recon). */
  deletesFile?: string;
  finalDriftRows: number | null;
  steps: { step: LiveDrillStep; ms: number }[];
  problems: string[];
}

export interface LiveDrillOutcome {
  report: LiveDrillReport;
  text: string;
  exitCode: number;
}

const DEFAULT_RTO_TARGET_SECONDS = 120;

const driftRows = (r: RunReport) => r.tables.reduce((n, t) => n + t.drift.missing + t.drift.extra + t.drift.changed, 0);

export async function liveDrill(s: LiveDrillSettings, config: BackupConfig | undefined = loadDrConfig(s.backupConfigFile)): Promise<LiveDrillOutcome> {
  if (!config?.postgres) throw new ConfigError(`${s.backupConfigFile}: the live drill needs backup.postgres (the target it drops and restores)`);
  if (!config.kafkaConnect) throw new ConfigError(`${s.backupConfigFile}: the live drill needs backup.kafkaConnect (the sinks it fences and rewinds)`);
  const targetEnv = config.postgres.urlEnv ?? DEFAULT_ENV.postgres;
  const connectEnv = config.kafkaConnect.urlEnv ?? DEFAULT_ENV.kafkaConnect;
  const targetUrl = s.env[targetEnv];
  if (!targetUrl) throw new ConfigError(`environment variable ${targetEnv} (the target PostgreSQL) is not set`);
  const connectUrl = config.kafkaConnect.urlEnv || !config.kafkaConnect.url ? s.env[connectEnv] : config.kafkaConnect.url;
  if (!connectUrl) throw new ConfigError(`environment variable ${connectEnv} (Kafka Connect) is not set`);
  registerSecret(targetUrl);
  const [{ databaseOf }, { dropDatabase }, { KafkaConnectClient }, { runReconcileWithRepair }] = await Promise.all([
    import('../dr/postgres/conn.js'),
    import('../dr/postgres/restore.js'),
    import('../dr/connect/client.js'),
    import('../repair/run.js'),
  ]);
  const target = databaseOf(targetUrl);
  if (s.confirm !== target) throw new ConfigError(`confirmation "${s.confirm}" does not match the target database "${target}": the drill drops it; nothing was changed`);
  // Both configs are checked before anything is touched.
  const reconConfig = loadConfigFile(s.reconConfigFile);
  const client = new KafkaConnectClient(connectUrl);
  const log = s.logger.child({ drill: 'live' });
  const steps: LiveDrillReport['steps'] = [];
  const problems: string[] = [];
  const step = async <T>(name: LiveDrillStep, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    log.info(`drill step ${name}`);
    const out = await fn();
    steps.push({ step: name, ms: Date.now() - t0 });
    await s.onStep?.(name);
    return out;
  };
  // The gap is measured with the sinks stopped: nothing is in flight, so no recheck wait.
  const noRecheck = { ...reconConfig, tables: reconConfig.tables.map((t) => ({ ...t, recheckDelayMs: 0 })) };
  const reconcile = (opts: { recheck: boolean; repair: boolean }) =>
    runReconcileWithRepair({
      config: opts.recheck ? reconConfig : noRecheck,
      logger: log,
      env: s.env,
      reportDir: reconConfig.reportDir,
      recheckDelayOverridden: !opts.recheck,
      repair: opts.repair ? { method: 'debezium-signal', dryRun: false } : undefined,
      print: () => undefined,
    });

  // 1. Backup: Kafka Connect first, then the dump (dr/backup.ts captures in that order).
  const made = await step('backup', () =>
    backup({ configFile: s.backupConfigFile, outDir: s.set, components: ['kafka-connect', 'postgres'], env: s.env, logger: log }, config),
  );
  const setDir = made.summary.setDir;
  const { readSavedConnect } = await import('../dr/connect/restore.js');
  const { readManifest } = await import('../dr/store/manifest.js');
  const manifest = await readManifest(setDir);
  const saved = await readSavedConnect(setDir, manifest.components['kafka-connect']!);
  const isSink = (c: (typeof saved.connectors)[string]) => c.status?.type === 'sink' || /Sink/.test(c.config['connector.class'] ?? '');
  const sinks = s.sinks ?? Object.entries(saved.connectors).filter(([, c]) => isSink(c)).map(([n]) => n);
  if (sinks.length === 0) throw new ConfigError('no sink connector in the set (give --sink)');
  for (const n of sinks) if (!saved.connectors[n]?.offsets) throw new ConfigError(`the set has no offsets for sink connector ${n}: it cannot be rewound to the backup`);

  // 2. The loss.
  const lostAt = Date.now();
  await step('loss', () => dropDatabase(targetUrl));
  // 3. Fence the sinks (a sink writing into the database being restored would race it).
  await step('fence', async () => {
    for (const n of sinks) await client.stop(n);
    for (const n of sinks) await client.waitForState(n, 'STOPPED', 60_000);
  });
  // 4. Restore under the target's own name, verified.
  const restored = await step('restore', () =>
    restore({ set: setDir, components: ['postgres'], target, promote: true, force: true, noOwner: s.noOwner, env: s.env, logger: log }, config),
  );
  if (!restored.report.postgres?.outcome?.promoted) throw new Error(`the restore did not bring ${target} back: ${restored.text}`);
  // 5. The gap: what the restored target lacks, with nothing in flight (sinks stopped, no recheck).
  const gap = await step('gap', () => reconcile({ recheck: false, repair: false }));
  const rpoGapRows = driftRows(gap);
  // 6. Rewind the sinks to the backup's offsets and resume them: the Kafka Connect restore of just the sinks.
  await step('resume', async () => {
    if (s.rewind === false) {
      for (const n of sinks) await client.resume(n);
      for (const n of sinks) await client.waitForRunning(n, 120_000);
      return;
    }
    const { report } = await restore({ set: setDir, components: ['kafka-connect'], offsets: true, connectors: sinks, env: s.env, logger: log }, config);
    const notRewound = (report.kafkaConnect?.outcomes ?? []).filter((o) => o.offsets !== 'restored').map((o) => `${o.name} (${o.offsets}: ${o.reason})`);
    if (notRewound.length) problems.push(`sink(s) not rewound to the backup's offsets: ${notRewound.join('; ')}`);
  });
  const rtoSeconds = (Date.now() - lostAt - (steps.find((x) => x.step === 'gap')?.ms ?? 0)) / 1000;
  // 7. Reconcile and heal what the replay did not cover.
  const healed = await step('heal', () => reconcile({ recheck: true, repair: true }));
  // 8. Final reconcile.
  let finalDriftRows: number | null = null;
  try {
    finalDriftRows = driftRows(await step('final', () => reconcile({ recheck: true, repair: false })));
  } catch (err) {
    problems.push(redact(`final reconcile failed: ${errorMessage(err)}`));
  }
  const rtoTargetSeconds = s.rtoTargetSeconds ?? DEFAULT_RTO_TARGET_SECONDS;
  if (rtoSeconds > rtoTargetSeconds) problems.push(`RTO ${rtoSeconds.toFixed(1)} s is over the target ${rtoTargetSeconds} s`);
  const extraRows = healed.tables.reduce((n, t) => n + t.drift.extra, 0);
  const deletesFile = healed.repair?.deletesFile;
  if (finalDriftRows !== 0) {
    const extras = extraRows && deletesFile ? `; ${extraRows} of them only in the target (deleted on the source since the backup): review and apply ${deletesFile}` : '';
    problems.push(`the restored target ends with ${finalDriftRows ?? 'unknown'} drifted row(s)${extras}`);
  }
  const report: LiveDrillReport = {
    drill: 'live',
    status: problems.length ? 'failed' : 'passed',
    setId: made.summary.setId,
    target,
    sinks,
    rewound: s.rewind !== false,
    rtoSeconds,
    rtoTargetSeconds,
    rpoGapRows,
    driftAfterReplay: driftRows(healed),
    healedRows: healed.repair?.healed ?? 0,
    notHealedRows: healed.repair?.notHealed ?? 0,
    extraRows,
    deletesFile,
    finalDriftRows,
    steps,
    problems,
  };
  await publish(report, s);
  const text = renderLiveDrill(report);
  if (s.reportFile) {
    const { mkdir, writeFile } = await import('node:fs/promises');
    const { dirname } = await import('node:path');
    await mkdir(dirname(s.reportFile), { recursive: true });
    await writeFile(s.reportFile, redact(`${JSON.stringify(report, null, 2)}\n`));
  }
  if (s.summaryFile) {
    const { appendFile } = await import('node:fs/promises');
    await appendFile(s.summaryFile, redact(renderLiveDrillMarkdown(report)));
  }
  return { report, text: redact(text), exitCode: problems.length ? 1 : 0 };
}

async function publish(report: LiveDrillReport, s: LiveDrillSettings): Promise<void> {
  const url = s.pushgatewayUrl ?? s.env.PUSHGATEWAY_URL;
  if (!url) return;
  const { createMetrics, pushMetrics } = await import('../observability/metrics.js');
  const metrics = createMetrics();
  metrics.recordDrill({ target: report.target, rtoSeconds: report.rtoSeconds, rpoGapRows: report.rpoGapRows, healedRows: report.healedRows, finalDriftRows: report.finalDriftRows });
  const result = await pushMetrics(metrics.registry, url, { job: 'cdc-recon-drill' });
  if (!result.ok) report.problems.push(`metrics not pushed: ${result.warning}`);
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function renderLiveDrill(r: LiveDrillReport): string {
  return [
    `DR drill (live): ${r.status.toUpperCase()}: target ${r.target} lost and restored from set ${r.setId}`,
    `  RTO              ${r.rtoSeconds.toFixed(1)} s (target ${r.rtoTargetSeconds} s): loss to target restored, verified and sinks (${r.sinks.join(', ')}) resumed${r.rewound ? ' from the backup\'s offsets' : ' where they stopped'}`,
    `  RPO gap          ${r.rpoGapRows} row(s) the restored target lacked or had stale`,
    `  after replay     ${r.driftAfterReplay} row(s) still drifted; ${r.healedRows} healed through Debezium signals, ${r.notHealedRows} not healed`,
    `  final drift      ${r.finalDriftRows ?? 'unknown'} row(s)`,
    `  steps            ${r.steps.map((x) => `${x.step} ${secs(x.ms)}`).join(', ')}`,
    ...r.problems.map((p) => `  problem: ${p}`),
  ].join('\n');
}

function renderLiveDrillMarkdown(r: LiveDrillReport): string {
  return [
    `## DR drill (live): ${r.status}`,
    '',
    '| measure | value |',
    '|---|---|',
    `| RTO | ${r.rtoSeconds.toFixed(1)} s (target ${r.rtoTargetSeconds} s) |`,
    `| RPO gap | ${r.rpoGapRows} rows |`,
    `| healed through signals | ${r.healedRows} rows (${r.notHealedRows} not healed) |`,
    `| final drift | ${r.finalDriftRows ?? 'unknown'} rows |`,
    '',
    ...r.problems.map((p) => `- ${p}`),
    '',
  ].join('\n');
}
