/**
 * T-SQL expressions for the canonical form. Each must produce text
 * byte-identical to src/canonical/render.ts (the contract suite proves it on a
 * real server when MSSQL_URL is set; test/unit/mssql-canonical.test.ts pins the
 * exact renderings). Rules kept everywhere:
 *  - CONVERT with an explicit length and an explicit style; never FORMAT()
 *    (culture-dependent), never a style that depends on LANGUAGE / DATEFORMAT;
 *  - every canonical field is VARCHAR (never CHAR: a CHAR(n) pads, and ISNULL
 *    would cut '\N' to the first argument's length; COALESCE is used instead);
 *  - text is hashed as UTF-8: NVARCHAR -> VARCHAR under a `_UTF8` collation;
 *  - the row text starts with a VARCHAR(MAX) so `+` never truncates at 8000
 *    bytes, and uses `+` (not CONCAT / CONCAT_WS, which skip or blank NULLs).
 * Type pairs with no exact T-SQL form are reported by `mssqlUnsupportedReason`;
 * the engine then hashes that table client-side.
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
import { capabilitiesOf, type MssqlCapabilities, UTF8_COLLATION } from './capabilities.js';
import { quoteIdent } from './quote.js';

export const INT_TYPES = new Set(['tinyint', 'smallint', 'int', 'bigint']);
export const DECIMAL_TYPES = new Set(['decimal', 'numeric']);
/** money and smallmoney are scaled integers: exactly DECIMAL(19,4) / DECIMAL(10,4). */
export const MONEY_PRECISION: Readonly<Record<string, number>> = { money: 19, smallmoney: 10 };
export const FIXED_CHAR_TYPES = new Set(['char', 'nchar']);
export const VAR_CHAR_TYPES = new Set(['varchar', 'nvarchar', 'text', 'ntext', 'sysname']);
const BOUNDED_TEXT_TYPES = new Set(['char', 'varchar', 'nchar', 'nvarchar']);
export const BINARY_TYPES = new Set(['binary', 'varbinary', 'image', 'timestamp', 'rowversion']);
/** Types holding a date and a time of day, no offset. */
export const DATETIME_TYPES = new Set(['datetime2', 'datetime', 'smalldatetime']);

const UNSUPPORTED: Readonly<Record<string, string>> = {
  xml: 'xml is re-serialised by the server (attribute quotes, whitespace); exclude it or compare a computed hash column',
  sql_variant: 'sql_variant has no single canonical type',
  geography: 'spatial types have no canonical text form',
  geometry: 'spatial types have no canonical text form',
  hierarchyid: 'hierarchyid has no canonical text form',
};

function clampDigits(n: number | null | undefined, fallback: number): number {
  return Math.min(n ?? fallback, DEFAULT_FRACTIONAL_DIGITS);
}

export function mssqlCanonicalFamily(c: CatalogColumn): CanonicalFamily | { unsupported: string } {
  const t = c.dataType;
  if (t === 'bit') return { type: 'bool' };
  if (INT_TYPES.has(t)) return { type: 'int' };
  if (DECIMAL_TYPES.has(t)) return { type: 'decimal', scale: c.scale ?? 0 };
  if (t in MONEY_PRECISION) return { type: 'decimal', scale: 4 };
  if (t === 'float') return { type: 'float', floatDigits: DOUBLE_DIGITS };
  if (t === 'real') return { type: 'float', floatDigits: REAL_DIGITS };
  if (t === 'date') return { type: 'date' };
  if (t === 'time') return { type: 'time', fractionalDigits: clampDigits(c.datetimePrecision, 7) };
  if (t === 'datetime2') return { type: 'timestamp', fractionalDigits: clampDigits(c.datetimePrecision, 7) };
  if (t === 'datetime') return { type: 'timestamp', fractionalDigits: 3 };
  if (t === 'smalldatetime') return { type: 'timestamp', fractionalDigits: 0 };
  if (t === 'datetimeoffset') return { type: 'timestamptz', fractionalDigits: clampDigits(c.datetimePrecision, 7) };
  if (t === 'uniqueidentifier') return { type: 'uuid' };
  if (FIXED_CHAR_TYPES.has(t)) return { type: 'text', fixedWidth: true };
  if (VAR_CHAR_TYPES.has(t)) return { type: 'text' };
  if (BINARY_TYPES.has(t)) return { type: 'binary' };
  return { unsupported: UNSUPPORTED[t] ?? `type ${t} has no canonical form` };
}

/**
 * Why `spec` cannot be rendered inside SQL Server for `column`, byte-identical
 * to the reference; null when it can.
 */
export function mssqlUnsupportedReason(
  column: CatalogColumn,
  spec: CanonicalSpec,
  caps: MssqlCapabilities = capabilitiesOf(column),
): string | null {
  const t = column.dataType;
  if (!caps.unlimitedHashbytes) {
    return `SQL Server ${caps.productVersion} limits HASHBYTES to 8000 bytes (2016 or later needed for server-side hashing)`;
  }
  if (!caps.stringAgg) {
    return `SQL Server ${caps.productVersion} has no STRING_AGG (2017 or later needed for server-side hashing: canonical form 3 hashes a unit of rows joined in key order)`;
  }
  switch (spec.type) {
    case 'int':
      if (INT_TYPES.has(t) || t === 'bit') return null;
      if (DECIMAL_TYPES.has(t) && (column.scale ?? 0) === 0) return null;
      break;
    case 'decimal':
      if (INT_TYPES.has(t) || DECIMAL_TYPES.has(t) || t in MONEY_PRECISION) return null;
      break;
    case 'float':
      // CONVERT(float) styles give 6, 8, 16 or 17 digits already rounded, and STR() rounds through
      // float arithmetic: none rounds the exact binary value to N significant digits (what
      // PostgreSQL's float -> numeric and the reference do), so double rounding can differ.
      return 'float/real have no exact T-SQL rendering to N significant digits (client-side hashing)';
    case 'bool':
      if (t === 'bit' || INT_TYPES.has(t)) return null;
      break;
    case 'date':
      if (t === 'date' || DATETIME_TYPES.has(t)) return null;
      break;
    case 'time':
      if (t === 'time') return null;
      break;
    case 'timestamp':
      if (t === 'date' || DATETIME_TYPES.has(t)) return null;
      break;
    case 'timestamptz':
      if (t === 'datetimeoffset' || t === 'date' || DATETIME_TYPES.has(t)) return null;
      break;
    case 'uuid':
      if (t === 'uniqueidentifier') return null;
      break;
    case 'text':
      if (t === 'uniqueidentifier') return null;
      if (FIXED_CHAR_TYPES.has(t) || VAR_CHAR_TYPES.has(t)) {
        return caps.utf8
          ? null
          : `SQL Server ${caps.productVersion} has no _UTF8 collation (2019 or later): text cannot be hashed as UTF-8 in the database`;
      }
      break;
    case 'binary':
      if (BINARY_TYPES.has(t)) return null;
      break;
  }
  return `no T-SQL rendering of ${t} as canonical ${spec.type}`;
}

export function mssqlServerSideSupported(column: CatalogColumn, spec: CanonicalSpec): boolean {
  return mssqlUnsupportedReason(column, spec) === null;
}

// ---------------------------------------------------------------------------------------------
// Building blocks

/** A T-SQL string literal ('' doubling); only used for constants generated here. */
export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

const zeros = (n: number) => '0'.repeat(Math.max(0, n));

function nullGuard(c: string, body: string): string {
  return `CASE WHEN ${c} IS NULL THEN NULL ELSE ${body} END`;
}

/** Nine-digit fraction of a second (nanoseconds) of a time / datetime2 / datetimeoffset value. */
function nanos9(v: string): string {
  return `RIGHT('00000000' + CONVERT(VARCHAR(9), DATEPART(NANOSECOND, ${v})), 9)`;
}

/** Three-digit milliseconds of a datetime, as SQL Server rounds its 1/300 s ticks (.997, .003, .007). */
function millis3(v: string): string {
  return `RIGHT('00' + CONVERT(VARCHAR(3), DATEPART(MILLISECOND, ${v})), 3)`;
}

/** The fraction's first digits as stored, truncated to `digits`: VARCHAR text and its length; null when none is stored. */
function fractionDigits(nativeType: string, v: string, digits: number): { text: string; length: number } | null {
  if (digits <= 0 || nativeType === 'smalldatetime' || nativeType === 'date') return null;
  if (nativeType === 'datetime') return { text: `LEFT(${millis3(v)}, ${Math.min(digits, 3)})`, length: Math.min(digits, 3) };
  return { text: `LEFT(${nanos9(v)}, ${digits})`, length: digits };
}

/**
 * " + '.' + fraction" truncated to `digits`, its trailing zeros dropped, nothing for a zero fraction: as
 * PostgreSQL prints a time or timestamp (and the reference's fraction()).
 */
function fraction(nativeType: string, v: string, digits: number, share: Share): string {
  const digitsOf = fractionDigits(nativeType, v, digits);
  if (!digitsOf) return '';
  const f = share(digitsOf.text);
  const n = digitsOf.length;
  return ` + (CASE WHEN ${f} = '${zeros(n)}' THEN '' ELSE '.' + LEFT(${f}, ${n + 1} - PATINDEX('%[^0]%', REVERSE(${f}))) END)`;
}

/** ISO date, a space, the time of day of a date/datetime value (style 23 = yyyy-mm-dd, 108 = hh:mi:ss, both culture-free). */
function isoTimestamp(nativeType: string, v: string, digits: number, share: Share): string {
  if (nativeType === 'date') return `CONVERT(VARCHAR(10), ${v}, 23) + ' 00:00:00'`;
  return `CONVERT(VARCHAR(10), ${v}, 23) + ' ' + CONVERT(VARCHAR(8), ${v}, 108)${fraction(nativeType, v, digits, share)}`;
}

/**
 * Decimal text of `v` (a DECIMAL(p, s) expression): plain notation, a leading
 * zero even when p = s (where SQL Server may print ".5"), never "-0.00".
 */
function decimalText(v: string, precision: number, scale: number, share: Share): string {
  const t = share(`CONVERT(VARCHAR(48), ${v})`);
  if (scale === 0 || precision > scale) return t;
  return share(`(CASE WHEN LEFT(${t}, 1) = '.' THEN '0' + ${t} WHEN LEFT(${t}, 2) = '-.' THEN '-0' + SUBSTRING(${t}, 2, 48) ELSE ${t} END)`);
}

function decimalExpression(c: string, column: CatalogColumn, scale: number | undefined, share: Share): string {
  const t = column.dataType;
  if (INT_TYPES.has(t)) {
    const text = `CONVERT(VARCHAR(20), ${c})`;
    return scale === undefined || scale === 0 ? text : nullGuard(c, `${text} + '.${zeros(scale)}'`);
  }
  let p: number;
  let cs: number;
  let v: string;
  const money = MONEY_PRECISION[t];
  if (money !== undefined) {
    p = money;
    cs = 4;
    v = `CONVERT(DECIMAL(${p}, 4), ${c})`;
  } else {
    p = column.precision ?? 38;
    cs = column.scale ?? 0;
    v = c;
  }
  if (scale === undefined) return trimmedDecimal(c, v, p, cs, share);
  if (cs > scale) {
    // Round half away from zero to the lower scale (what DECIMAL conversion does, like numeric round()).
    const p2 = Math.min(38, p - cs + scale + 1);
    v = `CONVERT(DECIMAL(${p2}, ${scale}), ${v})`;
    p = p2;
    cs = scale;
  }
  const zero = scale > 0 ? `0.${zeros(scale)}` : '0';
  const pad = scale > cs ? (cs === 0 ? `.${zeros(scale)}` : zeros(scale - cs)) : '';
  const text = decimalText(v, p, cs, share) + (pad ? ` + '${pad}'` : '');
  return `CASE WHEN ${c} IS NULL THEN NULL WHEN ${v} = 0 THEN '${zero}' ELSE ${text} END`;
}

/** Trailing fractional zeros and a bare '.' removed (PostgreSQL trim_scale). */
function trimmedDecimal(c: string, v: string, p: number, cs: number, share: Share): string {
  const t = decimalText(v, p, cs, share);
  if (cs === 0) return `CASE WHEN ${c} IS NULL THEN NULL WHEN ${v} = 0 THEN '0' ELSE ${t} END`;
  const z = share(`LEFT(${t}, LEN(${t}) - PATINDEX('%[^0]%', REVERSE(${t})) + 1)`);
  return `CASE WHEN ${c} IS NULL THEN NULL WHEN ${v} = 0 THEN '0' WHEN RIGHT(${z}, 1) = '.' THEN LEFT(${z}, LEN(${z}) - 1) ELSE ${z} END`;
}

/**
 * The text as UTF-8 bytes: VARCHAR under a _UTF8 collation (from NVARCHAR, so VARCHAR code pages are decoded
 * first). Sized from the catalog length when it allows (no LOB for a varchar(20)): n characters or bytes are at
 * most n UTF-16 units, and each unit at most 3 UTF-8 bytes (a surrogate pair: 2 units, 4 bytes).
 */
export function utf8Text(c: string, rtrim: boolean, length: number | null = null): string {
  const bounded = length !== null && length > 0 && length <= 4000;
  const n = `CONVERT(NVARCHAR(${bounded ? length : 'MAX'}), ${c})`;
  const bytes = bounded && length * 3 <= 8000 ? String(length * 3) : 'MAX';
  return `CONVERT(VARCHAR(${bytes}), ${rtrim ? `RTRIM(${n})` : n} COLLATE ${UTF8_COLLATION})`;
}

/**
 * Where a sub-expression used several times in one canonical expression is computed: inline by default; the
 * statements pass one that computes it once per row (a CROSS APPLY column) and returns a reference to it.
 */
export type Share = (expression: string) => string;
const inline: Share = (e) => e;

// ---------------------------------------------------------------------------------------------

/** Canonical text of one column as T-SQL (VARCHAR; NULL when the value is NULL). Throws for unsupported pairs. */
export function mssqlCanonicalExpression(side: SideColumn, sqlName = quoteIdent(side.column.name), share: Share = inline): string {
  const reason = mssqlUnsupportedReason(side.column, side.canonical);
  if (reason) throw new Error(`column ${side.column.name}: ${reason}`);
  const c = sqlName;
  const t = side.column.dataType;
  const spec = side.canonical;
  const digits = Math.min(spec.fractionalDigits ?? DEFAULT_FRACTIONAL_DIGITS, DEFAULT_FRACTIONAL_DIGITS);
  switch (spec.type) {
    case 'int':
      if (t === 'bit') return `CONVERT(VARCHAR(1), ${c})`;
      if (DECIMAL_TYPES.has(t)) return `CASE WHEN ${c} IS NULL THEN NULL WHEN ${c} = 0 THEN '0' ELSE CONVERT(VARCHAR(48), ${c}) END`;
      return `CONVERT(VARCHAR(20), ${c})`;
    case 'decimal':
      return decimalExpression(c, side.column, spec.scale, share);
    case 'bool':
      return `CASE WHEN ${c} IS NULL THEN NULL WHEN ${c} <> 0 THEN '1' ELSE '0' END`;
    case 'date':
      return `CONVERT(VARCHAR(10), ${c}, 23)`;
    case 'time':
      return nullGuard(c, `CONVERT(VARCHAR(8), ${c}, 108)${fraction('time', c, digits, share)}`);
    case 'timestamp':
      return nullGuard(c, isoTimestamp(t, c, digits, share));
    case 'timestamptz': {
      if (t === 'datetimeoffset') {
        // The instant in UTC; SWITCHOFFSET never leaves the 0001..9999 range (values are stored as UTC).
        const utc = `CONVERT(DATETIME2(7), SWITCHOFFSET(${c}, '+00:00'))`;
        return nullGuard(c, `${isoTimestamp('datetime2', utc, digits, share)} + '+00'`);
      }
      // A value without offset is taken as UTC, as the reference does with offset-less text.
      return nullGuard(c, `${isoTimestamp(t, c, digits, share)} + '+00'`);
    }
    case 'uuid':
      return `LOWER(CONVERT(VARCHAR(36), ${c}))`;
    case 'text': {
      if (t === 'uniqueidentifier') return nullGuard(c, `'36:' + CONVERT(VARCHAR(36), ${c})`);
      // Computed once, used twice (its byte length and the text itself).
      // text / ntext report a 16-byte pointer as their length: only the (n)(var)char lengths bound the value.
      const length = BOUNDED_TEXT_TYPES.has(t) ? side.column.length : null;
      const u = share(utf8Text(c, spec.rtrim ?? false, length));
      return nullGuard(c, `CONVERT(VARCHAR(20), DATALENGTH(${u})) + ':' + ${u}`);
    }
    case 'binary':
      return `LOWER(CONVERT(VARCHAR(MAX), CONVERT(VARBINARY(MAX), ${c}), 2))`;
    case 'float':
      throw new Error(`column ${side.column.name}: float has no exact T-SQL form`);
  }
}

/** The canonical fields joined with '|', NULL as \N: the UTF-8 text both sides hash. */
export function mssqlRowText(expressions: string[]): string {
  if (expressions.length === 0) throw new Error('a row text needs at least one column');
  const nullToken = sqlString(NULL_TOKEN);
  const parts = expressions.map((e) => `COALESCE(${e}, ${nullToken})`);
  // VARCHAR(MAX) first: every later `+` then yields VARCHAR(MAX), never cut at 8000 bytes.
  parts[0] = `CONVERT(VARCHAR(MAX), ${parts[0]})`;
  return parts.join(` + ${sqlString(FIELD_SEPARATOR)} + `);
}

/** Signed 64-bit integer of the first 8 bytes of MD5(row text), big-endian (as PostgreSQL's bit(64)::bigint). */
export function mssqlRowHash(rowText: string): string {
  return `CONVERT(BIGINT, SUBSTRING(HASHBYTES('MD5', ${rowText}), 1, 8))`;
}

/**
 * First 31 bits of MD5(key text): 4 bytes zero-extended to BIGINT, modulo 2^31 (= & 0x7fffffff). The modulus
 * is a BIGINT constant: the bare literal 2147483648 is typed numeric(10,0) and turns every row's arithmetic
 * into DECIMAL. (BIGINT % BIGINT, not a `&` mask: the same BIGINT arithmetic, and the T-SQL parser of the
 * unit tests reads it.)
 */
export function mssqlKeyHash(keyText: string): string {
  return `(CONVERT(BIGINT, SUBSTRING(HASHBYTES('MD5', ${keyText}), 1, 4)) % CONVERT(BIGINT, 2147483648))`;
}

/**
 * The raw value of a column for client-side hashing. Types the driver would
 * turn lossy (decimals and money to JS numbers, sub-millisecond times to JS
 * Dates) travel as exact culture-free text; the rest as the driver gives them.
 */
export function mssqlRawExpression(column: CatalogColumn, sqlName = quoteIdent(column.name)): string {
  const c = sqlName;
  const t = column.dataType;
  if (DECIMAL_TYPES.has(t)) return `CONVERT(VARCHAR(48), ${c})`;
  const money = MONEY_PRECISION[t];
  if (money !== undefined) return `CONVERT(VARCHAR(48), CONVERT(DECIMAL(${money}, 4), ${c}))`;
  const date = `CONVERT(VARCHAR(10), ${c}, 23)`;
  const time = `CONVERT(VARCHAR(8), ${c}, 108)`;
  switch (t) {
    case 'date':
      return date;
    case 'time':
      return nullGuard(c, `${time} + '.' + ${nanos9(c)}`);
    case 'datetime2':
      return nullGuard(c, `${date} + ' ' + ${time} + '.' + ${nanos9(c)}`);
    case 'datetime':
      return nullGuard(c, `${date} + ' ' + ${time} + '.' + ${millis3(c)}`);
    case 'smalldatetime':
      return nullGuard(c, `${date} + ' ' + ${time}`);
    case 'datetimeoffset':
      // Local date and time with the value's own offset ("+05:30"): the reference converts to UTC.
      return nullGuard(c, `${date} + ' ' + ${time} + '.' + ${nanos9(c)} + ' ' + CONVERT(VARCHAR(6), DATENAME(TZOFFSET, ${c}))`);
    default:
      return c;
  }
}
