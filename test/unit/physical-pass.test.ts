/** The dense bucket tables and block chunks of the physical first pass (src/engine/physical-pass.ts). */
import { describe, expect, it } from 'vitest';
import { halvesOf } from '../../src/util/sum64.js';
import { blockChunks, BucketTotals, compareTotals, FineDifferences, MAX_DENSE_BUCKETS, MAX_LEAD, Pace, physicalLayoutOf, ROWS_PER_CHUNK, rowsPerChunk } from '../../src/engine/physical-pass.js';
import type { SideReader } from '../../src/engine/reader.js';

/** localise()'s answer with its fine buckets as a plain array. */
function localised(fine: FineDifferences, mismatched: Parameters<FineDifferences['localise']>[0]): { fine: number[]; whole: unknown[] } {
  const r = fine.localise(mismatched);
  return { fine: [...r.fine], whole: r.whole };
}

describe('blockChunks', () => {
  it('cuts the heap into chunks of about the rows asked, every block once, the last open-ended', () => {
    const chunks = blockChunks(1_000, 70_000, 10_000);
    expect(chunks[0]).toEqual([0, 143]);
    expect(chunks.at(-1)![1]).toBeNull();
    for (let i = 1; i < chunks.length; i += 1) expect(chunks[i]![0]).toBe(chunks[i - 1]![1]);
    expect(chunks.length).toBe(7);
  });

  it('chunks of 250,000 rows on a large table, about 16 on a smaller one, never under 10,000 rows', () => {
    expect(rowsPerChunk(10_000_000)).toBe(ROWS_PER_CHUNK);
    expect(rowsPerChunk(1_000_000)).toBe(62_500);
    expect(rowsPerChunk(50_000)).toBe(10_000);
  });

  it('an empty or unanalysed heap is one open-ended chunk', () => {
    expect(blockChunks(0, 0, 100_000)).toEqual([[0, null]]);
    expect(blockChunks(10, 0, 100_000)).toEqual([[0, null]]);
  });
});

/** Sums go in as their halves modulo 2^64, as the dialects give them. */
function addSum(t: BucketTotals, i: number, count: number, sum: bigint): void {
  const { hi, lo } = halvesOf(sum);
  t.add(i, count, hi, lo);
}
function source(fine: FineDifferences, i: number, sum: bigint): void {
  const { hi, lo } = halvesOf(sum);
  fine.add(i, hi, lo);
}
function target(fine: FineDifferences, i: number, sum: bigint): void {
  const { hi, lo } = halvesOf(sum);
  fine.subtract(i, hi, lo);
}

describe('BucketTotals and compareTotals', () => {
  it('adds rows of a bucket from several chunks; sums wrap at 64 bits on both sides alike', () => {
    const a = new BucketTotals(4);
    const b = new BucketTotals(4);
    const big = 2n ** 63n - 1n;
    addSum(a, 1, 2, big);
    addSum(a, 1, 1, big);
    addSum(b, 1, 3, 2n * (2n ** 63n - 1n));
    addSum(a, 3, 1, -5n);
    addSum(b, 3, 1, -4n);
    addSum(b, 0, 1, 7n);
    expect(a.rows).toBe(4);
    expect(b.rows).toBe(5);
    const bucketing = { kind: 'range' as const, base: 0n, width: 4n };
    expect(compareTotals(a, b, bucketing)).toEqual([
      { bucket: 0n, bucketing, sourceCount: 0n, targetCount: 1n },
      { bucket: 3n, bucketing, sourceCount: 1n, targetCount: 1n },
    ]);
  });

  it('ignores buckets outside the plan (keys inserted past the bounds read), and clears for a retry', () => {
    const t = new BucketTotals(2);
    addSum(t, 2, 5, 1n);
    addSum(t, -1, 5, 1n);
    expect(t.rows).toBe(0);
    addSum(t, 1, 5, 1n);
    t.clear();
    expect(t.rows).toBe(0);
    expect(compareTotals(t, new BucketTotals(2), { kind: 'range', base: 0n, width: 1n })).toEqual([]);
  });

  it('the dense tables stay within 8 MiB a side', () => {
    expect(MAX_DENSE_BUCKETS * 16).toBeLessThanOrEqual(8 * 2 ** 20);
  });
});

describe('physicalLayoutOf', () => {
  const reader = (layout: { blocks: number; correlation: number | null } | null | undefined) => ({ physicalLayout: layout === undefined ? undefined : async () => layout }) as unknown as SideReader;
  it('chunks only where the key follows the storage order, in either direction', async () => {
    expect(await physicalLayoutOf(reader({ blocks: 9, correlation: 0.95 }))).toEqual({ blocks: 9 });
    expect(await physicalLayoutOf(reader({ blocks: 9, correlation: -0.97 }))).toEqual({ blocks: 9 });
    expect(await physicalLayoutOf(reader({ blocks: 9, correlation: 0.5 }))).toBeNull();
    expect(await physicalLayoutOf(reader({ blocks: 9, correlation: null }))).toBeNull();
    expect(await physicalLayoutOf(reader(null))).toBeNull();
    expect(await physicalLayoutOf(reader(undefined))).toBeNull();
  });
});

describe('FineDifferences: where inside a mismatching bucket the drift is', () => {
  const mismatch = (bucket: number) => ({ bucket: BigInt(bucket), bucketing: { kind: 'range' as const, base: 0n, width: 4n }, sourceCount: 1n, targetCount: 1n });

  it('equal rows cancel; the fine buckets that differ are listed inside each mismatching bucket, in order', () => {
    const fine = new FineDifferences(16, 2); // 4 dense buckets of 4 fine ones
    for (const [b, s] of [[1, 5n], [2, -7n], [9, 2n ** 63n - 1n], [13, 4n], [14, 2n ** 32n], [15, -(2n ** 40n) - 3n]] as const) {
      source(fine, b, s);
      target(fine, b, s);
    }
    source(fine, 2, 3n); // a row only the source has
    source(fine, 10, 8n); // a changed row: 8 on the source, 9 on the target
    target(fine, 10, 9n);
    source(fine, 99, 1n); // outside the plan: ignored
    expect(localised(fine, [mismatch(0), mismatch(2)])).toEqual({ fine: [2, 10], whole: [] });
    // Only the buckets asked about: a fine difference elsewhere is not reported.
    expect(localised(fine, [mismatch(2)]).fine).toEqual([10]);
  });

  it('holds only what differs so far; past its limit it gives up, and every mismatching bucket is returned whole', () => {
    const fine = new FineDifferences(64, 2, 3);
    source(fine, 1, 5n);
    source(fine, 2, 6n);
    expect(fine.held).toBe(2);
    target(fine, 1, 5n); // the target caught up on bucket 1
    expect(fine.held).toBe(1);
    source(fine, 3, 1n);
    source(fine, 4, 1n);
    expect(fine.usable).toBe(true);
    source(fine, 5, 1n); // a fourth held at once: over the limit of 3
    expect(fine.usable).toBe(false);
    expect(fine.held).toBe(0);
    source(fine, 6, 1n); // ignored from now on
    expect(localised(fine, [mismatch(0), mismatch(1)])).toEqual({ fine: [], whole: [mismatch(0), mismatch(1)] });
  });

  it('sums wrap at 64 bits like the dense totals', () => {
    const fine = new FineDifferences(4, 1);
    source(fine, 0, 2n ** 63n - 1n);
    source(fine, 0, 1n); // wraps to -2^63
    target(fine, 0, -(2n ** 63n));
    expect(localised(fine, [mismatch(0)])).toEqual({ fine: [], whole: [mismatch(0)] });
  });

  it('a bucket whose fine sums all agree (only its count differs), or a table a side started over, is returned whole', () => {
    const fine = new FineDifferences(8, 2);
    source(fine, 5, 1n);
    expect(localised(fine, [mismatch(0), mismatch(1)])).toEqual({ fine: [5], whole: [mismatch(0)] });
    fine.giveUp();
    expect(localised(fine, [mismatch(0), mismatch(1)])).toEqual({ fine: [], whole: [mismatch(0), mismatch(1)] });
  });
});

describe('Pace: the sides of a first pass within reach of each other', () => {
  /** Whether `p` has settled after the microtasks and timers queued so far. */
  async function settled(p: Promise<void>): Promise<boolean> {
    let done = false;
    void p.then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    return done;
  }

  it('the side more than MAX_LEAD ahead waits at its next chunk until the other catches up', async () => {
    const pace = new Pace();
    // 100 chunks a side: the lead allowed is MAX_LEAD (4 chunks), not 2 chunks.
    expect(await settled(pace.step('source', 4, 100))).toBe(true);
    const ahead = pace.step('source', 5, 100);
    expect(await settled(ahead)).toBe(false);
    expect(await settled(pace.step('target', 1, 100))).toBe(true);
    expect(await settled(ahead)).toBe(true);
    // The side behind never waits.
    expect(await settled(pace.step('target', 2, 100))).toBe(true);
    // A side reading in key-range statements only reports: it has queued them all already.
    pace.report('target', 2, 100);
    const again = pace.step('source', 8, 100);
    expect(await settled(again)).toBe(false);
    pace.report('target', 5, 100);
    expect(await settled(again)).toBe(true);
  });

  it('shares, not chunk numbers: sides with different chunk counts keep pace by the share of their own', async () => {
    const pace = new Pace();
    await pace.step('source', 2, 50);
    await pace.step('target', 10, 200);
    // 5 of 50 chunks is 10 %; the target is at 5 %: 5 points ahead, more than MAX_LEAD.
    const source = pace.step('source', 5, 50);
    expect(await settled(source)).toBe(false);
    await pace.step('target', 16, 200);
    expect(await settled(source)).toBe(true);
  });

  it('at least two chunks of lead on a side with few chunks, so the sides do not go in lockstep', async () => {
    const pace = new Pace();
    expect(await settled(pace.step('source', 2, 16))).toBe(true);
    expect(await settled(pace.step('source', 3, 16))).toBe(false);
  });

  it('a side that ends, done or failed, never holds the other again', async () => {
    const pace = new Pace();
    const ahead = pace.step('source', 50, 100);
    expect(await settled(ahead)).toBe(false);
    pace.end('target');
    expect(await settled(ahead)).toBe(true);
    expect(await settled(pace.step('source', 100, 100))).toBe(true);
  });

  it('a side ahead waits at most its bound for the other to move, then pacing is given up for the table', async () => {
    const pace = new Pace(30);
    const started = Date.now();
    await pace.step('source', 50, 100);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    // Given up: no more waiting, however far ahead.
    expect(await settled(pace.step('source', 90, 100))).toBe(true);
    expect(MAX_LEAD).toBeGreaterThan(0);
  });
});
