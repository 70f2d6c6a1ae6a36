/** PostgreSQL statements for every engine step. Names are quoted, values bound ($n). */
import { checkHashModulus, type Bucketing, type SegmentFilter, type SideTable, type Statement } from '../types.js';
import { pgCanonicalExpression, pgKeyHash, pgRowHash, pgRowText } from './canonical.js';
import { quoteIdent, quoteTable } from './quote.js';
import { bigintBucketExact } from '../range-bucket.js';

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
  const bucket = bucketExpression(t, bucketing, filter, p);
  return { text: groupedChecksum(t, bucket, fromWhere(t, filter, p)), values: p.values, label: 'segment-checksum', ...lookup(p) };
}

/**
 * Grouped by the integer bucket itself (not its text), cast for the driver only in the outer query. The rows
 * come from a subquery kept apart by OFFSET 0: grouped directly, the planner takes every key for its own bucket
 * (ndistinct of the key) and sizes the hash table for as many groups as rows; this way it assumes 200 and grows
 * as needed (a hundred or so buckets per statement): 4 % less time per statement at 10M rows (issue 18).
 */
function groupedChecksum(t: SideTable, bucket: string, from: string): string {
  return `SELECT bucket::text AS bucket, cnt::text AS cnt, sum::text AS sum FROM (${bucketSums(t, bucket, from)}) AS __cdc_g`;
}

/** Row count and row-hash sum per bucket of the rows `from` reads. */
function bucketSums(t: SideTable, bucket: string, from: string): string {
  const rows = `SELECT ${bucket} AS bucket, ${pgRowHash(rowText(t))} AS h${from} OFFSET 0`;
  return `SELECT bucket, count(*) AS cnt, coalesce(sum(h), 0) AS sum FROM (${rows}) AS __cdc_rows GROUP BY 1`;
}

/** The heap's size in blocks, whether TID range scans (PostgreSQL 14+) can read it, and the key's physical correlation. */
export function physicalLayoutStatement(t: SideTable): Statement {
  singleKey(t); // throws unless there is exactly one key column
  return {
    text:
      "SELECT (pg_catalog.pg_relation_size(c.oid) / current_setting('block_size')::bigint)::text AS blocks, " +
      "(c.relkind = 'r' AND current_setting('server_version_num')::int >= 140000) AS usable, " +
      '(SELECT s.correlation FROM pg_catalog.pg_stats AS s WHERE s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = $3 AND NOT s.inherited) AS correlation ' +
      'FROM pg_catalog.pg_class AS c JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2',
    values: [t.table.schema, t.table.name, t.keys[0]!.column.name],
    label: 'physical-layout',
  };
}

/** Buckets a row of a chunk checksum's answer packs: ~15 KB of text, young garbage once read. */
const PACKED_BUCKETS = 512;

/**
 * One chunk of heap blocks as a TID range scan: a sequential read of its blocks, whatever the key index. Rows
 * of keys outside `keys` (inserted past the bounds) give buckets the engine ignores; the key range is a filter
 * only where it keeps the bucket arithmetic in bigint (see bucketExpression): a qual on every row costs ~3 %.
 */
export function chunkChecksumStatement(t: SideTable, blocks: readonly [number, number | null], keys: readonly [bigint, bigint], bucketing: Extract<Bucketing, { kind: 'range' }>): Statement {
  const p = new Params();
  const k = singleKey(t);
  const everyKey = bigintBucketExact(keyTypeDomain(t), bucketing, { kind: 'all' });
  const filter: SegmentFilter = everyKey ? { kind: 'all' } : { kind: 'ranges', ranges: [keys] };
  const bucket = bucketExpression(t, bucketing, filter, p);
  const tid = (block: number) => p.add(`(${block},0)`, '::tid');
  const where = [
    `ctid >= ${tid(blocks[0])}`,
    ...(blocks[1] === null ? [] : [`ctid < ${tid(blocks[1])}`]),
    // `+ 0`: never a key index scan (a planner that thought the range narrow would read the chunk through the index).
    ...(everyKey ? [] : [`${k} + 0 BETWEEN ${p.add(keys[0].toString(), '::bigint')} AND ${p.add(keys[1].toString(), '::bigint')}`]),
    ...(t.where ? [`(${t.where})`] : []),
  ];
  // Buckets packed as "bucket count q r" (the sum is q * 2^32 + r), up to PACKED_BUCKETS a row, see
  // eachPackedBucket: a row per bucket made the driver build ~15,600 row objects a chunk at a diff's finer level,
  // most of a clean diff's garbage and Node time; a row per chunk would be a string too large for the young
  // generation.
  const sums = bucketSums(t, bucket, ` FROM ${quoteTable(t.table)} WHERE ${where.join(' AND ')}`);
  return { text: packedBuckets(sums), values: p.values, label: 'chunk-checksum' };
}

/**
 * The row hash of every key `filter` selects, as buckets one key wide packed like a chunk checksum's (see
 * PackedKeySums): the key minus `perKey.base`, its count and its hash as halves.
 */
export function packedKeySumsStatement(t: SideTable, filter: SegmentFilter, perKey: Extract<Bucketing, { kind: 'range' }>): Statement {
  if (perKey.width !== 1n) throw new Error(`per-key sums take buckets one key wide, not ${perKey.width}`);
  const p = new Params();
  const bucket = bucketExpression(t, perKey, filter, p);
  return { text: packedBuckets(bucketSums(t, bucket, fromWhere(t, filter, p))), values: p.values, label: 'key-sums', ...lookup(p) };
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

export function rowStreamStatement(t: SideTable, filter: SegmentFilter): Statement {
  const p = new Params();
  const cols = t.columns.map((c, i) => `${quoteIdent(c.column.name)} AS c${i}`);
  const from = fromWhere(t, filter, p);
  return { text: `SELECT ${cols.join(', ')}${from}`, values: p.values, label: 'row-stream', ...lookup(p) };
}
