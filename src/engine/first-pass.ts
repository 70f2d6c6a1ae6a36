/**
 * The first pass of a range-segmented table in key-range statements of bounded rows: each side's bucket sums are
 * added up here, in one dense table per side (16 bytes a bucket, the bucket count capped), and compared once both
 * sides are done; a diff also keeps the differences of a finer level (FineDifferences), where its bisection starts.
 */
import type { BucketAdd, Bucketing } from '../dialects/types.js';
import type { SideReader } from './reader.js';
import { addHalves, halvesOf, negatedHigh, negatedLow } from '../util/sum64.js';
import { BucketBuffer } from './bucket-buffer.js';
import { SumTable } from './sum-table.js';

type RangeBucketing = Extract<Bucketing, { kind: 'range' }>;

/** The most buckets a dense table holds: 8 MiB a side. Wider buckets, or key ranges, above it. */
export const MAX_DENSE_BUCKETS = 2 ** 19;

/** Per-bucket row counts and row-hash sums (modulo 2^64, like the limit's 64-bit slice) of one side. */
export class BucketTotals {
  readonly counts: Float64Array;
  /** The sums' high and low 32-bit halves (see util/sum64.ts). */
  readonly sumHigh: Uint32Array;
  readonly sumLow: Uint32Array;
  rows = 0;

  constructor(readonly size: number) {
    this.counts = new Float64Array(size);
    this.sumHigh = new Uint32Array(size);
    this.sumLow = new Uint32Array(size);
  }

  /** `hi`, `lo`: the halves of the rows' hash sum modulo 2^64. */
  add(i: number, count: number, hi: number, lo: number): void {
    // A bucket outside the plan (a key inserted past the bounds after they were read) is not this run's to check.
    if (!(i >= 0 && i < this.size)) return;
    this.counts[i]! += count;
    addHalves(this.sumHigh, this.sumLow, i, hi, lo);
    this.rows += count;
  }
}

/** The most buckets of the finer level: a bucket index, not memory (only differences are held, see FineDifferences). */
export const MAX_FINE_BUCKETS = 2 ** 22;

/**
 * The most fine buckets FineDifferences holds at once (its table at most half full: 2^19 slots of 12 bytes, 6 MiB
 * at worst). Beyond it, the finer level is given up and the bisection starts from the dense buckets, as it would
 * without one.
 */
export const MAX_FINE_PENDING = 2 ** 18;

/**
 * The difference of the two sides' row-hash sums per bucket of a finer bucketing than the dense totals (the
 * source adds, the target subtracts). Inside a mismatching bucket, the fine buckets whose difference is not zero
 * are where the drift is, so the bisection starts from them instead of re-reading whole buckets: with one row in
 * 100 drifted every bucket mismatches, and that re-read was a second scan of the table through its key index
 * (issue 18). Only non-zero differences are held: both sides read in about key order at about the same pace, so a
 * bucket is held from when the first side reads it until the other does, and after both only if it differs. A
 * missing or extra row changes its fine bucket's sum unless its 64-bit hash is 0, the odds of a 64-bit collision.
 */
export class FineDifferences {
  private readonly pending = new SumTable();
  private givenUp = false;

  /** `shift`: log2 of fine buckets per dense bucket. */
  constructor(readonly size: number, readonly shift: number, private readonly maxPending = MAX_FINE_PENDING) {}

  /** False once too many were held (the finer level is then given up). */
  get usable(): boolean {
    return !this.givenUp;
  }

  /** The source's sum of fine bucket `i`, as halves modulo 2^64. */
  add(i: number, hi: number, lo: number): void {
    if (this.givenUp || !(i >= 0 && i < this.size)) return;
    this.pending.add(i, hi, lo);
    if (this.pending.size > this.maxPending) this.giveUp();
  }

  /** The target's sum of fine bucket `i`. */
  subtract(i: number, hi: number, lo: number): void {
    this.add(i, negatedHigh(hi, lo), negatedLow(lo));
  }

  giveUp(): void {
    this.givenUp = true;
    this.pending.clear();
  }

  /** Fine buckets held now (differing, or read by one side only so far). */
  get held(): number {
    return this.pending.size;
  }

  /**
   * The fine buckets that differ inside each mismatching dense bucket, in order; a dense bucket none of whose fine
   * buckets differ (only its count does, or the finer level was given up) is returned whole, in `whole`.
   */
  localise(mismatched: readonly DenseMismatch[]): { fine: Int32Array; whole: DenseMismatch[] } {
    // The held keys sorted, then one walk beside the (ordered) mismatching buckets: a number a bucket, whatever
    // the drift (100,000 drifted rows hold ~73,000 fine buckets at 1M rows).
    const held = Int32Array.from(this.pending.keys()).sort();
    const fine = new Int32Array(held.length);
    let found = 0;
    let at = 0;
    const whole: DenseMismatch[] = [];
    for (const m of mismatched) {
      const dense = Number(m.bucket);
      while (at < held.length && held[at]! >> this.shift < dense) at += 1;
      const first = found;
      for (; at < held.length && held[at]! >> this.shift === dense; at += 1) fine[found++] = held[at]!;
      // Nothing is held once given up: every bucket then goes whole.
      if (found === first) whole.push(m);
    }
    return { fine: fine.subarray(0, found), whole };
  }
}

/** A dense bucket whose count or sum differ: a segment of the dense bucketing. */
export interface DenseMismatch {
  bucket: bigint;
  bucketing: RangeBucketing;
  sourceCount: bigint;
  targetCount: bigint;
}

/** Buckets of `bucketing` whose count or sum differ, in bucket order. */
export function compareTotals(source: BucketTotals, target: BucketTotals, bucketing: RangeBucketing): DenseMismatch[] {
  const mismatched: DenseMismatch[] = [];
  for (let i = 0; i < source.size; i += 1) {
    const s = source.counts[i]!;
    const t = target.counts[i]!;
    if (s !== t || source.sumHigh[i] !== target.sumHigh[i] || source.sumLow[i] !== target.sumLow[i]) mismatched.push({ bucket: BigInt(i), bucketing, sourceCount: BigInt(s), targetCount: BigInt(t) });
  }
  return mismatched;
}

type SideName = 'source' | 'target';

/** The lead, as a share of its statements, that one side may take over the other before it waits (at least 2). */
export const MAX_LEAD = 0.04;

/**
 * How long a side ahead waits for the other to take a step before pacing is given up for the table. The other side
 * may be waiting for a connection that a third table's side holds while it waits in turn: a bounded wait keeps any
 * such circle from holding for good (the finer level's own limit, MAX_FINE_PENDING, then still bounds the table).
 */
export const PACE_MAX_WAIT_MS = 5_000;

/**
 * Keeps the two sides of a first pass within MAX_LEAD of each other, each measured by the share of its own
 * statements done: the side ahead waits before its next statement until the other catches up or ends. With a finer
 * level, every fine bucket one side has read and the other not yet is held (FineDifferences), so the lead is what
 * that table holds: one side ran 40 % ahead on one 2-core machine (10M rows), ~260,000 buckets, 6 MiB of the diff's
 * peak. The run takes as long as the slower side either way.
 */
export class Pace {
  private readonly share: Record<SideName, number> = { source: 0, target: 0 };
  private readonly ended: Record<SideName, boolean> = { source: false, target: false };
  private waiting: Array<() => void> = [];
  private givenUp = false;

  constructor(private readonly maxWaitMs = PACE_MAX_WAIT_MS) {}

  /** `side` has done `done` of its `total` steps. */
  report(side: SideName, done: number, total: number): void {
    this.share[side] = total > 0 ? done / total : 1;
    this.wake();
  }

  /** Reports a step of `side`; resolves once it may go on. */
  async step(side: SideName, done: number, total: number): Promise<void> {
    this.report(side, done, total);
    const other: SideName = side === 'source' ? 'target' : 'source';
    const lead = Math.max(MAX_LEAD, 2 / Math.max(1, total));
    while (!this.givenUp && !this.ended[other] && this.share[side] - this.share[other] > lead) {
      if (!(await this.otherMoves())) this.givenUp = true;
    }
  }

  /** `side` ended, done or failed: the other never waits for it again. */
  end(side: SideName): void {
    this.ended[side] = true;
    this.wake();
  }

  /** Whether the other side took a step (or ended) within maxWaitMs. */
  private otherMoves(): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), this.maxWaitMs);
      this.waiting.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}

export interface SideFill {
  reader: SideReader;
  /** Most units hold many rows: how a dialect may read them (see PackedChecksums). */
  denseKeys: boolean;
  /**
   * The finer level: statements are then grouped by its buckets, added up into both tables; `pace` keeps this
   * side's statements within reach of the other side's, as the table holds what one has read and the other not yet.
   */
  fine?: { bucketing: RangeBucketing; into: FineDifferences; side: SideName; pace: Pace };
}

/**
 * Fill `into` with one side's bucket sums, one key-range statement per range of `ranges`, in key order, one at a
 * time: a statement keeps a server core busy, and the limit this is measured against is one scan per side. With
 * `side.fine`, the statements group by the fine buckets, each bucket goes into both tables, and the side keeps pace
 * with the other. Packed answers where the dialect packs them. `onStep` after each statement (`into.rows` says how
 * far it is). All at once, a checksum's statements held five answers a side in flight and the servers' cores were
 * shared between ten: 65 MiB and 13.7-14.9 s against 59 MiB and 13.0-13.5 s (10M identical rows, alternating).
 */
export async function fillSide(side: SideFill, into: BucketTotals, bucketing: RangeBucketing, ranges: ReadonlyArray<readonly [bigint, bigint]>, onStep: () => void): Promise<void> {
  const fine = side.fine;
  const grouping = fine?.bucketing ?? bucketing;
  const shift = fine?.into.shift ?? 0;
  const add: BucketAdd = (bucket, count, hi, lo) => {
    if (!fine) return into.add(bucket, count, hi, lo);
    into.add(bucket >> shift, count, hi, lo);
    if (fine.side === 'source') fine.into.add(bucket, hi, lo);
    else fine.into.subtract(bucket, hi, lo);
  };
  const buffer = side.reader.packedChecksums ? new BucketBuffer() : undefined;
  for (const [i, range] of ranges.entries()) {
    const filter = { kind: 'ranges' as const, ranges: [range] };
    if (buffer) {
      await buffer.read(side.reader, filter, grouping, add, side.denseKeys);
    } else {
      for (const [bucket, s] of await side.reader.checksums(filter, grouping)) {
        const { hi, lo } = halvesOf(s.sum);
        add(Number(bucket), Number(s.count), hi, lo);
      }
    }
    onStep();
    // After its last statement a side has nothing left to hold back: it only reports.
    if (i + 1 < ranges.length) await fine?.pace.step(fine.side, i + 1, ranges.length);
    else fine?.pace.report(fine.side, i + 1, ranges.length);
  }
}
