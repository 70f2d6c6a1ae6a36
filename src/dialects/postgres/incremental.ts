/**
 * Statements of `scope: incremental` on PostgreSQL: the newest change (canonical text of the change column's
 * max, the same text the SQL Server dialect renders) and the keys changed since a point (bound, compared in
 * the column's own type, so the change column's index serves it).
 */
import type { SideColumn, SideTable, Statement } from '../types.js';
import { pgCanonicalExpression } from './canonical.js';
import { quoteIdent, quoteTable } from './quote.js';

function where(t: SideTable, condition?: string): string {
  const parts = [...(condition ? [condition] : []), ...(t.where ? [`(${t.where})`] : [])];
  return parts.length ? ` WHERE ${parts.join(' AND ')}` : '';
}

export function maxChangeStatement(t: SideTable, change: SideColumn): Statement {
  const max = `max(${quoteIdent(change.column.name)})`;
  return { text: `SELECT ${pgCanonicalExpression(change, max)} AS v FROM ${quoteTable(t.table)}${where(t)}`, values: [], label: 'max-change' };
}

export function changedKeysStatement(t: SideTable, change: SideColumn, since: string): Statement {
  const key = t.keys[0];
  if (!key || t.keys.length !== 1) throw new Error('changed keys need exactly one integer key column');
  return {
    text: `SELECT (${quoteIdent(key.column.name)})::text AS k FROM ${quoteTable(t.table)}${where(t, `${quoteIdent(change.column.name)} >= $1`)}`,
    values: [since],
    label: 'changed-keys',
  };
}
