/**
 * Computed columns of a SQL Server source (issue 20, item 3). SQL Server CDC does not capture them (their
 * value is NULL in the change table), so the target never receives their values: the catalog reads
 * sys.columns.is_computed, the plan leaves them out with a finding that says why, and the CDC check
 * neither calls them "not captured" nor puts them into a capture instance's column list.
 * The contract suite (test/contract/review.ts) reads a real computed column when MSSQL_URL is set.
 */
import { describe, expect, it } from 'vitest';
import sqlParser from 'node-sql-parser';
import { parseConfig } from '../../src/config/load.js';
import { COLUMNS_SQL, toCatalogColumn, type ColumnRow } from '../../src/dialects/mssql/catalog.js';
import { mssqlDialect } from '../../src/dialects/mssql/index.js';
import { postgresDialect } from '../../src/dialects/postgres/index.js';
import type { CatalogColumn, CatalogTable } from '../../src/dialects/types.js';
import { buildPlan } from '../../src/engine/plan.js';
import { checkCdc, type CdcDatabaseState } from '../../src/schema/cdc.js';
import { compareSchemas } from '../../src/schema/compare.js';

const spec = (extra = '') =>
  parseConfig(`source: { dialect: mssql, urlEnv: S }\ntarget: { dialect: postgres, urlEnv: T }\ntables: [{ table: dbo.orders${extra} }]`, 'x.yml').tables[0]!;

let id = 1;
function ms(name: string, type: string, computed = false, o: { p?: number; s?: number; len?: number } = {}): CatalogColumn {
  const row: ColumnRow = {
    column_name: name, type_name: type, num_precision: o.p ?? 0, num_scale: o.s ?? 0, max_length: o.len ?? null,
    is_nullable: true, collation_name: null, column_id: id++, is_computed: computed ? 1 : 0,
  };
  return toCatalogColumn(row);
}
const pgc = (name: string, dataType: string, ordinal: number): CatalogColumn => ({
  name, dataType, precision: null, scale: null, length: null, datetimePrecision: null, nullable: true, collation: null, ordinal,
});

const SOURCE: CatalogTable = {
  schema: 'dbo', name: 'orders', primaryKey: ['id'], estimatedRows: 10,
  columns: [ms('id', 'int'), ms('qty', 'int'), ms('price', 'decimal', false, { p: 12, s: 2 }), ms('total', 'decimal', true, { p: 24, s: 2 })],
};
// The JDBC sink created "total" from the schema Debezium sent: it exists, and holds NULL.
const TARGET: CatalogTable = {
  schema: 'public', name: 'orders', primaryKey: ['id'], estimatedRows: 10,
  columns: [pgc('id', 'integer', 1), pgc('qty', 'integer', 2), { ...pgc('price', 'numeric', 3), precision: 12, scale: 2 }, { ...pgc('total', 'numeric', 4), precision: 24, scale: 2 }],
};

const DB_OK: CdcDatabaseState = {
  readOnlyReplica: false,
  jobs: [
    { type: 'capture', name: 'cdc.shop_capture', enabled: true, running: true, continuous: true, pollingIntervalSeconds: 5, retentionMinutes: null },
    { type: 'cleanup', name: 'cdc.shop_cleanup', enabled: true, running: false, continuous: false, pollingIntervalSeconds: 0, retentionMinutes: 4320 },
  ],
  lastScan: null,
};

describe('computed columns of a SQL Server source', () => {
  it('the catalog query reads sys.columns.is_computed, and it parses as T-SQL', () => {
    expect(COLUMNS_SQL).toContain('c.is_computed AS is_computed');
    expect(() => new sqlParser.Parser().astify(COLUMNS_SQL.replace(/@p1/g, '1'), { database: 'TransactSQL' })).not.toThrow();
    expect(SOURCE.columns.map((c) => c.computed ?? false)).toEqual([false, false, false, true]);
  });

  it('the plan leaves a computed column out of the comparison and says why', () => {
    const plan = buildPlan(spec(), SOURCE, TARGET, mssqlDialect, postgresDialect);
    expect(plan.pairs.map((p) => p.source.name)).toEqual(['id', 'qty', 'price']);
    expect(plan.warnings).toEqual(['column total not compared: computed at the source (SQL Server CDC does not capture computed columns)']);
    // ...and the target's counterpart is not reported as a target-only column.
    expect(plan.warnings.join('\n')).not.toMatch(/no source counterpart/);
  });

  it('a computed column named in columns.include is compared (the target computes it itself)', () => {
    const plan = buildPlan(spec(', columns: { include: [id, qty, total] }'), SOURCE, TARGET, mssqlDialect, postgresDialect);
    expect(plan.pairs.map((p) => p.source.name)).toEqual(['id', 'qty', 'total']);
    expect(plan.warnings).toEqual([]);
  });

  it('the schema comparison: one info finding naming the reason, no "missing in source" for the target column', () => {
    const f = compareSchemas({ spec: spec(), source: SOURCE, target: TARGET, sourceDialect: mssqlDialect, targetDialect: postgresDialect });
    expect(f.map((x) => `${x.severity} ${x.code} ${x.column}`)).toEqual(['info computed-column-not-compared total']);
    expect(f[0]!.message).toMatch(/CDC does not capture computed columns/);
  });

  it('the CDC check does not ask to capture a computed column, and its replacement script leaves it out', () => {
    const state = (cols: string[]) => ({
      database: 'shop', databaseEnabled: true, tableTracked: true,
      instances: [{ name: 'dbo_orders', columns: cols, startLsn: '0x01', createDate: new Date(0), supportsNetChanges: false, roleName: null, indexName: null, filegroupName: null }],
    });
    expect(checkCdc({ spec: spec(), source: SOURCE, table: state(['id', 'qty', 'price']), database: DB_OK })).toEqual([]);
    // A real gap (price not captured): the fix script lists the table's capturable columns only.
    const f = checkCdc({ spec: spec(), source: SOURCE, table: state(['id', 'qty']), database: DB_OK });
    expect(f.map((x) => `${x.code} ${x.column}`)).toEqual(['cdc-column-not-captured price']);
    expect(f[0]!.fix).toContain("@captured_column_list = N'[id], [qty], [price]'");
    expect(f[0]!.fix).not.toMatch(/\[total\]/);
    // CDC off: the enable script does not list it either.
    const off = checkCdc({ spec: spec(), source: SOURCE, table: { ...state([]), databaseEnabled: true, tableTracked: false, instances: [] }, database: DB_OK });
    expect(off[0]!.fix).not.toMatch(/\[total\]/);
  });
});
