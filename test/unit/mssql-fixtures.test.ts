/**
 * The fixtures of .github/workflows/integration.yml, checked as far as this
 * machine allows (no SQL Server here): the PostgreSQL halves run on a real
 * PostgreSQL, the T-SQL script is checked for what the workflow relies on,
 * and the report checker is shown to reject wrong reports.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { load as parseYaml } from 'js-yaml';
import { createDatabase, exec } from '../support/pg.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'mssql');
const read = (f: string) => readFileSync(join(DIR, f), 'utf8');

/** Column names per table of CREATE TABLE statements (either dialect). */
function tables(sql: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const m of sql.matchAll(/CREATE TABLE shop\.(\w+) \(([\s\S]*?)\n\);/g)) {
    out[m[1]!] = m[2]!.split('\n').map((l) => l.trim()).filter((l) => /^[a-z_]+\s/.test(l) && !/^(constraint|primary)\b/i.test(l)).map((l) => l.split(/\s+/)[0]!);
  }
  return out;
}

describe('SQL Server demo schema (schema.sql)', () => {
  const tsql = read('schema.sql');
  const batches = tsql.split(/^\s*GO\s*$/im);

  it('has the same tables and columns, in the same order, as the PostgreSQL copy', () => {
    const ms = tables(tsql);
    expect(Object.keys(ms)).toEqual(['customers', 'orders', 'order_lines']);
    expect(tables(read('target-schema.sql'))).toEqual(ms);
  });

  it('enables CDC on the database and on every demo table, and fails loudly if it did not take', () => {
    expect(tsql).toMatch(/EXEC sys\.sp_cdc_enable_db;/);
    for (const t of ['customers', 'orders', 'order_lines']) {
      expect(tsql).toContain(`@source_schema = N'shop', @source_name = N'${t}'`);
    }
    expect(tsql).toMatch(/THROW 50000/);
  });

  it('creates the read-only login with SELECT on the schema only, its password from the environment', () => {
    expect(tsql).toContain("CREATE LOGIN recon_reader WITH PASSWORD = N'$(READER_PASSWORD)'");
    const grants = [...tsql.matchAll(/^\s*GRANT .*$/gim)].map((m) => m[0].trim());
    expect(grants).toEqual(['GRANT SELECT ON SCHEMA::shop TO recon_reader;']);
    expect(tsql).toMatch(/ALLOW_SNAPSHOT_ISOLATION ON/);
  });

  it('keeps CREATE SCHEMA first in its batch (a T-SQL rule)', () => {
    const b = batches.find((x) => /CREATE SCHEMA/.test(x))!;
    expect(b.trim()).toMatch(/^CREATE SCHEMA shop;$/);
  });
});

describe('PostgreSQL copy and planted drift (target-schema.sql, drift.sql) on a real PostgreSQL', () => {
  it('create the Debezium-shaped tables and apply every drift statement', async () => {
    const db = await createDatabase('fixture');
    await exec(db.url, read('target-schema.sql'));
    await exec(db.url, `
      INSERT INTO shop.customers SELECT i, 'n' || i, 'e' || i, 'FR', now(), 10, true, md5(i::text)::uuid, CASE WHEN i = 49 THEN NULL ELSE 'x' END, now(), NULL
        FROM generate_series(1, 500) AS i;
      INSERT INTO shop.orders SELECT c, o, now(), 'new', 1, NULL FROM generate_series(1, 10) AS c, generate_series(1, 4) AS o;
      INSERT INTO shop.order_lines SELECT i, 1, 1, 'SKU', 1, 1.5, 0.1, 2.5, NULL, NULL FROM generate_series(1, 3000) AS i;`);
    await exec(db.url, read('drift.sql'));
    const q = async (sql: string) => (await exec(db.url, sql)).rows;
    expect(await q('SELECT count(*)::int AS n FROM shop.customers')).toEqual([{ n: 500 }]);
    expect(await q('SELECT id FROM shop.customers WHERE id IN (17, 1001) ORDER BY id')).toEqual([{ id: 1001 }]);
    expect(await q("SELECT notes FROM shop.customers WHERE id = 49")).toEqual([{ notes: '' }]);
    expect(await q("SELECT status FROM shop.orders WHERE customer_id = 7 AND order_no = 1")).toEqual([{ status: 'cancelled' }]);
    expect(await q('SELECT count(*)::int AS n FROM shop.orders WHERE (customer_id, order_no) IN ((3, 2), (999, 1))')).toEqual([{ n: 1 }]);
    expect(await q('SELECT unit_price::text AS p FROM shop.order_lines WHERE id = 500')).toEqual([{ p: '1.5001' }]);
    expect(await q('SELECT count(*)::int AS n FROM shop.order_lines')).toEqual([{ n: 2999 }]);
  });
});

describe('the SQL Server -> PostgreSQL reconcile config (recon.yml)', () => {
  it('reads SQL Server through the read-only login URL and writes nothing inline', () => {
    const y = parseYaml(read('recon.yml')) as { source: Record<string, string>; target: Record<string, string>; tables: unknown[] };
    expect(y.source).toMatchObject({ dialect: 'mssql', urlEnv: 'RECON_SOURCE_URL', schema: 'shop' });
    expect(y.target).toMatchObject({ dialect: 'postgres', urlEnv: 'RECON_TARGET_URL', schema: 'shop' });
    expect(y.tables).toHaveLength(3);
  });
});

describe('check-report.mjs', () => {
  const row = (kind: string, key: Record<string, string>, columns?: string[]) => ({ kind, key, ...(columns ? { columns } : {}) });
  const good = () => ({
    source: { dialect: 'mssql', version: 'SQL Server 16.0.4135.4 RTM, Developer Edition (64-bit) (reads under SNAPSHOT isolation)' },
    tables: [
      { table: 'customers', status: 'mismatch', hash: 'server', inFlight: 0, warnings: [], rows: [
        row('changed', { id: '1' }, ['name']), row('missing', { id: '17' }), row('changed', { id: '42' }, ['email']),
        row('changed', { id: '49' }, ['notes']), row('changed', { id: '500' }, ['balance']), row('extra', { id: '1001' })] },
      { table: 'orders', status: 'mismatch', hash: 'server', inFlight: 0, warnings: [], rows: [
        row('missing', { customer_id: '3', order_no: '2' }), row('changed', { customer_id: '7', order_no: '1' }, ['status']),
        row('extra', { customer_id: '999', order_no: '1' })] },
      { table: 'order_lines', status: 'mismatch', hash: 'client', inFlight: 0,
        warnings: ['some column pairs have no exact server-side canonical form; this table is hashed client-side'], rows: [
          row('changed', { id: '500' }, ['unit_price']), row('changed', { id: '1234' }, ['weight_kg']), row('missing', { id: '3000' })] },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), 'check-report-'));
  const run = (report: unknown, mode = 'server') => {
    const file = join(dir, `r-${Math.random().toString(16).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(report));
    return spawnSync(process.execPath, [join(DIR, 'check-report.mjs'), file, mode], { encoding: 'utf8' });
  };

  it('accepts exactly the planted drift', () => {
    const r = run(good());
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/exactly the planted drift, 12 rows/);
  });

  it.each([
    ['a missing row not reported', (r: ReturnType<typeof good>) => { r.tables[0]!.rows.pop(); }],
    ['an extra difference reported', (r: ReturnType<typeof good>) => { r.tables[2]!.rows.push(row('missing', { id: '1' })); }],
    ['the wrong changed column', (r: ReturnType<typeof good>) => { r.tables[1]!.rows[1] = row('changed', { customer_id: '7', order_no: '1' }, ['total']); }],
    ['server hashing silently replaced by client hashing', (r: ReturnType<typeof good>) => { r.tables[0]!.hash = 'client'; }],
    ['a table error', (r: ReturnType<typeof good>) => { r.tables[1]!.status = 'error'; }],
    ['the source not being SQL Server', (r: ReturnType<typeof good>) => { r.source.dialect = 'postgres'; }],
    ['rows in flight', (r: ReturnType<typeof good>) => { r.tables[0]!.inFlight = 1; }],
    ['an unexpected warning', (r: ReturnType<typeof good>) => { r.tables[0]!.warnings.push('schema drift: column x'); }],
  ])('rejects %s', (_name, spoil) => {
    const report = good();
    spoil(report);
    const r = run(report);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/does not match the planted drift/);
  });

  it('expects client hashing everywhere in client mode', () => {
    expect(run(good(), 'client').status).toBe(1);
    const all = good();
    for (const t of all.tables) t.hash = 'client';
    expect(run(all, 'client').status).toBe(0);
  });
});
