import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { register as globalRegistry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import {
  METRIC_NAMES,
  createMetrics,
  encodeGrouping,
  pushMetrics,
  recordRunReport,
  safeLabelValue,
  writeTextfile,
} from '../../src/observability/metrics.js';
import { type RunReport } from '../../src/report/model.js';
import { emptyTableResult, totalsOf } from '../../src/engine/results.js';
import { registerSecret } from '../../src/util/redact.js';
import { findSamples, parsePrometheusText, type Sample } from '../support/pushgateway.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'cdc-recon-metrics-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function samplesOf(m: ReturnType<typeof createMetrics>): Promise<Sample[]> {
  return parsePrometheusText(await m.registry.metrics());
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = findSamples(samples, name, labels);
  expect(found.length, `${name} ${JSON.stringify(labels)} matched ${found.length} samples`).toBeLessThanOrEqual(1);
  return found[0]?.value;
}

describe('metric registry', () => {
  it('registers exactly METRIC_NAMES, in a fresh registry, never the global one', () => {
    const before = globalRegistry.getMetricsAsArray().length;
    const a = createMetrics();
    const b = createMetrics(); // a second registry in the same process does not clash
    expect(a.registry.getMetricsAsArray().map((m) => m.name)).toEqual([...METRIC_NAMES]);
    expect(b.registry).not.toBe(a.registry);
    expect(globalRegistry.getMetricsAsArray().length).toBe(before);
    expect(new Set(METRIC_NAMES).size).toBe(METRIC_NAMES.length);
  });

  it('follows Prometheus naming: counters end in _total, nothing else does', () => {
    const m = createMetrics();
    for (const metric of m.registry.getMetricsAsArray()) {
      expect(metric.name.endsWith('_total'), metric.name).toBe(String(metric.type) === 'counter');
    }
  });
});

describe('recordTable', () => {
  it('records a matching table', async () => {
    const m = createMetrics();
    const finishedAt = new Date('2026-03-01T02:00:00Z');
    m.recordTable({ table: 'dbo.customers', status: 'match', durationSeconds: 12.5, sourceRows: 1000n, targetRows: 1000n, finishedAt });
    const s = await samplesOf(m);
    const t = { table_name: 'dbo.customers' };
    expect(value(s, 'reconciliation_runs_total', { ...t, status: 'match' })).toBe(1);
    expect(value(s, 'reconciliation_runs_total', { ...t, status: 'error' })).toBeUndefined();
    expect(value(s, 'reconciliation_duration_seconds', t)).toBe(12.5);
    expect(value(s, 'reconciliation_row_count_difference', t)).toBe(0);
    expect(value(s, 'reconciliation_row_count_mismatch_total', t)).toBe(0);
    expect(value(s, 'reconciliation_checksum_mismatch_total', t)).toBe(0);
    for (const g of ['missing', 'extra', 'changed', 'in_flight']) expect(value(s, `reconciliation_rows_${g}`, t)).toBe(0);
    expect(value(s, 'reconciliation_last_success_timestamp_seconds', t)).toBe(finishedAt.getTime() / 1000);
  });

  it('records a mismatch with counts, checksum and drift', async () => {
    const m = createMetrics();
    m.recordTable({
      table: 'dbo.orders', status: 'mismatch', durationSeconds: 3, sourceRows: 1500, targetRows: 1350,
      checksumMismatch: true, rowsMissing: 160, rowsExtra: 10, rowsChanged: 4, rowsInFlight: 2,
    });
    const s = await samplesOf(m);
    const t = { table_name: 'dbo.orders' };
    expect(value(s, 'reconciliation_runs_total', { ...t, status: 'mismatch' })).toBe(1);
    expect(value(s, 'reconciliation_row_count_difference', t)).toBe(150);
    expect(value(s, 'reconciliation_row_count_mismatch_total', t)).toBe(1);
    expect(value(s, 'reconciliation_checksum_mismatch_total', t)).toBe(1);
    expect(value(s, 'reconciliation_rows_missing', t)).toBe(160);
    expect(value(s, 'reconciliation_rows_extra', t)).toBe(10);
    expect(value(s, 'reconciliation_rows_changed', t)).toBe(4);
    expect(value(s, 'reconciliation_rows_in_flight', t)).toBe(2);
    // A mismatch is a completed reconcile: it counts as success for staleness.
    expect(value(s, 'reconciliation_last_success_timestamp_seconds', t)).toBeGreaterThan(Date.now() / 1000 - 60);
  });

  it('an errored table gets NaN measurements and no success timestamp, unless carried forward', async () => {
    const m = createMetrics();
    m.recordTable({ table: 'dbo.a', status: 'error', durationSeconds: 1 });
    m.recordTable({ table: 'dbo.b', status: 'error', durationSeconds: 1, previousSuccessAt: new Date(1_700_000_000_000) });
    const s = await samplesOf(m);
    expect(value(s, 'reconciliation_runs_total', { table_name: 'dbo.a', status: 'error' })).toBe(1);
    expect(value(s, 'reconciliation_row_count_difference', { table_name: 'dbo.a' })).toBeNaN();
    expect(value(s, 'reconciliation_rows_missing', { table_name: 'dbo.a' })).toBeNaN();
    expect(value(s, 'reconciliation_row_count_mismatch_total', { table_name: 'dbo.a' })).toBe(0);
    expect(value(s, 'reconciliation_last_success_timestamp_seconds', { table_name: 'dbo.a' })).toBeUndefined();
    expect(value(s, 'reconciliation_last_success_timestamp_seconds', { table_name: 'dbo.b' })).toBe(1_700_000_000);
  });

  it('a table recorded twice keeps only its last outcome', async () => {
    const m = createMetrics();
    m.recordTable({ table: 't', status: 'mismatch', durationSeconds: 1, sourceRows: 5, targetRows: 3 });
    m.recordTable({ table: 't', status: 'match', durationSeconds: 2, sourceRows: 5, targetRows: 5 });
    const s = await samplesOf(m);
    expect(findSamples(s, 'reconciliation_runs_total', { table_name: 't' }).map((x) => [x.labels.status, x.value])).toEqual([['match', 1]]);
    expect(value(s, 'reconciliation_row_count_mismatch_total', { table_name: 't' })).toBe(0);
    expect(value(s, 'reconciliation_row_count_difference', { table_name: 't' })).toBe(0);
  });
});

describe('recordRunReport', () => {
  it('maps every table of a run report, and the run end time', async () => {
    const ok = { ...emptyTableResult('dbo.customers', 'dbo.customers', 'public.customers', 'checksum'), counts: { source: 10, target: 10 }, durationMs: 1500 };
    const drifted = {
      ...emptyTableResult('dbo.orders', 'dbo.orders', 'public.orders', 'diff'),
      status: 'mismatch' as const,
      counts: { source: 300, target: 120 },
      segments: { checked: 4, mismatched: 2 },
      drift: { missing: 180, extra: 0, changed: 2 },
      inFlight: 5,
    };
    const broken = { ...emptyTableResult('dbo.broken', 'dbo.broken', 'public.broken', 'count'), status: 'error' as const };
    const tables = [ok, drifted, broken];
    const report: RunReport = {
      schemaVersion: 1, tool: { name: 'cdc-recon', version: 'test' }, runId: 'r1',
      startedAt: '2026-03-01T02:00:00.000Z', finishedAt: '2026-03-01T02:10:00.000Z', durationMs: 600_000,
      status: 'error', mode: 'mixed', configFile: 'recon.yml',
      source: { dialect: 'mssql' }, target: { dialect: 'postgres' }, totals: totalsOf(tables), tables,
    };
    const m = createMetrics();
    recordRunReport(m, report, { 'dbo.broken': new Date('2026-02-28T02:10:00Z') });
    const s = await samplesOf(m);
    const end = Date.parse('2026-03-01T02:10:00Z') / 1000;
    expect(value(s, 'reconciliation_last_run_timestamp_seconds')).toBe(end);
    expect(value(s, 'reconciliation_duration_seconds', { table_name: 'dbo.customers' })).toBe(1.5);
    expect(value(s, 'reconciliation_last_success_timestamp_seconds', { table_name: 'dbo.customers' })).toBe(end);
    expect(value(s, 'reconciliation_row_count_difference', { table_name: 'dbo.orders' })).toBe(180);
    expect(value(s, 'reconciliation_checksum_mismatch_total', { table_name: 'dbo.orders' })).toBe(1);
    expect(value(s, 'reconciliation_rows_changed', { table_name: 'dbo.orders' })).toBe(2);
    expect(value(s, 'reconciliation_rows_in_flight', { table_name: 'dbo.orders' })).toBe(5);
    expect(value(s, 'reconciliation_runs_total', { table_name: 'dbo.broken', status: 'error' })).toBe(1);
    expect(value(s, 'reconciliation_last_success_timestamp_seconds', { table_name: 'dbo.broken' })).toBe(end - 86_400);
  });
});

describe('endpoints, schema, lag, backups', () => {
  it('keeps pool peaks and gives every observed endpoint zero-valued counters', async () => {
    const m = createMetrics();
    m.observePool('source', { size: 8, inUse: 3, waiting: 0 });
    m.observePool('source', { size: 8, inUse: 8, waiting: 5 });
    m.observePool('source', { size: 8, inUse: 0, waiting: 0 }); // drained at the end
    m.observePool('target', { size: 8, inUse: 1, waiting: 0 });
    m.recordRetry('source');
    m.recordRetry('source', 2);
    m.recordPoolExhausted('source');
    const s = await samplesOf(m);
    expect(value(s, 'reconciliation_pool_size', { endpoint: 'source' })).toBe(8);
    expect(value(s, 'reconciliation_pool_in_use', { endpoint: 'source' })).toBe(8);
    expect(value(s, 'reconciliation_pool_waiting', { endpoint: 'source' })).toBe(5);
    expect(value(s, 'retry_attempts_total', { endpoint: 'source' })).toBe(3);
    expect(value(s, 'reconciliation_pool_exhausted_total', { endpoint: 'source' })).toBe(1);
    // Zero, not absent: a push must overwrite yesterday's non-zero value.
    expect(value(s, 'retry_attempts_total', { endpoint: 'target' })).toBe(0);
    expect(value(s, 'reconciliation_pool_exhausted_total', { endpoint: 'target' })).toBe(0);
  });

  it('records schema drift for every severity, lag, and the run time', async () => {
    const m = createMetrics();
    m.recordSchemaDrift('dbo.orders', { error: 2, info: 1 });
    m.recordCdcLag('dbo.orders', 42.5);
    m.recordRunFinished(new Date('2026-03-01T03:00:00Z'));
    const s = await samplesOf(m);
    expect(value(s, 'reconciliation_schema_drift', { table_name: 'dbo.orders', severity: 'error' })).toBe(2);
    expect(value(s, 'reconciliation_schema_drift', { table_name: 'dbo.orders', severity: 'warning' })).toBe(0);
    expect(value(s, 'reconciliation_schema_drift', { table_name: 'dbo.orders', severity: 'info' })).toBe(1);
    expect(value(s, 'cdc_lag_seconds', { table_name: 'dbo.orders' })).toBe(42.5);
    expect(value(s, 'reconciliation_last_run_timestamp_seconds')).toBe(Date.parse('2026-03-01T03:00:00Z') / 1000);
  });

  it('records backups per component', async () => {
    const m = createMetrics();
    const at = new Date('2026-03-01T01:00:00Z');
    m.recordBackup({ component: 'postgres', status: 'success', durationSeconds: 120, sizeBytes: 5_000_000n, finishedAt: at });
    m.recordBackup({ component: 'mssql', status: 'failure', durationSeconds: 3 });
    const s = await samplesOf(m);
    expect(value(s, 'backup_runs_total', { component: 'postgres', status: 'success' })).toBe(1);
    expect(value(s, 'backup_runs_total', { component: 'mssql', status: 'failure' })).toBe(1);
    expect(value(s, 'backup_size_bytes', { component: 'postgres' })).toBe(5_000_000);
    expect(value(s, 'backup_size_bytes', { component: 'mssql' })).toBeNaN();
    expect(value(s, 'backup_duration_seconds', { component: 'postgres' })).toBe(120);
    expect(value(s, 'backup_last_success_timestamp_seconds', { component: 'postgres' })).toBe(at.getTime() / 1000);
    expect(value(s, 'backup_last_success_timestamp_seconds', { component: 'mssql' })).toBeUndefined();
  });
});

describe('labels never carry secrets', () => {
  it('replaces URLs and registered secrets, caps length', () => {
    registerSecret('postgres://app:Sup3rSecretPw@db:5432/prod');
    expect(safeLabelValue('postgres://app:Sup3rSecretPw@db:5432/prod')).toBe('[redacted-url]');
    expect(safeLabelValue('https://host/x?token=abc')).toBe('[redacted-url]');
    expect(safeLabelValue('table_Sup3rSecretPw')).toBe('[redacted]');
    expect(safeLabelValue('password=hunter22')).toBe('[redacted]');
    expect(safeLabelValue('dbo.customers')).toBe('dbo.customers');
    expect(safeLabelValue('x'.repeat(500)).length).toBeLessThanOrEqual(203);
  });

  it('a secret passed as a label never reaches the exposition text', async () => {
    registerSecret('An0therS3cret!');
    const m = createMetrics();
    m.recordRetry('mssql://sa:An0therS3cret!@sql:1433');
    m.recordTable({ table: 'x_An0therS3cret!', status: 'match', durationSeconds: 1 });
    const text = await m.registry.metrics();
    expect(text).not.toContain('An0therS3cret');
    expect(text).toContain('endpoint="[redacted-url]"');
  });
});

describe('grouping key encoding', () => {
  it('base64-encodes values the Pushgateway path cannot hold', () => {
    expect(encodeGrouping({ shard: '1/4' })).toEqual({ 'shard@base64': Buffer.from('1/4').toString('base64url') });
    expect(encodeGrouping({ shard: '' })).toEqual({ 'shard@base64': '=' });
    expect(encodeGrouping({ env: 'prod' })).toEqual({ env: 'prod' });
  });
});

describe('pushMetrics input errors are warnings, not throws', () => {
  it('rejects a bad URL, protocol, job, grouping label and an empty registry', async () => {
    const m = createMetrics();
    m.recordRunFinished();
    const bad = [
      await pushMetrics(m.registry, 'not a url', { job: 'j' }),
      await pushMetrics(m.registry, 'ftp://gw:21', { job: 'j' }),
      await pushMetrics(m.registry, 'http://127.0.0.1:1', { job: 'a/b' }),
      await pushMetrics(m.registry, 'http://127.0.0.1:1', { job: 'j', grouping: { 'bad-name': 'x' } }),
      await pushMetrics(createMetrics().registry, 'http://127.0.0.1:1', { job: 'j' }),
    ];
    const warnings = bad.map((r) => (r.ok ? 'ok' : r.warning));
    expect(warnings[0]).toMatch(/not a valid URL/);
    expect(warnings[1]).toMatch(/unsupported protocol/);
    expect(warnings[2]).toMatch(/invalid job name/);
    expect(warnings[3]).toMatch(/invalid grouping label/);
    expect(warnings[4]).toMatch(/nothing was recorded/);
  });
});

describe('writeTextfile', () => {
  function recorded() {
    const m = createMetrics();
    m.recordTable({ table: 'dbo.orders', status: 'mismatch', durationSeconds: 3, sourceRows: 10, targetRows: 8, rowsMissing: 2 });
    m.recordTable({ table: 'dbo.broken', status: 'error', durationSeconds: 0.5 });
    m.recordTable({ table: 'dbo.events', status: 'match', durationSeconds: 1, coverageAgeSeconds: 86_400, coverageRuns: 7 });
    m.observePool('source', { size: 4, inUse: 2, waiting: 0 });
    m.recordSchemaDrift('dbo.orders', { warning: 1 });
    return m;
  }

  it('writes atomically (no temp file left) and leaves out what was never recorded', async () => {
    const dir = tempDir();
    const path = join(dir, 'cdc_recon.prom');
    const m = recorded();
    const res = await writeTextfile(m.registry, path);
    expect(res).toMatchObject({ ok: true, target: path });
    expect(readdirSync(dir)).toEqual(['cdc_recon.prom']);
    const text = readFileSync(path, 'utf8');
    const names = new Set(parsePrometheusText(text).map((s) => s.name));
    expect(names.has('reconciliation_runs_total')).toBe(true);
    // Unset: no backups recorded, and the run time (unlabelled) never set.
    expect(text).not.toContain('backup_runs_total');
    expect(text).not.toContain('reconciliation_last_run_timestamp_seconds');
    m.recordRunFinished(new Date(1_800_000_000_000));
    await writeTextfile(m.registry, path);
    expect(readFileSync(path, 'utf8')).toContain('reconciliation_last_run_timestamp_seconds 1800000000');
  });

  it('passes `promtool check metrics`', async () => {
    const dir = tempDir();
    const path = join(dir, 'cdc_recon.prom');
    const m = recorded();
    m.recordRunFinished();
    m.recordBackup({ component: 'postgres', status: 'success', durationSeconds: 1, sizeBytes: 10 });
    m.recordCdcLag('dbo.orders', 3);
    m.recordLagReadings({ endToEndSeconds: 1.5, heartbeatTable: 'app.heartbeat', sinkConsumerMessages: 0, sinkConnector: 'cdc-sink', sourceSlotBytes: 4096, slot: 'debezium' });
    m.recordRetry('target');
    m.recordPoolExhausted('target');
    m.recordRepair('app.t', { signalled: 3, healed: 2, notHealed: 1, timeToHealSeconds: null });
    m.recordDrill({ target: 'app', rtoSeconds: 41.5, rpoGapRows: 120, healedRows: 0, finalDriftRows: 0 });
    expect((await writeTextfile(m.registry, path)).ok).toBe(true);
    const text = readFileSync(path, 'utf8');
    // every metric family is in the file
    expect(new Set(parsePrometheusText(text).map((s) => s.name))).toEqual(new Set(METRIC_NAMES));
    const res = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    if (res.error) throw new Error(`promtool not runnable (${res.error.message}): run .ci/run or apt-get install prometheus`);
    expect(`${res.stdout}${res.stderr}`.trim()).toBe('');
    expect(res.status).toBe(0);
    // and the linter does catch a bad file, so the check above means something
    const bad = spawnSync('promtool', ['check', 'metrics'], { input: '# TYPE x_total gauge\nx_total 1\n', encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
  });

  it('a write failure is a warning and leaves nothing behind', async () => {
    const dir = tempDir();
    const blocker = join(dir, 'file');
    writeFileSync(blocker, 'not a directory');
    const res = await writeTextfile(recorded().registry, join(blocker, 'x.prom'));
    expect(res.ok).toBe(false);
    expect(res.ok ? '' : res.warning).toMatch(/not written/);
    expect(existsSync(join(blocker, 'x.prom'))).toBe(false);
  });
});
