/**
 * Every Prometheus metric cdc-recon emits, in one registry per run (never
 * prom-client's global default registry), with a small typed API for the
 * engine, the action and the backup code, and two sinks: a Pushgateway push
 * and a node_exporter textfile. Neither sink throws: a failure is a warning.
 *
 * How the values behave (this is what the alert rules in monitoring/alerts.yml
 * are written against):
 *
 * - One registry describes ONE run (a reconcile, or a backup). It is pushed
 *   with `pushAdd` (HTTP POST) under the grouping key {job, shard}. The
 *   Pushgateway then replaces, inside that group only, every metric family the
 *   push contains; other groups (other shards, the backup job) are untouched.
 *   So every value in the Pushgateway is "as of the latest run of that group",
 *   and it stays there (no staleness) until the group pushes again.
 * - Counters (`*_total`) therefore count within one run. Across runs the
 *   Pushgateway shows 1, 1, 1 ... for a table that errors every night, and
 *   `increase()` over that is 0: alert on the value (`> 0`), not on
 *   `increase()`. Every table / endpoint / component a run touches gets a
 *   series (0 when nothing happened), so a push always overwrites yesterday's
 *   non-zero value and alerts resolve on the next good run.
 * - `reconciliation_duration_seconds` is a GAUGE, not a histogram: each table
 *   is measured once per run and the push replaces the previous value, so a
 *   histogram would hold one observation per push and its buckets could never
 *   be aggregated over time (`rate()`/`histogram_quantile()` over per-run
 *   resets is meaningless). A gauge plots the latest duration per table
 *   directly and can be alerted on with a plain comparison.
 * - Measurements that a run could not make (an errored table has no row
 *   counts) are NaN, not left out: a family that is pushed must cover every
 *   table of the run, or yesterday's value of a table that errored today
 *   would survive in some pushes and not in others. NaN compares false, so
 *   threshold alerts resolve; ReconciliationFailed covers the table instead.
 * - Success timestamps are the exception: a failed table or component does
 *   not get one (unless the caller carries the previous one forward with
 *   `previousSuccessAt`), so the age alerts keep measuring the last real
 *   success.
 * - Connection pool gauges hold the PEAK seen during the run (a value sampled
 *   at push time, after the pools have drained, would always be 0).
 *
 * Label values never carry secrets: each one goes through redact(), anything
 * that looks like a URL is replaced, and values are length-capped.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Counter, Gauge, Pushgateway, Registry, type Metric } from 'prom-client';
import type { PoolStats } from '../dialects/types.js';
import type { RunReport } from '../report/model.js';
import { redact } from '../util/redact.js';

/** Every metric name the product registers, in registration order. */
export const METRIC_NAMES = [
  'reconciliation_runs_total',
  'reconciliation_duration_seconds',
  'reconciliation_row_count_mismatch_total',
  'reconciliation_checksum_mismatch_total',
  'reconciliation_rows_missing',
  'reconciliation_rows_extra',
  'reconciliation_rows_changed',
  'reconciliation_rows_in_flight',
  'reconciliation_row_count_difference',
  'reconciliation_last_success_timestamp_seconds',
  'reconciliation_last_run_timestamp_seconds',
  'retry_attempts_total',
  'reconciliation_pool_size',
  'reconciliation_pool_in_use',
  'reconciliation_pool_waiting',
  'reconciliation_pool_exhausted_total',
  'reconciliation_schema_drift',
  'cdc_lag_seconds',
  'backup_last_success_timestamp_seconds',
  'backup_duration_seconds',
  'backup_size_bytes',
  'backup_runs_total',
  'cdc_recon_coverage_age_seconds',
  'cdc_recon_coverage_runs',
  'cdc_pipeline_e2e_lag_seconds',
  'cdc_sink_consumer_lag_messages',
  'cdc_source_slot_lag_bytes',
  'cdc_recon_repair_keys',
  'cdc_recon_repair_time_to_heal_seconds',
  'dr_drill_rto_seconds',
  'dr_drill_rpo_gap_rows',
  'dr_drill_healed_rows',
  'dr_drill_final_drift_rows',
  'dr_drill_last_run_timestamp_seconds',
] as const;

export type MetricName = (typeof METRIC_NAMES)[number];

export type TableStatus = 'match' | 'mismatch' | 'error';
export type BackupStatus = 'success' | 'failure';
export type DriftSeverity = 'error' | 'warning' | 'info';
export const DRIFT_SEVERITIES: readonly DriftSeverity[] = ['error', 'warning', 'info'];

/** What the engine knows about one table at the end of a run. */
export interface TableRunMetrics {
  table: string;
  status: TableStatus;
  durationSeconds: number;
  /** Exact row counts; omit (or null) when the run did not get them. */
  sourceRows?: number | bigint | null;
  targetRows?: number | bigint | null;
  /** At least one segment's checksum differed between the sides. */
  checksumMismatch?: boolean;
  rowsMissing?: number;
  rowsExtra?: number;
  rowsChanged?: number;
  rowsInFlight?: number;
  /** When the table finished; default now. */
  finishedAt?: Date;
  /** scope: incremental: seconds since the least recently verified slice of the table was verified. */
  coverageAgeSeconds?: number;
  /** scope: incremental: runs to verify every row (the table's incremental.coverage). */
  coverageRuns?: number;
  /**
   * For an errored table: the last time it was reconciled to completion, if
   * known (for example from the cached previous report), so that
   * ReconciliationStale keeps tracking it. Ignored for match / mismatch.
   */
  previousSuccessAt?: Date;
}

/**
 * The pipeline's own lag readings of a run. Each carries what it read (heartbeat table, sink connector, slot)
 * as a label: it says which part of the pipeline, and a labelled 0 is exported (an unlabelled 0 reads as unset).
 */
export interface LagReadingsMetrics {
  endToEndSeconds?: number | null;
  heartbeatTable?: string;
  sinkConsumerMessages?: number | null;
  sinkConnector?: string;
  sourceSlotBytes?: number | null;
  slot?: string;
}

export interface BackupRunMetrics {
  /** postgres | mssql | kafka-connect */
  component: string;
  status: BackupStatus;
  durationSeconds: number;
  /** Size of the component's files in the set; omit when it failed. */
  sizeBytes?: number | bigint;
  finishedAt?: Date;
  /** For a failure: the previous successful backup of the component, if known. */
  previousSuccessAt?: Date;
}

export interface ReconMetrics {
  readonly registry: Registry;
  /** Record one table's outcome (a table reconciled twice keeps the last call). */
  recordTable(result: TableRunMetrics): void;
  /** One retry of a transient error against an endpoint ("source", "target", ...). */
  recordRetry(endpoint: string, count?: number): void;
  /** Sample a pool; keeps the peak in-use and waiting values of the run. */
  observePool(endpoint: string, stats: Pick<PoolStats, 'size' | 'inUse' | 'waiting'>): void;
  /** A request had to queue because every pooled connection was busy. */
  recordPoolExhausted(endpoint: string, count?: number): void;
  /** Schema findings of a table by severity; missing severities are 0. */
  recordSchemaDrift(table: string, counts: Partial<Record<DriftSeverity, number>>): void;
  /** Pipeline lag of a table's CDC stream, seconds. */
  recordCdcLag(table: string, seconds: number): void;
  /** The pipeline's own readings of the run (lag.heartbeat / lag.sink / lag.slot); NaN when looked for but not read. */
  recordLagReadings(readings: LagReadingsMetrics): void;
  /** A signal repair of a table: keys signalled, healed and not healed, and the time to heal (NaN when not all healed). */
  recordRepair(table: string, r: { signalled: number; healed: number; notHealed: number; timeToHealSeconds: number | null }): void;
  /** A live DR drill (target lost and restored): RTO, the rows the backup missed, rows healed, drift left; labelled by the target database (a labelled 0 is exported). */
  recordDrill(d: { target: string; rtoSeconds: number; rpoGapRows: number; healedRows: number; finalDriftRows: number | null; finishedAt?: Date }): void;
  /** The reconcile run finished (whatever its outcome); default now. */
  recordRunFinished(at?: Date): void;
  /** One component of a backup run. */
  recordBackup(result: BackupRunMetrics): void;
}

const MAX_LABEL_LENGTH = 200;
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;

/** A label value that cannot leak a secret. */
export function safeLabelValue(value: string): string {
  const text = String(value);
  if (URL_LIKE.test(text.trim())) return '[redacted-url]';
  if (redact(text) !== text) return '[redacted]';
  return text.length > MAX_LABEL_LENGTH ? `${text.slice(0, MAX_LABEL_LENGTH)}...` : text;
}

const seconds = (d: Date) => d.getTime() / 1000;
const num = (v: number | bigint | null | undefined): number | undefined =>
  v === null || v === undefined ? undefined : Number(v);
const finiteOrNaN = (v: number | undefined): number => (v === undefined || !Number.isFinite(v) ? Number.NaN : v);

/** Creates a fresh registry with every metric registered, and the API that records into it. */
export function createMetrics(): ReconMetrics {
  const registry = new Registry();
  const registers = [registry];
  const counter = (name: MetricName, help: string, labelNames: string[]) =>
    new Counter({ name, help, labelNames, registers });
  const gauge = (name: MetricName, help: string, labelNames: string[]) =>
    new Gauge({ name, help, labelNames, registers });

  const runs = counter('reconciliation_runs_total', 'Tables reconciled in the latest run, by outcome (match, mismatch, error).', ['table_name', 'status']);
  const duration = gauge('reconciliation_duration_seconds', 'Wall-clock time the latest run spent on the table, seconds.', ['table_name']);
  const rowCountMismatch = counter('reconciliation_row_count_mismatch_total', 'Row count mismatches (source count != target count) found in the latest run.', ['table_name']);
  const checksumMismatch = counter('reconciliation_checksum_mismatch_total', 'Checksum mismatches (some segment hash differs) found in the latest run.', ['table_name']);
  const rowsMissing = gauge('reconciliation_rows_missing', 'Rows in the source but not in the target after recheck (NaN when the table errored).', ['table_name']);
  const rowsExtra = gauge('reconciliation_rows_extra', 'Rows in the target but not in the source after recheck (NaN when the table errored).', ['table_name']);
  const rowsChanged = gauge('reconciliation_rows_changed', 'Rows present on both sides with different values after recheck (NaN when the table errored).', ['table_name']);
  const rowsInFlight = gauge('reconciliation_rows_in_flight', 'Rows that differed at first and matched on recheck: replication lag, not drift (NaN when the table errored).', ['table_name']);
  const rowCountDiff = gauge('reconciliation_row_count_difference', 'Absolute difference between source and target row counts (NaN when unknown).', ['table_name']);
  const lastSuccess = gauge('reconciliation_last_success_timestamp_seconds', 'Unix time the table was last reconciled to completion (status match or mismatch).', ['table_name']);
  const lastRun = gauge('reconciliation_last_run_timestamp_seconds', 'Unix time the latest reconcile run finished, whatever its outcome.', []);
  const retries = counter('retry_attempts_total', 'Retries of transient errors in the latest run, by endpoint.', ['endpoint']);
  const poolSize = gauge('reconciliation_pool_size', 'Connection pool size, by endpoint.', ['endpoint']);
  const poolInUse = gauge('reconciliation_pool_in_use', 'Peak connections in use during the latest run, by endpoint.', ['endpoint']);
  const poolWaiting = gauge('reconciliation_pool_waiting', 'Peak requests waiting for a connection during the latest run, by endpoint.', ['endpoint']);
  const poolExhausted = counter('reconciliation_pool_exhausted_total', 'Times a request had to wait because every pooled connection was busy, in the latest run.', ['endpoint']);
  const schemaDrift = gauge('reconciliation_schema_drift', 'Schema findings (source vs CDC capture instance vs target) of the latest run, by severity.', ['table_name', 'severity']);
  const cdcLag = gauge('cdc_lag_seconds', 'CDC pipeline lag measured by the latest run, seconds.', ['table_name']);
  const backupLastSuccess = gauge('backup_last_success_timestamp_seconds', 'Unix time of the last successful backup, by component.', ['component']);
  const backupDuration = gauge('backup_duration_seconds', 'Duration of the latest backup, by component, seconds.', ['component']);
  const backupSize = gauge('backup_size_bytes', 'Size of the latest backup, by component, bytes (NaN when it failed).', ['component']);
  const backupRuns = counter('backup_runs_total', 'Backups in the latest backup run, by component and outcome (success, failure).', ['component', 'status']);
  const coverageAge = gauge('cdc_recon_coverage_age_seconds', 'scope incremental: seconds since the least recently verified slice of the table was verified (0 after a full run).', ['table_name']);
  const coverageRuns = gauge('cdc_recon_coverage_runs', 'scope incremental: runs in which every row of the table is verified at least once (incremental.coverage).', ['table_name']);
  const e2eLag = gauge('cdc_pipeline_e2e_lag_seconds', 'Seconds a heartbeat written on the source took to show on the target, in the latest run (lag.heartbeat).', ['heartbeat_table']);
  const sinkLag = gauge('cdc_sink_consumer_lag_messages', 'Messages the sink connector\'s consumer group had not read, in the latest run (lag.sink).', ['connector']);
  const slotLag = gauge('cdc_source_slot_lag_bytes', 'WAL bytes between the PostgreSQL source\'s position and the connector slot\'s confirmed one, in the latest run (lag.slot).', ['slot']);
  const repairKeys = gauge('cdc_recon_repair_keys', 'Signal repair of the latest run: drifted keys signalled, healed and not healed, by table.', ['table_name', 'outcome']);
  const timeToHeal = gauge('cdc_recon_repair_time_to_heal_seconds', 'Signal repair of the latest run: seconds from the signal to every signalled key matching (NaN when some did not heal).', ['table_name']);
  const drillRto = gauge('dr_drill_rto_seconds', 'Latest live DR drill: seconds from the target\'s loss to it restored, verified and the sink connectors resumed.', ['target']);
  const drillGap = gauge('dr_drill_rpo_gap_rows', 'Latest live DR drill: rows the restored target lacked or had stale against the source (what the backup missed).', ['target']);
  const drillHealed = gauge('dr_drill_healed_rows', 'Latest live DR drill: drifted rows healed through Debezium signals after the restore.', ['target']);
  const drillDrift = gauge('dr_drill_final_drift_rows', 'Latest live DR drill: drifted rows left at the final reconcile (NaN when it did not run).', ['target']);
  const drillLast = gauge('dr_drill_last_run_timestamp_seconds', 'Unix time the latest live DR drill finished.', ['target']);

  const peaks = new Map<string, { inUse: number; waiting: number }>();

  const touchEndpoint = (endpoint: string) => {
    retries.inc({ endpoint }, 0);
    poolExhausted.inc({ endpoint }, 0);
  };

  return {
    registry,

    recordTable(r) {
      const table_name = safeLabelValue(r.table);
      const t = { table_name };
      // A table recorded twice keeps only its last outcome.
      for (const status of ['match', 'mismatch', 'error'] as const) runs.remove({ table_name, status });
      rowCountMismatch.remove(t);
      checksumMismatch.remove(t);
      runs.inc({ table_name, status: r.status });
      duration.set(t, Math.max(0, finiteOrNaN(r.durationSeconds)));

      const src = num(r.sourceRows);
      const tgt = num(r.targetRows);
      const countsKnown = src !== undefined && tgt !== undefined;
      rowCountDiff.set(t, countsKnown ? Math.abs(src - tgt) : Number.NaN);
      rowCountMismatch.inc(t, countsKnown && src !== tgt ? 1 : 0);
      checksumMismatch.inc(t, r.checksumMismatch ? 1 : 0);

      const completed = r.status !== 'error';
      const drift = (v: number | undefined) => (completed ? finiteOrNaN(v ?? 0) : Number.NaN);
      rowsMissing.set(t, drift(r.rowsMissing));
      rowsExtra.set(t, drift(r.rowsExtra));
      rowsChanged.set(t, drift(r.rowsChanged));
      rowsInFlight.set(t, drift(r.rowsInFlight));

      if (r.coverageAgeSeconds !== undefined) coverageAge.set(t, r.coverageAgeSeconds);
      if (r.coverageRuns !== undefined) coverageRuns.set(t, r.coverageRuns);
      if (completed) lastSuccess.set(t, seconds(r.finishedAt ?? new Date()));
      else if (r.previousSuccessAt) lastSuccess.set(t, seconds(r.previousSuccessAt));
      else lastSuccess.remove(t);
    },

    recordRetry(endpoint, count = 1) {
      const e = safeLabelValue(endpoint);
      touchEndpoint(e);
      retries.inc({ endpoint: e }, count);
    },

    observePool(endpoint, stats) {
      const e = safeLabelValue(endpoint);
      touchEndpoint(e);
      const peak = peaks.get(e) ?? { inUse: 0, waiting: 0 };
      peak.inUse = Math.max(peak.inUse, stats.inUse);
      peak.waiting = Math.max(peak.waiting, stats.waiting);
      peaks.set(e, peak);
      poolSize.set({ endpoint: e }, stats.size);
      poolInUse.set({ endpoint: e }, peak.inUse);
      poolWaiting.set({ endpoint: e }, peak.waiting);
    },

    recordPoolExhausted(endpoint, count = 1) {
      const e = safeLabelValue(endpoint);
      touchEndpoint(e);
      poolExhausted.inc({ endpoint: e }, count);
    },

    recordSchemaDrift(table, counts) {
      const table_name = safeLabelValue(table);
      for (const severity of DRIFT_SEVERITIES) schemaDrift.set({ table_name, severity }, counts[severity] ?? 0);
    },

    recordLagReadings(r) {
      const put = (g: Gauge, label: string, name: string | undefined, v: number | null | undefined) => {
        if (v === undefined) return;
        g.set({ [label]: safeLabelValue(name ?? '') }, v === null ? Number.NaN : v);
      };
      put(e2eLag, 'heartbeat_table', r.heartbeatTable, r.endToEndSeconds);
      put(sinkLag, 'connector', r.sinkConnector, r.sinkConsumerMessages);
      put(slotLag, 'slot', r.slot, r.sourceSlotBytes);
    },

    recordCdcLag(table, value) {
      cdcLag.set({ table_name: safeLabelValue(table) }, finiteOrNaN(value));
    },

    recordRepair(table, r) {
      const table_name = safeLabelValue(table);
      repairKeys.set({ table_name, outcome: 'signalled' }, r.signalled);
      repairKeys.set({ table_name, outcome: 'healed' }, r.healed);
      repairKeys.set({ table_name, outcome: 'not_healed' }, r.notHealed);
      timeToHeal.set({ table_name }, r.timeToHealSeconds ?? Number.NaN);
    },

    recordDrill(d) {
      const t = { target: safeLabelValue(d.target) };
      drillRto.set(t, d.rtoSeconds);
      drillGap.set(t, d.rpoGapRows);
      drillHealed.set(t, d.healedRows);
      drillDrift.set(t, d.finalDriftRows ?? Number.NaN);
      drillLast.set(t, seconds(d.finishedAt ?? new Date()));
    },

    recordRunFinished(at = new Date()) {
      lastRun.set(seconds(at));
    },

    recordBackup(b) {
      const component = safeLabelValue(b.component);
      for (const status of ['success', 'failure'] as const) backupRuns.remove({ component, status });
      backupRuns.inc({ component, status: b.status });
      backupDuration.set({ component }, Math.max(0, finiteOrNaN(b.durationSeconds)));
      const ok = b.status === 'success';
      backupSize.set({ component }, ok ? finiteOrNaN(num(b.sizeBytes) ?? Number.NaN) : Number.NaN);
      if (ok) backupLastSuccess.set({ component }, seconds(b.finishedAt ?? new Date()));
      else if (b.previousSuccessAt) backupLastSuccess.set({ component }, seconds(b.previousSuccessAt));
      else backupLastSuccess.remove({ component });
    },
  };
}

/**
 * Records every table of a finished run report, and the run's end time.
 * Endpoint metrics (retries, pools) come from the engine's hooks instead.
 * `previousSuccessAt` (table -> time, for example from the cached previous
 * report) carries an errored table's last success forward.
 */
export function recordRunReport(metrics: ReconMetrics, report: RunReport, previousSuccessAt: Record<string, Date> = {}): void {
  const finishedAt = new Date(report.finishedAt);
  for (const t of report.tables) {
    metrics.recordTable({
      table: t.table,
      status: t.status,
      durationSeconds: t.durationMs / 1000,
      sourceRows: t.counts.source,
      targetRows: t.counts.target,
      checksumMismatch: t.segments.mismatched > 0,
      rowsMissing: t.drift.missing,
      rowsExtra: t.drift.extra,
      rowsChanged: t.drift.changed,
      rowsInFlight: t.inFlight,
      finishedAt,
      previousSuccessAt: previousSuccessAt[t.table],
      coverageAgeSeconds: t.incremental?.coverageAgeSeconds,
      coverageRuns: t.incremental?.coverage,
    });
    const r = t.repair;
    if (r?.signals && !r.dryRun && r.status !== 'failed') {
      const h = r.heal;
      metrics.recordRepair(t.table, {
        signalled: r.signals.keys,
        healed: h?.healed ?? 0,
        notHealed: h?.notHealed ?? r.signals.keys,
        timeToHealSeconds: h?.timeToHealMs != null ? h.timeToHealMs / 1000 : null,
      });
    }
  }
  metrics.recordRunFinished(finishedAt);
}

/**
 * The families worth exporting: those with at least one sample. An unlabelled
 * metric that was never set is left out too (prom-client reports it as 0,
 * which for a timestamp would read as 1970 and fire every age alert).
 */
async function exportable(registry: Registry): Promise<Registry> {
  const out = new Registry();
  for (const { name } of registry.getMetricsAsArray()) {
    const metric: Metric | undefined = registry.getSingleMetric(name);
    if (!metric) continue;
    const data = await metric.get();
    const values = data.values ?? [];
    if (values.length === 0) continue;
    const unsetUnlabelled =
      values.length === 1 && Object.keys(values[0]?.labels ?? {}).length === 0 && values[0]?.value === 0;
    if (unsetUnlabelled) continue;
    out.registerMetric(metric);
  }
  return out;
}

export type SinkResult =
  | { ok: true; target: string; metrics: number }
  | { ok: false; target: string; warning: string };

export interface PushOptions {
  /** Pushgateway job name, e.g. "cdc-recon" or "cdc-recon-backup". */
  job: string;
  /**
   * Further grouping labels. `shard` is always part of the key ("1/1" when
   * not given) so that shards of one run never replace each other's metrics.
   */
  grouping?: Record<string, string>;
  /** Per-request timeout; default 10 s. */
  timeoutMs?: number;
}

/** The URL without credentials, for messages. */
function displayUrl(raw: string): string {
  try {
    const u = new URL(raw);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString();
  } catch {
    return '[invalid URL]';
  }
}

/**
 * Pushgateway path segments cannot hold "/" (nor be empty): such values go
 * base64url-encoded with the `@base64` suffix on the label name.
 */
export function encodeGrouping(grouping: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(grouping)) {
    const value = safeLabelValue(raw);
    if (value === '' || value.includes('/')) {
      out[`${key}@base64`] = value === '' ? '=' : Buffer.from(value, 'utf8').toString('base64url');
    } else {
      out[key] = value;
    }
  }
  return out;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Adds this run's metrics to the Pushgateway with `pushAdd` (POST) under
 * {job, shard, ...grouping}. Never throws: a Pushgateway that is down, slow
 * or refusing is a warning in the result, and the run goes on.
 */
export async function pushMetrics(registry: Registry, url: string, options: PushOptions): Promise<SinkResult> {
  const target = displayUrl(url);
  const fail = (reason: string): SinkResult => ({
    ok: false,
    target,
    warning: redact(`metrics not pushed to the Pushgateway at ${target}: ${reason}`),
  });
  try {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return fail('the Pushgateway URL is not a valid URL');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      return fail(`unsupported protocol ${parsed.protocol} (use http or https)`);
    }
    const job = options.job.trim();
    if (!job || job.includes('/')) return fail(`invalid job name ${JSON.stringify(safeLabelValue(options.job))} (non-empty, no "/")`);
    const grouping = { shard: '1/1', ...options.grouping };
    for (const key of Object.keys(grouping)) {
      if (!LABEL_NAME.test(key) || key === 'job') return fail(`invalid grouping label name ${JSON.stringify(key)}`);
    }
    const timeoutMs = options.timeoutMs ?? 10_000;
    const toPush = await exportable(registry);
    const count = toPush.getMetricsAsArray().length;
    if (count === 0) return fail('nothing was recorded');
    const gateway = new Pushgateway(url, { timeout: timeoutMs }, toPush);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs + 1000);
      timer.unref();
    });
    try {
      await Promise.race([gateway.pushAdd({ jobName: job, groupings: encodeGrouping(grouping) }), deadline]);
    } finally {
      clearTimeout(timer);
    }
    return { ok: true, target, metrics: count };
  } catch (err) {
    const e = err as { message?: string; code?: string };
    const reason = [e.code, e.message].filter(Boolean).join(': ') || String(err);
    return fail(reason);
  }
}

/**
 * Writes the registry to `path` for node_exporter's textfile collector
 * (`--collector.textfile.directory`; the file name must end in `.prom`).
 * Atomic: written to a hidden temp file in the same directory, then renamed,
 * so the collector never reads half a file. Never throws.
 */
export async function writeTextfile(registry: Registry, path: string): Promise<SinkResult> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const toWrite = await exportable(registry);
    const text = await toWrite.metrics();
    await mkdir(dir, { recursive: true });
    await writeFile(tmp, text, { mode: 0o644 });
    await rename(tmp, path);
    return { ok: true, target: path, metrics: toWrite.getMetricsAsArray().length };
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    const e = err as { message?: string };
    return { ok: false, target: path, warning: redact(`metrics textfile not written to ${path}: ${e.message ?? String(err)}`) };
  }
}
