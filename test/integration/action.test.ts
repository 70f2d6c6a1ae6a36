/**
 * The bundled action (dist/index.js) run as a child process exactly as the
 * runner runs it, against the real demo pair in PostgreSQL, with a real
 * Pushgateway: outputs, job summary, exit status per fail-on, masking,
 * metrics, and sharded runs merged to the unsharded result.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/report/model.js';
import { CLI_ENTRY, ensureDist, newWorkspace, runAction, visibleStdout, type ActionRun } from '../support/action-runner.js';
import { demoPair } from '../support/fixtures.js';
import { adminUrl, exec } from '../support/pg.js';
import { freePort } from '../support/pg-server.js';
import { findSamples, startPushgateway, type PushgatewayServer } from '../support/pushgateway.js';
import { comparableReport } from '../support/compare.js';

const DEMO_CONFIG = readFileSync('scripts/demo/recon.yml', 'utf8');
const GHOST_CONFIG = `${DEMO_CONFIG}  - table: ghost\n`;

// A distinctive password with characters that URL-encode, for a role that can only read.
const PASSWORD = `Rc0n#Pw!${randomBytes(6).toString('hex')}`;
const ROLE = `recon_${randomBytes(4).toString('hex')}`;
let sourceUrl = '';
let targetUrl = '';
let gw: PushgatewayServer;

function asRole(url: string): string {
  const u = new URL(url);
  u.username = ROLE;
  u.password = encodeURIComponent(PASSWORD);
  return u.toString();
}

/** Every place a secret must never reach. */
function expectNoSecret(run: ActionRun, ...more: string[]): void {
  const encoded = encodeURIComponent(PASSWORD);
  const places: Record<string, string> = {
    stdout: visibleStdout(run.stdout),
    stderr: run.stderr,
    summary: run.summary,
    outputs: JSON.stringify(run.outputs),
    envFile: run.envFile,
  };
  more.forEach((m, i) => (places[`extra ${i}`] = m));
  if (run.outputs['report-path'] && existsSync(run.outputs['report-path'])) places.report = readFileSync(run.outputs['report-path'], 'utf8');
  for (const [where, text] of Object.entries(places)) {
    expect(text.includes(PASSWORD), `password in ${where}`).toBe(false);
    expect(text.includes(encoded), `encoded password in ${where}`).toBe(false);
  }
}

function inputs(extra: Record<string, string> = {}): Record<string, string> {
  return { config: 'recon.yml', 'source-url': sourceUrl, 'target-url': targetUrl, ...extra };
}

beforeAll(async () => {
  ensureDist();
  gw = await startPushgateway();
  const db = await demoPair();
  await exec(adminUrl(), `CREATE ROLE ${ROLE} LOGIN PASSWORD '${PASSWORD}'`);
  for (const url of [db.source, db.target]) {
    await exec(url, `GRANT USAGE ON SCHEMA shop TO ${ROLE}; GRANT SELECT ON ALL TABLES IN SCHEMA shop TO ${ROLE}; ANALYZE;`);
  }
  sourceUrl = asRole(db.source);
  targetUrl = asRole(db.target);
}, 20 * 60_000);

afterAll(async () => {
  await gw?.stop();
});

describe('the action as the runner runs it', () => {
  let first: ActionRun;

  it('fail-on mismatch: fails, writes every output, the summary, the report, and pushes metrics', async () => {
    const ws = newWorkspace({ 'recon.yml': DEMO_CONFIG });
    first = await runAction(inputs({ 'pushgateway-url': gw.url, 'metrics-job': 'action-test', 'metrics-file': 'metrics/recon.prom' }), { workspace: ws });
    expect(first.code, first.stdout + first.stderr).toBe(1);
    expect(first.outputs).toEqual({
      status: 'mismatch',
      'tables-checked': '3',
      'tables-mismatched': '3',
      'mismatched-tables': '["customers","orders","order_lines"]',
      'rows-missing': '3',
      'rows-extra': '2',
      'rows-changed': '7',
      'report-path': 'reports/report.json',
    });
    const report = JSON.parse(readFileSync(join(ws, 'reports', 'report.json'), 'utf8')) as RunReport;
    expect(report.status).toBe('mismatch');
    expect(report.tables.find((t) => t.table === 'customers')!.rows.map((r) => `${r.kind} ${r.key.id}`).sort()).toEqual(
      ['changed 1', 'changed 42', 'changed 49', 'changed 500', 'extra 1001', 'missing 17'],
    );

    // job summary: per-table table, first keys, totals
    expect(first.summary).toContain('<h2>cdc-recon: ❌ mismatch</h2>');
    expect(first.summary).toContain('<th>Table</th><th>Status</th><th>Source rows</th><th>Target rows</th><th>Missing</th><th>Extra</th><th>Changed</th><th>In-flight</th><th>Duration</th><th>Trend</th>');
    expect(first.summary).toMatch(/<tr><td><code>customers<\/code><\/td><td>❌ mismatch<\/td><td>500<\/td><td>500<\/td><td>1<\/td><td>1<\/td><td>4<\/td><td>0<\/td>/);
    expect(first.summary).toContain('missing <code>id=17</code>');
    expect(first.summary).toContain('<summary>order_lines: 1 missing, 0 extra, 2 changed</summary>');

    // annotations, and the sinks that cannot run outside a runner say so
    const out = visibleStdout(first.stdout);
    expect(out).toMatch(/^::error title=cdc-recon%3A customers mismatch::customers: 1 missing, 1 extra, 4 changed rows/m);
    expect(out).toMatch(/^::error title=cdc-recon%3A orders mismatch::/m);
    expect(out).toMatch(/artifact: skipped uploading cdc-recon-report: not running on a GitHub Actions runner \(no ACTIONS_RUNTIME_TOKEN\)/);
    expect(out).toMatch(/cache: skipped restoring the previous report: not running on a GitHub Actions runner/);
    expect(out).toMatch(/Pushgateway: pushed \d+ metric families to http:\/\/127\.0\.0\.1:\d+\/ \(job=action-test, shard=1\/1\)/);
    expect(out).toMatch(/^::error::cdc-recon: MISMATCH: 3 tables, 0 match, 3 mismatch, 0 error; 3 missing, 2 extra, 7 changed rows \(fail-on: mismatch\)$/m);
    expect(out).not.toMatch(/^::warning::/m);

    // metrics read back from the real Pushgateway
    const s = await gw.samples();
    const g = { job: 'action-test', shard: '1/1' };
    expect(findSamples(s, 'reconciliation_runs_total', { ...g, table_name: 'customers', status: 'mismatch' })[0]?.value).toBe(1);
    expect(findSamples(s, 'reconciliation_rows_missing', { ...g, table_name: 'order_lines' })[0]?.value).toBe(1);
    expect(findSamples(s, 'reconciliation_rows_extra', { ...g, table_name: 'orders' })[0]?.value).toBe(1);
    expect(findSamples(s, 'reconciliation_rows_changed', { ...g, table_name: 'customers' })[0]?.value).toBe(4);
    expect(findSamples(s, 'reconciliation_checksum_mismatch_total', { ...g, table_name: 'orders' })[0]?.value).toBe(1);
    expect(findSamples(s, 'reconciliation_row_count_mismatch_total', { ...g, table_name: 'order_lines' })[0]?.value).toBe(1);
    expect(findSamples(s, 'reconciliation_duration_seconds', { ...g, table_name: 'customers' })[0]?.value).toBeGreaterThan(0);
    expect(findSamples(s, 'reconciliation_last_success_timestamp_seconds', { ...g, table_name: 'customers' })[0]?.value).toBeCloseTo(Date.parse(report.finishedAt) / 1000, 0);
    expect(findSamples(s, 'retry_attempts_total', { ...g, endpoint: 'source' })[0]?.value).toBe(0);
    expect(findSamples(s, 'reconciliation_pool_size', { ...g, endpoint: 'target' })[0]?.value).toBeGreaterThan(0);
    expect(findSamples(s, 'reconciliation_pool_in_use', { ...g, endpoint: 'source' })[0]?.value).toBeGreaterThan(0);
    expect(findSamples(s, 'reconciliation_pool_exhausted_total', { ...g, endpoint: 'source' })).toHaveLength(1);
    expect(findSamples(s, 'reconciliation_last_run_timestamp_seconds', g)).toHaveLength(1);
    // and the textfile
    const prom = readFileSync(join(ws, 'metrics', 'recon.prom'), 'utf8');
    expect(prom).toMatch(/^reconciliation_rows_missing\{table_name="customers"\} 1$/m);

    // secrets: masked first, and nowhere else
    const lines = first.stdout.split('\n');
    expect(lines[0]).toMatch(/^::add-mask::/);
    const maskLines = lines.filter((l) => l.startsWith('::add-mask::'));
    expect(maskLines.some((l) => l.includes(PASSWORD.replace(/%/g, '%25')))).toBe(true);
    const firstOther = lines.findIndex((l) => !l.startsWith('::add-mask::'));
    const lastMaskOfPassword = lines.findIndex((l) => l.startsWith('::add-mask::') && l.endsWith(PASSWORD));
    expect(lastMaskOfPassword).toBeGreaterThanOrEqual(0);
    expect(lastMaskOfPassword).toBeLessThan(firstOther);
    expectNoSecret(first, prom, await gw.metricsText());
  });

  it('fail-on error: a mismatch passes the step; fail-on never: passes too', async () => {
    for (const failOn of ['error', 'never']) {
      const run = await runAction(inputs({ 'fail-on': failOn, 'compare-with-previous': 'false', 'upload-artifact': 'false' }), {
        workspace: newWorkspace({ 'recon.yml': DEMO_CONFIG }),
      });
      expect(run.code, `${failOn}: ${run.stdout}${run.stderr}`).toBe(0);
      expect(run.outputs.status).toBe('mismatch');
      expect(visibleStdout(run.stdout)).not.toMatch(/^::error::/m);
      // under fail-on error/never a mismatch is a warning annotation, not an error
      expect(visibleStdout(run.stdout)).toMatch(/^::warning title=cdc-recon%3A customers mismatch::/m);
      expectNoSecret(run);
    }
  });

  it('a table that cannot be reconciled: fail-on error and mismatch fail, never passes; error report written', async () => {
    for (const [failOn, code] of [['error', 1], ['mismatch', 1], ['never', 0]] as const) {
      const ws = newWorkspace({ 'recon.yml': GHOST_CONFIG });
      const run = await runAction(inputs({ 'fail-on': failOn, tables: 'customers,\n ghost' }), { workspace: ws });
      expect(run.code, `${failOn}: ${run.stdout}${run.stderr}`).toBe(code);
      expect(run.outputs.status).toBe('error');
      expect(run.outputs['tables-checked']).toBe('2');
      expect(run.outputs['mismatched-tables']).toBe('["customers"]');
      expect(run.summary).toContain('<h3>Errors</h3>');
      expect(run.summary).toMatch(/<code>ghost<\/code> \(plan\):/);
      expect(existsSync(join(ws, 'reports', 'errors', 'ghost.json'))).toBe(true);
      const annotation = failOn === 'never' ? 'warning' : 'error';
      expect(visibleStdout(run.stdout)).toMatch(new RegExp(`^::${annotation} title=cdc-recon%3A ghost error::ghost failed at plan`, 'm'));
      expectNoSecret(run);
    }
  });

  it('a run that cannot connect: status error, the step fails, the password stays masked', async () => {
    const wrong = new URL(sourceUrl);
    wrong.password = encodeURIComponent(`${PASSWORD}-wrong`);
    const run = await runAction(inputs({ 'source-url': wrong.toString() }), { workspace: newWorkspace({ 'recon.yml': DEMO_CONFIG }) });
    expect(run.code).toBe(1);
    expect(run.outputs.status).toBe('error');
    expect(run.outputs['report-path']).toBe('');
    expect(visibleStdout(run.stdout)).toMatch(/^::error::cdc-recon: critical error: cannot connect to the source database/m);
    expect(run.summary).toContain('cdc-recon: ⚠️ ERROR');
    expectNoSecret(run);
    expect(visibleStdout(run.stdout).includes(`${PASSWORD}-wrong`)).toBe(false);
  });

  it('bad inputs fail the step with the input named', async () => {
    const run = await runAction(inputs({ 'fail-on': 'sometimes' }), { workspace: newWorkspace({ 'recon.yml': DEMO_CONFIG }) });
    expect(run.code).toBe(1);
    expect(visibleStdout(run.stdout)).toMatch(/^::error::cdc-recon: config error: input fail-on: expected one of mismatch, error, never, got "sometimes"$/m);
    expect(run.outputs.status).toBe('error');
    expectNoSecret(run);
  });

  it('a Pushgateway that is down is a warning, not a failed run', async () => {
    const port = await freePort();
    const run = await runAction(inputs({ 'pushgateway-url': `http://127.0.0.1:${port}`, 'fail-on': 'never' }), { workspace: newWorkspace({ 'recon.yml': DEMO_CONFIG }) });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.outputs.status).toBe('mismatch');
    expect(visibleStdout(run.stdout)).toMatch(new RegExp(`^::warning::Pushgateway: metrics not pushed to the Pushgateway at http://127.0.0.1:${port}/: .*ECONNREFUSED`, 'm'));
    expect(run.summary).toContain('cdc-recon: ❌ mismatch');
  });
});

describe('sharded runs', () => {
  it('four shards on four "runners", merged by the action and by the CLI, equal one unsharded run', async () => {
    const whole = await runAction(inputs({ 'fail-on': 'never', 'compare-with-previous': 'false' }), { workspace: newWorkspace({ 'recon.yml': DEMO_CONFIG }) });
    expect(whole.code).toBe(0);
    const wholeReport = JSON.parse(readFileSync(join(whole.workspace, whole.outputs['report-path']!), 'utf8')) as RunReport;

    // Each shard on its own workspace (runner); the merge job gets their reports as download-artifact lays them out.
    const mergeWs = newWorkspace({ 'recon.yml': DEMO_CONFIG });
    const shardTables: string[][] = [];
    for (const i of [1, 2, 3, 4]) {
      const run = await runAction(inputs({ shard: `${i}/4`, 'fail-on': 'error', 'pushgateway-url': gw.url, 'metrics-job': 'action-shards' }), {
        workspace: newWorkspace({ 'recon.yml': DEMO_CONFIG }),
      });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.outputs['report-path']).toBe(`reports/report-shard-${i}-of-4.json`);
      expect(visibleStdout(run.stdout)).toContain(`skipped uploading cdc-recon-report-shard-${i}-of-4`);
      const text = readFileSync(join(run.workspace, run.outputs['report-path']!), 'utf8');
      shardTables.push((JSON.parse(text) as RunReport).tables.map((t) => t.table));
      newWorkspaceFile(mergeWs, `reports/cdc-recon-report-shard-${i}-of-4/report-shard-${i}-of-4.json`, text);
      expectNoSecret(run);
    }
    expect(shardTables.flat().sort()).toEqual(['customers', 'order_lines', 'orders']);
    expect(shardTables.filter((t) => t.length === 0)).toHaveLength(1);

    // every shard pushed under its own grouping key; none erased another
    const s = await gw.samples();
    for (const [i, tables] of shardTables.entries()) {
      const got = findSamples(s, 'reconciliation_runs_total', { job: 'action-shards', shard: `${i + 1}/4` }).map((x) => x.labels.table_name).sort();
      expect(got).toEqual([...tables].sort());
    }

    const merged = await runAction({ command: 'merge-reports', 'report-dir': 'merged', 'fail-on': 'mismatch' }, { workspace: mergeWs });
    expect(merged.code, merged.stdout + merged.stderr).toBe(1);
    const { 'report-path': mergedPath, ...mergedOutputs } = merged.outputs;
    const { 'report-path': _wholePath, ...wholeOutputs } = whole.outputs;
    expect(mergedPath).toBe('merged/report.json');
    expect(mergedOutputs).toEqual({ ...wholeOutputs, 'mismatched-tables': JSON.stringify(JSON.parse(wholeOutputs['mismatched-tables']!).sort()) });
    const mergedReport = JSON.parse(readFileSync(join(mergeWs, mergedPath!), 'utf8')) as RunReport;
    expect(comparableReport(mergedReport)).toEqual(comparableReport(wholeReport));
    expect(merged.summary).toContain('cdc-recon (4 reports merged): ❌ mismatch');
    expect(visibleStdout(merged.stdout)).toMatch(/merging 4 report\(s\)/);

    // the CLI does the same
    const cli = spawnSync(process.execPath, [CLI_ENTRY, 'merge-reports', join(mergeWs, 'reports'), '--out', join(mergeWs, 'cli-merged.json'), '--fail-on', 'never'], { encoding: 'utf8' });
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/merged 4 reports into/);
    const cliReport = JSON.parse(readFileSync(join(mergeWs, 'cli-merged.json'), 'utf8')) as RunReport;
    expect(comparableReport(cliReport)).toEqual(comparableReport(wholeReport));

    // a missing shard makes the merged run an error
    const partialWs = newWorkspace();
    newWorkspaceFile(partialWs, 'reports/a/report-shard-1-of-4.json', readFileSync(join(mergeWs, 'reports/cdc-recon-report-shard-1-of-4/report-shard-1-of-4.json'), 'utf8'));
    const partial = await runAction({ command: 'merge-reports', 'fail-on': 'error' }, { workspace: partialWs });
    expect(partial.code).toBe(1);
    expect(partial.outputs.status).toBe('error');
    expect(visibleStdout(partial.stdout)).toMatch(/^::warning::merge-reports: no report from shard 2\/4$/m);
  });
});

function newWorkspaceFile(ws: string, rel: string, text: string): void {
  mkdirSync(dirname(join(ws, rel)), { recursive: true });
  writeFileSync(join(ws, rel), text);
}
