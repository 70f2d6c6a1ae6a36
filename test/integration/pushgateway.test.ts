/**
 * Metrics pushed to a real Pushgateway and read back from its /metrics.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics, pushMetrics, type SinkResult } from '../../src/observability/metrics.js';
import { freePort } from '../support/pg-server.js';
import { findSamples, startPushgateway, type PushgatewayServer, type Sample } from '../support/pushgateway.js';

let gw: PushgatewayServer;

beforeAll(async () => {
  gw = await startPushgateway();
});
afterAll(async () => {
  await gw?.stop();
});

function only(samples: Sample[], name: string, labels: Record<string, string>): number {
  const found = findSamples(samples, name, labels);
  expect(found, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
  return found[0]!.value;
}

function expectOk(res: SinkResult): void {
  expect(res.ok ? '' : res.warning).toBe('');
  expect(res.ok).toBe(true);
}

describe('push to a real Pushgateway', () => {
  it('starts empty: persistence is off, nothing left over from other runs', async () => {
    expect(findSamples(await gw.samples(), 'push_time_seconds')).toHaveLength(0);
  });

  it('pushes a run and reads every value back with job and shard labels', async () => {
    const m = createMetrics();
    m.recordTable({ table: 'dbo.customers', status: 'match', durationSeconds: 4.25, sourceRows: 100, targetRows: 100, finishedAt: new Date(1_800_000_000_000) });
    m.recordTable({ table: 'dbo.orders', status: 'mismatch', durationSeconds: 9, sourceRows: 500, targetRows: 320, checksumMismatch: true, rowsMissing: 180, rowsChanged: 3 });
    m.recordTable({ table: 'dbo.broken', status: 'error', durationSeconds: 0.1 });
    m.observePool('source', { size: 4, inUse: 4, waiting: 2 });
    m.recordRetry('source', 2);
    m.recordPoolExhausted('source');
    m.recordSchemaDrift('dbo.orders', { error: 1 });
    m.recordCdcLag('dbo.orders', 12);
    m.recordRunFinished(new Date(1_800_000_100_000));
    expectOk(await pushMetrics(m.registry, gw.url, { job: 'recon-readback', grouping: { shard: '1/1' } }));

    const s = await gw.samples();
    const g = { job: 'recon-readback', shard: '1/1' };
    expect(only(s, 'reconciliation_runs_total', { ...g, table_name: 'dbo.customers', status: 'match' })).toBe(1);
    expect(only(s, 'reconciliation_runs_total', { ...g, table_name: 'dbo.orders', status: 'mismatch' })).toBe(1);
    expect(only(s, 'reconciliation_runs_total', { ...g, table_name: 'dbo.broken', status: 'error' })).toBe(1);
    expect(only(s, 'reconciliation_duration_seconds', { ...g, table_name: 'dbo.customers' })).toBe(4.25);
    expect(only(s, 'reconciliation_row_count_difference', { ...g, table_name: 'dbo.orders' })).toBe(180);
    expect(only(s, 'reconciliation_row_count_difference', { ...g, table_name: 'dbo.broken' })).toBeNaN();
    expect(only(s, 'reconciliation_row_count_mismatch_total', { ...g, table_name: 'dbo.orders' })).toBe(1);
    expect(only(s, 'reconciliation_checksum_mismatch_total', { ...g, table_name: 'dbo.orders' })).toBe(1);
    expect(only(s, 'reconciliation_rows_missing', { ...g, table_name: 'dbo.orders' })).toBe(180);
    expect(only(s, 'reconciliation_rows_changed', { ...g, table_name: 'dbo.orders' })).toBe(3);
    expect(only(s, 'reconciliation_last_success_timestamp_seconds', { ...g, table_name: 'dbo.customers' })).toBe(1_800_000_000);
    expect(findSamples(s, 'reconciliation_last_success_timestamp_seconds', { ...g, table_name: 'dbo.broken' })).toHaveLength(0);
    expect(only(s, 'reconciliation_last_run_timestamp_seconds', g)).toBe(1_800_000_100);
    expect(only(s, 'retry_attempts_total', { ...g, endpoint: 'source' })).toBe(2);
    expect(only(s, 'reconciliation_pool_in_use', { ...g, endpoint: 'source' })).toBe(4);
    expect(only(s, 'reconciliation_pool_waiting', { ...g, endpoint: 'source' })).toBe(2);
    expect(only(s, 'reconciliation_pool_exhausted_total', { ...g, endpoint: 'source' })).toBe(1);
    expect(only(s, 'reconciliation_schema_drift', { ...g, table_name: 'dbo.orders', severity: 'error' })).toBe(1);
    expect(only(s, 'cdc_lag_seconds', { ...g, table_name: 'dbo.orders' })).toBe(12);
    // Nothing about backups was recorded, so nothing was pushed for them.
    expect(findSamples(s, 'backup_runs_total', g)).toHaveLength(0);
  });

  it('two shards do not erase each other, and a shard\'s next run replaces only its own values', async () => {
    const job = 'recon-shards';
    const shard = (i: number, table: string, status: 'match' | 'error', diff: number) => {
      const m = createMetrics();
      m.recordTable({ table, status, durationSeconds: 1, sourceRows: 1000, targetRows: 1000 - diff });
      m.recordRunFinished();
      return pushMetrics(m.registry, gw.url, { job, grouping: { shard: `${i}/2` } });
    };
    expectOk(await shard(1, 'dbo.a', 'error', 0));
    expectOk(await shard(2, 'dbo.b', 'match', 250));

    let s = await gw.samples();
    expect(only(s, 'reconciliation_runs_total', { job, shard: '1/2', table_name: 'dbo.a', status: 'error' })).toBe(1);
    expect(only(s, 'reconciliation_runs_total', { job, shard: '2/2', table_name: 'dbo.b', status: 'match' })).toBe(1);
    expect(only(s, 'reconciliation_row_count_difference', { job, shard: '2/2', table_name: 'dbo.b' })).toBe(250);

    // Shard 1 runs again and succeeds: its error series is gone (so
    // ReconciliationFailed resolves), shard 2 is untouched.
    expectOk(await shard(1, 'dbo.a', 'match', 0));
    s = await gw.samples();
    expect(findSamples(s, 'reconciliation_runs_total', { job, shard: '1/2', status: 'error' })).toHaveLength(0);
    expect(only(s, 'reconciliation_runs_total', { job, shard: '1/2', table_name: 'dbo.a', status: 'match' })).toBe(1);
    expect(only(s, 'reconciliation_runs_total', { job, shard: '2/2', table_name: 'dbo.b', status: 'match' })).toBe(1);
    expect(only(s, 'reconciliation_row_count_difference', { job, shard: '2/2', table_name: 'dbo.b' })).toBe(250);
  });

  it('a good run overwrites yesterday\'s non-zero counters with zero', async () => {
    const job = 'recon-reset';
    const bad = createMetrics();
    bad.observePool('target', { size: 2, inUse: 2, waiting: 3 });
    bad.recordPoolExhausted('target', 7);
    bad.recordRetry('target', 4);
    expectOk(await pushMetrics(bad.registry, gw.url, { job }));
    const good = createMetrics();
    good.observePool('target', { size: 2, inUse: 1, waiting: 0 });
    expectOk(await pushMetrics(good.registry, gw.url, { job }));
    const s = await gw.samples();
    expect(only(s, 'reconciliation_pool_exhausted_total', { job, shard: '1/1', endpoint: 'target' })).toBe(0);
    expect(only(s, 'retry_attempts_total', { job, shard: '1/1', endpoint: 'target' })).toBe(0);
  });

  it('a backup push does not touch the reconcile groups', async () => {
    const recon = createMetrics();
    recon.recordTable({ table: 'dbo.keep', status: 'match', durationSeconds: 1 });
    expectOk(await pushMetrics(recon.registry, gw.url, { job: 'recon-mixed' }));
    const backup = createMetrics();
    backup.recordBackup({ component: 'postgres', status: 'success', durationSeconds: 30, sizeBytes: 4096, finishedAt: new Date(1_800_000_000_000) });
    expectOk(await pushMetrics(backup.registry, gw.url, { job: 'recon-mixed-backup' }));
    const s = await gw.samples();
    expect(only(s, 'reconciliation_runs_total', { job: 'recon-mixed', table_name: 'dbo.keep', status: 'match' })).toBe(1);
    expect(only(s, 'backup_last_success_timestamp_seconds', { job: 'recon-mixed-backup', component: 'postgres' })).toBe(1_800_000_000);
    expect(only(s, 'backup_size_bytes', { job: 'recon-mixed-backup', component: 'postgres' })).toBe(4096);
    // The reconcile registry had no run time set: no 1970 timestamp was pushed.
    expect(findSamples(s, 'reconciliation_last_run_timestamp_seconds', { job: 'recon-mixed' })).toHaveLength(0);
  });

  it('credentials in the Pushgateway URL are used but never echoed', async () => {
    const m = createMetrics();
    m.recordRunFinished();
    const u = new URL(gw.url);
    u.username = 'pusher';
    u.password = 'Gw-Pass-9931';
    expectOk(await pushMetrics(m.registry, u.toString(), { job: 'recon-auth' }));
    const res = await pushMetrics(m.registry, `http://pusher:Gw-Pass-9931@127.0.0.1:${await freePort()}`, { job: 'recon-auth' });
    expect(res.ok).toBe(false);
    expect(JSON.stringify(res)).not.toContain('Gw-Pass-9931');
  });
});

describe('a Pushgateway that is not there is a warning, never a throw', () => {
  it('connection refused', async () => {
    const m = createMetrics();
    m.recordTable({ table: 't', status: 'match', durationSeconds: 1 });
    const port = await freePort();
    const res = await pushMetrics(m.registry, `http://127.0.0.1:${port}`, { job: 'down' });
    expect(res.ok).toBe(false);
    expect(res.ok ? '' : res.warning).toMatch(/ECONNREFUSED/);
  });

  it('a Pushgateway that accepts but never answers times out', async () => {
    const sockets: Socket[] = [];
    const server: Server = createServer((sock) => sockets.push(sock)); // reads nothing, answers nothing
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const m = createMetrics();
      m.recordRunFinished();
      const started = Date.now();
      const res = await pushMetrics(m.registry, `http://127.0.0.1:${port}`, { job: 'hang', timeoutMs: 300 });
      expect(res.ok).toBe(false);
      expect(res.ok ? '' : res.warning).toMatch(/timed out|no answer/);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    }
  });

  it('a Pushgateway that refuses the push (HTTP 4xx) is a warning with the status', async () => {
    const m = createMetrics();
    m.recordRunFinished();
    // A real Pushgateway behind a wrong path prefix answers 404.
    const res = await pushMetrics(m.registry, `${gw.url}/no/such/prefix`, { job: 'x' });
    expect(res.ok).toBe(false);
    expect(res.ok ? '' : res.warning).toMatch(/status 404/);
  });
});
