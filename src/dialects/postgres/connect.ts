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
    maxUses: options.reuseConnections === false ? 1 : undefined,
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
  let opened = 0;
  pool.on('connect', () => {
    opened += 1;
  });
  const endpoint = new PgEndpoint(dialect, role, pool, options, () => opened);
  try {
    await endpoint.serverVersion();
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new ClassifiedError(`cannot connect to ${role}: ${errorMessage(err)}`, classifyPgError(err), errorCode(err), err);
  }
  return endpoint;
}

/** `read` or a "Query read timeout" error (as pg's own query_timeout says) after `ms`. */
function readWithin<T>(read: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Query read timeout: no answer from the server within ${ms} ms`)), ms);
  });
  return Promise.race([read, timeout]).finally(() => clearTimeout(timer));
}

/** A checked-out client's connection errors (see PgEndpoint.watch). */
interface Watch {
  error: () => Error | undefined;
  failed: Promise<never>;
  done: () => void;
}

class PgEndpoint implements Endpoint {
  private version: string | undefined;
  private closed = false;

  constructor(
    readonly dialect: Dialect,
    readonly role: string,
    private readonly pool: pg.Pool,
    private readonly options: ConnectOptions,
    private readonly openedCount: () => number = () => 0,
  ) {
    pool.on('connect', (c) => {
      this.live.add(c as unknown as pg.Client);
      // pg parses a whole TCP read at once: a FATAL that arrives in the same read as the startup's
      // ReadyForQuery (a server shutting down right after accepting us) is emitted after the pool has
      // handed the client out and before anyone listens, which would crash the process. The client is
      // then not queryable; the query that gets it fails transiently and is retried.
      c.on('error', () => undefined);
    });
    pool.on('remove', (c) => {
      this.live.delete(c as unknown as pg.Client);
      if (this.live.size === 0) this.allRemoved?.();
    });
  }

  /** Clients whose socket is not closed yet ('remove' fires once it is). */
  private readonly live = new Set<pg.Client>();
  /** Set while close() waits for the last socket to close. */
  private allRemoved?: () => void;

  /**
   * Client-side bound on one round trip: the server's statement timeout plus
   * the connect timeout as network allowance. The server cancels slow
   * statements first; this only fires when no answer can come (a black-holed
   * connection), where the server-side timeout never applies.
   */
  private get readTimeoutMs(): number {
    return this.options.statementTimeoutMs + this.options.connectTimeoutMs;
  }

  /** Time spent in pool.connect(): what pooling saves (see reuseConnections). */
  private acquireMs = 0;

  private async acquire(): Promise<pg.PoolClient> {
    if (this.pool.totalCount >= this.options.poolSize && this.pool.idleCount === 0) this.options.onPoolExhausted?.();
    const started = performance.now();
    try {
      return await this.pool.connect();
    } finally {
      this.acquireMs += performance.now() - started;
    }
  }

  /**
   * A checked-out client has no pool listener: a connection error that arrives
   * between two messages (a server's FATAL right after an answer, on restart)
   * is an 'error' event, which would crash the process unheard. Keep it as the
   * reason to destroy the client on release.
   */
  private watch(client: pg.PoolClient): Watch {
    let error: Error | undefined;
    let fail: (err: Error) => void = () => undefined;
    const failed = new Promise<never>((_, reject) => {
      fail = reject;
    });
    failed.catch(() => undefined);
    const onError = (err: Error) => {
      error ??= err;
      fail(err);
    };
    client.on('error', onError);
    return { error: () => error, failed, done: () => client.off('error', onError) };
  }

  /** A query with pg's per-query client-side timeout, query_timeout (missing from @types/pg's QueryConfig). */
  private timed(text: string, values: unknown[] = []): pg.QueryConfig {
    const config: pg.QueryConfig & { query_timeout: number } = { text, values, query_timeout: this.readTimeoutMs };
    return config;
  }

  /** Connections whose session has JIT turned off for key-range lookups (see Statement.lookup). */
  private readonly jitOff = new WeakSet<pg.PoolClient>();

  /**
   * JIT off on this connection for a lookup, back to the session's default for anything else; a round trip
   * only when the connection has to switch (a run does its scans first, then its lookups). A SELECT, so the
   * server's statement log shows nothing else.
   */
  private async prepareSession(client: pg.PoolClient, stmt: Statement): Promise<void> {
    const lookup = stmt.lookup === true;
    if (lookup === this.jitOff.has(client)) return;
    const text = lookup ? "SELECT set_config('jit', 'off', false)" : "SELECT set_config('jit', reset_val, false) FROM pg_settings WHERE name = 'jit'";
    await client.query(this.timed(text));
    if (lookup) this.jitOff.add(client);
    else this.jitOff.delete(client);
  }

  async query<T>(stmt: Statement): Promise<T[]> {
    const client = await this.acquire();
    const watch = this.watch(client);
    let broken: Error | undefined;
    try {
      await this.prepareSession(client, stmt);
      const res = await client.query(this.timed(stmt.text, stmt.values));
      return res.rows as T[];
    } catch (err) {
      if (classifyPgError(err) === 'transient') broken = err as Error;
      throw err;
    } finally {
      // A connection that failed transiently is destroyed, not reused.
      watch.done();
      client.release(broken ?? watch.error());
    }
  }

  async *stream<T>(stmt: Statement, batchSize: number): AsyncIterable<T[]> {
    const client = await this.acquire();
    const watch = this.watch(client);
    let broken: Error | undefined;
    try {
      await this.prepareSession(client, stmt);
      yield* this.cursorBatches<T>(client, watch, stmt, batchSize, (err) => (broken ??= err));
    } catch (err) {
      broken ??= err as Error;
      throw err;
    } finally {
      // A broken client is destroyed, not given back.
      broken ??= watch.error();
      watch.done();
      client.release(broken);
    }
  }

  /**
   * A statement's rows through a cursor on `client`, `batchSize` at a time; `broke` hears what breaks the
   * connection. The portal is closed afterwards only on a healthy connection (a reset or silent one would never
   * answer the close).
   */
  private async *cursorBatches<T>(client: pg.PoolClient, watch: Watch, stmt: Statement, batchSize: number, broke: (err: Error) => void): AsyncGenerator<T[]> {
    let failed = false;
    const cursor = client.query(new Cursor(stmt.text, stmt.values));
    try {
      for (;;) {
        // Raced with the client's own errors: a connection cut part way through an answer can leave the cursor's
        // read unanswered (no error reaches it), which only the read timeout (the statement timeout) would end.
        const rows = (await readWithin(Promise.race([cursor.read(batchSize), watch.failed]), this.readTimeoutMs)) as T[];
        if (rows.length === 0) return;
        yield rows;
      }
    } catch (err) {
      failed = true;
      broke(err as Error);
      throw err;
    } finally {
      if (!failed && !watch.error()) {
        // A connection that dies during the close never answers it (pg-cursor waits for ReadyForQuery):
        // stop waiting when the client errors, and in any case after the read timeout.
        await readWithin(Promise.race([cursor.close(), watch.failed]), this.readTimeoutMs).catch((err: unknown) => broke(err instanceof Error ? err : new Error(String(err))));
      }
    }
  }

  poolStats(): PoolStats {
    return {
      size: this.pool.totalCount,
      idle: this.pool.idleCount,
      inUse: this.pool.totalCount - this.pool.idleCount,
      waiting: this.pool.waitingCount,
      opened: this.openedCount(),
      acquireMs: this.acquireMs,
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
    // pool.end() says goodbye and returns; a socket whose peer never answers (black hole)
    // would stay half-closed and keep the process alive. Give the goodbye a moment, then cut.
    // Waited for as the sockets close, not polled: every run ends here (a 20 ms poll was 3 % of a count).
    if (this.live.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.allRemoved = resolve;
        timer = setTimeout(resolve, Math.min(this.options.connectTimeoutMs, 2_000));
      });
      clearTimeout(timer);
      this.allRemoved = undefined;
    }
    for (const c of this.live) c.connection.stream.destroy();
    this.live.clear();
  }
}
