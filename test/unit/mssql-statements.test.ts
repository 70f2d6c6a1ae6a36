/**
 * Every T-SQL statement the SQL Server dialect generates, parsed with a T-SQL
 * parser (node-sql-parser, TransactSQL mode), with the result columns the
 * engine reads. Two substitutions are made for the parse check only, because
 * the parser does not know these (valid) T-SQL forms:
 *  - COUNT_BIG(*) -> COUNT(*)   (COUNT_BIG is COUNT returning BIGINT);
 *  - `<function call> COLLATE Latin1_General_100_BIN2_UTF8` -> `<function call>`
 *    (the parser accepts COLLATE after a column, not after a call; the exact
 *    collation clause is pinned in mssql-canonical.test.ts).
 * Nothing else is changed: what the parser reads is otherwise the exact text sent.
 */
import { describe, expect, it } from 'vitest';
import sqlParser from 'node-sql-parser';
import type { CanonicalSpec } from '../../src/canonical/types.js';
import type { Bucketing, CatalogColumn, SegmentFilter, SideColumn, SideTable, Statement } from '../../src/dialects/types.js';
import { mssqlDialect } from '../../src/dialects/mssql/index.js';
import { MAX_BOUND_LIST } from '../../src/dialects/mssql/statements.js';
import { mergeRanges } from '../../src/util/ranges.js';
import { COLUMNS_SQL, KEY_SQL, PROBE_SQL, TABLE_SQL } from '../../src/dialects/mssql/catalog.js';

const { Parser } = sqlParser;
const parser = new Parser();

/** The two parse-only substitutions described above; anything else is parsed as sent. */
function forParser(sql: string): string {
  return sql.replace(/\bCOUNT_BIG\(/g, 'COUNT(').replace(/\) COLLATE Latin1_General_100_BIN2_UTF8\b/g, ')');
}

interface SelectAst {
  type: string;
  columns: Array<{ as: string | null | { value?: string } }>;
  from: Array<{ table?: string; db?: string; expr?: unknown; as?: string }>;
  where: unknown;
  groupby: unknown;
}

function parse(sql: string): SelectAst {
  const ast = parser.astify(forParser(sql), { database: 'TransactSQL' });
  const list = Array.isArray(ast) ? ast : [ast];
  expect(list).toHaveLength(1);
  return list[0] as unknown as SelectAst;
}

function aliases(ast: SelectAst): string[] {
  return ast.columns.map((c) => (typeof c.as === 'string' ? c.as : (c.as?.value ?? '')));
}

function col(name: string, dataType: string, o: { p?: number; s?: number; dp?: number } = {}): CatalogColumn {
  return { name, dataType, precision: o.p ?? null, scale: o.s ?? null, length: null, datetimePrecision: o.dp ?? null, nullable: true, collation: null, ordinal: 1 };
}

const sc = (column: CatalogColumn, canonical: CanonicalSpec): SideColumn => ({ column, canonical });

/** Every server-side type in one table, integer key first. */
const COLUMNS: SideColumn[] = [
  sc(col('id', 'bigint'), { type: 'int' }),
  sc(col('flag', 'bit'), { type: 'bool' }),
  sc(col('qty', 'smallint'), { type: 'int' }),
  sc(col('price', 'decimal', { p: 12, s: 4 }), { type: 'decimal', scale: 4 }),
  sc(col('rounded', 'decimal', { p: 38, s: 10 }), { type: 'decimal', scale: 2 }),
  sc(col('trimmed', 'numeric', { p: 12, s: 4 }), { type: 'decimal' }),
  sc(col('tiny', 'decimal', { p: 5, s: 5 }), { type: 'decimal', scale: 5 }),
  sc(col('cash', 'money'), { type: 'decimal', scale: 4 }),
  sc(col('day', 'date'), { type: 'date' }),
  sc(col('at', 'time', { dp: 7 }), { type: 'time', fractionalDigits: 6 }),
  sc(col('ts', 'datetime2', { dp: 7 }), { type: 'timestamp', fractionalDigits: 6 }),
  sc(col('legacy', 'datetime', { dp: 3 }), { type: 'timestamp', fractionalDigits: 3 }),
  sc(col('small', 'smalldatetime', { dp: 0 }), { type: 'timestamp', fractionalDigits: 0 }),
  sc(col('zoned', 'datetimeoffset', { dp: 7 }), { type: 'timestamptz', fractionalDigits: 6 }),
  sc(col('guid', 'uniqueidentifier'), { type: 'uuid' }),
  sc(col('name', 'nvarchar'), { type: 'text' }),
  sc(col('code', 'char'), { type: 'text', rtrim: true }),
  sc(col('blob', 'varbinary'), { type: 'binary' }),
];

const intKeyed: SideTable = { table: { schema: 'dbo', name: 'everything' }, columns: COLUMNS, keys: COLUMNS.slice(0, 1) };
const composite: SideTable = {
  table: { schema: 'sales', name: 'lines' },
  columns: [sc(col('guid', 'uniqueidentifier'), { type: 'uuid' }), sc(col('name', 'nvarchar'), { type: 'text' }), sc(col('n', 'int'), { type: 'int' }), sc(col('v', 'real'), { type: 'float', floatDigits: 6 })].slice(0, 3),
  keys: [sc(col('guid', 'uniqueidentifier'), { type: 'uuid' }), sc(col('name', 'nvarchar'), { type: 'text' })],
  where: "[n] > 0 AND [name] <> 'x'",
};

const FILTERS: Array<[string, SegmentFilter]> = [
  ['all', { kind: 'all' }],
  ['one range', { kind: 'ranges', ranges: [[1n, 100n]] }],
  ['three ranges', { kind: 'ranges', ranges: [[1n, 10n], [50n, 60n], [-9223372036854775808n, -5n]] }],
  ['residues', { kind: 'residues', modulus: 16, residues: [0, 3, 15] }],
];
const BUCKETINGS: Array<[string, Bucketing]> = [
  ['range', { kind: 'range', base: 1n, width: 1000n }],
  ['unit-wide range', { kind: 'range', base: 1n, width: 16n }],
  ['one-key range', { kind: 'range', base: 1n, width: 1n }],
  ['hash', { kind: 'hash', modulus: 64 }],
];

function params(stmt: Statement): number[] {
  return [...new Set([...stmt.text.matchAll(/@p(\d+)\b/g)].map((m) => Number(m[1])))].sort((a, b) => a - b);
}

function expectBound(stmt: Statement): void {
  const used = params(stmt);
  expect(used).toEqual(stmt.values.map((_, i) => i + 1));
}

describe('statements parse as T-SQL with the engine\'s result columns', () => {
  it('count', () => {
    const s = mssqlDialect.countStatement(intKeyed);
    const ast = parse(s.text);
    expect(ast.type).toBe('select');
    expect(aliases(ast)).toEqual(['n']);
    expect(ast.from[0]).toMatchObject({ db: 'dbo', table: 'everything' });
    expect(s.text).toContain('COUNT_BIG(*)');
    expectBound(s);
  });

  it('count with a trusted where filter', () => {
    const s = mssqlDialect.countStatement(composite);
    expect(s.text).toContain(`WHERE ([n] > 0 AND [name] <> 'x')`);
    expect(parse(s.text).where).toBeTruthy();
  });

  it('key bounds', () => {
    const s = mssqlDialect.keyBoundsStatement(intKeyed);
    expect(aliases(parse(s.text))).toEqual(['lo', 'hi']);
    expect(() => mssqlDialect.keyBoundsStatement(composite)).toThrow(/exactly one integer key/);
  });

  for (const [fname, filter] of FILTERS) {
    for (const [bname, bucketing] of BUCKETINGS) {
      it(`segment checksum, filter ${fname}, ${bname} buckets`, () => {
        const s = mssqlDialect.segmentChecksumStatement(intKeyed, filter, bucketing);
        const ast = parse(s.text);
        expect(aliases(ast)).toEqual(['bucket', 'cnt', 'sum']);
        expect(ast.groupby).toBeTruthy();
        expect(s.text).toContain('SUM(CONVERT(DECIMAL(38, 0), __cdc_s.h))');
        expect(s.text).toContain("HASHBYTES('MD5', ");
        expectBound(s);
      });
    }
    it(`leaf rows, filter ${fname}`, () => {
      const s = mssqlDialect.leafRowsStatement(intKeyed, filter);
      expect(aliases(parse(s.text))).toEqual(['key_text', 'row_hash', ...COLUMNS.map((_, i) => `c${i}`)]);
      expectBound(s);
    });
    it(`row stream, filter ${fname}`, () => {
      const s = mssqlDialect.rowStreamStatement(intKeyed, filter);
      expect(aliases(parse(s.text))).toEqual(COLUMNS.map((_, i) => `c${i}`));
      // Only a residue filter hashes (the engine's client mode filters residues itself and never sends one).
      expect(s.text.includes('HASHBYTES')).toBe(filter.kind === 'residues');
      expectBound(s);
    });
  }

  it('composite uuid + text key: hash buckets and residues only (no range predicate on the key)', () => {
    const cs = mssqlDialect.segmentChecksumStatement(composite, { kind: 'residues', modulus: 8, residues: [1, 2] }, { kind: 'hash', modulus: 8 });
    expect(aliases(parse(cs.text))).toEqual(['bucket', 'cnt', 'sum']);
    expect(cs.text).not.toMatch(/BETWEEN/);
    expect(cs.values).toEqual([8, 8, 1, 2]);
    const leaf = mssqlDialect.leafRowsStatement(composite, { kind: 'residues', modulus: 8, residues: [7] });
    expect(aliases(parse(leaf.text))).toEqual(['key_text', 'row_hash', 'c0', 'c1', 'c2']);
    expect(() => mssqlDialect.segmentChecksumStatement(composite, { kind: 'all' }, { kind: 'range', base: 0n, width: 10n })).toThrow(/exactly one integer key/);
  });

  it('one-column table (key only) works: the row text needs no second argument', () => {
    const one: SideTable = { table: { schema: 'dbo', name: 'one' }, columns: COLUMNS.slice(0, 1), keys: COLUMNS.slice(0, 1) };
    const s = mssqlDialect.leafRowsStatement(one, { kind: 'all' });
    expect(aliases(parse(s.text))).toEqual(['key_text', 'row_hash', 'c0']);
  });

  it('catalog and probe queries parse and bind the names as parameters', () => {
    expect(aliases(parse(TABLE_SQL))).toEqual(['schema_name', 'table_name', 'object_id', 'est']);
    expect(TABLE_SQL).toMatch(/s\.name = COALESCE\(@p1, SCHEMA_NAME\(\)\) AND t\.name = @p2/);
    expect(aliases(parse(COLUMNS_SQL))).toEqual(['column_name', 'type_name', 'num_precision', 'num_scale', 'max_length', 'is_nullable', 'collation_name', 'column_id', 'is_computed']);
    expect(aliases(parse(KEY_SQL))).toEqual(['index_id', 'is_primary_key', 'column_name', 'key_ordinal', 'is_nullable']);
    expect(aliases(parse(PROBE_SQL))).toEqual(['product_version', 'engine_edition', 'utf8_code_page', 'snapshot_state', 'rcsi', 'compat', 'edition', 'product_level']);
  });

  it('the parse check does fail on broken T-SQL (it is not a rubber stamp)', () => {
    const good = mssqlDialect.countStatement(intKeyed).text;
    expect(() => parse(good.replace('FROM', 'FORM'))).toThrow();
    expect(() => parse(good.replace('[everything]', '[everything'))).toThrow();
    expect(() => parse(`${good}; DROP TABLE x`)).toThrow();
  });
});

describe('canonical form 3: range sums hash units of rows', () => {
  const unitAgg = /HASHBYTES\('MD5', STRING_AGG\(__cdc_r\.t, CHAR\(10\)\) WITHIN GROUP \(ORDER BY __cdc_r\.k\)\)/;
  it('a bucket wider than a unit: rows grouped by bucket and unit (keys trunc((key - base) / 64)), the texts of a unit joined in key order', () => {
    const s = mssqlDialect.segmentChecksumStatement(intKeyed, { kind: 'ranges', ranges: [[1n, 5000n]] }, { kind: 'range', base: 1n, width: 1024n });
    expect(s.text).toMatch(unitAgg);
    expect(s.text).toContain('GROUP BY __cdc_r.bucket, __cdc_r.unit');
    expect(s.text).toContain('CONVERT(VARCHAR(20), SUM(__cdc_s.cnt)) AS cnt');
    expect(s.text).toContain('[id] AS k');
    // base and width of the bucket, base and the unit's 64 keys.
    expect(s.values.slice(0, 4)).toEqual([1n, 1024n, 1n, 64n]);
    expect(aliases(parse(s.text))).toEqual(['bucket', 'cnt', 'sum']);
  });

  it('a bucket of a unit or less is its own unit; a bucket of one key is the row hash (no STRING_AGG)', () => {
    const unitWide = mssqlDialect.segmentChecksumStatement(intKeyed, { kind: 'all' }, { kind: 'range', base: 1n, width: 64n });
    expect(unitWide.text).toMatch(unitAgg);
    expect(unitWide.values).toEqual([1n, 64n]);
    const perKey = mssqlDialect.segmentChecksumStatement(intKeyed, { kind: 'all' }, { kind: 'range', base: 1n, width: 1n });
    expect(perKey.text).not.toContain('STRING_AGG');
    expect(perKey.text).toContain('COUNT_BIG(*)) AS cnt');
    // Hash buckets: a row hash per row, as before.
    expect(mssqlDialect.segmentChecksumStatement(intKeyed, { kind: 'all' }, { kind: 'hash', modulus: 64 }).text).not.toContain('STRING_AGG');
  });

  it('row streams come in key order, for client hashing of units', () => {
    expect(mssqlDialect.rowStreamStatement(intKeyed, { kind: 'ranges', ranges: [[1n, 9n]] }).text).toMatch(/ ORDER BY \[id\]$/);
  });
});

describe('filters and parameters', () => {
  it('binds range bounds as BIGINT values and merges overlapping / adjacent ranges', () => {
    const s = mssqlDialect.countStatement({ ...intKeyed });
    expect(s.values).toEqual([]);
    const cs = mssqlDialect.leafRowsStatement(intKeyed, { kind: 'ranges', ranges: [[20n, 30n], [1n, 10n], [11n, 15n], [25n, 40n]] });
    expect(cs.values).toEqual([1n, 15n, 20n, 40n]);
    expect(cs.text).toContain('([id] BETWEEN @p1 AND @p2 OR [id] BETWEEN @p3 AND @p4)');
    expect(mergeRanges([[5n, 1n]])).toEqual([]);
  });

  it('an empty range or residue list selects nothing', () => {
    expect(mssqlDialect.rowStreamStatement(intKeyed, { kind: 'ranges', ranges: [] }).text).toMatch(/WHERE 1 = 0 ORDER BY \[id\]$/);
    expect(mssqlDialect.rowStreamStatement(intKeyed, { kind: 'residues', modulus: 4, residues: [] }).text).toMatch(/WHERE 1 = 0 ORDER BY \[id\]$/);
  });

  it(`stays under SQL Server's 2100 parameters: beyond ${MAX_BOUND_LIST} ranges the bounds are integer literals from bigints`, () => {
    const ranges = Array.from({ length: MAX_BOUND_LIST + 1 }, (_, i) => [BigInt(i * 10), BigInt(i * 10 + 5)] as const);
    const s = mssqlDialect.segmentChecksumStatement(intKeyed, { kind: 'ranges', ranges }, { kind: 'range', base: 0n, width: 10n });
    expect(s.values).toEqual([0n, 10n]);
    expect(s.text).toContain('[id] BETWEEN 10000 AND 10005');
    expect(parse(s.text).type).toBe('select');
    const bound = mssqlDialect.segmentChecksumStatement(intKeyed, { kind: 'ranges', ranges: ranges.slice(0, MAX_BOUND_LIST) }, { kind: 'range', base: 0n, width: 10n });
    expect(bound.values).toHaveLength(2 + 2 * MAX_BOUND_LIST);
    expect(bound.values.length).toBeLessThanOrEqual(2100);
  });

  it('literal fallback accepts only real 64-bit integers', () => {
    const bad = Array.from({ length: MAX_BOUND_LIST + 1 }, (_, i) => [BigInt(i * 10), BigInt(i * 10 + 1)] as [bigint, bigint]);
    expect(() => mssqlDialect.rowStreamStatement(intKeyed, { kind: 'ranges', ranges: bad })).not.toThrow();
    bad[bad.length - 1] = [2n ** 63n, 2n ** 64n];
    expect(() => mssqlDialect.rowStreamStatement(intKeyed, { kind: 'ranges', ranges: bad })).toThrow(/64-bit/);
    const residues = Array.from({ length: MAX_BOUND_LIST + 1 }, (_, i) => i);
    const ok = mssqlDialect.rowStreamStatement(intKeyed, { kind: 'residues', modulus: 5000, residues });
    expect(ok.values).toEqual([5000]);
    expect(ok.text).toContain('IN (0, 1, 2,');
    expect(() => mssqlDialect.rowStreamStatement(intKeyed, { kind: 'residues', modulus: 5000, residues: [...residues.slice(1), 0.5] })).toThrow(/not an integer/);
  });

  it('range buckets: the key offset in DECIMAL(20,0), truncated toward zero (keys spanning more than 2^63 cannot overflow)', () => {
    const s = mssqlDialect.segmentChecksumStatement(intKeyed, { kind: 'all' }, { kind: 'range', base: -(2n ** 63n), width: 1n });
    expect(s.text).toContain('CONVERT(DECIMAL(20, 0), ROUND((CONVERT(DECIMAL(20, 0), [id]) - @p1) / @p2, 0, 1)) AS bucket');
    expect(s.text).not.toContain('CONVERT(BIGINT, [id])');
    // A bucket of width 1 reaches 2^64 - 1 (20 digits, 21 with a sign): the text column holds it.
    expect(s.text).toContain('CONVERT(VARCHAR(48), __cdc_s.bucket) AS bucket');
    expect(s.values).toEqual([-(2n ** 63n), 1n]);
    expect(aliases(parse(s.text))).toEqual(['bucket', 'cnt', 'sum']);
  });

  it('hash buckets use the 31-bit key hash modulo the bound modulus', () => {
    const s = mssqlDialect.segmentChecksumStatement(composite, { kind: 'all' }, { kind: 'hash', modulus: 128 });
    expect(s.text).toMatch(/\(CONVERT\(BIGINT, SUBSTRING\(HASHBYTES\('MD5', .+\), 1, 4\)\) % CONVERT\(BIGINT, 2147483648\)\) % @p1 AS bucket/);
    expect(aliases(parse(s.text))).toEqual(['bucket', 'cnt', 'sum']);
    expect(s.values).toEqual([128]);
  });

  it('statements refuse a column pair with no exact T-SQL form (float), so the plan must hash that table client-side', () => {
    const withFloat: SideTable = { ...intKeyed, columns: [...COLUMNS, sc(col('w', 'float'), { type: 'float', floatDigits: 15 })] };
    expect(() => mssqlDialect.leafRowsStatement(withFloat, { kind: 'all' })).toThrow(/float/);
    expect(() => mssqlDialect.rowStreamStatement(withFloat, { kind: 'all' })).not.toThrow();
  });
});

describe('result rows', () => {
  it('normalises segment checksum rows', () => {
    expect(mssqlDialect.toSegmentChecksumRow({ bucket: '12', cnt: '3', sum: '-18446744073709551616' })).toEqual({
      bucket: 12n,
      count: 3n,
      sum: '-18446744073709551616',
    });
    expect(() => mssqlDialect.toSegmentChecksumRow({ bucket: null, cnt: '1', sum: '0' })).toThrow(/NULL/);
  });

  it('gives per-key sums as the texts the driver returned (no number made of a 64-bit sum)', () => {
    expect(mssqlDialect.toKeySum({ bucket: '9007199254740993', cnt: '1', sum: '-9223372036854775808' })).toEqual({ bucket: '9007199254740993', sum: '-9223372036854775808' });
    expect(() => mssqlDialect.toKeySum({ bucket: '1', cnt: '1', sum: null })).toThrow(/NULL/);
  });

  it('normalises leaf rows (missing columns are NULL)', () => {
    expect(mssqlDialect.toLeafRow({ key_text: '1', row_hash: '-5', c0: '1', c1: null }, 3)).toEqual({
      keyText: '1',
      rowHash: '-5',
      columns: ['1', null, null],
    });
  });
});

describe('hash bucket counts up to 2^31 (issue 20, found on the driver path)', () => {
  it('2^31 buckets are bound (as BIGINT past the int range); more, or a fraction, is a clear error naming the table', async () => {
    const { postgresDialect } = await import('../../src/dialects/postgres/index.js');
    const s = mssqlDialect.segmentChecksumStatement(composite, { kind: 'residues', modulus: 2 ** 31, residues: [5] }, { kind: 'hash', modulus: 2 ** 31 });
    expect(s.values).toEqual([2 ** 31, 2 ** 31, 5]);
    const pg = postgresDialect.segmentChecksumStatement(composite, { kind: 'residues', modulus: 2 ** 31, residues: [5] }, { kind: 'hash', modulus: 2 ** 31 });
    expect(pg.text).toMatch(/% \$1::bigint/);
    expect(pg.text).toMatch(/% \$2::bigint = ANY\(\$3::bigint\[\]\)/);
    for (const d of [mssqlDialect, postgresDialect]) {
      expect(() => d.segmentChecksumStatement(composite, { kind: 'all' }, { kind: 'hash', modulus: 2 ** 31 + 1 })).toThrow(/hash bucket count 2147483649 for table sales\.lines is outside 1\.\.2\^31/);
      expect(() => d.leafRowsStatement(composite, { kind: 'residues', modulus: 0, residues: [] })).toThrow(/sales\.lines/);
    }
  });
});
