/** PostgreSQL statements for every engine step. Names are quoted, values bound ($n). */
import { checkHashModulus, type Bucketing, type SegmentFilter, type SideTable, type Statement } from '../types.js';
import { pgCanonicalExpression, pgKeyHash, pgRowHash, pgRowText } from './canonical.js';
import { quoteIdent, quoteTable } from './quote.js';
import { bigintBucketExact, unitBucketing } from '../range-bucket.js';
import { UNIT_SEPARATOR } from '../../canonical/types.js';

class Params {
  readonly values: unknown[] = [];
  /** Set when the statement reads many key ranges (see Statement.lookup). */
  lookup = false;
  add(v: unknown, cast = ''): string {
    this.values.push(v);
    return `$${this.values.length}${cast}`;
  }
}

function keyText(t: SideTable): string {
  return pgRowText(t.keys);
}

function rowText(t: SideTable): string {
  return pgRowText(t.columns);
}

function singleKey(t: SideTable): string {
  const key = t.keys[0];
  if (!key || t.keys.length !== 1) throw new Error('range segmentation needs exactly one integer key column');
  return quoteIdent(key.column.name);
}

/**
 * One end of every range as PostgreSQL's array literal (`{1,5,9}`), bound as text. Given a JS array, pg writes
 * the same literal quoting and escaping each element as a string: for the thousands of ranges of a leaf batch
 * that was the largest allocation of a diff listing 100,000 rows (issue 18).
 */
function integerArrayLiteral(ranges: readonly (readonly [bigint, bigint])[], end: 0 | 1): string {
  let text = '{';
  for (let i = 0; i < ranges.length; i++) text += i === 0 ? `${ranges[i]![end]}` : `,${ranges[i]![end]}`;
  return `${text}}`;
}

/**
 * FROM + WHERE for a filter plus the trusted per-side filter from the config.
 * Several key ranges are joined from bound arrays so each range is an index range scan.
 */
function fromWhere(t: SideTable, filter: SegmentFilter, p: Params): string {
  const table = quoteTable(t.table);
  const parts: string[] = [];
  const from = table;
  if (filter.kind === 'ranges') {
    const k = singleKey(t);
    if (filter.ranges.length === 1) {
      const [lo, hi] = filter.ranges[0]!;
      parts.push(`${k} BETWEEN ${p.add(lo.toString(), '::bigint')} AND ${p.add(hi.toString(), '::bigint')}`);
    } else {
      const los = p.add(integerArrayLiteral(filter.ranges, 0), '::bigint[]');
      const his = p.add(integerArrayLiteral(filter.ranges, 1), '::bigint[]');
      const inner = [`${k} BETWEEN __cdc_r.lo AND __cdc_r.hi`, ...(t.where ? [`(${t.where})`] : [])].join(' AND ');
      p.lookup = true;
      // OFFSET 0 keeps the subquery from being pulled up: the planner cannot see how many ranges the
      // arrays hold and would otherwise pick a (parallel) seq scan joined to every range, which reads the
      // whole table once per range (minutes at 10M rows). This way each range is one index range scan.
      return ` FROM unnest(${los}, ${his}) AS __cdc_r(lo, hi) CROSS JOIN LATERAL (SELECT * FROM ${table} WHERE ${inner} OFFSET 0) AS __cdc_t`;
    }
  } else if (filter.kind === 'residues') {
    // bigint: the modulus reaches 2^31 (MAX_HASH_MODULUS), one past the int range.
    parts.push(`${pgKeyHash(keyText(t))} % ${p.add(checkHashModulus(filter.modulus, t.table), '::bigint')} = ANY(${p.add(filter.residues, '::bigint[]')})`);
  }
  if (t.where) parts.push(`(${t.where})`);
  return ` FROM ${from}${parts.length ? ` WHERE ${parts.join(' AND ')}` : ''}`;
}

function lookup(p: Params): { lookup?: true } {
  return p.lookup ? { lookup: true } : {};
}

/** Value range of the integer key types (as the catalog spells them) that range buckets may use bigint for. */
const INTEGER_DOMAINS: Readonly<Record<string, readonly [bigint, bigint]>> = {
  smallint: [-32768n, 32767n],
  int2: [-32768n, 32767n],
  integer: [-(2n ** 31n), 2n ** 31n - 1n],
  int4: [-(2n ** 31n), 2n ** 31n - 1n],
  bigint: [-(2n ** 63n), 2n ** 63n - 1n],
  int8: [-(2n ** 63n), 2n ** 63n - 1n],
};

/** The single key's value range by its type; undefined when it is not a known integer type. */
function keyTypeDomain(t: SideTable): readonly [bigint, bigint] | undefined {
  return INTEGER_DOMAINS[t.keys[0]!.column.dataType.toLowerCase()];
}

function bucketExpression(t: SideTable, b: Bucketing, filter: SegmentFilter, p: Params): string {
  if (b.kind === 'range') {
    const k = singleKey(t);
    // bigint arithmetic where it is exact (issue 18: numeric div() made a checksum statement ~10 % slower):
    // every key the filter lets through, minus the base, fits a bigint. `/` on bigint truncates toward zero,
    // like div(). The filter is applied before the select list is computed (a scan's quals, or the lateral
    // subquery of several ranges), so keys outside it never reach the subtraction.
    if (bigintBucketExact(keyTypeDomain(t), b, filter)) {
      return `(${k} - ${p.add(b.base.toString(), '::bigint')}) / ${p.add(b.width.toString(), '::bigint')}`;
    }
    // Else in numeric: keys spanning more than 2^63 overflow bigint ("bigint out of range"); div() truncates toward zero.
    return `div((${k})::numeric - ${p.add(b.base.toString(), '::numeric')}, ${p.add(b.width.toString(), '::numeric')})`;
  }
  return `${pgKeyHash(keyText(t))} % ${p.add(checkHashModulus(b.modulus, t.table), '::bigint')}`;
}

export function countStatement(t: SideTable): Statement {
  const p = new Params();
  return { text: `SELECT count(*)::text AS n${fromWhere(t, { kind: 'all' }, p)}`, values: p.values, label: 'count' };
}

export function keyBoundsStatement(t: SideTable): Statement {
  const p = new Params();
  const k = singleKey(t);
  return {
    // min and max alone, so PostgreSQL answers from the key index without a scan.
    text: `SELECT min(${k})::text AS lo, max(${k})::text AS hi${fromWhere(t, { kind: 'all' }, p)}`,
    values: p.values,
    label: 'key-bounds',
  };
}

export function segmentChecksumStatement(t: SideTable, filter: SegmentFilter, bucketing: Bucketing): Statement {
  const p = new Params();
  return { text: groupedChecksum(bucketSums(t, bucketing, filter, p)), values: p.values, label: 'segment-checksum', ...lookup(p) };
}

/** Grouped by the integer bucket itself (not its text), cast for the driver only in the outer query. */
function groupedChecksum(sums: string): string {
  return `SELECT bucket::text AS bucket, cnt::text AS cnt, sum::text AS sum FROM (${sums}) AS __cdc_g`;
}

/** UNIT_SEPARATOR (one ASCII character) as SQL: chr() of a constant is folded once, when the statement is planned. */
const UNIT_SEPARATOR_SQL = `chr(${UNIT_SEPARATOR.charCodeAt(0)})`;

/**
 * Row count and hash sum per bucket of the rows `filter` selects: one row hash per row for hash buckets, one hash
 * per unit (see unitBucketing) for range buckets. The rows come from a subquery kept apart by OFFSET 0: grouped
 * directly, the planner takes every key for its own bucket (ndistinct of the key) and sizes the hash table for as
 * many groups as rows; this way it assumes 200 and grows as needed: 4 % less time per statement at 10M rows.
 */
function bucketSums(t: SideTable, bucketing: Bucketing, filter: SegmentFilter, p: Params): string {
  const bucket = bucketExpression(t, bucketing, filter, p);
  const from = fromWhere(t, filter, p);
  if (bucketing.kind === 'hash' || unitBucketing(bucketing).width === 1n) {
    // A unit of one key is its row: its hash is the row hash.
    const rows = `SELECT ${bucket} AS bucket, ${pgRowHash(rowText(t))} AS h${from} OFFSET 0`;
    return `SELECT bucket, count(*) AS cnt, coalesce(sum(h), 0) AS sum FROM (${rows}) AS __cdc_rows GROUP BY 1`;
  }
  // The aggregate's own ORDER BY, not the subquery's: an ordered aggregate is never split across parallel workers.
  const unit = unitBucketing(bucketing);
  const unitHash = pgRowHash(`string_agg(__cdc_text, ${UNIT_SEPARATOR_SQL} ORDER BY __cdc_key)`);
  if (unit.width === bucketing.width) {
    const rows = `SELECT ${bucket} AS bucket, ${singleKey(t)} AS __cdc_key, ${rowText(t)} AS __cdc_text${from} OFFSET 0`;
    return `SELECT bucket, count(*) AS cnt, ${unitHash} AS sum FROM (${rows}) AS __cdc_rows GROUP BY 1`;
  }
  const rows = `SELECT ${bucket} AS bucket, ${bucketExpression(t, unit, filter, p)} AS unit, ${singleKey(t)} AS __cdc_key, ${rowText(t)} AS __cdc_text${from} OFFSET 0`;
  const units = `SELECT bucket, count(*) AS cnt, ${unitHash} AS h FROM (${rows}) AS __cdc_rows GROUP BY bucket, unit`;
  return `SELECT bucket, sum(cnt) AS cnt, sum(h) AS sum FROM (${units}) AS __cdc_units GROUP BY 1`;
}

/** Buckets a row of a packed answer holds: ~15 KB of text, young garbage once read. */
const PACKED_BUCKETS = 512;

/**
 * Bucket sums of a range bucketing packed PACKED_BUCKETS to a row, "bucket count q r" each (the sum is
 * q * 2^32 + r; see eachPackedBucket): a row per bucket made the driver build ~15,600 row objects a statement at a
 * diff's finer level, most of a clean diff's garbage and Node time; a row per statement would be a string too
 * large for the young generation. The bisection's per-key step reads the same with buckets one key wide. With
 * `denseKeys` (most units hold many rows), one key range is read a unit at a time (see unitScanSums).
 */
export function packedChecksumsStatement(t: SideTable, filter: SegmentFilter, bucketing: Extract<Bucketing, { kind: 'range' }>, denseKeys = false): Statement {
  const p = new Params();
  const byUnit = denseKeys && filter.kind === 'ranges' && filter.ranges.length === 1 ? unitScanSums(t, filter.ranges[0]!, bucketing, p) : undefined;
  if (byUnit) return { text: packedBuckets(byUnit), values: p.values, label: 'packed-checksum', lookup: true };
  if (bucketing.width === 1n) return { text: packedRowHashes(t, bucketing, filter, p), values: p.values, label: 'packed-checksum', ...lookup(p) };
  return { text: packedBuckets(bucketSums(t, bucketing, filter, p)), values: p.values, label: 'packed-checksum', ...lookup(p) };
}

/**
 * Buckets one key wide (the bisection's per-key step), packed without grouping: each row is its key's bucket with
 * count 1 and its row hash, halved in bigint arithmetic. A key on several rows (a key that is not unique) comes
 * as several entries, which the reader adds up like a bucket's. 35 % less time than grouped and halved in numeric
 * (70,000 keys, 10M rows).
 */
function packedRowHashes(t: SideTable, perKey: Extract<Bucketing, { kind: 'range' }>, filter: SegmentFilter, p: Params): string {
  const rows = `SELECT ${bucketExpression(t, perKey, filter, p)} AS bucket, ${pgRowHash(rowText(t))} AS h${fromWhere(t, filter, p)} OFFSET 0`;
  const packed = "string_agg(bucket::text || ' 1 ' || (h / 4294967296)::text || ' ' || (h % 4294967296)::text, ' ') AS buckets";
  return `SELECT ${packed} FROM (${rows}) AS __cdc_rows GROUP BY bucket / ${PACKED_BUCKETS}`;
}

const INT64_MAX = 2n ** 63n - 1n;

/**
 * bucketSums of the keys in [lo, hi], one index range scan per unit: its rows come in key order and its aggregate
 * holds at most UNIT_KEYS rows, where grouping a whole range sorts (or spills) all of its rows first. At 10M rows
 * of 7 columns, a statement of 250,000 rows took 0.59x one md5 scan of them in this shape, 0.69-0.80x grouped.
 * A scan costs a few microseconds, so only for keys dense enough that most units hold many rows (a sparse key
 * would make a scan per empty unit). Undefined where it does not apply: a unit of one key (the row hash), a
 * width that is not a whole number of units, or unit bounds past the bigint range.
 */
function unitScanSums(t: SideTable, [lo, hi]: readonly [bigint, bigint], bucketing: Extract<Bucketing, { kind: 'range' }>, p: Params): string | undefined {
  const unit = unitBucketing(bucketing);
  const { base, width } = bucketing;
  if (unit.width === 1n || width % unit.width !== 0n || lo < base || lo > hi) return undefined;
  const first = (lo - base) / unit.width;
  const last = (hi - base) / unit.width;
  if (base + (last + 1n) * unit.width - 1n > INT64_MAX) return undefined;
  const k = singleKey(t);
  const start = `${p.add(base.toString(), '::bigint')} + __cdc_u.u * ${p.add(unit.width.toString(), '::bigint')}`;
  const keys = `${k} BETWEEN greatest(${start}, ${p.add(lo.toString(), '::bigint')}) AND least(${start} + ${p.add((unit.width - 1n).toString(), '::bigint')}, ${p.add(hi.toString(), '::bigint')})`;
  const where = [keys, ...(t.where ? [`(${t.where})`] : [])].join(' AND ');
  const unitHash = pgRowHash(`string_agg(${rowText(t)}, ${UNIT_SEPARATOR_SQL} ORDER BY ${k})`);
  const perUnit = `SELECT count(*) AS cnt, ${unitHash} AS h FROM ${quoteTable(t.table)} WHERE ${where}`;
  const units = `SELECT __cdc_u.u / ${p.add((width / unit.width).toString(), '::bigint')} AS bucket, __cdc_s.cnt, __cdc_s.h FROM generate_series(${p.add(first.toString(), '::bigint')}, ${p.add(last.toString(), '::bigint')}) AS __cdc_u(u) CROSS JOIN LATERAL (${perUnit}) AS __cdc_s WHERE __cdc_s.cnt > 0`;
  return `SELECT bucket, sum(cnt) AS cnt, sum(h) AS sum FROM (${units}) AS __cdc_units GROUP BY 1`;
}

/** Bucket sums packed PACKED_BUCKETS to a row; the halves are two numeric operations per bucket, not per row. */
function packedBuckets(sums: string): string {
  const halves = `(div(sum, 4294967296) % 4294967296)::text || ' ' || (sum % 4294967296)::text`;
  const packed = `string_agg(bucket::text || ' ' || cnt::text || ' ' || ${halves}, ' ') AS buckets`;
  // Where the bucket is numeric (bigint arithmetic not exact, see bucketExpression), `/` groups a bucket a row:
  // the same answer, less packed.
  return `SELECT ${packed} FROM (${sums}) AS __cdc_g GROUP BY bucket / ${PACKED_BUCKETS}`;
}

export function leafRowsStatement(t: SideTable, filter: SegmentFilter): Statement {
  const p = new Params();
  const cols = t.columns.map((c, i) => `${pgCanonicalExpression(c)} AS c${i}`);
  const from = fromWhere(t, filter, p);
  return {
    text: `SELECT ${keyText(t)} AS key_text, ${pgRowHash(rowText(t))}::text AS row_hash, ${cols.join(', ')}${from}`,
    values: p.values,
    label: 'leaf-rows',
    ...lookup(p),
  };
}

/** Raw values for client-side hashing, in key order: a range bucket's units are hashed as their rows come (see ClientReader.checksums). */
export function rowStreamStatement(t: SideTable, filter: SegmentFilter): Statement {
  const p = new Params();
  const cols = t.columns.map((c, i) => `${quoteIdent(c.column.name)} AS c${i}`);
  const from = fromWhere(t, filter, p);
  const order = t.keys.map((k) => quoteIdent(k.column.name)).join(', ');
  return { text: `SELECT ${cols.join(', ')}${from} ORDER BY ${order}`, values: p.values, label: 'row-stream', ...lookup(p) };
}
