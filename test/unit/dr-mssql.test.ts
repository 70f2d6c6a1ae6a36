/**
 * SQL Server DR statements: SELECTs are checked by node-sql-parser's T-SQL
 * grammar; BACKUP / RESTORE (which it cannot parse) by exact text, quoting
 * and bound parameters. The backup/restore flow runs against FakeMssqlRunner
 * with a real copy command.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pkg from 'node-sql-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBackupConfig } from '../../src/config/load-backup.js';
import {
  backupFileName,
  backupMssql,
  buildBackupStatement,
  buildCdcJobStatements,
  buildDatabaseExistsStatement,
  buildDatabaseInfoStatement,
  buildFileListStatement,
  buildRestoreStatement,
  buildRowCountStatement,
  buildVerifyStatement,
  fillCommand,
  moveTargets,
  mssqlConnectionConfig,
  quoteMssqlIdent,
  SERVER_INFO_SQL,
  serverPathJoin,
} from '../../src/dr/mssql/backup.js';
import { buildLsnBoundsStatement, planMssqlRestore, restoreMssql } from '../../src/dr/mssql/restore.js';
import { mssqlHealthSelects, mssqlInDatabaseQueries } from '../../src/dr/mssql/health.js';
import { sha256File } from '../../src/dr/store/manifest.js';
import { FakeMssqlRunner } from '../support/fake-mssql.js';

const parser = new pkg.Parser();
const tsql = (text: string) => parser.astify(text, { database: 'TransactSQL' });

describe('quoting', () => {
  it('brackets names and doubles ]', () => {
    expect(quoteMssqlIdent('shop')).toBe('[shop]');
    expect(quoteMssqlIdent('a]b')).toBe('[a]]b]');
    expect(quoteMssqlIdent('x]; DROP DATABASE [prod]; --')).toBe('[x]]; DROP DATABASE [prod]]; --]');
    expect(() => quoteMssqlIdent('')).toThrow(/empty/);
    expect(() => quoteMssqlIdent('a\u0000b')).toThrow(/NUL/);
    expect(() => quoteMssqlIdent('x'.repeat(129))).toThrow(/128/);
  });

  it('an injected name stays one bracketed identifier in every statement', () => {
    const evil = "shop]; DROP DATABASE master; --";
    const b = buildBackupStatement(evil, 'C:\\bak\\x.bak');
    expect(b.text).toBe('BACKUP DATABASE [shop]]; DROP DATABASE master; --] TO DISK = @path WITH COMPRESSION, CHECKSUM, COPY_ONLY, INIT, NAME = @name');
    // The first unescaped ] is the one that closes the identifier right before TO DISK.
    const collapsed = b.text.slice('BACKUP DATABASE ['.length).replace(/]]/g, '\u0001');
    expect(collapsed.indexOf(']')).toBe(collapsed.indexOf('] TO DISK = @path'));
  });
});

describe('BACKUP / RESTORE builders (exact text, bound values)', () => {
  it('BACKUP DATABASE … TO DISK … WITH COMPRESSION, CHECKSUM, COPY_ONLY, INIT', () => {
    const s = buildBackupStatement('shop', "/var/opt/mssql/backup/it's.bak");
    expect(s.text).toBe('BACKUP DATABASE [shop] TO DISK = @path WITH COMPRESSION, CHECKSUM, COPY_ONLY, INIT, NAME = @name');
    expect(s.params).toEqual({ path: "/var/opt/mssql/backup/it's.bak", name: 'cdc-recon shop' });
  });

  it('RESTORE VERIFYONLY … WITH CHECKSUM and FILELISTONLY take the path as a parameter', () => {
    expect(buildVerifyStatement('/b/x.bak')).toEqual({ text: 'RESTORE VERIFYONLY FROM DISK = @path WITH CHECKSUM', params: { path: '/b/x.bak' } });
    expect(buildFileListStatement('/b/x.bak')).toEqual({ text: 'RESTORE FILELISTONLY FROM DISK = @path', params: { path: '/b/x.bak' } });
  });

  const files = [
    { LogicalName: 'shop', PhysicalName: 'D:\\data\\shop.mdf', Type: 'D' },
    { LogicalName: 'shop_2', PhysicalName: 'D:\\data\\shop_2.ndf', Type: 'D' },
    { LogicalName: "shop log'", PhysicalName: 'L:\\logs\\shop_log.ldf', Type: 'L' },
  ];

  it('RESTORE DATABASE: FILELISTONLY rows drive MOVE; no REPLACE without force; KEEP_CDC for a CDC source', () => {
    const s = buildRestoreStatement({ database: 'shop_restored', serverPath: 'B:\\x.bak', files, replace: false, keepCdc: true });
    expect(s.text).toBe(
      'RESTORE DATABASE [shop_restored] FROM DISK = @path WITH MOVE @l0 TO @p0, MOVE @l1 TO @p1, MOVE @l2 TO @p2, CHECKSUM, RECOVERY, STATS = 10, KEEP_CDC',
    );
    expect(s.text).not.toContain('REPLACE');
    expect(s.params).toEqual({
      path: 'B:\\x.bak',
      l0: 'shop',
      p0: 'D:\\data\\shop_restored_shop.mdf',
      l1: 'shop_2',
      p1: 'D:\\data\\shop_restored_shop_2.ndf',
      l2: "shop log'",
      p2: 'L:\\logs\\shop_restored_shop_log_.ldf',
    });
  });

  it('REPLACE only when asked (force); no KEEP_CDC when the database is not a CDC source; MOVE into configured dirs', () => {
    const s = buildRestoreStatement({ database: 'shop', serverPath: '/b/x.bak', files, replace: true, keepCdc: false, dataDir: '/data', logDir: '/log' });
    expect(s.text).toMatch(/, REPLACE$/);
    expect(s.text).not.toContain('KEEP_CDC');
    expect(moveTargets({ database: 'shop', files, dataDir: '/data', logDir: '/log' }).map((m) => m.physical)).toEqual([
      '/data/shop_shop.mdf',
      '/data/shop_shop_2.ndf',
      '/log/shop_shop_log_.ldf',
    ]);
    expect(() => buildRestoreStatement({ database: 'x', serverPath: '/b', files: [], replace: false, keepCdc: false })).toThrow(/no files/);
  });

  it('re-adds the CDC jobs in the restored database', () => {
    expect(buildCdcJobStatements('a]b').map((s) => s.text)).toEqual([
      "EXEC [a]]b].sys.sp_cdc_add_job @job_type = N'capture'",
      "EXEC [a]]b].sys.sp_cdc_add_job @job_type = N'cleanup'",
    ]);
  });

  it('server paths follow the server style; copy templates are filled without a shell', () => {
    expect(serverPathJoin('C:\\backup', 'x.bak')).toBe('C:\\backup\\x.bak');
    expect(serverPathJoin('/var/opt/mssql/backup/', 'x.bak')).toBe('/var/opt/mssql/backup/x.bak');
    expect(fillCommand(['docker', 'cp', 'mssql:{serverPath}', '{localPath}'], { serverPath: '/s/a b.bak', localPath: '/l/$(rm -rf).bak' })).toEqual([
      'docker',
      'cp',
      'mssql:/s/a b.bak',
      '/l/$(rm -rf).bak',
    ]);
    expect(backupFileName('cdc-recon-20240101T000000000Z', 'shop/../x')).toBe('cdc-recon-20240101T000000000Z_shop_.._x.bak');
  });

  it('mssql:// URLs become a driver config; ADO strings pass through', () => {
    expect(mssqlConnectionConfig('Server=h;Database=d;User Id=u;Password=p')).toBe('Server=h;Database=d;User Id=u;Password=p');
    expect(mssqlConnectionConfig('mssql://sa:p%40ss@db.local:1444/shop?trustServerCertificate=true')).toMatchObject({
      server: 'db.local',
      port: 1444,
      user: 'sa',
      password: 'p@ss',
      database: 'shop',
      options: { encrypt: true, trustServerCertificate: true },
    });
  });
});

describe('SELECTs parse as T-SQL', () => {
  const selects = [
    SERVER_INFO_SQL,
    buildDatabaseInfoStatement('shop'),
    buildDatabaseExistsStatement('shop'),
    ...mssqlHealthSelects('shop').map((q) => q.statement),
  ];
  it.each(selects.map((s) => [s.text.slice(0, 60), s] as const))('%s', (_label, s) => {
    const ast = tsql(s.text);
    const list = Array.isArray(ast) ? ast : [ast];
    expect(list).toHaveLength(1);
    expect(list[0]!.type).toBe('select');
  });

  it('the in-database queries are one EXEC of sp_executesql whose inner SELECT parses', () => {
    // Row counts and the CDC DMVs too: a DMV under a three-part name still reads the connection's database.
    const all = [...mssqlInDatabaseQueries('shop').map((q) => q.statement), buildLsnBoundsStatement('shop'), buildRowCountStatement('shop')];
    expect(all.map((s) => s.text).join('\n')).toMatch(/sys\.dm_db_partition_stats[\s\S]*sys\.dm_cdc_errors|sys\.dm_cdc_errors[\s\S]*sys\.dm_db_partition_stats/);
    expect(mssqlHealthSelects('shop').map((q) => q.statement.text).join('\n')).not.toMatch(/sys\.dm_(cdc|db)_/);
    for (const s of all) {
      const m = /^EXEC \[shop\]\.sys\.sp_executesql N'(.*)'$/s.exec(s.text);
      expect(m, s.text).not.toBeNull();
      const inner = m![1]!.replace(/''/g, "'");
      const ast = tsql(inner);
      expect((Array.isArray(ast) ? ast[0] : ast)!.type).toBe('select');
    }
  });

  it('the parser rejects what it cannot read (so the exact-text tests above are the check for BACKUP)', () => {
    expect(() => tsql(buildBackupStatement('shop', '/x').text)).toThrow();
  });
});

describe('backup and restore flow against FakeMssqlRunner', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'dr-mssql-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const cfg = () =>
    parseBackupConfig(
      {
        mssql: {
          urlEnv: 'SOURCE_URL',
          database: 'shop',
          serverBackupDir: join(root, 'server-disk'),
          copyCommand: ['cp', '{serverPath}', '{localPath}'],
          uploadCommand: ['cp', '{localPath}', '{serverPath}'],
          restoreDataDir: '/var/opt/mssql/data',
          restoreLogDir: '/var/opt/mssql/log',
        },
      },
      't.yml',
    ).mssql!;

  it('BACKUP, VERIFYONLY, then the copy step brings the file into the set where it is hashed', async () => {
    const runner = new FakeMssqlRunner({ backupBytes: Buffer.from('0123456789') });
    const setDir = join(root, 'set');
    const r = await backupMssql({ runner, config: cfg(), setDir, setId: 'cdc-recon-20240101T000000000Z' });
    const texts = runner.statements.map((s) => s.text.split(' ').slice(0, 2).join(' '));
    expect(texts).toEqual(['SELECT CAST(SERVERPROPERTY(\'ProductVersion\')', 'SELECT name,', 'EXEC [shop].sys.sp_executesql', 'BACKUP DATABASE', 'RESTORE VERIFYONLY']);
    const backup = runner.statements[3]!;
    const verify = runner.statements[4]!;
    expect(verify.params.path).toBe(backup.params.path);
    expect(r.manifest).toMatchObject({ database: 'shop', serverVersion: '16.0.4135.4', verifyOnly: 'passed', cdcEnabled: true, backupFile: 'mssql/cdc-recon-20240101T000000000Z_shop.bak' });
    expect(r.manifest.tables).toEqual([
      { schema: 'dbo', name: 'orders', rows: 1200, exact: false },
      { schema: 'dbo', name: 'customers', rows: 30, exact: false },
    ]);
    expect(await readFile(join(setDir, r.manifest.backupFile), 'utf8')).toBe('0123456789');
    expect(r.files[0]!.sha256).toBe(await sha256File(join(setDir, r.manifest.backupFile)));
  });

  it('a failing VERIFYONLY fails the backup', async () => {
    const runner = new FakeMssqlRunner({ failOn: { 'RESTORE VERIFYONLY': 'The backup set on file 1 is not valid.' } });
    await expect(backupMssql({ runner, config: cfg(), setDir: join(root, 'set2'), setId: 'cdc-recon-20240101T000000000Z' })).rejects.toThrow(/not valid/);
  });

  it('restore refuses an existing database without force, and uses REPLACE with it', async () => {
    const setDir = join(root, 'set');
    const manifest = {
      database: 'shop',
      serverVersion: '16',
      backupFile: 'mssql/cdc-recon-20240101T000000000Z_shop.bak',
      serverPath: '/ignored',
      verifyOnly: 'passed' as const,
      cdcEnabled: true,
      tables: [],
      durationMs: 1,
    };
    const refused = new FakeMssqlRunner({ databaseExists: true });
    const plan = planMssqlRestore({ manifest, config: cfg(), force: false, setDir });
    await expect(restoreMssql({ runner: refused, plan, config: cfg() })).rejects.toThrow(/exists: restore under another --mssql-target, or pass --force/);
    expect(refused.statements.map((s) => s.text)).toEqual(['SELECT DB_ID(@db) AS id']);

    const runner = new FakeMssqlRunner({ databaseExists: true });
    const forced = planMssqlRestore({ manifest, config: cfg(), force: true, setDir });
    const out = await restoreMssql({ runner, plan: forced, config: cfg() });
    const restore = runner.statements.find((s) => s.text.startsWith('RESTORE DATABASE'))!;
    expect(restore.text).toBe('RESTORE DATABASE [shop] FROM DISK = @path WITH MOVE @l0 TO @p0, MOVE @l1 TO @p1, CHECKSUM, RECOVERY, STATS = 10, REPLACE, KEEP_CDC');
    expect(restore.params).toMatchObject({ l0: 'shop', p0: '/var/opt/mssql/data/shop_shop.mdf', l1: 'shop_log', p1: '/var/opt/mssql/log/shop_shop_log.ldf' });
    // The upload step put the set's file on the "server disk".
    expect(await readFile(forced.serverPath, 'utf8')).toBe('0123456789');
    expect(out.bounds).toEqual({ min: '0x0000002A000001000001', max: '0x0000002B000004980003' });
    expect(runner.statements.filter((s) => s.text.includes('sp_cdc_add_job'))).toHaveLength(2);
  });
});
