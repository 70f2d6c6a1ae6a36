/**
 * Turns a PostgreSQL URL into what the client tools need without putting the
 * password on a command line: the URL without its password for --dbname, and
 * PGPASSWORD in the child's environment.
 */
import { ConfigError } from '../../util/errors.js';

export interface PgToolConnection {
  /** URL without the password (safe for argv). */
  dbname: string;
  env: NodeJS.ProcessEnv;
  database: string;
  password: string | undefined;
}

export function parsePgUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError('the PostgreSQL connection must be a postgres:// URL');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new ConfigError(`the PostgreSQL connection must be a postgres:// URL, not ${u.protocol}`);
  }
  return u;
}

export function databaseOf(url: string): string {
  const u = parsePgUrl(url);
  const db = decodeURIComponent(u.pathname.replace(/^\//, ''));
  return db || decodeURIComponent(u.username) || 'postgres';
}

/** The same server, another database. */
export function withDatabase(url: string, database: string): string {
  const u = parsePgUrl(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

export function toolConnection(url: string, baseEnv: NodeJS.ProcessEnv = process.env): PgToolConnection {
  const u = parsePgUrl(url);
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  u.password = '';
  const env: NodeJS.ProcessEnv = { ...baseEnv, PGCONNECT_TIMEOUT: baseEnv.PGCONNECT_TIMEOUT ?? '30' };
  if (password !== undefined) env.PGPASSWORD = password;
  return { dbname: u.toString(), env, database: databaseOf(url), password };
}
