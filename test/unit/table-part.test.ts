/**
 * Splitting one table across shards (src/engine/part.ts): cuts at histogram quantiles on power-of-two
 * multiples, intervals that cover every key exactly once, filters clipped to a part, hash parts by segment;
 * and the key-histogram statements of both dialects (T-SQL parsed with a T-SQL parser).
 */
import { describe, expect, it } from 'vitest';
import sqlParser from 'node-sql-parser';
import type { SideTable } from '../../src/dialects/types.js';
import { mssqlDialect } from '../../src/dialects/mssql/index.js';
import { postgresDialect } from '../../src/dialects/postgres/index.js';
import { clipFilter, clipRanges, evenCuts, floorTo, hashPartResidues, hashPartSegments, intervalOf, quantileCuts, type HistogramStep } from '../../src/engine/part.js';

/** PostgreSQL-style equal-depth bounds over keys 1..n*step. */
function equalDepth(bounds: number, step: bigint): HistogramStep[] {
  return Array.from({ length: bounds + 1 }, (_, i) => ({ key: BigInt(i) * step + 1n, rows: i === 0 ? 0 : 1 }));
}

describe('quantile cuts', () => {
  it('cut an equal-depth histogram into equal parts, each cut on a power-of-two multiple', () => {
    const cuts = quantileCuts(equalDepth(100, 60_000n), 4);
    expect(cuts).toHaveLength(3);
    const unit = cuts.map((c) => c & -c).reduce((a, b) => (a < b ? a : b));
    expect(unit & (unit - 1n)).toBe(0n);
    expect(unit).toBeGreaterThanOrEqual(1024n);
    // Within an eighth of a part of the exact quartiles (1.5M, 3M, 4.5M).
    cuts.forEach((c, i) => expect(Number(c - BigInt((i + 1) * 1_500_000))).toBeGreaterThan(-1_500_000 / 8));
    cuts.forEach((c, i) => expect(Number(c - BigInt((i + 1) * 1_500_000))).toBeLessThanOrEqual(60_000));
  });

  it('follow the rows, not the key span, on a skewed histogram (SQL Server steps with row counts)', () => {
    const steps: HistogramStep[] = [
      { key: 10n, rows: 900 },
      { key: 20n, rows: 900 },
      { key: 1_000_000n, rows: 100 },
      { key: 2_000_000n, rows: 100 },
    ];
    const cuts = quantileCuts(steps, 2);
    expect(cuts).toHaveLength(1);
    // Half the rows have keys up to 20: the cut is there, not half-way along the key span.
    expect(cuts[0]!).toBeGreaterThanOrEqual(10n);
    expect(cuts[0]!).toBeLessThanOrEqual(20n);
  });

  it('give no cut without statistics, and even cuts over the bounds as the fallback', () => {
    expect(quantileCuts([], 4)).toEqual([]);
    expect(quantileCuts([{ key: 5n, rows: 0 }], 4)).toEqual([]);
    expect(quantileCuts(equalDepth(10, 10n), 1)).toEqual([]);
    const even = evenCuts(0n, 1_000_000n, 4);
    expect(even).toHaveLength(3);
    expect(even[1]! - even[0]!).toBeGreaterThan(200_000n);
  });

  it('round negative keys down too', () => {
    expect(floorTo(-5n, 4n)).toBe(-8n);
    expect(floorTo(-8n, 4n)).toBe(-8n);
    expect(floorTo(7n, 4n)).toBe(4n);
  });
});

describe('intervals and filters', () => {
  const cuts = [100n, 200n, 300n];
  it('cover every key exactly once, the outer ones open', () => {
    const parts = [1, 2, 3, 4].map((index) => intervalOf(cuts, { index, count: 4 })!);
    expect(parts).toEqual([
      { lo: null, hi: 99n },
      { lo: 100n, hi: 199n },
      { lo: 200n, hi: 299n },
      { lo: 300n, hi: null },
    ]);
    for (const k of [-(2n ** 63n), 0n, 99n, 100n, 250n, 300n, 2n ** 63n - 1n]) {
      const owners = parts.filter((p) => (p.lo === null || k >= p.lo) && (p.hi === null || k <= p.hi));
      expect(owners).toHaveLength(1);
    }
    // Fewer distinct cuts than parts (a tiny table): the parts past the last cut are empty.
    expect(intervalOf([100n], { index: 3, count: 4 })).toBeNull();
  });

  it('clip key ranges to a part and leave other filters alone', () => {
    expect(clipRanges([[0n, 150n], [180n, 260n], [400n, 500n]], { lo: 100n, hi: 199n })).toEqual([[100n, 150n], [180n, 199n]]);
    expect(clipFilter({ kind: 'ranges', ranges: [[0n, 50n]] }, { lo: 100n, hi: null })).toEqual({ kind: 'ranges', ranges: [] });
    expect(clipFilter({ kind: 'all' }, { lo: 1n, hi: 2n })).toEqual({ kind: 'all' });
    expect(clipFilter({ kind: 'ranges', ranges: [[0n, 50n]] }, undefined)).toEqual({ kind: 'ranges', ranges: [[0n, 50n]] });
  });

  it('split hash buckets by segment: every bucket in one part, the parts\' segments adding up', () => {
    const modulus = 64;
    const segments = 8;
    const all = [1, 2, 3].flatMap((index) => hashPartResidues(modulus, segments, { index, count: 3 }));
    expect(all.sort((a, b) => a - b)).toEqual(Array.from({ length: modulus }, (_, i) => i));
    expect([1, 2, 3].map((index) => hashPartSegments(segments, { index, count: 3 }))).toEqual([3, 3, 2]);
    // A bucket's segment is its residue modulo the segment count: part 2 of 3 holds segments 1, 4 and 7.
    expect(hashPartResidues(modulus, segments, { index: 2, count: 3 }).map((b) => b % segments)).toEqual(expect.arrayContaining([1, 4, 7]));
  });
});

describe('key histogram statements', () => {
  const t: SideTable = {
    table: { schema: 'sales', name: "order's" },
    columns: [],
    keys: [{ column: { name: 'id]x', dataType: 'bigint', precision: null, scale: null, length: null, datetimePrecision: null, nullable: false, collation: null, ordinal: 1 }, canonical: { type: 'int' } }],
  };

  it('PostgreSQL reads pg_stats with every name bound', () => {
    const s = postgresDialect.keyHistogramStatement(t);
    expect(s.values).toEqual(['sales', "order's", 'id]x']);
    expect(s.text).not.toContain("order's");
    expect(s.text).toMatch(/FROM pg_catalog\.pg_stats AS s/);
  });

  it('SQL Server reads the statistics histogram; the T-SQL parses, names bound, result columns key and rows', () => {
    const s = mssqlDialect.keyHistogramStatement(t);
    expect(s.values).toEqual(["[sales].[order's]", 'id]x']);
    expect(s.text).not.toContain('id]x');
    const ast = new sqlParser.Parser().astify(s.text, { database: 'TransactSQL' });
    const select = (Array.isArray(ast) ? ast[0] : ast) as unknown as { columns: Array<{ as: string | { value: string } }> };
    expect(select.columns.map((c) => (typeof c.as === 'string' ? c.as : c.as.value))).toEqual(['key', 'rows']);
    expect(s.text).toMatch(/sys\.dm_db_stats_histogram/);
  });

  it('need exactly one key column', () => {
    expect(() => postgresDialect.keyHistogramStatement({ ...t, keys: [] })).toThrow(/exactly one key column/);
    expect(() => mssqlDialect.keyHistogramStatement({ ...t, keys: [t.keys[0]!, t.keys[0]!] })).toThrow(/exactly one key column/);
  });
});
