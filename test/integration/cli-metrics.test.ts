/** `cdc-recon reconcile --pushgateway-url/--metrics-job/--metrics-file` through the metrics sink, and merge-reports, in-process. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandReportPaths, mergeReportsAction } from '../../src/cli/merge-reports-command.js';
import { buildProgram } from '../../src/cli/program.js';
import { reconcileAction } from '../../src/cli/reconcile-command.js';
import { demoPair } from '../support/fixtures.js';
import { freePort } from '../support/pg-server.js';
import { findSamples, parsePrometheusText, startPushgateway, type PushgatewayServer } from '../support/pushgateway.js';

let gw: PushgatewayServer;
beforeAll(async () => {
  gw = await startPushgateway();
});
afterAll(async () => {
  await gw?.stop();
});

async function quietly<T>(fn: () => Promise<T>): Promise<{ value: T; stdout: string; stderr: string }> {
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  let stdout = '';
  let stderr = '';
  process.stdout.write = ((c: string | Uint8Array) => ((stdout += String(c)), true)) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => ((stderr += String(c)), true)) as typeof process.stderr.write;
  try {
    return { value: await fn(), stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

describe('CLI metrics and merge-reports', () => {
  it('reconcile pushes to the Pushgateway under {job, shard} and writes the textfile; a down gateway is a warning', async () => {
    const db = await demoPair();
    process.env.DEMO_SOURCE_URL = db.source;
    process.env.DEMO_TARGET_URL = db.target;
    const dir = mkdtempSync(join(tmpdir(), 'cli-'));
    const base = { config: 'scripts/demo/recon.yml', failOn: 'mismatch' as const, logLevel: 'info' as const };
    const shards = [];
    for (const i of [1, 2]) {
      const r = await quietly(() =>
        reconcileAction({ ...base, shard: `${i}/2`, reportDir: join(dir, 'reports'), pushgatewayUrl: gw.url, metricsJob: 'cli-test', metricsFile: join(dir, `m${i}.prom`) }),
      );
      expect(r.value).toBe(1);
      expect(r.stderr).toMatch(/"msg":"Pushgateway: pushed \d+ metric families/);
      shards.push(parsePrometheusText(readFileSync(join(dir, `m${i}.prom`), 'utf8')).filter((s) => s.name === 'reconciliation_runs_total').map((s) => s.labels.table_name));
    }
    expect(shards.flat().sort()).toEqual(['customers', 'order_lines', 'orders']);
    const s = await gw.samples();
    expect(findSamples(s, 'reconciliation_runs_total', { job: 'cli-test', shard: '1/2' }).map((x) => x.labels.table_name).sort()).toEqual([...shards[0]!].sort());
    expect(findSamples(s, 'reconciliation_runs_total', { job: 'cli-test', shard: '2/2' }).map((x) => x.labels.table_name).sort()).toEqual([...shards[1]!].sort());
    expect(findSamples(s, 'reconciliation_rows_missing', { job: 'cli-test', table_name: 'customers' })[0]?.value).toBe(1);

    const port = await freePort();
    const down = await quietly(() => reconcileAction({ ...base, failOn: 'never', reportDir: join(dir, 'r2'), pushgatewayUrl: `http://bot:Cli-Gw-Pw-31@127.0.0.1:${port}` }));
    expect(down.value).toBe(0);
    expect(down.stderr).toMatch(/"level":"warn","msg":"Pushgateway: metrics not pushed to the Pushgateway at http:\/\/127.0.0.1:\d+\/: .*ECONNREFUSED/);
    expect(down.stderr + down.stdout).not.toContain('Cli-Gw-Pw-31');

    // merge-reports over the directory of shard reports
    const merged = await quietly(() => mergeReportsAction([join(dir, 'reports')], { out: join(dir, 'merged.json'), failOn: 'mismatch' }));
    expect(merged.value).toBe(1);
    expect(merged.stdout).toMatch(/status: MISMATCH +\(3 tables: 0 match, 3 mismatch, 0 error\)/);
    const json = JSON.parse(readFileSync(join(dir, 'merged.json'), 'utf8'));
    expect(json.totals).toMatchObject({ tables: 3, rowsMissing: 3, rowsExtra: 2, rowsChanged: 7 });
    expect(expandReportPaths([join(dir, 'reports'), join(dir, 'merged.json')], join(dir, 'merged.json'))).toHaveLength(2);
    const missing = await quietly(() => mergeReportsAction([join(dir, 'nope')], { out: join(dir, 'x.json'), failOn: 'never' }));
    expect(missing.value).toBe(0);
    expect(missing.stderr).toMatch(/nope does not exist/);
    delete process.env.DEMO_SOURCE_URL;
    delete process.env.DEMO_TARGET_URL;
  });

  it('merge-reports is registered on the program', () => {
    const cmd = buildProgram().commands.find((c) => c.name() === 'merge-reports');
    expect(cmd?.description()).toMatch(/join the reports of a sharded run/);
  });
});
