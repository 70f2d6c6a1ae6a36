/**
 * Pipeline lag in the report, the job summary and the metrics: the
 * connector's committed LSN from a FakeKafkaConnect offsets endpoint, the
 * source's CDC position from PgCdcPositionDouble (SQL Server's
 * cdc.lsn_time_mapping model in a real PostgreSQL table), and the recheck
 * delay chosen from the lag where the config sets none.
 */
import * as core from '@actions/core';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { KafkaConnectClient } from '../../src/dr/connect/client.js';
import { KafkaConnectPosition, PipelineLagReader } from '../../src/lag/measure.js';
import { runReconcileWithRepair } from '../../src/repair/run.js';
import type { RunReport } from '../../src/report/model.js';
import { writeReport } from '../../src/report/write.js';
import { RunMetrics } from '../../src/sinks/metrics.js';
import { renderSummary } from '../../src/sinks/summary.js';
import { silentLogger } from '../../src/util/logger.js';
import { FakeKafkaConnect } from '../support/fake-kafka-connect.js';
import { LSN_MAPPING_DDL, lsnHex, PgCdcPositionDouble, ZERO_TRAN } from '../support/pg-lag-double.js';
import { createDatabase, exec } from '../support/pg.js';
import { findSamples, parsePrometheusText } from '../support/pushgateway.js';

const fakes: FakeKafkaConnect[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});

const COMMITTED = '0000002b:00000200:0001';

/** Source and target with one changed row per table; the source also holds the LSN / time mapping. */
async function lagPair(): Promise<{ source: string; target: string; sourceDb: string }> {
  const [s, t] = await Promise.all([createDatabase('lsrc'), createDatabase('ltgt')]);
  const ddl = 'CREATE TABLE orders (id int PRIMARY KEY, v text); INSERT INTO orders SELECT g, md5(g::text) FROM generate_series(1, 50) g; ' +
    'CREATE TABLE lines (id int PRIMARY KEY, v text); INSERT INTO lines SELECT g, md5(g::text) FROM generate_series(1, 50) g;';
  await Promise.all([exec(s.url, ddl), exec(t.url, ddl)]);
  await exec(t.url, "UPDATE orders SET v = 'drift' WHERE id = 9; UPDATE lines SET v = 'drift' WHERE id = 4;");
  await exec(s.url, LSN_MAPPING_DDL);
  const row = (lsn: string, agoSeconds: number, tran: string) =>
    `('${lsnHex(lsn)}', clock_timestamp() - interval '${agoSeconds} seconds', '${tran}'::bytea)`;
  await exec(s.url, `INSERT INTO cdc_lsn_time_mapping VALUES
    ${row('0000002b:00000100:0001', 600, '\\x0000000000000000a001')},
    ${row(COMMITTED, 300, '\\x0000000000000000a002')},
    ${row('0000002b:00000300:0001', 40, '\\x0000000000000000a003')},
    ${row('0000002b:00000400:0001', 10, '\\x0000000000000000a004')},
    ${row('0000002b:00000500:0001', 1, ZERO_TRAN)}`);
  return { source: s.url, target: t.url, sourceDb: s.name };
}

const CONFIG = `
source: { dialect: postgres, urlEnv: S_URL }
target: { dialect: postgres, urlEnv: T_URL }
tables:
  - table: orders
  - table: lines
    recheckDelay: 0s
lag:
  recheck: { factor: 2, min: 1s, max: 10m }
`;

async function fakeConnect(sourceDb: string, options: ConstructorParameters<typeof FakeKafkaConnect>[0] = {}): Promise<FakeKafkaConnect> {
  const kc = await new FakeKafkaConnect(options).start();
  fakes.push(kc);
  kc.add('inventory', {
    config: { 'connector.class': 'io.debezium.connector.sqlserver.SqlServerConnector' },
    offsets: [
      // Another database of a multi-database connector, far behind: not ours.
      { partition: { server: 'inv', database: 'otherdb' }, offset: { commit_lsn: '00000001:00000001:0001' } },
      { partition: { server: 'inv', database: sourceDb }, offset: { commit_lsn: COMMITTED, change_lsn: '0000002b:00000200:0003', event_serial_no: 1 } },
    ],
  });
  return kc;
}

async function runWithLag(db: { source: string; target: string }, connectUrl: string, sleeps: number[]): Promise<RunReport> {
  const lagReader = new PipelineLagReader(new PgCdcPositionDouble(db.source), new KafkaConnectPosition(new KafkaConnectClient(connectUrl), 'inventory'));
  return runReconcileWithRepair({
    config: parseConfig(CONFIG, 'inline.yml'),
    logger: silentLogger,
    env: { S_URL: db.source, T_URL: db.target },
    reportDir: mkdtempSync(join(tmpdir(), 'lag-')),
    minRetryDelayMs: 10,
    lagReader,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
}

function summaryOf(report: RunReport): string {
  const html = renderSummary(core.summary.emptyBuffer(), report, { failOn: 'mismatch' }).stringify();
  core.summary.emptyBuffer();
  return html;
}

async function metricsOf(report: RunReport) {
  const m = new RunMetrics();
  m.recordReport(report);
  return parsePrometheusText(await m.metrics.registry.metrics());
}

describe('CDC lag', () => {
  it('from the connector offsets: in the report, the summary and the metrics, and it sets the recheck delay', async () => {
    const db = await lagPair();
    const kc = await fakeConnect(db.sourceDb, { basicAuth: { user: 'connect', password: 'Kc-Secret-Pw-77' } });
    const sleeps: number[] = [];
    const report = await runWithLag(db, kc.urlWithCredentials, sleeps);
    const lag = report.lag!;
    expect(lag.basis).toBe('connector-offsets');
    expect(lag.connector).toBe('inventory');
    // Two transactions after the committed LSN (the progress-only row with a zero tran_id is not one); the oldest is 40 s old.
    expect(lag.lsn).toEqual({ source: '0000002b:00000500:0001', connector: COMMITTED, pendingTransactions: 2 });
    expect(lag.seconds).toBeGreaterThanOrEqual(40);
    expect(lag.seconds).toBeLessThan(70);
    expect(lag.recheckDelayMs).toBe(Math.ceil(lag.seconds! * 2000));
    // The table without a configured delay waited the lag-based one; `lines` (recheckDelay: 0s) did not wait.
    expect(sleeps).toEqual([lag.recheckDelayMs]);
    expect(kc.requests.map((r) => r.path)).toEqual(['/connectors/inventory/offsets']);

    const written = JSON.parse(readFileSync((await writeReport(report, mkdtempSync(join(tmpdir(), 'lag-report-')))).reportPath, 'utf8')) as RunReport;
    expect(written.lag).toEqual(lag);

    const html = summaryOf(report);
    expect(html).toMatch(/CDC pipeline lag: \d+(\.\d)? s; source at LSN 0000002b:00000500:0001 \([0-9T:.-]+\), connector inventory at 0000002b:00000200:0001, 2 transaction\(s\) not yet read; recheck delay \d+(\.\d)? (s|min) chosen from the lag/);

    const samples = await metricsOf(report);
    const orders = findSamples(samples, 'cdc_lag_seconds', { table_name: 'orders' });
    expect(orders).toHaveLength(1);
    expect(orders[0]!.value).toBe(lag.seconds);
    expect(findSamples(samples, 'cdc_lag_seconds', { table_name: 'lines' })[0]!.value).toBe(lag.seconds);

    // The Kafka Connect credentials are nowhere in what the run produced.
    for (const text of [JSON.stringify(report), html]) expect(text).not.toContain('Kc-Secret-Pw-77');
  });

  it('without the offsets API: the source position only, lag unknown (NaN in the metrics), no delay chosen', async () => {
    const db = await lagPair();
    const kc = await fakeConnect(db.sourceDb, { offsetsApi: false });
    const sleeps: number[] = [];
    const report = await runWithLag(db, kc.url, sleeps);
    expect(report.lag).toMatchObject({ basis: 'source-only', seconds: null, lsn: { source: '0000002b:00000500:0001', connector: null } });
    expect(report.lag!.warnings.join()).toMatch(/no offsets for connector inventory/);
    expect(report.lag!.recheckDelayMs).toBeUndefined();
    expect(sleeps).toEqual([]);
    expect(summaryOf(report)).toContain('CDC pipeline lag: unknown');
    const v = findSamples(await metricsOf(report), 'cdc_lag_seconds', { table_name: 'orders' })[0]!.value;
    expect(Number.isNaN(v)).toBe(true);
  });

  it('a caught-up connector has no lag', async () => {
    const db = await lagPair();
    const kc = await fakeConnect(db.sourceDb);
    kc.connectors.get('inventory')!.offsets = [{ partition: { server: 'inv', database: db.sourceDb }, offset: { commit_lsn: '0000002b:00000400:0001' } }];
    const report = await runWithLag(db, kc.url, []);
    expect(report.lag).toMatchObject({ basis: 'connector-offsets', seconds: 0, lsn: { pendingTransactions: 0 }, recheckDelayMs: 1000 });
  });

  it('no lag reader for a PostgreSQL source unless asked: the report has no lag and the metrics no cdc_lag_seconds', async () => {
    const db = await lagPair();
    const report = await runReconcileWithRepair({
      config: parseConfig(CONFIG.replace(/lag:[\s\S]*$/, ''), 'inline.yml'),
      logger: silentLogger,
      env: { S_URL: db.source, T_URL: db.target },
      reportDir: mkdtempSync(join(tmpdir(), 'lag-')),
      minRetryDelayMs: 10,
    });
    expect(report.lag).toBeUndefined();
    expect(findSamples(await metricsOf(report), 'cdc_lag_seconds')).toEqual([]);
    expect(summaryOf(report)).not.toContain('CDC pipeline lag');
  });
});
