/**
 * The one connection cdc-recon writes through: INSERTs of signal rows into
 * the connector's signalling table on the source. Deliberately separate from
 * the dialects' endpoints, which stay read-only (PostgreSQL sessions with
 * default_transaction_read_only, SQL Server with ApplicationIntent=ReadOnly,
 * which an availability group routes to a read-only secondary). It runs only
 * the statements src/repair/signal.ts builds (a repair's signals in one
 * transaction) and the lag heartbeat's upsert.
 * Give it its own login (`repair.signal.urlEnv`) with INSERT on the
 * signalling table and nothing else.
 */
import type { DialectName, Statement } from '../dialects/types.js';
import { ClassifiedError, errorCode, errorMessage } from '../util/errors.js';
import { redact, registerSecret } from '../util/redact.js';

export interface SignalWriter {
  execute(stmt: Statement): Promise<void>;
  /** All the statements in one transaction: all written, or none. */
  executeAll(stmts: readonly Statement[]): Promise<void>;
  close(): Promise<void>;
}

export interface WriterOptions {
  applicationName: string;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
}

export async function openSignalWriter(dialect: DialectName, url: string, options: WriterOptions): Promise<SignalWriter> {
  registerSecret(url);
  return dialect === 'mssql' ? openMssqlWriter(url, options) : openPgWriter(url, options);
}

async function openPgWriter(url: string, options: WriterOptions): Promise<SignalWriter> {
  const [{ default: pg }, { classifyPgError }] = await Promise.all([import('pg'), import('../dialects/postgres/errors.js')]);
  const client = new pg.Client({
    connectionString: url,
    application_name: options.applicationName,
    connectionTimeoutMillis: options.connectTimeoutMs,
    statement_timeout: options.statementTimeoutMs,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new ClassifiedError(redact(`cannot connect to write the signal: ${errorMessage(err)}`), classifyPgError(err), errorCode(err), err);
  }
  return {
    execute: async (stmt) => {
      await client.query({ text: stmt.text, values: stmt.values });
    },
    executeAll: async (stmts) => {
      await client.query('BEGIN');
      try {
        for (const stmt of stmts) await client.query({ text: stmt.text, values: stmt.values });
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    },
    close: () => client.end().catch(() => undefined),
  };
}

async function openMssqlWriter(url: string, options: WriterOptions): Promise<SignalWriter> {
  // Loaded lazily, like the dialect: PostgreSQL-only runs never load the SQL Server driver.
  const [{ default: sql }, { parseMssqlUrl }, { bindParameters }, { classifyMssqlError }] = await Promise.all([
    import('mssql'),
    import('../dialects/mssql/url.js'),
    import('../dialects/mssql/connect.js'),
    import('../dialects/mssql/errors.js'),
  ]);
  const base = parseMssqlUrl(url);
  const pool = new sql.ConnectionPool({
    ...base,
    connectionTimeout: options.connectTimeoutMs,
    requestTimeout: options.statementTimeoutMs,
    pool: { max: 1, min: 0, idleTimeoutMillis: 30_000 },
    // The primary replica: the signal must be written where the capture job reads the log.
    options: { ...base.options, appName: options.applicationName, readOnlyIntent: false, useUTC: true, enableArithAbort: true },
  });
  pool.on('error', () => undefined);
  try {
    await pool.connect();
  } catch (err) {
    await pool.close().catch(() => undefined);
    throw new ClassifiedError(redact(`cannot connect to write the signal: ${errorMessage(err)}`), classifyMssqlError(err), errorCode(err), err);
  }
  return {
    execute: async (stmt) => {
      const request = pool.request();
      bindParameters(request, stmt.values);
      await request.query(stmt.text);
    },
    executeAll: async (stmts) => {
      const tx = new sql.Transaction(pool);
      await tx.begin();
      try {
        for (const stmt of stmts) {
          const request = new sql.Request(tx);
          bindParameters(request, stmt.values);
          await request.query(stmt.text);
        }
        await tx.commit();
      } catch (err) {
        await tx.rollback().catch(() => undefined);
        throw err;
      }
    },
    close: () => pool.close().catch(() => undefined),
  };
}
