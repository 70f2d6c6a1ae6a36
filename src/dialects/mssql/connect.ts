/**
 * The SQL Server driver boundary: an mssql (tedious) ConnectionPool per
 * endpoint, sized to the concurrency, ApplicationIntent=ReadOnly, a request
 * timeout, and SNAPSHOT isolation when the database allows it (READ COMMITTED
 * otherwise). Nothing else in the code base talks to `mssql` directly.
 */
import sql from 'mssql';
import type { ConnectOptions, Dialect, Endpoint, PoolStats, Statement } from '../types.js';
import { ClassifiedError, errorMessage } from '../../util/errors.js';
import { redact } from '../../util/redact.js';
import { capabilitiesFromProbe, type MssqlCapabilities, type ProbeRow } from './capabilities.js';
import { PROBE_SQL } from './catalog.js';
import { describeTarget, parseMssqlUrl } from './url.js';

export type IsolationName = 'SNAPSHOT' | 'READ COMMITTED';

/** The pool config for one endpoint: the caller's URL plus everything this tool insists on. */
export function poolConfig(base: sql.config, options: ConnectOptions, isolation: IsolationName, poolSize = options.poolSize): sql.config {
  return {
    ...base,
    connectionTimeout: options.connectTimeoutMs,
    requestTimeout: options.statementTimeoutMs,
    pool: { max: poolSize, min: 0, idleTimeoutMillis: 30_000 },
    options: {
      ...base.options,
      appName: options.applicationName,
      // Routed to a readable secondary in an availability group; the tool never writes anyway.
      readOnlyIntent: true,
      useUTC: true,
      enableArithAbort: true,
      connectionIsolationLevel: isolation === 'SNAPSHOT' ? sql.ISOLATION_LEVEL.SNAPSHOT : sql.ISOLATION_LEVEL.READ_COMMITTED,
    },
  };
}

/** Bind @p1..@pN with explicit driver types (never let the driver guess a type from a JS value). */
export function bindParameters(request: sql.Request, values: readonly unknown[]): void {
  values.forEach((v, i) => {
    const name = `p${i + 1}`;
    if (v === null || v === undefined) request.input(name, sql.NVarChar(1), null);
    else if (typeof v === 'bigint') request.input(name, sql.BigInt, v);
    else if (typeof v === 'number' && Number.isInteger(v)) request.input(name, Math.abs(v) <= 2_147_483_647 ? sql.Int : sql.BigInt, v);
    else if (typeof v === 'string') request.input(name, v.length <= 4000 ? sql.NVarChar(4000) : sql.NVarChar(sql.MAX), v);
    // Bound at its own length (an LSN is VarBinary(10)): VARBINARY(MAX) against a binary(10) key converts every row.
    else if (v instanceof Uint8Array) request.input(name, v.length >= 1 && v.length <= 8000 ? sql.VarBinary(v.length) : sql.VarBinary(sql.MAX), Buffer.from(v));
    else throw new Error(`cannot bind parameter @${name} of type ${typeof v}`);
  });
}

/** Cannot connect at all: critical (the run cannot go on), with where it tried and why, never the password. */
function connectError(role: string, base: sql.config, err: unknown): ClassifiedError {
  const code = (err as { code?: unknown } | null)?.code;
  return new ClassifiedError(
    redact(`cannot connect to ${role} SQL Server ${describeTarget(base)}: ${errorMessage(err)}`),
    'critical',
    typeof code === 'string' ? code : undefined,
    err,
  );
}

async function openPool(config: sql.config): Promise<sql.ConnectionPool> {
  const pool = new sql.ConnectionPool(config);
  // An idle connection dying must not crash the process; the next request gets a fresh one.
  pool.on('error', () => undefined);
  try {
    await pool.connect();
  } catch (err) {
    await pool.close().catch(() => undefined);
    throw err;
  }
  return pool;
}

export async function connectMssql(dialect: Dialect, url: string, role: string, options: ConnectOptions): Promise<MssqlEndpoint> {
  const base = parseMssqlUrl(url);
  // One probe connection learns the version and whether SNAPSHOT is allowed, before the pool picks its isolation.
  let probe: ProbeRow | undefined;
  try {
    const probePool = await openPool(poolConfig(base, options, 'READ COMMITTED', 1));
    try {
      const res = await probePool.request().query<ProbeRow>(PROBE_SQL);
      probe = res.recordset[0];
    } finally {
      await probePool.close().catch(() => undefined);
    }
  } catch (err) {
    throw connectError(role, base, err);
  }
  if (!probe) throw new ClassifiedError(`${role}: cannot read sys.databases for the current database`, 'critical');
  const caps = capabilitiesFromProbe(probe);
  const isolation: IsolationName = caps.snapshotIsolation ? 'SNAPSHOT' : 'READ COMMITTED';
  const counter = { opened: 0 };
  // beforeConnect runs for every new driver connection: the count shows what pooling saves.
  const config: sql.config = { ...poolConfig(base, options, isolation), beforeConnect: () => { counter.opened += 1; } };
  let pool: sql.ConnectionPool;
  try {
    pool = await openPool(config);
  } catch (err) {
    throw connectError(role, base, err);
  }
  return new MssqlEndpoint(dialect, role, pool, options, caps, isolation, config, counter);
}

export class MssqlEndpoint implements Endpoint {
  private closed = false;

  constructor(
    readonly dialect: Dialect,
    readonly role: string,
    private readonly pool: sql.ConnectionPool,
    private readonly options: ConnectOptions,
    /** What the server can hash exactly (read by readTable / serverSideSupported). */
    readonly capabilities: MssqlCapabilities,
    /** Isolation every read runs under, for the plan and the report. */
    readonly isolation: IsolationName,
    private readonly config: sql.config,
    private readonly counter: { opened: number },
  ) {}

  /** The shared pool, or (reuseConnections: false, to measure pooling) a one-statement connection. */
  private async lease(): Promise<{ pool: sql.ConnectionPool; release: () => Promise<void> }> {
    if (this.options.reuseConnections === false) {
      const pool = await openPool({ ...this.config, pool: { max: 1, min: 0 } });
      return { pool, release: () => pool.close().catch(() => undefined) };
    }
    if (this.pool.connected && this.pool.borrowed >= this.options.poolSize && this.pool.available === 0) this.options.onPoolExhausted?.();
    return { pool: this.pool, release: async () => undefined };
  }

  private static request(pool: sql.ConnectionPool, stmt: Statement): sql.Request {
    const request = pool.request();
    bindParameters(request, stmt.values);
    return request;
  }

  async query<T>(stmt: Statement): Promise<T[]> {
    const { pool, release } = await this.lease();
    try {
      const res = await MssqlEndpoint.request(pool, stmt).query<T>(stmt.text);
      return res.recordset ?? [];
    } finally {
      await release();
    }
  }

  async *stream<T>(stmt: Statement, batchSize: number): AsyncIterable<T[]> {
    const { pool, release } = await this.lease();
    const request = MssqlEndpoint.request(pool, stmt);
    const rows = request.toReadableStream({ highWaterMark: batchSize });
    // In stream mode errors arrive on the stream; the promise itself always resolves.
    void request.query(stmt.text).catch(() => undefined);
    let finished = false;
    try {
      let batch: T[] = [];
      for await (const row of rows) {
        batch.push(row as T);
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
      finished = true;
      if (batch.length > 0) yield batch;
    } finally {
      if (!finished) {
        // The consumer stopped early or failed: stop the server sending the rest.
        request.cancel();
        rows.destroy();
      }
      await release();
    }
  }

  poolStats(): PoolStats {
    // A closed (or never opened) pool has no tarn pool behind it to ask.
    if (!this.pool.connected) return { size: 0, inUse: 0, idle: 0, waiting: 0, opened: this.counter.opened };
    return { size: this.pool.size, inUse: this.pool.borrowed, idle: this.pool.available, waiting: this.pool.pending, opened: this.counter.opened };
  }

  async serverVersion(): Promise<string> {
    return `${this.capabilities.description} (reads under ${this.isolation} isolation)`;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.close();
  }
}
