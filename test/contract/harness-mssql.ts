/**
 * The contract harness for SQL Server, used when MSSQL_URL is set: a login
 * that may CREATE DATABASE (sa in CI). Every run works in fresh databases
 * (SNAPSHOT isolation allowed) and drops them at the end.
 */
import { randomBytes } from 'node:crypto';
import sql from 'mssql';
import { mssqlDialect } from '../../src/dialects/mssql/index.js';
import { parseMssqlUrl } from '../../src/dialects/mssql/url.js';
import type { Literal } from './cases.js';
import type { ColumnDef, ContractHarness } from './harness.js';

/** The same server with another database, in the URL's own form. */
export function withDatabase(url: string, database: string): string {
  if (/^(mssql|sqlserver):\/\//i.test(url)) {
    const u = new URL(url);
    u.pathname = `/${encodeURIComponent(database)}`;
    u.searchParams.delete('database');
    return u.toString();
  }
  const parts = url.split(';').filter((p) => p.trim() && !/^\s*(database|initial catalog)\s*=/i.test(p));
  return [...parts, `Database=${database}`].join(';');
}

/** Sessions in German with day-month-year dates: what FORMAT() or a style-less CONVERT would trip over. */
export function hostileSession(url: string): string {
  if (/^(mssql|sqlserver):\/\//i.test(url)) {
    const u = new URL(url);
    u.searchParams.set('language', 'Deutsch');
    u.searchParams.set('dateFormat', 'dmy');
    return u.toString();
  }
  return `${url.replace(/;?\s*$/, '')};Current Language=Deutsch`;
}

export function mssqlHarness(adminUrl: string): ContractHarness {
  const pools = new Map<string, Promise<sql.ConnectionPool>>();
  const created: string[] = [];
  const pool = (url: string) => {
    let p = pools.get(url);
    if (!p) {
      p = new sql.ConnectionPool({ ...parseMssqlUrl(url), pool: { max: 2, min: 0 }, requestTimeout: 300_000, connectionTimeout: 60_000 }).connect();
      pools.set(url, p);
    }
    return p;
  };
  const q = (n: string) => mssqlDialect.quoteIdent(n);
  return {
    name: 'mssql',
    dialect: mssqlDialect,
    schema: 'dbo',
    freshDatabase: async () => {
      const name = `cdc_contract_${randomBytes(5).toString('hex')}`;
      const admin = await pool(adminUrl);
      await admin.request().batch(`CREATE DATABASE ${q(name)}`);
      created.push(name);
      await admin.request().batch(`ALTER DATABASE ${q(name)} SET ALLOW_SNAPSHOT_ISOLATION ON`);
      return withDatabase(adminUrl, name);
    },
    exec: async (url, text) => {
      await (await pool(url)).request().batch(text);
    },
    createTableSql: (table: string, columns: ColumnDef[], primaryKey: string[]) =>
      `CREATE TABLE ${mssqlDialect.quoteTable({ schema: 'dbo', name: table })} (${columns
        .map((c) => `${q(c.name)} ${c.type}${c.notNull || primaryKey.includes(c.name) ? ' NOT NULL' : ' NULL'}`)
        .join(', ')}, PRIMARY KEY (${primaryKey.map(q).join(', ')}));`,
    literal: (v: Literal) => {
      if (v === null) return 'NULL';
      if (typeof v === 'object') return `0x${v.hex}`;
      return `N'${v.replace(/'/g, "''")}'`;
    },
    textKeyType: 'nvarchar(100) COLLATE Latin1_General_100_BIN2',
    hostileSessionUrl: hostileSession,
    sessionLanguageSql: 'SELECT @@LANGUAGE AS lang',
    cleanup: async () => {
      for (const [url, p] of pools) {
        if (url !== adminUrl) await (await p).close().catch(() => undefined);
      }
      const admin = await pool(adminUrl);
      for (const name of created) {
        await admin.request().batch(`ALTER DATABASE ${q(name)} SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE ${q(name)};`).catch(() => undefined);
      }
      await admin.close();
    },
  };
}
