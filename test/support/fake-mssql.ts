/**
 * FakeMssqlRunner: stands in for SQL Server (which cannot run here) behind
 * the MssqlRunner interface. It records every statement with its bound
 * parameters and answers the few the DR code reads. BACKUP DATABASE writes a
 * small file at @path, as the server would on its own disk, so the copy step
 * and hashing run for real.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { MssqlRunner, TsqlStatement } from '../../src/dr/mssql/backup.js';

export interface FakeMssqlOptions {
  databaseExists?: boolean;
  cdcEnabled?: boolean;
  files?: Array<{ LogicalName: string; PhysicalName: string; Type: string }>;
  lsnBounds?: { min_lsn: string; max_lsn: string };
  /** Statement prefix -> error to throw. */
  failOn?: Record<string, string>;
  backupBytes?: Buffer;
  /** SERVERPROPERTY('Edition') / ('EngineEdition'); default Developer (3). */
  edition?: string;
  engineEdition?: number;
}

export class FakeMssqlRunner implements MssqlRunner {
  readonly statements: TsqlStatement[] = [];
  closed = false;
  constructor(private readonly options: FakeMssqlOptions = {}) {}

  async query<T>(statement: TsqlStatement): Promise<T[]> {
    this.statements.push(statement);
    const t = statement.text;
    for (const [prefix, message] of Object.entries(this.options.failOn ?? {})) {
      if (t.startsWith(prefix)) throw new Error(message);
    }
    const rows = (r: unknown[]) => r as T[];
    if (t.startsWith('SELECT CAST(SERVERPROPERTY')) return rows([{ version: '16.0.4135.4', edition: this.options.edition ?? 'Developer Edition (64-bit)', engine_edition: this.options.engineEdition ?? 3 }]);
    if (t.startsWith('SELECT name, is_cdc_enabled')) return rows([{ name: statement.params.db, is_cdc_enabled: this.options.cdcEnabled ?? true, state_desc: 'ONLINE' }]);
    if (/^(EXEC \[[^\]]+\]\.sys\.sp_executesql N')?SELECT s\.name AS schema_name/.test(t)) return rows([{ schema_name: 'dbo', table_name: 'orders', row_count: '1200' }, { schema_name: 'dbo', table_name: 'customers', row_count: 30 }]);
    if (t.startsWith('BACKUP DATABASE')) {
      const path = String(statement.params.path);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, this.options.backupBytes ?? Buffer.from('TAPE fake SQL Server backup'));
      return [];
    }
    if (t.startsWith('RESTORE VERIFYONLY')) return [];
    if (t.startsWith('SELECT DB_ID')) return rows([{ id: this.options.databaseExists ? 7 : null }]);
    if (t.startsWith('RESTORE FILELISTONLY')) {
      return rows(
        this.options.files ?? [
          { LogicalName: 'shop', PhysicalName: '/var/opt/mssql/data/shop.mdf', Type: 'D' },
          { LogicalName: 'shop_log', PhysicalName: '/var/opt/mssql/data/shop_log.ldf', Type: 'L' },
        ],
      );
    }
    if (t.startsWith('RESTORE DATABASE')) return [];
    if (t.includes('sp_cdc_add_job')) return [];
    if (t.includes('fn_cdc_get_min_lsn')) return rows([this.options.lsnBounds ?? { min_lsn: '0x0000002A000001000001', max_lsn: '0x0000002B000004980003' }]);
    return [];
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
