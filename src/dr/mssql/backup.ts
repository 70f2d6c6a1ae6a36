/**
 * SQL Server backup and restore statements. The builders are pure (quoted
 * names, bound values) and unit-tested; they run through the `mssql` driver
 * behind the small MssqlRunner interface, which needs a real SQL Server (not
 * available here; exercised in the SQL Server integration workflow).
 *
 * BACKUP DATABASE [db] TO DISK = @path WITH COMPRESSION, CHECKSUM, COPY_ONLY, INIT
 * RESTORE VERIFYONLY FROM DISK = @path WITH CHECKSUM
 * RESTORE FILELISTONLY FROM DISK = @path      -> drives the MOVE clauses
 * RESTORE DATABASE [db] FROM DISK = @path WITH MOVE @l0 TO @p0, ..., CHECKSUM, RECOVERY[, REPLACE][, KEEP_CDC]
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { MssqlBackupConfig } from '../../config/backup.js';
import { describeFiles, type ManifestFile, type MssqlManifest, type TableCount } from '../store/manifest.js';
import { run } from '../process.js';
import { quoteIdent } from '../../dialects/mssql/quote.js';

/** A T-SQL text and its named parameters (@name -> value, bound as NVARCHAR). */
export interface TsqlStatement {
  text: string;
  params: Record<string, string | number>;
}

/** The one thing the SQL Server code needs from a driver. */
export interface MssqlRunner {
  query<T = Record<string, unknown>>(statement: TsqlStatement, options?: { timeoutMs?: number }): Promise<T[]>;
  close(): Promise<void>;
}

/** [name] with ] doubled: the reconciler's own SQL Server quoting (QUOTENAME's rule). */
export { quoteIdent as quoteMssqlIdent };

/** Joins a server-side path in the server's own style (backslashes on Windows paths). */
export function serverPathJoin(dir: string, file: string): string {
  const win = dir.includes('\\') || /^[A-Za-z]:/.test(dir);
  const s = win ? '\\' : '/';
  return dir.endsWith(s) ? `${dir}${file}` : `${dir}${s}${file}`;
}

/** BACKUP ... NAME is an nvarchar(128): cut to 128 UTF-16 units, never inside a surrogate pair. */
export function backupSetName(database: string): string {
  const name = `cdc-recon ${database}`;
  if (name.length <= 128) return name;
  const cut = name.slice(0, 128);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, 127) : cut;
}

/** What the edition allows (SERVERPROPERTY 'EngineEdition' and 'Edition'). */
export interface BackupOptions {
  compression: boolean;
  /** Why compression is left out, for the manifest. */
  compressionNote?: string;
}

/**
 * Backup options for the server's edition. Express (EngineEdition 4) and Web editions refuse WITH COMPRESSION;
 * Azure SQL Managed Instance (8) refuses TO DISK and Azure SQL Database (5) has no BACKUP statement at all:
 * both are refused with the alternative named.
 */
export function backupOptionsFor(info: { engine_edition?: number | null; edition?: string | null }): BackupOptions {
  const edition = info.edition ?? 'unknown edition';
  if (info.engine_edition === 8) {
    throw new Error(
      `SQL Server backup refused: the source is Azure SQL Managed Instance (${edition}), which does not allow BACKUP ... TO DISK. ` +
        'Take a COPY_ONLY backup TO URL (Azure Blob Storage) with the instance\'s own tooling instead; see runbooks/disaster-recovery.md',
    );
  }
  if (info.engine_edition === 5) {
    throw new Error(`SQL Server backup refused: the source is Azure SQL Database (${edition}), which has no BACKUP statement; use its automated backups or a database copy / export (bacpac)`);
  }
  if (info.engine_edition === 4 || /\bweb\b/i.test(edition)) {
    return { compression: false, compressionNote: `not compressed: ${edition} does not support backup compression` };
  }
  return { compression: true };
}

export function buildBackupStatement(database: string, serverPath: string, options: BackupOptions = { compression: true }): TsqlStatement {
  const withs = [...(options.compression ? ['COMPRESSION'] : []), 'CHECKSUM', 'COPY_ONLY', 'INIT', 'NAME = @name'];
  return {
    text: `BACKUP DATABASE ${quoteIdent(database)} TO DISK = @path WITH ${withs.join(', ')}`,
    params: { path: serverPath, name: backupSetName(database) },
  };
}

export function buildVerifyStatement(serverPath: string): TsqlStatement {
  return { text: 'RESTORE VERIFYONLY FROM DISK = @path WITH CHECKSUM', params: { path: serverPath } };
}

export function buildFileListStatement(serverPath: string): TsqlStatement {
  return { text: 'RESTORE FILELISTONLY FROM DISK = @path', params: { path: serverPath } };
}

/** One row of RESTORE FILELISTONLY (the columns the plan uses). */
export interface BackupFile {
  LogicalName: string;
  PhysicalName: string;
  /** D = data, L = log, S = FILESTREAM/memory-optimized container, F = full-text catalog. */
  Type: string;
}

export interface RestorePlanOptions {
  database: string;
  serverPath: string;
  files: BackupFile[];
  /** Directories for the MOVE targets; default: next to each file's original path. */
  dataDir?: string;
  logDir?: string;
  /** REPLACE: only with an explicit --force. */
  replace: boolean;
  /** KEEP_CDC: the restored database is the CDC source. */
  keepCdc: boolean;
}

function fileExt(type: string, index: number): string {
  if (type === 'L') return '.ldf';
  if (type === 'S' || type === 'F') return '';
  return index === 0 ? '.mdf' : '.ndf';
}

/** New physical file names for the target database: <db>_<logical><ext> in the chosen directory. */
export function moveTargets(options: Pick<RestorePlanOptions, 'database' | 'files' | 'dataDir' | 'logDir'>): Array<{ logical: string; physical: string }> {
  let dataIndex = 0;
  return options.files.map((f) => {
    const type = f.Type.toUpperCase();
    const origDir = f.PhysicalName.replace(/[\\/][^\\/]*$/, '') || '/';
    const dir = type === 'L' ? (options.logDir ?? origDir) : (options.dataDir ?? origDir);
    const safeLogical = f.LogicalName.replace(/[^A-Za-z0-9_.-]/g, '_');
    const safeDb = options.database.replace(/[^A-Za-z0-9_.-]/g, '_');
    const ext = fileExt(type, type === 'D' ? dataIndex++ : 1);
    return { logical: f.LogicalName, physical: serverPathJoin(dir, `${safeDb}_${safeLogical}${ext}`) };
  });
}

export function buildRestoreStatement(options: RestorePlanOptions): TsqlStatement {
  if (options.files.length === 0) throw new Error('RESTORE FILELISTONLY returned no files');
  const params: Record<string, string> = { path: options.serverPath };
  const moves = moveTargets(options).map((m, i) => {
    params[`l${i}`] = m.logical;
    params[`p${i}`] = m.physical;
    return `MOVE @l${i} TO @p${i}`;
  });
  const withs = [...moves, 'CHECKSUM', 'RECOVERY', 'STATS = 10'];
  if (options.replace) withs.push('REPLACE');
  if (options.keepCdc) withs.push('KEEP_CDC');
  return {
    text: `RESTORE DATABASE ${quoteIdent(options.database)} FROM DISK = @path WITH ${withs.join(', ')}`,
    params,
  };
}

/** After a KEEP_CDC restore on a server without the capture/cleanup jobs, they must be re-added. */
export function buildCdcJobStatements(database: string): TsqlStatement[] {
  const db = quoteIdent(database);
  return [
    { text: `EXEC ${db}.sys.sp_cdc_add_job @job_type = N'capture'`, params: {} },
    { text: `EXEC ${db}.sys.sp_cdc_add_job @job_type = N'cleanup'`, params: {} },
  ];
}

export const SERVER_INFO_SQL: TsqlStatement = {
  text:
    "SELECT CAST(SERVERPROPERTY('ProductVersion') AS NVARCHAR(128)) AS version, CAST(SERVERPROPERTY('Edition') AS NVARCHAR(128)) AS edition, " +
    "CAST(SERVERPROPERTY('EngineEdition') AS INT) AS engine_edition",
  params: {},
};

export function buildDatabaseInfoStatement(database: string): TsqlStatement {
  return { text: 'SELECT name, is_cdc_enabled, state_desc FROM sys.databases WHERE name = @db', params: { db: database } };
}

/**
 * Row counts from partition stats (heap or clustered index): cheap, labelled "estimated". Run inside the
 * database (its sp_executesql): a DMV named [db].sys.dm_db_partition_stats still reads the connection's
 * database, so with three-part names the counts would come from another database's object ids.
 */
export function buildRowCountStatement(database: string): TsqlStatement {
  return inDatabase(
    database,
    'SELECT s.name AS schema_name, t.name AS table_name, SUM(p.row_count) AS row_count ' +
      'FROM sys.tables AS t ' +
      'JOIN sys.schemas AS s ON s.schema_id = t.schema_id ' +
      'JOIN sys.dm_db_partition_stats AS p ON p.object_id = t.object_id AND p.index_id IN (0, 1) ' +
      "WHERE t.is_ms_shipped = 0 AND s.name <> 'cdc' " +
      'GROUP BY s.name, t.name ORDER BY s.name, t.name',
  );
}

/** `sql` (constant text, no parameters) run in `database`: EXEC [db].sys.sp_executesql N'...'. */
export function inDatabase(database: string, sql: string): TsqlStatement {
  return { text: `EXEC ${quoteIdent(database)}.sys.sp_executesql N'${sql.replace(/'/g, "''")}'`, params: {} };
}

/** Does a database of that name exist on the server? */
export function buildDatabaseExistsStatement(database: string): TsqlStatement {
  return { text: 'SELECT DB_ID(@db) AS id', params: { db: database } };
}

/** Fills {serverPath} / {localPath} in an argv template. */
export function fillCommand(template: string[], values: { serverPath: string; localPath: string }): string[] {
  return template.map((a) => a.replaceAll('{serverPath}', values.serverPath).replaceAll('{localPath}', values.localPath));
}

export function backupFileName(setId: string, database: string): string {
  return `${setId}_${database.replace(/[^A-Za-z0-9_.-]/g, '_')}.bak`;
}

export interface MssqlBackupResult {
  manifest: MssqlManifest;
  files: ManifestFile[];
  statements: TsqlStatement[];
}

/**
 * BACKUP on the server, VERIFYONLY on the server, then the configured copy
 * step brings the file into the set, where it is hashed.
 */
export async function backupMssql(options: {
  runner: MssqlRunner;
  config: MssqlBackupConfig;
  setDir: string;
  setId: string;
  secrets?: string[];
}): Promise<MssqlBackupResult> {
  const started = Date.now();
  const { runner, config } = options;
  const file = backupFileName(options.setId, config.database);
  const serverPath = serverPathJoin(config.serverBackupDir, file);
  const rel = `mssql/${file}`;
  const localPath = join(options.setDir, 'mssql', file);
  const [info] = await runner.query<{ version: string; edition?: string | null; engine_edition?: number | null }>(SERVER_INFO_SQL);
  const backupOptions = backupOptionsFor(info ?? {});
  const [db] = await runner.query<{ is_cdc_enabled: boolean | number }>(buildDatabaseInfoStatement(config.database));
  if (!db) throw new Error(`SQL Server database ${config.database} does not exist`);
  const counts = await runner.query<{ schema_name: string; table_name: string; row_count: number | string }>(buildRowCountStatement(config.database));
  const backup = buildBackupStatement(config.database, serverPath, backupOptions);
  const verify = buildVerifyStatement(serverPath);
  await runner.query(backup, { timeoutMs: 0 });
  await runner.query(verify, { timeoutMs: 0 });
  await mkdir(dirname(localPath), { recursive: true });
  await run(config.copyCommand[0]!, fillCommand(config.copyCommand.slice(1), { serverPath, localPath }), { secrets: options.secrets });
  const files = await describeFiles(options.setDir, [rel], 'mssql');
  const tables: TableCount[] = counts.map((c) => ({ schema: c.schema_name, name: c.table_name, rows: Number(c.row_count), exact: false }));
  return {
    statements: [backup, verify],
    files,
    manifest: {
      database: config.database,
      serverVersion: info?.version ?? 'unknown',
      backupFile: rel,
      serverPath,
      verifyOnly: 'passed',
      compression: backupOptions.compressionNote ?? 'compressed',
      cdcEnabled: Boolean(db.is_cdc_enabled),
      tables,
      durationMs: Date.now() - started,
    },
  };
}

/** ADO connection strings go to the driver as they are; mssql:// URLs are turned into a config. */
export function mssqlConnectionConfig(conn: string): string | Record<string, unknown> {
  if (!/^(mssql|sqlserver):\/\//i.test(conn)) return conn;
  const u = new URL(conn);
  const q = u.searchParams;
  return {
    server: u.hostname,
    port: u.port ? Number(u.port) : 1433,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || undefined,
    options: {
      encrypt: q.get('encrypt') !== 'false',
      trustServerCertificate: q.get('trustServerCertificate') === 'true',
    },
    requestTimeout: 0,
  };
}

/**
 * The real runner over the `mssql` driver (needs a SQL Server; not exercised
 * here). `database` overrides the connection's database: a restore connects
 * to master, never to the database it replaces.
 */
export async function createMssqlRunner(conn: string, options: { database?: string } = {}): Promise<MssqlRunner> {
  const sql = (await import('mssql')).default;
  const parsed = mssqlConnectionConfig(conn);
  const config = (typeof parsed === 'string' ? sql.ConnectionPool.parseConnectionString(parsed) : parsed) as Record<string, unknown>;
  if (options.database) config.database = options.database;
  config.requestTimeout = 0;
  const pool = new sql.ConnectionPool(config as never);
  pool.on('error', () => undefined);
  await pool.connect();
  return {
    async query<T>(statement: TsqlStatement, options: { timeoutMs?: number } = {}): Promise<T[]> {
      const req = pool.request();
      if (options.timeoutMs !== undefined) (req as unknown as { timeout: number }).timeout = options.timeoutMs;
      for (const [k, v] of Object.entries(statement.params)) {
        if (typeof v === 'number') req.input(k, sql.Int, v);
        else req.input(k, sql.NVarChar(sql.MAX), v);
      }
      const res = await req.query(statement.text);
      return (res.recordset ?? []) as T[];
    },
    close: () => pool.close(),
  };
}
