/** The dense bucket tables and block chunks of the physical first pass (src/engine/physical-pass.ts). */
import { describe, expect, it } from 'vitest';
import { blockChunks, BucketTotals, compareTotals, FineDifferences, MAX_DENSE_BUCKETS, physicalLayoutOf, ROWS_PER_CHUNK, rowsPerChunk } from '../../src/engine/physical-pass.js';
import type { SideReader } from '../../src/engine/reader.js';

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

describe('BucketTotals and compareTotals', () => {
  it('adds rows of a bucket from several chunks; sums wrap at 64 bits on both sides alike', () => {
    const a = new BucketTotals(4);
    const b = new BucketTotals(4);
    const big = 2n ** 63n - 1n;
    a.add(1, 2, big);
    a.add(1, 1, big);
    b.add(1, 3, 2n * (2n ** 63n - 1n));
    a.add(3, 1, -5n);
    b.add(3, 1, -4n);
    b.add(0, 1, 7n);
    expect(a.rows).toBe(4);
    expect(b.rows).toBe(5);
    const { mismatched, checked } = compareTotals(a, b);
    expect(checked).toBe(3);
    expect(mismatched).toEqual([
      { bucket: 0n, sourceCount: 0n, targetCount: 1n },
      { bucket: 3n, sourceCount: 1n, targetCount: 1n },
    ]);
  });

  it('ignores buckets outside the plan (keys inserted past the bounds read), and clears for a retry', () => {
    const t = new BucketTotals(2);
    t.add(2, 5, 1n);
    t.add(-1, 5, 1n);
    expect(t.rows).toBe(0);
    t.add(1, 5, 1n);
    t.clear();
    expect(t.rows).toBe(0);
    expect(compareTotals(t, new BucketTotals(2)).mismatched).toEqual([]);
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
  const mismatch = (bucket: number) => ({ bucket: BigInt(bucket), sourceCount: 1n, targetCount: 1n });

  it('equal rows cancel; the fine buckets that differ are listed inside each mismatching bucket, in order', () => {
    const fine = new FineDifferences(16, 2); // 4 dense buckets of 4 fine ones
    for (const [b, s] of [[1, 5n], [2, -7n], [9, 2n ** 63n - 1n], [13, 4n]] as const) {
      fine.add(b, s);
      fine.add(b, -s); // the target's, negated
    }
    fine.add(2, 3n); // a row only the source has
    fine.add(10, 8n); // a changed row: 8 on the source, 9 on the target
    fine.add(10, -9n);
    fine.add(99, 1n); // outside the plan: ignored
    expect(fine.localise([mismatch(0), mismatch(2)])).toEqual({ fine: [2n, 10n], whole: [] });
    // Only the buckets asked about: a fine difference elsewhere is not reported.
    expect(fine.localise([mismatch(2)]).fine).toEqual([10n]);
  });

  it('holds only what differs so far; past its limit it gives up, and every mismatching bucket is returned whole', () => {
    const fine = new FineDifferences(64, 2, 3);
    fine.add(1, 5n);
    fine.add(2, 6n);
    expect(fine.held).toBe(2);
    fine.add(1, -5n); // the target caught up on bucket 1
    expect(fine.held).toBe(1);
    fine.add(3, 1n);
    fine.add(4, 1n);
    expect(fine.usable).toBe(true);
    fine.add(5, 1n); // a fourth held at once: over the limit of 3
    expect(fine.usable).toBe(false);
    expect(fine.held).toBe(0);
    fine.add(6, 1n); // ignored from now on
    expect(fine.localise([mismatch(0), mismatch(1)])).toEqual({ fine: [], whole: [mismatch(0), mismatch(1)] });
  });

  it('sums wrap at 64 bits like the dense totals', () => {
    const fine = new FineDifferences(4, 1);
    fine.add(0, 2n ** 63n - 1n);
    fine.add(0, 1n); // wraps to -2^63
    fine.add(0, 2n ** 63n); // the target's -2^63, negated
    expect(fine.localise([mismatch(0)])).toEqual({ fine: [], whole: [mismatch(0)] });
  });

  it('a bucket whose fine sums all agree (only its count differs), or a table a side started over, is returned whole', () => {
    const fine = new FineDifferences(8, 2);
    fine.add(5, 1n);
    expect(fine.localise([mismatch(0), mismatch(1)])).toEqual({ fine: [5n], whole: [mismatch(0)] });
    fine.giveUp();
    expect(fine.localise([mismatch(0), mismatch(1)])).toEqual({ fine: [], whole: [mismatch(0), mismatch(1)] });
  });
});
