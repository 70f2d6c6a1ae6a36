/**
 * The repair's plan and its SQL on PostgreSQL: a source with a Debezium
 * signalling table, a target with planted drift (missing, extra, changed
 * rows; hostile text keys).
 *  - debezium-signal --dry-run: the exact signals and deletes, nothing written;
 *    tables over maxKeys or with keys a filter cannot name are refused. Healing
 *    itself runs on the real pipeline (test/pipeline/repair.test.ts: a real
 *    Debezium connector, Kafka and sink).
 *  - sql: the reviewed file, applied with psql to a copy of the target, makes
 *    it reconcile clean; the target itself is untouched.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reconcileAction } from '../../src/cli/reconcile-command.js';
import { parseConfig } from '../../src/config/load.js';
import { toolConnection } from '../../src/dr/postgres/conn.js';
import { runReconcile } from '../../src/engine/run.js';
import { pgString } from '../../src/repair/keys.js';
import { runReconcileWithRepair, type RepairRequest } from '../../src/repair/run.js';
import type { RunReport, TableResult } from '../../src/report/model.js';
import { silentLogger } from '../../src/util/logger.js';
import { createDatabase, exec } from '../support/pg.js';

/** Text keys that break naive quoting in SQL, JSON, psql or a comment. */
const CODES = [
  'plain',
  "O'Brien",
  'back\\slash \\',
  "x'); DROP TABLE lines; --",
  'multi\nline',
  'tab\there\r\n',
  'Ωμέγα 😀',
  '\\! echo pwned',
  '$$dollar$$',
  ']]bracket[[',
  '?',
  "E'x'",
  '  padded  ',
  '\u2028sep',
];

const SCHEMA = `
CREATE TABLE orders (id bigint PRIMARY KEY, customer text NOT NULL, amount numeric(12,2), note text, placed timestamp(6), paid boolean, blob bytea);
INSERT INTO orders
SELECT g, 'cust-' || g, g * 1.25,
       CASE WHEN g % 7 = 0 THEN E'it''s a \\\\ "note"\\n-- next' END,
       timestamp '2024-01-01 00:00:00' + g * interval '1 minute 0.123456 second',
       g % 2 = 0, CASE WHEN g % 5 = 0 THEN decode('00ff', 'hex') END
FROM generate_series(1, 300) g;
CREATE TABLE lines (order_code text, line_no int, sku text, qty int, PRIMARY KEY (order_code, line_no));
`;

const SIGNAL_DDL = 'CREATE TABLE debezium_signal (id varchar(42) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))';

async function insertLines(url: string): Promise<void> {
  const values: unknown[] = [];
  const rows: string[] = [];
  CODES.forEach((code, i) => {
    for (const line of [1, 2, 3]) {
      values.push(code, line, `sku-${i}-${line}`, i + line);
      const n = values.length;
      rows.push(`($${n - 3}, $${n - 2}, $${n - 1}, $${n})`);
    }
  });
  await exec(url, `INSERT INTO lines VALUES ${rows.join(', ')}`, values);
}

/** Source (with the signalling table) and a target with drift: orders missing 3, changed 5 and 7, extra 1001; lines missing 2, changed 2, extra 1. */
async function repairPair(): Promise<{ source: string; target: string; targetName: string }> {
  const [s, t] = await Promise.all([createDatabase('rsrc'), createDatabase('rtgt')]);
  for (const url of [s.url, t.url]) {
    await exec(url, SCHEMA);
    await insertLines(url);
  }
  await exec(s.url, SIGNAL_DDL);
  await exec(t.url, `
    DELETE FROM orders WHERE id = 3;
    UPDATE orders SET amount = 0 WHERE id = 5;
    UPDATE orders SET note = E'changed \\\\ ''note''' WHERE id = 7;
    INSERT INTO orders VALUES (1001, 'ghost', 1, NULL, NULL, NULL, NULL);`);
  await exec(t.url, 'DELETE FROM lines WHERE order_code = $1 AND line_no = 1', ["O'Brien"]);
  await exec(t.url, 'DELETE FROM lines WHERE order_code = $1 AND line_no = 3', ["x'); DROP TABLE lines; --"]);
  await exec(t.url, 'UPDATE lines SET qty = 99 WHERE order_code = $1 AND line_no = 2', ['multi\nline']);
  await exec(t.url, 'UPDATE lines SET sku = $2 WHERE order_code = $1 AND line_no = 1', ['Ωμέγα 😀', "sku'--\\"]);
  await exec(t.url, "INSERT INTO lines VALUES ($1, 1, 'x', 1)", ["ghost'--\n\\"]);
  return { source: s.url, target: t.url, targetName: t.name };
}

const CONFIG = (extra = '') => `
source: { dialect: postgres, urlEnv: S_URL }
target: { dialect: postgres, urlEnv: T_URL }
tables:
  - table: public.orders
  - table: public.lines
repair:
  recheckDelay: 2s
  signal:
    table: public.debezium_signal
    batchSize: 2
${extra}`;

function run(db: { source: string; target: string }, repair: RepairRequest, extra: Partial<Parameters<typeof runReconcileWithRepair>[0]> = {}, yaml = CONFIG()): Promise<RunReport> {
  return runReconcileWithRepair({
    config: parseConfig(yaml, 'inline.yml'),
    logger: silentLogger,
    env: { S_URL: db.source, T_URL: db.target },
    minRetryDelayMs: 10,
    reportDir: mkdtempSync(join(tmpdir(), 'repair-')),
    repair,
    ...extra,
  });
}

async function reconcile(source: string, target: string): Promise<RunReport> {
  return runReconcile({ config: parseConfig(CONFIG(), 'inline.yml'), logger: silentLogger, env: { S_URL: source, T_URL: target }, minRetryDelayMs: 10 });
}

const table = (r: RunReport, id: string): TableResult => r.tables.find((t) => t.table === id)!;
const keysOf = (rows: Array<{ kind: string; key: Record<string, string> }>) => rows.map((r) => `${r.kind} ${Object.values(r.key).join('|')}`).sort();

/** Applies a file the way a person would: psql, stop at the first error; the password in the environment, not on argv. */
function psql(url: string, file: string): void {
  const conn = toolConnection(url);
  execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', conn.dbname, '-f', file], { stdio: ['ignore', 'pipe', 'pipe'], env: conn.env });
}

async function signalRows(url: string): Promise<Array<{ id: string; type: string; data: string }>> {
  return (await exec(url, 'SELECT id, type, data FROM debezium_signal ORDER BY id')).rows;
}

describe('repair through Debezium signals: the plan (PostgreSQL source)', () => {
  it('--dry-run prints the signals and writes nothing', async () => {
    const db = await repairPair();
    let printed = '';
    let slept = false;
    const report = await run(db, { method: 'debezium-signal', dryRun: true }, {
      print: (t) => (printed += t),
      healSleep: async () => {
        slept = true;
      },
    });
    expect(await signalRows(db.source)).toEqual([]);
    expect(slept).toBe(false);
    expect(table(report, 'public.orders').repair).toMatchObject({ status: 'planned', dryRun: true, signals: { count: 2, keys: 3 } });
    expect(table(report, 'public.orders').repair!.heal).toBeUndefined();
    expect(report.repair).toMatchObject({ dryRun: true, signals: 4, healed: 0 });
    expect(report.repair!.deletesFile).toBeUndefined();
    expect(printed).toContain('nothing was sent to signalling table public.debezium_signal');
    expect(printed).toContain('INSERT INTO "public"."debezium_signal" ("id", "type", "data") VALUES ($1, $2, $3)');
    expect(printed).toContain('data={"data-collections":["public.orders"],"type":"incremental","additional-conditions":[{"data-collection":"public.orders","filter":"(\\"id\\" IN (3, 5))"}]}');
    expect(printed).toContain('"filter":"(\\"id\\" IN (7))"');
    expect(printed).toContain('DELETE FROM "public"."orders" WHERE "id" = 1001;');
    // And the target is as it was.
    expect((await reconcile(db.source, db.target)).totals).toMatchObject({ rowsMissing: 3, rowsExtra: 2, rowsChanged: 4 });
  });

  it('a table over repair.maxKeys, or keys a signal cannot name exactly, is not repaired, with the reason', async () => {
    const db = await repairPair();
    const report = await run(db, { method: 'debezium-signal', dryRun: true }, { print: () => undefined }, CONFIG('  maxKeys: 4\n'));
    expect(table(report, 'public.lines').repair).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/5 drifted rows, more than repair.maxKeys \(4\)/) });
    expect(table(report, 'public.orders').repair!.status).toBe('planned');
    const noSignal = await run(db, { method: 'debezium-signal', dryRun: true }, {}, CONFIG().replace('public.debezium_signal', 'public.no_such_table'));
    expect(table(noSignal, 'public.orders').repair).toMatchObject({ status: 'failed', reason: expect.stringMatching(/signalling table public.no_such_table not found/) });
    await expect(run(db, { method: 'debezium-signal', dryRun: true }, {}, CONFIG().replace(/signal:[\s\S]*$/, 'maxKeys: 10\n'))).rejects.toThrow(/needs repair.signal in .*: the Kafka signal channel .* or the connector.s signalling table/);
  });
});

describe('repair: sql', () => {
  it('the reviewed file, applied to a copy of the target with psql, makes it reconcile clean; the target is untouched', async () => {
    const db = await repairPair();
    const report = await run(db, { method: 'sql', dryRun: false });
    const file = report.repair!.sqlFile!;
    expect(table(report, 'public.orders').repair).toMatchObject({ status: 'written', sql: { upserts: 3, deletes: 1, leftOut: 0 } });
    expect(table(report, 'public.lines').repair).toMatchObject({ status: 'written', sql: { upserts: 4, deletes: 1, leftOut: 0 } });
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n').slice(0, 2).join('\n')).toMatch(/^-- cdc-recon repair SQL for the PostgreSQL target\. REVIEW BEFORE APPLYING.*\n-- run [0-9a-f-]{36}/);
    expect(text).toContain('BEGIN;');
    expect(text.trimEnd().endsWith('COMMIT;')).toBe(true);
    expect(text).toContain('ON CONFLICT ("order_code", "line_no") DO UPDATE SET "sku" = EXCLUDED."sku", "qty" = EXCLUDED."qty";');
    // Every statement is one line: no value carries a raw line break or backslash-command into the file.
    for (const line of text.split('\n').filter((l) => /^(INSERT|DELETE)/.test(l))) expect(line.endsWith(';')).toBe(true);
    expect(text).not.toMatch(/^\\/m);

    const copy = `${db.targetName}_copy`;
    await exec(db.target.replace(/\/[^/]*$/, '/postgres'), `CREATE DATABASE "${copy}" TEMPLATE "${db.targetName}"`);
    const copyUrl = db.target.replace(/\/[^/]*$/, `/${copy}`);
    psql(copyUrl, file);
    expect((await reconcile(db.source, copyUrl)).status).toBe('match');
    expect((await reconcile(db.source, db.target)).status).toBe('mismatch');
  });

  it('dry run prints the SQL and writes no file', async () => {
    const db = await repairPair();
    const dir = mkdtempSync(join(tmpdir(), 'repair-dry-'));
    let printed = '';
    const report = await run(db, { method: 'sql', dryRun: true }, { reportDir: dir, print: (t) => (printed += t) });
    expect(readdirSync(dir)).toEqual([]);
    expect(report.repair!.sqlFile).toBeUndefined();
    expect(table(report, 'public.orders').repair!.status).toBe('planned');
    expect(printed).toContain('-- repair (dry run): this SQL would be written; nothing was written');
    expect(printed).toContain('INSERT INTO "public"."orders" ("id", "customer", "amount", "note", "placed", "paid", "blob") VALUES (3, E\'cust-3\', 3.75, NULL, \'2024-01-01 00:03:00.370368\', FALSE, NULL) ON CONFLICT ("id") DO UPDATE SET');
  });
});

describe('literals', () => {
  it('PostgreSQL E-string literals carry any text exactly (checked by the server)', async () => {
    const { url } = await createDatabase('lit');
    const values = [...CODES, "ghost'--\n\\", '\u0001\u001f\u007f', '\\x41', "\\'", "''"];
    const sql = `SELECT ${values.map((v, i) => `${pgString(v)} = $${i + 1} AS c${i}`).join(', ')}`;
    const row = (await exec(url, sql, values)).rows[0] as Record<string, boolean>;
    expect(Object.values(row)).toEqual(values.map(() => true));
    expect(() => pgString('a\u0000b')).toThrow(/NUL/);
  });
});

describe('CLI: reconcile --repair', () => {
  it('--dry-run needs --repair', async () => {
    const db = await repairPair();
    const dir = mkdtempSync(join(tmpdir(), 'repair-cli-'));
    const config = join(dir, 'recon.yml');
    writeFileSync(config, CONFIG());
    process.env.S_URL = db.source;
    process.env.T_URL = db.target;
    const errWrite = process.stderr.write.bind(process.stderr);
    const err: string[] = [];
    process.stderr.write = ((c: string | Uint8Array) => (err.push(String(c)), true)) as typeof process.stderr.write;
    let dryCode: number;
    try {
      dryCode = await reconcileAction({ config, failOn: 'mismatch', logLevel: 'info', reportDir: join(dir, 'r2'), dryRun: true });
    } finally {
      process.stderr.write = errWrite;
    }
    expect(dryCode).toBe(2);
    expect(err.join('')).toContain('--dry-run goes with --repair');
    expect(await signalRows(db.source)).toEqual([]);
  });
});
