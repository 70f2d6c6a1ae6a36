/**
 * Statements of `scope: incremental` on SQL Server: the newest change (canonical text of the change column's
 * MAX, the same text the PostgreSQL dialect renders) and the keys changed since a point (bound as text and
 * converted to the column's type once, so the change column's index serves it).
 */
import type { SideColumn, SideTable, Statement } from '../types.js';
import { mssqlCanonicalExpression } from './canonical.js';
import { quoteIdent, quoteTable } from './quote.js';

function where(t: SideTable, condition?: string): string {
  const parts = [...(condition ? [condition] : []), ...(t.where ? [`(${t.where})`] : [])];
  return parts.length ? ` WHERE ${parts.join(' AND ')}` : '';
}

/** The native type a bound point is converted to, from the catalog (so the comparison is sargable). */
function nativeType(c: SideColumn): string {
  const t = c.column.dataType;
  const p = c.column.datetimePrecision;
  if (t === 'datetime2' || t === 'datetimeoffset' || t === 'time') return `${t}(${p ?? 7})`;
  if (t === 'tinyint' || t === 'smallint' || t === 'int' || t === 'bigint' || t === 'date' || t === 'datetime' || t === 'smalldatetime') return t;
  throw new Error(`${c.column.name} (${t}) cannot be a change column: use a date, time stamp or integer column`);
}

export function maxChangeStatement(t: SideTable, change: SideColumn): Statement {
  const max = `MAX(${quoteIdent(change.column.name)})`;
  return { text: `SELECT ${mssqlCanonicalExpression(change, max)} AS v FROM ${quoteTable(t.table)}${where(t)}`, values: [], label: 'max-change' };
}

export function changedKeysStatement(t: SideTable, change: SideColumn, since: string): Statement {
  const key = t.keys[0];
  if (!key || t.keys.length !== 1) throw new Error('changed keys need exactly one integer key column');
  // The canonical text is ODBC canonical (style 121, "yyyy-mm-dd hh:mi:ss[.f]"); a UTC point ("+00") is bound
  // without its zone and read as an instant at offset 0, so a datetimeoffset column compares instants.
  const type = nativeType(change);
  const utc = since.endsWith('+00');
  const text = utc ? since.slice(0, -3) : since;
  const point =
    change.canonical.type === 'int'
      ? `CONVERT(${type}, @p1)`
      : change.column.dataType === 'datetimeoffset'
        ? `TODATETIMEOFFSET(CONVERT(${type.replace('datetimeoffset', 'datetime2')}, @p1, 121), 0)`
        : `CONVERT(${type}, @p1, 121)`;
  return {
    text: `SELECT CONVERT(VARCHAR(20), ${quoteIdent(key.column.name)}) AS k FROM ${quoteTable(t.table)}${where(t, `${quoteIdent(change.column.name)} >= ${point}`)}`,
    values: [text],
    label: 'changed-keys',
  };
}
