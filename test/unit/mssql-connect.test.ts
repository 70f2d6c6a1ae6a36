/**
 * The SQL Server driver boundary without a SQL Server: connection strings,
 * the pool config the tool insists on (ReadOnly intent, isolation, timeouts,
 * pool size), parameter binding on real mssql Request objects, catalog row
 * mapping, and real connection attempts that must fail fast, as critical, and
 * without the password: a closed port, a peer that hangs up, a peer that
 * never answers. None of these peers pretends to be SQL Server.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sql from 'mssql';
import { connectMssql, bindParameters, MssqlEndpoint, poolConfig } from '../../src/dialects/mssql/connect.js';
import { mssqlDialect } from '../../src/dialects/mssql/index.js';
import { describeTarget, parseMssqlUrl } from '../../src/dialects/mssql/url.js';
import { chooseKey, readMssqlTable, toCatalogColumn, type ColumnRow } from '../../src/dialects/mssql/catalog.js';
import { capabilitiesFromProbe } from '../../src/dialects/mssql/capabilities.js';
import { mssqlServerSideSupported } from '../../src/dialects/mssql/canonical.js';
import { classifyMssqlError } from '../../src/dialects/mssql/errors.js';
import type { ConnectOptions, Endpoint, Statement } from '../../src/dialects/types.js';
import { ClassifiedError } from '../../src/util/errors.js';
import { redact } from '../../src/util/redact.js';

const PASSWORD = 'S3cret;Pa55=w0rd!';
const OPTIONS: ConnectOptions = { poolSize: 5, statementTimeoutMs: 30_000, connectTimeoutMs: 1_500, applicationName: 'cdc-recon/test' };

describe('connection strings', () => {
  it('reads the URL form', () => {
    const c = parseMssqlUrl(`mssql://reader:${encodeURIComponent(PASSWORD)}@db1.example:14330/shop?encrypt=true&trustServerCertificate=true&language=Deutsch&dateFormat=dmy`);
    expect(c).toMatchObject({
      server: 'db1.example',
      port: 14330,
      database: 'shop',
      user: 'reader',
      password: PASSWORD,
      options: { encrypt: true, trustServerCertificate: true, language: 'Deutsch', dateFormat: 'dmy' },
    });
  });

  it('reads sqlserver://, named instances, database as a parameter and NTLM domains', () => {
    const c = parseMssqlUrl('sqlserver://u:dummy-pass-1@host?instanceName=SQLEXPRESS&database=x&domain=CORP&applicationIntent=ReadOnly&encrypt=0');
    expect(c).toMatchObject({ server: 'host', database: 'x', domain: 'CORP', options: { instanceName: 'SQLEXPRESS', encrypt: false } });
    expect(c.port).toBeUndefined();
    expect(describeTarget(c)).toBe('host\\SQLEXPRESS/x as u');
  });

  it('reads the ADO.NET form', () => {
    const c = parseMssqlUrl(`Server=tcp:db2,1444;Database=shop;User Id=reader;Password=${PASSWORD.replace(/;/g, '')};Encrypt=true;TrustServerCertificate=true`);
    expect(c).toMatchObject({ server: 'db2', port: 1444, database: 'shop', user: 'reader' });
    expect(describeTarget(c)).toBe('db2:1444/shop as reader');
  });

  it('rejects what it cannot read without echoing the input (it holds a password)', () => {
    for (const bad of [`mssql://u:${PASSWORD}@/db`, `mssql://u:${encodeURIComponent(PASSWORD)}@h/db?bogus=1`, `mssql://u:${encodeURIComponent(PASSWORD)}@h/db?encrypt=maybe`, `postgres://u:${PASSWORD}@h/db`, 'Database=x;Password=hunter22']) {
      let message = '';
      try {
        parseMssqlUrl(bad);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message, bad).not.toBe('');
      expect(message).not.toContain(PASSWORD);
      expect(message).not.toContain('hunter22');
    }
  });

  it('registers the password so logs redact it', () => {
    parseMssqlUrl(`mssql://u:${encodeURIComponent('Zz-unique-pw-91')}@h/db`);
    expect(redact('error near Zz-unique-pw-91 here')).toBe('error near *** here');
  });
});

describe('pool config', () => {
  const base = parseMssqlUrl('mssql://u:dummy-pass-2@h:1433/db?encrypt=true&trustServerCertificate=true');

  it('is read-only intent, sized to the concurrency, with the request and connect timeouts', () => {
    const c = poolConfig(base, OPTIONS, 'SNAPSHOT');
    expect(c.pool).toMatchObject({ max: 5, min: 0 });
    expect(c.requestTimeout).toBe(30_000);
    expect(c.connectionTimeout).toBe(1_500);
    expect(c.options).toMatchObject({
      readOnlyIntent: true,
      appName: 'cdc-recon/test',
      useUTC: true,
      encrypt: true,
      trustServerCertificate: true,
      connectionIsolationLevel: sql.ISOLATION_LEVEL.SNAPSHOT,
    });
  });

  it('reads under READ COMMITTED when the database does not allow SNAPSHOT', () => {
    expect(poolConfig(base, OPTIONS, 'READ COMMITTED').options?.connectionIsolationLevel).toBe(sql.ISOLATION_LEVEL.READ_COMMITTED);
    expect(sql.ISOLATION_LEVEL.SNAPSHOT).not.toBe(sql.ISOLATION_LEVEL.READ_COMMITTED);
  });
});

describe('parameter binding on a real mssql Request', () => {
  it('gives every value an explicit driver type', () => {
    const req = new sql.Request();
    bindParameters(req, [5n, 7, 3_000_000_000, 'dbo', null, new Uint8Array([1, 2]), 'x'.repeat(5000)]);
    const p = req.parameters as unknown as Record<string, { type: unknown; value: unknown }>;
    expect(p.p1).toMatchObject({ type: sql.BigInt, value: 5n });
    expect(p.p2).toMatchObject({ type: sql.Int, value: 7 });
    expect(p.p3).toMatchObject({ type: sql.BigInt, value: 3_000_000_000 });
    expect(p.p4?.type).toBe(sql.NVarChar);
    expect(p.p4?.value).toBe('dbo');
    expect(p.p5?.value).toBeNull();
    expect(p.p6?.type).toBe(sql.VarBinary);
    // At its own length (an LSN: VarBinary(10) against binary(10)), never VARBINARY(MAX) below 8000 bytes.
    expect((p.p6 as unknown as { length: number }).length).toBe(2);
    expect(p.p7?.type).toBe(sql.NVarChar);
    expect(Object.keys(p)).toHaveLength(7);
    expect(() => bindParameters(new sql.Request(), [1.5])).toThrow(/cannot bind parameter @p1/);
    expect(() => bindParameters(new sql.Request(), [{}])).toThrow(/cannot bind/);
  });
});

describe('the lag query binds the LSN as VarBinary(10) (issue 20, item 9)', () => {
  it('a 10-byte LSN is VarBinary(10); a value past 8000 bytes is VarBinary(MAX)', async () => {
    const { lsnBytes } = await import('../../src/lag/mssql.js');
    const req = new sql.Request();
    bindParameters(req, [lsnBytes('0x0000002B000004980003'), new Uint8Array(9000)]);
    const p = req.parameters as unknown as Record<string, { type: unknown; length: number }>;
    expect(p.p1).toMatchObject({ type: sql.VarBinary, length: 10 });
    expect(p.p2).toMatchObject({ type: sql.VarBinary, length: sql.MAX });
  });
});

describe('catalog rows', () => {
  const row = (o: Partial<ColumnRow>): ColumnRow => ({
    column_name: 'c', type_name: 'int', num_precision: 10, num_scale: 0, max_length: 4, is_nullable: false, collation_name: null, column_id: 1, ...o,
  });

  it('maps sys.columns to catalog columns', () => {
    expect(toCatalogColumn(row({ type_name: 'decimal', num_precision: 12, num_scale: 4, max_length: 9, is_nullable: 1 }))).toMatchObject({
      dataType: 'decimal', precision: 12, scale: 4, length: null, datetimePrecision: null, nullable: true,
    });
    expect(toCatalogColumn(row({ type_name: 'nvarchar', max_length: 400, collation_name: 'SQL_Latin1_General_CP1_CI_AS' }))).toMatchObject({
      dataType: 'nvarchar', length: 200, precision: null, collation: 'SQL_Latin1_General_CP1_CI_AS',
    });
    expect(toCatalogColumn(row({ type_name: 'varchar', max_length: -1 })).length).toBe(-1);
    expect(toCatalogColumn(row({ type_name: 'datetime2', num_precision: 27, num_scale: 7, max_length: 8 })).datetimePrecision).toBe(7);
    expect(toCatalogColumn(row({ type_name: 'datetime', num_precision: 23, num_scale: 3 })).datetimePrecision).toBe(3);
    expect(toCatalogColumn(row({ type_name: 'money', num_precision: 19, num_scale: 4 }))).toMatchObject({ precision: 19, scale: 4 });
    expect(toCatalogColumn(row({ type_name: 'SYSNAME', max_length: 256 }))).toMatchObject({ dataType: 'nvarchar', length: 128 });
  });

  it('chooses the primary key, else the first unique index on NOT NULL columns, in key order', () => {
    expect(chooseKey([])).toBeNull();
    expect(chooseKey([
      { index_id: 1, is_primary_key: 1, column_name: 'b', key_ordinal: 1, is_nullable: 0 },
      { index_id: 1, is_primary_key: 1, column_name: 'a', key_ordinal: 2, is_nullable: 0 },
      { index_id: 2, is_primary_key: 0, column_name: 'z', key_ordinal: 1, is_nullable: 0 },
    ])).toEqual(['b', 'a']);
    expect(chooseKey([
      { index_id: 3, is_primary_key: false, column_name: 'maybe', key_ordinal: 1, is_nullable: true },
      { index_id: 4, is_primary_key: false, column_name: 'code', key_ordinal: 1, is_nullable: false },
    ])).toEqual(['code']);
  });

  it('readTable queries the catalog with bound names and remembers the server capabilities per column', async () => {
    // An in-process Endpoint that answers the three catalog statements with fixed rows: it checks what the dialect
    // sends and how it maps the answers, and makes no claim to be SQL Server.
    const seen: Statement[] = [];
    const caps2017 = capabilitiesFromProbe({ product_version: '14.0.1000.169', engine_edition: 2, utf8_code_page: null, snapshot_state: 0, rcsi: 0, compat: 140 });
    const answers: Record<string, unknown[]> = {
      'catalog-table': [{ schema_name: 'Sales', table_name: 'Orders', object_id: 42, est: '1200' }],
      'catalog-columns': [row({ column_name: 'id' }), row({ column_name: 'note', type_name: 'nvarchar', max_length: -1, is_nullable: 1, column_id: 2 })],
      'catalog-key': [{ index_id: 1, is_primary_key: 1, column_name: 'id', key_ordinal: 1, is_nullable: 0 }],
    };
    const endpoint = {
      dialect: mssqlDialect, role: 'source', capabilities: caps2017,
      query: async (s: Statement) => { seen.push(s); return answers[s.label] ?? []; },
    } as unknown as Endpoint;
    const t = await readMssqlTable(endpoint, { schema: "sales'; --", name: 'orders' });
    expect(seen[0]!.values).toEqual(["sales'; --", 'orders']);
    expect(seen[0]!.text).not.toContain('orders');
    expect(seen[1]!.values).toEqual([42]);
    expect(t).toMatchObject({ schema: 'Sales', name: 'Orders', estimatedRows: 1200, primaryKey: ['id'] });
    const note = t!.columns[1]!;
    expect(mssqlServerSideSupported(note, { type: 'text' })).toBe(false);
    expect(mssqlServerSideSupported(t!.columns[0]!, { type: 'int' })).toBe(true);
    expect(await readMssqlTable({ ...endpoint, query: async () => [] } as Endpoint, { name: 'nope' })).toBeNull();
  });
});

describe('connecting fails fast, as critical, without the password', () => {
  let hangUp: Server;
  let silent: Server;
  const sockets: Socket[] = [];
  const listen = (s: Server) => new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as { port: number }).port)));
  let hangUpPort = 0;
  let silentPort = 0;
  let closedPort = 0;

  beforeAll(async () => {
    hangUp = createServer((sock) => sock.destroy());
    silent = createServer((sock) => { sockets.push(sock); });
    hangUpPort = await listen(hangUp);
    silentPort = await listen(silent);
    const tmp = createServer();
    closedPort = await listen(tmp);
    await new Promise((r) => tmp.close(r));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all([new Promise((r) => hangUp.close(r)), new Promise((r) => silent.close(r))]);
  });

  const url = (port: number) => `mssql://reader:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/shop?encrypt=false`;

  async function failure(port: number): Promise<ClassifiedError> {
    const t0 = Date.now();
    const err = await connectMssql(mssqlDialect, url(port), 'source', OPTIONS).then(
      () => { throw new Error('connected to something that is not SQL Server'); },
      (e: unknown) => e,
    );
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(err).toBeInstanceOf(ClassifiedError);
    const c = err as ClassifiedError;
    expect(c.errorClass).toBe('critical');
    expect(c.message).toContain(`127.0.0.1:${port}/shop as reader`);
    expect(c.message).not.toContain(PASSWORD);
    expect(JSON.stringify({ message: c.message, code: c.code })).not.toContain(PASSWORD);
    return c;
  }

  it('closed port', async () => {
    const e = await failure(closedPort);
    expect(e.code).toBe('ESOCKET');
  });

  it('peer hangs up before the pre-login handshake', async () => {
    const e = await failure(hangUpPort);
    expect(e.message).toMatch(/cannot connect to source SQL Server/);
  });

  it('peer never answers: the connect timeout applies', async () => {
    const e = await failure(silentPort);
    expect(e.code).toBe('ETIMEOUT');
  });

  it('through the dialect interface too', async () => {
    await expect(mssqlDialect.connect(url(closedPort), 'target', OPTIONS)).rejects.toMatchObject({ errorClass: 'critical' });
  });
});

describe('an endpoint whose pool has no server behind it (the real driver, no SQL Server)', () => {
  const caps = capabilitiesFromProbe({ product_version: '16.0.4135.4', engine_edition: 3, utf8_code_page: 65001, snapshot_state: 1, rcsi: 0, compat: 160, edition: 'Developer Edition (64-bit)', product_level: 'RTM' });
  const base = parseMssqlUrl(`mssql://reader:${encodeURIComponent(PASSWORD)}@127.0.0.1:1/shop?encrypt=false`);
  const make = (options: ConnectOptions = OPTIONS) => {
    const config = poolConfig(base, { ...options, connectTimeoutMs: 1_000 }, 'SNAPSHOT');
    return new MssqlEndpoint(mssqlDialect, 'source', new sql.ConnectionPool(config), options, caps, 'SNAPSHOT', config, { opened: 3 });
  };
  const stmt: Statement = { text: 'SELECT 1 AS one', values: [1n], label: 'probe' };

  it('query fails with the driver\'s connection-closed error, classified transient', async () => {
    const err = await make().query(stmt).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(sql.ConnectionError);
    expect((err as sql.ConnectionError).code).toBe('ECONNCLOSED');
    expect(classifyMssqlError(err)).toBe('transient');
  });

  it('stream fails the same way and lets go of the request', async () => {
    const consume = async () => {
      for await (const batch of make().stream(stmt, 10)) expect(batch).toBeUndefined();
    };
    await expect(consume()).rejects.toMatchObject({ code: 'ECONNCLOSED' });
  });

  it('with reuseConnections: false every statement opens its own connection (here: refused)', async () => {
    const err = await make({ ...OPTIONS, reuseConnections: false }).query(stmt).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('ESOCKET');
    expect(String((err as Error).message)).not.toContain(PASSWORD);
  });

  it('reports its pool, version and isolation, and closes twice without error', async () => {
    const ep = make();
    expect(ep.poolStats()).toEqual({ size: 0, inUse: 0, idle: 0, waiting: 0, opened: 3 });
    expect(await ep.serverVersion()).toBe('SQL Server 16.0.4135.4 RTM, Developer Edition (64-bit) (reads under SNAPSHOT isolation)');
    expect(ep.isolation).toBe('SNAPSHOT');
    await ep.close();
    await ep.close();
  });
});
