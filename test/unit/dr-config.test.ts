import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupConfigSchema, secretEnvNames } from '../../src/config/backup.js';
import { loadBackupConfig, parseBackupConfig } from '../../src/config/load-backup.js';
import { parseSetId, resolveInSet, setIdFor } from '../../src/dr/store/manifest.js';

describe('backup config', () => {
  it('fills defaults: dir, 7-day retention, custom format, checksum verification, S3 prefix/region', () => {
    const c = backupConfigSchema.parse({ postgres: { urlEnv: 'TARGET_URL' }, s3: { bucket: 'my-bucket' } });
    expect(c.dir).toBe('./backups');
    expect(c.retentionDays).toBe(7);
    expect(c.postgres).toMatchObject({ urlEnv: 'TARGET_URL', format: 'custom', jobs: 4, verify: 'checksum' });
    expect(c.s3).toEqual({ bucket: 'my-bucket', prefix: 'cdc-recon', region: 'us-east-1' });
  });

  it('accepts the full shape', () => {
    const c = backupConfigSchema.parse({
      dir: '/var/backups/cdc',
      retentionDays: 14,
      postgres: { urlEnv: 'TARGET_URL', format: 'directory', jobs: 8 },
      mssql: { urlEnv: 'SOURCE_URL', database: 'shop', serverBackupDir: '/var/opt/mssql/backup', copyCommand: ['docker', 'cp', 'mssql:{serverPath}', '{localPath}'] },
      kafkaConnect: { url: 'http://connect:8083' },
      s3: { bucket: 'b-1', prefix: 'prod', region: 'eu-west-1', endpointEnv: 'S3_ENDPOINT' },
      diagnostics: { pushgatewayUrl: 'http://pgw:9091', prometheusUrl: 'http://prom:9090', containers: ['connect'] },
    });
    expect(c.mssql!.cdcRetentionMinutes).toBe(4320);
    expect(secretEnvNames(c)).toEqual(['TARGET_URL', 'SOURCE_URL', 'S3_ENDPOINT']);
  });

  it.each([
    [{ postgres: { urlEnv: 'postgres://u:p@h/db' } }, /backup\.postgres\.urlEnv: must be an environment variable name/],
    [{ postgres: { urlEnv: 'X', url: 'postgres://u:p@h/db' } }, /backup\.postgres: Unrecognized key/],
    [{ kafkaConnect: { url: 'http://u:pw@connect:8083' } }, /backup\.kafkaConnect\.url: holds a password/],
    [{ kafkaConnect: {} }, /needs "url" or "urlEnv"/],
    [{ retentionDays: 0 }, /backup\.retentionDays/],
    [{ mssql: { urlEnv: 'S', database: 'x', serverBackupDir: '/b', copyCommand: [] } }, /backup\.mssql\.copyCommand/],
  ])('rejects %j', (value, message) => {
    expect(() => parseBackupConfig(value, 'cfg.yml')).toThrow(message);
  });

  it('loads the backup: section of a YAML file and ignores the rest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dr-cfg-'));
    try {
      const file = join(dir, 'recon.yml');
      await writeFile(file, 'source: {dialect: mssql, urlEnv: SRC}\ntables: [orders]\nbackup:\n  dir: /x\n  postgres: {urlEnv: TARGET_URL}\n');
      expect(loadBackupConfig(file)).toMatchObject({ dir: '/x', postgres: { urlEnv: 'TARGET_URL' } });
      await writeFile(file, 'backup:\n  retentionDays: "seven"\n');
      expect(() => loadBackupConfig(file)).toThrow(/recon\.yml: invalid backup config:\n {2}backup\.retentionDays/);
      await writeFile(file, 'backup: [unclosed');
      // Worded as the main config loader words it.
      expect(() => loadBackupConfig(file)).toThrow(/^invalid YAML in .*recon\.yml:\n {2}- /);
      expect(() => loadBackupConfig(join(dir, 'absent.yml'))).toThrow(/^cannot read config .*absent\.yml: ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('set ids and paths', () => {
  it('set ids are sortable UTC timestamps that parse back', () => {
    const d = new Date('2024-02-29T23:59:58.123Z');
    expect(setIdFor(d)).toBe('cdc-recon-20240229T235958123Z');
    expect(parseSetId(setIdFor(d))).toEqual(d);
    expect(parseSetId('cdc-recon-20240229T235958Z')).toEqual(new Date('2024-02-29T23:59:58Z'));
    expect(parseSetId('other')).toBeUndefined();
  });

  it('manifest paths cannot escape the set', () => {
    expect(resolveInSet('/sets/a', 'postgres/database.dump')).toBe('/sets/a/postgres/database.dump');
    for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'a\\..\\x', '.']) expect(() => resolveInSet('/sets/a', bad)).toThrow(/unsafe path/);
  });
});
