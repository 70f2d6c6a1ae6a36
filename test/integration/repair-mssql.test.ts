/**
 * Repair and lag against a real SQL Server (skipped unless MSSQL_URL names
 * one: a login that may CREATE DATABASE and enable CDC, e.g. sa), with the
 * PostgreSQL target of the test cluster. Run by .github/workflows/integration.yml
 * (SQL Server 2022 with SQL Server Agent, so CDC's capture job runs).
 *
 * There is no Debezium here, so nothing heals by itself: what is proven is
 * the SQL Server half of the loop. The signal rows go into a CDC-enabled
 * signalling table through the writer connection (bound values); each
 * signal's key filter, run on SQL Server the way Debezium runs it, selects
 * exactly the signalled keys, hostile nvarchar keys included (a backslash
 * before a line break would be a T-SQL line continuation); the heal check
 * reads the keys back on both sides; the repair SQL file built from SQL
 * Server's values makes the PostgreSQL target reconcile clean; and the lag
 * is read from sys.fn_cdc_get_max_lsn() / cdc.lsn_time_mapping against a
 * FakeKafkaConnect offsets endpoint.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { parseMssqlUrl } from '../../src/dialects/mssql/url.js';
import { toolConnection } from '../../src/dr/postgres/conn.js';
import { runReconcile } from '../../src/engine/run.js';
import { normaliseLsn } from '../../src/lag/mssql.js';
import { runReconcileWithRepair } from '../../src/repair/run.js';
import type { RunReport, TableResult } from '../../src/report/model.js';
import { silentLogger } from '../../src/util/logger.js';
import { withDatabase } from '../contract/harness-mssql.js';
import { FakeKafkaConnect } from '../support/fake-kafka-connect.js';
import { createDatabase, exec } from '../support/pg.js';

const adminUrl = process.env.MSSQL_URL;
if (!adminUrl) console.log('SKIPPED SQL Server repair and lag: MSSQL_URL not set');

const DB = `cdc_repair_${randomBytes(4).toString('hex')}`;
const CODES = ['plain', "O'Brien", 'back\\\r\nslash', "x'); DROP TABLE dbo.lines; --", "N'", ']]', 'Ωμέγα 😀', 'tab\there'];

const table = (r: RunReport, id: string): TableResult => r.tables.find((t) => t.table === id)!;

describe.skipIf(!adminUrl)('repair and lag on a real SQL Server', () => {
  let admin: sql.ConnectionPool;
  let db: sql.ConnectionPool;
  let sourceUrl: string;
  let target: { url: string; name: string };
  let kc: FakeKafkaConnect;

  const tsql = async (text: string) => {
    await db.request().batch(text);
  };
  const maxLsn = async (): Promise<string | null> => {
    const r = await db.request().query<{ lsn: string | null }>('SELECT CONVERT(VARCHAR(22), sys.fn_cdc_get_max_lsn(), 1) AS lsn');
    return r.recordset[0]?.lsn ?? null;
  };
  const waitFor = async (what: string, ok: () => Promise<boolean>) => {
    const deadline = Date.now() + 120_000;
    while (!(await ok())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  const config = (extra = '') =>
    parseConfig(
      `source: { dialect: mssql, urlEnv: S_URL, schema: dbo }
target: { dialect: postgres, urlEnv: T_URL, schema: public }
tables: [{ table: orders }, { table: lines }]
repair:
  signal: { table: debezium_signal, batchSize: 3 }
${extra}`,
      'repair-mssql.yml',
    );

  beforeAll(async () => {
    admin = await new sql.ConnectionPool({ ...parseMssqlUrl(adminUrl!), pool: { max: 2, min: 0 } }).connect();
    await admin.request().batch(`CREATE DATABASE [${DB}]`);
    sourceUrl = withDatabase(adminUrl!, DB);
    db = await new sql.ConnectionPool({ ...parseMssqlUrl(sourceUrl), pool: { max: 2, min: 0 } }).connect();
    await tsql('EXEC sys.sp_cdc_enable_db;');
    await tsql(`CREATE TABLE dbo.orders (id int NOT NULL PRIMARY KEY, customer nvarchar(100) NOT NULL, total decimal(12,2) NULL);
      CREATE TABLE dbo.lines (code nvarchar(100) NOT NULL, line_no int NOT NULL, qty int NULL, PRIMARY KEY (code, line_no));
      CREATE TABLE dbo.debezium_signal (id varchar(42) NOT NULL PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048) NULL);`);
    for (const t of ['orders', 'lines', 'debezium_signal']) {
      await tsql(`EXEC sys.sp_cdc_enable_table @source_schema = N'dbo', @source_name = N'${t}', @role_name = NULL;`);
    }
    await tsql("INSERT INTO dbo.orders SELECT v.n, CONCAT(N'cust-', v.n), v.n * 1.25 FROM (SELECT TOP (20) ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) AS n FROM sys.all_objects) AS v;");
    for (const [i, code] of CODES.entries()) {
      for (const line of [1, 2]) {
        await db.request().input('c', sql.NVarChar(100), code).input('l', sql.Int, line).input('q', sql.Int, i + line).query('INSERT INTO dbo.lines VALUES (@c, @l, @q)');
      }
    }

    target = await createDatabase('rmssql_tgt');
    await exec(target.url, `CREATE TABLE orders (id integer PRIMARY KEY, customer varchar(100) NOT NULL, total numeric(12,2));
      CREATE TABLE lines (code varchar(100), line_no integer, qty integer, PRIMARY KEY (code, line_no));
      INSERT INTO orders SELECT g, 'cust-' || g, g * 1.25 FROM generate_series(1, 20) g;`);
    for (const [i, code] of CODES.entries()) for (const line of [1, 2]) await exec(target.url, 'INSERT INTO lines VALUES ($1, $2, $3)', [code, line, i + line]);
    // Drift: orders missing 3, changed 5, extra 101; lines missing two hostile keys, one changed.
    await exec(target.url, "DELETE FROM orders WHERE id = 3; UPDATE orders SET total = 0 WHERE id = 5; INSERT INTO orders VALUES (101, 'ghost', 1);");
    await exec(target.url, 'DELETE FROM lines WHERE (code = $1 AND line_no = 1) OR (code = $2 AND line_no = 2)', ['back\\\r\nslash', "x'); DROP TABLE dbo.lines; --"]);
    await exec(target.url, 'UPDATE lines SET qty = 99 WHERE code = $1 AND line_no = 1', ["N'"]);
    kc = await new FakeKafkaConnect().start();
  }, 240_000);

  afterAll(async () => {
    await kc?.stop();
    await db?.close().catch(() => undefined);
    if (admin) {
      await admin.request().batch(`ALTER DATABASE [${DB}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE [${DB}];`).catch(() => undefined);
      await admin.close();
    }
  });

  it('signals go into the CDC-enabled signalling table, and each filter selects exactly its keys on SQL Server', async () => {
    const report = await runReconcileWithRepair({
      config: config(),
      logger: silentLogger,
      env: { S_URL: sourceUrl, T_URL: target.url },
      reportDir: mkdtempSync(join(tmpdir(), 'repair-mssql-')),
      minRetryDelayMs: 10,
      repair: { method: 'debezium-signal', dryRun: false },
      healSleep: async () => undefined,
    });
    const orders = table(report, 'orders');
    const lines = table(report, 'lines');
    expect(orders.drift).toEqual({ missing: 1, extra: 1, changed: 1 });
    expect(lines.drift).toEqual({ missing: 2, extra: 0, changed: 1 });
    expect(orders.repair).toMatchObject({ status: 'signalled', deletesRequired: 1, signals: { collection: `${DB}.dbo.orders`, keys: 2, count: 1 } });
    expect(lines.repair).toMatchObject({ status: 'signalled', signals: { collection: `${DB}.dbo.lines`, keys: 3, count: 1 } });
    // No Debezium here: the heal check ran against both sides and found nothing healed.
    expect(orders.repair!.heal).toMatchObject({ healed: 0, notHealed: 3 });
    expect(lines.repair!.heal).toMatchObject({ healed: 0, notHealed: 3 });

    const rows = (await db.request().query<{ id: string; type: string; data: string }>('SELECT id, type, data FROM dbo.debezium_signal')).recordset;
    expect(rows.map((r) => r.id).sort()).toEqual([...orders.repair!.signals!.ids, ...lines.repair!.signals!.ids].sort());
    const selected: Record<string, string[]> = {};
    for (const r of rows) {
      expect(r.type).toBe('execute-snapshot');
      const data = JSON.parse(r.data);
      const collection: string = data['data-collections'][0];
      const filter: string = data['additional-conditions'][0].filter;
      const name = collection.split('.')[2]!;
      const cols = name === 'orders' ? 'CONVERT(NVARCHAR(20), [id]) AS k' : "CONCAT([code], N'|', [line_no]) AS k";
      const got = await db.request().query<{ k: string }>(`SELECT ${cols} FROM [dbo].[${name}] WHERE ${filter}`);
      selected[name] = [...(selected[name] ?? []), ...got.recordset.map((x) => x.k)];
    }
    expect(selected.orders!.sort()).toEqual(['3', '5']);
    expect(selected.lines!.sort()).toEqual(['back\\\r\nslash|1', "N'|1", "x'); DROP TABLE dbo.lines; --|2"].sort());
  });

  it('the repair SQL file, built from SQL Server values and applied with psql, makes the target reconcile clean', async () => {
    const report = await runReconcileWithRepair({
      config: config(),
      logger: silentLogger,
      env: { S_URL: sourceUrl, T_URL: target.url },
      reportDir: mkdtempSync(join(tmpdir(), 'repair-mssql-sql-')),
      minRetryDelayMs: 10,
      repair: { method: 'sql', dryRun: false },
    });
    const conn = toolConnection(target.url);
    execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', conn.dbname, '-f', report.repair!.sqlFile!], { env: conn.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const after = await runReconcile({ config: config(), logger: silentLogger, env: { S_URL: sourceUrl, T_URL: target.url }, minRetryDelayMs: 10 });
    expect(after.status).toBe('match');
  });

  it('lag from sys.fn_cdc_get_max_lsn() / cdc.lsn_time_mapping and the connector offsets', async () => {
    await waitFor('the capture job', async () => (await maxLsn()) !== null);
    const committed = (await maxLsn())!;
    kc.add('inventory', {
      config: { 'connector.class': 'io.debezium.connector.sqlserver.SqlServerConnector' },
      offsets: [{ partition: { server: 'ci', database: DB }, offset: { commit_lsn: normaliseLsn(committed), event_serial_no: 1 } }],
    });
    await tsql("INSERT INTO dbo.orders VALUES (500, N'late', 1.00);");
    await waitFor('the new change to be captured', async () => (await maxLsn()) !== committed);
    const report = await runReconcileWithRepair({
      config: config('lag: { kafkaConnect: { urlEnv: KC_URL, connector: inventory }, recheck: { min: 1s, max: 2s } }\n'),
      logger: silentLogger,
      env: { S_URL: sourceUrl, T_URL: target.url, KC_URL: kc.url },
      reportDir: mkdtempSync(join(tmpdir(), 'lag-mssql-')),
      minRetryDelayMs: 10,
    });
    const lag = report.lag!;
    expect(lag.warnings).toEqual([]);
    expect(lag.basis).toBe('connector-offsets');
    expect(lag.lsn.connector).toBe(normaliseLsn(committed));
    expect(lag.lsn.source).not.toBe(lag.lsn.connector);
    expect(lag.lsn.pendingTransactions).toBeGreaterThanOrEqual(1);
    expect(lag.seconds).toBeGreaterThanOrEqual(0);
    expect(lag.seconds).toBeLessThan(600);
    expect(lag.recheckDelayMs).toBeGreaterThanOrEqual(1000);
    expect(lag.recheckDelayMs).toBeLessThanOrEqual(2000);
  });
});
