/**
 * SQL Server identifier quoting: `[name]` with every `]` doubled, the same
 * rule as QUOTENAME(). Only ever applied to names the catalog returned
 * (sys.schemas / sys.tables / sys.columns / sys.indexes, looked up with bound
 * parameters), so a name is at most 128 characters (sysname).
 */
import type { TableRef } from '../types.js';

/** sysname is nvarchar(128): no catalog name is longer. */
export const MAX_IDENTIFIER_LENGTH = 128;

export function quoteIdent(name: string): string {
  if (name.length === 0) throw new Error('empty SQL Server identifier');
  if (name.includes('\u0000')) throw new Error('identifier contains a NUL character');
  if (name.length > MAX_IDENTIFIER_LENGTH) {
    throw new Error(`identifier longer than ${MAX_IDENTIFIER_LENGTH} characters cannot come from the SQL Server catalog`);
  }
  return `[${name.replace(/\]/g, ']]')}]`;
}

export function quoteTable(ref: TableRef): string {
  return `${quoteIdent(ref.schema)}.${quoteIdent(ref.name)}`;
}
