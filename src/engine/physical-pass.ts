/**
 * The first pass of a range-segmented table read in chunks of its storage (see PhysicalScan) on each side that
 * can, and in key-range statements on a side that cannot (SQL Server, client hashing). A chunk of heap blocks
 * holds rows of any bucket, so each side's bucket sums are added up here, in one dense table per side (16 bytes
 * a bucket, the bucket count capped), and compared once both sides are done.
 */
import type { Bucketing, SegmentChecksumRow } from '../dialects/types.js';
import type { SideReader } from './reader.js';

type RangeBucketing = Extract<Bucketing, { kind: 'range' }>;

/** The most buckets a dense table holds: 8 MiB a side. Wider buckets, or key ranges, above it. */
export const MAX_DENSE_BUCKETS = 2 ** 19;

/**
 * How closely the key must follow the physical order (|correlation| of the statistics) for chunks to pay: a chunk
 * of a table in key order answers a few hundred buckets; of a shuffled one, up to every bucket of the table.
 */
export const MIN_PHYSICAL_CORRELATION = 0.9;

/**
 * Rows per chunk: about half a second of a 2-core machine reading both sides at once, so the progress line moves
 * well within its 2 seconds, and few enough statements (40 at 10M rows) that their cost is not measurable
 * (10M rows, one side: 100 chunks 24.3-24.8 s, 41 chunks 24.0 s, 21 chunks 24.0-24.2 s). A smaller table still
 * goes in about 16 steps (of at least 10,000 rows), so its progress moves too.
 */
export const ROWS_PER_CHUNK = 250_000;

export function rowsPerChunk(estimatedRows: number): number {
  return Math.min(ROWS_PER_CHUNK, Math.max(10_000, Math.ceil(estimatedRows / 16)));
}

/** Per-bucket row counts and row-hash sums (modulo 2^64, like the limit's 64-bit slice) of one side. */
export class BucketTotals {
  readonly counts: Float64Array;
  readonly sums: BigInt64Array;
  rows = 0;

  constructor(readonly size: number) {
    this.counts = new Float64Array(size);
    this.sums = new BigInt64Array(size);
  }

  add(row: SegmentChecksumRow): void {
    const i = Number(row.bucket);
    // A bucket outside the plan (a key inserted past the bounds after they were read) is not this run's to check.
    if (!(i >= 0 && i < this.size)) return;
    const n = Number(row.count);
    this.counts[i]! += n;
    this.sums[i] = BigInt.asIntN(64, this.sums[i]! + BigInt(row.sum));
    this.rows += n;
  }

  clear(): void {
    this.counts.fill(0);
    this.sums.fill(0n);
    this.rows = 0;
  }
}

export interface DenseMismatch {
  bucket: bigint;
  sourceCount: bigint;
  targetCount: bigint;
}

/** Buckets whose count or sum differ, in bucket order; the buckets that hold rows on either side. */
export function compareTotals(source: BucketTotals, target: BucketTotals): { mismatched: DenseMismatch[]; checked: number } {
  const mismatched: DenseMismatch[] = [];
  let checked = 0;
  for (let i = 0; i < source.size; i += 1) {
    const s = source.counts[i]!;
    const t = target.counts[i]!;
    if (s > 0 || t > 0) checked += 1;
    if (s !== t || source.sums[i] !== target.sums[i]) mismatched.push({ bucket: BigInt(i), sourceCount: BigInt(s), targetCount: BigInt(t) });
  }
  return { mismatched, checked };
}

/** Block ranges of about `rowsPerChunk` rows each; the last one open-ended (blocks added since are read too). */
export function blockChunks(blocks: number, estimatedRows: number, rowsPerChunk: number): Array<[number, number | null]> {
  const rowsPerBlock = estimatedRows > 0 && blocks > 0 ? estimatedRows / blocks : 1;
  const perChunk = Math.max(1, Math.round(rowsPerChunk / rowsPerBlock));
  const out: Array<[number, number | null]> = [];
  for (let b = 0; b + perChunk < blocks; b += perChunk) out.push([b, b + perChunk]);
  out.push([out.length * perChunk, null]);
  return out;
}

/** Whether this side reads its first pass in physical chunks: it can, and its key follows the storage order. */
export async function physicalLayoutOf(reader: SideReader): Promise<{ blocks: number } | null> {
  const layout = await reader.physicalLayout?.();
  if (!layout || layout.correlation === null || Math.abs(layout.correlation) < MIN_PHYSICAL_CORRELATION) return null;
  return { blocks: layout.blocks };
}

export interface SideFill {
  reader: SideReader;
  /** The heap's blocks when the side reads physical chunks; undefined: key-range statements. */
  layout?: { blocks: number };
}

/**
 * Fill `into` with one side's bucket sums for the keys in `keys`: chunk by chunk inside one snapshot, or one
 * key-range statement per range of `ranges` (the plain first pass's). `onStep` after each statement (`into.rows` says how far it is).
 */
export async function fillSide(
  side: SideFill,
  into: BucketTotals,
  bucketing: RangeBucketing,
  keys: readonly [bigint, bigint],
  ranges: ReadonlyArray<readonly [bigint, bigint]>,
  estimatedRows: number,
  onStep: () => void,
): Promise<void> {
  if (side.layout && side.reader.physicalChecksums) {
    const chunks = blockChunks(side.layout.blocks, estimatedRows, rowsPerChunk(estimatedRows));
    await side.reader.physicalChecksums(chunks, keys, bucketing, (rows) => {
      for (const r of rows) into.add(r);
      onStep();
    }, () => into.clear());
    return;
  }
  // All at once: the endpoint's limiter bounds how many run, as in every other step.
  await Promise.all(
    ranges.map(async (range) => {
      const sums = await side.reader.checksums({ kind: 'ranges', ranges: [range] }, bucketing);
      for (const [bucket, s] of sums) into.add({ bucket, count: s.count, sum: s.sum.toString() });
      onStep();
    }),
  );
}
