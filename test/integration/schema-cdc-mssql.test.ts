/**
 * The CDC schema check against a real SQL Server (skipped unless MSSQL_URL
 * names one: a login that may CREATE DATABASE and enable CDC, e.g. sa), with
 * the PostgreSQL target of the test cluster. Run by
 * .github/workflows/integration.yml against mcr.microsoft.com/mssql/server
 * (Developer edition: CDC needs it), e.g.
 *   MSSQL_URL='mssql://sa:<password>@localhost:1433/master?encrypt=true&trustServerCertificate=true'
 *
 * It plants the drift the issue is about: a column added to a CDC-enabled
 * table after sys.sp_cdc_enable_table. The schema check must find it (error,
 * with the sp_cdc_enable_table call as its fix); running that fix must make
 * the finding go away (two capture instances, info); dropping the old
 * instance as the next fix says must leave none. A low-privilege login gets
 * the same answer (or says what it could not read), and a table with CDC off
 * is found and fixed the same way.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { parseMssqlUrl } from '../../src/dialects/mssql/url.js';
import { runReconcile } from '../../src/engine/run.js';
import type { RunReport, TableResult } from '../../src/report/model.js';
import { renderText } from '../../src/report/text.js';
import { silentLogger } from '../../src/util/logger.js';
import { withDatabase } from '../contract/harness-mssql.js';
import { createDatabase, exec } from '../support/pg.js';

const CLI = join(resolve(import.meta.dirname, '..', '..'), 'dist', 'cli', 'index.js');
const adminUrl = process.env.MSSQL_URL;
if (!adminUrl) console.log('SKIPPED SQL Server CDC schema check: MSSQL_URL not set');

const DB = `cdc_schema_${randomBytes(4).toString('hex')}`;
const LOGIN = `recon_ro_${randomBytes(3).toString('hex')}`;
const LOGIN_PW = `Ro-${randomBytes(9).toString('hex')}!a1`;

/** The same server as another login, in the URL's own form. */
function asLogin(url: string, user: string, password: string): string {
  if (/^(mssql|sqlserver):\/\//i.test(url)) {
    const u = new URL(url);
    u.username = encodeURIComponent(user);
    u.password = encodeURIComponent(password);
    return u.toString();
  }
  const parts = url.split(';').filter((p) => p.trim() && !/^\s*(user id|uid|user|password|pwd)\s*=/i.test(p));
  return [...parts, `User Id=${user}`, `Password=${password}`].join(';');
}

const codes = (t: TableResult) => (t.schemaFindings ?? []).map((f) => `${f.severity} ${f.code}${f.column ? ` ${f.column}` : ''}`);
const cdcCodes = (t: TableResult) => codes(t).filter((c) => /cdc-(column|captures|two|disabled|metadata)/.test(c));
const finding = (t: TableResult, code: string) => {
  const f = t.schemaFindings?.find((x) => x.code === code);
  expect(f, `${code} in ${JSON.stringify(t.schemaFindings, null, 2)}`).toBeDefined();
  return f!;
};
/** One statement of a fix script: the EXEC of `proc`, up to its terminating semicolon (no name here holds one). */
const statementOf = (fix: string, proc: string) => {
  const m = new RegExp(`EXEC sys\\.${proc}[\\s\\S]*?;`).exec(fix);
  expect(m, `${proc} in\n${fix}`).not.toBeNull();
  return m![0];
};

describe.skipIf(!adminUrl)('SQL Server CDC schema check (real SQL Server)', () => {
  let admin: sql.ConnectionPool;
  let dbPool: sql.ConnectionPool;
  let sourceUrl: string;
  let targetUrl: string;

  const tsql = async (text: string) => {
    await dbPool.request().batch(text);
  };
  const schemaCheck = async (tables: string, url = sourceUrl): Promise<RunReport> => {
    const config = parseConfig(
      `source: { dialect: mssql, urlEnv: S_URL, schema: dbo }\ntarget: { dialect: postgres, urlEnv: T_URL, schema: public }\n${tables}`,
      'cdc.yml',
      { mode: 'schema' },
    );
    const report = await runReconcile({ config, logger: silentLogger, env: { S_URL: url, T_URL: targetUrl }, minRetryDelayMs: 10 });
    console.log(renderText(report));
    return report;
  };

  beforeAll(async () => {
    admin = await new sql.ConnectionPool({ ...parseMssqlUrl(adminUrl!), pool: { max: 2, min: 0 } }).connect();
    await admin.request().batch(`CREATE DATABASE [${DB}]`);
    sourceUrl = withDatabase(adminUrl!, DB);
    dbPool = await new sql.ConnectionPool({ ...parseMssqlUrl(sourceUrl), pool: { max: 2, min: 0 } }).connect();
    await tsql('EXEC sys.sp_cdc_enable_db;');
    await tsql('CREATE TABLE dbo.orders (id int NOT NULL PRIMARY KEY, customer nvarchar(100) NOT NULL, total decimal(12,2) NULL);');
    await tsql("EXEC sys.sp_cdc_enable_table @source_schema = N'dbo', @source_name = N'orders', @role_name = NULL, @supports_net_changes = 1;");
    await tsql("INSERT INTO dbo.orders VALUES (1, N'a', 1.50), (2, N'b', 2.25);");
    await tsql('CREATE TABLE dbo.plain (id int NOT NULL PRIMARY KEY, v int NULL);');
    const t = await createDatabase('cdc_tgt');
    targetUrl = t.url;
    await exec(targetUrl, `
      CREATE TABLE orders (id integer PRIMARY KEY, customer varchar(100) NOT NULL, total numeric(12,2), email varchar(200));
      CREATE TABLE plain (id integer PRIMARY KEY, v integer);`);
  }, 180_000);

  afterAll(async () => {
    await dbPool?.close().catch(() => undefined);
    if (admin) {
      await admin.request().batch(`ALTER DATABASE [${DB}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE [${DB}];`).catch(() => undefined);
      await admin.request().batch(`IF SUSER_ID(N'${LOGIN}') IS NOT NULL DROP LOGIN [${LOGIN}];`).catch(() => undefined);
      await admin.close();
    }
  });

  it('before the change: the captured table has no CDC finding', async () => {
    // The target already has email (the sink's table was prepared ahead): the only gap will be CDC's.
    await exec(targetUrl, 'ALTER TABLE orders DROP COLUMN email');
    const r = await schemaCheck('tables: [{ table: orders }]');
    expect(cdcCodes(r.tables[0]!)).toEqual([]);
    await exec(targetUrl, 'ALTER TABLE orders ADD COLUMN email varchar(200)');
  });

  it('a column added after sp_cdc_enable_table is found: error, with the sp_cdc_enable_table call as the fix', async () => {
    await tsql('ALTER TABLE dbo.orders ADD email nvarchar(200) NULL;');
    const r = await schemaCheck('tables: [{ table: orders }]');
    const t = r.tables[0]!;
    expect(cdcCodes(t)).toEqual(['error cdc-column-not-captured email']);
    expect(codes(t)).not.toContain('error column-missing-in-target email');
    expect(t.status).toBe('mismatch');
    const fix = finding(t, 'cdc-column-not-captured').fix!;
    expect(fix).toContain("@capture_instance = N'dbo_orders_v2'");
    expect(fix).toContain("@captured_column_list = N'[id], [customer], [total], [email]'");
    expect(fix).toContain("EXEC sys.sp_cdc_disable_table @source_schema = N'dbo', @source_name = N'orders', @capture_instance = N'dbo_orders';");
  });

  it('a login that may only read the table gets the same finding (through sp_cdc_help_change_data_capture if the cdc schema is closed to it)', async () => {
    await admin.request().batch(`CREATE LOGIN [${LOGIN}] WITH PASSWORD = N'${LOGIN_PW}', CHECK_POLICY = OFF;`);
    await tsql(`CREATE USER [${LOGIN}] FOR LOGIN [${LOGIN}]; GRANT SELECT ON dbo.orders TO [${LOGIN}];`);
    const r = await schemaCheck('tables: [{ table: orders }]', asLogin(sourceUrl, LOGIN, LOGIN_PW));
    const t = r.tables[0]!;
    expect(t.status).toBe('mismatch');
    expect(cdcCodes(t)).toEqual(['error cdc-column-not-captured email']);
    // msdb is closed to it: the jobs are reported as not checked, not as missing.
    expect(codes(t)).not.toContain('error cdc-capture-job-missing');
  });

  it('running the fix creates the new capture instance: the finding is gone, a migration is in progress (info)', async () => {
    const before = await schemaCheck('tables: [{ table: orders }]');
    await tsql(statementOf(finding(before.tables[0]!, 'cdc-column-not-captured').fix!, 'sp_cdc_enable_table'));
    const r = await schemaCheck('tables: [{ table: orders }]');
    const t = r.tables[0]!;
    expect(cdcCodes(t)).toEqual(['info cdc-two-capture-instances']);
    expect(finding(t, 'cdc-two-capture-instances').message).toMatch(/dbo_orders .* and dbo_orders_v2/);

    // Then drop the old instance, as the info finding's fix says: nothing left.
    await tsql(statementOf(finding(t, 'cdc-two-capture-instances').fix!, 'sp_cdc_disable_table'));
    const done = await schemaCheck('tables: [{ table: orders }]');
    expect(cdcCodes(done.tables[0]!)).toEqual([]);
    const instances = await dbPool.request().query<{ capture_instance: string }>("SELECT capture_instance FROM cdc.change_tables WHERE source_object_id = OBJECT_ID(N'dbo.orders')");
    expect(instances.recordset.map((x) => x.capture_instance)).toEqual(['dbo_orders_v2']);
  });

  it('a table with CDC off is found, and its fix enables it', async () => {
    const r = await schemaCheck('tables: [{ table: plain }]');
    const t = r.tables[0]!;
    expect(cdcCodes(t)).toEqual(['error cdc-disabled']);
    const fix = finding(t, 'cdc-disabled').fix!;
    expect(fix).not.toContain('sp_cdc_enable_db');
    await tsql(statementOf(fix, 'sp_cdc_enable_table'));
    const after = await schemaCheck('tables: [{ table: plain }]');
    expect(cdcCodes(after.tables[0]!)).toEqual([]);
  });

  it.skipIf(!existsSync(CLI))('through the bundled CLI: `cdc-recon reconcile --mode schema` reports a newly added column with its fix, and not after the fix', async () => {
    await tsql('ALTER TABLE dbo.orders ADD phone varchar(40) NULL;');
    await exec(targetUrl, 'ALTER TABLE orders ADD COLUMN phone varchar(40)');
    const dir = mkdtempSync(join(tmpdir(), 'cdc-recon-cdc-cli-'));
    const config = join(dir, 'recon.yml');
    writeFileSync(config, 'source: { dialect: mssql, urlEnv: S_URL, schema: dbo }\ntarget: { dialect: postgres, urlEnv: T_URL, schema: public }\ntables: [{ table: orders }]\n');
    const cli = () => {
      const res = spawnSync(process.execPath, [CLI, 'reconcile', '--config', config, '--mode', 'schema', '--json', '--report-dir', join(dir, 'reports'), '--log-level', 'error'], {
        encoding: 'utf8', env: { ...process.env, S_URL: sourceUrl, T_URL: targetUrl }, timeout: 120_000,
      });
      return { code: res.status, report: JSON.parse(res.stdout) as RunReport };
    };
    try {
      const before = cli();
      expect(before.code).toBe(1);
      const t = before.report.tables[0]!;
      expect(cdcCodes(t)).toEqual(['error cdc-column-not-captured phone']);
      const fix = finding(t, 'cdc-column-not-captured').fix!;
      expect(fix).toContain("@captured_column_list = N'[id], [customer], [total], [email], [phone]'");
      await tsql(statementOf(fix, 'sp_cdc_enable_table'));
      await tsql(statementOf(fix, 'sp_cdc_disable_table'));
      const after = cli();
      expect(cdcCodes(after.report.tables[0]!)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the jobs were read (sa may read msdb): no "not checked" finding', async () => {
    const r = await schemaCheck('tables: [{ table: orders }]');
    expect(codes(r.tables[0]!)).not.toContain('info cdc-jobs-unreadable');
    expect(codes(r.tables[0]!)).not.toContain('error cdc-capture-job-missing');
  });
});
