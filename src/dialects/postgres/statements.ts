/** PostgreSQL statements for every engine step. Names are quoted, values bound ($n). */
import type { Bucketing, SegmentFilter, SideTable, Statement } from '../types.js';
import { pgCanonicalExpression, pgKeyHash, pgRowHash, pgRowText } from './canonical.js';
import { quoteIdent, quoteTable } from './quote.js';

class Params {
  readonly values: unknown[] = [];
  add(v: unknown, cast = ''): string {
    this.values.push(v);
    return `$${this.values.length}${cast}`;
  }
}

function keyText(t: SideTable): string {
  return pgRowText(t.keys.map((k) => pgCanonicalExpression(k)));
}

function rowText(t: SideTable): string {
  return pgRowText(t.columns.map((c) => pgCanonicalExpression(c)));
}

function singleKey(t: SideTable): string {
  const key = t.keys[0];
  if (!key || t.keys.length !== 1) throw new Error('range segmentation needs exactly one integer key column');
  return quoteIdent(key.column.name);
}

/** WHERE clause for a filter plus the trusted per-side filter from the config. */
function whereClause(t: SideTable, filter: SegmentFilter, p: Params): string {
  const parts: string[] = [];
  if (filter.kind === 'ranges') {
    const k = singleKey(t);
    if (filter.ranges.length === 1) {
      const [lo, hi] = filter.ranges[0]!;
      parts.push(`${k} BETWEEN ${p.add(lo.toString(), '::bigint')} AND ${p.add(hi.toString(), '::bigint')}`);
    } else {
      // Many ranges: one bound array pair, probed through the key index.
      const los = p.add(filter.ranges.map((r) => r[0].toString()), '::bigint[]');
      const his = p.add(filter.ranges.map((r) => r[1].toString()), '::bigint[]');
      parts.push(`EXISTS (SELECT 1 FROM unnest(${los}, ${his}) AS __cdc_r(lo, hi) WHERE ${k} BETWEEN __cdc_r.lo AND __cdc_r.hi)`);
    }
  } else if (filter.kind === 'residues') {
    parts.push(`${pgKeyHash(keyText(t))} % ${p.add(filter.modulus, '::int')} = ANY(${p.add(filter.residues, '::int[]')})`);
  }
  if (t.where) parts.push(`(${t.where})`);
  return parts.length ? ` WHERE ${parts.join(' AND ')}` : '';
}

function bucketExpression(t: SideTable, b: Bucketing, p: Params): string {
  if (b.kind === 'range') {
    return `((${singleKey(t)})::bigint - ${p.add(b.base.toString(), '::bigint')}) / ${p.add(b.width.toString(), '::bigint')}`;
  }
  return `${pgKeyHash(keyText(t))} % ${p.add(b.modulus, '::int')}`;
}

export function countStatement(t: SideTable): Statement {
  const p = new Params();
  return { text: `SELECT count(*)::text AS n FROM ${quoteTable(t.table)}${whereClause(t, { kind: 'all' }, p)}`, values: p.values, label: 'count' };
}

export function keyBoundsStatement(t: SideTable): Statement {
  const p = new Params();
  const k = singleKey(t);
  return {
    text: `SELECT min(${k})::text AS lo, max(${k})::text AS hi, count(*)::text AS n FROM ${quoteTable(t.table)}${whereClause(t, { kind: 'all' }, p)}`,
    values: p.values,
    label: 'key-bounds',
  };
}

export function segmentChecksumStatement(t: SideTable, filter: SegmentFilter, bucketing: Bucketing): Statement {
  const p = new Params();
  const bucket = bucketExpression(t, bucketing, p);
  const where = whereClause(t, filter, p);
  return {
    text: `SELECT (${bucket})::text AS bucket, count(*)::text AS cnt, coalesce(sum(${pgRowHash(rowText(t))}), 0)::text AS sum FROM ${quoteTable(t.table)}${where} GROUP BY 1`,
    values: p.values,
    label: 'segment-checksum',
  };
}

export function leafRowsStatement(t: SideTable, filter: SegmentFilter): Statement {
  const p = new Params();
  const cols = t.columns.map((c, i) => `${pgCanonicalExpression(c)} AS c${i}`);
  const where = whereClause(t, filter, p);
  return {
    text: `SELECT ${keyText(t)} AS key_text, ${pgRowHash(rowText(t))}::text AS row_hash, ${cols.join(', ')} FROM ${quoteTable(t.table)}${where}`,
    values: p.values,
    label: 'leaf-rows',
  };
}

export function rowStreamStatement(t: SideTable, filter: SegmentFilter): Statement {
  const p = new Params();
  const cols = t.columns.map((c, i) => `${quoteIdent(c.column.name)} AS c${i}`);
  const where = whereClause(t, filter, p);
  return { text: `SELECT ${cols.join(', ')} FROM ${quoteTable(t.table)}${where}`, values: p.values, label: 'row-stream' };
}
