/**
 * Range buckets in 64-bit integer arithmetic where that is exact (issue 18), numeric / DECIMAL(20,0) where keys
 * lie more than 2^63 from the base. Both dialects choose alike (one shared rule).
 */
import { describe, expect, it } from 'vitest';
import sqlParser from 'node-sql-parser';
import type { CatalogColumn, SegmentFilter, SideTable } from '../../src/dialects/types.js';
import { bigintBucketExact } from '../../src/dialects/range-bucket.js';
import { mssqlDialect } from '../../src/dialects/mssql/index.js';
import { postgresDialect } from '../../src/dialects/postgres/index.js';

const MIN = -(2n ** 63n);
const MAX = 2n ** 63n - 1n;
const INT64 = [MIN, MAX] as const;
const INT32 = [-(2n ** 31n), 2n ** 31n - 1n] as const;
const all: SegmentFilter = { kind: 'all' };
const ranges = (...r: Array<[bigint, bigint]>): SegmentFilter => ({ kind: 'ranges', ranges: r });

function col(name: string, dataType: string): CatalogColumn {
  return { name, dataType, precision: null, scale: null, length: null, datetimePrecision: null, nullable: false, collation: null, ordinal: 1 };
}
function table(keyType: string, schema: string): SideTable {
  const id = { column: col('id', keyType), canonical: { type: 'int' as const } };
  const v = { column: col('v', 'bigint'), canonical: { type: 'int' as const } };
  return { table: { schema, name: 't' }, columns: [id, v], keys: [id] };
}

describe('bigintBucketExact', () => {
  it('bigint keys from base 0 (ids 1..n): exact over the whole type', () => {
    expect(bigintBucketExact(INT64, { kind: 'range', base: 0n, width: 1024n }, all)).toBe(true);
    expect(bigintBucketExact(INT64, { kind: 'range', base: 0n, width: 2n ** 62n }, all)).toBe(true);
  });
  it('a base away from 0: exact only inside the filter ranges, never over the whole bigint type', () => {
    const b = { kind: 'range' as const, base: 1_000_000n, width: 64n };
    expect(bigintBucketExact(INT64, b, all)).toBe(false);
    expect(bigintBucketExact(INT64, b, ranges([1_000_000n, 2_000_000n], [5_000_000n, 6_000_000n]))).toBe(true);
    expect(bigintBucketExact(INT64, b, ranges([MIN, 0n]))).toBe(false);
    // A 32-bit key minus a 64-bit base: exact over the whole int type unless the base is near the bigint ends.
    expect(bigintBucketExact(INT32, b, all)).toBe(true);
    expect(bigintBucketExact(INT32, { kind: 'range', base: MIN, width: 1n }, all)).toBe(false);
  });
  it('keys near both ends of bigint: the numeric path (key - base would overflow)', () => {
    expect(bigintBucketExact(INT64, { kind: 'range', base: MIN, width: 1n }, all)).toBe(false);
    expect(bigintBucketExact(INT64, { kind: 'range', base: MIN, width: 1n }, ranges([MIN, MIN + 100n]))).toBe(true);
    expect(bigintBucketExact(INT64, { kind: 'range', base: MIN, width: 1n }, ranges([MIN, MIN + 100n], [MAX - 10n, MAX]))).toBe(false);
    expect(bigintBucketExact(INT64, { kind: 'range', base: MIN, width: 1n }, ranges([-2n, -1n]))).toBe(true);
    expect(bigintBucketExact(INT64, { kind: 'range', base: MIN, width: 1n }, ranges([-1n, 0n]))).toBe(false);
    // Ranges past the type's ends (an upper bound beyond 2^63 - 1) are cut to the type first.
    expect(bigintBucketExact(INT64, { kind: 'range', base: 0n, width: 2n ** 62n }, ranges([0n, 2n ** 64n]))).toBe(true);
  });
  it('base or width outside bigint, a width below 1, or a key type it does not know: the numeric path', () => {
    expect(bigintBucketExact(INT64, { kind: 'range', base: 0n, width: 2n ** 63n }, ranges([0n, 10n]))).toBe(false);
    expect(bigintBucketExact(INT64, { kind: 'range', base: -(2n ** 64n), width: 2n ** 62n }, ranges([0n, 10n]))).toBe(false);
    expect(bigintBucketExact(INT64, { kind: 'range', base: 0n, width: 0n }, ranges([0n, 10n]))).toBe(false);
    expect(bigintBucketExact(undefined, { kind: 'range', base: 0n, width: 4n }, ranges([0n, 10n]))).toBe(false);
  });
});

describe('PostgreSQL range buckets', () => {
  it('bigint arithmetic where exact: (key - base) / width, bound as bigint', () => {
    for (const type of ['bigint', 'integer', 'smallint']) {
      const s = postgresDialect.segmentChecksumStatement(table(type, 'public'), ranges([1n, 1000n]), { kind: 'range', base: 0n, width: 16n });
      expect(s.text).toContain('SELECT ("id" - $1::bigint) / $2::bigint AS bucket');
      expect(s.text).not.toContain('::numeric');
      expect(s.values.slice(0, 2)).toEqual(['0', '16']);
    }
  });
  it('numeric div() where bigint could overflow, and for a key type it does not know', () => {
    const wide = postgresDialect.segmentChecksumStatement(table('bigint', 'public'), all, { kind: 'range', base: MIN, width: 1n });
    expect(wide.text).toContain('SELECT div(("id")::numeric - $1::numeric, $2::numeric) AS bucket');
    const other = postgresDialect.segmentChecksumStatement(table('numeric', 'public'), ranges([1n, 10n]), { kind: 'range', base: 0n, width: 4n });
    expect(other.text).toContain('div(("id")::numeric');
  });
});

describe('SQL Server range buckets', () => {
  const parser = new sqlParser.Parser();
  it('BIGINT arithmetic where exact, parsed as T-SQL', () => {
    for (const type of ['bigint', 'int', 'smallint', 'tinyint']) {
      const s = mssqlDialect.segmentChecksumStatement(table(type, 'dbo'), ranges([1n, 200n]), { kind: 'range', base: 0n, width: 16n });
      expect(s.text).toContain('SELECT ([id] - @p1) / @p2 AS bucket');
      expect(s.text).not.toContain('DECIMAL(20, 0)');
      // JS bigints: bound as BIGINT (connect.ts), so the key of any integer type is promoted to BIGINT.
      expect(s.values.slice(0, 2)).toEqual([0n, 16n]);
      expect(() => parser.astify(s.text.replace(/\bCOUNT_BIG\(/g, 'COUNT('), { database: 'TransactSQL' })).not.toThrow();
    }
  });
  it('DECIMAL(20,0) where BIGINT could overflow (Msg 8115)', () => {
    const s = mssqlDialect.segmentChecksumStatement(table('bigint', 'dbo'), ranges([MIN, MAX]), { kind: 'range', base: MIN, width: 1n });
    expect(s.text).toContain('CONVERT(DECIMAL(20, 0), ROUND((CONVERT(DECIMAL(20, 0), [id]) - @p1) / @p2, 0, 1)) AS bucket');
  });
});
