/**
 * Kafka Connect backup and restore against FakeKafkaConnect (a real HTTP
 * server on 127.0.0.1; Kafka Connect itself cannot run here).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBackup } from '../../src/dr/backup.js';
import { KafkaConnectClient } from '../../src/dr/connect/client.js';
import { parseBackupConfig } from '../../src/config/load-backup.js';
import { readManifest } from '../../src/dr/store/manifest.js';
import { renderRestoreText, runRestore } from '../../src/dr/restore.js';
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

describe('Kafka Connect backup and restore (FakeKafkaConnect)', () => {
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

  it('backs up every connector config, status (with traces) and offsets; literal secrets never reach the set', async () => {
    const b = await runBackup({ config: cfg(), env: env() });
    const part = b.manifest.components['kafka-connect']!;
    expect(part.connectors).toEqual([SINK, SOURCE]);
    expect(part.offsetsSupported).toBe(true);
    expect(part.redactedKeys).toEqual({ [SOURCE]: ['database.password'] });
    const saved = JSON.parse(await readFile(join(b.setDir, part.file), 'utf8'));
    expect(saved.connectors[SOURCE].offsets[0].offset.commit_lsn).toBe('0000002b:00000498:0003');
    expect(saved.connectors[SINK].status.tasks[0].trace).toContain('connection refused');
    const all = (await readFile(join(b.setDir, part.file), 'utf8')) + JSON.stringify(await readManifest(b.setDir));
    expect(all).not.toContain(DB_PASSWORD);
    expect(all).not.toContain(AUTH_PASSWORD);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toContain('GET /connectors?expand=info&expand=status');
  });

  it('restore re-creates lost connectors; with --offsets each is created STOPPED, gets its saved offsets, then resumes (never runs before)', async () => {
    const b = await runBackup({ config: cfg(), env: env() });
    // Disaster: the worker lost its connectors. The secret comes from the env var named in the report.
    fake.connectors.clear();
    fake.requests.length = 0;
    const report = await runRestore({
      set: b.setDir,
      config: cfg(),
      offsets: true,
      env: { ...env(), CDC_RECON_SECRET_SQLSERVER_SHOP__DATABASE_PASSWORD: DB_PASSWORD },
    });
    expect(report.kafkaConnect!.outcomes).toEqual([
      expect.objectContaining({ name: SINK, action: 'created', offsets: 'restored' }),
      expect.objectContaining({ name: SOURCE, action: 'created', offsets: 'restored' }),
    ]);
    const src = fake.connectors.get(SOURCE)!;
    expect(src.config['database.password']).toBe(DB_PASSWORD);
    expect(src.config['snapshot.mode']).toBe('initial');
    expect(src.offsets[0]!.offset).toMatchObject({ commit_lsn: '0000002b:00000498:0003' });
    expect(src.state).toBe('RUNNING');
    const calls = fake.requests
      .filter((r) => r.method !== 'GET' && (r.path.startsWith(`/connectors/${SOURCE}`) || (r.path === '/connectors' && (r.body as { name?: string }).name === SOURCE)))
      .map((r) => `${r.method} ${r.path === '/connectors' ? `/connectors initial_state=${(r.body as { initial_state?: string }).initial_state}` : r.path.split('/').pop()}`);
    expect(calls).toEqual(['POST /connectors initial_state=STOPPED', 'PATCH offsets', 'PUT resume']);
    expect(fake.connectors.get(SINK)!.offsets[0]!.offset).toEqual({ kafka_offset: 1234 });
    expect(JSON.stringify(report)).not.toContain(DB_PASSWORD);
  });

  it('waits for STOPPED before PATCHing offsets (the worker refuses offsets on a running connector)', async () => {
    await fake.stop();
    fake = await new FakeKafkaConnect({ basicAuth: { user: 'ops', password: AUTH_PASSWORD }, stopDelayMs: 400 }).start();
    seedConnect(fake);
    const b = await runBackup({ config: cfg(), env: env() });
    const report = await runRestore({ set: b.setDir, config: cfg(), offsets: true, components: ['kafka-connect'], env: env() });
    expect(report.kafkaConnect!.outcomes!.every((o) => o.offsets === 'restored')).toBe(true);
    // An existing connector keeps its live secret.
    expect(fake.connectors.get(SOURCE)!.config['database.password']).toBe(DB_PASSWORD);
  });

  it('offsets older than the CDC retention are not restored: the connector re-snapshots with snapshot.mode=when_needed', async () => {
    const b = await runBackup({ config: cfg(), env: env() });
    fake.requests.length = 0;
    const later = new Date(Date.now() + 73 * 3_600_000);
    const report = await runRestore({ set: b.setDir, config: cfg(), offsets: true, env: env(), now: () => later });
    const src = report.kafkaConnect!.outcomes!.find((o) => o.name === SOURCE)!;
    expect(src.offsets).toBe('resnapshot');
    expect(src.reason).toMatch(/older than the CDC retention/);
    expect(fake.connectors.get(SOURCE)!.config['snapshot.mode']).toBe('when_needed');
    expect(fake.requests.some((r) => r.method === 'PATCH' && r.path.includes(SOURCE))).toBe(false);
    expect(report.nextSteps.join('\n')).toMatch(new RegExp(`${SOURCE} will re-snapshot \\(snapshot.mode=when_needed\\)`));
    expect(report.rpo.met).toBe(false);
    // The sink's Kafka offsets are still restored.
    expect(report.kafkaConnect!.outcomes!.find((o) => o.name === SINK)!.offsets).toBe('restored');
  });

  it('a connector whose redacted secret cannot be resupplied is refused before anything changes', async () => {
    const b = await runBackup({ config: cfg(), env: env() });
    fake.connectors.clear();
    fake.requests.length = 0;
    const err = await runRestore({ set: b.setDir, config: cfg(), offsets: true, env: env() }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/sqlserver-shop: database\.password \(set CDC_RECON_SECRET_SQLSERVER_SHOP__DATABASE_PASSWORD\)/);
    expect(fake.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(fake.connectors.size).toBe(0);
  });

  it('--dry-run prints the connector plan and sends no write', async () => {
    const b = await runBackup({ config: cfg(), env: env() });
    fake.requests.length = 0;
    const report = await runRestore({ set: b.setDir, config: cfg(), offsets: true, dryRun: true, env: env() });
    expect(fake.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    const text = renderRestoreText(report);
    expect(text).toContain(`PATCH /connectors/${SOURCE}/offsets (1 partition(s))`);
    expect(text).not.toContain(DB_PASSWORD);
  });

  it('--dry-run with the worker down still prints the plan and says why the connectors could not be planned', async () => {
    const b = await runBackup({ config: cfg(), env: env() });
    const url = fake.urlWithCredentials;
    await fake.stop();
    const report = await runRestore({ set: b.setDir, config: cfg(), dryRun: true, env: { ...process.env, CONNECT_URL: url } });
    expect(report.kafkaConnect).toBeUndefined();
    expect(report.nextSteps.join('\n')).toMatch(/Kafka Connect: could not plan against the worker \(.*unreachable.*\); 2 connector\(s\) in the set/);
    expect(report.nextSteps.join('\n')).not.toContain(AUTH_PASSWORD);
    await fake.start();
  });

  it('a worker without the offsets API (before Kafka 3.5) is backed up without offsets', async () => {
    await fake.stop();
    fake = await new FakeKafkaConnect({ offsetsApi: false, basicAuth: { user: 'ops', password: AUTH_PASSWORD } }).start();
    seedConnect(fake);
    const b = await runBackup({ config: cfg(), env: env() });
    expect(b.manifest.components['kafka-connect']!.offsetsSupported).toBe(false);
    const report = await runRestore({ set: b.setDir, config: cfg(), offsets: true, components: ['kafka-connect'], env: env() });
    expect(report.kafkaConnect!.outcomes!.map((o) => o.offsets)).toEqual(['none-saved', 'none-saved']);
  });

  it('an unreachable worker fails the backup clearly, without leaking the URL password', async () => {
    const url = fake.urlWithCredentials;
    await fake.stop();
    const err = await runBackup({ config: cfg(), env: { ...process.env, CONNECT_URL: url } }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^backup failed at kafka-connect: Kafka Connect at http:\/\/127\.0\.0\.1:\d+ unreachable/);
    expect((err as Error).message).not.toContain(AUTH_PASSWORD);
    await fake.start();
  });

  it('client: wrong credentials are an HTTP error naming the endpoint', async () => {
    const client = new KafkaConnectClient(fake.url);
    await expect(client.listExpanded()).rejects.toThrow(/GET \/connectors\?expand=info&expand=status -> 401: Unauthorized/);
  });
});
