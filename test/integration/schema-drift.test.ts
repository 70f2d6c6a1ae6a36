/**
 * The schema check on real PostgreSQL: planted differences between a source
 * and a target table (added, dropped, retyped lossless and lossy, renamed
 * columns, changed keys) are each found with the right severity, code and
 * message; `mode: schema` reads no data; a row reconcile of a drifted table
 * compares the common columns only and says so once; the findings reach the
 * text report, the metrics and the job summary; and the bundled CLI
 * (`cdc-recon reconcile --mode schema`) reports every planted difference.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as core from '@actions/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/metrics.js';
import { recordSchemaFindings } from '../../src/observability/schema-drift.js';
import type { RunReport, TableResult } from '../../src/report/model.js';
import { renderText } from '../../src/report/text.js';
import { renderSchemaFindings } from '../../src/schema/summary.js';
import { createDatabase, exec } from '../support/pg.js';
import { findSamples, parsePrometheusText } from '../support/pushgateway.js';
import { reconcileYaml } from '../support/recon.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli', 'index.js');

const SOURCE_DDL = `
CREATE TABLE drift (
  id integer PRIMARY KEY,
  added_on date,                       -- added at the source, never reached the target
  qty integer,                         -- target: bigint (lossless)
  label varchar(20),                   -- target: varchar(50) (lossless)
  amount numeric(12,2),                -- target: numeric(12,1) (scale)
  code varchar(50),                    -- target: varchar(20) (length)
  seen_at timestamp(6),                -- target: timestamp(3) (time precision)
  active boolean NOT NULL,             -- target: nullable
  status_code integer,                 -- target: text (does not map)
  customer_name text                   -- target: client_name (renamed)
);
CREATE TABLE rekeyed (id integer PRIMARY KEY, region text NOT NULL, v integer);
CREATE TABLE unkeyed (id integer PRIMARY KEY, v integer);
CREATE TABLE clean (id integer PRIMARY KEY, name text, price numeric(10,2));
`;

const TARGET_DDL = `
CREATE TABLE drift (
  id integer PRIMARY KEY,
  qty bigint,
  label varchar(50),
  amount numeric(12,1),
  code varchar(20),
  seen_at timestamp(3),
  active boolean,
  status_code text,
  client_name text,
  legacy_flag integer                  -- dropped at the source, still in the target
);
CREATE TABLE rekeyed (id integer NOT NULL, region text NOT NULL, v integer, PRIMARY KEY (id, region));
CREATE TABLE unkeyed (id integer NOT NULL, v integer);
CREATE TABLE clean (id integer PRIMARY KEY, name text, price numeric(10,2));
`;

/** Same values in every common column (chosen so the lossy pairs still agree), on both sides. */
const SOURCE_ROWS = `
INSERT INTO drift SELECT i, DATE '2024-01-01' + i, i, 'l' || i, i + 0.5, 'c' || i, TIMESTAMP '2024-01-01 12:00:00.123' + i * INTERVAL '1 minute', i % 2 = 0, i, 'cust ' || i FROM generate_series(1, 50) i;
INSERT INTO rekeyed SELECT i, 'eu', i FROM generate_series(1, 10) i;
INSERT INTO unkeyed SELECT i, i FROM generate_series(1, 10) i;
INSERT INTO clean SELECT i, 'n' || i, i FROM generate_series(1, 10) i;
`;
const TARGET_ROWS = `
INSERT INTO drift SELECT i, i, 'l' || i, i + 0.5, 'c' || i, TIMESTAMP '2024-01-01 12:00:00.123' + i * INTERVAL '1 minute', i % 2 = 0, i::text, 'cust ' || i, 7 FROM generate_series(1, 50) i;
INSERT INTO rekeyed SELECT i, 'eu', i FROM generate_series(1, 10) i;
INSERT INTO unkeyed SELECT i, i FROM generate_series(1, 10) i;
INSERT INTO clean SELECT i, 'n' || i, i FROM generate_series(1, 10) i;
`;

const TABLES = 'tables: [{ table: drift }, { table: rekeyed }, { table: unkeyed }, { table: clean }]';

/** Every planted difference of `drift`: severity, code, column. */
const EXPECTED_DRIFT = [
  'error column-missing-in-source legacy_flag',
  'error column-missing-in-target added_on',
  'error column-renamed customer_name',
  'error type-mismatch status_code',
  'info type-widened label',
  'info type-widened qty',
  'warning length-narrower code',
  'warning nullability-differs active',
  'warning scale-narrower amount',
  'warning time-precision-narrower seen_at',
];

const summary = (t: TableResult) => (t.schemaFindings ?? []).map((f) => `${f.severity} ${f.code} ${f.column ?? '-'}`).sort();
const byCode = (t: TableResult, code: string) => {
  const f = t.schemaFindings?.find((x) => x.code === code);
  expect(f, `${t.table}: no ${code} finding in ${JSON.stringify(t.schemaFindings)}`).toBeDefined();
  return f!;
};

let db: { source: string; target: string };
const tmp: string[] = [];

beforeAll(async () => {
  const [s, t] = await Promise.all([createDatabase('sd_s'), createDatabase('sd_t')]);
  await Promise.all([exec(s.url, SOURCE_DDL + SOURCE_ROWS), exec(t.url, TARGET_DDL + TARGET_ROWS)]);
  db = { source: s.url, target: t.url };
});

afterAll(() => {
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});

describe('schema check on PostgreSQL -> PostgreSQL', () => {
  it('mode schema finds every planted difference with the right severity, and reads no data', async () => {
    const r = await reconcileYaml(TABLES, db, { overrides: { mode: 'schema' } });
    const [drift, rekeyed, unkeyed, clean] = r.tables as [TableResult, TableResult, TableResult, TableResult];

    expect(summary(drift)).toEqual(EXPECTED_DRIFT);
    expect(summary(rekeyed)).toEqual(['error key-mismatch -']);
    expect(summary(unkeyed)).toEqual(['error key-missing-in-target -']);
    expect(summary(clean)).toEqual([]);

    // Errors make a table a mismatch; a table with no finding matches.
    expect(r.tables.map((t) => t.status)).toEqual(['mismatch', 'mismatch', 'mismatch', 'match']);
    expect(r.status).toBe('mismatch');
    // Nothing was counted or hashed: the schema mode reads catalogs only.
    for (const t of r.tables) {
      expect(t.counts).toEqual({ source: null, target: null });
      expect(t.segments.checked).toBe(0);
    }
    // Errors come first in the list.
    const sev = drift.schemaFindings!.map((f) => f.severity);
    expect(sev).toEqual([...sev].sort((a, b) => ['error', 'warning', 'info'].indexOf(a) - ['error', 'warning', 'info'].indexOf(b)));
  });

  it('each finding explains the difference and gives a fix that applies to the right table', async () => {
    const r = await reconcileYaml(TABLES, db, { overrides: { mode: 'schema' } });
    const [drift, rekeyed, unkeyed] = r.tables as [TableResult, TableResult, TableResult];

    expect(byCode(drift, 'scale-narrower').message).toMatch(/"amount".*numeric\(12,2\) -> target numeric\(12,1\).*keeps 1 decimal digit\(s\) instead of 2/);
    expect(byCode(drift, 'scale-narrower').fix).toContain('ALTER TABLE "public"."drift" ALTER COLUMN "amount" TYPE numeric(12,2);');
    expect(byCode(drift, 'length-narrower').message).toMatch(/character varying\(50\) -> target character varying\(20\).*at most 20 characters instead of 50/);
    expect(byCode(drift, 'time-precision-narrower').message).toMatch(/timestamp\(6\) without time zone -> target timestamp\(3\) without time zone.*3 fractional second digit\(s\) instead of 6/);
    expect(byCode(drift, 'nullability-differs').message).toMatch(/"active": source is NOT NULL, target allows NULL/);
    expect(byCode(drift, 'nullability-differs').fix).toContain('ALTER TABLE "public"."drift" ALTER COLUMN "active" SET NOT NULL;');
    expect(byCode(drift, 'type-mismatch').message).toMatch(/"status_code": source integer -> target text do not map \(int vs text cannot be compared\)/);
    expect(byCode(drift, 'column-missing-in-target').message).toMatch(/"added_on" \(date\) has no counterpart "added_on" in target public\.drift/);
    expect(byCode(drift, 'column-missing-in-target').fix).toContain('ALTER TABLE "public"."drift" ADD COLUMN "added_on" date;');
    expect(byCode(drift, 'column-missing-in-target').fix).toContain('columns: { exclude: ["added_on"] }');
    expect(byCode(drift, 'column-missing-in-source').message).toMatch(/target column "legacy_flag" \(integer\) has no counterpart in source public\.drift/);
    expect(byCode(drift, 'column-missing-in-source').fix).toContain('ALTER TABLE "public"."drift" DROP COLUMN "legacy_flag";');
    const renamed = byCode(drift, 'column-renamed');
    expect(renamed.message).toMatch(/source column "customer_name" .* target column "client_name"/);
    expect(renamed.fix).toContain('ALTER TABLE "public"."drift" RENAME COLUMN "client_name" TO "customer_name";');
    expect(renamed.fix).toContain('columns: { rename: { "customer_name": "client_name" } }');
    expect(byCode(drift, 'type-widened').severity).toBe('info');

    expect(byCode(rekeyed, 'key-mismatch').message).toMatch(/source public\.rekeyed \(id\), target public\.rekeyed \(id, region\)/);
    expect(byCode(rekeyed, 'key-mismatch').fix).toContain('ALTER TABLE "public"."rekeyed" ADD PRIMARY KEY ("id");');
    expect(byCode(unkeyed, 'key-missing-in-target').fix).toBe('ALTER TABLE "public"."unkeyed" ADD PRIMARY KEY ("id");');
  });

  it('the suggested DDL fixes work: applied to an empty copy of the target, only the lossless (info) findings remain', async () => {
    const t = await createDatabase('sd_fix');
    await exec(t.url, TARGET_DDL);
    const before = await reconcileYaml(TABLES, { source: db.source, target: t.url }, { overrides: { mode: 'schema' } });
    // Apply every SQL fix of every error and warning (the first statement of each fix, as a DBA would).
    const statements = before.tables
      .flatMap((x) => x.schemaFindings ?? [])
      .filter((f) => f.severity !== 'info' && f.fix)
      .map((f) => f.fix!.split('\n').find((l) => /^ALTER TABLE /.test(l)))
      .filter((s): s is string => s !== undefined)
      // The key fix drops the old key first (its name is the DBA's to look up).
      .map((s) => (s.includes('"rekeyed" ADD PRIMARY KEY') ? `ALTER TABLE "public"."rekeyed" DROP CONSTRAINT rekeyed_pkey; ${s}` : s));
    // The type-mismatch fix would change text to integer: needs a USING clause, which is the DBA's call.
    for (const s of statements.filter((x) => !x.includes('"status_code" TYPE'))) await exec(t.url, s);
    await exec(t.url, 'ALTER TABLE drift ALTER COLUMN status_code TYPE integer USING status_code::integer');
    const after = await reconcileYaml(TABLES, { source: db.source, target: t.url }, { overrides: { mode: 'schema' } });
    expect(after.tables.map(summary)).toEqual([['info type-widened label', 'info type-widened qty'], [], [], []]);
    expect(after.status).toBe('match');
  });

  it('a row reconcile of a drifted table compares the common columns only, says so once, and reports no spurious row', async () => {
    for (const hash of ['server', 'client'] as const) {
      const r = await reconcileYaml(TABLES, db, { overrides: { mode: 'diff', hash } });
      const drift = r.tables[0]!;
      expect(summary(drift)).toEqual(EXPECTED_DRIFT);
      // Same data in the common columns: no row differs, yet the table is a mismatch because of the schema errors.
      expect(drift.drift).toEqual({ missing: 0, extra: 0, changed: 0 });
      expect(drift.counts).toEqual({ source: 50, target: 50 });
      expect(drift.status).toBe('mismatch');
      expect(drift.columns.map((c) => c.source)).toEqual(['id', 'qty', 'label', 'amount', 'code', 'seen_at', 'active']);
      // One warning names what was left out; the plan's own drift warnings are not repeated.
      const schemaWarnings = drift.warnings.filter((w) => /schema|not compared/.test(w));
      expect(schemaWarnings).toEqual([
        'schema differences (see schemaFindings): rows compared on the 7 common column(s) only; not compared: "status_code", "customer_name", "added_on", "legacy_flag"',
      ]);
      // A clean table stays clean, with an empty findings list (the check ran).
      expect(r.tables[3]!.status).toBe('match');
      expect(r.tables[3]!.schemaFindings).toEqual([]);
    }
  });

  it('row drift and schema findings are reported together', async () => {
    await exec(db.target, 'UPDATE drift SET qty = -1 WHERE id = 7');
    try {
      const r = await reconcileYaml('tables: [{ table: drift }]', db);
      expect(r.tables[0]!.rows.map((x) => `${x.kind} ${x.key.id} [${x.columns?.join(',')}]`)).toEqual(['changed 7 [qty]']);
      expect(r.tables[0]!.schemaFindings!.length).toBe(EXPECTED_DRIFT.length);
    } finally {
      await exec(db.target, 'UPDATE drift SET qty = 7 WHERE id = 7');
    }
  });

  it('a table the plan cannot compare is an error in row modes and a finding in schema mode; config columns that vanished are findings', async () => {
    const yaml = 'tables: [{ table: ghost }, { table: drift, columns: { include: [added_on] } }, { table: clean, columns: { exclude: [gone] } }]';
    const diff = await reconcileYaml(yaml, db);
    expect(diff.tables.map((t) => t.status)).toEqual(['error', 'error', 'error']);
    expect(diff.tables[0]!.error!.message).toBe('source table ghost not found in the source catalog');
    expect(summary(diff.tables[0]!)).toEqual(['error table-missing-in-source -', 'error table-missing-in-target -']);
    expect(diff.tables[1]!.error!.message).toMatch(/"added_on" is not in target/);
    expect(summary(diff.tables[1]!)).toContain('error column-missing-in-target added_on');
    expect(summary(diff.tables[2]!)).toEqual(['error config-column-missing gone']);

    const schema = await reconcileYaml(yaml, db, { overrides: { mode: 'schema' } });
    expect(schema.tables.map((t) => t.status)).toEqual(['mismatch', 'mismatch', 'mismatch']);
    expect(schema.tables.every((t) => t.error === undefined)).toBe(true);
  });

  it('excluded columns and a config rename are not findings', async () => {
    const yaml = 'tables: [{ table: drift, columns: { exclude: [added_on, status_code, legacy_flag], rename: { customer_name: client_name } } }]';
    const r = await reconcileYaml(yaml, db, { overrides: { mode: 'schema' } });
    expect(summary(r.tables[0]!)).toEqual([
      'info type-widened label',
      'info type-widened qty',
      'warning length-narrower code',
      'warning nullability-differs active',
      'warning scale-narrower amount',
      'warning time-precision-narrower seen_at',
    ]);
    // Warnings and info do not make a mismatch.
    expect(r.tables[0]!.status).toBe('match');
  });

  it('findings reach the text report, the metrics and the job summary', async () => {
    const r = await reconcileYaml(TABLES, db, { overrides: { mode: 'schema' } });
    const text = renderText(r);
    expect(text).toContain('drift: schema error [column-missing-in-target]: source column "added_on" (date)');
    expect(text).toMatch(/\n {6}fix: add the column to the target.*\n {11}ALTER TABLE "public"\."drift" ADD COLUMN "added_on" date;\n/);
    expect(text).toContain('unkeyed: schema error [key-missing-in-target]');

    const m = createMetrics();
    recordSchemaFindings(m, r);
    const samples = parsePrometheusText(await m.registry.metrics());
    const v = (table: string, severity: string) => findSamples(samples, 'reconciliation_schema_drift', { table_name: table, severity })[0]?.value;
    expect([v('drift', 'error'), v('drift', 'warning'), v('drift', 'info')]).toEqual([4, 4, 2]);
    expect([v('rekeyed', 'error'), v('unkeyed', 'error')]).toEqual([1, 1]);
    // A clean table gets zeros, so yesterday's alert resolves.
    expect([v('clean', 'error'), v('clean', 'warning'), v('clean', 'info')]).toEqual([0, 0, 0]);

    const html = renderSchemaFindings(core.summary.emptyBuffer(), r).stringify();
    core.summary.emptyBuffer();
    expect(html).toContain('<h3>Schema check</h3>');
    expect(html).toContain('drift: 4 error(s), 4 warning(s), 2 info');
    expect(html).toContain('<code>column-renamed</code>');
    expect(html).toContain('ALTER TABLE &quot;public&quot;.&quot;drift&quot; ADD COLUMN &quot;added_on&quot; date;');
    expect(html).not.toContain('clean:');
  });
});

describe('cdc-recon reconcile --mode schema (bundled CLI)', () => {
  it.skipIf(!existsSync(CLI))('reports every planted difference, exits 1, and prints the fixes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdc-recon-schema-cli-'));
    tmp.push(dir);
    const config = join(dir, 'recon.yml');
    writeFileSync(config, `source: { dialect: postgres, urlEnv: SRC_URL }\ntarget: { dialect: postgres, urlEnv: TGT_URL }\n${TABLES}\n`);
    const env = { ...process.env, SRC_URL: db.source, TGT_URL: db.target };
    const json = spawnSync(process.execPath, [CLI, 'reconcile', '--config', config, '--mode', 'schema', '--report-dir', join(dir, 'reports'), '--json', '--log-level', 'error'], { encoding: 'utf8', env, timeout: 60_000 });
    expect(json.stderr).toBe('');
    expect(json.status).toBe(1);
    const report = JSON.parse(json.stdout) as RunReport;
    expect(report.mode).toBe('schema');
    expect(summary(report.tables[0]!)).toEqual(EXPECTED_DRIFT);
    expect(summary(report.tables[1]!)).toEqual(['error key-mismatch -']);
    expect(summary(report.tables[2]!)).toEqual(['error key-missing-in-target -']);
    expect(summary(report.tables[3]!)).toEqual([]);

    const text = spawnSync(process.execPath, [CLI, 'reconcile', '--config', config, '--mode', 'schema', '--report-dir', join(dir, 'reports'), '--log-level', 'error'], { encoding: 'utf8', env, timeout: 60_000 });
    expect(text.status).toBe(1);
    for (const line of EXPECTED_DRIFT) {
      const [severity, code] = line.split(' ');
      expect(text.stdout).toContain(`drift: schema ${severity} [${code}]`);
    }
    expect(text.stdout).toContain('rekeyed: schema error [key-mismatch]');
    expect(text.stdout).toContain('fix: ALTER TABLE "public"."unkeyed" ADD PRIMARY KEY ("id");');
  });
});
