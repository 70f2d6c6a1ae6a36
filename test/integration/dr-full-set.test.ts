/**
 * A set with all three components (real PostgreSQL, FakeMssqlRunner for SQL
 * Server, FakeKafkaConnect), backup metrics read back from a real
 * Pushgateway, and a full restore where the SQL Server LSN range decides what
 * happens to the connector offsets.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BackupError, runBackup } from '../../src/dr/backup.js';
import { parseBackupConfig } from '../../src/config/load-backup.js';
import { renderRestoreText, runRestore } from '../../src/dr/restore.js';
import { FakeKafkaConnect } from '../support/fake-kafka-connect.js';
import { FakeMssqlRunner } from '../support/fake-mssql.js';
import { startPushgateway, type Service } from '../support/dr-prom.js';
import { adminUrl, createDatabase, exec } from '../support/pg.js';
import { databasesLike, seed } from '../support/dr.js';

describe('full set: postgres + mssql + kafka-connect', () => {
  let root: string;
  let db: { name: string; url: string };
  let connect: FakeKafkaConnect;
  let pushgateway: Service;
  const env = () => ({ ...process.env, FULL_PG: db.url, FULL_MSSQL: 'Server=mssql;Database=shop;User Id=sa;Password=Full-Mssql-Pw-1;', FULL_CONNECT: connect.url });
  const cfg = () =>
    parseBackupConfig(
      {
        dir: join(root, 'sets'),
        postgres: { urlEnv: 'FULL_PG', binDir: inject('pgBinDir') },
        mssql: {
          urlEnv: 'FULL_MSSQL',
          database: 'shop',
          serverBackupDir: join(root, 'server-disk'),
          copyCommand: ['cp', '{serverPath}', '{localPath}'],
          uploadCommand: ['cp', '{localPath}', '{serverPath}'],
        },
        kafkaConnect: { urlEnv: 'FULL_CONNECT' },
      },
      't.yml',
    );

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'dr-full-'));
    db = await createDatabase('drfull');
    await seed(db.url);
    connect = await new FakeKafkaConnect().start();
    connect.add('sqlserver-shop', {
      config: { 'connector.class': 'io.debezium.connector.sqlserver.SqlServerConnector', 'database.password': 'x-secret-x' },
      offsets: [{ partition: { server: 'shop', database: 'shop' }, offset: { commit_lsn: '00000029:00000001:0001' } }],
    });
    pushgateway = await startPushgateway();
  });
  afterAll(async () => {
    await connect.stop();
    await pushgateway.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('backs up all three into one manifest and pushes backup_* metrics per component', async () => {
    const mssql = new FakeMssqlRunner();
    const b = await runBackup({ config: cfg(), env: env(), mssqlRunner: async () => mssql, pushgatewayUrl: pushgateway.url });
    expect(Object.keys(b.manifest.components).sort()).toEqual(['kafka-connect', 'mssql', 'postgres']);
    expect(b.manifest.files.map((f) => f.component).sort()).toEqual(['kafka-connect', 'mssql', 'postgres']);
    expect(mssql.closed).toBe(true);
    expect(b.metrics).toEqual([expect.objectContaining({ ok: true })]);
    const metrics = await (await fetch(`${pushgateway.url}/metrics`)).text();
    for (const c of ['postgres', 'mssql', 'kafka-connect']) {
      expect(metrics).toMatch(new RegExp(`backup_last_success_timestamp_seconds\\{component="${c}",instance="",job="cdc-recon-backup",shard="1/1"\\} \\d`));
      expect(metrics).toMatch(new RegExp(`backup_runs_total\\{component="${c}",instance="",job="cdc-recon-backup",shard="1/1",status="success"\\} 1`));
    }
    const size = new RegExp('backup_size_bytes\\{component="postgres"[^}]*\\} (\\S+)').exec(metrics)![1]!;
    expect(Number(size)).toBe(b.manifest.files.find((f) => f.component === 'postgres')!.size);
    expect(JSON.stringify(b.manifest)).not.toContain('Full-Mssql-Pw-1');
  });

  it('a failing SQL Server backup fails the run, removes the partial set and pushes a failure', async () => {
    const before = await readdir(join(root, 'sets'));
    const mssql = new FakeMssqlRunner({ failOn: { 'BACKUP DATABASE': 'Cannot open backup device. Operating system error 5 (Access is denied.)' } });
    const err = await runBackup({ config: cfg(), env: env(), mssqlRunner: async () => mssql, pushgatewayUrl: pushgateway.url, now: () => new Date(Date.now() + 5000) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackupError);
    expect((err as Error).message).toMatch(/^backup failed at mssql: Cannot open backup device/);
    // Captured in the order mssql, kafka-connect, postgres (the sinks' offsets before the dump): the first failure stops the rest.
    expect((err as BackupError).components.map((c) => [c.component, c.status])).toEqual([
      ['postgres', 'skipped'],
      ['mssql', 'failure'],
      ['kafka-connect', 'skipped'],
    ]);
    expect(await readdir(join(root, 'sets'))).toEqual(before);
    const metrics = await (await fetch(`${pushgateway.url}/metrics`)).text();
    // The whole set was discarded: every component is a failure, none gets a new success time...
    for (const c of ['postgres', 'mssql', 'kafka-connect']) {
      expect(metrics).toMatch(new RegExp(`backup_runs_total\\{component="${c}",[^}]*status="failure"\\} 1`));
      expect(metrics).toMatch(new RegExp(`backup_size_bytes\\{component="${c}"[^}]*\\} NaN`));
    }
    // ...and each keeps the time of its last complete set.
    const previous = new Date(JSON.parse(await readFile(join(root, 'sets', before[0]!, 'manifest.json'), 'utf8')).createdAt).getTime() / 1000;
    const last = new RegExp('backup_last_success_timestamp_seconds\\{component="postgres"[^}]*\\} (\\S+)').exec(metrics)![1]!;
    expect(Number(last)).toBeCloseTo(previous, 3);
  });

  it('restore: PostgreSQL into scratch, SQL Server WITH MOVE + KEEP_CDC, and offsets judged by the restored LSN range', async () => {
    const sets = join(root, 'sets');
    const mssql = new FakeMssqlRunner({ lsnBounds: { min_lsn: '0x0000002A000000010001', max_lsn: '0x0000002B000004980003' } });
    connect.requests.length = 0;
    const report = await runRestore({ set: sets, latest: true, config: cfg(), env: env(), offsets: true, mssqlTarget: 'shop_restored', mssqlRunner: async () => mssql });
    expect(report.postgres!.outcome!.comparison.ok).toBe(true);
    const restore = mssql.statements.find((s) => s.text.startsWith('RESTORE DATABASE'))!;
    expect(restore.text).toMatch(/^RESTORE DATABASE \[shop_restored\] FROM DISK = @path WITH MOVE @l0 TO @p0, MOVE @l1 TO @p1, CHECKSUM, RECOVERY, STATS = 10, KEEP_CDC$/);
    expect(report.mssql!.lsnBounds).toEqual({ min: '0x0000002A000000010001', max: '0x0000002B000004980003' });
    // The saved LSN 00000029:… is below the restored min LSN: re-snapshot, no offsets written.
    const outcome = report.kafkaConnect!.outcomes![0]!;
    expect(outcome).toMatchObject({ name: 'sqlserver-shop', offsets: 'resnapshot' });
    expect(outcome.reason).toMatch(/older than the oldest change CDC still holds/);
    expect(connect.requests.some((r) => r.method === 'PATCH')).toBe(false);
    expect(connect.connectors.get('sqlserver-shop')!.config['snapshot.mode']).toBe('when_needed');
    const text = renderRestoreText(report);
    expect(text).toContain('SQL Server -> shop_restored');
    expect(text).toContain('will re-snapshot');
    // The .bak went onto the "server disk" by the upload command before RESTORE ran.
    expect((await readFile(report.mssql!.plan.serverPath)).length).toBeGreaterThan(0);
    await exec(adminUrl(), `DROP DATABASE "${report.postgres!.plan.scratch}"`);
    expect(await databasesLike(adminUrl(), `${db.name}_restore_%`)).toEqual([]);
  });
});
