/**
 * Native type names for messages and fixes: a catalog column written back as
 * its dialect spells it in DDL ("numeric(12,2)", "character varying(50)",
 * "timestamp(3) without time zone", "nvarchar(max)"), plus the PostgreSQL
 * type a SQL Server column becomes (the mapping Debezium's JDBC sink uses).
 */
import type { CatalogColumn, DialectName } from '../dialects/types.js';

const DECIMAL_NAMES = new Set(['numeric', 'decimal']);
const PG_TIME = /^(time|timestamp)( with(?:out)? time zone)$/;
const MSSQL_TIME = new Set(['time', 'datetime2', 'datetimeoffset']);
/** Types whose catalog length is not a declared length (SQL Server LOB pointers). */
const LOB_TYPES = new Set(['text', 'ntext', 'image', 'xml']);

/** The column's type as DDL spells it. */
export function typeText(c: CatalogColumn): string {
  const t = c.dataType;
  if (DECIMAL_NAMES.has(t)) return c.precision !== null ? `${t}(${c.precision},${c.scale ?? 0})` : t;
  const pg = PG_TIME.exec(t);
  if (pg) return c.datetimePrecision !== null ? `${pg[1]}(${c.datetimePrecision})${pg[2]}` : t;
  if (MSSQL_TIME.has(t)) return c.datetimePrecision !== null ? `${t}(${c.datetimePrecision})` : t;
  if (c.length !== null && !LOB_TYPES.has(t)) return `${t}(${c.length === -1 ? 'max' : c.length})`;
  return t;
}

/** Declared maximum length; Infinity when unbounded (text, MAX, LOB types). */
export function maxLength(c: CatalogColumn): number {
  if (c.length === null || c.length === -1 || LOB_TYPES.has(c.dataType)) return Number.POSITIVE_INFINITY;
  return c.length;
}

const cap6 = (n: number | null, fallback: number) => Math.min(n ?? fallback, 6);

/** The PostgreSQL type for a SQL Server column; undefined when there is no obvious one. */
function pgTypeForMssql(c: CatalogColumn): string | undefined {
  const t = c.dataType;
  const len = c.length === -1 || c.length === null ? null : c.length;
  switch (t) {
    case 'bit':
      return 'boolean';
    case 'tinyint':
    case 'smallint':
      return 'smallint';
    case 'int':
      return 'integer';
    case 'bigint':
      return 'bigint';
    case 'decimal':
    case 'numeric':
      return `numeric(${c.precision ?? 18},${c.scale ?? 0})`;
    case 'money':
      return 'numeric(19,4)';
    case 'smallmoney':
      return 'numeric(10,4)';
    case 'float':
      return 'double precision';
    case 'real':
      return 'real';
    case 'date':
      return 'date';
    case 'time':
      return `time(${cap6(c.datetimePrecision, 7)}) without time zone`;
    case 'datetime2':
      return `timestamp(${cap6(c.datetimePrecision, 7)}) without time zone`;
    case 'datetime':
      return 'timestamp(3) without time zone';
    case 'smalldatetime':
      return 'timestamp(0) without time zone';
    case 'datetimeoffset':
      return `timestamp(${cap6(c.datetimePrecision, 7)}) with time zone`;
    case 'uniqueidentifier':
      return 'uuid';
    case 'char':
    case 'nchar':
      return len === null ? 'text' : `character(${len})`;
    case 'varchar':
    case 'nvarchar':
      return len === null || LOB_TYPES.has(t) ? 'text' : `character varying(${len})`;
    case 'text':
    case 'ntext':
      return 'text';
    case 'binary':
    case 'varbinary':
    case 'image':
    case 'timestamp':
    case 'rowversion':
      return 'bytea';
    default:
      return undefined;
  }
}

/** The type a target column should have to hold `source` exactly; undefined when unsure. */
export function targetTypeFor(source: CatalogColumn, from: DialectName, to: DialectName): string | undefined {
  if (from === to) return typeText(source);
  if (from === 'mssql' && to === 'postgres') return pgTypeForMssql(source);
  return undefined;
}
