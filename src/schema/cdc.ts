/**
 * The SQL Server CDC part of the schema check: the source table vs its
 * capture instances, and the database's capture / cleanup jobs.
 *
 * SQL Server captures only the columns a capture instance was created with:
 * a column added to the table later is never captured (Debezium never sees
 * it) until a new capture instance is created with `sys.sp_cdc_enable_table`;
 * a dropped column stays in the capture instance and arrives as NULL. A table
 * may have two capture instances at once, which is how a capture instance is
 * replaced without a gap: create the new one, let Debezium move to it, drop
 * the old one.
 *
 * The reads go through `CdcReader` (implemented in src/dialects/mssql/cdc.ts),
 * so this module and its tests need no SQL Server and no driver.
 */
import type { TableSpec } from '../config/load.js';
import type { CaptureInstance, CatalogColumn, CatalogTable, CdcDatabaseState, CdcJob, CdcReader, CdcTableState, LogScanSession, TableRef } from '../dialects/types.js';
import { quoteIdent } from '../dialects/mssql/quote.js';
import {
  addJobSql,
  changeRetentionSql,
  disableTableSql,
  ENABLE_DB_SQL,
  enableAgentJobSql,
  enableTableSql,
  newCaptureInstanceName,
  startJobSql,
} from '../dialects/mssql/cdc.js';
import { keyNamesOf, selectedSourceColumns } from './compare.js';
import { q, type SchemaFinding, type SchemaSeverity } from './findings.js';

export type { CaptureInstance, CdcDatabaseState, CdcJob, CdcReader, CdcTableState, LogScanSession };

/** Cleanup retention under this many minutes: a pipeline outage of a day loses changes. */
export const MIN_RETENTION_MINUTES = 24 * 60;
/** SQL Server's default cleanup retention (3 days), the value the fix proposes. */
export const DEFAULT_RETENTION_MINUTES = 3 * 24 * 60;
/** Capture latency above this (the CdcLagHigh threshold) is worth a warning. */
export const MAX_CAPTURE_LATENCY_SECONDS = 15 * 60;

export interface CdcCheckInput {
  spec: TableSpec;
  source: CatalogTable;
  table: CdcTableState;
  database: CdcDatabaseState;
}

/** Reads the CDC state of the source table and checks it. */
export async function readAndCheckCdc(reader: CdcReader, spec: TableSpec, source: CatalogTable): Promise<SchemaFinding[]> {
  const [table, database] = await Promise.all([reader.table(source), reader.database()]);
  return checkCdc({ spec, source, table, database });
}

function findName(names: readonly string[], name: string): string | undefined {
  return names.find((n) => n === name) ?? names.find((n) => n.toLowerCase() === name.toLowerCase());
}

const dateText = (d: Date | null) => (d ? d.toISOString().replace('.000Z', 'Z') : 'unknown date');

export function checkCdc(input: CdcCheckInput): SchemaFinding[] {
  const { spec, source, table: state, database } = input;
  const out: SchemaFinding[] = [];
  const add = (severity: SchemaSeverity, code: string, message: string, fix?: string, column?: string) => {
    out.push({ table: spec.id, severity, code, message, ...(fix ? { fix } : {}), ...(column !== undefined ? { column } : {}) });
  };
  const ref: TableRef = { schema: source.schema, name: source.name };
  const name = `${source.schema}.${source.name}`;
  const keys = keyNamesOf(spec, source);
  // What the pipeline must carry: the columns the comparison selects (config include / exclude), keys included.
  const wanted = selectedSourceColumns(spec, source);
  const byOrdinal = (cols: CatalogColumn[]) => [...cols].sort((a, b) => a.ordinal - b.ordinal);
  const snapshotNote = `-- Then backfill the existing values (a Debezium incremental snapshot of ${name}: the execute-snapshot signal).`;

  if (!state.databaseEnabled || !state.tableTracked) {
    const enable = enableTableSql({
      schema: ref.schema,
      table: ref.name,
      captureInstance: newCaptureInstanceName(ref, []),
      roleName: null,
      supportsNetChanges: false,
      columns: byOrdinal(wanted).map((c) => c.name),
    });
    const where = state.databaseEnabled ? `table ${name}` : `database ${state.database} (sys.databases.is_cdc_enabled = 0), so for table ${name} too`;
    add(
      'error',
      'cdc-disabled',
      `change data capture is off for ${where}: no change of the table reaches Debezium, so the target cannot follow the source`,
      [
        ...(state.databaseEnabled ? [] : [`-- Enable CDC on the database (sysadmin):`, ENABLE_DB_SQL]),
        `-- Capture the table (db_owner); add it to the connector's table.include.list:`,
        enable,
        snapshotNote,
      ].join('\n'),
    );
    return out;
  }

  if (state.instancesUnreadable !== undefined || state.instances.length === 0) {
    add(
      'warning',
      'cdc-metadata-unreadable',
      state.instancesUnreadable !== undefined
        ? `table ${name} is tracked by CDC but its capture instances could not be read (${state.instancesUnreadable}): which columns are captured was not checked`
        : `table ${name} is tracked by CDC but no capture instance is visible to this login (not a member of its gating role?): which columns are captured was not checked`,
      `let the reconcile login read CDC metadata: GRANT SELECT ON SCHEMA::cdc TO <login>, or make it a member of the capture instance's gating role (role_name of sys.sp_cdc_help_change_data_capture)`,
    );
  } else {
    checkInstances(state.instances);
  }
  checkDatabase();
  return out;

  function checkInstances(instances: CaptureInstance[]): void {
    const newest = instances[instances.length - 1]!;
    const oldest = instances[0]!;
    const tableNames = source.columns.map((c) => c.name);
    const capturedByAny = (col: string) => instances.some((ci) => findName(ci.columns, col) !== undefined);
    const notCaptured = wanted.filter((c) => !capturedByAny(c.name));
    // Dropped at the source but still captured: NULL in every new change row.
    const stale = instances.flatMap((ci) => ci.columns.filter((c) => findName(tableNames, c) === undefined).map((c) => ({ ci, column: c })));
    // Two instances: what the older captures and the newer does not stops flowing once Debezium moves on.
    const lostOnSwitch =
      instances.length > 1 ? wanted.filter((c) => findName(oldest.columns, c.name) !== undefined && findName(newest.columns, c.name) === undefined) : [];

    const describe = (ci: CaptureInstance) => `${ci.name} (created ${dateText(ci.createDate)}, ${ci.columns.length} column(s))`;
    if (notCaptured.length > 0 || stale.length > 0 || lostOnSwitch.length > 0) {
      const fix = replacementScript(instances);
      for (const c of notCaptured) {
        add(
          'error',
          'cdc-column-not-captured',
          `column ${q(c.name)} of ${name} is not captured by any capture instance (${instances.map(describe).join(', ')}): SQL Server never records its changes, so Debezium never sends it and the target cannot match. A column added after sys.sp_cdc_enable_table needs a new capture instance`,
          fix,
          c.name,
        );
      }
      for (const c of lostOnSwitch) {
        add(
          'warning',
          'cdc-column-dropped-by-new-instance',
          `column ${q(c.name)} is captured by the older capture instance ${oldest.name} but not by the newer ${newest.name}: once Debezium moves to ${newest.name}, its changes stop reaching the target`,
          fix,
          c.name,
        );
      }
      for (const { ci, column } of stale) {
        add(
          'warning',
          'cdc-captures-dropped-column',
          `capture instance ${ci.name} captures column ${q(column)}, which ${name} no longer has: every new change row carries NULL for it (a target that still has it keeps stale values)`,
          fix,
          column,
        );
      }
    }
    if (instances.length > 1) {
      add(
        'info',
        'cdc-two-capture-instances',
        `${name} has two capture instances, ${describe(oldest)} and ${describe(newest)}: a capture instance migration is in progress. Debezium reads the older until changes appear in the newer, then moves to it`,
        `once the connector reads from ${newest.name} (its log says so), drop the older one:\n${disableTableSql(ref, oldest.name)}`,
      );
    }
  }

  /** Create a capture instance with the right columns, let Debezium move, drop the old one(s). */
  function replacementScript(instances: CaptureInstance[]): string {
    const newest = instances[instances.length - 1]!;
    // Computed columns cannot be captured: never in a capture instance's column list.
    const tableCols = byOrdinal(source.columns.filter((c) => !c.computed));
    const keep = new Set<string>();
    // What the newest captures and the table still has, what the comparison needs, and the key.
    for (const c of tableCols) {
      const capturedNow = findName(newest.columns, c.name) !== undefined;
      const needed = wanted.some((w) => w.name === c.name) || keys.includes(c.name);
      if (capturedNow || needed) keep.add(c.name);
    }
    const lines: string[] = [];
    let existing = instances.map((i) => i.name);
    let stillAlive = instances;
    if (instances.length >= 2) {
      const older = instances[0]!;
      lines.push(
        `-- ${name} already has two capture instances (the most it may have). Drop the older one first,`,
        `-- after checking the connector no longer reads it:`,
        disableTableSql(ref, older.name),
      );
      stillAlive = instances.slice(1);
      existing = instances.map((i) => i.name);
    }
    const newName = newCaptureInstanceName(ref, existing);
    lines.push(
      `-- 1. A new capture instance with every column the target needs (db_owner):`,
      enableTableSql({
        schema: ref.schema,
        table: ref.name,
        captureInstance: newName,
        roleName: newest.roleName,
        supportsNetChanges: newest.supportsNetChanges,
        indexName: newest.indexName,
        filegroupName: newest.filegroupName,
        columns: tableCols.filter((c) => keep.has(c.name)).map((c) => c.name),
      }),
      `-- 2. Add the new columns to the target table if the sink does not; Debezium moves to ${newName} by itself.`,
      snapshotNote,
      `-- 3. When the connector reads from ${newName}, drop the old capture instance:`,
      ...stillAlive.map((ci) => disableTableSql(ref, ci.name)),
    );
    return lines.join('\n');
  }

  function checkDatabase(): void {
    if (database.readOnlyReplica) return;
    if (database.jobs === null) {
      add(
        'info',
        'cdc-jobs-unreadable',
        `the CDC capture and cleanup jobs were not checked: msdb.dbo.cdc_jobs could not be read (${database.jobsUnreadable ?? 'unknown reason'})`,
        `let the reconcile login read msdb.dbo.cdc_jobs (a user in msdb with SELECT on it) to have them checked; on Azure SQL Database CDC has no Agent jobs`,
      );
    } else {
      const capture = database.jobs.find((j) => j.type === 'capture');
      const cleanup = database.jobs.find((j) => j.type === 'cleanup');
      if (!capture) {
        add('error', 'cdc-capture-job-missing', `database ${state.database} has no CDC capture job: nothing reads the transaction log into the change tables, so no change reaches Debezium`, addJobSql('capture'));
      } else if (capture.enabled === false) {
        add('error', 'cdc-capture-job-disabled', `the CDC capture job ${capture.name ?? ''} of ${state.database} is disabled: changes stay in the log and do not reach Debezium`, `${enableAgentJobSql(capture.name ?? `cdc.${state.database}_capture`)}\n${startJobSql('capture')}`);
      } else if (capture.running === false && capture.continuous !== false) {
        add('error', 'cdc-capture-job-stopped', `the CDC capture job ${capture.name ?? ''} of ${state.database} is not running (SQL Server Agent stopped, or the job stopped): changes since then have not reached Debezium`, `start SQL Server Agent if it is stopped, then:\n${startJobSql('capture')}`);
      }
      if (!cleanup) {
        add('warning', 'cdc-cleanup-job-missing', `database ${state.database} has no CDC cleanup job: the change tables grow without bound`, addJobSql('cleanup', DEFAULT_RETENTION_MINUTES));
      } else {
        if (cleanup.enabled === false) {
          add('warning', 'cdc-cleanup-job-disabled', `the CDC cleanup job ${cleanup.name ?? ''} of ${state.database} is disabled: the change tables grow without bound`, enableAgentJobSql(cleanup.name ?? `cdc.${state.database}_cleanup`));
        }
        if (cleanup.retentionMinutes !== null && cleanup.retentionMinutes < MIN_RETENTION_MINUTES) {
          add(
            'warning',
            'cdc-retention-short',
            `CDC retention of ${state.database} is ${cleanup.retentionMinutes} minutes: change rows are deleted after that, so a Debezium outage longer than ${cleanup.retentionMinutes} minutes loses changes (the connector then needs a new snapshot)`,
            changeRetentionSql(DEFAULT_RETENTION_MINUTES),
          );
        }
      }
    }
    const scan = database.lastScan;
    if (scan && scan.errorCount > 0) {
      add('warning', 'cdc-capture-errors', `the newest CDC log scan session (started ${dateText(scan.startTime)}) reported ${scan.errorCount} error(s): changes may be missing`, `USE ${quoteIdent(state.database)}; -- the CDC DMVs describe the current database\nSELECT TOP (20) * FROM sys.dm_cdc_errors ORDER BY entry_time DESC;`);
    }
    if (scan && scan.latencySeconds !== null && scan.latencySeconds > MAX_CAPTURE_LATENCY_SECONDS) {
      add('warning', 'cdc-capture-latency', `CDC capture is ${scan.latencySeconds} s behind the transaction log (newest log scan session): the target lags at least that much`, 'see runbooks/cdc-capture-job.md');
    }
  }
}
