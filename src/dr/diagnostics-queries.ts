/**
 * Read-only health queries for the diagnostics bundle. PostgreSQL: the CDC
 * target side (replication slots and their lag, long transactions, sizes).
 * SQL Server: the CDC source side (capture/cleanup jobs, CDC errors, log scan
 * latency, capture instances).
 */
import { inDatabase, quoteMssqlIdent, type TsqlStatement } from './mssql-backup.js';

export interface NamedQuery {
  name: string;
  text: string;
}

export function postgresHealthQueries(longTxSeconds: number): NamedQuery[] {
  const secs = Math.max(1, Math.floor(longTxSeconds));
  return [
    { name: 'version', text: "SELECT version() AS version, current_setting('server_version') AS server_version, pg_postmaster_start_time() AS started_at, now() AS now" },
    {
      name: 'settings',
      text: "SELECT name, setting, unit FROM pg_settings WHERE name IN ('wal_level','max_replication_slots','max_wal_senders','max_slot_wal_keep_size','max_connections','statement_timeout','idle_in_transaction_session_timeout','shared_buffers','work_mem') ORDER BY name",
    },
    {
      name: 'replication-slots',
      text:
        'SELECT slot_name, plugin, slot_type, database, active, active_pid, restart_lsn, confirmed_flush_lsn, ' +
        "CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) END AS restart_lag_bytes, " +
        "CASE WHEN pg_is_in_recovery() OR confirmed_flush_lsn IS NULL THEN NULL ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn) END AS flush_lag_bytes, " +
        'wal_status, safe_wal_size FROM pg_replication_slots ORDER BY slot_name',
    },
    {
      name: 'replication',
      text: 'SELECT pid, application_name, client_addr, state, sync_state, write_lag, flush_lag, replay_lag FROM pg_stat_replication ORDER BY pid',
    },
    {
      name: 'long-transactions',
      text:
        'SELECT pid, datname, usename, application_name, state, xact_start, now() - xact_start AS xact_age, wait_event_type, wait_event, left(query, 500) AS query ' +
        `FROM pg_stat_activity WHERE xact_start IS NOT NULL AND now() - xact_start > interval '${secs} seconds' AND pid <> pg_backend_pid() ORDER BY xact_start`,
    },
    {
      name: 'connections',
      text: "SELECT datname, state, count(*) AS sessions FROM pg_stat_activity WHERE backend_type = 'client backend' GROUP BY datname, state ORDER BY datname, state",
    },
    { name: 'database-sizes', text: 'SELECT datname, pg_database_size(datname) AS bytes FROM pg_database WHERE datallowconn ORDER BY bytes DESC' },
    {
      name: 'largest-tables',
      text:
        'SELECT n.nspname AS schema, c.relname AS name, c.reltuples::int8 AS estimated_rows, pg_total_relation_size(c.oid) AS total_bytes, s.n_dead_tup, s.last_autovacuum, s.last_autoanalyze ' +
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.relkind IN ('r','p') AND n.nspname NOT IN ('pg_catalog','information_schema') " +
        'ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 50',
    },
    { name: 'locks-waiting', text: 'SELECT pid, locktype, mode, relation::regclass::text AS relation, granted FROM pg_locks WHERE NOT granted' },
  ];
}

/** SELECTs the T-SQL parser can check. */
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
