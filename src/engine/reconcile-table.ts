/**
 * One table, end to end: count -> segment -> checksum -> bisect -> diff -> recheck.
 * Dialect-agnostic: everything database-specific sits behind SideReader.
 */
import type { Bucketing, SegmentFilter } from '../dialects/types.js';
import type { DiffRow, SegmentInfo, TableResult } from '../report/model.js';
import { emptyTableResult } from '../report/model.js';
import type { Logger } from '../util/logger.js';
import { diffLeaf, toDiffRow, type DiffContext, type RowDiff } from './diff.js';
import { describeCanonical, type TablePlan } from './plan.js';
import type { BucketSum, SideReader } from './reader.js';
import { mergeRanges } from '../util/ranges.js';

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
/** First-pass rows per statement on range-segmented tables: progress and parallelism without extra scans. */
const FIRST_PASS_ROWS_PER_QUERY = 2_000_000;

/** Receives every drifted row of a table (after the recheck), for --repair; nothing of it goes into the report. */
export type DriftHook = (plan: TablePlan, drift: readonly RowDiff[]) => void;

export interface ReconcileTableOptions {
  logger: Logger;
  sleep?: (ms: number) => Promise<void>;
  onDrift?: DriftHook;
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

  const first = await firstPass(plan, readers, total, log);
  result.counts = { source: Number(first.totals.source), target: Number(first.totals.target) };
  const countsDiffer = first.totals.source !== first.totals.target;
  result.segments.checked = first.checked;
  const mismatched = first.mismatched;
  result.segments.mismatched = first.segmentsMismatched;
  result.mismatchedSegments = first.segments.slice(0, spec.maxDiffRows);

  if (spec.mode === 'checksum') {
    result.status = countsDiffer || mismatched.length > 0 ? 'mismatch' : 'match';
    return result;
  }

  const ctx: DiffContext = {
    keyNames: plan.pairs.slice(0, plan.keyCount).map((p) => p.source.name),
    columnNames: plan.pairs.map((p) => p.source.name),
    textColumns: plan.pairs.map((p) => p.canonical.type === 'text'),
  };
  const found = await bisect(plan, readers, mismatched, log);

  let drift = found.diffs;
  let inFlight: RowDiff[] = [];
  if (drift.length > 0 && spec.recheckDelayMs > 0) {
    log.info('rechecking differing rows after delay', { rows: drift.length, delayMs: spec.recheckDelayMs });
    await (opts.sleep ?? defaultSleep)(spec.recheckDelayMs);
    const again = await recheck(readers, found.leaves);
    const stillDiffering = new Map(again.map((d) => [d.keyText, d]));
    inFlight = drift.filter((d) => !stillDiffering.has(d.keyText));
    drift = drift.filter((d) => stillDiffering.has(d.keyText)).map((d) => stillDiffering.get(d.keyText)!);
  }

  for (const d of drift) result.drift[d.kind] += 1;
  if (drift.length > 0) opts.onDrift?.(plan, drift);
  result.inFlight = inFlight.length;
  result.rows = drift.slice(0, spec.maxDiffRows).map((d) => toDiffRow(d, ctx));
  result.inFlightRows = inFlight.slice(0, spec.maxDiffRows).map((d) => toDiffRow(d, ctx));
  result.rowsTruncated = drift.length > spec.maxDiffRows || inFlight.length > spec.maxDiffRows;
  // The row-level diff decides: real drift is still there when the bisection re-reads its segments, while
  // counts (from the first pass) also differ for rows that were in flight then and have since been
  // replicated (seen on the live pipeline under a stream).
  result.status = drift.length > 0 ? 'mismatch' : 'match';
  if (countsDiffer && drift.length === 0 && inFlight.length === 0) {
    result.warnings.push('row counts differed in the first pass but no differing row was found when bisecting (rows changed during the run, in flight)');
  }
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

interface Comparison {
  checked: number;
  mismatched: Segment[];
  /** Rows seen on each side (all buckets). */
  totals: { source: bigint; target: bigint };
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
  mismatched.sort((a, b) => (a.bucket < b.bucket ? -1 : a.bucket > b.bucket ? 1 : 0));
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

interface FirstPass {
  checked: number;
  /** Mismatching first-pass buckets (sub-segments). */
  mismatched: Segment[];
  /** Mismatching segments, as the report shows them. */
  segments: SegmentInfo[];
  segmentsMismatched: number;
  totals: { source: bigint; target: bigint };
}

/** Every segment checksum of a side from as few scans as possible (one for hash segmentation). */
async function firstPass(plan: TablePlan, readers: TableReaders, total: bigint, log: Logger): Promise<FirstPass> {
  const chunk = BigInt(plan.spec.chunkSize);
  const segments = ceilDiv(total, chunk);
  const split = ceilDiv(chunk, BigInt(Math.min(FIRST_PASS_RESOLUTION, plan.spec.chunkSize)));
  const started = Date.now();
  if (plan.segmentation === 'hash') {
    const segModulus = nextPow2(Number(segments));
    const bucketing: Bucketing = { kind: 'hash', modulus: nextPow2(segModulus * Number(split)) };
    const [s, t] = await Promise.all([readers.source.checksums({ kind: 'all' }, bucketing), readers.target.checksums({ kind: 'all' }, bucketing)]);
    log.info('progress', { stage: 'checksum', segmentsDone: segModulus, segmentsTotal: segModulus, rowsPerSecond: rate(total, started) });
    const cmp = compareBuckets(bucketing, s, t);
    return summarise(cmp.mismatched, cmp.totals, segModulus, (b) => Number(b.bucket % BigInt(segModulus)), (id, segs) => ({
      hash: { modulus: segModulus, residue: id },
      sourceCount: sumCounts(segs, 'sourceCount'),
      targetCount: sumCounts(segs, 'targetCount'),
    }));
  }
  const [sb, tb] = await Promise.all([readers.source.bounds(), readers.target.bounds()]);
  if (!sb && !tb) return { checked: 0, mismatched: [], segments: [], segmentsMismatched: 0, totals: { source: 0n, target: 0n } };
  const lo = [sb?.lo, tb?.lo].filter((v): v is bigint => v !== undefined).reduce((a, b) => (b < a ? b : a));
  const hi = [sb?.hi, tb?.hi].filter((v): v is bigint => v !== undefined).reduce((a, b) => (b > a ? b : a));
  // Power-of-two widths: every refinement divides its parent exactly, so a child range never
  // straddles two parents and no row can be read by two leaves.
  const splitPow2 = BigInt(nextPow2(Number(split)));
  const width = nextPow2Big(ceilDiv(ceilDiv(hi - lo + 1n, segments), splitPow2));
  const segWidth = width * splitPow2;
  const bucketing: Extract<Bucketing, { kind: 'range' }> = { kind: 'range', base: lo, width };
  const bucketCount = ceilDiv(hi - lo + 1n, width);
  const segmentCount = Number(ceilDiv(hi - lo + 1n, segWidth));
  // Split the key space into a few statements (aligned to buckets) for progress and per-side parallelism.
  const rowsPerBucket = Math.max(1, Number(total) / Number(bucketCount));
  const segmentsPerQuery = Math.max(1, Math.floor(FIRST_PASS_ROWS_PER_QUERY / rowsPerBucket / Number(split)));
  const perQuery = BigInt(segmentsPerQuery) * split;
  const parts: Array<[bigint, bigint]> = [];
  for (let b = 0n; b < bucketCount; b += perQuery) {
    const end = b + perQuery < bucketCount ? b + perQuery : bucketCount;
    parts.push([lo + b * width, lo + end * width - 1n]);
  }
  let done = 0n;
  const results = await Promise.all(
    parts.map(async (range) => {
      const filter: SegmentFilter = parts.length === 1 ? { kind: 'all' } : { kind: 'ranges', ranges: [range] };
      const [s, t] = await Promise.all([readers.source.checksums(filter, bucketing), readers.target.checksums(filter, bucketing)]);
      done += ceilDiv(range[1] - range[0] + 1n, width);
      log.info('progress', { stage: 'checksum', segmentsDone: Number((done * BigInt(segmentCount)) / bucketCount), segmentsTotal: segmentCount, rowsPerSecond: rate((total * done) / bucketCount, started) });
      return compareBuckets(bucketing, s, t);
    }),
  );
  const mismatched = results.flatMap((r) => r.mismatched);
  const totals = results.reduce((a, r) => ({ source: a.source + r.totals.source, target: a.target + r.totals.target }), { source: 0n, target: 0n });
  return summarise(mismatched, totals, segmentCount, (b) => Number((b.bucket * width) / segWidth), (id, segs) => ({
    range: [(lo + BigInt(id) * segWidth).toString(), (lo + BigInt(id + 1) * segWidth - 1n).toString()],
    sourceCount: sumCounts(segs, 'sourceCount'),
    targetCount: sumCounts(segs, 'targetCount'),
  }));
}

function sumCounts(segs: Segment[], side: 'sourceCount' | 'targetCount'): string {
  return segs.reduce((a, s) => a + s[side], 0n).toString();
}

/** Group mismatching buckets into the segments the report shows. */
function summarise(mismatched: Segment[], totals: FirstPass['totals'], checked: number, segmentOf: (b: Segment) => number, describe: (id: number, buckets: Segment[]) => SegmentInfo): FirstPass {
  const bySegment = new Map<number, Segment[]>();
  for (const b of mismatched) {
    const id = segmentOf(b);
    bySegment.set(id, [...(bySegment.get(id) ?? []), b]);
  }
  const segments = [...bySegment.entries()].sort((a, b) => a[0] - b[0]).map(([id, buckets]) => describe(id, buckets));
  return { checked, mismatched, segments, segmentsMismatched: segments.length, totals };
}

function rate(rows: bigint, started: number): number {
  const s = (Date.now() - started) / 1000;
  return s > 0 ? Math.round(Number(rows) / s) : 0;
}

function filterFor(segments: Segment[]): SegmentFilter {
  const b = segments[0]!.bucketing;
  if (b.kind === 'range') return { kind: 'ranges', ranges: mergeRanges(segments.map((s) => rangeOf(s.bucket, b))) };
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

/** Group segments by bucketing, then into batches whose rows stay under `maxRows` per side. */
function batches(segments: Segment[], maxRows: number): Segment[][] {
  const out: Segment[][] = [];
  let cur: Segment[] = [];
  let rows = 0;
  for (const s of segments) {
    const n = Number(s.sourceCount > s.targetCount ? s.sourceCount : s.targetCount);
    if (cur.length > 0 && (rows + n > maxRows || !sameBucketing(cur[0]!.bucketing, s.bucketing))) {
      out.push(cur);
      cur = [];
      rows = 0;
    }
    cur.push(s);
    rows += n;
  }
  if (cur.length) out.push(cur);
  return out;
}

/** Narrow mismatching segments level by level (one statement per side per level), then diff the leaves. */
async function bisect(plan: TablePlan, readers: TableReaders, start: Segment[], log: Logger): Promise<{ diffs: RowDiff[]; leaves: SegmentFilter[] }> {
  const leafSize = BigInt(plan.spec.leafSize);
  const diffs: RowDiff[] = [];
  const leafFilters: SegmentFilter[] = [];
  const seenKeys = new Set<string>();
  let pending = start;
  let level = 0;
  while (pending.length > 0) {
    const leaves: Segment[] = [];
    const splittable: Array<{ seg: Segment; child: Bucketing }> = [];
    for (const s of pending) {
      const rows = s.sourceCount > s.targetCount ? s.sourceCount : s.targetCount;
      // Range levels are index range scans over the mismatching rows only: split by bisectionFactor.
      // Hash levels are full scans (the key hash has no index): go to leaf size in one step.
      const needed = Math.max(2, Number(ceilDiv(rows, leafSize)));
      const factor = s.bucketing.kind === 'hash' ? needed : Math.min(plan.spec.bisectionFactor, needed);
      const child = rows > leafSize ? refine(s.bucketing, factor) : null;
      if (child) splittable.push({ seg: s, child });
      else leaves.push(s);
    }
    for (const batch of batches(leaves, LEAF_BATCH_ROWS)) {
      const leaf = await diffLeaves(readers, batch);
      const found = leaf.diffs.filter((d) => !seenKeys.has(d.keyText));
      if (found.length > 0) leafFilters.push(leaf.filter);
      for (const d of found) seenKeys.add(d.keyText);
      diffs.push(...found);
    }
    const next: Segment[] = [];
    // Segments refined with the same child bucketing go into one statement per side.
    const groups = new Map<string, { child: Bucketing; segs: Segment[] }>();
    for (const { seg, child } of splittable) {
      const key = child.kind === 'range' ? `r${child.base}:${child.width}` : `h${child.modulus}`;
      const g = groups.get(key) ?? { child, segs: [] };
      g.segs.push(seg);
      groups.set(key, g);
    }
    // In sequence, a bounded number of children at a time: both sides still work in parallel, and the
    // answers in memory stay small whatever the drift.
    for (const { child, segs } of groups.values()) {
      const perStatement = parentsPerStatement(segs, child);
      for (let i = 0; i < segs.length; i += perStatement) {
        const filter = filterFor(segs.slice(i, i + perStatement));
        const [s, t] = await Promise.all([readers.source.checksums(filter, child), readers.target.checksums(filter, child)]);
        next.push(...compareBuckets(child, s, t).mismatched);
      }
    }
    level += 1;
    log.debug('bisection level', { depth: level, leaves: leaves.length, refined: splittable.length, mismatchedChildren: next.length });
    pending = next;
  }
  return { diffs, leaves: leafFilters };
}

/**
 * Row-level diff of a batch of leaves, and the filter that selects its differing rows again (for the recheck).
 * Range leaves go in two steps: the row hash of every key (a checksum with one key per bucket, about 40 bytes
 * a row), then the canonical columns of the differing keys only, so the rows downloaded grow with the drift.
 * Hash leaves are fetched whole in one step: selecting rows by key hash is a full scan, and a second one would
 * cost more than the columns it saves.
 */
async function diffLeaves(readers: TableReaders, batch: Segment[]): Promise<{ diffs: RowDiff[]; filter: SegmentFilter }> {
  const bucketing = batch[0]!.bucketing;
  let filter = filterFor(batch);
  if (bucketing.kind === 'range' && bucketing.width > 1n) {
    const perKey: Extract<Bucketing, { kind: 'range' }> = { kind: 'range', base: bucketing.base, width: 1n };
    const [s, t] = await Promise.all([readers.source.checksums(filter, perKey), readers.target.checksums(filter, perKey)]);
    const differing = compareBuckets(perKey, s, t).mismatched;
    if (differing.length === 0) return { diffs: [], filter };
    filter = filterFor(differing);
  }
  const [s, t] = await Promise.all([readers.source.leafRows(filter), readers.target.leafRows(filter)]);
  return { diffs: diffLeaf(s, t), filter };
}

/** Fetch the rows that differed again; what differs now is drift, the rest was in flight. */
async function recheck(readers: TableReaders, leaves: SegmentFilter[]): Promise<RowDiff[]> {
  const out: RowDiff[] = [];
  for (const filter of leaves) {
    const [s, t] = await Promise.all([readers.source.leafRows(filter), readers.target.leafRows(filter)]);
    out.push(...diffLeaf(s, t));
  }
  return out;
}

export type { DiffRow };
