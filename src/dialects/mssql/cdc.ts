/**
 * SQL Server change data capture metadata for the schema check: every T-SQL
 * statement it reads with (bound parameters only), the row mappers, the
 * reader behind the `CdcReader` interface of src/schema/cdc.ts, and the
 * `sys.sp_cdc_*` calls its findings suggest as fixes (names as N'...' literals
 * with quotes doubled, column lists as [name] with ] doubled).
 *
 * Never imports the `mssql` driver: it talks to an Endpoint, so PostgreSQL-only
 * runs never load it. Parser-checked in test/unit/schema-cdc-tsql.test.ts.
 *
 * Degrades rather than fails: a login that may not read the cdc schema, msdb
 * or the DMVs gets a finding saying what was not checked (and why), never a
 * failed table. Transient and critical errors still propagate (retried / abort).
 */
import type { CaptureInstance, CdcDatabaseState, CdcJob, CdcReader, CdcTableState, Endpoint, LogScanSession, TableRef } from '../types.js';
import { errorMessage } from '../../util/errors.js';
import { classifyMssqlError } from './errors.js';
import { quoteIdent } from './quote.js';

/** @p1 schema, @p2 table: is CDC on for the database and the table. */
export const CDC_TABLE_SQL =
  'SELECT DB_NAME() AS database_name, d.is_cdc_enabled AS db_cdc_enabled, t.is_tracked_by_cdc AS table_cdc_enabled, t.object_id AS object_id ' +
  'FROM sys.tables AS t ' +
  'JOIN sys.schemas AS s ON s.schema_id = t.schema_id ' +
  'JOIN sys.databases AS d ON d.database_id = DB_ID() ' +
  'WHERE s.name = @p1 AND t.name = @p2';

/** @p1 source object_id: every capture instance of the table with its captured columns (one row per column). */
export const CAPTURE_INSTANCES_SQL =
  'SELECT ct.capture_instance AS capture_instance, CONVERT(VARCHAR(22), ct.start_lsn, 1) AS start_lsn, ' +
  'ct.supports_net_changes AS supports_net_changes, ct.role_name AS role_name, ct.index_name AS index_name, ' +
  'ct.filegroup_name AS filegroup_name, ct.create_date AS create_date, ' +
  'cc.column_name AS column_name, cc.column_ordinal AS column_ordinal ' +
  'FROM cdc.change_tables AS ct ' +
  'LEFT JOIN cdc.captured_columns AS cc ON cc.object_id = ct.object_id ' +
  'WHERE ct.source_object_id = @p1 ' +
  'ORDER BY ct.create_date, ct.capture_instance, cc.column_ordinal';

/**
 * The documented way, for logins that may not read the cdc schema's tables:
 * one row per capture instance the caller may see (db_owner, or SELECT on every
 * captured column plus membership in its gating role).
 */
export const HELP_CHANGE_DATA_CAPTURE_SQL = 'EXEC sys.sp_cdc_help_change_data_capture @source_schema = @p1, @source_name = @p2';

/** Where the database is: a read-only secondary runs no CDC job (they run on the primary). */
export const CDC_DATABASE_SQL =
  "SELECT DB_NAME() AS database_name, CONVERT(NVARCHAR(60), DATABASEPROPERTYEX(DB_NAME(), 'Updateability')) AS updateability";

/** The capture and cleanup jobs' settings (retention in minutes, polling interval in seconds). */
export const CDC_JOBS_SQL =
  'SELECT j.job_type AS job_type, j.job_id AS job_id, j.continuous AS continuous, j.pollinginterval AS polling_interval, ' +
  'j.retention AS retention_minutes ' +
  'FROM msdb.dbo.cdc_jobs AS j WHERE j.database_id = DB_ID()';

/** The jobs' Agent state: enabled, and running in the current Agent session (needs SQLAgentReaderRole or more). */
export const CDC_JOB_STATUS_SQL =
  'SELECT j.job_type AS job_type, sj.name AS job_name, sj.enabled AS job_enabled, ' +
  'CASE WHEN EXISTS (SELECT 1 FROM msdb.dbo.sysjobactivity AS a ' +
  'WHERE a.job_id = j.job_id AND a.session_id = (SELECT MAX(ss.session_id) FROM msdb.dbo.syssessions AS ss) ' +
  'AND a.start_execution_date IS NOT NULL AND a.stop_execution_date IS NULL) THEN 1 ELSE 0 END AS is_running ' +
  'FROM msdb.dbo.cdc_jobs AS j JOIN msdb.dbo.sysjobs AS sj ON sj.job_id = j.job_id ' +
  'WHERE j.database_id = DB_ID()';

/** The newest log scan session of the capture process (session 0 is the aggregate row). */
export const LOG_SCAN_SQL =
  'SELECT TOP (1) s.start_time AS start_time, s.end_time AS end_time, s.latency AS latency_seconds, s.error_count AS error_count ' +
  'FROM sys.dm_cdc_log_scan_sessions AS s WHERE s.session_id <> 0 ORDER BY s.start_time DESC';

// ---------------------------------------------------------------------------------------------
// Row mappers

export interface CdcTableRow {
  database_name: string;
  db_cdc_enabled: boolean | number | null;
  table_cdc_enabled: boolean | number | null;
  object_id: number;
}

export interface CaptureColumnRow {
  capture_instance: string;
  start_lsn: string | null;
  supports_net_changes: boolean | number | null;
  role_name: string | null;
  index_name: string | null;
  filegroup_name: string | null;
  create_date: Date | string | null;
  column_name: string | null;
  column_ordinal: number | null;
}

export interface HelpRow {
  capture_instance: string;
  start_lsn: Uint8Array | string | null;
  supports_net_changes: boolean | number | null;
  role_name: string | null;
  index_name: string | null;
  filegroup_name: string | null;
  create_date: Date | string | null;
  captured_column_list: string | null;
}

export interface JobRow {
  job_type: string;
  job_id?: unknown;
  continuous: boolean | number | null;
  polling_interval: number | null;
  retention_minutes: number | string | null;
}

export interface JobStatusRow {
  job_type: string;
  job_name: string | null;
  job_enabled: boolean | number | null;
  is_running: boolean | number | null;
}

export interface LogScanRow {
  start_time: Date | string | null;
  end_time: Date | string | null;
  latency_seconds: number | null;
  error_count: number | null;
}

const bool = (v: boolean | number | null | undefined): boolean => v === true || v === 1;
const boolOrNull = (v: boolean | number | null | undefined): boolean | null => (v === null || v === undefined ? null : bool(v));
const dateOrNull = (v: Date | string | null): Date | null => (v === null ? null : v instanceof Date ? v : new Date(v));
const numOrNull = (v: number | string | null | undefined): number | null => (v === null || v === undefined || v === '' ? null : Number(v));

function lsnText(v: Uint8Array | string | null): string | null {
  if (v === null) return null;
  if (typeof v === 'string') return v;
  return `0x${Buffer.from(v).toString('hex').toUpperCase()}`;
}

/** cdc.change_tables x cdc.captured_columns rows -> capture instances, oldest first. */
export function captureInstancesFromRows(rows: CaptureColumnRow[]): CaptureInstance[] {
  const byName = new Map<string, CaptureInstance>();
  for (const r of rows) {
    let ci = byName.get(r.capture_instance);
    if (!ci) {
      ci = {
        name: r.capture_instance,
        startLsn: r.start_lsn,
        createDate: dateOrNull(r.create_date),
        supportsNetChanges: bool(r.supports_net_changes),
        roleName: r.role_name,
        indexName: r.index_name,
        filegroupName: r.filegroup_name,
        columns: [],
      };
      byName.set(r.capture_instance, ci);
    }
    if (r.column_name !== null) ci.columns.push(r.column_name);
  }
  return sortInstances([...byName.values()]);
}

/**
 * The captured_column_list of sp_cdc_help_change_data_capture: names quoted
 * with [ ] (] doubled) or " " (" doubled), or bare, separated by commas.
 */
export function parseColumnList(list: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = list.length;
  while (i < n) {
    while (i < n && /[\s,]/.test(list[i]!)) i++;
    if (i >= n) break;
    const open = list[i]!;
    if (open === '[' || open === '"') {
      const close = open === '[' ? ']' : '"';
      let name = '';
      i++;
      while (i < n) {
        if (list[i] === close) {
          if (list[i + 1] === close) {
            name += close;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        name += list[i];
        i++;
      }
      out.push(name);
    } else {
      let name = '';
      while (i < n && list[i] !== ',') name += list[i++];
      out.push(name.trim());
    }
  }
  return out;
}

export function captureInstancesFromHelp(rows: HelpRow[]): CaptureInstance[] {
  return sortInstances(
    rows.map((r) => ({
      name: r.capture_instance,
      startLsn: lsnText(r.start_lsn),
      createDate: dateOrNull(r.create_date),
      supportsNetChanges: bool(r.supports_net_changes),
      roleName: r.role_name,
      indexName: r.index_name,
      filegroupName: r.filegroup_name,
      columns: parseColumnList(r.captured_column_list ?? ''),
    })),
  );
}

/** Oldest first: by creation date, then start LSN, then name. */
function sortInstances(list: CaptureInstance[]): CaptureInstance[] {
  const t = (d: Date | null) => (d ? d.getTime() : 0);
  return list.sort((a, b) => t(a.createDate) - t(b.createDate) || (a.startLsn ?? '').localeCompare(b.startLsn ?? '') || a.name.localeCompare(b.name));
}

export function jobsFromRows(rows: JobRow[], status: JobStatusRow[] | null): CdcJob[] {
  return rows.map((r) => {
    const type = r.job_type.trim().toLowerCase() === 'cleanup' ? 'cleanup' : 'capture';
    const s = status?.find((x) => x.job_type.trim().toLowerCase() === type);
    return {
      type,
      name: s?.job_name ?? null,
      enabled: s ? boolOrNull(s.job_enabled) : null,
      running: s ? boolOrNull(s.is_running) : null,
      continuous: boolOrNull(r.continuous),
      pollingIntervalSeconds: numOrNull(r.polling_interval),
      retentionMinutes: type === 'cleanup' ? numOrNull(r.retention_minutes) : null,
    };
  });
}

export function logScanFromRow(r: LogScanRow | undefined): LogScanSession | null {
  if (!r) return null;
  return { startTime: dateOrNull(r.start_time), endTime: dateOrNull(r.end_time), latencySeconds: numOrNull(r.latency_seconds), errorCount: r.error_count ?? 0 };
}

// ---------------------------------------------------------------------------------------------
// The reader

/** Permission denied, missing object (no cdc schema, no msdb access): degrade. Anything transient or critical: rethrow. */
function degradable(err: unknown): boolean {
  return classifyMssqlError(err) === 'table';
}

export class MssqlCdcReader implements CdcReader {
  private databaseState: Promise<CdcDatabaseState> | undefined;

  constructor(private readonly endpoint: Endpoint) {}

  async table(ref: TableRef): Promise<CdcTableState> {
    const rows = await this.endpoint.query<CdcTableRow>({ text: CDC_TABLE_SQL, values: [ref.schema, ref.name], label: 'cdc-table' });
    const row = rows[0];
    if (!row) throw new Error(`table ${ref.schema}.${ref.name} not found in sys.tables`);
    const state: CdcTableState = {
      database: row.database_name,
      databaseEnabled: bool(row.db_cdc_enabled),
      tableTracked: bool(row.table_cdc_enabled),
      instances: [],
    };
    if (!state.databaseEnabled || !state.tableTracked) return state;
    try {
      const cols = await this.endpoint.query<CaptureColumnRow>({ text: CAPTURE_INSTANCES_SQL, values: [row.object_id], label: 'cdc-capture-instances' });
      state.instances = captureInstancesFromRows(cols);
    } catch (first) {
      if (!degradable(first)) throw first;
      try {
        const help = await this.endpoint.query<HelpRow>({ text: HELP_CHANGE_DATA_CAPTURE_SQL, values: [ref.schema, ref.name], label: 'cdc-help' });
        state.instances = captureInstancesFromHelp(help);
      } catch (second) {
        if (!degradable(second)) throw second;
        state.instancesUnreadable = `cdc.change_tables: ${errorMessage(first)}; sys.sp_cdc_help_change_data_capture: ${errorMessage(second)}`;
      }
    }
    return state;
  }

  /** Read once per run (per endpoint); a failed read is retried by the next caller. */
  database(): Promise<CdcDatabaseState> {
    if (!this.databaseState) {
      this.databaseState = this.readDatabase();
      this.databaseState.catch(() => {
        this.databaseState = undefined;
      });
    }
    return this.databaseState;
  }

  private async readDatabase(): Promise<CdcDatabaseState> {
    const attempt = async <T>(text: string, label: string): Promise<{ rows: T[] } | { error: string }> => {
      try {
        return { rows: await this.endpoint.query<T>({ text, values: [], label }) };
      } catch (err) {
        if (!degradable(err)) throw err;
        return { error: errorMessage(err) };
      }
    };
    const db = await attempt<{ database_name: string; updateability: string | null }>(CDC_DATABASE_SQL, 'cdc-database');
    const readOnlyReplica = 'rows' in db && (db.rows[0]?.updateability ?? '').toUpperCase() === 'READ_ONLY';
    const state: CdcDatabaseState = { readOnlyReplica, jobs: null, lastScan: null };
    if (readOnlyReplica) return state;
    const jobs = await attempt<JobRow>(CDC_JOBS_SQL, 'cdc-jobs');
    if ('rows' in jobs) {
      const status = await attempt<JobStatusRow>(CDC_JOB_STATUS_SQL, 'cdc-job-status');
      state.jobs = jobsFromRows(jobs.rows, 'rows' in status ? status.rows : null);
      if ('error' in status) state.jobStatusUnreadable = status.error;
    } else state.jobsUnreadable = jobs.error;
    const scan = await attempt<LogScanRow>(LOG_SCAN_SQL, 'cdc-log-scan');
    if ('rows' in scan) state.lastScan = logScanFromRow(scan.rows[0]);
    else state.scanUnreadable = scan.error;
    return state;
  }
}

// ---------------------------------------------------------------------------------------------
// The calls the findings suggest

/** A T-SQL Unicode string literal: N'...' with ' doubled. */
export function nString(s: string): string {
  if (s.includes('\u0000')) throw new Error('a name contains a NUL character');
  return `N'${s.replace(/'/g, "''")}'`;
}

/** The @captured_column_list value: [name] (] doubled), comma-separated, in the given order. */
export function capturedColumnList(columns: readonly string[]): string {
  if (columns.length === 0) throw new Error('a capture instance needs at least one column');
  return columns.map(quoteIdent).join(', ');
}

/** Capture instance names: sysname, at most 100 characters, used to name cdc.<name>_CT and cdc.fn_cdc_get_*_<name>. */
export const MAX_CAPTURE_INSTANCE_LENGTH = 100;

/** A new capture instance name, `<schema>_<table>` (SQL Server's default) or `..._v2`, `..._v3`: not one of `existing`. */
export function newCaptureInstanceName(ref: TableRef, existing: readonly string[]): string {
  const taken = new Set(existing.map((e) => e.toLowerCase()));
  const base = `${ref.schema}_${ref.name}`.replace(/[^A-Za-z0-9_]/g, '_');
  const fit = (suffix: string) => `${base.slice(0, MAX_CAPTURE_INSTANCE_LENGTH - suffix.length)}${suffix}`;
  if (!taken.has(fit('').toLowerCase())) return fit('');
  for (let v = 2; ; v++) {
    const name = fit(`_v${v}`);
    if (!taken.has(name.toLowerCase())) return name;
  }
}

export interface EnableTableArgs {
  schema: string;
  table: string;
  captureInstance: string;
  /** Gating role; null = none (anyone who may read the source columns may read the changes). */
  roleName: string | null;
  supportsNetChanges: boolean;
  indexName?: string | null;
  filegroupName?: string | null;
  columns: readonly string[];
}

/** `EXEC sys.sp_cdc_enable_table ...;` creating a capture instance with exactly `columns`. */
export function enableTableSql(a: EnableTableArgs): string {
  const params = [
    `@source_schema = ${nString(a.schema)}`,
    `@source_name = ${nString(a.table)}`,
    `@capture_instance = ${nString(a.captureInstance)}`,
    `@role_name = ${a.roleName === null ? 'NULL' : nString(a.roleName)}`,
    `@supports_net_changes = ${a.supportsNetChanges ? 1 : 0}`,
    ...(a.indexName ? [`@index_name = ${nString(a.indexName)}`] : []),
    ...(a.filegroupName ? [`@filegroup_name = ${nString(a.filegroupName)}`] : []),
    `@captured_column_list = ${nString(capturedColumnList(a.columns))}`,
  ];
  return `EXEC sys.sp_cdc_enable_table\n  ${params.join(',\n  ')};`;
}

/** `EXEC sys.sp_cdc_disable_table ...;` dropping one capture instance (the table stays tracked by the other). */
export function disableTableSql(ref: TableRef, captureInstance: string): string {
  return `EXEC sys.sp_cdc_disable_table @source_schema = ${nString(ref.schema)}, @source_name = ${nString(ref.name)}, @capture_instance = ${nString(captureInstance)};`;
}

export const ENABLE_DB_SQL = 'EXEC sys.sp_cdc_enable_db;';

export function addJobSql(type: 'capture' | 'cleanup', retentionMinutes?: number): string {
  return `EXEC sys.sp_cdc_add_job @job_type = N'${type}'${retentionMinutes !== undefined ? `, @retention = ${Math.trunc(retentionMinutes)}` : ''};`;
}

export function startJobSql(type: 'capture' | 'cleanup'): string {
  return `EXEC sys.sp_cdc_start_job @job_type = N'${type}';`;
}

export function enableAgentJobSql(jobName: string): string {
  return `EXEC msdb.dbo.sp_update_job @job_name = ${nString(jobName)}, @enabled = 1;`;
}

export function changeRetentionSql(retentionMinutes: number): string {
  return `EXEC sys.sp_cdc_change_job @job_type = N'cleanup', @retention = ${Math.trunc(retentionMinutes)};`;
}
