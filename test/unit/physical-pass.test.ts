/** The dense bucket tables and block chunks of the physical first pass (src/engine/physical-pass.ts). */
import { describe, expect, it } from 'vitest';
import { blockChunks, BucketTotals, compareTotals, MAX_DENSE_BUCKETS, physicalLayoutOf, ROWS_PER_CHUNK, rowsPerChunk } from '../../src/engine/physical-pass.js';
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
    const big = (2n ** 63n - 1n).toString();
    a.add({ bucket: 1n, count: 2n, sum: big });
    a.add({ bucket: 1n, count: 1n, sum: big });
    b.add({ bucket: 1n, count: 3n, sum: (2n * (2n ** 63n - 1n)).toString() });
    a.add({ bucket: 3n, count: 1n, sum: '-5' });
    b.add({ bucket: 3n, count: 1n, sum: '-4' });
    b.add({ bucket: 0n, count: 1n, sum: '7' });
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
    t.add({ bucket: 2n, count: 5n, sum: '1' });
    t.add({ bucket: -1n, count: 5n, sum: '1' });
    expect(t.rows).toBe(0);
    t.add({ bucket: 1n, count: 5n, sum: '1' });
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
