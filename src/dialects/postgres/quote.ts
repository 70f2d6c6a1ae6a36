/** PostgreSQL identifier quoting: node-postgres' escapeIdentifier ("x" with "" doubling). */
import pg from 'pg';
import type { TableRef } from '../types.js';

export function quoteIdent(name: string): string {
  if (name.includes('\u0000')) throw new Error('identifier contains a NUL character');
  return pg.escapeIdentifier(name);
}

export function quoteTable(ref: TableRef): string {
  return `${quoteIdent(ref.schema)}.${quoteIdent(ref.name)}`;
}
