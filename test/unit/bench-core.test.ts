import { describe, expect, it } from 'vitest';
// The bench's pure parts: a wrong drift plan or median would make every bench figure wrong without a sound.
import {
  countReladiffRows,
  parseReladiffStats,
  driftPlan,
  driftSplit,
  foundExactly,
  idsOf,
  median,
  ratio,
  roundOrder,
  summary,
} from '../../scripts/bench/core.mjs';

describe('bench drift plan', () => {
  it('splits 1,000 drifted rows into exactly 334 missing, 333 extra and 333 changed', () => {
    expect(driftSplit(1000)).toEqual({ missing: 334, extra: 333, changed: 333 });
    expect(driftSplit(100_000)).toEqual({ missing: 33_334, extra: 33_333, changed: 33_333 });
    expect(driftSplit(2)).toEqual({ missing: 1, extra: 0, changed: 1 });
    expect(driftSplit(0)).toEqual({ missing: 0, extra: 0, changed: 0 });
  });

  it.each([
    [1_000_000, 1_000],
    [100_000, 100_000],
    [10_000_000, 1_000],
    [5_000, 1_000],
  ])('%i rows, %i drifted: distinct ids, missing and changed inside the table, extra above it', (rows, drifted) => {
    const plan = driftPlan(rows, drifted);
    const missing = idsOf(plan.missingIds);
    const changed = idsOf(plan.changedIds);
    const extra = idsOf(plan.extraIds);
    expect([missing.length, extra.length, changed.length]).toEqual([plan.missing, plan.extra, plan.changed]);
    expect(missing.length + extra.length + changed.length).toBe(drifted);
    expect(new Set([...missing, ...changed, ...extra]).size).toBe(drifted);
    for (const id of [...missing, ...changed]) expect(id >= 1 && id <= rows).toBe(true);
    for (const id of extra) expect(id).toBeGreaterThan(rows);
  });

  it('scatters the drift over the whole key range', () => {
    const plan = driftPlan(1_000_000, 1_000);
    expect(Math.max(...idsOf(plan.missingIds), ...idsOf(plan.changedIds))).toBeGreaterThan(990_000);
  });

  it('refuses more drift than the table can take', () => {
    expect(() => driftPlan(100, 1_000)).toThrow(/need 667 existing rows/);
  });
});

describe('bench statistics', () => {
  it('median of odd and even counts, and the spread', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(summary([5, 1, 3, NaN])).toEqual({ median: 3, min: 1, max: 5, n: 3 });
  });

  it('ratio of medians with the spread from the extremes', () => {
    const r = ratio(summary([10, 12, 14]), summary([8, 10, 12]));
    expect(r.median).toBeCloseTo(1.2);
    expect(r.min).toBeCloseTo(10 / 12);
    expect(r.max).toBeCloseTo(14 / 8);
    expect(Number.isNaN(ratio(summary([1]), summary([])).median)).toBe(true);
  });

  it('rotates the tool order every round', () => {
    expect(roundOrder(['a', 'b', 'c'], 0)).toEqual(['a', 'b', 'c']);
    expect(roundOrder(['a', 'b', 'c'], 1)).toEqual(['b', 'c', 'a']);
    expect(roundOrder(['a', 'b', 'c'], 3)).toEqual(['a', 'b', 'c']);
  });
});

describe('reladiff output', () => {
  it('counts rows by key: "-" only is missing, "+" only is extra, both is changed', () => {
    const out = [
      '["-", ["1", "5", "a"]]',
      '["+", ["1", "5", "b"]]',
      '["-", ["2", "5", "a"]]',
      '["+", ["9", "5", "a"]]',
      '["+", ["10", "5", "a"]]',
      '',
    ].join('\n');
    const found = countReladiffRows(out);
    expect(found).toEqual({ missing: 1, extra: 2, changed: 1 });
    expect(foundExactly(found, { missing: 1, extra: 2, changed: 1 })).toBe(true);
    expect(foundExactly(found, { missing: 2, extra: 1, changed: 1 })).toBe(false);
  });
});

describe('reladiff --stats output', () => {
  it('reads missing, extra and changed from exclusive_A, exclusive_B and updated', () => {
    const out = 'some log line\n{"rows_A": 10, "rows_B": 9, "exclusive_A": 3, "exclusive_B": 2, "updated": 4, "unchanged": 3, "total": 9, "stats": {}}\n';
    expect(parseReladiffStats(out)).toEqual({ missing: 3, extra: 2, changed: 4 });
    expect(() => parseReladiffStats('nothing')).toThrow(/no JSON stats/);
  });
});
