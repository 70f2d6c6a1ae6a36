/** Helpers for tests: fresh databases in the shared test cluster. */
import pg from 'pg';
import { inject } from 'vitest';
import { randomBytes } from 'node:crypto';

export function adminUrl(): string {
  return inject('pgAdminUrl');
}

export function dbUrl(db: string): string {
  const u = new URL(adminUrl());
  u.pathname = `/${db}`;
  return u.toString();
}

/** Create a new empty database and return its URL. */
export async function createDatabase(prefix = 't'): Promise<{ name: string; url: string }> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  return { name, url: dbUrl(name) };
}

/** Run SQL (possibly several statements) in a database. */
export async function exec(url: string, sql: string, values?: unknown[]): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql, values);
  } finally {
    await client.end();
  }
}
