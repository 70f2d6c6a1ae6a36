/**
 * One table across runners: with `shard: i/n`, a table of at least `splitRows`
 * estimated rows is reconciled by every shard, each one a part of it.
 *
 * Range-segmented tables (one integer key) are cut into key intervals at
 * quantiles of the key's distribution, read from the catalog's statistics
 * (PostgreSQL's histogram bounds, SQL Server's statistics histogram): those
 * change only when the table is analysed, so shards started together cut
 * alike. Each cut is rounded down to a multiple of a power of two derived from
 * the cuts themselves, so that it falls on a segment boundary of the grid (see
 * firstPass: segment boundaries are multiples of the segment width) and the
 * parts' segments add up to an unsharded run's. The first and the last
 * interval are open, so every key belongs to exactly one part whatever the
 * table holds by the time a shard reads it.
 *
 * Hash-segmented tables are split by segment: part i holds the hash segments
 * whose number is i-1 modulo n, and every bucket below them.
 */
import type { SegmentFilter } from '../dialects/types.js';
import { mergeRanges } from '../util/ranges.js';

export interface TablePart {
  /** 1-based. */
  index: number;
  count: number;
}

/** A step of a key histogram: `rows` rows have keys above the previous step's key and up to `key`. */
export interface HistogramStep {
  key: bigint;
  rows: number;
}

/** Inclusive key interval of a range part; null: unbounded on that side. */
export interface KeyInterval {
  lo: bigint | null;
  hi: bigint | null;
}

/** The multiple of `unit` at or below `v` (rounding toward minus infinity, also for negative keys). */
export function floorTo(v: bigint, unit: bigint): bigint {
  const q = v / unit;
  return (q * unit > v ? q - 1n : q) * unit;
}

/** The n-1 ascending cut keys at the quantiles of a histogram, on multiples of a power of two; [] when none can be had. */
export function quantileCuts(steps: readonly HistogramStep[], count: number): bigint[] {
  const total = steps.reduce((a, s) => a + Math.max(0, s.rows), 0);
  if (count < 2 || steps.length === 0 || total <= 0) return [];
  const raw: bigint[] = [];
  let cumulative = 0;
  let k = 1;
  for (const s of steps) {
    cumulative += Math.max(0, s.rows);
    while (k < count && cumulative >= (k * total) / count) {
      raw.push(s.key);
      k += 1;
    }
  }
  const distinct = [...new Set(raw)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (distinct.length === 0) return [];
  // A power of two well below the narrowest part (between two cuts, or between a cut and the lowest or
  // highest key): rounding moves a cut by less than a sixteenth of the part.
  const lowest = steps[0]!.key;
  const highest = steps.at(-1)!.key;
  let gap = highest - lowest > 0n ? highest - lowest : 1n;
  const edges = [lowest, ...distinct, highest];
  for (let i = 1; i < edges.length; i++) if (edges[i]! - edges[i - 1]! > 0n && edges[i]! - edges[i - 1]! < gap) gap = edges[i]! - edges[i - 1]!;
  let unit = 1n;
  while (unit * 2n * 8n <= gap) unit *= 2n;
  return [...new Set(distinct.map((c) => floorTo(c, unit)))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Cuts evenly spaced over [lo, hi], when the catalog has no statistics (the shards must then see the same bounds). */
export function evenCuts(lo: bigint, hi: bigint, count: number): bigint[] {
  const steps: HistogramStep[] = [{ key: lo, rows: 0 }];
  for (let k = 1; k <= count; k++) steps.push({ key: lo + ((hi - lo) * BigInt(k)) / BigInt(count), rows: 1 });
  return quantileCuts(steps, count);
}

/** Part `index`'s interval among the parts the cuts make (parts past the last cut are empty). */
export function intervalOf(cuts: readonly bigint[], part: TablePart): KeyInterval | null {
  if (part.index > cuts.length + 1) return null;
  return { lo: part.index === 1 ? null : cuts[part.index - 2]!, hi: part.index === cuts.length + 1 ? null : cuts[part.index - 1]! - 1n };
}

/** Ranges clipped to an interval (empty ones dropped). */
export function clipRanges(ranges: ReadonlyArray<readonly [bigint, bigint]>, interval: KeyInterval): Array<[bigint, bigint]> {
  const out: Array<[bigint, bigint]> = [];
  for (const [a, b] of ranges) {
    const lo = interval.lo !== null && interval.lo > a ? interval.lo : a;
    const hi = interval.hi !== null && interval.hi < b ? interval.hi : b;
    if (lo <= hi) out.push([lo, hi]);
  }
  return mergeRanges(out);
}

/** A filter restricted to a range part. */
export function clipFilter(filter: SegmentFilter, interval: KeyInterval | undefined): SegmentFilter {
  if (!interval || filter.kind !== 'ranges') return filter;
  return { kind: 'ranges', ranges: clipRanges(filter.ranges, interval) };
}

/** Hash part: the first-pass buckets (mod `modulus`) whose segment (bucket mod `segments`) is index-1 mod count. */
export function hashPartResidues(modulus: number, segments: number, part: TablePart): number[] {
  const out: number[] = [];
  for (let b = 0; b < modulus; b++) if ((b % segments) % part.count === part.index - 1) out.push(b);
  return out;
}

/** Hash segments of a part, out of `segments`. */
export function hashPartSegments(segments: number, part: TablePart): number {
  let n = 0;
  for (let s = 0; s < segments; s++) if (s % part.count === part.index - 1) n += 1;
  return n;
}
