/**
 * The SQL Server side of repair and lag, without a SQL Server: every T-SQL
 * text they send (signal INSERTs, the key filters Debezium runs on the
 * source, the CDC position reads) parsed with node-sql-parser in TransactSQL
 * mode, and hostile key values proven to come back out of the parsed literal
 * unchanged (an escape bug would change the parse tree or the value).
 * Two parse-only substitutions: COUNT_BIG( -> COUNT( (the parser does not
 * know COUNT_BIG, as in mssql-statements.test.ts), and every backslash -> a
 * private-use character mapped back in the values: the parser reads \ inside
 * N'...' as an escape the way MySQL does, T-SQL does not (a backslash is an
 * ordinary character; the one T-SQL rule, backslash + line break = line
 * continuation, cannot occur because line breaks are written as NCHAR()).
 */
import fc from 'fast-check';
import sqlParser from 'node-sql-parser';
import { describe, expect, it } from 'vitest';
import type { CatalogColumn, CatalogTable } from '../../src/dialects/types.js';
import { DATABASE_SQL, lsnBytes, MAX_POSITION_SQL, normaliseLsn, PENDING_SQL } from '../../src/lag/mssql.js';
import { recheckDelayFromLag } from '../../src/lag/measure.js';
import type { LagReport } from '../../src/lag/types.js';
import { lagConfigOf, repairConfigOf } from '../../src/config/repair.js';
import { decodeKeyValue, KeyEncodingError, keyPredicate, mssqlLiteral, mssqlString, type KeyColumnRef } from '../../src/repair/keys.js';
import { asciiJson, dataCollectionId, insertSignalStatement, planSignals, resolveSignalTable, SIGNAL_TYPE } from '../../src/repair/signal.js';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/util/errors.js';

const parser = new sqlParser.Parser();

interface Node {
  type: string;
  name?: { name: Array<{ value: string }> };
  args?: { value: Node[] };
  operator?: string;
  left?: Node;
  right?: Node;
  value?: unknown;
  column?: string;
  parentheses?: boolean;
}

const BACKSLASH = '\ue000';

function parseTsql(sql: string): Record<string, unknown> {
  expect(sql).not.toContain(BACKSLASH);
  const ast = parser.astify(sql.replace(/\bCOUNT_BIG\(/g, 'COUNT(').replace(/\\/g, BACKSLASH), { database: 'TransactSQL' });
  const list = Array.isArray(ast) ? ast : [ast];
  expect(list, sql).toHaveLength(1);
  return list[0] as unknown as Record<string, unknown>;
}

/** The WHERE tree of the filter as Debezium runs it: SELECT * FROM <table> WHERE <filter>. */
function whereOf(filter: string): Node {
  return parseTsql(`SELECT * FROM [dbo].[orders] WHERE ${filter}`).where as Node;
}

/** The value a literal node stands for ('' is one '; N'a' + NCHAR(10) + N'b' is evaluated). */
function literal(n: Node): unknown {
  if (n.type === 'var_string' || n.type === 'single_quote_string') return String(n.value).replace(/''/g, "'").replaceAll(BACKSLASH, '\\');
  if (n.type === 'binary_expr' && n.operator === '+') return `${literal(n.left!) as string}${literal(n.right!) as string}`;
  if (n.type === 'function' && n.name?.name[0]?.value.toUpperCase() === 'NCHAR') return String.fromCharCode(Number(n.args!.value[0]!.value));
  if (n.type === 'full_hex_string') return `0x${String(n.value)}`;
  if (n.type === 'number') return n.value;
  throw new Error(`not a literal: ${JSON.stringify(n)}`);
}

function disjuncts(n: Node): Node[] {
  return n.type === 'binary_expr' && n.operator === 'OR' ? [...disjuncts(n.left!), ...disjuncts(n.right!)] : [n];
}

function conjuncts(n: Node): Node[] {
  return n.type === 'binary_expr' && n.operator === 'AND' ? [...conjuncts(n.left!), ...conjuncts(n.right!)] : [n];
}

/** Composite filter -> [[column, value], ...] per key; fails unless it is exactly an OR of ANDs of column = literal. */
function keysOf(filter: string): Array<Array<[string, unknown]>> {
  return disjuncts(whereOf(filter)).map((d) =>
    conjuncts(d).map((c) => {
      expect(c.type).toBe('binary_expr');
      expect(c.operator).toBe('=');
      expect(c.left!.type).toBe('column_ref');
      return [c.left!.column!, literal(c.right!)];
    }),
  );
}

function col(name: string, dataType: string, o: Partial<CatalogColumn> = {}): CatalogColumn {
  return { name, dataType, precision: null, scale: null, length: null, datetimePrecision: null, nullable: false, collation: null, ordinal: 1, ...o };
}

const text = (s: string) => `${Buffer.byteLength(s, 'utf8')}:${s}`;
const ID: KeyColumnRef = { name: 'id', column: col('id', 'bigint'), spec: { type: 'int' } };
const CODE: KeyColumnRef = { name: 'code', column: col('code', 'nvarchar', { length: 200 }), spec: { type: 'text' } };
const LINE: KeyColumnRef = { name: 'line', column: col('line', 'int'), spec: { type: 'int' } };

const HOSTILE = [
  "O'Brien",
  "x'); DROP TABLE [dbo].[orders]; --",
  "N'",
  "'",
  "''",
  'back\\slash \\',
  'multi\nline\r\n-- comment',
  '/* not a comment */',
  ']]bracket[[',
  'Ωμέγα 😀 中文',
  '?',
  '{fn now()}',
  '%s',
  '  spaces  ',
  '',
];

describe('signal key filters (T-SQL, run by Debezium on the source)', () => {
  it('single integer key: one IN list of exactly the keys', () => {
    const f = keyPredicate('mssql', [ID], [['3'], ['-5'], ['9223372036854775807']]);
    expect(f).toBe('([id] IN (3, -5, 9223372036854775807))');
    const w = whereOf(f);
    expect(w.operator).toBe('IN');
    expect((w.right as unknown as { value: Node[] }).value.map((n) => String(n.value))).toEqual(['3', '-5', '9223372036854775807']);
  });

  it('composite key with hostile strings: an OR of ANDs, every value back unchanged', () => {
    const keys = HOSTILE.map((s, i) => [text(s), String(i)]);
    const f = keyPredicate('mssql', [CODE, LINE], keys);
    expect(f.startsWith('((') && f.endsWith('))')).toBe(true);
    const parsed = keysOf(f);
    expect(parsed).toHaveLength(HOSTILE.length);
    parsed.forEach((k, i) => expect(k).toEqual([['code', HOSTILE[i]], ['line', i]]));
  });

  it('varchar keys are written as \'...\' (no N prefix: no conversion per row under a SQL_ collation); non-ASCII keeps N\'...\'', () => {
    const VCODE: KeyColumnRef = { name: 'code', column: col('code', 'varchar', { length: 20 }), spec: { type: 'text' } };
    const f = keyPredicate('mssql', [VCODE], [[text('AB-1')], [text("o'k")], [text('Zoë')]]);
    expect(f).toBe("([code] IN ('AB-1', 'o''k', N'Zoë'))");
    expect((whereOf(f).right as unknown as { value: Node[] }).value.map(literal)).toEqual(['AB-1', "o'k", 'Zoë']);
    // nvarchar keys keep N'...'; PostgreSQL is unchanged.
    expect(keyPredicate('mssql', [CODE], [[text('AB-1')]])).toBe("([code] IN (N'AB-1'))");
    expect(keyPredicate('postgres', [{ ...VCODE, column: col('code', 'character varying') }], [[text('AB-1')]])).toBe(`("code" IN (E'AB-1'))`);
  });

  it('line breaks are NCHAR()s, never raw: a backslash before one cannot become a line continuation', () => {
    expect(mssqlString('a\\\r\nb')).toBe("(N'a\\' + NCHAR(13) + NCHAR(10) + N'b')");
    expect(mssqlString('\n')).toBe('NCHAR(10)');
    expect(mssqlString('')).toBe("N''");
    const f = keyPredicate('mssql', [ID, CODE].reverse(), [[text('x\\\nDROP'), '1']]);
    expect(f).not.toMatch(/[\r\n]/);
    expect(keysOf(f)[0]).toEqual([['code', 'x\\\nDROP'], ['id', 1]]);
  });

  it('any string survives the round trip (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 30 }).filter((s) => !s.includes('\u0000')), { minLength: 1, maxLength: 5 }), (values) => {
        const f = keyPredicate('mssql', [CODE, LINE], values.map((v, i) => [text(v), String(i)]));
        expect(keysOf(f).map((k) => k[0]![1])).toEqual(values);
      }),
      { numRuns: 200 },
    );
  });

  it('every key type as a T-SQL literal the parser reads back', () => {
    const cols: KeyColumnRef[] = [
      { name: 'g', column: col('g', 'uniqueidentifier'), spec: { type: 'uuid' } },
      { name: 'd', column: col('d', 'date'), spec: { type: 'date' } },
      { name: 'ts', column: col('ts', 'datetime', { datetimePrecision: 3 }), spec: { type: 'timestamp', fractionalDigits: 3 } },
      { name: 'tz', column: col('tz', 'datetimeoffset', { datetimePrecision: 6 }), spec: { type: 'timestamptz', fractionalDigits: 6 } },
      { name: 'b', column: col('b', 'varbinary', { length: 16 }), spec: { type: 'binary' } },
      { name: 'f', column: col('f', 'bit'), spec: { type: 'bool' } },
      { name: 'n', column: col('n', 'decimal', { precision: 12, scale: 2 }), spec: { type: 'decimal', scale: 2 } },
    ];
    const values = ['1b4e28ba-2fa1-11d2-883f-0016d3cca427', '2024-02-29', '2024-02-29 23:59:59.997', '2024-02-29 23:59:59.123456+00', '00ff10', '1', '-12.50'];
    const f = keyPredicate('mssql', cols, [values]);
    expect(f).toBe("(([g] = '1b4e28ba-2fa1-11d2-883f-0016d3cca427' AND [d] = '2024-02-29' AND [ts] = '2024-02-29T23:59:59.997' AND [tz] = '2024-02-29T23:59:59.123456Z' AND [b] = 0x00FF10 AND [f] = 1 AND [n] = -12.50))");
    expect(keysOf(f)[0]!.map(([c, v]) => [c, String(v)])).toEqual([
      // Time stamps as ISO 8601 ('T', 'Z'): the same under every DATEFORMAT.
      ['g', values[0]], ['d', values[1]], ['ts', '2024-02-29T23:59:59.997'], ['tz', '2024-02-29T23:59:59.123456Z'], ['b', '0x00FF10'], ['f', '1'], ['n', '-12.50'],
    ]);
  });

  it('refuses keys a literal cannot select exactly, with the reason', () => {
    const refuse = (canonical: string, ref: KeyColumnRef, re: RegExp) => expect(() => decodeKeyValue(canonical, ref.spec, ref.column, 'mssql')).toThrow(re);
    refuse('1.5', { name: 'f', column: col('f', 'float'), spec: { type: 'float', floatDigits: 15 } }, /floating-point/);
    refuse('2024-01-01 00:00:00.123456', { name: 't', column: col('t', 'datetime2', { datetimePrecision: 7 }), spec: { type: 'timestamp', fractionalDigits: 6 } }, /6 fractional digits, the column holds 7/);
    refuse('1.25', { name: 'n', column: col('n', 'decimal', { scale: 4 }), spec: { type: 'decimal', scale: 2 } }, /scale 2, the column has scale 4/);
    refuse(text('a\u0000b'), CODE, /NUL/);
    // Shapes that are not what the engine produces are refused, never quoted blindly.
    refuse("1' OR '1'='1", ID, /unexpected canonical integer/);
    refuse("2024-01-01'; --", { name: 'd', column: col('d', 'date'), spec: { type: 'date' } }, /unexpected canonical date/);
    refuse('5:abc', CODE, /unexpected canonical text length/);
    expect(() => mssqlLiteral({ type: 'temporal', text: "x' --" })).toThrow(KeyEncodingError);
  });
});

describe('signal rows', () => {
  const signalCatalog: CatalogTable = {
    schema: 'dbo',
    name: 'debezium_signal',
    columns: [col('ID', 'varchar', { length: 42 }), col('type', 'varchar', { length: 32 }), col('data', 'varchar', { length: 2048 })],
    primaryKey: ['ID'],
    estimatedRows: 0,
  };

  it('INSERT into the catalog-resolved signalling table, three bound values', () => {
    const table = resolveSignalTable(signalCatalog);
    expect(table).toEqual({ ref: { schema: 'dbo', name: 'debezium_signal' }, columns: { id: 'ID', type: 'type', data: 'data' }, dataMaxLength: 2048 });
    const [s] = planSignals({ dialect: 'mssql', collection: 'shop.dbo.orders', columns: [ID], keys: [['1'], ['2']], batchSize: 10, maxDataLength: 2048, newId: () => 'id-1' });
    const stmt = insertSignalStatement('mssql', table, s!);
    expect(stmt.text).toBe('INSERT INTO [dbo].[debezium_signal] ([ID], [type], [data]) VALUES (@p1, @p2, @p3)');
    expect(stmt.values).toEqual(['id-1', SIGNAL_TYPE, s!.data]);
    const ast = parseTsql(stmt.text) as { type: string; table: Array<{ db: string; table: string }>; columns: string[]; values: { values: Array<{ value: Array<{ type: string; name?: string }> }> } };
    expect(ast.type).toBe('insert');
    expect(ast.table[0]).toMatchObject({ db: 'dbo', table: 'debezium_signal' });
    expect(ast.columns).toEqual(['ID', 'type', 'data']);
    // Only parameters in VALUES: nothing of the signal is in the statement text.
    expect(JSON.stringify(ast.values)).not.toMatch(/single_quote_string|var_string|number/);
    expect(ast.values.values[0]!.value.map((v) => (v as { column?: string }).column)).toEqual(['@p1', '@p2', '@p3']);
  });

  it('a hostile signalling table name is quoted as QUOTENAME would', () => {
    const table = resolveSignalTable({ ...signalCatalog, schema: 'sig]; DROP TABLE x; --', name: 'a]b' });
    const stmt = insertSignalStatement('mssql', table, { id: 'x', keys: 1, data: '{}' });
    expect(stmt.text).toBe('INSERT INTO [sig]]; DROP TABLE x; --].[a]]b] ([ID], [type], [data]) VALUES (@p1, @p2, @p3)');
  });

  it('the table must have the id, type and data columns', () => {
    expect(() => resolveSignalTable({ ...signalCatalog, columns: signalCatalog.columns.slice(0, 2) })).toThrow(/no "data" column/);
  });

  it('data is the execute-snapshot JSON, ASCII only, with the filter exactly as built', () => {
    const keys = [[text('Ωμέγα'), '1'], [text("it's"), '2']];
    const [s] = planSignals({ dialect: 'mssql', collection: 'shop.dbo.lines', columns: [CODE, LINE], keys, batchSize: 10, maxDataLength: null });
    expect(s!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(s!.data).toMatch(/^[\x20-\x7e]*$/);
    const data = JSON.parse(s!.data);
    expect(data).toEqual({
      'data-collections': ['shop.dbo.lines'],
      type: 'incremental',
      'additional-conditions': [{ 'data-collection': 'shop.dbo.lines', filter: keyPredicate('mssql', [CODE, LINE], keys) }],
    });
    expect(keysOf(data['additional-conditions'][0].filter).map((k) => k[0]![1])).toEqual(['Ωμέγα', "it's"]);
    expect(asciiJson('😀')).toBe('"\\ud83d\\ude00"');
  });

  it('batches by key count and by the data column length; one key too long is refused', () => {
    const keys = Array.from({ length: 5 }, (_, i) => [String(1000 + i)]);
    const byCount = planSignals({ dialect: 'mssql', collection: 'db.dbo.t', columns: [ID], keys, batchSize: 2, maxDataLength: null });
    expect(byCount.map((s) => s.keys)).toEqual([2, 2, 1]);
    const one = planSignals({ dialect: 'mssql', collection: 'db.dbo.t', columns: [ID], keys: keys.slice(0, 1), batchSize: 1, maxDataLength: null })[0]!;
    const byLength = planSignals({ dialect: 'mssql', collection: 'db.dbo.t', columns: [ID], keys, batchSize: 5, maxDataLength: one.data.length + 6 });
    expect(byLength.reduce((a, s) => a + s.keys, 0)).toBe(5);
    for (const s of byLength) expect(s.data.length).toBeLessThanOrEqual(one.data.length + 6);
    expect(byLength.length).toBeGreaterThan(1);
    expect(() => planSignals({ dialect: 'mssql', collection: 'db.dbo.t', columns: [ID], keys, batchSize: 5, maxDataLength: one.data.length - 1 })).toThrow(/longer than the signalling table's data column/);
  });

  it('data-collection ids: database.schema.table on SQL Server, schema.table on PostgreSQL; ambiguous names refused', () => {
    expect(dataCollectionId('mssql', 'shop', { schema: 'dbo', name: 'orders' })).toBe('shop.dbo.orders');
    expect(dataCollectionId('postgres', 'shop', { schema: 'public', name: 'orders' })).toBe('public.orders');
    expect(() => dataCollectionId('mssql', 'shop', { schema: 'dbo', name: 'my.table' })).toThrow(/regular-expression/);
    expect(() => dataCollectionId('mssql', 'shop', { schema: 'dbo', name: 'a(b)' })).toThrow(KeyEncodingError);
  });
});

describe('CDC position (T-SQL)', () => {
  it('every lag statement parses, with the columns the reader reads', () => {
    const cols = (sql: string) => ((parseTsql(sql).columns as Array<{ as: string }>) ?? []).map((c) => c.as);
    expect(cols(DATABASE_SQL)).toEqual(['database_name']);
    expect(cols(MAX_POSITION_SQL)).toEqual(['max_lsn', 'max_lsn_time']);
    expect(cols(PENDING_SQL)).toEqual(['pending', 'oldest_time', 'oldest_age_ms']);
    expect(MAX_POSITION_SQL).toContain('sys.fn_cdc_get_max_lsn()');
    expect(PENDING_SQL).toContain('FROM cdc.lsn_time_mapping');
    // The capture job's progress-only rows (all-zero tran_id) are not pending changes.
    expect(PENDING_SQL).toContain('m.tran_id <> 0x00000000000000000000');
    expect(PENDING_SQL).toContain('m.start_lsn > @p1');
  });

  it('LSNs in any spelling become binary(10) and the offsets format', () => {
    expect(lsnBytes('0000002b:00000498:0003').toString('hex')).toBe('0000002b000004980003');
    expect(lsnBytes('0x0000002B000004980003')).toHaveLength(10);
    expect(normaliseLsn('0x0000002B000004980003')).toBe('0000002b:00000498:0003');
    expect(() => lsnBytes("0x00'; --")).toThrow(/not an LSN/);
  });

  it('recheck delay from the lag: lag x factor, clamped', () => {
    const lag = (seconds: number | null) => ({ seconds }) as LagReport;
    const r = { factor: 2, minMs: 5_000, maxMs: 600_000 };
    expect(recheckDelayFromLag(lag(40), r)).toBe(80_000);
    expect(recheckDelayFromLag(lag(0), r)).toBe(5_000);
    expect(recheckDelayFromLag(lag(3600), r)).toBe(600_000);
    expect(recheckDelayFromLag(lag(null), r)).toBeUndefined();
    expect(recheckDelayFromLag(undefined, r)).toBeUndefined();
  });
});

describe('repair: and lag: config sections', () => {
  const base = 'source: { dialect: mssql, urlEnv: S, schema: sales }\ntarget: { dialect: postgres, urlEnv: T }\ntables: [{ table: orders }]\n';

  it('defaults, and the signal table in the source schema', () => {
    const c = parseConfig(`${base}repair: { signal: { table: debezium_signal } }\n`, 'x.yml');
    expect(repairConfigOf(c)).toEqual({
      maxKeys: 10_000,
      recheckDelayMs: undefined,
      healPollMs: 2_000,
      signal: { channel: 'source', table: { schema: 'sales', name: 'debezium_signal' }, urlEnv: 'S', database: undefined, batchSize: 200, kafka: undefined, connector: undefined },
      sqlFile: undefined,
    });
    expect(lagConfigOf(c)).toEqual({ enabled: true, kafkaConnect: undefined, recheck: { factor: 2, minMs: 5_000, maxMs: 600_000 } });
    const pg = parseConfig(base.replace('dialect: mssql', 'dialect: postgres'), 'x.yml');
    expect(lagConfigOf(pg).enabled).toBe(false);
  });

  it('the Kafka channel is the default when kafka is set; its connector defaults to lag.kafkaConnect', () => {
    const k = parseConfig(`${base}repair: { healPoll: 500ms, signal: { kafka: { bootstrapEnv: K, topic: sig, key: cdc } } }\n`, 'x.yml');
    expect(repairConfigOf(k)).toMatchObject({ healPollMs: 500, signal: { channel: 'kafka', table: undefined, kafka: { bootstrapEnv: 'K', topic: 'sig', key: 'cdc' } } });
    const viaLag = parseConfig(`${base}lag: { kafkaConnect: { urlEnv: KC, connector: src } }\nrepair: { signal: { kafka: { bootstrapEnv: K } } }\n`, 'x.yml');
    expect(repairConfigOf(viaLag).signal).toMatchObject({ channel: 'kafka', connector: undefined });
    const own = parseConfig(`${base}repair: { signal: { channel: kafka, kafka: { bootstrapEnv: K }, connector: { urlEnv: KC, name: src } } }\n`, 'x.yml');
    expect(repairConfigOf(own).signal?.connector).toEqual({ urlEnv: 'KC', name: 'src', timeoutMs: 10_000 });
  });

  it('typos and inline connections are errors that name the field', () => {
    const bad = (yaml: string, re: RegExp, f: (c: ReturnType<typeof parseConfig>) => unknown = repairConfigOf) => {
      // The main config schema validates these sections too, so the error comes at load time, before any query.
      const load = () => f(parseConfig(base + yaml, 'x.yml'));
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(re);
    };
    bad('repair: { signal: { table: t, urlEnv: "mssql://sa:pw@h/db" } }\n', /repair\.signal\.urlEnv: must be an environment variable name/);
    bad('repair: { maxkeys: 5 }\n', /repair: Unrecognized key/);
    bad('repair: { signal: { channel: kafka } }\n', /repair\.signal\.kafka: channel kafka needs kafka\.bootstrapEnv/);
    bad('repair: { signal: { channel: source } }\n', /repair\.signal\.table: channel source needs the signalling table/);
    bad('repair: { signal: { channel: pigeon, table: t } }\n', /repair\.signal\.channel/);
    bad('repair: { signal: { kafka: { bootstrapEnv: K } } }\n', /repair\.signal\.kafka: without a connector .* give kafka\.topic and kafka\.key/);
    bad('repair: { signal: { kafka: { bootstrapEnv: "localhost:9092" } } }\n', /repair\.signal\.kafka\.bootstrapEnv: must be an environment variable name/);
    bad('repair: { recheckDelay: soon }\n', /repair\.recheckDelay: expected a duration/);
    bad('lag: { kafkaConnect: { urlEnv: KC } }\n', /lag\.kafkaConnect\.connector/, lagConfigOf);
    bad('lag: { recheck: { min: 10m, max: 1m } }\n', /min \(600000 ms\) is above max/, lagConfigOf);
  });
});
