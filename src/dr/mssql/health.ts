/**
 * Read-only health queries of SQL Server for the diagnostics bundle: the CDC
 * source side (capture/cleanup jobs, CDC errors, log scan latency, capture instances).
 */
import { inDatabase, quoteMssqlIdent, type TsqlStatement } from './backup.js';

export function mssqlHealthSelects(database: string): Array<{ name: string; statement: TsqlStatement }> {
  return [
    { name: 'version', statement: {
        text:
          "SELECT CAST(SERVERPROPERTY('ProductVersion') AS NVARCHAR(128)) AS product_version, CAST(SERVERPROPERTY('ProductLevel') AS NVARCHAR(128)) AS product_level, " +
          "CAST(SERVERPROPERTY('Edition') AS NVARCHAR(128)) AS edition, CAST(SERVERPROPERTY('EngineEdition') AS INT) AS engine_edition, SYSUTCDATETIME() AS now_utc",
        params: {},
      } },
    { name: 'database', statement: { text: 'SELECT name, is_cdc_enabled, state_desc, recovery_model_desc, log_reuse_wait_desc FROM sys.databases WHERE name = @db', params: { db: database } } },
    {
      name: 'cdc-jobs',
      statement: {
        text: 'SELECT j.job_type, j.job_id, j.maxtrans, j.maxscans, j.continuous, j.pollinginterval, j.retention, j.threshold FROM msdb.dbo.cdc_jobs AS j WHERE j.database_id = DB_ID(@db)',
        params: { db: database },
      },
    },
    {
      name: 'cdc-job-activity',
      statement: {
        text:
          'SELECT s.name AS job_name, s.enabled, a.start_execution_date, a.stop_execution_date, a.last_executed_step_id ' +
          'FROM msdb.dbo.sysjobs AS s LEFT JOIN msdb.dbo.sysjobactivity AS a ON a.job_id = s.job_id ' +
          "WHERE s.name LIKE 'cdc.%' ORDER BY s.name, a.start_execution_date DESC",
        params: {},
      },
    },
  ];
}

/** Statements that must run inside the database (sp_executesql there): not parseable as plain SELECT. */
export function mssqlInDatabaseQueries(database: string): Array<{ name: string; statement: TsqlStatement }> {
  const db = quoteMssqlIdent(database);
  return [
    {
      name: 'capture-instances',
      statement: {
        text:
          `EXEC ${db}.sys.sp_executesql N'SELECT capture_instance, OBJECT_SCHEMA_NAME(source_object_id) AS source_schema, OBJECT_NAME(source_object_id) AS source_table, ` +
          `create_date, CONVERT(VARCHAR(22), start_lsn, 1) AS start_lsn, CONVERT(VARCHAR(22), sys.fn_cdc_get_min_lsn(capture_instance), 1) AS min_lsn FROM cdc.change_tables'`,
        params: {},
      },
    },
    // The CDC DMVs describe the current database: run in the one named, not the connection's.
    {
      name: 'cdc-errors',
      statement: inDatabase(database, 'SELECT TOP (100) session_id, phase_number, entry_time, error_number, error_severity, error_state, error_message FROM sys.dm_cdc_errors ORDER BY entry_time DESC'),
    },
    {
      name: 'cdc-log-scan-sessions',
      statement: inDatabase(
        database,
        'SELECT TOP (50) session_id, start_time, end_time, duration, scan_phase, error_count, tran_count, command_count, latency, empty_scan_count, failed_sessions_count ' +
          'FROM sys.dm_cdc_log_scan_sessions ORDER BY start_time DESC',
      ),
    },
    {
      name: 'max-lsn',
      statement: {
        text: `EXEC ${db}.sys.sp_executesql N'SELECT CONVERT(VARCHAR(22), sys.fn_cdc_get_max_lsn(), 1) AS max_lsn, sys.fn_cdc_map_lsn_to_time(sys.fn_cdc_get_max_lsn()) AS max_lsn_time'`,
        params: {},
      },
    },
  ];
}
