/**
 * The contract of the canonical form: for generated values of every canonical
 * type, PostgreSQL's SQL expression and the TypeScript reference give
 * byte-identical text (and so identical row hashes).
 */
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalRowText, canonicalText, keyHash31, rowHash } from '../../src/canonical/render.js';
import type { CanonicalSpec } from '../../src/canonical/types.js';
import { pgCanonicalExpression, pgKeyHash, pgRowHash, pgRowText } from '../../src/dialects/postgres/canonical.js';
import type { CatalogColumn } from '../../src/dialects/types.js';
import { createDatabase } from '../support/pg.js';

let client: pg.Client;

beforeAll(async () => {
  const db = await createDatabase('prop');
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'");
});
afterAll(async () => client?.end());

function column(dataType: string, extra: Partial<CatalogColumn> = {}): CatalogColumn {
  return { name: 'v', dataType, precision: null, scale: null, length: null, datetimePrecision: null, nullable: true, collation: null, ordinal: 1, ...extra };
}

/** Store `values` in a real column of `sqlType`, read back the SQL canonical text and compare with the reference. */
async function check(sqlType: string, col: CatalogColumn, spec: CanonicalSpec, values: unknown[], toInput: (v: unknown) => unknown = (v) => v) {
  await client.query('DROP TABLE IF EXISTS prop_t');
  await client.query(`CREATE TABLE prop_t (i int, v ${sqlType})`);
  // Arrays of the base type (char(n) as bpchar: a bare "char" would be char(1)).
  const arrayType = sqlType.startsWith('char(') ? 'bpchar' : sqlType.replace(/\(.*\)/, '');
  await client.query(`INSERT INTO prop_t SELECT ord::int, v FROM unnest($1::${arrayType}[]) WITH ORDINALITY AS u(v, ord)`, [values]);
  const expr = pgCanonicalExpression({ column: col, canonical: spec });
  const res = await client.query(`SELECT i, ${expr} AS c FROM prop_t ORDER BY i`);
  const sqlTexts = res.rows.map((r) => r.c as string | null);
  const tsTexts = values.map((v) => canonicalText(spec, toInput(v) as never));
  expect(sqlTexts).toEqual(tsTexts);
}

const RUNS = { numRuns: 25 };

describe('canonical text: PostgreSQL SQL == TypeScript reference', () => {
  it('integers (smallint, integer, bigint)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { minLength: 1, maxLength: 50 }), async (xs) => {
      await check('bigint', column('bigint'), { type: 'int' }, xs.map(String));
    }), RUNS);
    await check('smallint', column('smallint'), { type: 'int' }, [-32768, 0, 32767, null]);
  });

  it('decimals at a fixed scale, rounding half away from zero, never -0', async () => {
    const dec = fc.tuple(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.integer({ min: 0, max: 8 }))
      .map(([n, s]) => { const t = (n < 0n ? -n : n).toString().padStart(s + 1, '0'); return `${n < 0n ? '-' : ''}${s ? `${t.slice(0, -s)}.${t.slice(-s)}` : t}`; });
    await fc.assert(fc.asyncProperty(fc.array(dec, { minLength: 1, maxLength: 50 }), fc.integer({ min: 0, max: 6 }), async (xs, scale) => {
      await check('numeric', column('numeric'), { type: 'decimal', scale }, xs);
      await check('numeric', column('numeric'), { type: 'decimal' }, xs);
    }), RUNS);
    await check('numeric', column('numeric'), { type: 'decimal', scale: 2 }, ['-0.004', '-0.005', '0.005', '1.995', 'NaN', '0', '-0']);
  });

  it('double precision at 15 and fewer significant digits', async () => {
    const doubles = fc.double({ noNaN: false, noDefaultInfinity: false });
    await fc.assert(fc.asyncProperty(fc.array(doubles, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 15 }), async (xs, digits) => {
      await check('double precision', column('double precision'), { type: 'float', floatDigits: digits, floatNativeDigits: 15 }, xs);
    }), RUNS);
    await check('double precision', column('double precision'), { type: 'float', floatDigits: 15, floatNativeDigits: 15 },
      [0.1, -0, 1e20, 1.5e-7, 1000000000000005, 2.5, 123456789.123456789, Number.MAX_VALUE, Number.MIN_VALUE, -1e-300]);
  });

  it('real at 6 and fewer significant digits', async () => {
    const reals = fc.float({ noNaN: true, noDefaultInfinity: true });
    await fc.assert(fc.asyncProperty(fc.array(reals, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 6 }), async (xs, digits) => {
      await check('real', column('real'), { type: 'float', floatDigits: digits, floatNativeDigits: 6 }, xs);
    }), RUNS);
  });

  it('booleans, uuids, bytea', async () => {
    await check('boolean', column('boolean'), { type: 'bool' }, [true, false, null]);
    await fc.assert(fc.asyncProperty(fc.array(fc.uuid(), { minLength: 1, maxLength: 30 }), async (xs) => {
      await check('uuid', column('uuid'), { type: 'uuid' }, xs.map((u) => u.toUpperCase()));
    }), RUNS);
    await fc.assert(fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 20 }), async (xs) => {
      await check('bytea', column('bytea'), { type: 'binary' }, xs.map((x) => Buffer.from(x)));
    }), RUNS);
  });

  it('dates, times, timestamps and timestamptz at every precision', async () => {
    // 0001-01-02 .. 9999-12-30, so no offset moves a value outside years 1..9999 (SQL Server's range; BC has no canonical form).
    const ts = fc.date({ min: new Date('0001-01-02T00:00:00Z'), max: new Date('9999-12-30T23:59:59Z'), noInvalidDate: true });
    const micros = fc.integer({ min: 0, max: 999_999 });
    const stamp = fc.tuple(ts, micros).map(([d, u]) => `${d.toISOString().slice(0, 19).replace('T', ' ')}.${String(u).padStart(6, '0')}`);
    await fc.assert(fc.asyncProperty(fc.array(stamp, { minLength: 1, maxLength: 30 }), fc.integer({ min: 0, max: 6 }), async (xs, digits) => {
      await check('timestamp', column('timestamp without time zone'), { type: 'timestamp', fractionalDigits: digits }, xs);
      await check('date', column('date'), { type: 'date' }, xs.map((x) => x.slice(0, 10)));
      await check('time', column('time without time zone'), { type: 'time', fractionalDigits: digits }, xs.map((x) => x.slice(11)));
      // timestamptz: given with an arbitrary offset, read back as text in UTC by the driver.
      const offsets = ['+00', '+05:30', '-08', '+14', '-03:30'];
      const zoned = xs.map((x, i) => `${x}${offsets[i % offsets.length]}`);
      await check('timestamptz', column('timestamp with time zone'), { type: 'timestamptz', fractionalDigits: digits }, zoned);
    }), RUNS);
  });

  it('form 2 edges: infinity, years BC, declared precision, a value read as another temporal type', async () => {
    const edge = ['infinity', '-infinity', '0044-03-15 12:00:00.25 BC', '2024-02-29 23:59:59.999999', '2024-01-01 00:00:00', null];
    await check('timestamp', column('timestamp without time zone'), { type: 'timestamp', fractionalDigits: 6 }, edge);
    await check('timestamp', column('timestamp without time zone'), { type: 'timestamp', fractionalDigits: 2 }, edge);
    const zoned = edge.map((x) => (x && /\d$/.test(x) ? `${x}+00` : x?.replace(' BC', '+00 BC') ?? null));
    await check('timestamptz', column('timestamp with time zone'), { type: 'timestamptz', fractionalDigits: 6 }, zoned);
    await check('timestamptz', column('timestamp with time zone'), { type: 'timestamptz', fractionalDigits: 0 }, zoned);
    await check('date', column('date'), { type: 'date' }, ['infinity', '-infinity', '0044-03-15 BC', '2024-02-29', null]);
    // A column declared with fewer digits prints them as they are; compared at fewer still, it is truncated first.
    const ms = ['2024-01-01 10:00:00.123', '2024-01-01 10:00:00.5', '2024-01-01 10:00:00.009', '2024-01-01 10:00:00'];
    await check('timestamp(3)', column('timestamp without time zone', { datetimePrecision: 3 }), { type: 'timestamp', fractionalDigits: 3 }, ms);
    await check('timestamp(3)', column('timestamp without time zone', { datetimePrecision: 3 }), { type: 'timestamp', fractionalDigits: 1 }, ms);
    await check('time(3)', column('time without time zone', { datetimePrecision: 3 }), { type: 'time', fractionalDigits: 2 }, ms.map((x) => x.slice(11)));
    // A naive timestamp compared as timestamptz is taken as UTC; a date as a timestamp is its midnight.
    await check('timestamp', column('timestamp without time zone'), { type: 'timestamptz', fractionalDigits: 6 }, ms);
    await check('date', column('date'), { type: 'timestamp', fractionalDigits: 6 }, ['2024-02-29', null], (v) => (v ? `${v} 00:00:00` : v));
  });

  it('text and fixed-width char: UTF-8 length prefix, separators and NUL-free unicode, right-trim', async () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 30 }).map((s) => s.replace(/\u0000/g, ''));
    await fc.assert(fc.asyncProperty(fc.array(text, { minLength: 1, maxLength: 30 }), async (xs) => {
      await check('text', column('text'), { type: 'text' }, xs);
      await check('char(40)', column('character', { length: 40 }), { type: 'text', rtrim: true }, xs.map((x) => [...x].slice(0, 10).join('')));
    }), RUNS);
    await check('text', column('text'), { type: 'text' }, ['', '|', '\\N', 'a|b', '  padded  ', 'Zoë', '山田', '🚀', null]);
  });

  it('row text and hashes: SQL row hash == TypeScript row hash; NULL differs from empty and separators cannot collide', async () => {
    const rows: Array<[string | null, string | null]> = [['a|b', 'c'], ['a', 'b|c'], [null, ''], ['', null], ['\\N', null], [null, null]];
    await client.query('DROP TABLE IF EXISTS prop_r');
    await client.query('CREATE TABLE prop_r (i int, a text, b text)');
    for (const [i, r] of rows.entries()) await client.query('INSERT INTO prop_r VALUES ($1, $2, $3)', [i, r[0], r[1]]);
    const rowTextSql = pgRowText(['a', 'b'].map((n) => ({ column: column('text', { name: n }), canonical: { type: 'text' } })), ['"a"', '"b"']);
    const res = await client.query(`SELECT i, ${rowTextSql} AS t, ${pgRowHash(rowTextSql)}::text AS h, ${pgKeyHash(rowTextSql)} AS k FROM prop_r ORDER BY i`);
    const expected = rows.map(([a, b]) => canonicalRowText([canonicalText({ type: 'text' }, a), canonicalText({ type: 'text' }, b)]));
    expect(res.rows.map((r) => r.t)).toEqual(expected);
    expect(res.rows.map((r) => r.h)).toEqual(expected.map((t) => rowHash(t).toString()));
    expect(res.rows.map((r) => r.k)).toEqual(expected.map((t) => keyHash31(t)));
    expect(new Set(expected).size).toBe(rows.length);
  });

  it('NOT NULL columns written by concat() straight from their output functions: the same row text as the reference', async () => {
    // Each column: SQL type, catalog entry, canonical spec and a generator of input text. The last two fall back to
    // the full expression (scale narrower than declared, timestamptz kept to milliseconds).
    const ts = fc.date({ min: new Date('0001-01-02T00:00:00Z'), max: new Date('9999-12-30T23:59:59Z'), noInvalidDate: true })
      .chain((d) => fc.integer({ min: 0, max: 999_999 }).map((u) => `${d.toISOString().slice(0, 19).replace('T', ' ')}.${String(u).padStart(6, '0')}${['+00', '+05:30', '-08'][u % 3]}`));
    const dec = (scale: number) => fc.bigInt({ min: -(10n ** 9n), max: 10n ** 9n }).map((n) => (Number(n) / 10 ** scale).toFixed(scale));
    const text = fc.string({ unit: 'grapheme', maxLength: 20 }).map((x) => x.replace(/\u0000/g, ''));
    const cols: Array<{ sql: string; col: CatalogColumn; spec: CanonicalSpec; gen: fc.Arbitrary<string> }> = [
      { sql: 'bigint', col: column('bigint'), spec: { type: 'int' }, gen: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String) },
      { sql: 'integer', col: column('integer'), spec: { type: 'int' }, gen: fc.integer().map(String) },
      { sql: 'numeric(12,2)', col: column('numeric', { precision: 12, scale: 2 }), spec: { type: 'decimal', scale: 2 }, gen: dec(2) },
      { sql: 'numeric(12,3)', col: column('numeric', { precision: 12, scale: 3 }), spec: { type: 'decimal', scale: 2 }, gen: dec(3) },
      { sql: 'text', col: column('text'), spec: { type: 'text' }, gen: text },
      { sql: 'varchar(80)', col: column('character varying', { length: 80 }), spec: { type: 'text' }, gen: text },
      { sql: 'boolean', col: column('boolean'), spec: { type: 'bool' }, gen: fc.boolean().map(String) },
      { sql: 'uuid', col: column('uuid'), spec: { type: 'uuid' }, gen: fc.uuid().map((u) => u.toUpperCase()) },
      { sql: 'timestamptz', col: column('timestamp with time zone'), spec: { type: 'timestamptz', fractionalDigits: 6 }, gen: ts },
      { sql: 'timestamptz', col: column('timestamp with time zone'), spec: { type: 'timestamptz', fractionalDigits: 3 }, gen: ts },
    ];
    const sides = cols.map((c, i) => ({ column: { ...c.col, name: `c${i}`, nullable: false }, canonical: c.spec }));
    const rowTextSql = pgRowText(sides);
    // The pieces path is the one taken: no coalesce, no round, no cast of the plain columns.
    expect(rowTextSql).toMatch(/^concat\("c0", '\|', "c1", '\|', "c2", '\|', round/);
    await client.query('DROP TABLE IF EXISTS prop_nn');
    await client.query(`CREATE TABLE prop_nn (i int, ${cols.map((c, i) => `c${i} ${c.sql} NOT NULL`).join(', ')})`);
    await fc.assert(fc.asyncProperty(fc.array(fc.tuple(...cols.map((c) => c.gen)), { minLength: 1, maxLength: 30 }), async (rows) => {
      await client.query('TRUNCATE prop_nn');
      for (const [i, r] of rows.entries()) {
        await client.query(`INSERT INTO prop_nn VALUES ($1, ${r.map((_, j) => `$${j + 2}`).join(', ')})`, [i, ...r]);
      }
      const res = await client.query(`SELECT ${rowTextSql} AS t, ${pgRowHash(rowTextSql)}::text AS h FROM prop_nn ORDER BY i`);
      // The reference reads what the database stored (numeric(12,3) input is rounded to 3 digits on the way in).
      const stored = await client.query({ text: `SELECT ${cols.map((_, j) => `c${j}::text`).join(', ')} FROM prop_nn ORDER BY i`, rowMode: 'array' });
      const expected = (stored.rows as string[][]).map((r) => canonicalRowText(r.map((v, j) => canonicalText(cols[j]!.spec, v))));
      expect(res.rows.map((x) => x.t)).toEqual(expected);
      expect(res.rows.map((x) => x.h)).toEqual(expected.map((t) => rowHash(t).toString()));
    }), { numRuns: 15 });
  });

  it('a row wider than concat() takes (100 arguments) nests the calls: the same text', async () => {
    const n = 70; // 70 columns, 69 separators: 139 arguments
    const sides = Array.from({ length: n }, (_, i) => ({ column: column('integer', { name: `c${i}`, nullable: i % 2 === 0 }), canonical: { type: 'int' as const } }));
    const rowTextSql = pgRowText(sides);
    expect(rowTextSql.startsWith('concat(concat(')).toBe(true);
    const values = Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : i * 1001));
    await client.query('DROP TABLE IF EXISTS prop_wide');
    await client.query(`CREATE TABLE prop_wide (${sides.map((s) => `${s.column.name} integer${s.column.nullable ? '' : ' NOT NULL'}`).join(', ')})`);
    await client.query(`INSERT INTO prop_wide VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')})`, values.map((v, i) => v ?? (sides[i]!.column.nullable ? null : 0)));
    const [row] = (await client.query(`SELECT ${rowTextSql} AS t FROM prop_wide`)).rows;
    const expected = canonicalRowText(values.map((v, i) => canonicalText({ type: 'int' }, v ?? (sides[i]!.column.nullable ? null : 0))));
    expect(row.t).toBe(expected);
  });
});
