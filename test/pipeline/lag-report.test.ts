/**
 * Lag you can trust, as a user sees it: the real CLI reconciles the live pipeline with `lag.heartbeat`
 * (the opt-in heartbeat write), `lag.sink` and `lag.slot` configured and pushes its metrics to a real
 * Pushgateway. With the sink connector paused and the source changing, the three readings are in the JSON
 * report, the text output and the pushed metrics, and they fall after the sink resumes. The lag alert
 * (CdcSinkConsumerLagHigh) is then tested by promtool on exactly the series the Pushgateway holds.
 * The paused readings come from the CLI; the resumed ones from the same application layer in this process.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcile } from '../../src/app/reconcile.js';
import type { RunReport } from '../../src/report/model.js';
import { silentLogger } from '../../src/util/logger.js';
import { findSamples, startPushgateway, type PushgatewayServer } from '../support/pushgateway.js';
import { cliEntry, connectRest, pipeline, query, until, waitConnector } from './support.js';

const execFileP = promisify(execFile);
const p = pipeline();
const LAG_ROWS_FROM = 9_000_001;

/**
 * `cli`: the real CLI twice (JSON, pushing, and text); `in-process`: the application layer the CLI calls, pushing
 * the same way (so that coverage of src/ sees the readings' code), with no text output.
 */
async function reconcileWithLag(pushgateway: string, job: string, how: 'cli' | 'in-process' = 'cli'): Promise<{ report: RunReport; text: string }> {
  const file = join(p.dir, `recon-lag-${Date.now()}.yml`);
  writeFileSync(
    file,
    [
      'source: { dialect: postgres, urlEnv: PIPELINE_SOURCE_URL, schema: app }',
      'target: { dialect: postgres, urlEnv: PIPELINE_TARGET_URL, schema: app }',
      'defaults: { mode: count }',
      'tables: [ { table: accounts } ]',
      'lag:',
      '  heartbeat: { source: app.heartbeat, target: app.heartbeat, timeout: 5s }',
      `  sink: { bootstrapEnv: PIPELINE_KAFKA, connector: ${p.connectors.sink} }`,
      '  slot: cdc_recon',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, PIPELINE_SOURCE_URL: p.source.url, PIPELINE_TARGET_URL: p.target.url, PIPELINE_KAFKA: `127.0.0.1:${p.kafka.port}` };
  if (how === 'in-process') {
    const { report } = await reconcile({
      configFile: file, reportDir: join(p.dir, 'reports-lag'), failOn: 'never', env, logger: silentLogger,
      metrics: { pushgatewayUrl: pushgateway, job }, sinkReporter: { info: () => undefined, warning: () => undefined },
    });
    return { report, text: '' };
  }
  const args = [cliEntry(), 'reconcile', '-c', file, '--fail-on', 'never', '--report-dir', join(p.dir, 'reports-lag'), '--log-level', 'warn'];
  // Only the JSON run pushes, so the Pushgateway holds exactly the readings of the report returned here.
  const { stdout } = await execFileP('node', [...args, '--json', '--pushgateway-url', pushgateway, '--metrics-job', job], { env, maxBuffer: 16 * 1024 * 1024 });
  const text = (await execFileP('node', args, { env, maxBuffer: 16 * 1024 * 1024 })).stdout;
  return { report: JSON.parse(stdout) as RunReport, text };
}

describe('live pipeline: the lag readings in the report, the output and the metrics', () => {
  let pg: PushgatewayServer;
  beforeAll(async () => {
    pg = await startPushgateway();
  });
  afterAll(async () => {
    await connectRest(p, 'PUT', `/connectors/${p.connectors.sink}/resume`).catch(() => undefined);
    await query(p.source.url, `DELETE FROM app.accounts WHERE id >= ${LAG_ROWS_FROM - 1}`).catch(() => undefined);
    await pg?.stop();
  });

  it('with the sink paused the readings are high, after it resumes they fall; the alert fires on the pushed series', async () => {
    // The sink has read the accounts topic before it is paused (as in production: topics exist long before).
    await query(p.source.url, `INSERT INTO app.accounts VALUES (${LAG_ROWS_FROM - 1}, 'lag first', 0, true, now())`);
    await until(() => query(p.target.url, `SELECT 1 FROM app.accounts WHERE id = ${LAG_ROWS_FROM - 1}`), (r) => r.length === 1, 'the first lag row on the target', 120_000, 500);
    await connectRest(p, 'PUT', `/connectors/${p.connectors.sink}/pause`);
    await waitConnector(p, p.connectors.sink, 'PAUSED');
    // The source goes on changing while the sink stands still (rows of its own, removed at the end).
    await query(p.source.url, `INSERT INTO app.accounts SELECT i, 'lag ' || i, 0, true, now() FROM generate_series(${LAG_ROWS_FROM}, ${LAG_ROWS_FROM + 999}) i`);
    const paused = await until(
      () => reconcileWithLag(pg.url, 'lag-paused'),
      (r) => (r.report.lag?.readings?.sinkConsumerMessages ?? 0) > 500,
      'sink consumer lag above 500 messages with the sink paused',
      120_000,
      2_000,
    );
    const lag = paused.report.lag!;
    expect(lag.readings!.endToEndSeconds).toBeNull();
    expect(lag.warnings.join('\n')).toMatch(/end-to-end heartbeat: the heartbeat was not on the target after 5 s/);
    expect(lag.readings!.sourceSlotBytes).toBeGreaterThanOrEqual(0);
    expect(paused.text).toMatch(/readings: end to end unknown, sink consumer behind by \d+ messages, source slot behind by \d+ WAL bytes/);

    await connectRest(p, 'PUT', `/connectors/${p.connectors.sink}/resume`);
    await waitConnector(p, p.connectors.sink, 'RUNNING');
    const resumed = await until(
      () => reconcileWithLag(pg.url, 'lag-resumed', 'in-process'),
      (r) => r.report.lag?.readings?.endToEndSeconds != null && (r.report.lag.readings.sinkConsumerMessages ?? Infinity) < 500,
      'lag falling after the sink resumed',
      180_000,
      2_000,
    );
    const after = resumed.report.lag!;
    expect(after.basis).toBe('end-to-end');
    expect(after.seconds).toBe(after.readings!.endToEndSeconds);
    expect(after.readings!.endToEndSeconds!).toBeLessThan(5);
    expect(after.readings!.sinkConsumerMessages!).toBeLessThan(lag.readings!.sinkConsumerMessages!);

    // What the Pushgateway holds: the three readings (NaN for the heartbeat that did not arrive).
    const samples = await pg.samples();
    const pushedPaused = findSamples(samples, 'cdc_sink_consumer_lag_messages', { job: 'lag-paused' });
    expect(pushedPaused).toHaveLength(1);
    expect(pushedPaused[0]!.value).toBeGreaterThan(500);
    expect(Number.isNaN(findSamples(samples, 'cdc_pipeline_e2e_lag_seconds', { job: 'lag-paused' })[0]!.value)).toBe(true);
    const pushedResumed = findSamples(samples, 'cdc_sink_consumer_lag_messages', { job: 'lag-resumed' })[0]!;
    expect(pushedResumed.value).toBe(after.readings!.sinkConsumerMessages);
    expect(findSamples(samples, 'cdc_pipeline_e2e_lag_seconds', { job: 'lag-resumed' })[0]!.value).toBeLessThan(5);
    expect(findSamples(samples, 'cdc_source_slot_lag_bytes', { job: 'lag-resumed' })).toHaveLength(1);
    expect(findSamples(samples, 'cdc_lag_seconds', { job: 'lag-resumed', table_name: 'accounts' })).toHaveLength(1);

    // The lag alert, fed the pushed series as Prometheus would scrape them (honor_labels), 20 minutes long.
    const series = (s: { labels: Record<string, string>; value: number }) =>
      `cdc_sink_consumer_lag_messages{${Object.entries(s.labels).filter(([k]) => k !== 'instance').map(([k, v]) => `${k}="${v}"`).join(',')}}`;
    const dir = mkdtempSync(join(tmpdir(), 'lag-alert-'));
    const testFile = join(dir, 'pushed.test.yml');
    const labels = (s: { labels: Record<string, string> }) => Object.fromEntries(Object.entries(s.labels).filter(([k]) => k !== 'instance'));
    writeFileSync(
      testFile,
      JSON.stringify({
        rule_files: [join(process.cwd(), 'monitoring', 'alerts.yml')],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: [
              { series: series(pushedPaused[0]!), values: `${pushedPaused[0]!.value}x20` },
              { series: series(pushedResumed), values: `${pushedResumed.value}x20` },
            ],
            alert_rule_test: [
              {
                eval_time: '20m',
                alertname: 'CdcSinkConsumerLagHigh',
                exp_alerts: [
                  {
                    exp_labels: { severity: 'warning', ...labels(pushedPaused[0]!) },
                    exp_annotations: {
                      summary: `The sink connector is ${pushedPaused[0]!.value} messages behind`,
                      description: `The latest reconcile (job lag-paused, shard ${pushedPaused[0]!.labels.shard}) read the sink connector's consumer group more than 500 messages behind Kafka for 15 minutes: the sink is paused, failing or too slow, and the target falls behind.`,
                      runbook_url: 'https://github.com/your-org/cdc-recon/blob/main/runbooks/replication-lag.md',
                    },
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    const res = spawnSync('promtool', ['test', 'rules', testFile], { encoding: 'utf8' });
    expect(`${res.stdout}${res.stderr}`).toContain('SUCCESS');
    expect(res.status).toBe(0);
  });
});
