/**
 * The action's run() in-process against the real demo pair, with the
 * artifact and cache services replaced by their named fakes (the real ones
 * need a runner): the report and error reports are uploaded with the
 * retention, and a second run says which mismatches are new, which persist
 * and which were resolved.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../src/action/main.js';
import type { RunReport } from '../../src/report/model.js';
import { parseOutputFile } from '../support/action-runner.js';
import { FakeArtifactStore } from '../support/fake-artifact-store.js';
import { FakeReportCache } from '../support/fake-report-cache.js';
import { demoPair } from '../support/fixtures.js';
import { exec } from '../support/pg.js';

const DEMO_CONFIG = readFileSync('scripts/demo/recon.yml', 'utf8');
const ORDERS_DRIFT = `DELETE FROM shop.orders WHERE customer_id = 3 AND order_no = 2;
UPDATE shop.orders SET status = 'cancelled' WHERE customer_id = 7 AND order_no = 1;
INSERT INTO shop.orders VALUES (999, 1, '2024-06-01 10:00:00', 'new', 1.00);`;

const cwd = process.cwd();
const saved = { ...process.env };
let ws: string;
let files: { output: string; summary: string };

function setInputs(inputs: Record<string, string>): void {
  for (const k of Object.keys(process.env)) if (k.startsWith('INPUT_')) delete process.env[k];
  for (const [k, v] of Object.entries(inputs)) process.env[`INPUT_${k.toUpperCase()}`] = v;
}

/** One step: fresh output and summary files, like a new step on the runner. */
async function step(inputs: Record<string, string>, deps: Parameters<typeof run>[0]): Promise<{ outputs: Record<string, string>; summary: string; failed: boolean; log: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'step-'));
  files = { output: join(dir, 'output'), summary: join(dir, 'summary') };
  writeFileSync(files.output, '');
  writeFileSync(files.summary, '');
  process.env.GITHUB_OUTPUT = files.output;
  process.env.GITHUB_STEP_SUMMARY = files.summary;
  setInputs(inputs);
  process.exitCode = 0;
  let log = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    log += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  try {
    await run({ ...deps, env: { ...process.env } });
  } finally {
    process.stdout.write = write;
  }
  const failed = process.exitCode === 1;
  process.exitCode = 0;
  return { outputs: parseOutputFile(readFileSync(files.output, 'utf8')), summary: readFileSync(files.summary, 'utf8'), failed, log };
}

beforeEach(() => {
  ws = mkdtempSync(join(tmpdir(), 'ws-'));
  writeFileSync(join(ws, 'recon.yml'), DEMO_CONFIG);
  writeFileSync(join(ws, 'ghost.yml'), `${DEMO_CONFIG}  - table: ghost\n`);
  process.chdir(ws);
  process.env.GITHUB_RUN_ATTEMPT = '1';
});

afterEach(() => {
  process.chdir(cwd);
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
  process.exitCode = 0;
});

describe('action run() with the artifact and cache fakes', () => {
  it('uploads the report and error reports; the next run marks new, persisting and resolved mismatches', async () => {
    const db = await demoPair();
    const artifacts = new FakeArtifactStore();
    const cache = new FakeReportCache();
    const base = { config: 'ghost.yml', 'source-url': db.source, 'target-url': db.target, 'retention-days': '3', 'fail-on': 'never' };

    process.env.GITHUB_RUN_ID = '500';
    const first = await step(base, { artifacts, cache });
    expect(first.failed).toBe(false);
    expect(first.outputs.status).toBe('error');
    expect(artifacts.uploads).toEqual([expect.objectContaining({ name: 'cdc-recon-report', files: ['errors/ghost.json', 'report.json'], retentionDays: 3 })]);
    const uploaded = JSON.parse(readFileSync(join(artifacts.uploads[0]!.dir, 'report.json'), 'utf8')) as RunReport;
    expect(uploaded.tables.filter((t) => t.status === 'mismatch').map((t) => t.trend)).toEqual([undefined, undefined, undefined]);
    expect(cache.entries.map((e) => e.key)).toEqual([expect.stringMatching(/^cdc-recon-report-v1-[0-9a-f]{16}-500-1$/)]);
    expect(cache.restores[0]!.hit).toBeUndefined();

    // The orders drift is repaired (here: the same change made on the source).
    await exec(db.source, ORDERS_DRIFT);
    process.env.GITHUB_RUN_ID = '501';
    const second = await step({ ...base, config: 'ghost.yml', 'artifact-name': 'night-2' }, { artifacts, cache });
    expect(cache.restores[1]!.hit).toBe(cache.entries[0]!.key);
    const report = JSON.parse(readFileSync(join(ws, second.outputs['report-path']!), 'utf8')) as RunReport;
    const trend = Object.fromEntries(report.tables.map((t) => [t.table, t.trend ?? null]));
    expect(trend).toEqual({ customers: 'persisting', orders: 'resolved', order_lines: 'persisting', ghost: null });
    expect(report.resolvedSincePrevious).toEqual(['orders']);
    expect(second.outputs['mismatched-tables']).toBe('["customers","order_lines"]');
    expect(second.summary).toContain('Resolved since the previous run: <code>orders</code>');
    expect(second.summary).toMatch(/<td><code>customers<\/code><\/td>.*<td>persisting<\/td><\/tr>/);
    expect(second.summary).toContain('<summary>customers: 1 missing, 1 extra, 4 changed — persisting</summary>');
    expect(artifacts.uploads.map((u) => u.name)).toEqual(['cdc-recon-report', 'night-2']);

    // A new mismatch on a table that matched last time is "new".
    await exec(db.target, `UPDATE shop.orders SET total = total + 1 WHERE customer_id = 10 AND order_no = 1`);
    process.env.GITHUB_RUN_ID = '502';
    const third = await step({ ...base, 'artifact-name': 'night-3' }, { artifacts, cache });
    const r3 = JSON.parse(readFileSync(join(ws, third.outputs['report-path']!), 'utf8')) as RunReport;
    expect(r3.tables.find((t) => t.table === 'orders')!.trend).toBe('new');
    expect(third.summary).toMatch(/<summary>orders: 0 missing, 0 extra, 1 changed — new<\/summary>/);
  });

  it('failing artifact and cache services are warnings; the reconcile result stands', async () => {
    const db = await demoPair();
    const out = await step(
      { config: 'recon.yml', 'source-url': db.source, 'target-url': db.target, 'fail-on': 'error' },
      { artifacts: new FakeArtifactStore({ failWith: 'artifact storage quota has been hit' }), cache: new FakeReportCache({ failRestoreWith: 'cache service unavailable (503)' }) },
    );
    expect(out.failed).toBe(false);
    expect(out.outputs.status).toBe('mismatch');
    expect(out.summary).toContain('cdc-recon: ❌ mismatch');
    expect(out.log).toMatch(/^::warning::cache: cache service unavailable \(503\)$/m);
    expect(out.log).toMatch(/^::warning::artifact: artifact storage quota has been hit$/m);
  });

  it('merge-reports mode joins shard reports found by the glob and uploads the merged report', async () => {
    const db = await demoPair();
    const artifacts = new FakeArtifactStore();
    const cache = new FakeReportCache();
    for (const i of [1, 2]) {
      const r = await step({ config: 'recon.yml', 'source-url': db.source, 'target-url': db.target, shard: `${i}/2`, 'report-dir': `dl/shard-${i}`, 'fail-on': 'never' }, { artifacts, cache });
      expect(r.outputs['report-path']).toBe(`dl/shard-${i}/report-shard-${i}-of-2.json`);
    }
    expect(artifacts.uploads.map((u) => u.name)).toEqual(['cdc-recon-report-shard-1-of-2', 'cdc-recon-report-shard-2-of-2']);
    const merged = await step({ command: 'merge-reports', reports: 'dl/**/report-shard-*.json', 'report-dir': 'merged', 'pushgateway-url': 'http://127.0.0.1:9' }, { artifacts, cache });
    expect(merged.failed).toBe(true);
    expect(merged.log).toMatch(/^metrics: merge-reports pushes no metrics/m);
    expect(merged.outputs).toMatchObject({ status: 'mismatch', 'tables-checked': '3', 'rows-missing': '3', 'rows-extra': '2', 'rows-changed': '7', 'report-path': 'merged/report.json' });
    expect(artifacts.uploads.at(-1)).toEqual(expect.objectContaining({ name: 'cdc-recon-report', files: ['report.json'] }));

    const none = await step({ command: 'merge-reports', reports: 'nothing/**/*.json' }, { artifacts, cache });
    expect(none.failed).toBe(true);
    expect(none.outputs.status).toBe('error');
  });

  it('backup mode without a backup section fails with the reason; fail-on never only warns', async () => {
    const failed = await step({ command: 'backup', config: 'recon.yml' }, { artifacts: new FakeArtifactStore(), cache: new FakeReportCache() });
    expect(failed.failed).toBe(true);
    expect(failed.outputs.status).toBe('error');
    const lenient = await step({ command: 'backup', config: 'recon.yml', 'fail-on': 'never' }, { artifacts: new FakeArtifactStore(), cache: new FakeReportCache() });
    expect(lenient.failed).toBe(false);
    expect(lenient.outputs.status).toBe('error');
    expect(lenient.log).toMatch(/^::warning::cdc-recon backup failed: .*nothing to back up/m);
  });

  it('a config that does not exist fails the step with a summary that says why', async () => {
    mkdirSync(join(ws, 'x'));
    const out = await step({ config: 'x/none.yml' }, { artifacts: new FakeArtifactStore(), cache: new FakeReportCache() });
    expect(out.failed).toBe(true);
    expect(out.outputs.status).toBe('error');
    expect(out.summary).toMatch(/cannot read config x\/none.yml/);
  });
});
