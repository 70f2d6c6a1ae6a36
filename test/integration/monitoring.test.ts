/**
 * The operational side cannot drift from the code: the alert rules pass
 * `promtool check rules` and their unit tests (`promtool test rules`), every
 * metric the rules and the dashboard use is one the code registers, every
 * registered metric is charted or alerted on (or listed below with a
 * reason), and every runbook link resolves.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { load as parseYaml, dump as stringifyYaml } from 'js-yaml';
import { METRIC_NAMES, type MetricName } from '../../src/observability/metrics.js';

/**
 * Registered metrics that neither the dashboard nor an alert uses, each with
 * the reason. Empty today: every metric is charted. An entry here must be a
 * registered metric that is really not used (checked below).
 */
const DELIBERATELY_UNCHARTED: Partial<Record<MetricName, string>> = {};

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MONITORING = join(ROOT, 'monitoring');
const RUNBOOKS = join(ROOT, 'runbooks');
const RUNBOOK_URL = /^https:\/\/github\.com\/your-org\/cdc-recon\/blob\/main\/runbooks\/([a-z0-9-]+\.md)(?:#([a-z0-9-]+))?$/;

const tmpDirs: string[] = [];
afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

function promtool(args: string[], input?: string) {
  const res = spawnSync('promtool', args, { cwd: ROOT, encoding: 'utf8', input });
  if (res.error) {
    throw new Error(`cannot run promtool (${res.error.message}): run .ci/run or apt-get install prometheus`);
  }
  return { status: res.status, output: `${res.stdout}${res.stderr}` };
}

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rulesDoc = parseYaml(readFileSync(join(MONITORING, 'alerts.yml'), 'utf8')) as { groups: Array<{ name: string; rules: Rule[] }> };
const rules = rulesDoc.groups.flatMap((g) => g.rules);
const alerts = rules.filter((r): r is Rule & { alert: string } => typeof r.alert === 'string');

interface PanelTarget { expr?: string; refId?: string }
interface Panel { id: number; type: string; title: string; gridPos: { h: number; w: number; x: number; y: number }; targets?: PanelTarget[]; datasource?: { uid?: string } }
const dashboard = JSON.parse(readFileSync(join(MONITORING, 'grafana-dashboard.json'), 'utf8')) as {
  title: string;
  uid: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query?: string | { query: string } }> };
};
const dataPanels = dashboard.panels.filter((p) => p.type !== 'row');
const dashboardExprs = dataPanels.flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''));

// ---------------------------------------------------------------------------
// Metric names in PromQL: everything that is left once strings, label
// matchers, durations, grouping clauses, numbers, keywords and function names
// are removed. An unknown identifier is treated as a metric name, so a new
// function must be added to the list below rather than slipping through.
const PROMQL_WORDS = new Set(
  (
    'sum min max avg count stddev stdvar topk bottomk quantile count_values group ' +
    'by without on ignoring group_left group_right bool offset and or unless atan2 ' +
    'time absent absent_over_time present_over_time increase rate irate delta idelta changes resets ' +
    'max_over_time min_over_time avg_over_time sum_over_time count_over_time last_over_time quantile_over_time stddev_over_time ' +
    'histogram_quantile label_replace label_join vector scalar clamp clamp_min clamp_max abs ceil floor round sgn ' +
    'sort sort_desc timestamp day_of_week day_of_month day_of_year days_in_month hour minute month year ' +
    'ln log2 log10 exp sqrt predict_linear deriv holt_winters inf nan'
  ).split(/\s+/),
);

function metricNamesInPromql(expr: string): Set<string> {
  const e = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ') // strings
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges and subqueries
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ') // grouping label lists
    .replace(/\$\{?\w+\}?/g, ' ') // Grafana variables
    .replace(/\b\d+(?:\.\d+)?(?:e[+-]?\d+)?(?:ms|s|m|h|d|w|y)?\b/gi, ' '); // numbers and durations
  const names = new Set<string>();
  for (const m of e.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    if (!PROMQL_WORDS.has(m[0].toLowerCase())) names.add(m[0]);
  }
  return names;
}

function variableQuery(v: { query?: string | { query: string } }): string {
  return typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
}

function metricNamesInVariable(query: string): Set<string> {
  const lv = /^label_values\(\s*(.+?)\s*,\s*[a-zA-Z_]\w*\s*\)$/.exec(query.trim());
  if (lv) return metricNamesInPromql(lv[1]!);
  const q = /^query_result\((.*)\)$/.exec(query.trim());
  return q ? metricNamesInPromql(q[1]!) : new Set();
}

const registered = new Set<string>(METRIC_NAMES);
const alertMetrics = new Set(alerts.flatMap((a) => [...metricNamesInPromql(a.expr)]));
const dashboardMetrics = new Set([
  ...dashboardExprs.flatMap((e) => [...metricNamesInPromql(e)]),
  ...dashboard.templating.list.filter((v) => v.type === 'query').flatMap((v) => [...metricNamesInVariable(variableQuery(v))]),
]);

// GitHub's heading anchors.
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}
function anchorsOf(markdown: string): Set<string> {
  const out = new Set<string>();
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) inFence = !inFence;
    const h = !inFence && /^#{1,6}\s+(.*)$/.exec(line);
    if (h) out.add(slug(h[1]!.replace(/`/g, '')));
  }
  return out;
}
const runbookFiles = readdirSync(RUNBOOKS).filter((f) => f.endsWith('.md'));
const runbookText = Object.fromEntries(runbookFiles.map((f) => [f, readFileSync(join(RUNBOOKS, f), 'utf8')]));

describe('promtool', () => {
  it('`promtool check rules monitoring/alerts.yml` passes', () => {
    const res = promtool(['check', 'rules', 'monitoring/alerts.yml']);
    expect(res.output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(res.status).toBe(0);
  });

  it('`promtool test rules monitoring/alerts.test.yml` passes', () => {
    const res = promtool(['test', 'rules', 'monitoring/alerts.test.yml']);
    expect(res.output).toContain('SUCCESS');
    expect(res.output).not.toContain('FAILED');
    expect(res.status).toBe(0);
  });

  it('the rule tests catch broken rules (each mutation makes them fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdc-recon-rules-'));
    tmpDirs.push(dir);
    const original = readFileSync(join(MONITORING, 'alerts.yml'), 'utf8');
    const testDoc = parseYaml(readFileSync(join(MONITORING, 'alerts.test.yml'), 'utf8')) as {
      tests: Array<{ alert_rule_test?: Array<{ alertname: string }> }>;
    };
    const mutations: Array<[alert: string, from: string, to: string]> = [
      // increase() over a per-run counter served by the Pushgateway is 0: it never fires.
      ['BackupFailed', 'backup_runs_total{status="failure"} > 0', 'increase(backup_runs_total{status="failure"}[1h]) > 0'],
      ['ReconciliationFailed', 'reconciliation_runs_total{status="error"} > 0', 'increase(reconciliation_runs_total{status="error"}[1h]) > 0'],
      ['ReconciliationDiscrepancy', 'reconciliation_row_count_difference > 100', 'reconciliation_row_count_difference > 1000'],
      ['ReconciliationStale', 'time() - reconciliation_last_success_timestamp_seconds > 26 * 3600', 'time() - reconciliation_last_success_timestamp_seconds > 28 * 3600'],
      ['BackupStale', 'time() - backup_last_success_timestamp_seconds > 26 * 3600', 'time() - backup_last_success_timestamp_seconds > 24 * 3600'],
      ['ConnectionPoolExhausted', 'reconciliation_pool_exhausted_total > 0', 'reconciliation_pool_exhausted_total >= 0'],
    ];
    for (const [alert, from, to] of mutations) {
      expect(original, from).toContain(from);
      writeFileSync(join(dir, 'alerts.yml'), original.replace(from, to));
      // Only the test groups of that alert, to keep promtool quick.
      const groups = testDoc.tests.filter((t) => (t.alert_rule_test ?? []).some((c) => c.alertname === alert));
      expect(groups.length, alert).toBeGreaterThan(0);
      writeFileSync(join(dir, 'alerts.test.yml'), stringifyYaml({ ...testDoc, tests: groups }));
      const res = spawnSync('promtool', ['test', 'rules', join(dir, 'alerts.test.yml')], { encoding: 'utf8' });
      expect(res.status, `mutation not caught: ${to}`).not.toBe(0);
      expect(`${res.stdout}${res.stderr}`).toContain(alert);
    }
  });

  it('every dashboard query is valid PromQL (checked by promtool as recording rules)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdc-recon-dash-'));
    tmpDirs.push(dir);
    const recording = dataPanels.flatMap((p) =>
      (p.targets ?? []).map((t) => ({
        record: `cdc_recon_dashboard:panel_${p.id}_${t.refId ?? 'A'}`,
        expr: (t.expr ?? '').replace(/\$\{?\w+\}?/g, '.*'),
      })),
    );
    expect(recording.length).toBeGreaterThan(15);
    const file = join(dir, 'dashboard-rules.yml');
    writeFileSync(file, stringifyYaml({ groups: [{ name: 'dashboard', rules: recording }] }));
    const res = promtool(['check', 'rules', file]);
    expect(res.output).toContain(`SUCCESS: ${recording.length} rules found`);
    expect(res.status).toBe(0);
  });
});

describe('alert rules', () => {
  const tests = parseYaml(readFileSync(join(MONITORING, 'alerts.test.yml'), 'utf8')) as {
    tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts?: unknown[] }> }>;
  };
  const cases = tests.tests.flatMap((t) => t.alert_rule_test ?? []);

  it('has the six required alerts', () => {
    const names = alerts.map((a) => a.alert);
    for (const required of ['ReconciliationDiscrepancy', 'ReconciliationFailed', 'ReconciliationStale', 'ConnectionPoolExhausted', 'BackupFailed', 'BackupStale']) {
      expect(names).toContain(required);
    }
    expect(new Set(names).size).toBe(names.length);
  });

  it('ReconciliationDiscrepancy is "row count difference above 100 for 5 minutes"', () => {
    const d = alerts.find((a) => a.alert === 'ReconciliationDiscrepancy')!;
    expect(d.expr).toBe('reconciliation_row_count_difference > 100');
    expect(d.for).toBe('5m');
  });

  it.each(alerts.map((a) => [a.alert, a] as const))('%s has a severity, a summary, a description and a runbook that exists', (_name, a) => {
    expect(['critical', 'warning', 'info']).toContain(a.labels?.severity);
    expect(a.annotations?.summary?.length).toBeGreaterThan(10);
    expect(a.annotations?.description?.length).toBeGreaterThan(20);
    const m = RUNBOOK_URL.exec(a.annotations?.runbook_url ?? '');
    expect(m, `runbook_url ${a.annotations?.runbook_url}`).not.toBeNull();
    const [, page, anchor] = m!;
    expect(runbookFiles).toContain(page);
    if (anchor) expect([...anchorsOf(runbookText[page!]!)]).toContain(anchor);
  });

  it.each(alerts.map((a) => [a.alert] as const))('%s has a promtool case that fires and one that stays silent', (name) => {
    const mine = cases.filter((c) => c.alertname === name);
    expect(mine.some((c) => (c.exp_alerts ?? []).length > 0), `${name}: no firing case`).toBe(true);
    expect(mine.some((c) => (c.exp_alerts ?? []).length === 0), `${name}: no silent case`).toBe(true);
  });

  it('never uses increase() or rate() on the pushed per-run counters', () => {
    for (const a of alerts) expect(a.expr, a.alert).not.toMatch(/\b(increase|rate|irate)\s*\(/);
  });
});

describe('dashboard', () => {
  it('is importable: unique panel ids, layout inside 24 columns, every query on the ${ds} data source', () => {
    expect(dashboard.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      expect(p.gridPos.w).toBeGreaterThan(0);
      expect(p.gridPos.h).toBeGreaterThan(0);
    }
    for (const p of dataPanels) {
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      expect(p.datasource?.uid, p.title).toBe('${ds}');
      for (const t of p.targets ?? []) expect(t.expr, p.title).toMatch(/\S/);
    }
    expect(dashboard.templating.list.find((v) => v.name === 'ds')?.type).toBe('datasource');
  });

  it('charts what issue 6 asks for', () => {
    const titles = dataPanels.map((p) => p.title.toLowerCase()).join(' | ');
    for (const wanted of ['runs by status', 'mismatches by table', 'duration', 'retries', 'pool', 'backup age', 'backup size', 'schema drift', 'lag']) {
      expect(titles).toContain(wanted);
    }
  });
});

describe('metrics: code, rules and dashboard agree', () => {
  it('the extractor finds metric names and only metric names', () => {
    expect([...metricNamesInPromql('time() - max by (job, shard) (foo_seconds{job=~"$job", a="b c"}) > 26 * 3600')]).toEqual(['foo_seconds']);
    expect([...metricNamesInPromql('sum without (x) (rate(a_total[5m])) / on (y) group_left (z) b_total offset 1h')]).toEqual(['a_total', 'b_total']);
    expect([...metricNamesInVariable('label_values(x_seconds{job=~"$job"}, table_name)')]).toEqual(['x_seconds']);
  });

  it('every metric the rules use is registered by the code', () => {
    expect(alertMetrics.size).toBeGreaterThan(5);
    expect([...alertMetrics].filter((m) => !registered.has(m))).toEqual([]);
  });

  it('every metric the dashboard uses is registered by the code', () => {
    expect(dashboardMetrics.size).toBeGreaterThan(10);
    expect([...dashboardMetrics].filter((m) => !registered.has(m))).toEqual([]);
  });

  it('every registered metric is charted, alerted on, or deliberately uncharted with a reason', () => {
    const used = new Set([...alertMetrics, ...dashboardMetrics]);
    const orphans = METRIC_NAMES.filter((m) => !used.has(m) && !DELIBERATELY_UNCHARTED[m]);
    expect(orphans).toEqual([]);
    for (const [name, reason] of Object.entries(DELIBERATELY_UNCHARTED)) {
      expect(registered.has(name), `${name} is not registered`).toBe(true);
      expect(used.has(name), `${name} is listed as uncharted but is used`).toBe(false);
      expect(reason?.trim().length, `${name} needs a reason`).toBeGreaterThan(10);
    }
  });

  it('every metric a runbook names is registered by the code', () => {
    const named = new Set<string>();
    for (const text of Object.values(runbookText)) {
      for (const m of text.matchAll(/\b(?:reconciliation_[a-z_]+|(?:backup|cdc|retry)_[a-z_]+?(?:_total|_seconds|_bytes))\b/g)) named.add(m[0]);
    }
    expect(named.size).toBeGreaterThan(5);
    expect([...named].filter((m) => !registered.has(m))).toEqual([]);
  });
});

describe('runbooks', () => {
  it('has every page issue 6 asks for', () => {
    for (const page of ['README.md', 'reconciliation-failure.md', 'disaster-recovery.md', 'connector-task-failed.md', 'cdc-capture-job.md', 'replication-lag.md', 'backup-failed-or-stale.md', 'metrics-missing.md']) {
      expect(runbookFiles).toContain(page);
    }
  });

  it('the reconciliation runbook starts with the schema check', () => {
    const text = runbookText['reconciliation-failure.md']!;
    const firstSection = text.split('\n## ')[1] ?? '';
    expect(firstSection).toMatch(/^Step 1: the schema check/);
    expect(firstSection).toContain('cdc-recon reconcile --config recon.yml --mode schema');
  });

  it('every relative link and anchor between runbooks resolves', () => {
    const broken: string[] = [];
    for (const [file, text] of Object.entries(runbookText)) {
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!;
        if (/^[a-z]+:/.test(target)) continue;
        const [path, anchor] = target.split('#');
        const resolved = path ? resolve(RUNBOOKS, path) : join(RUNBOOKS, file);
        if (!existsSync(resolved)) {
          broken.push(`${file}: ${target} (no such file)`);
          continue;
        }
        if (anchor && resolved.endsWith('.md') && !anchorsOf(readFileSync(resolved, 'utf8')).has(anchor)) {
          broken.push(`${file}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('the index lists every page and every alert', () => {
    const index = runbookText['README.md']!;
    for (const page of runbookFiles.filter((f) => f !== 'README.md')) expect(index).toContain(`(${page}`);
    for (const a of alerts) expect(index).toContain(`\`${a.alert}\``);
  });
});
