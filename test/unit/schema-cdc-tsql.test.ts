/**
 * The T-SQL of the SQL Server CDC schema check, parsed with a T-SQL parser
 * (node-sql-parser, TransactSQL mode) exactly as sent: every catalog / CDC /
 * msdb read (one statement, bound parameters, the result columns the row
 * mappers read), and every call a finding suggests as its fix
 * (sys.sp_cdc_enable_table with the right column list, names quoted as N'...'
 * and [...] so that hostile names stay data), read back from the parse tree.
 * The row mappers are checked on rows shaped as the driver returns them.
 * A real SQL Server runs these in test/integration/schema-cdc-mssql.test.ts
 * (.github/workflows/integration.yml).
 */
import sqlParser from 'node-sql-parser';
import { describe, expect, it } from 'vitest';
import {
  addJobSql,
  CAPTURE_INSTANCES_SQL,
  captureInstancesFromHelp,
  captureInstancesFromRows,
  capturedColumnList,
  CDC_DATABASE_SQL,
  CDC_JOB_STATUS_SQL,
  CDC_JOBS_SQL,
  CDC_TABLE_SQL,
  changeRetentionSql,
  disableTableSql,
  ENABLE_DB_SQL,
  enableAgentJobSql,
  enableTableSql,
  HELP_CHANGE_DATA_CAPTURE_SQL,
  jobsFromRows,
  LOG_SCAN_SQL,
  logScanFromRow,
  MAX_CAPTURE_INSTANCE_LENGTH,
  newCaptureInstanceName,
  nString,
  parseColumnList,
  startJobSql,
} from '../../src/dialects/mssql/cdc.js';
import { toCatalogColumn } from '../../src/dialects/mssql/catalog.js';
import { mssqlDialect } from '../../src/dialects/mssql/index.js';
import type { CatalogTable } from '../../src/dialects/types.js';
import { parseConfig } from '../../src/config/load.js';
import { checkCdc, type CaptureInstance } from '../../src/schema/cdc.js';
import { ddlFor } from '../../src/schema/ddl.js';

const parser = new sqlParser.Parser();

interface Ast {
  type: string;
  keyword?: string;
  module?: { db: string | null; table: string };
  parameters?: Array<{ type: string; name: string; value: { type: string; value: unknown; column?: string } }> | null;
  columns?: Array<{ as: string | null | { value?: string } }>;
  from?: Array<{ db?: string | null; table?: string; schema?: string | null }>;
}

function parseAll(sql: string): Ast[] {
  const ast = parser.astify(sql, { database: 'TransactSQL' });
  return (Array.isArray(ast) ? ast : [ast]) as unknown as Ast[];
}

function parseOne(sql: string): Ast {
  const list = parseAll(sql);
  expect(list, sql).toHaveLength(1);
  return list[0]!;
}

const aliases = (ast: Ast) => (ast.columns ?? []).map((c) => (typeof c.as === 'string' ? c.as : (c.as?.value ?? '')));
const tables = (sql: string) => parser.tableList(sql, { database: 'TransactSQL' }).sort();
/** A var_string parameter's text as the server reads it ('' is one '). */
const textOf = (v: { type: string; value: unknown }) => {
  expect(v.type).toBe('var_string');
  return String(v.value).replace(/''/g, "'");
};
function execOf(ast: Ast): { proc: string; params: Record<string, { type: string; value: unknown; column?: string }> } {
  expect(ast.type).toBe('exec');
  return {
    proc: `${ast.module!.db}.${ast.module!.table}`,
    params: Object.fromEntries((ast.parameters ?? []).map((p) => [p.name, p.value])),
  };
}

describe('CDC metadata reads parse as T-SQL and return what the mappers read', () => {
  it('the table state: one SELECT, schema and name bound as @p1 / @p2', () => {
    const ast = parseOne(CDC_TABLE_SQL);
    expect(ast.type).toBe('select');
    expect(aliases(ast)).toEqual(['database_name', 'db_cdc_enabled', 'table_cdc_enabled', 'object_id']);
    expect(tables(CDC_TABLE_SQL)).toEqual(['select::sys::databases', 'select::sys::schemas', 'select::sys::tables']);
    expect(CDC_TABLE_SQL).toMatch(/s\.name = @p1 AND t\.name = @p2$/);
  });

  it('capture instances with their columns: cdc.change_tables x cdc.captured_columns, by source object_id', () => {
    const ast = parseOne(CAPTURE_INSTANCES_SQL);
    expect(aliases(ast)).toEqual([
      'capture_instance', 'start_lsn', 'supports_net_changes', 'role_name', 'index_name', 'filegroup_name', 'create_date', 'column_name', 'column_ordinal',
    ]);
    expect(tables(CAPTURE_INSTANCES_SQL)).toEqual(['select::cdc::captured_columns', 'select::cdc::change_tables']);
    expect(CAPTURE_INSTANCES_SQL).toContain('WHERE ct.source_object_id = @p1 ');
    // The LSN as 0x-prefixed hex text (CONVERT style 1), not a driver Buffer.
    expect(CAPTURE_INSTANCES_SQL).toContain('CONVERT(VARCHAR(22), ct.start_lsn, 1)');
  });

  it('the documented fallback: sys.sp_cdc_help_change_data_capture with bound names', () => {
    const { proc, params } = execOf(parseOne(HELP_CHANGE_DATA_CAPTURE_SQL));
    expect(proc).toBe('sys.sp_cdc_help_change_data_capture');
    expect(Object.keys(params)).toEqual(['source_schema', 'source_name']);
    expect(params.source_schema!.column).toBe('@p1');
    expect(params.source_name!.column).toBe('@p2');
  });

  it('database state, jobs, job status and the newest log scan', () => {
    expect(aliases(parseOne(CDC_DATABASE_SQL))).toEqual(['database_name', 'updateability']);
    expect(aliases(parseOne(CDC_JOBS_SQL))).toEqual(['job_type', 'job_id', 'continuous', 'polling_interval', 'retention_minutes']);
    expect(CDC_JOBS_SQL).toContain('FROM msdb.dbo.cdc_jobs AS j WHERE j.database_id = DB_ID()');
    const status = parseOne(CDC_JOB_STATUS_SQL);
    expect(aliases(status)).toEqual(['job_type', 'job_name', 'job_enabled', 'is_running']);
    for (const t of ['msdb.dbo.cdc_jobs', 'msdb.dbo.sysjobs', 'msdb.dbo.sysjobactivity', 'msdb.dbo.syssessions']) expect(CDC_JOB_STATUS_SQL).toContain(t);
    const scan = parseOne(LOG_SCAN_SQL);
    expect(aliases(scan)).toEqual(['start_time', 'end_time', 'latency_seconds', 'error_count']);
    expect(LOG_SCAN_SQL).toContain('FROM sys.dm_cdc_log_scan_sessions AS s WHERE s.session_id <> 0 ORDER BY s.start_time DESC');
  });

  it('no read concatenates a name: the only inputs are @p parameters', () => {
    for (const sql of [CDC_TABLE_SQL, CAPTURE_INSTANCES_SQL, HELP_CHANGE_DATA_CAPTURE_SQL, CDC_DATABASE_SQL, CDC_JOBS_SQL, CDC_JOB_STATUS_SQL, LOG_SCAN_SQL]) {
      // String literals in the reads are fixed property names only.
      const literals = sql.match(/N?'[^']*'/g) ?? [];
      expect(literals.every((l) => l === "'Updateability'"), sql).toBe(true);
    }
  });
});

const HOSTILE = {
  schema: "we'ird]",
  table: "or'ders; DROP TABLE x; --",
  columns: ['id', 'a]b', "it's", 'x, y', '[br]', 'über', 'x\'; EXEC xp_cmdshell \'dir\'; --'],
};

describe('sys.sp_cdc_enable_table fix: parsed back, every name is data', () => {
  it('a hostile table and column list round-trip through the parser as one EXEC', () => {
    const sql = enableTableSql({
      schema: HOSTILE.schema,
      table: HOSTILE.table,
      captureInstance: newCaptureInstanceName({ schema: HOSTILE.schema, name: HOSTILE.table }, []),
      roleName: "cdc'reader",
      supportsNetChanges: true,
      indexName: 'PK_orders',
      filegroupName: 'CDC_FG',
      columns: HOSTILE.columns,
    });
    const { proc, params } = execOf(parseOne(sql));
    expect(proc).toBe('sys.sp_cdc_enable_table');
    expect(Object.keys(params)).toEqual([
      'source_schema', 'source_name', 'capture_instance', 'role_name', 'supports_net_changes', 'index_name', 'filegroup_name', 'captured_column_list',
    ]);
    expect(textOf(params.source_schema!)).toBe(HOSTILE.schema);
    expect(textOf(params.source_name!)).toBe(HOSTILE.table);
    expect(textOf(params.capture_instance!)).toBe('we_ird__or_ders__DROP_TABLE_x____');
    expect(textOf(params.role_name!)).toBe("cdc'reader");
    expect(params.supports_net_changes).toMatchObject({ type: 'number', value: 1 });
    expect(textOf(params.index_name!)).toBe('PK_orders');
    expect(textOf(params.filegroup_name!)).toBe('CDC_FG');
    // What SQL Server receives as @captured_column_list, split as a [ ]-quoted list: the exact column names.
    const list = textOf(params.captured_column_list!);
    expect(list).toBe("[id], [a]]b], [it's], [x, y], [[br]]], [über], [x'; EXEC xp_cmdshell 'dir'; --]");
    expect(parseColumnList(list)).toEqual(HOSTILE.columns);
  });

  it('without a role, index or filegroup: @role_name = NULL (required), the others left out', () => {
    const sql = enableTableSql({ schema: 'dbo', table: 'orders', captureInstance: 'dbo_orders', roleName: null, supportsNetChanges: false, columns: ['id', 'email'] });
    expect(sql).toBe(
      "EXEC sys.sp_cdc_enable_table\n  @source_schema = N'dbo',\n  @source_name = N'orders',\n  @capture_instance = N'dbo_orders',\n  @role_name = NULL,\n  @supports_net_changes = 0,\n  @captured_column_list = N'[id], [email]';",
    );
    const { params } = execOf(parseOne(sql));
    expect(params.role_name).toMatchObject({ type: 'null' });
    expect(params.index_name).toBeUndefined();
  });

  it('sp_cdc_disable_table and the job calls parse with their names as data', () => {
    const d = execOf(parseOne(disableTableSql({ schema: HOSTILE.schema, name: HOSTILE.table }, "old'one")));
    expect(d.proc).toBe('sys.sp_cdc_disable_table');
    expect([textOf(d.params.source_schema!), textOf(d.params.source_name!), textOf(d.params.capture_instance!)]).toEqual([HOSTILE.schema, HOSTILE.table, "old'one"]);
    expect(execOf(parseOne(ENABLE_DB_SQL)).proc).toBe('sys.sp_cdc_enable_db');
    const add = execOf(parseOne(addJobSql('cleanup', 4320)));
    expect([add.proc, textOf(add.params.job_type!), add.params.retention!.value]).toEqual(['sys.sp_cdc_add_job', 'cleanup', 4320]);
    expect(execOf(parseOne(addJobSql('capture'))).params.retention).toBeUndefined();
    expect(textOf(execOf(parseOne(startJobSql('capture'))).params.job_type!)).toBe('capture');
    const upd = execOf(parseOne(enableAgentJobSql("cdc.sh'op_capture")));
    // The parser keeps the database of a three-part name (msdb) and drops the schema; the text says msdb.dbo.
    expect([upd.proc, textOf(upd.params.job_name!), upd.params.enabled!.value]).toEqual(['msdb.sp_update_job', "cdc.sh'op_capture", 1]);
    expect(enableAgentJobSql('x')).toMatch(/^EXEC msdb\.dbo\.sp_update_job /);
    const ch = execOf(parseOne(changeRetentionSql(4320)));
    expect([ch.proc, textOf(ch.params.job_type!), ch.params.retention!.value]).toEqual(['sys.sp_cdc_change_job', 'cleanup', 4320]);
  });

  it('quoting refuses what cannot be a SQL Server name', () => {
    expect(() => nString('a\u0000b')).toThrow(/NUL/);
    expect(() => capturedColumnList([])).toThrow(/at least one column/);
    expect(() => capturedColumnList(['x'.repeat(129)])).toThrow(/longer than 128/);
  });

  it('new capture instance names: SQL Server\'s default first, then _v2, _v3; sanitised; at most 100 characters', () => {
    const ref = { schema: 'dbo', name: 'orders' };
    expect(newCaptureInstanceName(ref, [])).toBe('dbo_orders');
    expect(newCaptureInstanceName(ref, ['dbo_orders'])).toBe('dbo_orders_v2');
    expect(newCaptureInstanceName(ref, ['DBO_ORDERS', 'dbo_orders_v2'])).toBe('dbo_orders_v3');
    const long = newCaptureInstanceName({ schema: 's', name: 'n'.repeat(200) }, [`s_${'n'.repeat(98)}`]);
    expect(long).toHaveLength(MAX_CAPTURE_INSTANCE_LENGTH);
    expect(long.endsWith('_v2')).toBe(true);
  });
});

describe('the fix script of a finding is valid T-SQL, statement by statement', () => {
  const spec = parseConfig("source: { dialect: mssql, urlEnv: S }\ntarget: { dialect: postgres, urlEnv: T }\ntables: [{ table: dbo.orders }]", 'x.yml').tables[0]!;
  const col = (name: string, type: string, id: number) =>
    toCatalogColumn({ column_name: name, type_name: type, num_precision: type === 'int' ? 10 : 0, num_scale: 0, max_length: type === 'int' ? 4 : 400, is_nullable: id !== 1, collation_name: null, column_id: id });
  const source: CatalogTable = {
    schema: 'dbo', name: "or'ders", primaryKey: ['id'], estimatedRows: null,
    columns: [col('id', 'int', 1), col('name', 'nvarchar', 2), col("e]mail", 'nvarchar', 3)],
  };
  const instance = (name: string, columns: string[], day: number): CaptureInstance => ({
    name, columns, startLsn: `0x0000002A00000${day}000001`, createDate: new Date(Date.UTC(2024, 0, day)), supportsNetChanges: true, roleName: null, indexName: 'PK_orders', filegroupName: null,
  });
  const database = { readOnlyReplica: false, jobs: [], lastScan: null };

  it('one instance missing a column: enable a new instance with every column, then drop the old one', () => {
    const findings = checkCdc({ spec, source, database: { ...database, jobs: null, jobsUnreadable: 'x' }, table: { database: 'shop', databaseEnabled: true, tableTracked: true, instances: [instance("dbo_or'ders", ['id', 'name'], 1)] } });
    const f = findings.find((x) => x.code === 'cdc-column-not-captured')!;
    const statements = parseAll(f.fix!).map(execOf);
    expect(statements.map((s) => s.proc)).toEqual(['sys.sp_cdc_enable_table', 'sys.sp_cdc_disable_table']);
    const enable = statements[0]!.params;
    expect(textOf(enable.source_name!)).toBe("or'ders");
    expect(textOf(enable.capture_instance!)).toBe('dbo_or_ders');
    expect(parseColumnList(textOf(enable.captured_column_list!))).toEqual(['id', 'name', 'e]mail']);
    expect(enable.supports_net_changes!.value).toBe(1);
    expect(textOf(enable.index_name!)).toBe('PK_orders');
    expect(textOf(statements[1]!.params.capture_instance!)).toBe("dbo_or'ders");
  });

  it('two instances already: drop the older first, create the third, then drop the other', () => {
    const findings = checkCdc({ spec, source, database, table: { database: 'shop', databaseEnabled: true, tableTracked: true, instances: [instance('dbo_orders', ['id', 'name'], 1), instance('dbo_orders_v2', ['id', 'name'], 2)] } });
    const fix = findings.find((x) => x.code === 'cdc-column-not-captured')!.fix!;
    const statements = parseAll(fix).map(execOf);
    expect(statements.map((s) => `${s.proc} ${textOf(s.params.capture_instance!)}`)).toEqual([
      'sys.sp_cdc_disable_table dbo_orders',
      'sys.sp_cdc_enable_table dbo_or_ders',
      'sys.sp_cdc_disable_table dbo_orders_v2',
    ]);
  });

  it('CDC off for the database: enable the database, then the table with its columns', () => {
    const findings = checkCdc({ spec, source, database, table: { database: 'shop', databaseEnabled: false, tableTracked: false, instances: [] } });
    const statements = parseAll(findings[0]!.fix!).map(execOf);
    expect(statements.map((s) => s.proc)).toEqual(['sys.sp_cdc_enable_db', 'sys.sp_cdc_enable_table']);
    expect(parseColumnList(textOf(statements[1]!.params.captured_column_list!))).toEqual(['id', 'name', 'e]mail']);
    expect(statements[1]!.params.supports_net_changes!.value).toBe(0);
  });

  it('the SQL Server DDL fixes of the table comparison parse too', () => {
    // (node-sql-parser does not read ]] inside [ ]; quoteIdent's ]] doubling is pinned in mssql-quote.test.ts.)
    const ddl = ddlFor(mssqlDialect, { schema: 'dbo', name: "or'ders" });
    for (const sql of [ddl.addColumn('e-mail', 'nvarchar(200)'), ddl.dropColumn('x'), ddl.alterType('amount', 'decimal(12,2)', false), ddl.setNullable('flag', 'bit', true), ddl.addPrimaryKey(['id', 'region'])]) {
      expect(parseOne(sql).type, sql).toBe('alter');
    }
    const rename = execOf(parseOne(ddl.renameColumn('client_name', 'customer_name')));
    expect(rename.proc).toBe('sys.sp_rename');
    expect(textOf(rename.params.objname!)).toBe("[dbo].[or'ders].[client_name]");
    expect(textOf(rename.params.newname!)).toBe('customer_name');
    expect(textOf(rename.params.objtype!)).toBe('COLUMN');
  });
});

describe('row mappers, on rows shaped as the mssql driver returns them', () => {
  it('cdc.change_tables x cdc.captured_columns rows group into instances, oldest first, columns in order', () => {
    const row = (ci: string, day: number, column: string | null, ordinal: number | null) => ({
      capture_instance: ci, start_lsn: `0x00000${day}`, supports_net_changes: day === 1 ? 1 : false, role_name: null, index_name: 'PK_o', filegroup_name: null,
      create_date: new Date(Date.UTC(2024, 0, day)), column_name: column, column_ordinal: ordinal,
    });
    const got = captureInstancesFromRows([row('new', 5, 'id', 1), row('new', 5, 'email', 3), row('old', 1, 'id', 1), row('old', 1, 'name', 2), row('empty', 3, null, null)]);
    expect(got.map((c) => [c.name, c.columns, c.supportsNetChanges])).toEqual([
      ['old', ['id', 'name'], true],
      ['empty', [], false],
      ['new', ['id', 'email'], false],
    ]);
  });

  it('sp_cdc_help_change_data_capture rows: binary LSN as hex, the quoted column list split', () => {
    const got = captureInstancesFromHelp([
      { capture_instance: 'dbo_orders', start_lsn: Buffer.from('0000002a000001f00003', 'hex'), supports_net_changes: true, role_name: 'cdc_reader', index_name: 'PK_orders', filegroup_name: null, create_date: '2024-01-02T00:00:00Z', captured_column_list: '[id], [na,me], [a]]b]' },
    ]);
    expect(got).toEqual([
      { name: 'dbo_orders', startLsn: '0x0000002A000001F00003', createDate: new Date('2024-01-02T00:00:00Z'), supportsNetChanges: true, roleName: 'cdc_reader', indexName: 'PK_orders', filegroupName: null, columns: ['id', 'na,me', 'a]b'] },
    ]);
  });

  it('column lists: bracketed, double-quoted or bare', () => {
    expect(parseColumnList('[id], [name]')).toEqual(['id', 'name']);
    expect(parseColumnList('"a""b", [c d],plain , other')).toEqual(['a"b', 'c d', 'plain', 'other']);
    expect(parseColumnList('')).toEqual([]);
  });

  it('jobs: cdc_jobs settings joined with the Agent status; unknown status stays null', () => {
    const jobs = [
      { job_type: 'capture', continuous: true, polling_interval: 5, retention_minutes: 0 },
      { job_type: 'cleanup ', continuous: 0, polling_interval: 0, retention_minutes: '4320' },
    ];
    expect(jobsFromRows(jobs, [{ job_type: 'capture', job_name: 'cdc.shop_capture', job_enabled: 1, is_running: 0 }])).toEqual([
      { type: 'capture', name: 'cdc.shop_capture', enabled: true, running: false, continuous: true, pollingIntervalSeconds: 5, retentionMinutes: null },
      { type: 'cleanup', name: null, enabled: null, running: null, continuous: false, pollingIntervalSeconds: 0, retentionMinutes: 4320 },
    ]);
    expect(jobsFromRows(jobs, null)[0]!.enabled).toBeNull();
  });

  it('the newest log scan session, or none', () => {
    expect(logScanFromRow(undefined)).toBeNull();
    expect(logScanFromRow({ start_time: '2024-01-01T00:00:00Z', end_time: null, latency_seconds: 3, error_count: null })).toEqual({
      startTime: new Date('2024-01-01T00:00:00Z'), endTime: null, latencySeconds: 3, errorCount: 0,
    });
  });
});
