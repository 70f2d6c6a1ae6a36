/**
 * One table, end to end: count -> segment -> checksum -> bisect -> diff -> recheck.
 * Dialect-agnostic: everything database-specific sits behind SideReader.
 */
import type { Bucketing, SegmentFilter } from '../dialects/types.js';
import type { DiffRow, SegmentInfo, TableResult } from '../report/model.js';
import { emptyTableResult } from './results.js';
import { newRowList } from './listed-rows.js';
import type { JsonSeqSpool } from '../util/spool.js';
import type { Logger } from '../util/logger.js';
import { canonicalText } from '../canonical/render.js';
import { UNIT_KEYS } from '../canonical/types.js';
import { diffLeaf, keyOnlyDiff, toDiffRow, type DiffContext, type RowDiff } from './diff.js';
import { describeCanonical, type TablePlan } from './plan.js';
import type { BucketSum, SideReader } from './reader.js';
import { mergeRanges } from '../util/ranges.js';
import { TableError } from '../util/errors.js';
import { windowProblem, windowStart, type IncrementalDecision } from './incremental.js';
import { clipFilter, clipRanges, evenCuts, floorTo, hashPartResidues, hashPartSegments, intervalOf, quantileCuts, type KeyInterval, type TablePart } from './part.js';
import { ProgressReporter, type ProgressListener } from './progress.js';
import { BucketTotals, FineDifferences, MAX_DENSE_BUCKETS, type DenseMismatch, MAX_FINE_BUCKETS, Pace, compareTotals, fillSide } from './first-pass.js';
import { BucketBuffer } from './bucket-buffer.js';
import { SumTable } from './sum-table.js';

export interface TableReaders {
  source: SideReader;
  target: SideReader;
}

/** A segment at some bisection level: bucket id under a bucketing, and its row counts on each side. */
export interface Segment {
  bucket: bigint;
  bucketing: Bucketing;
  sourceCount: bigint;
  targetCount: bigint;
}

const MAX_HASH_MODULUS = 2 ** 31;
/** Rows fetched per leaf batch per side: bounds memory whatever the drift. */
const LEAF_BATCH_ROWS = 4_000;
/**
 * Rows of a batch of range leaves more than a key wide: their first step reads a hash per key (packed, ~40 bytes a
 * key, see differingKeysOf), and only the differing keys' rows are fetched, in statements of bounded size; a
 * batch holds at most this many differences (a key and the columns that differ each), however wide the rows. With
 * 100,000 drifted rows in 10M, ~95,000 leaves of 16 keys differ: 4,000 rows a batch made ~380 batches of two round
 * trips a side.
 */
const KEY_STEP_BATCH_ROWS = 32_000;
/**
 * First-pass rows per statement on range-segmented tables, at most: each statement is an index range scan that
 * ends within about a second, so progress moves at least every couple of seconds whatever the table's size
 * (2M rows a statement left a 10M-row table silent for 30 s). A statement costs a round trip and a plan
 * (about a millisecond), so 100 of them on 10M rows cost well under 1% of the scan.
 */
const FIRST_PASS_MAX_ROWS_PER_STATEMENT = 100_000;

/** Rows per first-pass statement for a table of `total` rows: tables up to the bound stay one statement a side. */
export function firstPassRowsPerStatement(total: number, chunkSize: number): number {
  return Math.max(chunkSize, Math.min(total, FIRST_PASS_MAX_ROWS_PER_STATEMENT));
}

/** Receives every drifted row of a table (after the recheck), for --repair; nothing of it goes into the report. */
export type DriftHook = (plan: TablePlan, drift: readonly RowDiff[]) => void;

export interface ReconcileTableOptions {
  logger: Logger;
  sleep?: (ms: number) => Promise<void>;
  onDrift?: DriftHook;
  /** This run's part of a table split across shards (see part.ts). */
  part?: TablePart;
  /** scope: incremental: what the state of the last run says to verify (see incremental.ts). */
  incremental?: IncrementalDecision;
  /** Rows checked of the estimate, after every first-pass statement and at each change of stage. */
  onProgress?: ProgressListener;
}

export async function reconcileTable(plan: TablePlan, readers: TableReaders, opts: ReconcileTableOptions): Promise<TableResult> {
  const spec = plan.spec;
  const log = opts.logger.child({ table: spec.id });
  const result = emptyTableResult(
    spec.id,
    `${plan.source.table.schema}.${plan.source.table.name}`,
    `${plan.target.table.schema}.${plan.target.table.name}`,
    spec.mode,
  );
  result.hash = plan.hash;
  result.segmentation = plan.segmentation;
  result.warnings.push(...plan.warnings);
  result.columns = plan.pairs.map((p) => ({ source: p.source.name, target: p.target.name, canonical: describeCanonical(p.canonical) }));

  if (spec.mode === 'count' || spec.mode === 'schema') {
    const [sc, tc] = await Promise.all([readers.source.count(), readers.target.count()]);
    result.counts = { source: Number(sc), target: Number(tc) };
    result.status = sc !== tc ? 'mismatch' : 'match';
    return result;
  }

  const inc = opts.incremental ? await startIncremental(plan, readers, opts.incremental, log) : undefined;

  // Segments are sized from the catalog's row estimate; the exact counts come out of the first pass itself
  // (the sum of its bucket counts), so no separate count(*) scan. Without an estimate, count first.
  const estimate = Math.max(plan.sourceCatalog.estimatedRows ?? -1, plan.targetCatalog.estimatedRows ?? -1);
  let total: bigint;
  if (estimate > 0) total = BigInt(Math.round(estimate));
  else {
    const [sc, tc] = await Promise.all([readers.source.count(), readers.target.count()]);
    total = sc > tc ? sc : tc;
    if (total === 0n) {
      result.counts = { source: 0, target: 0 };
      result.status = 'match';
      return result;
    }
  }

  // A part or a slice reads about its share of the table.
  const share = (inc?.decision.scope === 'incremental' ? inc.decision.slice : opts.part)?.count ?? 1;
  const progress = new ProgressReporter(spec.id, Math.round(Number(total) / share), log, opts.onProgress);
  const changed = inc?.changedKeys ? await verifyChangedKeys(readers, await inc.changedKeys(), spec.mode === 'diff', keyDomain(plan)) : undefined;
  const slice = inc?.decision.scope === 'incremental' ? inc.decision.slice : undefined;
  const first = await firstPass(plan, readers, total, progress, slice ?? opts.part);
  if (first.warning) result.warnings.push(first.warning);
  if (inc) {
    result.incremental = {
      scope: inc.decision.scope,
      ...(inc.decision.scope === 'full' ? { reason: inc.decision.reason } : {}),
      changeColumn: spec.incremental.changeColumn ?? null,
      ...(changed && inc.since !== undefined ? { since: inc.since } : {}),
      watermark: inc.watermark,
      changedKeys: changed?.keys ?? 0,
      changedKeysDiffering: changed?.differing ?? 0,
      ...(slice ? { slice: { index: slice.index, count: slice.count, rows: Number(first.totals.source > first.totals.target ? first.totals.source : first.totals.target) } } : {}),
      coverage: spec.incremental.coverage,
    };
    if (inc.warning) result.warnings.push(inc.warning);
  }
  result.counts = { source: Number(first.totals.source), target: Number(first.totals.target) };
  const countsDiffer = first.totals.source !== first.totals.target;
  result.segments.checked = first.checked;
  result.segments.mismatched = first.segmentsMismatched;
  result.mismatchedSegments = first.segments.slice(0, spec.maxDiffRows);

  const checked = Number(first.totals.source > first.totals.target ? first.totals.source : first.totals.target);
  if (spec.mode === 'checksum') {
    result.status = countsDiffer || first.mismatchedBuckets > 0 || (changed?.differing ?? 0) > 0 ? 'mismatch' : 'match';
    progress.report('done', checked);
    return result;
  }

  const ctx: DiffContext = {
    keyNames: plan.pairs.slice(0, plan.keyCount).map((p) => p.source.name),
    columnNames: plan.pairs.map((p) => p.source.name),
    textColumns: plan.pairs.map((p) => p.canonical.type === 'text'),
  };
  if (first.mismatchedBuckets > 0) progress.report('diff', checked, { mismatchedBuckets: first.mismatchedBuckets });
  // How the rows found are held. A run that only reports lists them as they are found (the first maxDiffRows,
  // the first LISTED_ROWS_HELD of them in memory, the rest spooled to a file) and keeps no column text, so memory
  // stays bounded whatever the drift (issue 18: 100,000 listed rows peaked at 169 MiB). A recheck keeps each
  // row's key and listed form until it is re-read; --repair gets the rows whole.
  const direct = spec.recheckDelayMs <= 0 && !opts.onDrift;
  const rows = newRowList();
  const inFlightRows = newRowList();
  let decoding = 0;
  const list = (into: JsonSeqSpool<DiffRow>, d: RowDiff) => {
    if (into.length >= spec.maxDiffRows) return;
    const row = d.listed ?? toDiffRow(d, ctx);
    if (row.decoding && into === rows) decoding += 1;
    into.push(row);
  };
  const kept: RowDiff[] = [];
  const take = (d: RowDiff): void => {
    if (direct) {
      result.drift[d.kind] += 1;
      list(rows, d);
    } else kept.push(opts.onDrift ? d : { kind: d.kind, keyText: d.keyText, listed: toDiffRow(d, ctx) });
  };
  // A changed key inside the incremental slice is found twice: the bisection's copy counts, the rest follow it.
  const changedOnly = new Map((changed?.diffs ?? []).map((d) => [d.keyText, d]));
  const fromBisection = (d: RowDiff) => {
    changedOnly.delete(d.keyText);
    take(d);
  };
  const leaves = await bisect(plan, readers, first.start, log, first.interval, fromBisection, !direct);
  for (const d of changedOnly.values()) take(d);
  if (changed) leaves.push(...changed.leaves);

  let inFlight = 0;
  if (!direct) {
    let drift = kept;
    if (drift.length > 0 && spec.recheckDelayMs > 0) {
      log.info('rechecking differing rows after delay', { rows: drift.length, delayMs: spec.recheckDelayMs });
      await (opts.sleep ?? defaultSleep)(spec.recheckDelayMs);
      const again = await recheck(readers, leaves);
      const stillDiffering = new Map(again.map((d) => [d.keyText, d]));
      // A row still differing is listed as it is now; one that matches now was in flight, listed as found.
      const still: RowDiff[] = [];
      for (const d of drift) {
        const now = stillDiffering.get(d.keyText);
        if (now) still.push(now);
        else list(inFlightRows, d);
      }
      inFlight = drift.length - still.length;
      drift = still;
    }
    for (const d of drift) {
      result.drift[d.kind] += 1;
      list(rows, d);
    }
    if (drift.length > 0) opts.onDrift?.(plan, drift);
  }
  const drifted = result.drift.missing + result.drift.extra + result.drift.changed;
  result.inFlight = inFlight;
  result.rows = rows.held;
  result.inFlightRows = inFlightRows.held;
  result.rowsTruncated = drifted > spec.maxDiffRows || inFlight > spec.maxDiffRows;
  if (decoding > 0) {
    result.warnings.push(
      `${decoding} changed row(s) differ only in characters SQL Server and the Debezium -> JDBC path decode differently (cp1252 bytes 0x81, 0x8D, 0x8F, 0x90, 0x9D; lone surrogates): see rows[].decoding; a real difference in the bytes stored, not necessarily in the text meant`,
    );
  }
  // The row-level diff decides: real drift is still there when the bisection re-reads its segments, while
  // counts (from the first pass) also differ for rows that were in flight then and have since been
  // replicated (seen on the live pipeline under a stream).
  result.status = drifted > 0 ? 'mismatch' : 'match';
  if (countsDiffer && drifted === 0 && inFlight === 0) {
    result.warnings.push('row counts differed in the first pass but no differing row was found when bisecting (rows changed during the run, in flight)');
  }
  progress.report('done', checked, { drifted });
  return result;
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

function nextPow2Big(n: bigint): bigint {
  let p = 1n;
  while (p < n) p *= 2n;
  return p;
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n && p < MAX_HASH_MODULUS) p *= 2;
  return p;
}

function rangeOf(bucket: bigint, b: Extract<Bucketing, { kind: 'range' }>): [bigint, bigint] {
  const lo = b.base + bucket * b.width;
  return [lo, lo + b.width - 1n];
}

const INT64: readonly [bigint, bigint] = [-(2n ** 63n), 2n ** 63n - 1n];
/** Value range of integer key types (SQL Server and PostgreSQL names); anything else is taken as 64-bit. */
const INTEGER_DOMAINS: Readonly<Record<string, readonly [bigint, bigint]>> = {
  tinyint: [0n, 255n],
  smallint: [-32768n, 32767n],
  int2: [-32768n, 32767n],
  int: [-(2n ** 31n), 2n ** 31n - 1n],
  integer: [-(2n ** 31n), 2n ** 31n - 1n],
  int4: [-(2n ** 31n), 2n ** 31n - 1n],
};

/**
 * The keys either side's column can hold. Power-of-two bucket widths from the lowest key can put the last
 * upper bound past the type's maximum (keys 1 and 9223372036854775807): such a bound is not a bigint, so
 * every range bound is clamped to this domain before it becomes a parameter or a literal.
 */
export function keyDomain(plan: Pick<TablePlan, 'pairs'>): readonly [bigint, bigint] {
  const key = plan.pairs[0];
  if (!key) return INT64;
  const sides = [key.source.dataType, key.target.dataType].map((t) => INTEGER_DOMAINS[t.toLowerCase()] ?? INT64);
  const lo = sides.reduce((a, d) => (d[0] < a ? d[0] : a), sides[0]![0]);
  const hi = sides.reduce((a, d) => (d[1] > a ? d[1] : a), sides[0]![1]);
  return [lo, hi];
}

/** Ranges cut to the key domain; ranges wholly outside it are dropped. */
export function clampRanges(ranges: ReadonlyArray<readonly [bigint, bigint]>, domain: readonly [bigint, bigint]): Array<[bigint, bigint]> {
  const out: Array<[bigint, bigint]> = [];
  for (const [lo, hi] of ranges) {
    const a = lo < domain[0] ? domain[0] : lo;
    const b = hi > domain[1] ? domain[1] : hi;
    if (a <= b) out.push([a, b]);
  }
  return out;
}

interface Comparison {
  checked: number;
  mismatched: Segment[];
  /** Rows seen on each side (all buckets). */
  totals: { source: bigint; target: bigint };
}

/** Segments in bucket order. */
function byBucket(a: Segment, b: Segment): number {
  return a.bucket < b.bucket ? -1 : a.bucket > b.bucket ? 1 : 0;
}

function compareBuckets(bucketing: Bucketing, src: Map<bigint, BucketSum>, tgt: Map<bigint, BucketSum>): Comparison {
  const keys = new Set([...src.keys(), ...tgt.keys()]);
  const mismatched: Segment[] = [];
  const totals = { source: 0n, target: 0n };
  for (const v of src.values()) totals.source += v.count;
  for (const v of tgt.values()) totals.target += v.count;
  for (const bucket of keys) {
    const s = src.get(bucket);
    const t = tgt.get(bucket);
    if (!s || !t || s.count !== t.count || s.sum !== t.sum) {
      mismatched.push({ bucket, bucketing, sourceCount: s?.count ?? 0n, targetCount: t?.count ?? 0n });
    }
  }
  mismatched.sort(byBucket);
  return { checked: keys.size, mismatched, totals };
}

/**
 * Rows per first-pass bucket. Each segment (chunkSize rows) is checksummed as
 * sub-buckets of this size in the same scan, so scattered drift is localised
 * without re-reading whole segments; only counts and sums cross the network.
 * 512: the rows re-read for scattered drift halve against 1,000, and the
 * answer (about 48 bytes a bucket) stays over 1,500 times smaller than the rows.
 */
export const FIRST_PASS_RESOLUTION = 512;

/**
 * Child buckets per refinement statement. Scattered drift makes thousands of
 * mismatching buckets at once; refined in one statement, their children
 * (tens of thousands of rows of answer) would sit in memory together.
 */
const MAX_CHILD_BUCKETS_PER_STATEMENT = 8_192;

/**
 * Key ranges per statement, on every dialect. Unbounded, a level of scattered drift put ~4,000 OR'ed BETWEENs
 * into one T-SQL statement (long compiles, Msg 8623 "ran out of internal resources"). 1,000 is also the most
 * the SQL Server dialect binds as parameters (2 per range, under its 2,100 limit), so no range is a literal.
 */
export const MAX_RANGES_PER_STATEMENT = 1_000;

/** A filter cut into filters of at most MAX_RANGES_PER_STATEMENT ranges each (others as they are). */
export function chunkRanges(filter: SegmentFilter): SegmentFilter[] {
  if (filter.kind !== 'ranges' || filter.ranges.length <= MAX_RANGES_PER_STATEMENT) return [filter];
  const out: SegmentFilter[] = [];
  for (let i = 0; i < filter.ranges.length; i += MAX_RANGES_PER_STATEMENT) {
    out.push({ kind: 'ranges', ranges: filter.ranges.slice(i, i + MAX_RANGES_PER_STATEMENT) });
  }
  return out;
}

interface FirstPass {
  checked: number;
  /** How many first-pass buckets (sub-segments) mismatch. */
  mismatchedBuckets: number;
  /** Mismatching segments, as the report shows them. */
  segments: SegmentInfo[];
  segmentsMismatched: number;
  totals: { source: bigint; target: bigint };
  /**
   * Where the bisection starts: the mismatching first-pass buckets, or finer ones when the first pass localised
   * the drift further, made one segment at a time as the bisection reads them (tens of thousands with heavy drift).
   */
  start: Iterable<Segment>;
  /** The key interval of this part of a split range table; every later statement stays inside it. */
  interval?: KeyInterval;
  warning?: string;
}

/** Every segment checksum of a side from as few scans as possible (one for hash segmentation). */
async function firstPass(plan: TablePlan, readers: TableReaders, total: bigint, progress: ProgressReporter, part?: TablePart): Promise<FirstPass> {
  const chunk = BigInt(plan.spec.chunkSize);
  const segments = ceilDiv(total, chunk);
  const split = ceilDiv(chunk, BigInt(Math.min(FIRST_PASS_RESOLUTION, plan.spec.chunkSize)));
  progress.report('checksum', 0);
  if (plan.segmentation === 'hash') {
    const segModulus = nextPow2(Number(segments));
    const bucketing: Bucketing = { kind: 'hash', modulus: nextPow2(segModulus * Number(split)) };
    // A part of a table split across shards: the buckets of its segments only.
    const filter: SegmentFilter = part ? { kind: 'residues', modulus: bucketing.modulus, residues: hashPartResidues(bucketing.modulus, segModulus, part) } : { kind: 'all' };
    const [s, t] = await Promise.all([readers.source.checksums(filter, bucketing), readers.target.checksums(filter, bucketing)]);
    // One scan per side: the key hash has no index to split it by, so progress comes at its end.
    const cmp = compareBuckets(bucketing, s, t);
    progress.report('checksum', Number(cmp.totals.source > cmp.totals.target ? cmp.totals.source : cmp.totals.target), { segmentsDone: segModulus, segmentsTotal: segModulus });
    const described = summarise(cmp.mismatched, cmp.totals, part ? hashPartSegments(segModulus, part) : segModulus, (b) => Number(b.bucket % BigInt(segModulus)), (id, counts) => ({
      hash: { modulus: segModulus, residue: id },
      sourceCount: counts.source.toString(),
      targetCount: counts.target.toString(),
    }));
    return { ...described, start: cmp.mismatched };
  }
  const [sb, tb] = await Promise.all([readers.source.bounds(), readers.target.bounds()]);
  if (!sb && !tb) return { checked: 0, mismatchedBuckets: 0, segments: [], segmentsMismatched: 0, totals: { source: 0n, target: 0n }, start: [] };
  const lo = [sb?.lo, tb?.lo].filter((v): v is bigint => v !== undefined).reduce((a, b) => (b < a ? b : a));
  const hi = [sb?.hi, tb?.hi].filter((v): v is bigint => v !== undefined).reduce((a, b) => (b > a ? b : a));
  // Power-of-two widths: every refinement divides its parent exactly, so a child range never
  // straddles two parents and no row can be read by two leaves.
  const splitPow2 = BigInt(nextPow2(Number(split)));
  const width = nextPow2Big(ceilDiv(ceilDiv(hi - lo + 1n, segments), splitPow2));
  const segWidth = width * splitPow2;
  // Segment boundaries fall on multiples of the segment width, wherever the lowest key is: a table split
  // across shards is cut on such boundaries, so the parts' segments are an unsharded run's.
  const base = floorTo(lo, segWidth);
  const bucketing: Extract<Bucketing, { kind: 'range' }> = { kind: 'range', base, width };
  const bucketCount = ceilDiv(hi - base + 1n, width);
  const segmentCount = Number(ceilDiv(hi - base + 1n, segWidth));
  let interval: KeyInterval | undefined;
  let warning: string | undefined;
  if (part) {
    const cut = await partInterval(readers, part, lo, hi);
    warning = cut.warning;
    if (!cut.interval) return { checked: 0, mismatchedBuckets: 0, segments: [], segmentsMismatched: 0, totals: { source: 0n, target: 0n }, start: [], interval: { lo: 1n, hi: 0n }, warning };
    interval = cut.interval;
  }
  const domain = keyDomain(plan);
  // Split the key space into statements of bounded rows (aligned to segments) for progress and per-side parallelism.
  const rowsPerBucket = Math.max(1, Number(total) / Number(bucketCount));
  const rowsPerStatement = firstPassRowsPerStatement(Number(total), plan.spec.chunkSize);
  const segmentsPerQuery = Math.max(1, Math.floor(rowsPerStatement / rowsPerBucket / Number(split)));
  const perQuery = BigInt(segmentsPerQuery) * split;
  const parts: Array<[bigint, bigint]> = [];
  for (let b = 0n; b < bucketCount; b += perQuery) {
    const end = b + perQuery < bucketCount ? b + perQuery : bucketCount;
    parts.push(clampRanges([[base + b * width, base + end * width - 1n]], domain)[0]!);
  }
  const describeRange = (id: number, counts: SegmentCounts): SegmentInfo => ({
    range: clampRanges([[base + BigInt(id) * segWidth, base + BigInt(id + 1) * segWidth - 1n]], domain)[0]!.map(String) as [string, string],
    sourceCount: counts.source.toString(),
    targetCount: counts.target.toString(),
  });
  if (!interval && parts.length > 1) {
    const fineRows = plan.spec.mode === 'diff' ? plan.spec.leafSize : undefined;
    const dense = await densePass(readers, { base, width, segWidth, hi, domain, parts, total, segmentCount }, progress, fineRows);
    if (dense) return { ...summarise(dense.mismatched, dense.totals, segmentCount, (b) => Number((b.bucket * dense.width) / segWidth), describeRange), start: dense.start ?? dense.mismatched };
  }
  const scoped = interval ? parts.flatMap((r) => clipRanges([r], interval!)) : parts;
  let done = 0n;
  const seen = { source: 0n, target: 0n };
  const results = await Promise.all(
    scoped.map(async (range) => {
      const filter: SegmentFilter = scoped.length === 1 && !interval ? { kind: 'all' } : { kind: 'ranges', ranges: [range] };
      const [s, t] = await Promise.all([readers.source.checksums(filter, bucketing), readers.target.checksums(filter, bucketing)]);
      done += ceilDiv(range[1] - range[0] + 1n, width);
      const cmp = compareBuckets(bucketing, s, t);
      seen.source += cmp.totals.source;
      seen.target += cmp.totals.target;
      progress.report('checksum', Number(seen.source > seen.target ? seen.source : seen.target), { segmentsDone: Number((done * BigInt(segmentCount)) / bucketCount), segmentsTotal: segmentCount });
      return cmp;
    }),
  );
  const mismatched = results.flatMap((r) => r.mismatched);
  const totals = results.reduce((a, r) => ({ source: a.source + r.totals.source, target: a.target + r.totals.target }), { source: 0n, target: 0n });
  const checked = interval ? segmentsIn(interval, base, segWidth, segmentCount) : segmentCount;
  return {
    ...summarise(mismatched, totals, checked, (b) => Number((b.bucket * width) / segWidth), describeRange),
    start: mismatched,
    interval,
    warning,
  };
}

interface RangeGrid {
  base: bigint;
  width: bigint;
  segWidth: bigint;
  hi: bigint;
  domain: readonly [bigint, bigint];
  /** The key-range statements of the plain first pass. */
  parts: Array<[bigint, bigint]>;
  total: bigint;
  segmentCount: number;
}

/**
 * The first pass into dense tables (see first-pass.ts); null when the buckets would not fit them. With `fineRows`
 * (a diff: the bisection follows), the sums are also kept per bucket of about that many keys, and `start` holds the
 * fine buckets that differ inside the mismatching ones: where the bisection begins.
 */
async function densePass(
  readers: TableReaders,
  grid: RangeGrid,
  progress: ProgressReporter,
  fineRows?: number,
): Promise<{ mismatched: Segment[]; start?: Iterable<Segment>; totals: FirstPass['totals']; width: bigint } | null> {
  // Wider buckets, up to a segment, keep the dense tables bounded; the segments stay the grid's.
  let width = grid.width;
  const span = grid.hi - grid.base + 1n;
  while (ceilDiv(span, width) > BigInt(MAX_DENSE_BUCKETS) && width < grid.segWidth) width *= 2n;
  const size = ceilDiv(span, width);
  if (size > BigInt(MAX_DENSE_BUCKETS)) return null;
  const bucketing: Extract<Bucketing, { kind: 'range' }> = { kind: 'range', base: grid.base, width };
  const source = new BucketTotals(Number(size));
  const target = new BucketTotals(Number(size));
  const fine = fineRows === undefined ? undefined : fineLevel(bucketing, size, span, grid.total, fineRows);
  const step = () => progress.report('checksum', Math.max(source.rows, target.rows));
  // With a finer level the sides keep pace: its table holds what one side has read and the other not yet.
  const pace = fine ? new Pace() : undefined;
  const denseKeys = isDense(grid.total, span);
  const fill = (side: 'source' | 'target', into: BucketTotals) =>
    fillSide({ reader: readers[side], denseKeys, ...(fine && pace ? { fine: { ...fine, side, pace } } : {}) }, into, bucketing, grid.parts, step).finally(() => pace?.end(side));
  await Promise.all([fill('source', source), fill('target', target)]);
  const mismatched = compareTotals(source, target, bucketing);
  progress.report('checksum', Math.max(source.rows, target.rows), { segmentsDone: grid.segmentCount, segmentsTotal: grid.segmentCount });
  const totals = { source: BigInt(source.rows), target: BigInt(target.rows) };
  if (!fine) return { mismatched, totals, width };
  const { fine: buckets, whole } = fine.into.localise(mismatched);
  // A fine bucket holds at most its width of keys on either side (keys are unique): the bound the bisection sizes by.
  const most = fine.bucketing.width;
  return { mismatched, start: startSegments(buckets, fine.bucketing, most, whole), totals, width };
}

/**
 * Keys dense enough that a unit (UNIT_KEYS keys) holds DENSE_UNIT_ROWS rows or more on average: a unit read
 * with an index scan of its own (a few microseconds) then costs less than the sort it saves.
 */
function isDense(rows: bigint, span: bigint): boolean {
  return rows * UNIT_KEYS >= span * DENSE_UNIT_ROWS;
}
const DENSE_UNIT_ROWS = 8n;

/**
 * The bisection's first segments, made as it reads them: the differing fine buckets, then the dense buckets
 * none of whose fine buckets differ. A function of its own so that the segments reference only what they are
 * made of, not the first pass's tables (a closure inside it would keep them all alive through the bisection).
 */
function startSegments(fine: Int32Array, fineBucketing: Bucketing, most: bigint, whole: readonly DenseMismatch[]): Iterable<Segment> {
  return {
    *[Symbol.iterator]() {
      for (const bucket of fine) yield { bucket: BigInt(bucket), bucketing: fineBucketing, sourceCount: most, targetCount: most };
      yield* whole;
    },
  };
}

/** The finer level under the dense buckets: power-of-two buckets of about `rows` rows, at most MAX_FINE_BUCKETS. */
function fineLevel(bucketing: Extract<Bucketing, { kind: 'range' }>, size: bigint, span: bigint, total: bigint, rows: number): { bucketing: Extract<Bucketing, { kind: 'range' }>; into: FineDifferences } | undefined {
  // Keys per row: a key space with gaps gets wider fine buckets for the same rows.
  const keysPerRow = total > 0n ? Number(span) / Number(total) : 1;
  // The largest power of two at most that many keys.
  let fineWidth = BigInt(nextPow2(Math.max(1, Math.floor(rows * keysPerRow)) + 1) / 2);
  // At least a unit wide: a narrower fine bucket makes the first pass hash more, smaller units (a 10M-row diff of
  // identical tables took 20-26 s with 16-key buckets, 15 s with 64); the bisection refines the ones that differ.
  if (fineWidth < UNIT_KEYS) fineWidth = UNIT_KEYS;
  while (fineWidth < bucketing.width && ceilDiv(size * bucketing.width, fineWidth) > BigInt(MAX_FINE_BUCKETS)) fineWidth *= 2n;
  if (fineWidth >= bucketing.width) return undefined;
  const perBucket = bucketing.width / fineWidth;
  const shift = perBucket.toString(2).length - 1;
  return { bucketing: { kind: 'range', base: bucketing.base, width: fineWidth }, into: new FineDifferences(Number(size * perBucket), shift) };
}

/** Segments of the grid that an interval touches. */
function segmentsIn(interval: KeyInterval, base: bigint, segWidth: bigint, segmentCount: number): number {
  const first = interval.lo === null || interval.lo < base ? 0 : Number((interval.lo - base) / segWidth);
  const last = interval.hi === null ? segmentCount - 1 : interval.hi < base ? -1 : Math.min(segmentCount - 1, Number((interval.hi - base) / segWidth));
  return Math.max(0, last - first + 1);
}

/**
 * This part's key interval: cut at the quantiles of the key's catalog histogram (the target's, else the
 * source's), which shards started together read alike; without statistics, evenly over the key bounds.
 */
async function partInterval(readers: TableReaders, part: TablePart, lo: bigint, hi: bigint): Promise<{ interval: KeyInterval | null; warning?: string }> {
  const target = await readers.target.keyHistogram();
  let cuts = quantileCuts(target, part.count);
  if (cuts.length === 0) cuts = quantileCuts(await readers.source.keyHistogram(), part.count);
  if (cuts.length > 0) return { interval: intervalOf(cuts, part) };
  return {
    interval: intervalOf(evenCuts(lo, hi, part.count), part),
    warning: `part ${part.index}/${part.count}: no key statistics on either side (run ANALYZE / UPDATE STATISTICS); the table was cut evenly between its lowest and highest key, which every shard must see alike`,
  };
}

interface SegmentCounts {
  source: bigint;
  target: bigint;
}

/** Group mismatching buckets into the segments the report shows (their counts added up, the buckets not kept). */
function summarise(mismatched: readonly Segment[], totals: FirstPass['totals'], checked: number, segmentOf: (b: Segment) => number, describe: (id: number, counts: SegmentCounts) => SegmentInfo): Omit<FirstPass, 'start'> {
  const bySegment = new Map<number, SegmentCounts>();
  for (const b of mismatched) {
    const id = segmentOf(b);
    const counts = bySegment.get(id);
    if (counts) {
      counts.source += b.sourceCount;
      counts.target += b.targetCount;
    } else bySegment.set(id, { source: b.sourceCount, target: b.targetCount });
  }
  const segments = [...bySegment.entries()].sort((a, b) => a[0] - b[0]).map(([id, counts]) => describe(id, counts));
  return { checked, mismatchedBuckets: mismatched.length, segments, segmentsMismatched: segments.length, totals };
}

function filterFor(segments: Segment[], domain: readonly [bigint, bigint], interval?: KeyInterval): SegmentFilter {
  const b = segments[0]!.bucketing;
  // One filter is built from one bucketing: a segment of another would be read as the wrong keys.
  if (segments.some((s) => !sameBucketing(s.bucketing, b))) throw new Error('segments of one statement must share their bucketing');
  if (b.kind === 'range') return clipFilter({ kind: 'ranges', ranges: clampRanges(mergeRanges(segments.map((s) => rangeOf(s.bucket, b))), domain) }, interval);
  return { kind: 'residues', modulus: b.modulus, residues: segments.map((s) => Number(s.bucket)) };
}

/** Child bucketing that splits each segment into about `factor` parts. */
function refine(b: Bucketing, factor: number): Bucketing | null {
  if (b.kind === 'range') {
    if (b.width <= 1n) return null;
    // Widths are powers of two: dividing by a power of two keeps children inside their parent.
    let width = b.width / BigInt(nextPow2(factor));
    if (width < 1n) width = 1n;
    return { kind: 'range', base: b.base, width };
  }
  const f = nextPow2(factor);
  if (b.modulus * f > MAX_HASH_MODULUS) return null;
  return { kind: 'hash', modulus: b.modulus * f };
}

/** How many child buckets one parent bucket splits into. */
function childrenPerParent(parent: Bucketing, child: Bucketing): number {
  if (parent.kind === 'range' && child.kind === 'range') return Number(parent.width / child.width);
  if (parent.kind === 'hash' && child.kind === 'hash') return child.modulus / parent.modulus;
  return 1;
}

/**
 * Parents refined per statement so that a statement answers at most MAX_CHILD_BUCKETS_PER_STATEMENT children.
 * A loop, not Math.max(...): a heavily drifted table has hundreds of thousands of mismatching buckets, more
 * arguments than a call can take.
 */
export function parentsPerStatement(parents: readonly Segment[], child: Bucketing): number {
  let perParent = 1;
  for (const p of parents) perParent = Math.max(perParent, childrenPerParent(p.bucketing, child));
  return Math.max(1, Math.floor(MAX_CHILD_BUCKETS_PER_STATEMENT / perParent));
}

function sameBucketing(a: Bucketing, b: Bucketing): boolean {
  return a.kind === 'range' && b.kind === 'range' ? a.width === b.width && a.base === b.base : a.kind === 'hash' && b.kind === 'hash' && a.modulus === b.modulus;
}

/** Groups leaves, in the order they come, into batches of one bucketing whose rows stay under `maxRows` per side. */
class LeafBatcher {
  private batch: Segment[] = [];
  private rows = 0;

  constructor(private readonly maxRowsOf: (b: Bucketing) => number) {}

  /** Adds a leaf; returns the batch it closed, if it closed one. */
  add(s: Segment): Segment[] | undefined {
    const n = Number(s.sourceCount > s.targetCount ? s.sourceCount : s.targetCount);
    const full = s.bucketing.kind === 'range' && this.batch.length >= MAX_RANGES_PER_STATEMENT;
    let closed: Segment[] | undefined;
    if (this.batch.length > 0 && (full || this.rows + n > this.maxRowsOf(s.bucketing) || !sameBucketing(this.batch[0]!.bucketing, s.bucketing))) {
      closed = this.batch;
      this.batch = [];
      this.rows = 0;
    }
    this.batch.push(s);
    this.rows += n;
    return closed;
  }

  /** The batch still open, if any. */
  end(): Segment[] | undefined {
    const last = this.batch;
    this.batch = [];
    this.rows = 0;
    return last.length > 0 ? last : undefined;
  }
}

/**
 * Narrow mismatching segments level by level (one statement per side per level), then diff the leaves. Each
 * differing row goes to `take` as its leaf batch is read; with `keepLeaves`, the filters of the leaves that held
 * some come back, to read them again in the recheck.
 */
async function bisect(plan: TablePlan, readers: TableReaders, start: Iterable<Segment>, log: Logger, interval: KeyInterval | undefined, take: (d: RowDiff) => void, keepLeaves: boolean): Promise<SegmentFilter[]> {
  const leafSize = BigInt(plan.spec.leafSize);
  const domain = keyDomain(plan);
  const keyTextOf = keyTextRenderer(plan);
  const leafFilters: SegmentFilter[] = [];
  const diffBatch = async (batch: Segment[]) => {
    const leaf = await diffLeaves(readers, batch, domain, keyTextOf, interval);
    for (const d of leaf.diffs) take(d);
    if (keepLeaves && leaf.diffs.length > 0) leafFilters.push(...leaf.filters);
  };
  const isLeaf = (s: Segment) => (s.sourceCount > s.targetCount ? s.sourceCount : s.targetCount) <= leafSize;
  const keyOf = (b: Bucketing) => (b.kind === 'range' ? `r${b.base}:${b.width}` : `h${b.modulus}`);
  let pending = start;
  let level = 0;
  for (;;) {
    // Leaves are diffed as their batches fill, and parents refined as their statements fill (children that are
    // leaves going straight to the batches), so a level of any size is never held whole.
    const batcher = new LeafBatcher((b) => (b.kind === 'range' && b.width > 1n ? KEY_STEP_BATCH_ROWS : LEAF_BATCH_ROWS));
    let leaves = 0;
    let refined = 0;
    const next: Segment[] = [];
    const leaf = async (s: Segment) => {
      leaves += 1;
      const full = batcher.add(s);
      if (full) await diffBatch(full);
    };
    // Segments refined with the same child bucketing go into one statement per side, if they also share their
    // own bucketing: a filter is built from one bucketing (filterFor), and a smaller last first-pass bucket is
    // split by another factor, so its children (wider) would otherwise be read as the wrong key ranges. In
    // sequence, a bounded number of children at a time: both sides still work in parallel, and the answers in
    // memory stay small whatever the drift.
    const groups = new Map<string, { child: Bucketing; perStatement: number; segs: Segment[] }>();
    const refineGroup = async (g: { child: Bucketing; segs: Segment[] }) => {
      const parents = g.segs;
      g.segs = [];
      for (const c of await mismatchedChildren(readers, filterFor(parents, domain, interval), g.child)) {
        if (isLeaf(c)) await leaf(c);
        else next.push(c);
      }
    };
    for (const s of pending) {
      const rows = s.sourceCount > s.targetCount ? s.sourceCount : s.targetCount;
      // Range levels are index range scans over the mismatching rows only: split by bisectionFactor.
      // Hash levels are full scans (the key hash has no index): go to leaf size in one step.
      const needed = Math.max(2, Number(ceilDiv(rows, leafSize)));
      const child = isLeaf(s) ? null : refine(s.bucketing, s.bucketing.kind === 'hash' ? needed : Math.min(plan.spec.bisectionFactor, needed));
      if (!child) {
        await leaf(s);
        continue;
      }
      refined += 1;
      const key = `${keyOf(child)}|${keyOf(s.bucketing)}`;
      const g = groups.get(key) ?? { child, perStatement: Math.min(parentsPerStatement([s], child), child.kind === 'range' ? MAX_RANGES_PER_STATEMENT : Number.MAX_SAFE_INTEGER), segs: [] };
      groups.set(key, g);
      g.segs.push(s);
      if (g.segs.length >= g.perStatement) await refineGroup(g);
    }
    for (const g of groups.values()) if (g.segs.length > 0) await refineGroup(g);
    const last = batcher.end();
    if (last) await diffBatch(last);
    level += 1;
    log.debug('bisection level', { depth: level, leaves, refined, mismatchedChildren: next.length });
    if (next.length === 0) break;
    pending = next;
  }
  return leafFilters;
}

/**
 * The buckets of `child` in `filter` whose count or sum differ. Packed where both sides pack range sums (the
 * bisection of a diff with 100,000 drifted rows in 10M refines ~70,000 buckets into ~280,000 children: a driver row,
 * a Map entry and BigInts each grew the heap by tens of MiB), else from both sides' maps. A packed child's counts
 * are its width, the most rows it can hold (keys are unique), as the first pass's fine buckets' are.
 */
async function mismatchedChildren(readers: TableReaders, filter: SegmentFilter, child: Bucketing): Promise<Segment[]> {
  if (child.kind === 'range') {
    const packed = await packedDifferences(readers, filter, child);
    if (packed) return packed.map(({ bucket }) => ({ bucket, bucketing: child, sourceCount: child.width, targetCount: child.width }));
  }
  const [s, t] = await Promise.all([readers.source.checksums(filter, child), readers.target.checksums(filter, child)]);
  return compareBuckets(child, s, t).mismatched;
}

/** The most buckets a packed comparison spans: its bucket offsets are SumTable's 31-bit keys. */
const MAX_PACKED_SPAN = 2n ** 31n - 2n;

/**
 * The buckets of `grid` in `filter` whose count or sum differ, in order, with each one's count difference (source
 * minus target), from both sides' packed answers: the source's added and the target's taken away in one SumTable,
 * so what is left is what differs, as the first pass's finer level does. Read rebased to the filter's lowest key,
 * so that bucket offsets are SumTable's keys. Undefined where a side does not pack, or the filter spans more than
 * MAX_PACKED_SPAN buckets.
 */
async function packedDifferences(readers: TableReaders, filter: SegmentFilter, grid: Extract<Bucketing, { kind: 'range' }>): Promise<Array<{ bucket: bigint; count: number }> | undefined> {
  const { source, target } = readers;
  if (filter.kind !== 'ranges' || filter.ranges.length === 0 || !source.packedChecksums || !target.packedChecksums) return undefined;
  const lo = filter.ranges.reduce((m, r) => (r[0] < m ? r[0] : m), filter.ranges[0]![0]);
  const hi = filter.ranges.reduce((m, r) => (r[1] > m ? r[1] : m), filter.ranges[0]![1]);
  if (lo < grid.base) return undefined;
  const first = (lo - grid.base) / grid.width;
  const rebased: Extract<Bucketing, { kind: 'range' }> = { kind: 'range', base: grid.base + first * grid.width, width: grid.width };
  if ((hi - rebased.base) / grid.width > MAX_PACKED_SPAN) return undefined;
  const differences = new SumTable();
  await Promise.all([
    new BucketBuffer().read(source, filter, rebased, (b, count, h, l) => differences.add(b, h, l, count)),
    new BucketBuffer().read(target, filter, rebased, (b, count, h, l) => differences.subtract(b, h, l, count)),
  ]);
  return Array.from(Int32Array.from(differences.keys()).sort(), (b) => ({ bucket: first + BigInt(b), count: differences.countOf(b) }));
}

/**
 * Row-level diff of a batch of leaves, and the filter that selects its differing rows again (for the recheck).
 * Range leaves go in two steps: the row hash and count of every key (a checksum with one key per bucket, about
 * 40 bytes a row), then the canonical columns of the keys on both sides whose hash differs, so the rows
 * downloaded grow with the changed rows only. A key one side lacks is missing or extra from its count alone: its
 * listed form and a repair take the key, which `keyTextOf` renders (a single integer key's canonical text), so
 * it is not fetched (a third of the rows of a diff listing 100,000, each read whole and held until its statement
 * ended). Hash leaves are fetched whole in one step: selecting rows by key hash is a full scan, and a second one
 * would cost more than the columns it saves.
 */
async function diffLeaves(readers: TableReaders, batch: Segment[], domain: readonly [bigint, bigint], keyTextOf: KeyTextOf | undefined, interval?: KeyInterval): Promise<{ diffs: RowDiff[]; filters: SegmentFilter[] }> {
  const bucketing = batch[0]!.bucketing;
  const whole = [filterFor(batch, domain, interval)];
  if (bucketing.kind !== 'range' || bucketing.width === 1n) return { diffs: await diffRowsOf(readers, whole), filters: whole };
  const differing = await differingKeysOf(readers, whole[0]!, bucketing.base);
  if (differing.length === 0) return { diffs: [], filters: whole };
  // Scattered differing keys rarely merge: up to one range per key, so cut into statements of bounded size.
  const filters = chunkRanges(filterFor(differing, domain, interval));
  if (!keyTextOf) return { diffs: await diffRowsOf(readers, filters), filters };
  const byKey: RowDiff[] = [];
  const changed: Segment[] = [];
  for (const s of differing) {
    if (s.sourceCount === s.targetCount || s.bucketing.kind !== 'range') changed.push(s);
    else byKey.push(keyOnlyDiff(s.sourceCount > s.targetCount ? 'missing' : 'extra', keyTextOf(rangeOf(s.bucket, s.bucketing)[0])));
  }
  const fetched = changed.length > 0 ? await diffRowsOf(readers, chunkRanges(filterFor(changed, domain, interval))) : [];
  // Rows found by key and rows fetched, listed (and signalled for repair) in key order.
  return { diffs: inIntegerKeyOrder([...byKey, ...fetched]), filters };
}

/** Both sides' rows of each filter in turn, diffed: the leaves' last step, and the recheck's. */
async function diffRowsOf(readers: TableReaders, filters: readonly SegmentFilter[]): Promise<RowDiff[]> {
  const diffs: RowDiff[] = [];
  for (const filter of filters) {
    const [s, t] = await Promise.all([readers.source.leafRows(filter), readers.target.leafRows(filter)]);
    diffs.push(...diffLeaf(s, t));
  }
  return diffs;
}

function inIntegerKeyOrder(diffs: RowDiff[]): RowDiff[] {
  const keyed = diffs.map((d) => ({ key: BigInt(d.keyText), d }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.d);
}

/** The canonical key text of a single integer key's value, as the databases give it (LeafRow.keyText). */
type KeyTextOf = (key: bigint) => string;

/** How a plan's key renders, where the key alone can stand for a missing or extra row: one integer key column. */
function keyTextRenderer(plan: TablePlan): KeyTextOf | undefined {
  const key = plan.pairs[0]?.canonical;
  if (plan.keyCount !== 1 || key?.type !== 'int') return undefined;
  return (value) => canonicalText(key, value)!;
}

/**
 * The keys of `filter` whose row hash differs, or that one side lacks, in key order, as segments one key wide
 * whose counts say which sides have the key: packed where both sides pack (see packedDifferences), else from a
 * key's texts (keySums). `base`: the table's bucketing's, at or below every key.
 */
async function differingKeysOf(readers: TableReaders, filter: SegmentFilter, base: bigint): Promise<Segment[]> {
  const perKey: Extract<Bucketing, { kind: 'range' }> = { kind: 'range', base, width: 1n };
  const packed = await packedDifferences(readers, filter, perKey);
  // A key's count difference says which side has it: +1 the source only, -1 the target only, 0 both.
  if (packed) return packed.map(({ bucket, count }) => ({ bucket, bucketing: perKey, sourceCount: count < 0 ? 0n : 1n, targetCount: count > 0 ? 0n : 1n }));
  const [s, t] = await Promise.all([readers.source.keySums(filter, perKey), readers.target.keySums(filter, perKey)]);
  return differingKeys(perKey, s, t);
}

/**
 * The keys whose row hash differs, or that one side lacks, in key order. Texts are compared as they came: both
 * sides give canonical decimals, and a key wrongly taken to differ would only be fetched and found equal.
 */
function differingKeys(perKey: Bucketing, source: Map<string, string>, target: Map<string, string>): Segment[] {
  const out: Segment[] = [];
  const add = (bucket: string, sourceCount: bigint, targetCount: bigint) => out.push({ bucket: BigInt(bucket), bucketing: perKey, sourceCount, targetCount });
  source.forEach((sum, bucket) => {
    const other = target.get(bucket);
    if (other !== sum) add(bucket, 1n, other === undefined ? 0n : 1n);
  });
  target.forEach((_, bucket) => {
    if (!source.has(bucket)) add(bucket, 0n, 1n);
  });
  return out.sort(byBucket);
}

/** Fetch the rows that differed again; what differs now is drift, the rest was in flight. */
function recheck(readers: TableReaders, leaves: SegmentFilter[]): Promise<RowDiff[]> {
  return diffRowsOf(readers, leaves);
}

export type { DiffRow };

interface IncrementalStart {
  decision: IncrementalDecision;
  /** The source's newest change as the run starts (change column text, or CDC LSN): the next run's starting point. */
  watermark: string | null;
  /** Where the key-by-key pass starts (for the report); undefined: no key-by-key pass. */
  since?: string;
  /** The keys changed in the window, on either side; undefined: no key-by-key pass. */
  changedKeys?: () => Promise<bigint[]>;
  warning?: string;
}

/**
 * Resolves the source of changed keys (the change column on both sides, else the source's CDC capture
 * instance), reads the watermark, and falls back to a full run when the window cannot be trusted.
 */
async function startIncremental(plan: TablePlan, readers: TableReaders, decision: IncrementalDecision, log: Logger): Promise<IncrementalStart> {
  const spec = plan.spec;
  const name = spec.incremental.changeColumn;
  const keyByKey = plan.segmentation === 'range';
  const full = (reason: string) => {
    log.warn('change window cannot be answered: full run', { problem: reason });
    return { scope: 'full', reason } as const;
  };
  if (!name) {
    const cdc = await readers.source.cdcChanges();
    if (!cdc) {
      return { decision, watermark: null, warning: decision.scope === 'incremental' ? 'scope incremental without incremental.changeColumn or a CDC capture instance: only the rolling slice was verified' : undefined };
    }
    const watermark = cdc.maxLsn;
    if (decision.scope === 'full') return { decision, watermark };
    const last = decision.previous.watermark;
    // LSNs are fixed-width hex: text order is LSN order.
    if (last !== null && cdc.minLsn !== null && cdc.minLsn > last) {
      return { decision: full(`CDC cleanup removed the changes since the last run (the capture instance ${cdc.captureInstance} starts at ${cdc.minLsn}, the last run ended at ${last})`), watermark };
    }
    if (last !== null && watermark < last) return { decision: full(`the capture instance's newest LSN ${watermark} is before the last run's ${last}`), watermark };
    if (!keyByKey) return { decision, watermark, warning: 'changed keys are verified key by key only for a single integer key: only the rolling slice was verified' };
    if (last === null) return { decision, watermark };
    return { decision, watermark, since: `${cdc.captureInstance} after LSN ${last}`, changedKeys: () => cdc.keys(last, watermark) };
  }
  const i = plan.pairs.findIndex((p) => p.source.name === name);
  if (i < 0) throw new TableError(`incremental.changeColumn ${JSON.stringify(name)} is not one of the compared columns`, spec.id, 'plan');
  const change = { source: plan.source.columns[i]!, target: plan.target.columns[i]! };
  const type = change.source.canonical.type;
  if (!['int', 'date', 'timestamp', 'timestamptz'].includes(type)) {
    throw new TableError(`incremental.changeColumn ${JSON.stringify(name)} is ${type}: use a date, time stamp or integer column`, spec.id, 'plan');
  }
  const watermark = await readers.source.maxChange(change.source);
  if (decision.scope === 'full') return { decision, watermark };
  const problem = windowProblem(change.source.canonical, decision.previous.watermark, watermark);
  if (problem) return { decision: full(problem), watermark };
  if (!keyByKey) return { decision, watermark, warning: 'changed keys are verified key by key only for a single integer key: only the rolling slice was verified' };
  if (decision.since === null) return { decision, watermark };
  const since = windowStart(spec, change.source.canonical, decision.since);
  return {
    decision,
    watermark,
    since,
    changedKeys: async () => {
      const [s, t] = await Promise.all([readers.source.changedKeys(change.source, since), readers.target.changedKeys(change.target, since)]);
      log.info('changed keys', { since, source: s.length, target: t.length });
      return [...s, ...t];
    },
  };
}

/** Keys verified per statement in the key-by-key pass: scattered keys are a range each, within the cap. */
const CHANGED_KEYS_PER_STATEMENT = MAX_RANGES_PER_STATEMENT;

/**
 * The keys changed in the window, verified exactly: the row hash of every key on both sides
 * (one checksum per key), then the canonical columns of the keys that differ (the two steps of the leaves).
 */
async function verifyChangedKeys(readers: TableReaders, changed: bigint[], rows: boolean, domain: readonly [bigint, bigint]): Promise<{ keys: number; differing: number; diffs: RowDiff[]; leaves: SegmentFilter[] }> {
  const keys = [...new Set(changed)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const perKey: Extract<Bucketing, { kind: 'range' }> = { kind: 'range', base: 0n, width: 1n };
  const diffs: RowDiff[] = [];
  const leaves: SegmentFilter[] = [];
  let differing = 0;
  for (let i = 0; i < keys.length; i += CHANGED_KEYS_PER_STATEMENT) {
    const filter: SegmentFilter = { kind: 'ranges', ranges: mergeRanges(keys.slice(i, i + CHANGED_KEYS_PER_STATEMENT).map((k) => [k, k] as [bigint, bigint])) };
    const [sc, tc] = await Promise.all([readers.source.checksums(filter, perKey), readers.target.checksums(filter, perKey)]);
    const mismatched = compareBuckets(perKey, sc, tc).mismatched;
    differing += mismatched.length;
    if (!rows || mismatched.length === 0) continue;
    const rowFilter = filterFor(mismatched, domain);
    diffs.push(...(await diffRowsOf(readers, [rowFilter])));
    leaves.push(rowFilter);
  }
  return { keys: keys.length, differing, diffs, leaves };
}
