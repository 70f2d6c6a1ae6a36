import { describe, expect, it } from 'vitest';
// The bench's pure parts: a wrong drift plan or median would make every bench figure wrong without a sound.
import {
  countReladiffRows,
  parseReladiffStats,
  driftPlan,
  driftSplit,
  foundExactly,
  idsOf,
  incrementalPlan,
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

describe('bench incremental plan (issue 19)', () => {
  it.each([
    [10_000_000, 0],
    [10_000_000, 2],
    [1_000_000, 5],
    [200_000, 0],
  ])('%i rows, round %i: 0.1%% changed, the drift among them, missed inserts above the table', (rows, round) => {
    const plan = incrementalPlan(rows, round);
    const changed = idsOf(plan.changedIds);
    expect(changed).toHaveLength(rows / 1000);
    expect(new Set(changed).size).toBe(changed.length);
    for (const id of changed) expect(id >= 1 && id <= rows).toBe(true);
    const inChanged = new Set(changed);
    const updates = idsOf(plan.missedUpdateIds);
    const deletes = idsOf(plan.missedDeleteIds);
    const inserts = idsOf(plan.missedInsertIds);
    expect([inserts.length, deletes.length, updates.length]).toEqual([plan.missing, plan.extra, plan.changed]);
    expect(plan.missing + plan.extra + plan.changed).toBe(100);
    for (const id of [...updates, ...deletes]) expect(inChanged.has(id)).toBe(true);
    expect(new Set([...updates, ...deletes]).size).toBe(updates.length + deletes.length);
    for (const id of inserts) expect(id).toBeGreaterThan(rows);
    // Spread over the key range, not bunched at its start.
    expect(Math.max(...updates, ...deletes)).toBeGreaterThan(0.9 * rows);
  });

  it('changes a different set of rows, and inserts different ids, every round', () => {
    const a = incrementalPlan(1_000_000, 0);
    const b = incrementalPlan(1_000_000, 1);
    const inA = new Set([...idsOf(a.changedIds), ...idsOf(a.missedInsertIds)]);
    for (const id of [...idsOf(b.changedIds), ...idsOf(b.missedInsertIds)]) expect(inA.has(id)).toBe(false);
  });

  it('refuses a round past the stride and more drift than rows changed', () => {
    expect(() => incrementalPlan(1_000_000, 1_000)).toThrow(/round must be/);
    expect(() => incrementalPlan(10_000, 0, { drifted: 100 })).toThrow(/need 66 of the changed rows, 10 change/);
  });
});
