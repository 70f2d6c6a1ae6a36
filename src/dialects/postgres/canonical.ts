/**
 * PostgreSQL SQL expressions for the canonical form. Each must produce text
 * byte-identical to src/canonical/render.ts (proven by property tests).
 */
import {
  type CanonicalFamily,
  type CanonicalSpec,
  DEFAULT_FRACTIONAL_DIGITS,
  DOUBLE_DIGITS,
  FIELD_SEPARATOR,
  NULL_TOKEN,
  REAL_DIGITS,
} from '../../canonical/types.js';
import type { CatalogColumn, SideColumn } from '../types.js';
import { quoteIdent } from './quote.js';

const INT_TYPES = new Set(['smallint', 'integer', 'bigint']);
const TEXT_TYPES = new Set(['text', 'character varying', 'name', 'citext']);

export function pgCanonicalFamily(c: CatalogColumn): CanonicalFamily | { unsupported: string } {
  const t = c.dataType;
  if (INT_TYPES.has(t)) return { type: 'int' };
  if (t === 'numeric') return { type: 'decimal', scale: c.scale ?? undefined };
  if (t === 'real') return { type: 'float', floatDigits: REAL_DIGITS };
  if (t === 'double precision') return { type: 'float', floatDigits: DOUBLE_DIGITS };
  if (t === 'boolean') return { type: 'bool' };
  if (t === 'date') return { type: 'date' };
  if (t === 'time without time zone') return { type: 'time', fractionalDigits: c.datetimePrecision ?? DEFAULT_FRACTIONAL_DIGITS };
  if (t === 'timestamp without time zone') {
    return { type: 'timestamp', fractionalDigits: c.datetimePrecision ?? DEFAULT_FRACTIONAL_DIGITS };
  }
  if (t === 'timestamp with time zone') {
    return { type: 'timestamptz', fractionalDigits: c.datetimePrecision ?? DEFAULT_FRACTIONAL_DIGITS };
  }
  if (t === 'uuid') return { type: 'uuid' };
  if (TEXT_TYPES.has(t)) return { type: 'text' };
  if (t === 'character') return { type: 'text', fixedWidth: true };
  if (t === 'bytea') return { type: 'binary' };
  if (t === 'money') return { unsupported: 'PostgreSQL money renders by lc_monetary; store it as numeric' };
  if (t === 'time with time zone') return { unsupported: 'time with time zone has no portable canonical form' };
  return { unsupported: `type ${t} has no canonical form` };
}

/** The PostgreSQL type whose output is each temporal canonical type's text (DateStyle ISO, TimeZone UTC). */
const TEMPORAL_TYPES = {
  date: 'date',
  time: 'time without time zone',
  timestamp: 'timestamp without time zone',
  timestamptz: 'timestamp with time zone',
} as const;
type TemporalType = keyof typeof TEMPORAL_TYPES;
const TEMPORAL_CASTS: Record<TemporalType, string> = { date: 'date', time: 'time', timestamp: 'timestamp', timestamptz: 'timestamptz' };

/** Fractional digits a column stores, and so prints at most (a date none). */
function storedDigits(column: CatalogColumn): number {
  return column.dataType === 'date' ? 0 : (column.datetimePrecision ?? DEFAULT_FRACTIONAL_DIGITS);
}

/**
 * A date, time or timestamp as PostgreSQL prints it, which is the canonical text: the connection sets
 * DateStyle ISO and TimeZone UTC, and the output drops trailing fractional zeros. A column storing more
 * fractional digits than compared is truncated first (minus its extra microseconds; infinity kept).
 */
function temporalText(c: string, type: TemporalType, side: SideColumn, digits: number): string {
  const v = `(${c})::${TEMPORAL_CASTS[type]}`;
  if (type === 'date' || storedDigits(side.column) <= digits) return `${v}::text`;
  const extra = `(extract(microseconds from ${v})::bigint % ${10 ** (DEFAULT_FRACTIONAL_DIGITS - digits)}) * interval '1 microsecond'`;
  return `coalesce(${v} - ${extra}, ${v})::text`;
}

/** Canonical text of `column` as SQL, NULL when the value is NULL. */
export function pgCanonicalExpression(side: SideColumn, sqlName = quoteIdent(side.column.name)): string {
  const c = sqlName;
  const spec: CanonicalSpec = side.canonical;
  const digits = spec.fractionalDigits ?? DEFAULT_FRACTIONAL_DIGITS;
  switch (spec.type) {
    case 'int':
      return `(${c})::text`;
    case 'decimal':
      return spec.scale === undefined ? `trim_scale((${c})::numeric)::text` : `round((${c})::numeric, ${spec.scale})::text`;
    case 'float':
      return floatExpression(c, side);
    case 'bool':
      return `(CASE (${c})::boolean WHEN true THEN '1' WHEN false THEN '0' END)`;
    case 'date':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      return temporalText(c, spec.type, side, digits);
    case 'uuid':
      // uuid_out always writes lower-case hex: lower() would only cost time (about a tenth of the row hash).
      return side.column.dataType === 'uuid' ? `(${c})::text` : `lower((${c})::text)`;
    case 'text': {
      const v = spec.rtrim ? `rtrim((${c})::text, ' ')` : `(${c})::text`;
      return `(octet_length(${v})::text || ':' || ${v})`;
    }
    case 'binary':
      return `encode(${c}, 'hex')`;
  }
}

/**
 * float -> numeric rounds the exact binary value to the type's digits (15 / 6);
 * fewer digits are rounded again on the numeric, half away from zero.
 */
function floatExpression(c: string, side: SideColumn): string {
  const native = side.column.dataType === 'real' ? REAL_DIGITS : DOUBLE_DIGITS; // what float -> numeric keeps
  const digits = side.canonical.floatDigits ?? native;
  const n = `(${c})::numeric`;
  if (digits >= native) return `trim_scale(${n})::text`;
  return `(CASE WHEN (${c}) = 0 OR (${c}) IN ('NaN', 'Infinity', '-Infinity') THEN trim_scale(${n})::text ELSE trim_scale(round(${n}, ${digits - 1} - floor(log(abs(${n})))::int))::text END)`;
}

const NULL_LITERAL = `'${NULL_TOKEN.replace(/'/g, "''")}'`;
const SEPARATOR_LITERAL = `'${FIELD_SEPARATOR.replace(/'/g, "''")}'`;
/** PostgreSQL functions take at most 100 arguments (FUNC_MAX_ARGS). */
const MAX_CONCAT_ARGS = 100;

/**
 * A column's canonical text as concat() arguments. concat() writes each argument with its type's output
 * function, which for a NOT NULL column of a native type is often the canonical text already: an integer,
 * a numeric at its declared scale, a uuid, a date or timestamp. Those skip the casts, the rounding and the coalesce of
 * pgCanonicalExpression, which cost about 6 % of a whole-row checksum; the bytes are the same (property tests).
 * A nullable column is the full expression with NULL as \N.
 */
export function pgCanonicalPieces(side: SideColumn, sqlName = quoteIdent(side.column.name)): string[] {
  if (side.column.nullable) return [`coalesce(${pgCanonicalExpression(side, sqlName)}, ${NULL_LITERAL})`];
  const c = sqlName;
  const spec = side.canonical;
  const t = side.column.dataType;
  switch (spec.type) {
    case 'int':
      if (INT_TYPES.has(t)) return [c];
      break;
    case 'decimal':
      // numeric(p,s) stores every value at scale s, and prints it so.
      if (t === 'numeric' && spec.scale !== undefined && side.column.scale === spec.scale) return [c];
      break;
    case 'bool':
      if (t === 'boolean') return [`${c}::int`];
      break;
    case 'date':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      // The column's own output is the canonical text (no formatting call: to_char cost ~10 % of a row hash).
      if (t === TEMPORAL_TYPES[spec.type] && storedDigits(side.column) <= (spec.fractionalDigits ?? DEFAULT_FRACTIONAL_DIGITS)) return [c];
      break;
    case 'uuid':
      if (t === 'uuid') return [c];
      break;
    case 'text':
      if (!spec.rtrim && (t === 'text' || t === 'character varying')) return [`octet_length(${c})`, "':'", c];
      break;
    default:
      break;
  }
  return [pgCanonicalExpression(side, c)];
}

/** The fields' canonical texts joined by the separator, NULL as \N: the text both sides hash. */
export function pgRowText(sides: readonly SideColumn[], sqlNames?: readonly string[]): string {
  const args = sides.flatMap((side, i) => [...(i ? [SEPARATOR_LITERAL] : []), ...pgCanonicalPieces(side, sqlNames?.[i])]);
  return concatOf(args);
}

function concatOf(args: string[]): string {
  if (args.length <= MAX_CONCAT_ARGS) return `concat(${args.join(', ')})`;
  const groups: string[] = [];
  for (let i = 0; i < args.length; i += MAX_CONCAT_ARGS) groups.push(`concat(${args.slice(i, i + MAX_CONCAT_ARGS).join(', ')})`);
  return concatOf(groups);
}

/** Signed 64-bit slice of md5(row text). */
export function pgRowHash(rowText: string): string {
  return `('x' || left(md5(${rowText}), 16))::bit(64)::bigint`;
}

/** First 31 bits of md5(key text), a non-negative int. */
export function pgKeyHash(keyText: string): string {
  return `(('x' || left(md5(${keyText}), 8))::bit(32)::int & 2147483647)`;
}
