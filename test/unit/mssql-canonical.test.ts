/**
 * The T-SQL canonical expressions, pinned: for each SQL Server type and
 * canonical spec, the exact T-SQL this dialect sends, with the SQL Server
 * behaviour each piece relies on. No SQL Server runs here: the contract suite
 * (test/contract, MSSQL_URL) executes these on a real server in CI; this table
 * makes every change to them deliberate and reviewable, and the structural
 * checks below catch the known traps (FORMAT, lengthless CONVERT, CONCAT,
 * ISNULL, N'' literals in hashed text, CHAR padding).
 */
import { describe, expect, it } from 'vitest';
import type { CanonicalSpec } from '../../src/canonical/types.js';
import type { CatalogColumn, SideColumn } from '../../src/dialects/types.js';
import {
  mssqlCanonicalExpression,
  mssqlCanonicalFamily,
  mssqlKeyHash,
  mssqlRawExpression,
  mssqlRowHash,
  mssqlRowText,
  mssqlServerSideSupported,
  mssqlUnsupportedReason,
} from '../../src/dialects/mssql/canonical.js';
import { capabilitiesFromProbe, MODERN_SERVER, rememberCapabilities } from '../../src/dialects/mssql/capabilities.js';

function col(dataType: string, o: { p?: number; s?: number; dp?: number; name?: string } = {}): CatalogColumn {
  return {
    name: o.name ?? 'v',
    dataType,
    precision: o.p ?? null,
    scale: o.s ?? null,
    length: null,
    datetimePrecision: o.dp ?? null,
    nullable: true,
    collation: null,
    ordinal: 1,
  };
}


/** Arguments (split at depth 0) of every CONVERT( ... ) call in `sql`. */
function convertCalls(sql: string): string[][] {
  const calls: string[][] = [];
  const re = /\bCONVERT\(/g;
  for (let m = re.exec(sql); m; m = re.exec(sql)) {
    const args: string[] = [];
    let depth = 0;
    let cur = '';
    let inStr = false;
    for (let i = m.index + m[0].length; i < sql.length; i += 1) {
      const ch = sql[i]!;
      if (inStr) {
        cur += ch;
        if (ch === "'") inStr = false;
        continue;
      }
      if (ch === "'") { inStr = true; cur += ch; continue; }
      if (ch === '(') depth += 1;
      if (ch === ')') {
        if (depth === 0) { args.push(cur.trim()); break; }
        depth -= 1;
      }
      if (ch === ',' && depth === 0) { args.push(cur.trim()); cur = ''; continue; }
      cur += ch;
    }
    calls.push(args);
  }
  return calls;
}

function convertStyles(sql: string): string[] {
  return convertCalls(sql).filter((a) => a.length === 3).map((a) => a[2]!);
}

const side = (column: CatalogColumn, canonical: CanonicalSpec): SideColumn => ({ column, canonical });
const expr = (column: CatalogColumn, canonical: CanonicalSpec) => mssqlCanonicalExpression(side(column, canonical), '[v]');

const NANOS = "RIGHT('00000000' + CONVERT(VARCHAR(9), DATEPART(NANOSECOND, [v])), 9)";
const MILLIS = "RIGHT('00' + CONVERT(VARCHAR(3), DATEPART(MILLISECOND, [v])), 3)";
/** The fraction `f` (n digits) with its trailing zeros dropped, nothing when it is zero. */
const FRACTION = (f: string, n: number) =>
  `(CASE WHEN ${f} = '${'0'.repeat(n)}' THEN '' ELSE '.' + LEFT(${f}, ${n + 1} - PATINDEX('%[^0]%', REVERSE(${f}))) END)`;
const UTC = "CONVERT(DATETIME2(7), SWITCHOFFSET([v], '+00:00'))";
const UTF8 = 'CONVERT(VARCHAR(MAX), CONVERT(NVARCHAR(MAX), [v]) COLLATE Latin1_General_100_BIN2_UTF8)';
const UTF8_RTRIM = 'CONVERT(VARCHAR(MAX), RTRIM(CONVERT(NVARCHAR(MAX), [v])) COLLATE Latin1_General_100_BIN2_UTF8)';
const dec = (x: string) => `CONVERT(VARCHAR(48), ${x})`;

/** [what, column, spec, exact T-SQL, what the reference renders for a sample value] */
const RENDERINGS: Array<[string, CatalogColumn, CanonicalSpec, string]> = [
  // Integers: CONVERT(VARCHAR(20)) holds -9223372036854775808 (20 characters).
  ['int', col('int'), { type: 'int' }, 'CONVERT(VARCHAR(20), [v])'],
  ['bigint', col('bigint'), { type: 'int' }, 'CONVERT(VARCHAR(20), [v])'],
  ['tinyint', col('tinyint'), { type: 'int' }, 'CONVERT(VARCHAR(20), [v])'],
  ['bit as int (smallint target)', col('bit'), { type: 'int' }, 'CONVERT(VARCHAR(1), [v])'],
  ['decimal(12,0) as int', col('decimal', { p: 12, s: 0 }), { type: 'int' },
    `CASE WHEN [v] IS NULL THEN NULL WHEN [v] = 0 THEN '0' ELSE ${dec('[v]')} END`],
  // Decimals: a zero is written as a literal (no "-0.0000" whatever the sign byte), otherwise CONVERT keeps the column scale.
  ['decimal(12,4) scale 4', col('decimal', { p: 12, s: 4 }), { type: 'decimal', scale: 4 },
    `CASE WHEN [v] IS NULL THEN NULL WHEN [v] = 0 THEN '0.0000' ELSE ${dec('[v]')} END`],
  // Lower scale: DECIMAL -> DECIMAL conversion rounds half away from zero (as numeric round()); precision keeps the carry.
  ['decimal(38,10) scale 2', col('decimal', { p: 38, s: 10 }), { type: 'decimal', scale: 2 },
    `CASE WHEN [v] IS NULL THEN NULL WHEN CONVERT(DECIMAL(31, 2), [v]) = 0 THEN '0.00' ELSE ${dec('CONVERT(DECIMAL(31, 2), [v])')} END`],
  // Higher scale: zeros appended as text (no cast that could overflow).
  ['numeric(10,0) scale 2', col('numeric', { p: 10, s: 0 }), { type: 'decimal', scale: 2 },
    `CASE WHEN [v] IS NULL THEN NULL WHEN [v] = 0 THEN '0.00' ELSE ${dec('[v]')} + '.00' END`],
  ['decimal(6,2) scale 4', col('decimal', { p: 6, s: 2 }), { type: 'decimal', scale: 4 },
    `CASE WHEN [v] IS NULL THEN NULL WHEN [v] = 0 THEN '0.0000' ELSE ${dec('[v]')} + '00' END`],
  // precision = scale: SQL Server may print ".5"; the leading zero is added back.
  ['decimal(5,5) scale 5', col('decimal', { p: 5, s: 5 }), { type: 'decimal', scale: 5 },
    `CASE WHEN [v] IS NULL THEN NULL WHEN [v] = 0 THEN '0.00000' ELSE (CASE WHEN LEFT(${dec('[v]')}, 1) = '.' THEN '0' + ${dec('[v]')} WHEN LEFT(${dec('[v]')}, 2) = '-.' THEN '-0' + SUBSTRING(${dec('[v]')}, 2, 48) ELSE ${dec('[v]')} END) END`],
  // money is a scaled integer: exact as DECIMAL(19,4); CONVERT(VARCHAR, money) would give 2 digits (style 0).
  ['money scale 4', col('money'), { type: 'decimal', scale: 4 },
    `CASE WHEN [v] IS NULL THEN NULL WHEN CONVERT(DECIMAL(19, 4), [v]) = 0 THEN '0.0000' ELSE ${dec('CONVERT(DECIMAL(19, 4), [v])')} END`],
  ['smallmoney scale 2', col('smallmoney'), { type: 'decimal', scale: 2 },
    `CASE WHEN [v] IS NULL THEN NULL WHEN CONVERT(DECIMAL(9, 2), CONVERT(DECIMAL(10, 4), [v])) = 0 THEN '0.00' ELSE ${dec('CONVERT(DECIMAL(9, 2), CONVERT(DECIMAL(10, 4), [v]))')} END`],
  ['int as decimal scale 2', col('int'), { type: 'decimal', scale: 2 }, "CASE WHEN [v] IS NULL THEN NULL ELSE CONVERT(VARCHAR(20), [v]) + '.00' END"],
  ['int as decimal scale 0', col('int'), { type: 'decimal', scale: 0 }, 'CONVERT(VARCHAR(20), [v])'],
  ['decimal(8,0) trimmed', col('decimal', { p: 8, s: 0 }), { type: 'decimal' },
    `CASE WHEN [v] IS NULL THEN NULL WHEN [v] = 0 THEN '0' ELSE ${dec('[v]')} END`],
  // Booleans.
  ['bit', col('bit'), { type: 'bool' }, "CASE WHEN [v] IS NULL THEN NULL WHEN [v] <> 0 THEN '1' ELSE '0' END"],
  ['tinyint as bool', col('tinyint'), { type: 'bool' }, "CASE WHEN [v] IS NULL THEN NULL WHEN [v] <> 0 THEN '1' ELSE '0' END"],
  // Dates: style 23 = yyyy-mm-dd (ISO 8601), independent of SET LANGUAGE / DATEFORMAT; year 1 prints 0001.
  ['date', col('date'), { type: 'date' }, 'CONVERT(VARCHAR(10), [v], 23)'],
  ['datetime2 as date', col('datetime2', { dp: 7 }), { type: 'date' }, 'CONVERT(VARCHAR(10), [v], 23)'],
  // time(n): style 108 = hh:mi:ss; the fraction from DATEPART(NANOSECOND), zero-padded to 9 digits, truncated,
  // then its trailing zeros dropped and no '.' for a zero fraction (as PostgreSQL prints).
  ['time(7) digits 6', col('time', { dp: 7 }), { type: 'time', fractionalDigits: 6 },
    `CASE WHEN [v] IS NULL THEN NULL ELSE CONVERT(VARCHAR(8), [v], 108) + ${FRACTION(`LEFT(${NANOS}, 6)`, 6)} END`],
  ['time(0) digits 0', col('time', { dp: 0 }), { type: 'time', fractionalDigits: 0 },
    'CASE WHEN [v] IS NULL THEN NULL ELSE CONVERT(VARCHAR(8), [v], 108) END'],
  ['datetime2(7) digits 6', col('datetime2', { dp: 7 }), { type: 'timestamp', fractionalDigits: 6 },
    `CASE WHEN [v] IS NULL THEN NULL ELSE CONVERT(VARCHAR(10), [v], 23) + ' ' + CONVERT(VARCHAR(8), [v], 108) + ${FRACTION(`LEFT(${NANOS}, 6)`, 6)} END`],
  ['datetime2(3) digits 1', col('datetime2', { dp: 3 }), { type: 'timestamp', fractionalDigits: 1 },
    `CASE WHEN [v] IS NULL THEN NULL ELSE CONVERT(VARCHAR(10), [v], 23) + ' ' + CONVERT(VARCHAR(8), [v], 108) + ${FRACTION(`LEFT(${NANOS}, 1)`, 1)} END`],
  // datetime: 1/300 s ticks; DATEPART(MILLISECOND) is the value SQL Server shows (.997, .003, .007); never more than 3 digits.
  ['datetime digits 3', col('datetime', { dp: 3 }), { type: 'timestamp', fractionalDigits: 3 },
    `CASE WHEN [v] IS NULL THEN NULL ELSE CONVERT(VARCHAR(10), [v], 23) + ' ' + CONVERT(VARCHAR(8), [v], 108) + ${FRACTION(`LEFT(${MILLIS}, 3)`, 3)} END`],
  ['datetime digits 6', col('datetime', { dp: 3 }), { type: 'timestamp', fractionalDigits: 6 },
    `CASE WHEN [v] IS NULL THEN NULL ELSE CONVERT(VARCHAR(10), [v], 23) + ' ' + CONVERT(VARCHAR(8), [v], 108) + ${FRACTION(`LEFT(${MILLIS}, 3)`, 3)} END`],
  ['datetime digits 2', col('datetime', { dp: 3 }), { type: 'timestamp', fractionalDigits: 2 },
    `CASE WHEN [v] IS NULL THEN NULL ELSE CONVERT(VARCHAR(10), [v], 23) + ' ' + CONVERT(VARCHAR(8), [v], 108) + ${FRACTION(`LEFT(${MILLIS}, 2)`, 2)} END`],
  ['smalldatetime digits 0', col('smalldatetime', { dp: 0 }), { type: 'timestamp', fractionalDigits: 0 },
    "CASE WHEN [v] IS NULL THEN NULL ELSE CONVERT(VARCHAR(10), [v], 23) + ' ' + CONVERT(VARCHAR(8), [v], 108) END"],
  ['smalldatetime digits 3 (no fraction stored)', col('smalldatetime', { dp: 0 }), { type: 'timestamp', fractionalDigits: 3 },
    "CASE WHEN [v] IS NULL THEN NULL ELSE CONVERT(VARCHAR(10), [v], 23) + ' ' + CONVERT(VARCHAR(8), [v], 108) END"],
  ['date as timestamp', col('date'), { type: 'timestamp', fractionalDigits: 2 },
    "CASE WHEN [v] IS NULL THEN NULL ELSE CONVERT(VARCHAR(10), [v], 23) + ' 00:00:00' END"],
  // datetimeoffset: the instant in UTC (SWITCHOFFSET), then as datetime2; '+00' appended (PostgreSQL's UTC).
  ['datetimeoffset(7) digits 6', col('datetimeoffset', { dp: 7 }), { type: 'timestamptz', fractionalDigits: 6 },
    `CASE WHEN [v] IS NULL THEN NULL ELSE CONVERT(VARCHAR(10), ${UTC}, 23) + ' ' + CONVERT(VARCHAR(8), ${UTC}, 108) + ${FRACTION(`LEFT(RIGHT('00000000' + CONVERT(VARCHAR(9), DATEPART(NANOSECOND, ${UTC})), 9), 6)`, 6)} + '+00' END`],
  ['datetime2 as timestamptz (taken as UTC)', col('datetime2', { dp: 0 }), { type: 'timestamptz', fractionalDigits: 0 },
    "CASE WHEN [v] IS NULL THEN NULL ELSE CONVERT(VARCHAR(10), [v], 23) + ' ' + CONVERT(VARCHAR(8), [v], 108) + '+00' END"],
  // uniqueidentifier: CONVERT gives upper case; the canonical form is lower case. (Never ordered by: see hash segmentation.)
  ['uniqueidentifier', col('uniqueidentifier'), { type: 'uuid' }, 'LOWER(CONVERT(VARCHAR(36), [v]))'],
  ['uniqueidentifier as text', col('uniqueidentifier'), { type: 'text' }, "CASE WHEN [v] IS NULL THEN NULL ELSE '36:' + CONVERT(VARCHAR(36), [v]) END"],
  // Text: to NVARCHAR (decodes a VARCHAR code page), then VARCHAR under a _UTF8 collation = UTF-8 bytes; DATALENGTH counts them.
  ['nvarchar', col('nvarchar'), { type: 'text' },
    `CASE WHEN [v] IS NULL THEN NULL ELSE CONVERT(VARCHAR(20), DATALENGTH(${UTF8})) + ':' + ${UTF8} END`],
  ['varchar', col('varchar'), { type: 'text' },
    `CASE WHEN [v] IS NULL THEN NULL ELSE CONVERT(VARCHAR(20), DATALENGTH(${UTF8})) + ':' + ${UTF8} END`],
  ['nchar rtrim', col('nchar'), { type: 'text', rtrim: true },
    `CASE WHEN [v] IS NULL THEN NULL ELSE CONVERT(VARCHAR(20), DATALENGTH(${UTF8_RTRIM})) + ':' + ${UTF8_RTRIM} END`],
  ['ntext', col('ntext'), { type: 'text' },
    `CASE WHEN [v] IS NULL THEN NULL ELSE CONVERT(VARCHAR(20), DATALENGTH(${UTF8})) + ':' + ${UTF8} END`],
  // Binary: style 2 = hex without 0x; lower-cased. VARBINARY(MAX) first so image / rowversion convert too.
  ['varbinary', col('varbinary'), { type: 'binary' }, 'LOWER(CONVERT(VARCHAR(MAX), CONVERT(VARBINARY(MAX), [v]), 2))'],
  ['rowversion', col('timestamp'), { type: 'binary' }, 'LOWER(CONVERT(VARCHAR(MAX), CONVERT(VARBINARY(MAX), [v]), 2))'],
];

describe('T-SQL canonical expressions', () => {
  it.each(RENDERINGS)('%s', (_what, column, spec, expected) => {
    expect(expr(column, spec)).toBe(expected);
  });

  const all = RENDERINGS.map(([, c, s]) => expr(c, s));
  const hashed = [mssqlRowText(all), mssqlRowHash(mssqlRowText(all)), mssqlKeyHash(mssqlRowText(all.slice(0, 2)))];

  it('never use FORMAT(), STR(), CONCAT / CONCAT_WS or ISNULL', () => {
    for (const e of [...all, ...hashed]) {
      expect(e).not.toMatch(/\bFORMAT\s*\(/i);
      expect(e).not.toMatch(/\bSTR\s*\(/i);
      expect(e).not.toMatch(/\bCONCAT(_WS)?\s*\(/i);
      expect(e).not.toMatch(/\bISNULL\s*\(/i);
    }
  });

  it('always give CONVERT / CAST to a character type an explicit length, never CHAR / NCHAR (padding)', () => {
    let checked = 0;
    for (const e of [...all, ...hashed]) {
      for (const m of e.matchAll(/\b(?:CONVERT|CAST)\s*\(\s*(N?VARCHAR|N?CHAR)\b(\([^)]*\))?/gi)) {
        expect(m[2], `length of ${m[0]}`).toMatch(/^\((\d+|MAX)\)$/);
        expect(m[1]!.toUpperCase()).toMatch(/VARCHAR$/);
        checked += 1;
      }
      expect(e).not.toMatch(/\bAS\s+N?(VAR)?CHAR\s*\)/i);
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('use only culture-free CONVERT styles (23 ISO date, 108 hh:mi:ss, 2 hex without 0x)', () => {
    const used = new Set(all.flatMap(convertStyles));
    expect([...used].sort()).toEqual(['108', '2', '23']);
    // Every date/time value converted to text names its style (style 0 is "mon dd yyyy hh:miAM", language-dependent).
    let temporal = 0;
    for (const [, column, spec] of RENDERINGS) {
      if (!/date|time/.test(column.dataType)) continue;
      for (const args of convertCalls(expr(column, spec))) {
        if (!/^VARCHAR/.test(args[0]!) || /^(DATEPART|DATALENGTH)\(/.test(args[1]!)) continue;
        expect(args, `CONVERT(${args.join(', ')})`).toHaveLength(3);
        temporal += 1;
      }
    }
    expect(temporal).toBeGreaterThan(20);
  });

  it('keep hashed text VARCHAR: no N\'...\' literal, which would turn the row into UTF-16 NVARCHAR', () => {
    for (const e of hashed) expect(e).not.toMatch(/(^|[^A-Za-z0-9_\\])N'/);
    expect("x + N'a'").toMatch(/(^|[^A-Za-z0-9_\\])N'/);
  });

  it('rejects float / real with the reason (no exact T-SQL form): client-side hashing', () => {
    expect(() => expr(col('float'), { type: 'float', floatDigits: 15 })).toThrow(/float/);
    expect(mssqlServerSideSupported(col('float'), { type: 'float', floatDigits: 15 })).toBe(false);
    expect(mssqlServerSideSupported(col('real'), { type: 'float', floatDigits: 6 })).toBe(false);
    expect(() => expr(col('xml'), { type: 'text' })).toThrow(/no T-SQL rendering of xml/);
  });
});

describe('row text, row hash, key hash', () => {
  it('joins COALESCE(field, \'\\N\') with \'|\', starting with VARCHAR(MAX) so + never truncates at 8000 bytes', () => {
    expect(mssqlRowText(['A', 'B', 'C'])).toBe(
      "CONVERT(VARCHAR(MAX), COALESCE(A, '\\N')) + '|' + COALESCE(B, '\\N') + '|' + COALESCE(C, '\\N')",
    );
  });

  it('works for a single column (where CONCAT would need two arguments)', () => {
    expect(mssqlRowText(['A'])).toBe("CONVERT(VARCHAR(MAX), COALESCE(A, '\\N'))");
    expect(() => mssqlRowText([])).toThrow(/at least one/);
  });

  it('row hash: first 8 bytes of MD5 as a big-endian signed BIGINT (= PostgreSQL (\'x\' || left(md5, 16))::bit(64)::bigint)', () => {
    expect(mssqlRowHash('T')).toBe("CONVERT(BIGINT, SUBSTRING(HASHBYTES('MD5', T), 1, 8))");
  });

  it('key hash: first 4 bytes zero-extended, modulo a BIGINT 2^31 (a bare 2147483648 is numeric(10,0): DECIMAL per row)', () => {
    expect(mssqlKeyHash('K')).toBe("(CONVERT(BIGINT, SUBSTRING(HASHBYTES('MD5', K), 1, 4)) % CONVERT(BIGINT, 2147483648))");
    expect(mssqlKeyHash('K')).not.toMatch(/% 2147483648/);
  });
});

describe('canonical families of SQL Server types', () => {
  const FAMILIES: Array<[string, CatalogColumn, unknown]> = [
    ['bit', col('bit'), { type: 'bool' }],
    ['tinyint', col('tinyint'), { type: 'int' }],
    ['smallint', col('smallint'), { type: 'int' }],
    ['int', col('int'), { type: 'int' }],
    ['bigint', col('bigint'), { type: 'int' }],
    ['decimal(12,3)', col('decimal', { p: 12, s: 3 }), { type: 'decimal', scale: 3 }],
    ['numeric(9,0)', col('numeric', { p: 9, s: 0 }), { type: 'decimal', scale: 0 }],
    ['money', col('money'), { type: 'decimal', scale: 4 }],
    ['smallmoney', col('smallmoney'), { type: 'decimal', scale: 4 }],
    ['float', col('float'), { type: 'float', floatDigits: 15 }],
    ['real', col('real'), { type: 'float', floatDigits: 6 }],
    ['date', col('date'), { type: 'date' }],
    ['time(7) clamps to 6', col('time', { dp: 7 }), { type: 'time', fractionalDigits: 6 }],
    ['time(3)', col('time', { dp: 3 }), { type: 'time', fractionalDigits: 3 }],
    ['datetime2(7)', col('datetime2', { dp: 7 }), { type: 'timestamp', fractionalDigits: 6 }],
    ['datetime2(2)', col('datetime2', { dp: 2 }), { type: 'timestamp', fractionalDigits: 2 }],
    ['datetime', col('datetime', { dp: 3 }), { type: 'timestamp', fractionalDigits: 3 }],
    ['smalldatetime', col('smalldatetime'), { type: 'timestamp', fractionalDigits: 0 }],
    ['datetimeoffset(7)', col('datetimeoffset', { dp: 7 }), { type: 'timestamptz', fractionalDigits: 6 }],
    ['uniqueidentifier', col('uniqueidentifier'), { type: 'uuid' }],
    ['char', col('char'), { type: 'text', fixedWidth: true }],
    ['nchar', col('nchar'), { type: 'text', fixedWidth: true }],
    ['varchar', col('varchar'), { type: 'text' }],
    ['nvarchar', col('nvarchar'), { type: 'text' }],
    ['text', col('text'), { type: 'text' }],
    ['binary', col('binary'), { type: 'binary' }],
    ['varbinary', col('varbinary'), { type: 'binary' }],
    ['image', col('image'), { type: 'binary' }],
    ['rowversion', col('timestamp'), { type: 'binary' }],
  ];
  it.each(FAMILIES)('%s', (_n, c, fam) => expect(mssqlCanonicalFamily(c)).toEqual(fam));

  it.each(['xml', 'sql_variant', 'geography', 'geometry', 'hierarchyid', 'cursor'])('%s is reported unsupported with a reason', (t) => {
    const f = mssqlCanonicalFamily(col(t));
    expect('unsupported' in f && f.unsupported.length > 10).toBe(true);
  });
});

describe('serverSideSupported: which pairs hash in SQL Server', () => {
  const yes: Array<[CatalogColumn, CanonicalSpec]> = [
    [col('int'), { type: 'int' }], [col('bit'), { type: 'bool' }], [col('decimal', { p: 10, s: 2 }), { type: 'decimal', scale: 2 }],
    [col('money'), { type: 'decimal', scale: 4 }], [col('date'), { type: 'date' }], [col('time', { dp: 7 }), { type: 'time', fractionalDigits: 6 }],
    [col('datetime2', { dp: 7 }), { type: 'timestamp', fractionalDigits: 6 }], [col('datetime'), { type: 'timestamp', fractionalDigits: 3 }],
    [col('smalldatetime'), { type: 'timestamp', fractionalDigits: 0 }], [col('datetimeoffset'), { type: 'timestamptz', fractionalDigits: 6 }],
    [col('uniqueidentifier'), { type: 'uuid' }], [col('nvarchar'), { type: 'text' }], [col('char'), { type: 'text', rtrim: true }],
    [col('varbinary'), { type: 'binary' }],
  ];
  const no: Array<[CatalogColumn, CanonicalSpec]> = [
    [col('float'), { type: 'float', floatDigits: 15 }], [col('real'), { type: 'float', floatDigits: 6 }],
    [col('datetimeoffset'), { type: 'date' }], [col('nvarchar'), { type: 'uuid' }], [col('decimal', { p: 10, s: 2 }), { type: 'int' }],
    [col('bit'), { type: 'decimal', scale: 0 }], [col('datetime2'), { type: 'time' }], [col('int'), { type: 'text' }],
  ];
  it.each(yes)('%o as %o: yes', (c, s) => expect(mssqlServerSideSupported(c, s)).toBe(true));
  it.each(no)('%o as %o: no', (c, s) => expect(mssqlServerSideSupported(c, s)).toBe(false));

  it('text needs a _UTF8 collation (SQL Server 2019+): on 2017 it falls back to client-side, other types stay server-side', () => {
    const caps2017 = capabilitiesFromProbe({ product_version: '14.0.3456.2', engine_edition: 3, utf8_code_page: null, snapshot_state: 1, rcsi: 0, compat: 140 });
    const text = col('nvarchar');
    const n = col('int');
    rememberCapabilities([text, n], caps2017);
    expect(mssqlServerSideSupported(text, { type: 'text' })).toBe(false);
    expect(mssqlUnsupportedReason(text, { type: 'text' })).toMatch(/no _UTF8 collation/);
    expect(mssqlServerSideSupported(n, { type: 'int' })).toBe(true);
    expect(() => mssqlCanonicalExpression(side(text, { type: 'text' }))).toThrow(/UTF-8/);
    // uniqueidentifier text is ASCII: fine without UTF-8.
    const u = col('uniqueidentifier');
    rememberCapabilities([u], caps2017);
    expect(mssqlServerSideSupported(u, { type: 'text' })).toBe(true);
  });

  it('before SQL Server 2016 (HASHBYTES limited to 8000 bytes) everything is hashed client-side', () => {
    const caps2014 = capabilitiesFromProbe({ product_version: '12.0.6024.0', engine_edition: 3, utf8_code_page: null, snapshot_state: 0, rcsi: 0, compat: 120 });
    const c = col('int');
    rememberCapabilities([c], caps2014);
    expect(mssqlServerSideSupported(c, { type: 'int' })).toBe(false);
    expect(mssqlUnsupportedReason(c, { type: 'int' })).toMatch(/8000 bytes/);
  });

  it('SQL Server 2016 (no STRING_AGG) hashes client-side: canonical form 3 joins a unit of rows in the database', () => {
    const caps2016 = capabilitiesFromProbe({ product_version: '13.0.7000.253', engine_edition: 3, utf8_code_page: null, snapshot_state: 0, rcsi: 0, compat: 130 });
    expect(caps2016.unlimitedHashbytes).toBe(true);
    expect(caps2016.stringAgg).toBe(false);
    const c = col('int');
    rememberCapabilities([c], caps2016);
    expect(mssqlServerSideSupported(c, { type: 'int' })).toBe(false);
    expect(mssqlUnsupportedReason(c, { type: 'int' })).toMatch(/STRING_AGG \(2017 or later/);
    const caps2017 = capabilitiesFromProbe({ product_version: '14.0.3456.2', engine_edition: 3, utf8_code_page: null, snapshot_state: 0, rcsi: 0, compat: 140 });
    rememberCapabilities([c], caps2017);
    expect(mssqlServerSideSupported(c, { type: 'int' })).toBe(true);
  });

  it('Azure SQL Database reports version 12 but has UTF-8 collations and unlimited HASHBYTES', () => {
    const azure = capabilitiesFromProbe({ product_version: '12.0.2000.8', engine_edition: 5, utf8_code_page: 65001, snapshot_state: 1, rcsi: 1, compat: 160 });
    expect(azure.unlimitedHashbytes).toBe(true);
    expect(azure.stringAgg).toBe(true);
    expect(azure.utf8).toBe(true);
    expect(azure.snapshotIsolation).toBe(true);
    const c = col('nvarchar');
    rememberCapabilities([c], azure);
    expect(mssqlServerSideSupported(c, { type: 'text' })).toBe(true);
  });

  it('columns not read from a server are assumed modern (a wrong guess fails with an unknown collation, never silently)', () => {
    expect(MODERN_SERVER.utf8).toBe(true);
    expect(mssqlServerSideSupported(col('nvarchar'), { type: 'text' })).toBe(true);
  });
});

describe('raw values for client-side hashing', () => {
  const RAW: Array<[string, CatalogColumn, string]> = [
    ['decimal travels as exact text', col('decimal', { p: 10, s: 2 }), 'CONVERT(VARCHAR(48), [v])'],
    ['money as DECIMAL(19,4) text', col('money'), 'CONVERT(VARCHAR(48), CONVERT(DECIMAL(19, 4), [v]))'],
    ['date as yyyy-mm-dd', col('date'), 'CONVERT(VARCHAR(10), [v], 23)'],
    ['time with 9 fraction digits', col('time'), `CASE WHEN [v] IS NULL THEN NULL ELSE CONVERT(VARCHAR(8), [v], 108) + '.' + ${NANOS} END`],
    ['datetime2 with 9 fraction digits', col('datetime2'), `CASE WHEN [v] IS NULL THEN NULL ELSE CONVERT(VARCHAR(10), [v], 23) + ' ' + CONVERT(VARCHAR(8), [v], 108) + '.' + ${NANOS} END`],
    ['datetime with its displayed milliseconds', col('datetime'), "CASE WHEN [v] IS NULL THEN NULL ELSE CONVERT(VARCHAR(10), [v], 23) + ' ' + CONVERT(VARCHAR(8), [v], 108) + '.' + RIGHT('00' + CONVERT(VARCHAR(3), DATEPART(MILLISECOND, [v])), 3) END"],
    ['smalldatetime', col('smalldatetime'), "CASE WHEN [v] IS NULL THEN NULL ELSE CONVERT(VARCHAR(10), [v], 23) + ' ' + CONVERT(VARCHAR(8), [v], 108) END"],
    ['datetimeoffset as local time + its offset', col('datetimeoffset'), `CASE WHEN [v] IS NULL THEN NULL ELSE CONVERT(VARCHAR(10), [v], 23) + ' ' + CONVERT(VARCHAR(8), [v], 108) + '.' + ${NANOS} + ' ' + CONVERT(VARCHAR(6), DATENAME(TZOFFSET, [v])) END`],
    ['float as the driver gives it (exact double)', col('float'), '[v]'],
    ['nvarchar as the driver gives it', col('nvarchar'), '[v]'],
  ];
  it.each(RAW)('%s', (_w, c, sql) => expect(mssqlRawExpression(c, '[v]')).toBe(sql));
});
