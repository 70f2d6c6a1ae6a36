import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { itemsOfShard, planShards, shardWeight, type Weighted } from '../../src/engine/shard.js';

const w = (id: string, estimatedRows: number | null): Weighted<string> => ({ item: id, id, estimatedRows });

describe('shardWeight', () => {
  it('rounds to two significant digits and gives unknown or empty tables a weight of 1', () => {
    expect(shardWeight(1_234_567)).toBe(1_200_000);
    expect(shardWeight(1_250_001)).toBe(1_300_000);
    expect(shardWeight(99)).toBe(99);
    expect(shardWeight(0)).toBe(1);
    expect(shardWeight(null)).toBe(1);
    expect(shardWeight(-1)).toBe(1);
  });

  it('a live estimate that moves a little does not change the weight', () => {
    expect(shardWeight(50_123_400)).toBe(shardWeight(50_187_000));
  });
});

describe('planShards', () => {
  it('spreads the largest tables first so the shards balance', () => {
    const items = [w('a', 1000), w('b', 900), w('c', 100), w('d', 100), w('e', 100), w('f', 10)];
    const shards = planShards(items, 2).map((s) => s.map((x) => x.id));
    // greedy: a->1, b->2, c->2 (900<1000), d->1? loads 1000 vs 1000 -> 1, e->2, f->1
    expect(shards).toEqual([['a', 'd', 'f'], ['b', 'c', 'e']]);
    const loads = planShards(items, 2).map((s) => s.reduce((n, x) => n + shardWeight(x.estimatedRows), 0));
    expect(Math.abs(loads[0]! - loads[1]!)).toBeLessThanOrEqual(100);
  });

  it('is round-robin when nothing is known about the sizes', () => {
    const items = ['t1', 't2', 't3', 't4', 't5'].map((id) => w(id, null));
    expect(planShards(items, 2).map((s) => s.map((x) => x.id))).toEqual([['t1', 't3', 't5'], ['t2', 't4']]);
  });

  it('puts every table in exactly one shard, whatever the input order (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ id: fc.string({ minLength: 1, maxLength: 6 }), est: fc.option(fc.integer({ min: 0, max: 10_000_000 })) }), { selector: (r) => r.id, maxLength: 40 }),
        fc.integer({ min: 1, max: 8 }),
        (rows, n) => {
          const items = rows.map((r) => w(r.id, r.est));
          const plan = planShards(items, n).map((s) => s.map((x) => x.id).sort());
          expect(plan.flat().sort()).toEqual(items.map((i) => i.id).sort());
          // permutation-invariant: every shard job computes the same split
          const reversed = planShards([...items].reverse(), n).map((s) => s.map((x) => x.id).sort());
          expect(reversed).toEqual(plan);
          // greedy bound: no shard exceeds the lightest by more than the largest single weight
          const loads = planShards(items, n).map((s) => s.reduce((a, x) => a + shardWeight(x.estimatedRows), 0));
          const maxItem = Math.max(0, ...items.map((i) => shardWeight(i.estimatedRows)));
          expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(maxItem);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('itemsOfShard keeps the input order and rejects a bad shard', () => {
    const items = [w('x', 5), w('y', 500), w('z', 50)];
    expect(itemsOfShard(items, { index: 1, count: 2 })).toEqual(['y']);
    expect(itemsOfShard(items, { index: 2, count: 2 })).toEqual(['x', 'z']);
    expect(() => itemsOfShard(items, { index: 3, count: 2 })).toThrow(/1 <= i <= n/);
    expect(() => planShards(items, 0)).toThrow(/positive integer/);
  });
});
