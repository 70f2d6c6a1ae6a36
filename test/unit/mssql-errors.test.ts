/**
 * Error classification with the driver's own error classes, built the way the
 * driver builds them (node_modules/mssql/lib/tedious/request.js and
 * connection-pool.js wrap tedious errors; tedious' Login7 handler raises ELOGIN,
 * its socket layer ESOCKET, its request timer ETIMEOUT).
 */
import { describe, expect, it } from 'vitest';
import sql from 'mssql';
import { ConnectionError as TdsConnectionError, RequestError as TdsRequestError } from 'tedious';
import { classifyMssqlError, sqlErrorNumber } from '../../src/dialects/mssql/errors.js';
import { ClassifiedError } from '../../src/util/errors.js';

type Code = ConstructorParameters<typeof sql.MSSQLError>[1];

/** A server error message, as mssql's request handler wraps tedious' errorMessage token. */
function serverError(number: number, message: string): sql.RequestError {
  const e = new Error(message) as Error & { info: unknown };
  e.info = { number, state: 1, class: 16, message, serverName: 'db1', procName: '', lineNumber: 1 };
  return new sql.RequestError(e, 'EREQUEST');
}

/** A tedious request failure without a server message (timeout, cancel, closed connection). */
function requestFailure(code: string, message: string): sql.RequestError {
  return new sql.RequestError(new TdsRequestError(message, code), 'EREQUEST');
}

/** A tedious connection failure, as mssql's pool wraps it when connecting. */
function connectionFailure(code: string, message: string, isTransient = false): sql.ConnectionError {
  const t = new TdsConnectionError(message, code);
  if (isTransient) t.isTransient = true;
  return new sql.ConnectionError(t);
}

describe('classifyMssqlError', () => {
  const transient: Array<[string, unknown]> = [
    ['deadlock victim 1205', serverError(1205, 'Transaction (Process ID 52) was deadlocked on lock resources with another process and has been chosen as the deadlock victim. Rerun the transaction.')],
    ['Azure 40197 (service error, reconfiguration)', serverError(40197, 'The service has encountered an error processing your request. Please try again. Error code 4815.')],
    ['Azure 40501 (service busy)', serverError(40501, 'The service is currently busy. Retry the request after 10 seconds.')],
    ['Azure 40613 (database unavailable)', serverError(40613, "Database 'db' on server 'srv' is not currently available.")],
    ['Azure 49918', serverError(49918, 'Cannot process request. Not enough resources to process request.')],
    ['Azure 49919', serverError(49919, 'Cannot process create or update request. Too many create or update operations in progress.')],
    ['Azure 49920', serverError(49920, 'Cannot process request. Too many operations in progress.')],
    ['3961 (SNAPSHOT read hit by concurrent DDL)', serverError(3961, "Snapshot isolation transaction failed in database 'shop' because the object accessed by the statement has been modified by a DDL statement in another concurrent transaction since the start of this transaction. It is disallowed because the metadata is not versioned. A concurrent update to metadata can lead to inconsistency if mixed with snapshot isolation.")],
    ['Azure 10928 (resource limit reached)', serverError(10928, 'Resource ID : 1. The request limit for the database is 200 and has been reached. See http://go.microsoft.com/fwlink/?LinkId=267637 for assistance.')],
    ['Azure 10929 (minimum guarantee not met)', serverError(10929, 'Resource ID : 1. The request limit for the database is 200 and has been reached. However, the server is currently too busy to support requests greater than 200 for this database.')],
    ['4221 (readable secondary, redo waiting)', serverError(4221, 'Login to read-secondary failed due to long wait on HADR_DATABASE_WAIT_FOR_TRANSITION_TO_VERSIONING.')],
    ['request timeout ETIMEOUT', requestFailure('ETIMEOUT', 'Timeout: Request failed to complete in 15000ms')],
    ['connection closed mid-request ECLOSE', requestFailure('ECLOSE', 'Connection closed before request completed.')],
    ['socket error ESOCKET', connectionFailure('ESOCKET', 'Failed to connect to db1:1433 - connect ECONNREFUSED 10.0.0.1:1433')],
    ['connect timeout ETIMEOUT', connectionFailure('ETIMEOUT', 'Failed to connect to db1:1433 in 15000ms')],
    ['pool closed ECONNCLOSED', new sql.ConnectionError('Connection is closed.', 'ECONNCLOSED')],
    ['msnodesqlv8 query timeout -2', new sql.RequestError(Object.assign(new Error('Query timeout expired'), { code: -2, sqlstate: 'HYT00' }), 'EREQUEST')],
    ['Azure transient login error still being retried by tedious', connectionFailure('ELOGIN', "Database 'db' on server 'srv' is not currently available.", true)],
    ['a lost connection seen only in the message', new Error('Connection lost - read ECONNRESET')],
  ];
  it.each(transient)('%s -> transient', (_name, err) => expect(classifyMssqlError(err)).toBe('transient'));

  const critical: Array<[string, unknown]> = [
    ['login failed (18456, ELOGIN)', connectionFailure('ELOGIN', "Login failed for user 'reader'.")],
    ['login failed as a server number (msnodesqlv8)', new sql.RequestError(Object.assign(new Error("Login failed for user 'reader'."), { code: 18456 }), 'EREQUEST')],
    ['cannot open database 4060', serverError(4060, 'Cannot open database "shop" requested by the login. The login failed.')],
    ['unknown named instance', connectionFailure('EINSTLOOKUP', 'Port for SQLEXPRESS not found in db1')],
  ];
  it.each(critical)('%s -> critical', (_name, err) => expect(classifyMssqlError(err)).toBe('critical'));

  const table: Array<[string, unknown]> = [
    ['invalid object name 208', serverError(208, "Invalid object name 'dbo.missing'.")],
    ['invalid column name 207', serverError(207, "Invalid column name 'gone'.")],
    ['syntax error 102', serverError(102, "Incorrect syntax near ')'.")],
    ['syntax error 156', serverError(156, "Incorrect syntax near the keyword 'FROM'.")],
    ['unknown collation 448 (pre-2019 server)', serverError(448, "Invalid collation 'Latin1_General_100_BIN2_UTF8'.")],
    ['arithmetic overflow 8115', serverError(8115, 'Arithmetic overflow error converting expression to data type bigint.')],
    ['permission denied 229', serverError(229, "The SELECT permission was denied on the object 'orders'.")],
    ['cancelled request', new sql.RequestError('Canceled.', 'ECANCEL' as Code)],
    ['anything else', new Error('boom')],
    ['a non-error value', 'string thrown'],
  ];
  it.each(table)('%s -> table', (_name, err) => expect(classifyMssqlError(err)).toBe('table'));

  it('keeps the class of an already classified error', () => {
    expect(classifyMssqlError(new ClassifiedError('x', 'critical'))).toBe('critical');
  });

  it('finds the SQL error number wherever the driver put it', () => {
    expect(sqlErrorNumber(serverError(1205, 'x'))).toBe(1205);
    expect(sqlErrorNumber({ originalError: { info: { number: 40613 } } })).toBe(40613);
    expect(sqlErrorNumber({ info: { number: '208' } })).toBe(208);
    // tedious errors without a server message: mssql sets number = code ("ETIMEOUT"), which is no number.
    expect(sqlErrorNumber(requestFailure('ETIMEOUT', 't'))).toBeUndefined();
    expect(sqlErrorNumber(null)).toBeUndefined();
  });
});
