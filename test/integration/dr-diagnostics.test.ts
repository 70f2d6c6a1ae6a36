/**
 * Diagnostics bundle: real PostgreSQL, real Pushgateway and Prometheus,
 * FakeKafkaConnect, a FakeDocker CLI on PATH (no Docker daemon here), and an
 * unreachable SQL Server. Secrets are planted everywhere they could leak; the
 * extracted tar must not hold a single one of them.
 */
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runDiagnostics } from '../../src/dr/diagnostics/collect.js';
import { parseBackupConfig } from '../../src/config/load-backup.js';
import { FakeKafkaConnect } from '../support/fake-kafka-connect.js';
import { startPrometheus, startPushgateway, type Service } from '../support/dr-prom.js';
import { createDatabase, exec } from '../support/pg.js';

const CONNECT_AUTH_PW = 'kc-auth-Pw-5521';
const CONNECTOR_DB_PW = 'connector-Db-Pw-9917';
const TRACE_PW = 'Trace-Pw-123';
const DOCKER_LOG_PW = 'docker-log-Pw-771';
const MSSQL_PW = 'Mssql-Pw-Zz-0042';

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out;
}

describe('diagnostics bundle', () => {
  let root: string;
  let db: { name: string; url: string };
  let connect: FakeKafkaConnect;
  let pushgateway: Service;
  let prometheus: Service;
  let holder: pg.Client;
  let holderPid: number;
  let fakeDockerPath: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'dr-diag-'));
    db = await createDatabase('drdiag');
    await exec(db.url, "CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 1000); SELECT pg_create_physical_replication_slot('dr_diag_slot', true)");

    connect = await new FakeKafkaConnect({ basicAuth: { user: 'ops', password: CONNECT_AUTH_PW } }).start();
    connect.add('sqlserver-shop', {
      config: { 'connector.class': 'io.debezium.connector.sqlserver.SqlServerConnector', 'database.password': CONNECTOR_DB_PW, 'database.user': 'sa' },
      state: 'RUNNING',
      tasks: [{ id: 0, state: 'FAILED', trace: `com.microsoft.sqlserver.jdbc.SQLServerException: Login failed; url=jdbc:sqlserver://mssql:1433;user=sa;password=${TRACE_PW};` }],
    });

    pushgateway = await startPushgateway();
    const push = await fetch(`${pushgateway.url}/metrics/job/cdc-recon-backup`, {
      method: 'POST',
      body: `backup_last_success_timestamp_seconds{component="postgres",source="${db.url}"} 1700000000\n`,
    });
    expect(push.status).toBeLessThan(300);
    prometheus = await startPrometheus(pushgateway.url);

    // A long transaction whose query text holds the database password.
    holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    await holder.query('BEGIN');
    await holder.query(`SELECT '${inject('pgPassword')}' AS planted, pg_sleep(0)`);

    // FakeDocker: the docker CLI as it answers when a daemon runs (none can run here).
    fakeDockerPath = join(root, 'bin');
    await mkdir(fakeDockerPath);
    await writeFile(
      join(fakeDockerPath, 'docker'),
      `#!/bin/sh
case "$1" in
  ps) echo '{"Names":"kafka-connect","State":"running","Status":"Up 2 hours"}'; echo '{"Names":"mssql","State":"exited","Status":"Exited (1)"}' ;;
  logs) i=$((1500 - $3 + 1)); while [ $i -le 1500 ]; do echo "line $i of $5 password=${DOCKER_LOG_PW} url=${db.url}"; i=$((i+1)); done ;;
  inspect) echo '{"Status":"running","ExitCode":0}' ;;
esac
`,
    );
    await chmod(join(fakeDockerPath, 'docker'), 0o755);
    // Let the transaction age past the 1 s threshold.
    await new Promise((r) => setTimeout(r, 1200));
  });

  afterAll(async () => {
    await holder?.end().catch(() => undefined);
    await exec(db.url, "SELECT pg_drop_replication_slot('dr_diag_slot')").catch(() => undefined);
    await connect?.stop();
    await prometheus?.stop();
    await pushgateway?.stop();
    await rm(root, { recursive: true, force: true });
  });

  function config() {
    return parseBackupConfig(
      {
        postgres: { urlEnv: 'DIAG_PG_URL' },
        mssql: { urlEnv: 'DIAG_MSSQL_URL', database: 'shop', serverBackupDir: '/b', copyCommand: ['true'] },
        kafkaConnect: { urlEnv: 'DIAG_CONNECT_URL' },
        diagnostics: { pushgatewayUrl: pushgateway.url, prometheusUrl: prometheus.url, longTransactionSeconds: 1, logLines: 1000 },
      },
      't.yml',
    );
  }
  const env = () => ({
    ...process.env,
    DIAG_PG_URL: db.url,
    DIAG_MSSQL_URL: `Server=127.0.0.1,1;Database=shop;User Id=sa;Password=${MSSQL_PW};Encrypt=false;Connect Timeout=3`,
    DIAG_CONNECT_URL: connect.urlWithCredentials,
  });

  it('bundles every section, records what is unreachable, and no planted secret survives in any file', async () => {
    const out = join(root, 'bundle.tar.gz');
    const result = await runDiagnostics({ config: config(), env: env(), out, path: fakeDockerPath });
    expect((await stat(out)).size).toBeGreaterThan(0);
    const bySection = Object.fromEntries(result.sections.map((s) => [s.section, s]));
    expect(bySection.system!.status).toBe('ok');
    expect(bySection.postgres!.status).toBe('ok');
    expect(bySection['kafka-connect']!.status).toBe('ok');
    expect(bySection.metrics!.status).toBe('ok');
    expect(bySection.containers!.status).toBe('ok');
    expect(bySection.mssql!.status).toBe('unreachable');

    const x = join(root, 'x');
    await mkdir(x);
    await tar.x({ file: out, cwd: x });
    const [top] = await readdir(x);
    expect(top).toMatch(/^cdc-recon-diagnostics-\d{8}T\d{6}$/);
    const base = join(x, top!);
    const files = await walk(base);
    const rel = files.map((f) => f.slice(base.length + 1)).sort();
    expect(rel).toEqual(
      expect.arrayContaining([
        'summary.json',
        'system/info.json',
        'postgres/replication-slots.json',
        'postgres/long-transactions.json',
        'postgres/database-sizes.json',
        'kafka-connect/connectors.json',
        'kafka-connect/failures.txt',
        'metrics/pushgateway.prom',
        'metrics/prometheus-targets.json',
        'containers/docker-ps.jsonl',
        'containers/docker/kafka-connect.log',
        'containers/docker/mssql.log',
        'errors/mssql.txt',
      ]),
    );

    const planted = [inject('pgPassword'), encodeURIComponent(inject('pgPassword')), CONNECT_AUTH_PW, CONNECTOR_DB_PW, TRACE_PW, DOCKER_LOG_PW, MSSQL_PW];
    for (const f of files) {
      const text = await readFile(f, 'utf8');
      for (const secret of planted) expect(text.includes(secret), `${secret} leaked into ${f.slice(base.length + 1)}`).toBe(false);
    }

    const read = (p: string) => readFile(join(base, p), 'utf8');
    // The content is there, only the secrets are gone.
    expect(JSON.parse(await read('postgres/replication-slots.json'))).toEqual(expect.arrayContaining([expect.objectContaining({ slot_name: 'dr_diag_slot' })]));
    const longTx = JSON.parse(await read('postgres/long-transactions.json')) as Array<{ pid: number; query: string }>;
    expect(longTx.map((t) => t.pid)).toContain(holderPid);
    expect(await read('kafka-connect/failures.txt')).toMatch(/task sqlserver-shop\/0 FAILED[\s\S]*Login failed; url=jdbc:sqlserver:\/\/mssql:1433;user=sa;password=\*\*\*/);
    expect(await read('metrics/pushgateway.prom')).toContain('backup_last_success_timestamp_seconds');
    const dockerLog = (await read('containers/docker/kafka-connect.log')).trimEnd().split('\n');
    expect(dockerLog).toHaveLength(1000);
    expect(dockerLog[0]).toMatch(/^line 501 of kafka-connect password=\*\*\*/);
    expect(await read('errors/mssql.txt')).toMatch(/ECONNREFUSED|Failed to connect/);
    const summary = JSON.parse(await read('summary.json')) as { sections: Array<{ section: string; status: string }> };
    expect(summary.sections.map((s) => s.section)).toEqual(['system', 'containers', 'kafka-connect', 'metrics', 'postgres', 'mssql']);
  });

  it('nothing reachable is still a bundle: every failure is recorded, none is fatal', async () => {
    const out = join(root, 'empty.tar.gz');
    const cfg = parseBackupConfig(
      {
        postgres: { urlEnv: 'DIAG_PG_URL' },
        kafkaConnect: { url: 'http://127.0.0.1:1' },
        diagnostics: { pushgatewayUrl: 'http://127.0.0.1:1', prometheusUrl: 'http://127.0.0.1:1' },
      },
      't.yml',
    );
    const dead = db.url.replace(/:(\d+)\//, ':1/');
    const result = await runDiagnostics({ config: cfg, env: { ...process.env, DIAG_PG_URL: dead }, out, path: '/nonexistent', timeoutMs: 3000 });
    const status = Object.fromEntries(result.sections.map((s) => [s.section, s.status]));
    expect(status).toEqual({ system: 'ok', containers: 'skipped', 'kafka-connect': 'unreachable', metrics: 'unreachable', postgres: 'unreachable', mssql: 'skipped' });
    const x = join(root, 'x2');
    await mkdir(x);
    await tar.x({ file: out, cwd: x });
    const [top] = await readdir(x);
    const errs = (await readdir(join(x, top!, 'errors'))).sort();
    expect(errs).toEqual(['containers.txt', 'kafka-connect.txt', 'metrics.txt', 'mssql.txt', 'postgres.txt']);
    for (const f of await walk(join(x, top!))) expect(await readFile(f, 'utf8')).not.toContain(inject('pgPassword'));
  });

  it('with the real docker and kubectl CLIs but no daemon or cluster, the failure is recorded', async () => {
    const out = join(root, 'real-cli.tar.gz');
    const result = await runDiagnostics({ env: { ...process.env, TARGET_URL: '' }, out, path: '/usr/local/bin:/usr/bin:/bin', timeoutMs: 10_000 });
    const containers = result.sections.find((s) => s.section === 'containers')!;
    expect(['partial', 'skipped']).toContain(containers.status);
    if (containers.status === 'partial') expect(containers.notes.join('\n')).toMatch(/docker|kubectl/);
  });
});
