/**
 * T-SQL statements for every engine step, the same shapes and result column
 * names as the PostgreSQL dialect. Names are quoted from the catalog, values
 * bound as @p1, @p2, ... (see connect.ts for their driver types).
 */
import { checkHashModulus, type Bucketing, type SegmentFilter, type SideTable, type Statement } from '../types.js';
import { mssqlCanonicalExpression, mssqlKeyHash, mssqlRawExpression, mssqlRowHash, mssqlRowText } from './canonical.js';
import { quoteIdent, quoteTable } from './quote.js';
import { mergeRanges } from '../../util/ranges.js';
import { bigintBucketExact, unitBucketing } from '../range-bucket.js';
import { UNIT_SEPARATOR } from '../../canonical/types.js';

/**
 * SQL Server accepts at most 2100 parameters per request. Up to this many
 * ranges (two values each) or residues are bound; beyond it they are written
 * as integer literals, produced here from JS bigint / safe integers only.
 */
export const MAX_BOUND_LIST = 1000;

export class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `@p${this.values.length}`;
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function bigintLiteral(v: bigint): string {
  if (typeof v !== 'bigint' || v < INT64_MIN || v > INT64_MAX) throw new Error(`not a 64-bit integer: ${String(v)}`);
  return v.toString();
}

function intLiteral(v: number): string {
  if (!Number.isSafeInteger(v)) throw new Error(`not an integer: ${String(v)}`);
  return String(v);
}

/**
 * Sub-expressions computed once per row: a CROSS APPLY of one derived row, so a text column's UTF-8 form or a
 * decimal's text is converted once although the canonical form (and key text and row text) use it again.
 */
export class Applied {
  /** expression -> [name, level]; an expression that refers to a level-n column goes on level n + 1. */
  private readonly names = new Map<string, [string, number]>();
  ref(expression: string): string {
    let entry = this.names.get(expression);
    if (!entry) {
      const level = Math.max(-1, ...[...expression.matchAll(/__cdc_x(\d+)\./g)].map((m) => Number(m[1]))) + 1;
      entry = [`__cdc_v${this.names.size}`, level];
      this.names.set(expression, entry);
    }
    return `__cdc_x${entry[1]}.${quoteIdent(entry[0])}`;
  }
  /** ` CROSS APPLY (SELECT e AS [__cdc_v0], ...) AS __cdc_x0` per level (a later level may use an earlier), or nothing. */
  clause(): string {
    const levels: string[][] = [];
    for (const [e, [name, level]] of this.names) (levels[level] ??= []).push(`${e} AS ${quoteIdent(name)}`);
    return levels.map((cols, i) => ` CROSS APPLY (SELECT ${cols.join(', ')}) AS __cdc_x${i}`).join('');
  }
}

function canonical(c: SideTable['columns'][number], ap: Applied): string {
  return mssqlCanonicalExpression(c, undefined, (e) => ap.ref(e));
}

function keyText(t: SideTable, ap: Applied): string {
  return mssqlRowText(t.keys.map((k) => canonical(k, ap)));
}

function rowText(t: SideTable, ap: Applied): string {
  return mssqlRowText(t.columns.map((c) => canonical(c, ap)));
}

function singleKey(t: SideTable): string {
  const key = t.keys[0];
  if (!key || t.keys.length !== 1) throw new Error('range segmentation needs exactly one integer key column');
  return quoteIdent(key.column.name);
}

/** WHERE clause for a filter plus the trusted per-side filter from the config. */
/** `ap` receives the key text's conversions of a residue filter: its clause must be in the statement's FROM. */
function whereClause(t: SideTable, filter: SegmentFilter, p: Params, ap: Applied): string {
  const parts: string[] = [];
  if (filter.kind === 'ranges') {
    const k = singleKey(t);
    const ranges = mergeRanges(filter.ranges);
    if (ranges.length === 0) {
      parts.push('1 = 0');
    } else {
      const bind = ranges.length <= MAX_BOUND_LIST;
      const preds = ranges.map(([lo, hi]) =>
        bind ? `${k} BETWEEN ${p.add(lo)} AND ${p.add(hi)}` : `${k} BETWEEN ${bigintLiteral(lo)} AND ${bigintLiteral(hi)}`,
      );
      parts.push(preds.length === 1 ? preds[0]! : `(${preds.join(' OR ')})`);
    }
  } else if (filter.kind === 'residues') {
    const m = p.add(checkHashModulus(filter.modulus, t.table));
    if (filter.residues.length === 0) {
      parts.push('1 = 0');
    } else {
      const bind = filter.residues.length <= MAX_BOUND_LIST;
      const list = filter.residues.map((r) => (bind ? p.add(r) : intLiteral(r)));
      parts.push(`(${mssqlKeyHash(keyText(t, ap))} % ${m}) IN (${list.join(', ')})`);
    }
  }
  if (t.where) parts.push(`(${t.where})`);
  return parts.length ? ` WHERE ${parts.join(' AND ')}` : '';
}

/** Value range of the integer key types that range buckets may use BIGINT arithmetic for. */
const INTEGER_DOMAINS: Readonly<Record<string, readonly [bigint, bigint]>> = {
  tinyint: [0n, 255n],
  smallint: [-32768n, 32767n],
  int: [-(2n ** 31n), 2n ** 31n - 1n],
  bigint: [INT64_MIN, INT64_MAX],
};

function bucketExpression(t: SideTable, b: Bucketing, filter: SegmentFilter, p: Params, ap: Applied): string {
  if (b.kind === 'range') {
    const k = singleKey(t);
    // BIGINT arithmetic where it is exact (issue 18: DECIMAL made a checksum statement ~10 % slower): every key
    // the filter's ranges let through, minus the base, fits a BIGINT (the range predicates on the key are the
    // seek / scan predicates, applied before the select list). Base and width are bound as BIGINT (JS bigint),
    // so the key (of any integer type) is promoted to BIGINT; integer `/` truncates toward zero like ROUND(.., 0, 1).
    if (bigintBucketExact(INTEGER_DOMAINS[t.keys[0]!.column.dataType.toLowerCase()], b, filter)) {
      return `(${k} - ${p.add(b.base)}) / ${p.add(b.width)}`;
    }
    // Else the offset in DECIMAL(20,0): keys spanning more than 2^63 (e.g. -9e18 .. 9e18) overflow BIGINT
    // (Msg 8115). ROUND(.., 0, 1) truncates toward zero, like PostgreSQL's div(); width 1 buckets reach 2^64.
    return `CONVERT(DECIMAL(20, 0), ROUND((CONVERT(DECIMAL(20, 0), ${k}) - ${p.add(b.base)}) / ${p.add(b.width)}, 0, 1))`;
  }
  return `${mssqlKeyHash(keyText(t, ap))} % ${p.add(checkHashModulus(b.modulus, t.table))}`;
}

export function countStatement(t: SideTable): Statement {
  const p = new Params();
  return {
    text: `SELECT CONVERT(VARCHAR(20), COUNT_BIG(*)) AS n FROM ${quoteTable(t.table)}${whereClause(t, { kind: 'all' }, p, new Applied())}`,
    values: p.values,
    label: 'count',
  };
}

export function keyBoundsStatement(t: SideTable): Statement {
  const p = new Params();
  const k = singleKey(t);
  return {
    // MIN and MAX alone: answered from the ends of the key index, no scan.
    text: `SELECT CONVERT(VARCHAR(48), MIN(${k})) AS lo, CONVERT(VARCHAR(48), MAX(${k})) AS hi FROM ${quoteTable(t.table)}${whereClause(t, { kind: 'all' }, p, new Applied())}`,
    values: p.values,
    label: 'key-bounds',
  };
}

/**
 * One scan: rows grouped by bucket, count and exact DECIMAL(38,0) sum (no overflow) of the 64-bit hashes: a row
 * hash per row for hash buckets, a unit hash per unit for range buckets (see UNIT_KEYS): the unit's row texts joined
 * by UNIT_SEPARATOR in key order (STRING_AGG ... WITHIN GROUP, SQL Server 2017+), VARCHAR(MAX) under the row text's UTF-8
 * collation, so HASHBYTES reads the same bytes PostgreSQL's md5 does.
 */
export function segmentChecksumStatement(t: SideTable, filter: SegmentFilter, bucketing: Bucketing): Statement {
  const p = new Params();
  const ap = new Applied();
  const bucket = bucketExpression(t, bucketing, filter, p, ap);
  const unitExpression = unitExpressionOf(t, bucketing, bucket, filter, p, ap);
  const text = rowText(t, ap);
  const where = whereClause(t, filter, p, ap);
  const from = ` FROM ${quoteTable(t.table)}${ap.clause()}${where}`;
  const outer = (sums: string, count: string) =>
    `SELECT CONVERT(VARCHAR(48), __cdc_s.bucket) AS bucket, CONVERT(VARCHAR(20), ${count}) AS cnt, ` +
    `CONVERT(VARCHAR(48), SUM(CONVERT(DECIMAL(38, 0), __cdc_s.h))) AS [sum] FROM (${sums}) AS __cdc_s GROUP BY __cdc_s.bucket`;
  if (!unitExpression) {
    return { text: outer(`SELECT ${bucket} AS bucket, ${mssqlRowHash(text)} AS h${from}`, 'COUNT_BIG(*)'), values: p.values, label: 'segment-checksum' };
  }
  const rows = `SELECT ${bucket} AS bucket, ${unitExpression} AS unit, ${singleKey(t)} AS k, ${text} AS t${from}`;
  const unitHash = mssqlRowHash(`STRING_AGG(__cdc_r.t, CHAR(${UNIT_SEPARATOR.charCodeAt(0)})) WITHIN GROUP (ORDER BY __cdc_r.k)`);
  const units = `SELECT __cdc_r.bucket, COUNT_BIG(*) AS cnt, ${unitHash} AS h FROM (${rows}) AS __cdc_r GROUP BY __cdc_r.bucket, __cdc_r.unit`;
  return { text: outer(units, 'SUM(__cdc_s.cnt)'), values: p.values, label: 'segment-checksum' };
}

/** A range bucketing's unit (see unitBucketing) as T-SQL; undefined where a unit is a row (or there are none). */
function unitExpressionOf(t: SideTable, bucketing: Bucketing, bucket: string, filter: SegmentFilter, p: Params, ap: Applied): string | undefined {
  if (bucketing.kind !== 'range') return undefined;
  const unit = unitBucketing(bucketing);
  if (unit.width === 1n) return undefined;
  return unit.width === bucketing.width ? bucket : bucketExpression(t, unit, filter, p, ap);
}

/** Canonical key text, row hash and every column's canonical text (sent as NVARCHAR, whatever the database code page). */
export function leafRowsStatement(t: SideTable, filter: SegmentFilter): Statement {
  const p = new Params();
  const ap = new Applied();
  const cols = t.columns.map((c, i) => `CONVERT(NVARCHAR(MAX), ${canonical(c, ap)}) AS c${i}`);
  const where = whereClause(t, filter, p, ap);
  const key = keyText(t, ap);
  const hash = mssqlRowHash(rowText(t, ap));
  return {
    text: `SELECT CONVERT(NVARCHAR(MAX), ${key}) AS key_text, CONVERT(VARCHAR(20), ${hash}) AS row_hash, ${cols.join(', ')} FROM ${quoteTable(t.table)}${ap.clause()}${where}`,
    values: p.values,
    label: 'leaf-rows',
  };
}

/**
 * Raw values for client-side hashing (exact text for types the driver would round), in key order: a range
 * bucket's units are hashed as their rows come (see ClientReader.checksums).
 */
export function rowStreamStatement(t: SideTable, filter: SegmentFilter): Statement {
  const p = new Params();
  const cols = t.columns.map((c, i) => `${mssqlRawExpression(c.column)} AS c${i}`);
  const ap = new Applied();
  const where = whereClause(t, filter, p, ap);
  const order = t.keys.map((k) => quoteIdent(k.column.name)).join(', ');
  return { text: `SELECT ${cols.join(', ')} FROM ${quoteTable(t.table)}${ap.clause()}${where} ORDER BY ${order}`, values: p.values, label: 'row-stream' };
}
