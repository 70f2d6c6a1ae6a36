/**
 * The PostgreSQL driver boundary: a pg.Pool per endpoint, read-only sessions,
 * statement timeout, raw text for temporal types (no lossy JS Date), cursors
 * for streaming. Nothing else in the code base talks to `pg` directly.
 */
import pg from 'pg';
import Cursor from 'pg-cursor';
import type { ConnectOptions, Dialect, Endpoint, PoolStats, Statement } from '../types.js';
import { ClassifiedError, errorCode, errorMessage } from '../../util/errors.js';
import { classifyPgError } from './errors.js';

// date, time, timestamp, timestamptz, timetz, interval: keep the server's text.
const RAW_TEXT_OIDS = new Set([1082, 1083, 1114, 1184, 1266, 1186]);

const types = {
  getTypeParser: ((oid: number, format?: string) =>
    RAW_TEXT_OIDS.has(oid) ? (v: string) => v : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

export async function connectPostgres(dialect: Dialect, url: string, role: string, options: ConnectOptions): Promise<Endpoint> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMs,
    application_name: options.applicationName,
    // Read-only sessions: the reconciler can never write, whatever SQL reaches the server.
    options: '-c default_transaction_read_only=on -c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=iso_8601',
    types,
  });
  // An idle client dying (server restart) must not crash the process; the next query retries.
  pool.on('error', () => undefined);
  const endpoint = new PgEndpoint(dialect, role, pool, options);
  try {
    await endpoint.serverVersion();
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new ClassifiedError(`cannot connect to ${role}: ${errorMessage(err)}`, classifyPgError(err), errorCode(err), err);
  }
  return endpoint;
}

class PgEndpoint implements Endpoint {
  private version: string | undefined;
  private closed = false;

  constructor(
    readonly dialect: Dialect,
    readonly role: string,
    private readonly pool: pg.Pool,
    private readonly options: ConnectOptions,
  ) {}

  private async acquire(): Promise<pg.PoolClient> {
    if (this.pool.totalCount >= this.options.poolSize && this.pool.idleCount === 0) this.options.onPoolExhausted?.();
    return this.pool.connect();
  }

  async query<T>(stmt: Statement): Promise<T[]> {
    const client = await this.acquire();
    let broken: Error | undefined;
    try {
      const res = await client.query({ text: stmt.text, values: stmt.values });
      return res.rows as T[];
    } catch (err) {
      if (classifyPgError(err) === 'transient') broken = err as Error;
      throw err;
    } finally {
      // A connection that failed transiently is destroyed, not reused.
      client.release(broken);
    }
  }

  async *stream<T>(stmt: Statement, batchSize: number): AsyncIterable<T[]> {
    const client = await this.acquire();
    let broken: Error | undefined;
    const cursor = client.query(new Cursor(stmt.text, stmt.values));
    try {
      for (;;) {
        const rows = (await cursor.read(batchSize)) as T[];
        if (rows.length === 0) break;
        yield rows;
      }
    } catch (err) {
      broken = err as Error;
      throw err;
    } finally {
      await cursor.close().catch(() => undefined);
      client.release(broken);
    }
  }

  poolStats(): PoolStats {
    return {
      size: this.pool.totalCount,
      idle: this.pool.idleCount,
      inUse: this.pool.totalCount - this.pool.idleCount,
      waiting: this.pool.waitingCount,
    };
  }

  async serverVersion(): Promise<string> {
    if (!this.version) {
      const rows = await this.query<{ v: string }>({ text: 'SELECT version() AS v', values: [], label: 'version' });
      this.version = rows[0]?.v ?? 'unknown';
    }
    return this.version;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
