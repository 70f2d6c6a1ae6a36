/**
 * The SQL Server dialect inside the engine's real plan, for the demo shop of
 * the integration workflow: the SQL Server catalog as readTable builds it from
 * the column definitions of test/fixtures/mssql/schema.sql, the PostgreSQL
 * catalog read from a real PostgreSQL loaded with target-schema.sql. Checks
 * which canonical spec every pair gets, which tables hash server-side, and
 * parses every statement the source side would run (see mssql-statements.test.ts
 * for the two parse-only substitutions).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sqlParser from 'node-sql-parser';
import { parseConfig } from '../../src/config/load.js';
import { buildPlan, describeCanonical, type TablePlan } from '../../src/engine/plan.js';
import { wholeTableStatements } from '../../src/engine/plan-run.js';
import { mssqlDialect } from '../../src/dialects/mssql/index.js';
import { postgresDialect } from '../../src/dialects/postgres/index.js';
import { toCatalogColumn, type ColumnRow } from '../../src/dialects/mssql/catalog.js';
import { capabilitiesFromProbe, rememberCapabilities, type MssqlCapabilities } from '../../src/dialects/mssql/capabilities.js';
import type { CatalogTable, Endpoint, SegmentFilter, Bucketing } from '../../src/dialects/types.js';
import { createDatabase, exec } from '../support/pg.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'mssql');
const TSQL = readFileSync(join(DIR, 'schema.sql'), 'utf8');

const SQL2022 = capabilitiesFromProbe({ product_version: '16.0.4135.4', engine_edition: 3, utf8_code_page: 65001, snapshot_state: 1, rcsi: 0, compat: 160 });
const SQL2017 = capabilitiesFromProbe({ product_version: '14.0.3465.1', engine_edition: 3, utf8_code_page: null, snapshot_state: 1, rcsi: 0, compat: 140 });

/** sys.columns-like rows from a T-SQL CREATE TABLE, as SQL Server reports them (precision, scale, bytes). */
function sysColumns(table: string): ColumnRow[] {
  const body = new RegExp(`CREATE TABLE shop\\.${table} \\(([\\s\\S]*?)\\n\\);`).exec(TSQL)![1]!;
  const lines = body.split('\n').map((l) => l.trim()).filter((l) => /^[a-z_]+\s/.test(l) && !/^constraint\b/i.test(l));
  return lines.map((l, i) => {
    const m = /^(\w+)\s+(\w+)(?:\((\w+)(?:,(\d+))?\))?\s+(NOT NULL|NULL)/.exec(l)!;
    const [, name, type, a, b, nullable] = m;
    const fixed: Record<string, [number, number, number]> = {
      int: [10, 0, 4], bigint: [19, 0, 8], bit: [1, 0, 1], float: [53, 0, 8], real: [24, 0, 4], money: [19, 4, 8],
      date: [10, 0, 3], datetime: [23, 3, 8], smalldatetime: [16, 0, 4], uniqueidentifier: [0, 0, 16],
    };
    let [precision, scale, maxLength] = fixed[type!] ?? [0, 0, 0];
    if (type === 'decimal') [precision, scale, maxLength] = [Number(a), Number(b), 9];
    if (['datetime2', 'datetimeoffset', 'time'].includes(type!)) [precision, scale, maxLength] = [27, Number(a), 8];
    if (['varchar', 'char', 'varbinary'].includes(type!)) maxLength = a === 'max' ? -1 : Number(a);
    if (['nvarchar', 'nchar'].includes(type!)) maxLength = a === 'max' ? -1 : Number(a) * 2;
    return {
      column_name: name!, type_name: type!, num_precision: precision, num_scale: scale, max_length: maxLength,
      is_nullable: nullable === 'NULL', collation_name: /char/.test(type!) ? 'SQL_Latin1_General_CP1_CI_AS' : null, column_id: i + 1,
    };
  });
}

function mssqlCatalog(table: string, caps: MssqlCapabilities): CatalogTable {
  const columns = sysColumns(table).map(toCatalogColumn);
  rememberCapabilities(columns, caps);
  const primaryKey = table === 'orders' ? ['customer_id', 'order_no'] : ['id'];
  return { schema: 'shop', name: table, columns, primaryKey, estimatedRows: null };
}

const parser = new sqlParser.Parser();
function parseTsql(sql: string): void {
  // Parse-only substitutions, as in mssql-statements.test.ts: COUNT_BIG -> COUNT, COLLATE after a call dropped.
  parser.astify(sql.replace(/\bCOUNT_BIG\(/g, 'COUNT(').replace(/\) COLLATE Latin1_General_100_BIN2_UTF8\b/g, ')'), { database: 'TransactSQL' });
}

let pgEndpoint: Endpoint;
const pgCatalogs: Record<string, CatalogTable> = {};
const config = parseConfig(readFileSync(join(DIR, 'recon.yml'), 'utf8'), 'recon.yml');

beforeAll(async () => {
  const db = await createDatabase('plan');
  await exec(db.url, readFileSync(join(DIR, 'target-schema.sql'), 'utf8'));
  pgEndpoint = await postgresDialect.connect(db.url, 'target', { poolSize: 2, statementTimeoutMs: 30_000, connectTimeoutMs: 10_000, applicationName: 'test' });
  for (const t of ['customers', 'orders', 'order_lines']) pgCatalogs[t] = (await postgresDialect.readTable(pgEndpoint, { schema: 'shop', name: t }))!;
});
afterAll(async () => pgEndpoint?.close());

function plan(table: string, caps = SQL2022): TablePlan {
  const spec = config.tables.find((t) => t.source.name === table)!;
  return buildPlan(spec, mssqlCatalog(table, caps), pgCatalogs[table]!, mssqlDialect, postgresDialect);
}

const canon = (p: TablePlan) => Object.fromEntries(p.pairs.map((x) => [x.source.name, describeCanonical(x.canonical)]));

describe('plan of the demo shop, SQL Server 2022 -> PostgreSQL', () => {
  it('customers: every pair has an exact T-SQL form, range segments on the integer key', () => {
    const p = plan('customers');
    expect(p.hash).toBe('server');
    expect(p.segmentation).toBe('range');
    expect(p.warnings).toEqual([]);
    expect(canon(p)).toEqual({
      id: 'int', name: 'text', email: 'text', country: 'text rtrim', created_at: 'timestamptz digits=6', balance: 'decimal scale=2',
      active: 'bool', external_id: 'uuid', notes: 'text', updated_at: 'timestamp digits=3', credit: 'decimal scale=4',
    });
  });

  it('orders: composite key, so hash segments of the canonical key', () => {
    const p = plan('orders');
    expect(p.hash).toBe('server');
    expect(p.segmentation).toBe('hash');
    expect(p.keyCount).toBe(2);
    expect(canon(p)).toMatchObject({ ordered_at: 'timestamp digits=3', placed_on: 'timestamp digits=0', status: 'text', total: 'decimal scale=2' });
  });

  it('order_lines: real and float have no exact T-SQL form, so the whole table is hashed client-side, and the plan says so', () => {
    const p = plan('order_lines');
    expect(p.hash).toBe('client');
    expect(p.warnings.join(' ')).toMatch(/hashed client-side/);
    expect(canon(p)).toMatchObject({ discount: 'float significant=6', weight_kg: 'float significant=15', payload: 'binary', sku: 'text rtrim', ship_date: 'date' });
    expect(p.source.columns.find((c) => c.column.name === 'discount')!.canonical.floatNativeDigits).toBe(6);
  });

  it('on SQL Server 2017 (no _UTF8 collation) tables with text fall back to client-side hashing', () => {
    expect(plan('customers', SQL2017).hash).toBe('client');
    expect(plan('orders', SQL2017).hash).toBe('client');
  });

  const filters: SegmentFilter[] = [
    { kind: 'all' },
    { kind: 'residues', modulus: 32, residues: [1, 7] },
  ];
  const bucketings: Bucketing[] = [{ kind: 'hash', modulus: 32 }];

  it.each(['customers', 'orders'])('every SQL Server statement of %s parses as T-SQL', (table) => {
    const p = plan(table);
    const side = p.source;
    const statements = [mssqlDialect.countStatement(side)];
    const fs: SegmentFilter[] = p.segmentation === 'range' ? [...filters, { kind: 'ranges', ranges: [[1n, 100n], [200n, 300n]] }] : filters;
    const bs: Bucketing[] = p.segmentation === 'range' ? [...bucketings, { kind: 'range', base: 1n, width: 200n }] : bucketings;
    if (p.segmentation === 'range') statements.push(mssqlDialect.keyBoundsStatement(side));
    for (const f of fs) {
      statements.push(mssqlDialect.leafRowsStatement(side, f), mssqlDialect.rowStreamStatement(side, f));
      for (const b of bs) statements.push(mssqlDialect.segmentChecksumStatement(side, f, b));
    }
    for (const s of statements) expect(() => parseTsql(s.text), s.label).not.toThrow();
    expect(statements.length).toBeGreaterThanOrEqual(7);
  });

  it('the client-side statement of order_lines parses as T-SQL, and the server-side ones refuse to be built', () => {
    const p = plan('order_lines');
    parseTsql(mssqlDialect.rowStreamStatement(p.source, { kind: 'ranges', ranges: [[1n, 500n]] }).text);
    expect(() => mssqlDialect.leafRowsStatement(p.source, { kind: 'all' })).toThrow(/float/);
  });
});

describe('issue 20, found on the driver path (Babelfish): plan of client-hashed tables, and why they are', () => {
  it('plan --sql of a table hashed client-side (float / real on SQL Server 2022) shows its row stream instead of failing', () => {
    const p = plan('order_lines');
    const sql = wholeTableStatements(p, mssqlDialect, postgresDialect);
    expect(sql.source.label).toBe('row-stream');
    expect(sql.target.label).toBe('row-stream');
    parseTsql(sql.source.text);
    // A server-hashed table still shows the one-bucket checksum.
    expect(wholeTableStatements(plan('customers'), mssqlDialect, postgresDialect).source.label).toBe('segment-checksum');
  });

  it('the client-side warning names the real cause: float columns by type, SQL Server 2017 text by the server version', () => {
    expect(plan('order_lines').warnings).toEqual([
      'this table is hashed client-side: source float/real have no exact T-SQL rendering to N significant digits (client-side hashing) (columns discount, weight_kg)',
    ]);
    const old = plan('customers', SQL2017).warnings;
    expect(old).toHaveLength(1);
    expect(old[0]).toMatch(/^this table is hashed client-side: source SQL Server 14\.0\.3465\.1 has no _UTF8 collation \(2019 or later\)/);
    expect(old[0]).toMatch(/\(columns name, email, country, notes\)$/);
    expect(old[0]).not.toMatch(/column pairs/);
  });
});
