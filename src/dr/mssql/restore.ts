/**
 * SQL Server restore plan and execution: put the .bak on the server's disk
 * (configured upload step), RESTORE FILELISTONLY to learn the logical files,
 * RESTORE DATABASE … WITH MOVE … (REPLACE only with force; KEEP_CDC when the
 * database is the CDC source), re-add the CDC capture/cleanup jobs, then read
 * the CDC LSN range so saved connector offsets can be judged.
 */
import type { MssqlBackupConfig } from '../../config/backup.js';
import { resolveInSet, type MssqlManifest } from '../store/manifest.js';
import {
  buildCdcJobStatements,
  buildDatabaseExistsStatement,
  buildFileListStatement,
  buildRestoreStatement,
  fillCommand,
  quoteMssqlIdent,
  serverPathJoin,
  type BackupFile,
  type MssqlRunner,
  type TsqlStatement,
} from './backup.js';
import type { LsnBounds } from '../connect/offsets.js';
import { RestoreError } from '../postgres/restore.js';
import { run } from '../process.js';

/**
 * The CDC LSN range of a database. The oldest usable LSN is the newest of the
 * capture instances' minimums: below it, some table's changes are gone.
 */
export function buildLsnBoundsStatement(database: string): TsqlStatement {
  return {
    text:
      `EXEC ${quoteMssqlIdent(database)}.sys.sp_executesql N'SELECT ` +
      `CONVERT(VARCHAR(22), MAX(sys.fn_cdc_get_min_lsn(capture_instance)), 1) AS min_lsn, ` +
      `CONVERT(VARCHAR(22), sys.fn_cdc_get_max_lsn(), 1) AS max_lsn FROM cdc.change_tables'`,
    params: {},
  };
}

export interface MssqlRestorePlan {
  database: string;
  serverPath: string;
  localFile: string;
  upload?: string[];
  replace: boolean;
  keepCdc: boolean;
  steps: string[];
}

export function planMssqlRestore(options: {
  manifest: MssqlManifest;
  config?: MssqlBackupConfig;
  target?: string;
  force: boolean;
  setDir: string;
}): MssqlRestorePlan {
  const m = options.manifest;
  const database = options.target ?? m.database;
  const file = m.backupFile.split('/').pop()!;
  const serverPath = options.config ? serverPathJoin(options.config.serverBackupDir, file) : m.serverPath;
  const localFile = resolveInSet(options.setDir, m.backupFile);
  const upload = options.config?.uploadCommand ? fillCommand(options.config.uploadCommand, { serverPath, localPath: localFile }) : undefined;
  const keepCdc = m.cdcEnabled;
  const template = buildRestoreStatement({
    database,
    serverPath,
    files: [{ LogicalName: '<logical>', PhysicalName: '<from FILELISTONLY>', Type: 'D' }],
    replace: options.force,
    keepCdc,
    dataDir: options.config?.restoreDataDir,
    logDir: options.config?.restoreLogDir,
  });
  const steps = [
    upload ? `copy the backup to the server: ${upload.join(' ')}` : `expects the backup at ${serverPath} on the server (no uploadCommand configured)`,
    `check ${quoteMssqlIdent(database)} ${options.force ? 'may exist (REPLACE, --force)' : 'does not exist (refuse otherwise; --force adds REPLACE)'}`,
    `${buildFileListStatement(serverPath).text}  -- @path = ${serverPath}`,
    `${template.text.replace('MOVE @l0 TO @p0', 'MOVE @l<i> TO @p<i> for each file')}`,
  ];
  if (keepCdc) steps.push(...buildCdcJobStatements(database).map((s) => `${s.text} (if the job does not exist on this server)`));
  steps.push('read the CDC LSN range (sys.fn_cdc_get_min_lsn / fn_cdc_get_max_lsn) to judge saved connector offsets');
  return { database, serverPath, localFile, upload, replace: options.force, keepCdc, steps };
}

export interface MssqlRestoreOutcome {
  statements: TsqlStatement[];
  bounds?: LsnBounds;
  warnings: string[];
}

export async function restoreMssql(options: { runner: MssqlRunner; plan: MssqlRestorePlan; config?: MssqlBackupConfig; secrets?: string[] }): Promise<MssqlRestoreOutcome> {
  const { runner, plan } = options;
  const warnings: string[] = [];
  const [exists] = await runner.query<{ id: number | null }>(buildDatabaseExistsStatement(plan.database));
  if (exists?.id != null && !plan.replace) {
    throw new RestoreError(`SQL Server database ${plan.database} exists: restore under another --mssql-target, or pass --force to REPLACE it (nothing was changed)`);
  }
  if (plan.upload) await run(plan.upload[0]!, plan.upload.slice(1), { secrets: options.secrets });
  const files = await runner.query<BackupFile>(buildFileListStatement(plan.serverPath));
  const restore = buildRestoreStatement({
    database: plan.database,
    serverPath: plan.serverPath,
    files,
    replace: plan.replace,
    keepCdc: plan.keepCdc,
    dataDir: options.config?.restoreDataDir,
    logDir: options.config?.restoreLogDir,
  });
  await runner.query(restore, { timeoutMs: 0 });
  const statements = [restore];
  if (plan.keepCdc) {
    for (const s of buildCdcJobStatements(plan.database)) {
      statements.push(s);
      try {
        await runner.query(s);
      } catch (err) {
        warnings.push(`${s.text}: ${(err as Error).message} (the job probably exists already)`);
      }
    }
  }
  let bounds: LsnBounds | undefined;
  if (plan.keepCdc) {
    const [b] = await runner.query<{ min_lsn: string | null; max_lsn: string | null }>(buildLsnBoundsStatement(plan.database));
    if (b?.min_lsn && b.max_lsn) bounds = { min: b.min_lsn, max: b.max_lsn };
  }
  return { statements, bounds, warnings };
}
