/** The dense bucket tables, the finer level and the pacing of the first pass (src/engine/first-pass.ts), and the buffer of a packed answer. */
import { describe, expect, it } from 'vitest';
import { halvesOf } from '../../src/util/sum64.js';
import { BucketTotals, compareTotals, FineDifferences, MAX_DENSE_BUCKETS, MAX_LEAD, Pace } from '../../src/engine/first-pass.js';
import { BucketBuffer } from '../../src/engine/bucket-buffer.js';
import type { SideReader } from '../../src/engine/reader.js';

/** localise()'s answer with its fine buckets as a plain array. */
function localised(fine: FineDifferences, mismatched: Parameters<FineDifferences['localise']>[0]): { fine: number[]; whole: unknown[] } {
  const r = fine.localise(mismatched);
  return { fine: [...r.fine], whole: r.whole };
}

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
  it('adds rows of a bucket from several statements; sums wrap at 64 bits on both sides alike', () => {
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

  it('ignores buckets outside the plan (keys inserted past the bounds read)', () => {
    const t = new BucketTotals(2);
    addSum(t, 2, 5, 1n);
    addSum(t, -1, 5, 1n);
    expect(t.rows).toBe(0);
    expect(compareTotals(t, new BucketTotals(2), { kind: 'range', base: 0n, width: 1n })).toEqual([]);
  });

  it('the dense tables stay within 8 MiB a side', () => {
    expect(MAX_DENSE_BUCKETS * 16).toBeLessThanOrEqual(8 * 2 ** 20);
  });
});

describe('BucketBuffer: a packed answer counted once, whatever the retries', () => {
  type Heard = Array<[number, number, number, number]>;
  /** A reader whose packed answer fails part way `failures` times before it comes whole; `sent` counts the buckets it streamed. */
  function flakyReader(buckets: Heard, failures: number): SideReader & { sent: number } {
    const reader = {
      sent: 0,
      async packedChecksums(_filter, _bucketing, add, reset) {
        for (let attempt = 0; ; attempt += 1) {
          reset();
          const last = attempt >= failures;
          for (const [i, [b, c, h, l]] of buckets.entries()) {
            if (!last && i === Math.floor(buckets.length / 2)) break;
            reader.sent += 1;
            add(b, c, h, l);
          }
          if (last) return;
        }
      },
    } as SideReader & { sent: number };
    return reader;
  }
  const filter = { kind: 'ranges' as const, ranges: [[0n, 9_999n] as const] };
  const bucketing = { kind: 'range' as const, base: 0n, width: 16n };

  it('hears every bucket of the attempt that succeeded, in order, none of a failed one; grows past its first size', async () => {
    const buckets: Heard = Array.from({ length: 3_000 }, (_, i) => [i, 16, i * 7, 4_294_967_295 - i]);
    const reader = flakyReader(buckets, 2);
    const heard: Heard = [];
    await new BucketBuffer().read(reader, filter, bucketing, (b, c, h, l) => heard.push([b, c, h, l]));
    expect(reader.sent).toBe(3_000 + 2 * 1_500);
    expect(heard).toEqual(buckets);
  });

  it('is empty again for the next statement', async () => {
    const buffer = new BucketBuffer();
    const first: Heard = [];
    await buffer.read(flakyReader([[1, 2, 3, 4]], 0), filter, bucketing, (...a) => first.push(a));
    const second: Heard = [];
    await buffer.read(flakyReader([[5, 6, 7, 8]], 1), filter, bucketing, (...a) => second.push(a));
    expect(first).toEqual([[1, 2, 3, 4]]);
    expect(second).toEqual([[5, 6, 7, 8]]);
  });

  it('names a side that does not pack', async () => {
    await expect(new BucketBuffer().read({} as SideReader, filter, bucketing, () => undefined)).rejects.toThrow(/does not pack/);
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

  it('a bucket whose fine sums all agree (only its count differs), or a finer level given up, is returned whole', () => {
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

  it('the side more than MAX_LEAD ahead waits at its next statement until the other catches up', async () => {
    const pace = new Pace();
    // 100 statements a side: the lead allowed is MAX_LEAD (4 statements), not 2 statements.
    expect(await settled(pace.step('source', 4, 100))).toBe(true);
    const ahead = pace.step('source', 5, 100);
    expect(await settled(ahead)).toBe(false);
    expect(await settled(pace.step('target', 1, 100))).toBe(true);
    expect(await settled(ahead)).toBe(true);
    // The side behind never waits.
    expect(await settled(pace.step('target', 2, 100))).toBe(true);
    // A side past its last statement only reports.
    pace.report('target', 2, 100);
    const again = pace.step('source', 8, 100);
    expect(await settled(again)).toBe(false);
    pace.report('target', 5, 100);
    expect(await settled(again)).toBe(true);
  });

  it('shares, not statement numbers: sides with different statement counts keep pace by the share of their own', async () => {
    const pace = new Pace();
    await pace.step('source', 2, 50);
    await pace.step('target', 10, 200);
    // 5 of 50 statements is 10 %; the target is at 5 %: 5 points ahead, more than MAX_LEAD.
    const source = pace.step('source', 5, 50);
    expect(await settled(source)).toBe(false);
    await pace.step('target', 16, 200);
    expect(await settled(source)).toBe(true);
  });

  it('at least two statements of lead on a side with few statements, so the sides do not go in lockstep', async () => {
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
