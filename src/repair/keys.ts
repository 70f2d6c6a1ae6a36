/**
 * Drifted keys as repair needs them: the canonical text of each key column
 * (what the engine compared), decoded back into a typed value and written as
 * a literal of the dialect that will execute it.
 *
 * Literals are needed where values cannot be bound: the key filter of a
 * Debezium signal (the connector runs it on the source as SQL text) and the
 * reviewed SQL file (applied later by a person). Every value is validated
 * against its canonical shape first; strings are quoted with the dialect's
 * only escape rules:
 *  - T-SQL: N'...' with ' doubled, line breaks concatenated as NCHAR(13) /
 *    NCHAR(10) (a backslash before a line break would be a line continuation).
 *  - PostgreSQL: E'...' with \ and ' escaped and every control character
 *    written as an escape, so the text has no raw newline or backslash that
 *    a client (psql meta-commands) or standard_conforming_strings could
 *    reinterpret.
 * A key that cannot be matched exactly from its canonical text (float keys,
 * timestamps compared at fewer digits than the column holds, NUL characters)
 * is refused with the reason: repairing the wrong row is worse than none.
 */
import type { CanonicalSpec } from '../canonical/types.js';
import type { CatalogColumn, DialectName } from '../dialects/types.js';
import { quoteIdent as mssqlQuote } from '../dialects/mssql/quote.js';
import { quoteIdent as pgQuote } from '../dialects/postgres/quote.js';
import type { RowDiff } from '../engine/diff.js';
import type { TablePlan } from '../engine/plan.js';
import type { DriftKind } from '../report/model.js';

export type KeyValue =
  | { type: 'number'; text: string }
  /** nonUnicode: the SQL Server column is char / varchar (see mssqlLiteral). */
  | { type: 'string'; text: string; nonUnicode?: boolean }
  | { type: 'bool'; value: boolean }
  | { type: 'binary'; hex: string }
  | { type: 'uuid'; text: string }
  | { type: 'temporal'; text: string };

export interface DriftKey {
  kind: DriftKind;
  /** The engine's canonical key text (matches LeafRow.keyText). */
  keyText: string;
  /** Canonical text of each key column, in key order. */
  values: string[];
}

export class KeyEncodingError extends Error {
  override readonly name = 'KeyEncodingError';
}

/** The drifted rows of a table as keys (the key columns lead every LeafRow). */
export function driftKeysOf(plan: TablePlan, drift: readonly RowDiff[]): DriftKey[] {
  return drift.map((d) => {
    const row = d.source ?? d.target!;
    return { kind: d.kind, keyText: d.keyText, values: row.columns.slice(0, plan.keyCount).map((v) => v ?? '') };
  });
}

const NON_UNICODE_TYPES = new Set(['char', 'varchar', 'text']);
const NUMBER_RE = /^-?\d+(\.\d+)?$/;
const INT_RE = /^-?\d+$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HEX_RE = /^(?:[0-9a-f]{2})*$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const TIME_RE = /^\d{2}:\d{2}:\d{2}(\.\d{1,6})?$/;
const TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?$/;
const TIMESTAMPTZ_RE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?\+00$/;

/**
 * ISO 8601 of a canonical time stamp ("2024-01-02 03:04:05.5+00" -> "2024-01-02T03:04:05.5Z"): SQL Server reads
 * the form with a space by DATEFORMAT for datetime, the "T" form the same under every setting.
 */
function iso8601(canonical: string): string {
  return canonical.replace(' ', 'T').replace(/\+00$/, 'Z');
}

function must(ok: boolean, what: string, canonical: string): void {
  if (!ok) throw new KeyEncodingError(`unexpected canonical ${what} ${JSON.stringify(canonical.slice(0, 80))}`);
}

/** Fractional-second digits the column holds. */
function nativeDigits(column: CatalogColumn, dialect: DialectName): number {
  if (column.datetimePrecision !== null) return column.datetimePrecision;
  return dialect === 'postgres' ? 6 : 7;
}

/**
 * The key value behind a canonical text, for `column` of `dialect`; throws
 * KeyEncodingError when a literal could not select exactly that row.
 */
export function decodeKeyValue(canonical: string, spec: CanonicalSpec, column: CatalogColumn, dialect: DialectName): KeyValue {
  const inexact = (why: string) =>
    new KeyEncodingError(`key column ${column.name} (${column.dataType}) cannot be matched exactly from its compared form: ${why}`);
  switch (spec.type) {
    case 'int':
      must(INT_RE.test(canonical), 'integer', canonical);
      return { type: 'number', text: canonical };
    case 'decimal':
      must(NUMBER_RE.test(canonical), 'decimal', canonical);
      if (spec.scale !== undefined && column.scale !== null && spec.scale < column.scale) {
        throw inexact(`compared at scale ${spec.scale}, the column has scale ${column.scale}`);
      }
      return { type: 'number', text: canonical };
    case 'float':
      throw inexact('floating-point keys are compared rounded');
    case 'bool':
      must(canonical === '0' || canonical === '1', 'boolean', canonical);
      return { type: 'bool', value: canonical === '1' };
    case 'uuid':
      must(UUID_RE.test(canonical), 'uuid', canonical);
      return { type: 'uuid', text: canonical };
    case 'binary':
      must(HEX_RE.test(canonical), 'binary', canonical);
      return { type: 'binary', hex: canonical };
    case 'date':
      must(DATE_RE.test(canonical), 'date', canonical);
      return { type: 'temporal', text: canonical };
    case 'time':
    case 'timestamp':
    case 'timestamptz': {
      const re = spec.type === 'time' ? TIME_RE : spec.type === 'timestamp' ? TIMESTAMP_RE : TIMESTAMPTZ_RE;
      must(re.test(canonical), spec.type, canonical);
      const digits = spec.fractionalDigits ?? 6;
      const native = nativeDigits(column, dialect);
      if (digits < native) throw inexact(`compared at ${digits} fractional digits, the column holds ${native}`);
      return { type: 'temporal', text: iso8601(canonical) };
    }
    case 'text': {
      const colon = canonical.indexOf(':');
      must(colon > 0 && INT_RE.test(canonical.slice(0, colon)), 'text', canonical);
      const text = canonical.slice(colon + 1);
      must(Buffer.byteLength(text, 'utf8') === Number(canonical.slice(0, colon)), 'text length', canonical);
      if (text.includes('\u0000')) throw new KeyEncodingError(`key column ${column.name} holds a NUL character, which no SQL literal can carry`);
      // PostgreSQL text compares trailing spaces; a value compared right-trimmed may have lost some.
      if (spec.rtrim && dialect === 'postgres' && column.dataType !== 'character') throw inexact('compared with trailing spaces removed');
      return { type: 'string', text, ...(dialect === 'mssql' && NON_UNICODE_TYPES.has(column.dataType) ? { nonUnicode: true } : {}) };
    }
  }
}

/**
 * N'...' with ' doubled. T-SQL has one more rule: a backslash followed by a
 * line break inside a literal is a line continuation (both vanish), so line
 * breaks are never written raw: they are concatenated as NCHAR(13) / NCHAR(10).
 */
export function mssqlString(text: string): string {
  if (text.includes('\u0000')) throw new KeyEncodingError('NUL in a string literal');
  const parts = text.split(/(\r|\n)/).filter((p) => p !== '');
  if (parts.length === 0) return "N''";
  const sql = parts.map((p) => (p === '\r' ? 'NCHAR(13)' : p === '\n' ? 'NCHAR(10)' : `N'${p.replace(/'/g, "''")}'`));
  return sql.length === 1 ? sql[0]! : `(${sql.join(' + ')})`;
}

/** T-SQL literal of a key value. */
export function mssqlLiteral(v: KeyValue): string {
  switch (v.type) {
    case 'number':
      if (!NUMBER_RE.test(v.text)) throw new KeyEncodingError('not a number');
      return v.text;
    case 'bool':
      return v.value ? '1' : '0';
    case 'binary':
      if (!HEX_RE.test(v.hex)) throw new KeyEncodingError('not hex');
      return `0x${v.hex.toUpperCase()}`;
    case 'string':
      // A varchar key compared with N'...' is converted per row under a SQL_ collation (an index scan in the
      // connector's snapshot query): printable ASCII, the same in every code page, goes as a '...' literal.
      if (v.nonUnicode && /^[\x20-\x7e]*$/.test(v.text)) return `'${v.text.replace(/'/g, "''")}'`;
      return mssqlString(v.text);
    case 'uuid':
    case 'temporal':
      // Validated shapes (digits, '-', ':', '.', 'T', 'Z'): no quote can occur; ISO 8601 is unambiguous under any DATEFORMAT.
      if (!/^[0-9a-fA-FTZ:.-]+$/.test(v.text)) throw new KeyEncodingError('unexpected characters');
      return `'${v.text}'`;
  }
}

/** E'...' body escaping: backslash, quote and every control character as an escape; everything else as is. */
export function pgString(text: string): string {
  if (text.includes('\u0000')) throw new KeyEncodingError('PostgreSQL text cannot hold a NUL character');
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "''";
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `E'${out}'`;
}

/** PostgreSQL literal of a key value. */
export function pgLiteral(v: KeyValue): string {
  switch (v.type) {
    case 'number':
      if (!NUMBER_RE.test(v.text)) throw new KeyEncodingError('not a number');
      return v.text;
    case 'bool':
      return v.value ? 'TRUE' : 'FALSE';
    case 'binary':
      if (!HEX_RE.test(v.hex)) throw new KeyEncodingError('not hex');
      return `decode('${v.hex}', 'hex')`;
    case 'string':
      return pgString(v.text);
    case 'uuid':
    case 'temporal':
      if (!/^[0-9a-fA-FTZ:.-]+$/.test(v.text)) throw new KeyEncodingError('unexpected characters');
      return `'${v.text}'`;
  }
}

export function literalFor(dialect: DialectName): (v: KeyValue) => string {
  return dialect === 'mssql' ? mssqlLiteral : pgLiteral;
}

export function quoteFor(dialect: DialectName): (name: string) => string {
  return dialect === 'mssql' ? mssqlQuote : pgQuote;
}

export interface KeyColumnRef {
  /** Column name as that side's catalog spells it. */
  name: string;
  column: CatalogColumn;
  spec: CanonicalSpec;
}

/** The key columns of one side of a plan. */
export function keyColumns(plan: TablePlan, side: 'source' | 'target'): KeyColumnRef[] {
  return plan[side].keys.map((k) => ({ name: k.column.name, column: k.column, spec: k.canonical }));
}

/**
 * A predicate selecting exactly these keys, for `dialect`, parenthesised so
 * that whatever it is ANDed with keeps its meaning:
 * single key `(k IN (v1, v2))`, composite `((a = v1 AND b = v2) OR (...))`.
 */
export function keyPredicate(dialect: DialectName, columns: KeyColumnRef[], keys: ReadonlyArray<readonly string[]>): string {
  if (keys.length === 0) throw new KeyEncodingError('no keys');
  const quote = quoteFor(dialect);
  const literal = literalFor(dialect);
  const values = keys.map((k) => columns.map((c, i) => literal(decodeKeyValue(k[i] ?? '', c.spec, c.column, dialect))));
  if (columns.length === 1) return `(${quote(columns[0]!.name)} IN (${values.map((v) => v[0]).join(', ')}))`;
  const terms = values.map((v) => `(${columns.map((c, i) => `${quote(c.name)} = ${v[i]}`).join(' AND ')})`);
  return `(${terms.join(' OR ')})`;
}
