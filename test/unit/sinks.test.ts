import * as core from '@actions/core';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INPUT_DEFAULTS, maskSecret, maskSecretInputs, readInputs, secretParts } from '../../src/action/inputs.js';
import { OUTPUT_NAMES, outputsOf } from '../../src/action/outputs.js';
import { type RunReport, type TableResult } from '../../src/report/model.js';
import { emptyTableResult, overallStatus, totalsOf } from '../../src/engine/results.js';
import { artifactNameFor, artifactSink, GitHubArtifactStore } from '../../src/sinks/artifacts.js';
import { cacheLocation, cacheSaveSink, cacheScopeId, compareWithPrevious, GitHubReportCache, restorePreviousReport } from '../../src/sinks/cache.js';
import { RunMetrics, metricsSinks } from '../../src/sinks/metrics.js';
import { ok, runSinks, skipped } from '../../src/sinks/run-sinks.js';
import { annotate, renderSummary } from '../../src/sinks/summary.js';
import { escapeHtml } from '../../src/util/html.js';
import { redact, registerSecret } from '../../src/util/redact.js';
import { FakeArtifactStore } from '../support/fake-artifact-store.js';
import { FakeReportCache } from '../support/fake-report-cache.js';
import { parsePrometheusText, findSamples } from '../support/pushgateway.js';

function table(name: string, status: TableResult['status'], drift: Partial<TableResult['drift']> = {}): TableResult {
  const t = emptyTableResult(name, `shop.${name}`, `shop.${name}`, 'diff');
  t.status = status;
  t.drift = { missing: 0, extra: 0, changed: 0, ...drift };
  t.counts = { source: 10, target: 10 - (drift.missing ?? 0) };
  if (status === 'mismatch') {
    t.segments = { checked: 2, mismatched: 1 };
    t.rows = Array.from({ length: 12 }, (_, i) => ({ kind: 'missing' as const, key: { id: String(i + 1) } }));
  }
  if (status === 'error') t.error = { message: 'relation "shop.ghost" does not exist', stage: 'plan', class: 'table' };
  return t;
}

function report(tables: TableResult[]): RunReport {
  return {
    schemaVersion: 1,
    tool: { name: 'cdc-recon', version: '1.0.0' },
    runId: 'r1',
    startedAt: '2030-01-01T00:00:00.000Z',
    finishedAt: '2030-01-01T00:00:05.000Z',
    durationMs: 5000,
    status: overallStatus(tables),
    mode: 'diff',
    configFile: 'recon.yml',
    source: { dialect: 'postgres' },
    target: { dialect: 'postgres' },
    totals: totalsOf(tables),
    tables,
  };
}

const collect = () => {
  const lines: string[] = [];
  return { lines, reporter: { info: (m: string) => lines.push(`info ${m}`), warning: (m: string) => lines.push(`warning ${m}`) } };
};

describe('runSinks', () => {
  it('turns a throwing or hanging sink into a warning with the reason and runs the next one', async () => {
    registerSecret('postgres://u:Sink-Pw-4411@h/db');
    const { lines, reporter } = collect();
    const outcomes = await runSinks(
      [
        { name: 'boom', run: async () => { throw new Error('connect ECONNREFUSED postgres://u:Sink-Pw-4411@h/db'); } },
        { name: 'hang', run: () => new Promise(() => undefined), timeoutMs: 50 },
        { name: 'fine', run: async () => ok('did it') },
        { name: 'off', run: async () => skipped('not here') },
      ],
      reporter,
    );
    expect(outcomes.map((o) => o.status)).toEqual(['failed', 'failed', 'ok', 'skipped']);
    expect(lines[0]).toMatch(/^warning boom: connect ECONNREFUSED/);
    expect(lines.join('\n')).not.toContain('Sink-Pw-4411');
    expect(lines[1]).toMatch(/^warning hang: gave up after/);
    expect(lines.slice(2)).toEqual(['info fine: did it', 'info off: not here']);
  });

  it('a reporter that throws does not escape either', async () => {
    const outcomes = await runSinks([{ name: 'x', run: async () => ok('y') }], { info: () => { throw new Error('no'); }, warning: () => undefined });
    expect(outcomes[0]!.status).toBe('ok');
  });
});

describe('inputs', () => {
  const from = (values: Record<string, string>) => (name: string) => values[name] ?? '';

  it('empty inputs take the documented defaults', () => {
    const i = readInputs(from({}));
    expect(i).toMatchObject({ command: 'reconcile', config: 'cdc-recon.yml', failOn: 'mismatch', uploadArtifact: true, artifactName: 'cdc-recon-report', retentionDays: 14, metricsJob: 'cdc-recon', compareWithPrevious: true, tables: [] });
    expect(i.reports).toBe(INPUT_DEFAULTS.reports);
  });

  it('parses values and rejects bad ones with the input name', () => {
    const i = readInputs(from({ tables: 'customers, orders\norder_lines, dbo.Order Details', shard: '2/4', 'recheck-delay': '30s', 'chunk-size': '500', mode: 'count', 'upload-artifact': 'false' }));
    expect(i.tables).toEqual(['customers', 'orders', 'order_lines', 'dbo.Order Details']);
    expect(i.shard).toEqual({ index: 2, count: 4 });
    expect(i.recheckDelayMs).toBe(30_000);
    expect(i.chunkSize).toBe(500);
    expect(i.mode).toBe('count');
    expect(i.uploadArtifact).toBe(false);
    expect(() => readInputs(from({ 'fail-on': 'sometimes' }))).toThrow(/input fail-on: expected one of mismatch, error, never/);
    expect(() => readInputs(from({ shard: '5/4' }))).toThrow(/input shard/);
    expect(() => readInputs(from({ concurrency: 'lots' }))).toThrow(/input concurrency/);
    expect(() => readInputs(from({ 'upload-artifact': 'maybe' }))).toThrow(/input upload-artifact/);
    expect(() => readInputs(from({ 'recheck-delay': 'soon' }))).toThrow(/input recheck-delay/);
    expect(() => readInputs(from({ command: 'deploy' }))).toThrow(/input command/);
    expect(() => readInputs(from({ mode: 'fast' }))).toThrow(/input mode/);
  });

  it('secretParts finds URL passwords (raw, decoded, encoded), query and ADO passwords', () => {
    expect(secretParts('postgres://u:p%40ss%23word@h/db')).toEqual(expect.arrayContaining(['p%40ss%23word', 'p@ss#word']));
    expect(secretParts('postgres://h/db?user=u&password=QueryPw9')).toContain('QueryPw9');
    expect(secretParts('Server=h;User Id=sa;Password={Ado;Pw7};')).toContain('Ado;Pw7');
    expect(secretParts('Server=h;Pwd=AdoPw8')).toContain('AdoPw8');
  });

  it('masks every secret part before anything else and registers it for redact()', () => {
    const masked: string[] = [];
    const values: Record<string, string> = {
      'source-url': 'postgres://u:Mask-Pw-1%21@h/db',
      'target-url': '',
      'pushgateway-url': 'http://pg.example:9091',
    };
    maskSecretInputs((n) => values[n] ?? '', (s) => masked.push(s));
    expect(masked).toEqual(expect.arrayContaining(['postgres://u:Mask-Pw-1%21@h/db', 'Mask-Pw-1%21', 'Mask-Pw-1!']));
    // a Pushgateway URL without credentials is not a secret
    expect(masked).not.toContain('http://pg.example:9091');
    expect(redact('password is Mask-Pw-1!')).toBe('password is ***');
    masked.length = 0;
    values['pushgateway-url'] = 'https://bot:Gw-Pw-77@pg.example';
    maskSecretInputs((n) => values[n] ?? '', (s) => masked.push(s));
    expect(masked).toContain('Gw-Pw-77');
    maskSecret(undefined, (s) => masked.push(s));
  });
});

describe('outputs', () => {
  it('come from the report, and say error when there is none', () => {
    const o = outputsOf(report([table('a', 'match'), table('b', 'mismatch', { missing: 2, changed: 1 }), table('c', 'error')]), '/r/report.json');
    expect(o).toEqual({
      status: 'error', 'tables-checked': '3', 'tables-mismatched': '1', 'mismatched-tables': '["b"]',
      'rows-missing': '2', 'rows-extra': '0', 'rows-changed': '1', 'report-path': '/r/report.json',
    });
    expect(Object.keys(outputsOf(undefined, undefined)).sort()).toEqual([...OUTPUT_NAMES].sort());
    expect(outputsOf(undefined, undefined).status).toBe('error');
  });
});

describe('job summary and annotations', () => {
  it('renders the per-table table, the first keys, the errors and the trend, escaped and redacted', () => {
    registerSecret('Summ-Pw-9090');
    const b = table('b<script>', 'mismatch', { missing: 12 });
    b.trend = 'persisting';
    b.rows[0] = { kind: 'changed', key: { id: '1', name: 'Summ-Pw-9090' }, columns: ['email'] };
    const r = report([table('a', 'match'), b, table('c', 'error')]);
    r.resolvedSincePrevious = ['z'];
    core.summary.emptyBuffer();
    const html = renderSummary(core.summary, r, { failOn: 'mismatch', reportPath: 'reports/report.json', maxKeys: 10 }).stringify();
    core.summary.emptyBuffer();
    expect(html).toContain('<th>Missing</th>');
    expect(html).toContain('<th>Trend</th>');
    expect(html).toContain('<td>persisting</td>');
    expect(html).toContain('b&lt;script&gt;');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('Summ-Pw-9090');
    expect(html).toContain('changed <code>id=1, name=***</code> (columns: email)');
    expect(html).toContain('missing <code>id=10</code>');
    expect(html).not.toContain('id=11<');
    expect(html).toContain('more in the JSON report');
    expect(html).toContain('Resolved since the previous run: <code>z</code>');
    expect(html).toMatch(/<code>c<\/code> \(plan\): relation &quot;shop.ghost&quot; does not exist/);
    expect(escapeHtml('a|b&c')).toBe('a&#124;b&amp;c');
  });

  it('annotates each mismatched or failed table; error when it fails the run under fail-on', () => {
    const r = report([table('a', 'match'), table('b', 'mismatch', { missing: 1 }), table('c', 'error')]);
    const seen: string[] = [];
    const to = { error: (m: string) => seen.push(`error ${m}`), warning: (m: string) => seen.push(`warning ${m}`) };
    expect(annotate(r, 'mismatch', to)).toBe(2);
    expect(seen).toEqual([
      'error b: 1 missing, 0 extra, 0 changed rows; first: missing id=1',
      'error c failed at plan: relation "shop.ghost" does not exist',
    ]);
    seen.length = 0;
    annotate(r, 'error', to);
    expect(seen.map((s) => s.split(' ')[0])).toEqual(['warning', 'error']);
    seen.length = 0;
    annotate(r, 'never', to);
    expect(seen.map((s) => s.split(' ')[0])).toEqual(['warning', 'warning']);
  });
});

describe('artifact sink', () => {
  it('uploads the report and error reports with retention; a shard gets its own name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'art-'));
    writeFileSync(join(dir, 'report.json'), '{"x":1}');
    const store = new FakeArtifactStore();
    const sink = artifactSink(store, { name: artifactNameFor('nightly', { index: 2, count: 4 }), files: [join(dir, 'report.json')], rootDirectory: dir, retentionDays: 5 });
    const { reporter } = collect();
    const [o] = await runSinks([sink], reporter);
    expect(o!.status).toBe('ok');
    expect(store.uploads).toEqual([expect.objectContaining({ name: 'nightly-shard-2-of-4', files: ['report.json'], retentionDays: 5 })]);
    expect(readFileSync(join(store.uploads[0]!.dir, 'report.json'), 'utf8')).toBe('{"x":1}');
    expect(artifactNameFor('a/b:c', undefined)).toBe('a-b-c');
    expect(artifactNameFor('  ')).toBe('cdc-recon-report');
  });

  it('skips outside a runner, and a failing upload is a warning', async () => {
    const { lines, reporter } = collect();
    const files = { name: 'n', files: [], rootDirectory: '.' };
    const real = new GitHubArtifactStore({});
    expect(real.unavailableReason()).toMatch(/no ACTIONS_RUNTIME_TOKEN/);
    expect(new GitHubArtifactStore({ ACTIONS_RUNTIME_TOKEN: 't' }).unavailableReason()).toMatch(/no ACTIONS_RESULTS_URL/);
    expect(new GitHubArtifactStore({ ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_RESULTS_URL: 'http://x' }).unavailableReason()).toBeUndefined();
    const out = await runSinks([artifactSink(real, files), artifactSink(new FakeArtifactStore({ failWith: 'quota exceeded' }), files), artifactSink(new FakeArtifactStore(), { ...files, files: ['/nope/report.json'] })], reporter);
    expect(out.map((o) => o.status)).toEqual(['skipped', 'failed', 'failed']);
    expect(lines[0]).toMatch(/skipped uploading n: not running on a GitHub Actions runner/);
    expect(lines[1]).toBe('warning artifact: quota exceeded');
    expect(lines[2]).toMatch(/do not exist: \/nope\/report.json/);
  });
});

describe('cache sink', () => {
  it('marks new, persisting and resolved mismatches against the previous report', () => {
    const prev = report([table('a', 'mismatch', { missing: 1 }), table('b', 'mismatch', { missing: 1 }), table('c', 'match'), table('d', 'mismatch', { missing: 1 })]);
    const now = report([table('a', 'mismatch', { missing: 1 }), table('b', 'match'), table('c', 'mismatch', { extra: 1 }), table('d', 'error'), table('e', 'mismatch', { missing: 1 })]);
    const trend = compareWithPrevious(now, prev);
    expect(trend).toEqual({ newMismatches: ['c', 'e'], persisting: ['a'], resolved: ['b'] });
    expect(now.tables.map((t) => t.trend)).toEqual(['persisting', 'resolved', 'new', undefined, 'new']);
    expect(now.resolvedSincePrevious).toEqual(['b']);
  });

  it('saves under a unique key per run and restores the newest of its scope', async () => {
    const cwd = process.cwd();
    const ws = mkdtempSync(join(tmpdir(), 'ws-'));
    process.chdir(ws);
    try {
      const cache = new FakeReportCache();
      const scope = { command: 'reconcile', configFile: 'recon.yml' };
      const first = cacheLocation(scope, { GITHUB_RUN_ID: '100', GITHUB_RUN_ATTEMPT: '1' });
      expect(await restorePreviousReport(cache, first)).toEqual({ message: expect.stringMatching(/no previous report/) });
      const r1 = report([table('a', 'mismatch', { missing: 1 })]);
      const { reporter } = collect();
      expect((await runSinks([cacheSaveSink(cache, first, r1)], reporter))[0]!.status).toBe('ok');
      const r2 = { ...report([table('a', 'match')]), runId: 'r2' };
      const second = cacheLocation(scope, { GITHUB_RUN_ID: '101', GITHUB_RUN_ATTEMPT: '1' });
      await runSinks([cacheSaveSink(cache, second, r2)], reporter);
      const third = cacheLocation(scope, { GITHUB_RUN_ID: '102', GITHUB_RUN_ATTEMPT: '1' });
      const restored = await restorePreviousReport(cache, third);
      expect(restored.report?.runId).toBe('r2');
      expect(cache.restores.at(-1)).toEqual({ primaryKey: third.saveKey, restoreKeys: [third.restoreKey], hit: second.saveKey });
      // another scope (another shard) sees nothing of this one
      const other = cacheLocation({ ...scope, shard: { index: 1, count: 2 } }, { GITHUB_RUN_ID: '102' });
      expect(other.scope).not.toBe(third.scope);
      expect((await restorePreviousReport(cache, other)).report).toBeUndefined();
      // saving twice under one key is refused by the service: a warning, not a throw
      const again = await runSinks([cacheSaveSink(cache, second, r2)], reporter);
      expect(again[0]!.status).toBe('failed');
      // a corrupt entry is an error with the reason
      writeFileSync(third.file, 'not json');
      await cache.save([third.file], third.saveKey);
      await expect(restorePreviousReport(cache, cacheLocation(scope, { GITHUB_RUN_ID: '103' }))).rejects.toThrow(/cannot be read/);
      expect(existsSync(third.file)).toBe(true);
    } finally {
      process.chdir(cwd);
    }
  });

  it('scope ids ignore the order of the table filter; outside a runner it skips', async () => {
    expect(cacheScopeId({ command: 'reconcile', configFile: 'a', tables: ['x', 'y'] })).toBe(cacheScopeId({ command: 'reconcile', configFile: 'a', tables: ['y', 'x'] }));
    expect(cacheScopeId({ command: 'reconcile', configFile: 'a' })).not.toBe(cacheScopeId({ command: 'merge-reports', configFile: 'a' }));
    const real = new GitHubReportCache({});
    expect(real.unavailableReason()).toMatch(/no ACTIONS_RUNTIME_TOKEN/);
    const loc = cacheLocation({ command: 'reconcile', configFile: 'a' }, {});
    expect((await restorePreviousReport(real, loc)).message).toMatch(/skipped restoring/);
    const { reporter } = collect();
    expect((await runSinks([cacheSaveSink(real, loc, report([]))], reporter))[0]!.status).toBe('skipped');
    expect((await runSinks([cacheSaveSink(new FakeReportCache({ unavailable: 'off' }), loc, report([]))], reporter))[0]!.message).toMatch(/off/);
  });
});

describe('metrics sink', () => {
  it('records every table of a report and writes a textfile; the hooks count retries and pool exhaustion', async () => {
    const m = new RunMetrics(5);
    m.hooks.onRetry?.('source', new Error('x'));
    m.hooks.onPoolExhausted?.('target');
    let inUse = 3;
    let size = 4;
    m.hooks.onEndpoints?.([{ role: 'source', poolStats: () => ({ size, inUse, idle: 0, waiting: 1 }) } as never]);
    inUse = 1;
    m.hooks.onTableDone?.(table('a', 'match'));
    // the pools close before the run returns: a late sample must not zero the size
    inUse = 0;
    size = 0;
    await new Promise((r) => setTimeout(r, 30));
    const prev = report([table('c', 'match')]);
    const withSchema = report([table('a', 'match'), table('b', 'mismatch', { missing: 2 }), table('c', 'error')]);
    withSchema.tables[1]!.schemaFindings = [{ severity: 'error' } as never, { severity: 'info' } as never];
    withSchema.lag = { seconds: 42 } as never;
    m.recordReport(withSchema, prev);
    const path = join(mkdtempSync(join(tmpdir(), 'prom-')), 'recon.prom');
    const { reporter } = collect();
    const out = await runSinks(metricsSinks(m, { textfile: path }), reporter);
    expect(out[0]!.status).toBe('ok');
    const s = parsePrometheusText(readFileSync(path, 'utf8'));
    expect(findSamples(s, 'reconciliation_runs_total', { table_name: 'b', status: 'mismatch' })[0]!.value).toBe(1);
    expect(findSamples(s, 'reconciliation_rows_missing', { table_name: 'b' })[0]!.value).toBe(2);
    expect(findSamples(s, 'reconciliation_checksum_mismatch_total', { table_name: 'b' })[0]!.value).toBe(1);
    expect(findSamples(s, 'retry_attempts_total', { endpoint: 'source' })[0]!.value).toBe(1);
    expect(findSamples(s, 'reconciliation_pool_exhausted_total', { endpoint: 'target' })[0]!.value).toBe(1);
    expect(findSamples(s, 'reconciliation_pool_in_use', { endpoint: 'source' })[0]!.value).toBe(3);
    expect(findSamples(s, 'reconciliation_pool_size', { endpoint: 'source' })[0]!.value).toBe(4);
    // an errored table keeps the previous run's success time
    expect(findSamples(s, 'reconciliation_last_success_timestamp_seconds', { table_name: 'c' })[0]!.value).toBe(Date.parse(prev.finishedAt) / 1000);
    expect(findSamples(s, 'reconciliation_schema_drift', { table_name: 'b', severity: 'error' })[0]!.value).toBe(1);
    expect(findSamples(s, 'reconciliation_schema_drift', { table_name: 'b', severity: 'info' })[0]!.value).toBe(1);
    expect(findSamples(s, 'cdc_lag_seconds', { table_name: 'a' })[0]!.value).toBe(42);
    expect(metricsSinks(m, {})).toEqual([]);
  });

  it('a Pushgateway that cannot be reached is a warning with the reason', async () => {
    const m = new RunMetrics();
    m.recordReport(report([table('a', 'match')]));
    const { lines, reporter } = collect();
    const out = await runSinks(metricsSinks(m, { pushgatewayUrl: 'http://127.0.0.1:9/', timeoutMs: 2000 }), reporter);
    expect(out[0]!.status).toBe('failed');
    expect(lines[0]).toMatch(/^warning Pushgateway: metrics not pushed to the Pushgateway at http:\/\/127.0.0.1:9\/: .*ECONNREFUSED/);
  });
});
