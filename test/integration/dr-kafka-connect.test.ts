/**
 * Kafka Connect backup and restore: the cases the live worker of the test bed cannot produce, against
 * FakeKafkaConnect (test/support/fake-kafka-connect.ts says why each needs it), and a worker that is
 * not there at all. Everything else — the backup of real connectors, the refusals of a damaged set, the
 * dry run, the restore of lost connectors with their offsets and of running ones, the replication-slot
 * gap — runs on the real worker: test/pipeline/connect-restore.test.ts.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBackup } from '../../src/dr/backup.js';
import { KafkaConnectClient } from '../../src/dr/connect/client.js';
import { parseBackupConfig } from '../../src/config/load-backup.js';
import { readManifest } from '../../src/dr/store/manifest.js';
import { runRestore } from '../../src/dr/restore.js';
import { FakeKafkaConnect } from '../support/fake-kafka-connect.js';

const SOURCE = 'sqlserver-shop';
const SINK = 'pg-sink';
const DB_PASSWORD = 'Connector-Pw-4417';
const AUTH_PASSWORD = 'worker-basic-pw-88';

function seedConnect(fake: FakeKafkaConnect): void {
  fake.add(SOURCE, {
    config: {
      'connector.class': 'io.debezium.connector.sqlserver.SqlServerConnector',
      'database.hostname': 'mssql',
      'database.user': 'cdc',
      'database.password': DB_PASSWORD,
      'database.names': 'shop',
      'topic.prefix': 'shop',
      'snapshot.mode': 'initial',
    },
    offsets: [{ partition: { server: 'shop', database: 'shop' }, offset: { commit_lsn: '0000002b:00000498:0003', change_lsn: '0000002b:00000498:0002', event_serial_no: 1 } }],
  });
  fake.add(SINK, {
    config: { 'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector', 'connection.url': 'jdbc:postgresql://pg/shop', topics: 'shop.dbo.orders' },
    state: 'FAILED',
    trace: 'org.apache.kafka.connect.errors.ConnectException: boom',
    tasks: [{ id: 0, state: 'FAILED', trace: 'java.sql.SQLException: connection refused' }],
    offsets: [{ partition: { kafka_topic: 'shop.dbo.orders', kafka_partition: 0 }, offset: { kafka_offset: 1234 } }],
  });
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('Kafka Connect backup and restore (FakeKafkaConnect: basic auth, SQL Server offsets, no offsets API)', () => {
  let fake: FakeKafkaConnect;
  let root: string;
  const env = () => ({ ...process.env, CONNECT_URL: fake.urlWithCredentials });
  const cfg = () => parseBackupConfig({ dir: join(root, 'sets'), kafkaConnect: { urlEnv: 'CONNECT_URL' } }, 't.yml');

  beforeEach(async () => {
    fake = await new FakeKafkaConnect({ basicAuth: { user: 'ops', password: AUTH_PASSWORD } }).start();
    seedConnect(fake);
    root = await mkdtemp(join(tmpdir(), 'dr-kc-'));
  });
  afterEach(async () => {
    await fake.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('a worker behind basic auth: backed up with SQL Server offsets and FAILED traces; neither the worker nor the database password reaches the set', async () => {
    const b = await runBackup({ config: cfg(), env: env() });
    const part = b.manifest.components['kafka-connect']!;
    expect(part.connectors).toEqual([SINK, SOURCE]);
    expect(part.redactedKeys).toEqual({ [SOURCE]: ['database.password'] });
    const saved = JSON.parse(await readFile(join(b.setDir, part.file), 'utf8'));
    expect(saved.connectors[SOURCE].offsets[0].offset.commit_lsn).toBe('0000002b:00000498:0003');
    expect(saved.connectors[SINK].status.tasks[0].trace).toContain('connection refused');
    const all = (await readFile(join(b.setDir, part.file), 'utf8')) + JSON.stringify(await readManifest(b.setDir));
    expect(all).not.toContain(DB_PASSWORD);
    expect(all).not.toContain(AUTH_PASSWORD);
    // Wrong credentials: an HTTP error naming the endpoint.
    await expect(new KafkaConnectClient(fake.url).listExpanded()).rejects.toThrow(/GET \/connectors\?expand=info&expand=status -> 401: Unauthorized/);
  });

  it('SQL Server offsets within CDC retention: each lost connector is created STOPPED, gets its offsets, then resumes (the order, from the request log)', async () => {
    const b = await runBackup({ config: cfg(), env: env() });
    fake.connectors.clear();
    fake.requests.length = 0;
    const report = await runRestore({ set: b.setDir, config: cfg(), offsets: true, env: { ...env(), CDC_RECON_SECRET_SQLSERVER_SHOP__DATABASE_PASSWORD: DB_PASSWORD } });
    expect(report.kafkaConnect!.outcomes!.map((o) => [o.name, o.action, o.offsets])).toEqual([
      [SINK, 'created', 'restored'],
      [SOURCE, 'created', 'restored'],
    ]);
    expect(fake.connectors.get(SOURCE)!.config['database.password']).toBe(DB_PASSWORD);
    expect(fake.connectors.get(SOURCE)!.offsets[0]!.offset).toMatchObject({ commit_lsn: '0000002b:00000498:0003' });
    const calls = fake.requests
      .filter((r) => r.method !== 'GET' && (r.path.startsWith(`/connectors/${SOURCE}`) || (r.path === '/connectors' && (r.body as { name?: string }).name === SOURCE)))
      .map((r) => `${r.method} ${r.path === '/connectors' ? `/connectors initial_state=${(r.body as { initial_state?: string }).initial_state}` : r.path.split('/').pop()}`);
    expect(calls).toEqual(['POST /connectors initial_state=STOPPED', 'PATCH offsets', 'PUT resume']);
    expect(JSON.stringify(report)).not.toContain(DB_PASSWORD);
  });

  it('SQL Server offsets older than the CDC retention are not restored: the connector re-snapshots with snapshot.mode=when_needed', async () => {
    const b = await runBackup({ config: cfg(), env: env() });
    fake.requests.length = 0;
    const later = new Date(Date.now() + 73 * 3_600_000);
    const report = await runRestore({ set: b.setDir, config: cfg(), offsets: true, env: env(), now: () => later });
    const src = report.kafkaConnect!.outcomes!.find((o) => o.name === SOURCE)!;
    expect(src.offsets).toBe('resnapshot');
    expect(src.reason).toMatch(/older than the CDC retention/);
    expect(fake.connectors.get(SOURCE)!.config['snapshot.mode']).toBe('when_needed');
    expect(fake.requests.some((r) => r.method === 'PATCH' && r.path.includes(SOURCE))).toBe(false);
    // Stale offsets in the worker would be resumed from instead of a snapshot: cleared while it is stopped.
    const calls = fake.requests
      .filter((r) => r.method !== 'GET' && (r.path.startsWith(`/connectors/${SOURCE}`) || (r.path === '/connectors' && (r.body as { name?: string }).name === SOURCE)))
      .map((r) => `${r.method} ${r.path === '/connectors' ? `/connectors initial_state=${(r.body as { initial_state?: string }).initial_state}` : r.path.split('/').pop()}`);
    expect(calls.slice(-2)).toEqual(['DELETE offsets', 'PUT resume']);
    expect(calls.indexOf('DELETE offsets')).toBeGreaterThan(Math.max(calls.indexOf('PUT stop'), calls.indexOf('POST /connectors initial_state=STOPPED')));
    expect(fake.connectors.get(SOURCE)!.offsets).toEqual([]);
    expect(fake.connectors.get(SOURCE)!.state).toBe('RUNNING');
    expect(report.nextSteps.join('\n')).toMatch(new RegExp(`${SOURCE} will re-snapshot \\(snapshot.mode=when_needed\\)`));
    expect(report.rpo.met).toBe(false);
    expect(report.kafkaConnect!.outcomes!.find((o) => o.name === SINK)!.offsets).toBe('restored');
  });

  it('a worker without the offsets API (before Kafka 3.5): backed up without offsets; --offsets is refused before any write, a plain restore re-creates the configs', async () => {
    await fake.stop();
    fake = await new FakeKafkaConnect({ offsetsApi: false, basicAuth: { user: 'ops', password: AUTH_PASSWORD } }).start();
    seedConnect(fake);
    const b = await runBackup({ config: cfg(), env: env() });
    expect(b.manifest.components['kafka-connect']!.offsetsSupported).toBe(false);
    fake.requests.length = 0;
    const err = await runRestore({ set: b.setDir, config: cfg(), offsets: true, env: env() }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/connector sqlserver-shop: no offsets saved \(the worker backed up had no offsets API, Kafka Connect before 3\.5\): restore without --offsets/);
    expect(fake.requests).toEqual([]);
    const report = await runRestore({ set: b.setDir, config: cfg(), components: ['kafka-connect'], env: env() });
    expect(report.kafkaConnect!.outcomes!.map((o) => o.offsets)).toEqual(['none-saved', 'none-saved']);
  });
});

describe('Kafka Connect worker not reachable', () => {
  it('fails the backup clearly, without leaking the URL password; a dry run still prints the plan', async () => {
    const root = await mkdtemp(join(tmpdir(), 'dr-kc-down-'));
    try {
      const up = await new FakeKafkaConnect().start();
      seedConnect(up);
      const cfg = parseBackupConfig({ dir: join(root, 'sets'), kafkaConnect: { urlEnv: 'CONNECT_URL' } }, 't.yml');
      const b = await runBackup({ config: cfg, env: { ...process.env, CONNECT_URL: up.url } });
      await up.stop();
      const down = `http://ops:${AUTH_PASSWORD}@127.0.0.1:${await closedPort()}`;
      const err = await runBackup({ config: cfg, env: { ...process.env, CONNECT_URL: down } }).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/^backup failed at kafka-connect: Kafka Connect at http:\/\/127\.0\.0\.1:\d+ unreachable/);
      expect((err as Error).message).not.toContain(AUTH_PASSWORD);
      const report = await runRestore({ set: b.setDir, config: cfg, dryRun: true, env: { ...process.env, CONNECT_URL: down } });
      expect(report.kafkaConnect).toBeUndefined();
      expect(report.nextSteps.join('\n')).toMatch(/Kafka Connect: could not plan against the worker \(.*unreachable.*\); 2 connector\(s\) in the set/);
      expect(report.nextSteps.join('\n')).not.toContain(AUTH_PASSWORD);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
