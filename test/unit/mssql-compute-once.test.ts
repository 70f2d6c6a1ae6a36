/**
 * Each text column is converted to UTF-8 once per row, in a bounded type when the catalog length allows, and
 * a decimal's text once (issue 20, item 6). Checked on the generated T-SQL: the conversions sit in one
 * CROSS APPLY and appear there once; the statements parse as T-SQL (same parse-only substitutions as
 * mssql-statements.test.ts). Byte-identical results on a real server: the contract suite (MSSQL_URL).
 */
import { describe, expect, it } from 'vitest';
import sqlParser from 'node-sql-parser';
import type { CanonicalSpec } from '../../src/canonical/types.js';
import type { CatalogColumn, SegmentFilter, SideColumn, SideTable } from '../../src/dialects/types.js';
import { mssqlDialect } from '../../src/dialects/mssql/index.js';
import { utf8Text } from '../../src/dialects/mssql/canonical.js';

const parser = new sqlParser.Parser();
const parse = (sql: string) =>
  parser.astify(sql.replace(/\bCOUNT_BIG\(/g, 'COUNT(').replace(/\) COLLATE Latin1_General_100_BIN2_UTF8\b/g, ')'), { database: 'TransactSQL' });

function col(name: string, dataType: string, o: { len?: number; p?: number; s?: number } = {}): CatalogColumn {
  return { name, dataType, precision: o.p ?? null, scale: o.s ?? null, length: o.len ?? null, datetimePrecision: null, nullable: true, collation: null, ordinal: 1 };
}
const sc = (column: CatalogColumn, canonical: CanonicalSpec): SideColumn => ({ column, canonical });
const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;

const COLUMNS = [
  sc(col('code', 'varchar', { len: 20 }), { type: 'text' }),
  sc(col('name', 'nvarchar', { len: 100 }), { type: 'text' }),
  sc(col('notes', 'nvarchar', { len: -1 }), { type: 'text' }),
  sc(col('legacy', 'ntext', { len: 8 }), { type: 'text' }),
  sc(col('frac', 'decimal', { p: 5, s: 5 }), { type: 'decimal' }),
];
const textKeyed: SideTable = { table: { schema: 'dbo', name: 't' }, columns: COLUMNS, keys: COLUMNS.slice(0, 2) };

describe('UTF-8 conversions computed once, in bounded types', () => {
  it('varchar(20) -> NVARCHAR(20) -> VARCHAR(60); nvarchar(100) -> VARCHAR(300); MAX and (n)text stay MAX', () => {
    expect(utf8Text('[code]', false, 20)).toBe('CONVERT(VARCHAR(60), CONVERT(NVARCHAR(20), [code]) COLLATE Latin1_General_100_BIN2_UTF8)');
    expect(utf8Text('[name]', false, 2700)).toBe('CONVERT(VARCHAR(MAX), CONVERT(NVARCHAR(2700), [name]) COLLATE Latin1_General_100_BIN2_UTF8)');
    expect(utf8Text('[notes]', false, -1)).toBe('CONVERT(VARCHAR(MAX), CONVERT(NVARCHAR(MAX), [notes]) COLLATE Latin1_General_100_BIN2_UTF8)');
  });

  for (const [label, build] of [
    ['segment checksum (hash buckets, residue filter)', () => mssqlDialect.segmentChecksumStatement(textKeyed, { kind: 'residues', modulus: 8, residues: [1, 2] }, { kind: 'hash', modulus: 8 })],
    ['leaf rows', () => mssqlDialect.leafRowsStatement(textKeyed, { kind: 'residues', modulus: 8, residues: [3] })],
  ] as const) {
    it(`${label}: each conversion once, in a CROSS APPLY, referenced from key text, row text and columns`, () => {
      const s = build();
      expect(() => parse(s.text)).not.toThrow();
      // Level 0: the conversions; later levels (the decimal's fix-ups) read only earlier levels.
      const levels = [...s.text.matchAll(/ CROSS APPLY \(SELECT (.*?)\) AS __cdc_x(\d)(?= |$)/g)].map((m) => [m[1]!, Number(m[2])] as const);
      expect(levels.map(([, i]) => i)).toEqual([0, 1, 2]);
      for (const [body, i] of levels) {
        for (const m of body.matchAll(/__cdc_x(\d)\./g)) expect(Number(m[1]), `level ${i} reads level ${m[1]}`).toBeLessThan(i);
      }
      expect(count(s.text, "CASE WHEN LEFT(")).toBe(1);
      expect(count(s.text, 'CONVERT(VARCHAR(60), CONVERT(NVARCHAR(20), [code])')).toBe(1);
      expect(count(s.text, 'CONVERT(VARCHAR(300), CONVERT(NVARCHAR(100), [name])')).toBe(1);
      expect(count(s.text, 'CONVERT(VARCHAR(MAX), CONVERT(NVARCHAR(MAX), [notes])')).toBe(1);
      // ntext's catalog length (a pointer's 8 characters) must not bound its text.
      expect(count(s.text, 'CONVERT(VARCHAR(MAX), CONVERT(NVARCHAR(MAX), [legacy])')).toBe(1);
      expect(count(s.text, 'CONVERT(VARCHAR(48), [frac])')).toBe(1);
      expect(s.text).toMatch(/DATALENGTH\(__cdc_x0\.\[__cdc_v\d+\]\)/);
      // No conversion outside the APPLY: everything else refers to its column.
      const outside = s.text.replace(/ CROSS APPLY \(SELECT .*?\) AS __cdc_x\d/g, '');
      expect(outside).not.toMatch(/CONVERT\(NVARCHAR\((20|100|MAX)\), \[/);
    });
  }

  it('every statement that reads an applied column has its CROSS APPLY (row stream with a residue filter too)', () => {
    const filters: SegmentFilter[] = [{ kind: 'all' }, { kind: 'residues', modulus: 4, residues: [1] }];
    const statements = filters.flatMap((f) => [
      mssqlDialect.segmentChecksumStatement(textKeyed, f, { kind: 'hash', modulus: 4 }),
      mssqlDialect.leafRowsStatement(textKeyed, f),
      mssqlDialect.rowStreamStatement(textKeyed, f),
    ]);
    expect(statements.filter((s) => /__cdc_x\d\./.test(s.text)).length).toBeGreaterThanOrEqual(5);
    for (const s of statements) {
      for (const m of s.text.matchAll(/__cdc_x(\d)\./g)) expect(s.text, s.label).toContain(`) AS __cdc_x${m[1]}`);
    }
  });

  it('a statement with no text or decimal column has no CROSS APPLY', () => {
    const ints = [sc(col('id', 'int'), { type: 'int' }), sc(col('n', 'bigint'), { type: 'int' })];
    const s = mssqlDialect.segmentChecksumStatement({ table: { schema: 'dbo', name: 'i' }, columns: ints, keys: ints.slice(0, 1) }, { kind: 'all' }, { kind: 'hash', modulus: 4 });
    expect(s.text).not.toContain('CROSS APPLY');
    expect(() => parse(s.text)).not.toThrow();
  });
});
