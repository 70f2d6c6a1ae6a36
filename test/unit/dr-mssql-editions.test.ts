/**
 * SQL Server backup options per edition (issue 20, item 4). The statements are exact text (the T-SQL parser
 * cannot read BACKUP); the flow runs against FakeMssqlRunner, which stands in for the driver only (the real
 * server runs the same statements in .github/workflows/integration.yml).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBackupConfig } from '../../src/config/load-backup.js';
import { backupMssql, backupOptionsFor, backupSetName, buildBackupStatement, SERVER_INFO_SQL } from '../../src/dr/mssql/backup.js';
import { FakeMssqlRunner } from '../support/fake-mssql.js';

describe('backup options per edition', () => {
  it('the server probe reads EngineEdition next to Edition', () => {
    expect(SERVER_INFO_SQL.text).toContain("CAST(SERVERPROPERTY('EngineEdition') AS INT) AS engine_edition");
  });

  it.each([
    [3, 'Developer Edition (64-bit)', true],
    [3, 'Enterprise Edition: Core-based Licensing (64-bit)', true],
    [2, 'Standard Edition (64-bit)', true],
    [4, 'Express Edition (64-bit)', false],
    [4, 'Express Edition with Advanced Services (64-bit)', false],
    [2, 'Web Edition (64-bit)', false],
  ] as const)('EngineEdition %i, %s: compression %s', (engine, edition, compressed) => {
    const o = backupOptionsFor({ engine_edition: engine, edition });
    expect(o.compression).toBe(compressed);
    const s = buildBackupStatement('shop', '/b/x.bak', o);
    expect(s.text).toBe(`BACKUP DATABASE [shop] TO DISK = @path WITH ${compressed ? 'COMPRESSION, ' : ''}CHECKSUM, COPY_ONLY, INIT, NAME = @name`);
    if (!compressed) expect(o.compressionNote).toContain(edition);
  });

  it('Azure SQL Managed Instance is refused with the alternative (TO URL) named; Azure SQL Database too', () => {
    expect(() => backupOptionsFor({ engine_edition: 8, edition: 'SQL Azure' })).toThrow(/Managed Instance.*TO DISK.*TO URL/s);
    expect(() => backupOptionsFor({ engine_edition: 5, edition: 'SQL Azure' })).toThrow(/Azure SQL Database.*no BACKUP statement/);
  });

  it('the backup set NAME stays within nvarchar(128) for a 128-character database name, never splitting a surrogate pair', () => {
    const long = 'd'.repeat(128);
    expect(backupSetName('shop')).toBe('cdc-recon shop');
    expect(backupSetName(long)).toHaveLength(128);
    expect(buildBackupStatement(long, '/b/x.bak').params.name).toBe(`cdc-recon ${'d'.repeat(118)}`);
    // 118 BMP characters after the prefix, then an emoji straddling unit 128: dropped whole.
    const emoji = `${'e'.repeat(117)}😀tail`;
    const name = backupSetName(emoji);
    expect(name.length).toBe(127);
    expect(name.endsWith('e')).toBe(true);
    expect(Buffer.from(name, 'utf16le').toString('utf16le')).toBe(name);
  });
});

describe('the backup flow on an Express server and on Managed Instance', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'dr-mssql-ed-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });
  const cfg = () =>
    parseBackupConfig(
      { mssql: { urlEnv: 'SOURCE_URL', database: 'shop', serverBackupDir: join(root, 'server-disk'), copyCommand: ['cp', '{serverPath}', '{localPath}'] } },
      't.yml',
    ).mssql!;

  it('Express: BACKUP without COMPRESSION, and the manifest says why', async () => {
    const runner = new FakeMssqlRunner({ edition: 'Express Edition (64-bit)', engineEdition: 4 });
    const r = await backupMssql({ runner, config: cfg(), setDir: join(root, 'express'), setId: 'cdc-recon-20240101T000000000Z' });
    const backup = runner.statements.find((s) => s.text.startsWith('BACKUP DATABASE'))!;
    expect(backup.text).not.toContain('COMPRESSION');
    expect(r.manifest.compression).toBe('not compressed: Express Edition (64-bit) does not support backup compression');
  });

  it('Developer: compressed, recorded as such', async () => {
    const runner = new FakeMssqlRunner();
    const r = await backupMssql({ runner, config: cfg(), setDir: join(root, 'dev'), setId: 'cdc-recon-20240101T000000000Z' });
    expect(runner.statements.find((s) => s.text.startsWith('BACKUP DATABASE'))!.text).toContain('WITH COMPRESSION, ');
    expect(r.manifest.compression).toBe('compressed');
  });

  it('Managed Instance: refused before any BACKUP is sent', async () => {
    const runner = new FakeMssqlRunner({ edition: 'SQL Azure', engineEdition: 8 });
    await expect(backupMssql({ runner, config: cfg(), setDir: join(root, 'mi'), setId: 'cdc-recon-20240101T000000000Z' })).rejects.toThrow(/TO URL/);
    expect(runner.statements.some((s) => s.text.startsWith('BACKUP'))).toBe(false);
  });
});
