/**
 * The SQL Server CDC checks of the schema check (src/schema/cdc.ts), on CDC
 * states written out as SQL Server reports them: columns no capture instance
 * captures, instances capturing dropped columns, CDC off, two instances
 * alive, the capture / cleanup jobs and retention, unreadable metadata.
 * Also the SQL Server -> PostgreSQL table comparison with SQL Server catalog
 * rows, and how findings enter a table result.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { toCatalogColumn, type ColumnRow } from '../../src/dialects/mssql/catalog.js';
import { mssqlDialect } from '../../src/dialects/mssql/index.js';
import { postgresDialect } from '../../src/dialects/postgres/index.js';
import { MssqlCdcReader } from '../../src/dialects/mssql/cdc.js';
import type { CatalogColumn, CatalogTable, Endpoint, Statement } from '../../src/dialects/types.js';
import { emptyTableResult } from '../../src/engine/results.js';
import { checkCdc, readAndCheckCdc, type CaptureInstance, type CdcDatabaseState, type CdcJob, type CdcReader, type CdcTableState } from '../../src/schema/cdc.js';
import { schemaOnlyResult, withSchemaFindings } from '../../src/schema/check.js';
import { compareSchemas } from '../../src/schema/compare.js';
import type { SchemaFinding } from '../../src/schema/findings.js';
import { schemaDriftCounts } from '../../src/observability/schema-drift.js';
import { TableError } from '../../src/util/errors.js';

const specOf = (extra = '') =>
  parseConfig(`source: { dialect: mssql, urlEnv: S }\ntarget: { dialect: postgres, urlEnv: T }\ntables: [{ table: dbo.orders${extra} }]`, 'x.yml').tables[0]!;

let nextId = 1;
function ms(name: string, type: string, o: { p?: number; s?: number; len?: number; nullable?: boolean } = {}): CatalogColumn {
  const row: ColumnRow = {
    column_name: name, type_name: type, num_precision: o.p ?? 0, num_scale: o.s ?? 0, max_length: o.len ?? null,
    is_nullable: o.nullable ?? true, collation_name: null, column_id: nextId++,
  };
  return toCatalogColumn(row);
}

const ORDERS: CatalogTable = {
  schema: 'dbo', name: 'orders', primaryKey: ['id'], estimatedRows: 100,
  columns: [ms('id', 'int', { p: 10, nullable: false }), ms('customer', 'nvarchar', { len: 200 }), ms('total', 'decimal', { p: 12, s: 2 }), ms('email', 'nvarchar', { len: 400 })],
};

const ci = (name: string, columns: string[], day = 1, extra: Partial<CaptureInstance> = {}): CaptureInstance => ({
  name, columns, startLsn: `0x0000000${day}`, createDate: new Date(Date.UTC(2024, 0, day)), supportsNetChanges: true, roleName: 'cdc_reader', indexName: 'PK_orders', filegroupName: null, ...extra,
});

const JOBS_OK: CdcJob[] = [
  { type: 'capture', name: 'cdc.shop_capture', enabled: true, running: true, continuous: true, pollingIntervalSeconds: 5, retentionMinutes: null },
  { type: 'cleanup', name: 'cdc.shop_cleanup', enabled: true, running: false, continuous: false, pollingIntervalSeconds: 0, retentionMinutes: 4320 },
];
const DB_OK: CdcDatabaseState = { readOnlyReplica: false, jobs: JOBS_OK, lastScan: { startTime: new Date(), endTime: new Date(), latencySeconds: 2, errorCount: 0 } };
const tracked = (instances: CaptureInstance[]): CdcTableState => ({ database: 'shop', databaseEnabled: true, tableTracked: true, instances });

const codes = (fs: SchemaFinding[]) => fs.map((f) => `${f.severity} ${f.code}${f.column ? ` ${f.column}` : ''}`);

describe('capture instances vs the source table', () => {
  it('a healthy table: every column captured, jobs running: no finding', () => {
    expect(checkCdc({ spec: specOf(), source: ORDERS, table: tracked([ci('dbo_orders', ['id', 'customer', 'total', 'email'])]), database: DB_OK })).toEqual([]);
  });

  it('a column added after sp_cdc_enable_table is an error, with the full replacement script as its fix', () => {
    const f = checkCdc({ spec: specOf(), source: ORDERS, table: tracked([ci('dbo_orders', ['id', 'customer', 'total'])]), database: DB_OK });
    expect(codes(f)).toEqual(['error cdc-column-not-captured email']);
    expect(f[0]!.message).toMatch(/column "email" of dbo\.orders is not captured by any capture instance \(dbo_orders \(created 2024-01-01T00:00:00Z, 3 column\(s\)\)\)/);
    expect(f[0]!.message).toMatch(/Debezium never sends it/);
    expect(f[0]!.fix).toBe(
      [
        '-- 1. A new capture instance with every column the target needs (db_owner):',
        'EXEC sys.sp_cdc_enable_table',
        "  @source_schema = N'dbo',",
        "  @source_name = N'orders',",
        "  @capture_instance = N'dbo_orders_v2',",
        "  @role_name = N'cdc_reader',",
        '  @supports_net_changes = 1,',
        "  @index_name = N'PK_orders',",
        "  @captured_column_list = N'[id], [customer], [total], [email]';",
        '-- 2. Add the new columns to the target table if the sink does not; Debezium moves to dbo_orders_v2 by itself.',
        '-- Then backfill the existing values (a Debezium incremental snapshot of dbo.orders: the execute-snapshot signal).',
        '-- 3. When the connector reads from dbo_orders_v2, drop the old capture instance:',
        "EXEC sys.sp_cdc_disable_table @source_schema = N'dbo', @source_name = N'orders', @capture_instance = N'dbo_orders';",
      ].join('\n'),
    );
  });

  it('columns left out of the comparison by the config need not be captured', () => {
    const table = tracked([ci('dbo_orders', ['id', 'customer', 'total'])]);
    expect(checkCdc({ spec: specOf(', columns: { exclude: [email] }'), source: ORDERS, table, database: DB_OK })).toEqual([]);
    expect(checkCdc({ spec: specOf(', columns: { include: [total] }'), source: ORDERS, table, database: DB_OK })).toEqual([]);
    // Captured names are matched like the catalog matches them (case-insensitively).
    expect(checkCdc({ spec: specOf(), source: ORDERS, table: tracked([ci('dbo_orders', ['ID', 'Customer', 'total', 'EMAIL'])]), database: DB_OK })).toEqual([]);
  });

  it('an instance still capturing a dropped column is a warning; the fix recreates it without that column', () => {
    const f = checkCdc({ spec: specOf(), source: ORDERS, table: tracked([ci('dbo_orders', ['id', 'customer', 'total', 'email', 'fax'])]), database: DB_OK });
    expect(codes(f)).toEqual(['warning cdc-captures-dropped-column fax']);
    expect(f[0]!.message).toMatch(/captures column "fax", which dbo\.orders no longer has: every new change row carries NULL/);
    expect(f[0]!.fix).toContain("@captured_column_list = N'[id], [customer], [total], [email]'");
  });

  it('two instances alive: info (migration in progress) and how to finish it', () => {
    const both = [ci('dbo_orders', ['id', 'customer', 'total'], 1), ci('dbo_orders_v2', ['id', 'customer', 'total', 'email'], 9)];
    const f = checkCdc({ spec: specOf(), source: ORDERS, table: tracked(both), database: DB_OK });
    expect(codes(f)).toEqual(['info cdc-two-capture-instances']);
    expect(f[0]!.message).toMatch(/two capture instances, dbo_orders \(created 2024-01-01.*\) and dbo_orders_v2 \(created 2024-01-09.*\): a capture instance migration is in progress/);
    expect(f[0]!.fix).toContain("@capture_instance = N'dbo_orders';");
  });

  it('a newer instance that lost a column the older captures: warning, since the column stops once Debezium moves', () => {
    const both = [ci('dbo_orders', ['id', 'customer', 'total', 'email'], 1), ci('dbo_orders_v2', ['id', 'customer', 'total'], 2)];
    const f = checkCdc({ spec: specOf(), source: ORDERS, table: tracked(both), database: DB_OK });
    expect(codes(f)).toEqual(['warning cdc-column-dropped-by-new-instance email', 'info cdc-two-capture-instances']);
    // Two instances already: the fix drops the older first, makes a third, drops the newer.
    expect(f[0]!.fix!.split('\n').filter((l) => l.startsWith('EXEC'))).toEqual([
      "EXEC sys.sp_cdc_disable_table @source_schema = N'dbo', @source_name = N'orders', @capture_instance = N'dbo_orders';",
      'EXEC sys.sp_cdc_enable_table',
      "EXEC sys.sp_cdc_disable_table @source_schema = N'dbo', @source_name = N'orders', @capture_instance = N'dbo_orders_v2';",
    ]);
    expect(f[0]!.fix).toContain("@capture_instance = N'dbo_orders_v3'");
  });

  it('CDC off for the table, or for the whole database: error, with the enable calls', () => {
    const off = checkCdc({ spec: specOf(', columns: { exclude: [email] }'), source: ORDERS, table: { database: 'shop', databaseEnabled: true, tableTracked: false, instances: [] }, database: DB_OK });
    expect(codes(off)).toEqual(['error cdc-disabled']);
    expect(off[0]!.message).toMatch(/change data capture is off for table dbo\.orders/);
    expect(off[0]!.fix).not.toContain('sp_cdc_enable_db');
    expect(off[0]!.fix).toContain("@captured_column_list = N'[id], [customer], [total]'");
    const dbOff = checkCdc({ spec: specOf(), source: ORDERS, table: { database: 'shop', databaseEnabled: false, tableTracked: false, instances: [] }, database: DB_OK });
    expect(dbOff[0]!.message).toMatch(/off for database shop \(sys\.databases\.is_cdc_enabled = 0\)/);
    expect(dbOff[0]!.fix!.split('\n')[1]).toBe('EXEC sys.sp_cdc_enable_db;');
  });

  it('capture instances this login cannot see: a warning saying what was not checked, never a false "not captured"', () => {
    const hidden = checkCdc({ spec: specOf(), source: ORDERS, table: tracked([]), database: DB_OK });
    expect(codes(hidden)).toEqual(['warning cdc-metadata-unreadable']);
    expect(hidden[0]!.message).toMatch(/no capture instance is visible to this login/);
    const denied = checkCdc({ spec: specOf(), source: ORDERS, table: { ...tracked([]), instancesUnreadable: "The SELECT permission was denied on the object 'change_tables'" }, database: DB_OK });
    expect(denied[0]!.message).toMatch(/could not be read \(The SELECT permission was denied/);
  });
});

describe('capture and cleanup jobs, retention, log scans', () => {
  const check = (database: Partial<CdcDatabaseState>) =>
    codes(checkCdc({ spec: specOf(), source: ORDERS, table: tracked([ci('dbo_orders', ['id', 'customer', 'total', 'email'])]), database: { ...DB_OK, ...database } }));
  const withJob = (type: 'capture' | 'cleanup', change: Partial<CdcJob> | null) =>
    JOBS_OK.flatMap((j) => (j.type !== type ? [j] : change === null ? [] : [{ ...j, ...change }]));

  it('capture job missing, disabled or stopped: error; state unknown: nothing', () => {
    expect(check({ jobs: withJob('capture', null) })).toEqual(['error cdc-capture-job-missing']);
    expect(check({ jobs: withJob('capture', { enabled: false }) })).toEqual(['error cdc-capture-job-disabled']);
    expect(check({ jobs: withJob('capture', { running: false }) })).toEqual(['error cdc-capture-job-stopped']);
    expect(check({ jobs: withJob('capture', { running: false, continuous: false }) })).toEqual([]);
    expect(check({ jobs: withJob('capture', { running: null, enabled: null, name: null }) })).toEqual([]);
  });

  it('cleanup job missing or disabled, retention under a day: warning, with the call that fixes it', () => {
    expect(check({ jobs: withJob('cleanup', null) })).toEqual(['warning cdc-cleanup-job-missing']);
    expect(check({ jobs: withJob('cleanup', { enabled: false }) })).toEqual(['warning cdc-cleanup-job-disabled']);
    const short = checkCdc({ spec: specOf(), source: ORDERS, table: tracked([ci('dbo_orders', ['id', 'customer', 'total', 'email'])]), database: { ...DB_OK, jobs: withJob('cleanup', { retentionMinutes: 60 }) } });
    expect(codes(short)).toEqual(['warning cdc-retention-short']);
    expect(short[0]!.message).toMatch(/retention of shop is 60 minutes.*a Debezium outage longer than 60 minutes loses changes/);
    expect(short[0]!.fix).toBe("EXEC sys.sp_cdc_change_job @job_type = N'cleanup', @retention = 4320;");
    expect(check({ jobs: withJob('cleanup', { retentionMinutes: 1440 }) })).toEqual([]);
  });

  it('log scan errors and latency: warning', () => {
    expect(check({ lastScan: { startTime: new Date(), endTime: null, latencySeconds: 1, errorCount: 3 } })).toEqual(['warning cdc-capture-errors']);
    expect(check({ lastScan: { startTime: new Date(), endTime: null, latencySeconds: 3600, errorCount: 0 } })).toEqual(['warning cdc-capture-latency']);
    expect(check({ lastScan: null })).toEqual([]);
  });

  it('the fix for log scan errors reads the CDC DMV in the checked database (DMVs describe the current database)', () => {
    const f = checkCdc({ spec: specOf(), source: ORDERS, table: tracked([ci('dbo_orders', ['id', 'customer', 'total', 'email'])]), database: { ...DB_OK, lastScan: { startTime: new Date(), endTime: null, latencySeconds: 1, errorCount: 3 } } });
    expect(f[0]!.fix).toBe('USE [shop]; -- the CDC DMVs describe the current database\nSELECT TOP (20) * FROM sys.dm_cdc_errors ORDER BY entry_time DESC;');
  });

  it('jobs unreadable: info; a read-only secondary: not checked (jobs run on the primary)', () => {
    expect(check({ jobs: null, jobsUnreadable: 'The SELECT permission was denied on the object cdc_jobs' })).toEqual(['info cdc-jobs-unreadable']);
    expect(check({ readOnlyReplica: true, jobs: null })).toEqual([]);
  });
});

describe('readAndCheckCdc reads through the CdcReader interface', () => {
  it('asks for the source table by its catalog name and reads the database state once per reader call', async () => {
    const asked: string[] = [];
    const reader: CdcReader = {
      table: async (ref) => {
        asked.push(`${ref.schema}.${ref.name}`);
        return tracked([ci('dbo_orders', ['id', 'customer', 'total'])]);
      },
      database: async () => DB_OK,
    };
    const f = await readAndCheckCdc(reader, specOf(), ORDERS);
    expect(asked).toEqual(['dbo.orders']);
    expect(codes(f)).toEqual(['error cdc-column-not-captured email']);
  });
});

describe('MssqlCdcReader degrades on permissions, never on transient errors', () => {
  // SQL Server cannot run here: a scripted Endpoint answers each statement with rows, or throws a driver-shaped
  // error (RequestError with the server's error number). The real server path is test/integration/schema-cdc-mssql.test.ts.
  const denied = (object: string) => () => {
    throw Object.assign(new Error(`The SELECT permission was denied on the object '${object}'`), { code: 'EREQUEST', number: 229 });
  };
  const deadlock = (): never => {
    throw Object.assign(new Error('Transaction was deadlocked'), { code: 'EREQUEST', number: 1205 });
  };
  type Answer = unknown[] | (() => unknown[]);
  function endpoint(answers: Array<[RegExp, Answer]>): Endpoint & { asked: string[] } {
    const asked: string[] = [];
    return {
      asked,
      dialect: mssqlDialect,
      role: 'source',
      query: async <T,>(stmt: Statement): Promise<T[]> => {
        asked.push(stmt.label);
        const hit = answers.find(([re]) => re.test(stmt.text));
        if (!hit) throw new Error(`unexpected statement ${stmt.label}`);
        return (typeof hit[1] === 'function' ? hit[1]() : hit[1]) as T[];
      },
      stream: () => {
        throw new Error('not used');
      },
      poolStats: () => ({ size: 1, inUse: 0, idle: 1, waiting: 0 }),
      serverVersion: async () => 'test',
      close: async () => undefined,
    };
  }
  const TABLE_ROW = [{ database_name: 'shop', db_cdc_enabled: true, table_cdc_enabled: 1, object_id: 42 }];
  const HELP_ROW = [{ capture_instance: 'dbo_orders', start_lsn: Buffer.from('01', 'hex'), supports_net_changes: 1, role_name: null, index_name: 'PK', filegroup_name: null, create_date: new Date('2024-01-01T00:00:00Z'), captured_column_list: '[id], [customer], [total]' }];
  const JOBS_ROWS = [
    { job_type: 'capture', continuous: 1, polling_interval: 5, retention_minutes: 0 },
    { job_type: 'cleanup', continuous: 0, polling_interval: 0, retention_minutes: 4320 },
  ];
  const READ_WRITE = [{ database_name: 'shop', updateability: 'READ_WRITE' }];

  it('cdc.change_tables denied: the documented procedure gives the instances; msdb and the DMV denied: said, not failed', async () => {
    const ep = endpoint([
      [/FROM sys\.tables AS t/, TABLE_ROW],
      [/FROM cdc\.change_tables/, denied('change_tables')],
      [/sp_cdc_help_change_data_capture/, HELP_ROW],
      [/DATABASEPROPERTYEX/, READ_WRITE],
      [/msdb\.dbo\.cdc_jobs AS j WHERE/, denied('cdc_jobs')],
      [/dm_cdc_log_scan_sessions/, denied('dm_cdc_log_scan_sessions')],
    ]);
    const reader = new MssqlCdcReader(ep);
    const f = await readAndCheckCdc(reader, specOf(), ORDERS);
    expect(codes(f)).toEqual(['error cdc-column-not-captured email', 'info cdc-jobs-unreadable']);
    expect(f[1]!.message).toMatch(/msdb\.dbo\.cdc_jobs could not be read \(The SELECT permission was denied on the object 'cdc_jobs'\)/);
    // The database-wide state is read once per reader, whatever the number of tables.
    await readAndCheckCdc(reader, specOf(), ORDERS);
    expect(ep.asked.filter((l) => l === 'cdc-jobs')).toHaveLength(1);
    expect(ep.asked.filter((l) => l === 'cdc-table')).toHaveLength(2);
  });

  it('both capture instance reads denied: a warning saying what was not checked; a read-only secondary: jobs not asked for', async () => {
    const ep = endpoint([
      [/FROM sys\.tables AS t/, TABLE_ROW],
      [/FROM cdc\.change_tables/, denied('change_tables')],
      [/sp_cdc_help_change_data_capture/, denied('sp_cdc_help_change_data_capture')],
      [/DATABASEPROPERTYEX/, [{ database_name: 'shop', updateability: 'READ_ONLY' }]],
    ]);
    const f = await readAndCheckCdc(new MssqlCdcReader(ep), specOf(), ORDERS);
    expect(codes(f)).toEqual(['warning cdc-metadata-unreadable']);
    expect(f[0]!.message).toMatch(/cdc\.change_tables: The SELECT permission was denied.*sys\.sp_cdc_help_change_data_capture: The SELECT permission/);
    expect(ep.asked).not.toContain('cdc-jobs');
  });

  it('a transient error is not swallowed (the run retries it), and a failed database read is read again next time', async () => {
    let jobsFailures = 1;
    const ep = endpoint([
      [/FROM sys\.tables AS t/, TABLE_ROW],
      [/FROM cdc\.change_tables/, deadlock],
      [/DATABASEPROPERTYEX/, READ_WRITE],
      [/msdb\.dbo\.cdc_jobs AS j WHERE/, () => (jobsFailures-- > 0 ? deadlock() : JOBS_ROWS)],
      [/msdb\.dbo\.sysjobs/, [{ job_type: 'capture', job_name: 'cdc.shop_capture', job_enabled: true, is_running: true }]],
      [/dm_cdc_log_scan_sessions/, []],
    ]);
    const reader = new MssqlCdcReader(ep);
    await expect(reader.table({ schema: 'dbo', name: 'orders' })).rejects.toThrow(/deadlocked/);
    await expect(reader.database()).rejects.toThrow(/deadlocked/);
    const db = await reader.database();
    expect(db.jobs!.map((j) => [j.type, j.name, j.running])).toEqual([['capture', 'cdc.shop_capture', true], ['cleanup', null, null]]);
    expect(db.lastScan).toBeNull();
  });
});

describe('SQL Server -> PostgreSQL table comparison, from SQL Server catalog rows', () => {
  const pg = (name: string, dataType: string, o: Partial<CatalogColumn> = {}): CatalogColumn => ({
    name, dataType, precision: null, scale: null, length: null, datetimePrecision: null, nullable: true, collation: null, ordinal: nextId++, ...o,
  });
  const source: CatalogTable = {
    schema: 'dbo', name: 'orders', primaryKey: ['id'], estimatedRows: null,
    columns: [
      ms('id', 'int', { p: 10, nullable: false }),
      ms('name', 'nvarchar', { len: 200 }), // nvarchar(100)
      ms('total', 'decimal', { p: 18, s: 4 }),
      ms('placed', 'datetime2', { s: 7 }),
      ms('legacy_ts', 'datetime', { s: 3 }),
      ms('flag', 'bit'),
      ms('fee', 'money', { p: 19, s: 4 }),
      ms('big', 'bigint', { p: 19 }),
      ms('note', 'nvarchar', { len: -1 }),
      ms('email', 'nvarchar', { len: 400 }), // added at the source
    ],
  };
  const target: CatalogTable = {
    schema: 'public', name: 'orders', primaryKey: ['id'], estimatedRows: null,
    columns: [
      pg('id', 'integer', { nullable: false }),
      pg('name', 'character varying', { length: 50 }),
      pg('total', 'numeric', { precision: 18, scale: 2 }),
      pg('placed', 'timestamp without time zone', { datetimePrecision: 6 }),
      pg('legacy_ts', 'timestamp without time zone', { datetimePrecision: 6 }),
      pg('flag', 'boolean'),
      pg('fee', 'numeric', { precision: 19, scale: 4 }),
      pg('big', 'integer'),
      pg('note', 'text'),
    ],
  };

  it('finds the lossy pairs, treats the usual mappings as exact, and writes PostgreSQL DDL for the missing column', () => {
    const f = compareSchemas({ spec: specOf(), source, target, sourceDialect: mssqlDialect, targetDialect: postgresDialect });
    expect(codes(f)).toEqual([
      'error column-missing-in-target email',
      'warning length-narrower name',
      'warning scale-narrower total',
      'warning precision-narrower big',
      'info time-precision-narrower placed',
    ]);
    const byCode = (c: string) => f.find((x) => x.code === c)!;
    expect(byCode('length-narrower').message).toMatch(/source nvarchar\(100\) -> target character varying\(50\)/);
    expect(byCode('length-narrower').fix).toContain('ALTER TABLE "public"."orders" ALTER COLUMN "name" TYPE character varying(100);');
    expect(byCode('column-missing-in-target').fix).toContain('ALTER TABLE "public"."orders" ADD COLUMN "email" character varying(200);');
    expect(byCode('time-precision-narrower').message).toMatch(/datetime2\(7\) -> target timestamp\(6\) without time zone.*the most PostgreSQL stores/);
    expect(byCode('precision-narrower').fix).toContain('TYPE bigint;');
  });
});

describe('findings in the table result', () => {
  const finding = (severity: SchemaFinding['severity'], code: string, column?: string): SchemaFinding => ({ table: 't', severity, code, message: code, ...(column ? { column } : {}) });

  it('schema errors turn match into mismatch; warnings and info do not; errors stay errors', () => {
    const base = () => emptyTableResult('t', 's.t', 's.t', 'diff');
    expect(withSchemaFindings(base(), { findings: [finding('warning', 'scale-narrower', 'a'), finding('info', 'type-widened', 'b')] }).status).toBe('match');
    expect(withSchemaFindings(base(), { findings: [finding('error', 'key-mismatch')] }).status).toBe('mismatch');
    const errored = { ...base(), status: 'error' as const };
    expect(withSchemaFindings(errored, { findings: [finding('error', 'key-mismatch')] }).status).toBe('error');
  });

  it('the plan\'s own drift warnings give way to the findings; other warnings stay', () => {
    const r = emptyTableResult('t', 's.t', 's.t', 'diff');
    r.warnings = ['schema drift: column "x" is not in target public.t; compared the common columns only', 'column doc not compared: source type jsonb: type jsonb has no canonical form', 'some column pairs have no exact server-side canonical form; this table is hashed client-side'];
    const out = withSchemaFindings(r, { findings: [finding('error', 'column-missing-in-target', 'x'), finding('info', 'type-not-compared', 'doc')] });
    expect(out.warnings).toEqual(['some column pairs have no exact server-side canonical form; this table is hashed client-side']);
    expect(out.schemaFindings).toHaveLength(2);
  });

  it('schema mode without a plan keeps the findings; a plan error no finding explains is an error', () => {
    const empty = emptyTableResult('t', 's.t', 's.t', 'schema');
    const planError = new TableError('something odd', 't', 'plan');
    // As run.ts composes them.
    const explained = { findings: [finding('error', 'table-missing-in-target')], planError };
    const r = withSchemaFindings(schemaOnlyResult(empty, explained), explained);
    expect([r.status, r.error, r.schemaFindings!.length]).toEqual(['mismatch', undefined, 1]);
    const odd = schemaOnlyResult(empty, { findings: [], planError });
    expect(odd.status).toBe('error');
    expect(odd.error!.message).toBe('something odd');
  });

  it('metrics counts: per severity, NaN when the check did not run', () => {
    expect(schemaDriftCounts({ schemaFindings: [finding('error', 'a'), finding('error', 'b'), finding('info', 'c')] })).toEqual({ error: 2, warning: 0, info: 1 });
    const none = schemaDriftCounts({});
    expect([none.error, none.warning, none.info].every(Number.isNaN)).toBe(true);
  });
});
