/**
 * Which SQL Server / mssql driver errors are worth a retry, which abort the
 * run, which fail one table. The driver (mssql over tedious) raises
 * ConnectionError / RequestError with a `code` (ELOGIN, ESOCKET, ETIMEOUT,
 * ECONNCLOSED, EREQUEST...) and, for server messages, the SQL error `number`.
 */
import type { ErrorClass } from '../types.js';
import { ClassifiedError, errorMessage } from '../../util/errors.js';

/**
 * Deadlock victim, timeout, Azure SQL throttling / failover / reconfiguration; 3961: a SNAPSHOT read hit by
 * concurrent DDL on a table it reads (the statement succeeds when retried after the DDL); 10928 / 10929: Azure
 * SQL resource limits (workers, sessions; the database's minimum guarantee) that clear within seconds.
 */
export const TRANSIENT_NUMBERS: ReadonlySet<number> = new Set([1205, -2, 40197, 40501, 40613, 49918, 49919, 49920, 4221, 3961, 10928, 10929]);
/** Login failed, cannot open the database, account locked / disabled / expired / must change password. */
export const CRITICAL_NUMBERS: ReadonlySet<number> = new Set([18456, 4060, 18452, 18470, 18486, 18487, 18488]);
export const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'ETIMEOUT', 'ESOCKET', 'ECONNCLOSED', 'ECLOSE',
  'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN',
]);
/** The login was refused, the named instance does not exist, the server speaks no known TDS. */
export const CRITICAL_CODES: ReadonlySet<string> = new Set(['ELOGIN', 'EINSTLOOKUP', 'ETDS', 'EINTERFACENOTSUPP']);

const TRANSIENT_MESSAGES = [/connection (was )?(lost|closed|reset)/i, /socket hang up/i, /timeout: request failed to complete/i];

interface DriverErrorShape {
  code?: unknown;
  number?: unknown;
  originalError?: DriverErrorShape & { info?: { number?: unknown }; isTransient?: boolean };
  info?: { number?: unknown };
}

function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return undefined;
}

/** The SQL Server error number, wherever the driver put it. */
export function sqlErrorNumber(err: unknown): number | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as DriverErrorShape;
  return asNumber(e.number) ?? asNumber(e.info?.number) ?? asNumber(e.originalError?.info?.number) ?? asNumber(e.originalError?.number);
}

function driverCode(err: unknown): string | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as DriverErrorShape;
  const code = typeof e.code === 'string' ? e.code : undefined;
  // mssql copies the tedious code, but keeps a generic one when tedious had none.
  if (code && code !== 'EREQUEST') return code;
  const inner = typeof e.originalError?.code === 'string' ? e.originalError.code : undefined;
  return inner ?? code;
}

export function classifyMssqlError(err: unknown): ErrorClass {
  if (err instanceof ClassifiedError) return err.errorClass;
  const n = sqlErrorNumber(err);
  if (n !== undefined) {
    if (TRANSIENT_NUMBERS.has(n)) return 'transient';
    if (CRITICAL_NUMBERS.has(n)) return 'critical';
  }
  const code = driverCode(err);
  if (code) {
    if (code === 'ELOGIN') {
      // tedious flags Azure's transient login errors (40613 while a database moves) while it still retries them.
      return (err as DriverErrorShape).originalError?.isTransient ? 'transient' : 'critical';
    }
    if (CRITICAL_CODES.has(code)) return 'critical';
    if (TRANSIENT_CODES.has(code)) return 'transient';
  }
  // Any other server message (208 invalid object, 102 / 156 syntax, 245 conversion, ...) fails the table only.
  if (n !== undefined) return 'table';
  if (TRANSIENT_MESSAGES.some((re) => re.test(errorMessage(err)))) return 'transient';
  return 'table';
}
