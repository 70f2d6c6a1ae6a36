import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eachPackedBucket } from '../../src/dialects/postgres/packed-buckets.js';
import { SumTable } from '../../src/engine/sum-table.js';
import { addHalves, halvesOf, negatedHigh, negatedLow } from '../../src/util/sum64.js';

const wide = fc.bigInt({ min: -(2n ** 90n), max: 2n ** 90n });
const joined = (hi: number, lo: number) => (BigInt(hi) << 32n) | BigInt(lo);

describe('sums modulo 2^64 as 32-bit halves', () => {
  it('halves, addition with carry and negation agree with BigInt arithmetic modulo 2^64', () => {
    fc.assert(
      fc.property(fc.array(wide, { minLength: 1, maxLength: 20 }), (sums) => {
        const high = new Uint32Array(1);
        const low = new Uint32Array(1);
        for (const s of sums) {
          const { hi, lo } = halvesOf(s);
          addHalves(high, low, 0, hi, lo);
        }
        const total = sums.reduce((a, b) => a + b, 0n);
        expect(joined(high[0]!, low[0]!)).toBe(BigInt.asUintN(64, total));
        const { hi, lo } = halvesOf(total);
        expect(joined(negatedHigh(hi, lo), negatedLow(lo))).toBe(BigInt.asUintN(64, -total));
      }),
    );
  });
});

describe('SumTable: sums by key in typed arrays', () => {
  it('holds exactly the keys whose sum is not 0 modulo 2^64, like a Map of BigInts, through growth and removals', () => {
    const op = fc.record({ key: fc.integer({ min: 0, max: 3000 }), sum: fc.oneof(wide, fc.constantFrom(0n, 1n, -1n, 2n ** 64n)) });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 3000 }), fc.integer({ min: 1, max: 6 }), (ops, bits) => {
        const table = new SumTable(bits);
        const reference = new Map<number, bigint>();
        for (const { key, sum } of ops) {
          const { hi, lo } = halvesOf(sum);
          table.add(key, hi, lo);
          const v = BigInt.asUintN(64, (reference.get(key) ?? 0n) + sum);
          if (v === 0n) reference.delete(key);
          else reference.set(key, v);
        }
        expect(table.size).toBe(reference.size);
        expect([...table.keys()].sort((a, b) => a - b)).toEqual([...reference.keys()].sort((a, b) => a - b));
        // Cancelling every held sum empties the table: each key is still found where it was put.
        for (const [key, v] of reference) {
          const { hi, lo } = halvesOf(-v);
          table.add(key, hi, lo);
        }
        expect(table.size).toBe(0);
        expect([...table.keys()]).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it('subtract takes a sum away: the same sums added on one side and subtracted on the other leave only what differs', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 500 }), wide), { maxLength: 400 }), fc.integer({ min: 0, max: 500 }), wide, (pairs, odd, extra) => {
        const table = new SumTable(3);
        const keys = new Map(pairs);
        for (const [key, sum] of keys) {
          const { hi, lo } = halvesOf(sum);
          table.add(key, hi, lo);
          table.subtract(key, hi, lo);
        }
        expect(table.size).toBe(0);
        const { hi, lo } = halvesOf(extra);
        table.subtract(odd, hi, lo);
        expect([...table.keys()]).toEqual(BigInt.asUintN(64, extra) === 0n ? [] : [odd]);
      }),
      { numRuns: 60 },
    );
  });

  it('counts ride with the sums: a key stays while its sum or its count is not 0, and countOf reads the count', () => {
    const op = fc.record({ key: fc.integer({ min: 0, max: 300 }), sum: fc.oneof(wide, fc.constant(0n)), count: fc.integer({ min: -2, max: 2 }), side: fc.boolean() });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 1500 }), fc.integer({ min: 1, max: 5 }), (ops, bits) => {
        const table = new SumTable(bits);
        const reference = new Map<number, { sum: bigint; count: number }>();
        for (const { key, sum, count, side } of ops) {
          const { hi, lo } = halvesOf(sum);
          if (side) table.add(key, hi, lo, count);
          else table.subtract(key, hi, lo, count);
          const was = reference.get(key) ?? { sum: 0n, count: 0 };
          const now = { sum: BigInt.asUintN(64, was.sum + (side ? sum : -sum)), count: was.count + (side ? count : -count) };
          if (now.sum === 0n && now.count === 0) reference.delete(key);
          else reference.set(key, now);
        }
        expect([...table.keys()].sort((a, b) => a - b)).toEqual([...reference.keys()].sort((a, b) => a - b));
        for (let key = 0; key <= 300; key += 1) expect(table.countOf(key)).toBe(reference.get(key)?.count ?? 0);
      }),
      { numRuns: 60 },
    );
  });

  it('a key one side has and the other lacks keeps its count difference even where the hashes are equal', () => {
    const table = new SumTable(2);
    table.add(4, 0, 0, 1);
    table.add(9, 1, 2, 1);
    table.subtract(9, 1, 2, 1);
    table.subtract(11, 0, 5, 1);
    expect([...table.keys()].sort((a, b) => a - b)).toEqual([4, 11]);
    expect([table.countOf(4), table.countOf(9), table.countOf(11)]).toEqual([1, 0, -1]);
  });

  it('clear forgets every key', () => {
    const table = new SumTable(2);
    for (let k = 0; k < 100; k += 1) table.add(k, 0, 1);
    table.clear();
    expect(table.size).toBe(0);
    table.add(7, 0, 1);
    expect([...table.keys()]).toEqual([7]);
  });
});

describe("PostgreSQL's packed chunk answer", () => {
  const read = (text: string) => {
    const out: Array<[number, number, bigint]> = [];
    eachPackedBucket(text, (bucket, count, hi, lo) => out.push([bucket, count, joined(hi, lo)]));
    return out;
  };

  it('reads "bucket count q r" quadruples: the sum q * 2^32 + r modulo 2^64, a negative r borrowing from q', () => {
    const sums = [0n, 5n, -1n, 2n ** 32n, -(2n ** 32n) - 7n, 2n ** 63n * 3000n + 11n, -(2n ** 63n) * 12345n - 2n ** 31n];
    // What `div(sum, 2^32) % 2^32` and `sum % 2^32` print: both truncate toward zero, like BigInt division.
    const text = sums.map((s, i) => `${i - 1} ${i * 10} ${(s / 2n ** 32n) % 2n ** 32n} ${s % 2n ** 32n}`).join(' ');
    expect(read(text)).toEqual(sums.map((s, i) => [i - 1, i * 10, BigInt.asUintN(64, s)]));
  });

  it('an empty answer adds nothing; anything but four integers per bucket is an error that says where', () => {
    expect(read('')).toEqual([]);
    for (const bad of ['1 2 3', '1 2 3 4 5', '1 2 x 4', '1  2 3 4', '1 2 3 4 ', '1 2 3 +4', '1 2 4294967296 0', '1 2 0 -4294967296', '1 2 3 4\n']) {
      expect(() => read(bad), bad).toThrow(/malformed packed checksum answer at character \d+/);
    }
  });
});
