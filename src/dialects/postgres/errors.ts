/** Which PostgreSQL / node errors are worth a retry, which abort the run, which fail one table. */
import type { ErrorClass } from '../types.js';
import { ClassifiedError, errorCode, errorMessage } from '../../util/errors.js';

const TRANSIENT_SQLSTATES = new Set(['40001', '40P01', '57P01', '57P02', '57P03', '53300']);
const TRANSIENT_NODE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** Authentication, unknown database, insufficient privilege on connect: no point going on. */
const CRITICAL_SQLSTATES = new Set(['28000', '28P01', '3D000']);
const TRANSIENT_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection (was )?(closed|lost|reset)/i,
  /server closed the connection unexpectedly/i,
  /terminating connection/i,
  // The client-side read timeout (pg's query_timeout, and the cursor reads in connect.ts): no answer came.
  /query read timeout/i,
  // pg's answer when handed a client whose connection already failed (a restart): the statement never ran.
  /connection error and is not queryable/i,
];

export function classifyPgError(err: unknown): ErrorClass {
  // Already classified where it happened (e.g. a failed connect), as the SQL Server dialect does too.
  if (err instanceof ClassifiedError) return err.errorClass;
  const code = errorCode(err);
  if (code) {
    if (TRANSIENT_SQLSTATES.has(code) || code.startsWith('08') || TRANSIENT_NODE_CODES.has(code)) return 'transient';
    if (CRITICAL_SQLSTATES.has(code)) return 'critical';
    if (/^[0-9A-Z]{5}$/.test(code)) return 'table';
  }
  const message = errorMessage(err);
  if (TRANSIENT_MESSAGES.some((re) => re.test(message))) return 'transient';
  return 'table';
}
