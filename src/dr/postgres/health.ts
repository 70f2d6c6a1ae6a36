/**
 * Read-only health queries of PostgreSQL for the diagnostics bundle: the CDC
 * side (replication slots and their lag, long transactions, sizes).
 */

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
