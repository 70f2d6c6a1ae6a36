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

/**
 * Rows the server read from a table (sequential and index fetches) since it started, as pg_stat_user_tables
 * counts them. Backends report their counts when they exit, just after a run closed its pools: read until
 * two readings agree.
 */
export async function tableRowsRead(url: string, table: string): Promise<number> {
  const once = async () =>
    Number(((await exec(url, 'SELECT (coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0))::text AS n FROM pg_stat_user_tables WHERE relname = $1', [table])).rows[0] as { n: string }).n);
  let last = await once();
  for (let i = 0; i < 25; i++) {
    await new Promise((r) => setTimeout(r, 200));
    const now = await once();
    if (now === last) return now;
    last = now;
  }
  return last;
}
