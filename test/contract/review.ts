/**
 * Contract cases for the SQL Server review of issue 20, run on every dialect with a real server (PostgreSQL
 * always; SQL Server when MSSQL_URL is set). Expectations come from the TypeScript reference, never from
 * the database under test. One describe block per item; cases that only mean something on one dialect
 * say so in their name and are skipped elsewhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalRowText, canonicalText, rowHash } from '../../src/canonical/render.js';
import type { CanonicalSpec } from '../../src/canonical/types.js';
import type { Bucketing, ConnectOptions, Endpoint, SegmentFilter, SideTable } from '../../src/dialects/types.js';
import { keyHash31 } from '../../src/canonical/render.js';
import { parseConfig } from '../../src/config/load.js';
import { planTables } from '../../src/engine/plan-run.js';
import { runReconcile } from '../../src/engine/run.js';
import type { RunReport, TableResult } from '../../src/report/model.js';
import { silentLogger } from '../../src/util/logger.js';
import { mssqlKeyHash } from '../../src/dialects/mssql/canonical.js';
import { lsnBytes } from '../../src/lag/mssql.js';
import { keyPredicate } from '../../src/repair/keys.js';
import { backupOptionsFor, backupSetName, buildBackupStatement, buildVerifyStatement, createMssqlRunner, quoteMssqlIdent, SERVER_INFO_SQL, serverPathJoin } from '../../src/dr/mssql/backup.js';
import { referenceSums } from '../support/unit-sums.js';
import type { ColumnDef, ContractHarness } from './harness.js';
import { insertSql } from './harness.js';

const CONNECT: ConnectOptions = { poolSize: 2, statementTimeoutMs: 120_000, connectTimeoutMs: 30_000, applicationName: 'cdc-recon-contract-review' };
const INT: CanonicalSpec = { type: 'int' };
const MIN64 = -(2n ** 63n);
const MAX64 = 2n ** 63n - 1n;
/** Keys at both ends of bigint and a span past 2^63 (issue 20, item 1). */
/** varchar keys for the repair filter (item 7): ASCII, a quote, and one outside ASCII. */
const VARCHAR_KEYS = ['AB-1', 'ab-2', "o'k", 'Zoë', 'x y'];
const EXTREME_KEYS = [MIN64, MIN64 + 1n, -9_000_000_000_000_000_000n, -1n, 0n, 1n, 9_000_000_000_000_000_000n, MAX64 - 1n, MAX64];

export function runReviewContract(h: ContractHarness): void {
  const isMssql = h.name === 'mssql';
  const int = isMssql ? 'int' : 'integer';
  const state: { url?: string; ep?: Endpoint; src?: string; tgt?: string } = {};
  const SINGLE: ColumnDef[] = [{ name: 'id', type: isMssql ? 'int' : 'integer', notNull: true }, { name: 'name', type: isMssql ? 'nvarchar(100)' : 'text' }, { name: 'qty', type: isMssql ? 'int' : 'integer' }];
  const composite = (): ColumnDef[] => [{ name: 'region', type: h.textKeyType, notNull: true }, { name: 'code', type: isMssql ? 'int' : 'integer', notNull: true }, { name: 'label', type: isMssql ? 'nvarchar(100)' : 'text' }];
  const FLOATY = (): ColumnDef[] => [{ name: 'id', type: isMssql ? 'int' : 'integer', notNull: true }, { name: 'w', type: isMssql ? 'float' : 'double precision' }];
  const singleRows = () => Array.from({ length: 300 }, (_, i) => [String(i + 1), `name ${i + 1}`, String((i * 7) % 13)]);
  const compositeRows = () => Array.from({ length: 120 }, (_, i) => [['north', 'süd', 'east', '東'][i % 4]!, String(i), `label ${i}`]);

  /** The engine end to end: source and target both on this server, CDC checks off (the databases have none). */
  async function reconcile(tables: string, hash: 'server' | 'client', mode = 'diff', cdc = false): Promise<RunReport> {
    const d = h.name;
    const config = parseConfig(
      `source: { dialect: ${d}, urlEnv: S, schema: ${h.schema}, cdc: ${cdc} }\ntarget: { dialect: ${d}, urlEnv: T, schema: ${h.schema} }\ntables: ${tables}`,
      'contract.yml',
      { hash, mode: mode as 'diff', recheckDelayMs: 0, chunkSize: 50, leafSize: 8 },
    );
    return runReconcile({ config, logger: silentLogger, env: { S: state.src!, T: state.tgt! }, minRetryDelayMs: 10 });
  }
  const rowsOf = (t: TableResult) => t.rows.map((r) => `${r.kind} ${Object.values(r.key).join(',')}${r.columns ? ` [${r.columns.join(',')}]` : ''}`).sort();
  const ep = () => state.ep!;

  beforeAll(async () => {
    state.url = await h.freshDatabase();
    const ext = [{ name: 'id', type: 'bigint', notNull: true }, { name: 'v', type: int }];
    const parts = [h.createTableSql('extreme_keys', ext, ['id']), insertSql(h, 'extreme_keys', ext, EXTREME_KEYS.map((k, i) => [k.toString(), String(i)]))];
    const vkey = [{ name: 'code', type: isMssql ? 'varchar(20) COLLATE SQL_Latin1_General_CP1_CI_AS' : 'varchar(20)', notNull: true }, { name: 'v', type: int }];
    parts.push(h.createTableSql('varchar_keys', vkey, ['code']), insertSql(h, 'varchar_keys', vkey, VARCHAR_KEYS.map((k, i) => [k, String(i)])));
    if (isMssql) {
      parts.push(`CREATE TABLE ${h.dialect.quoteTable({ schema: h.schema, name: 'with_computed' })} ([id] int NOT NULL PRIMARY KEY, [qty] int NULL, [price] decimal(12,2) NULL, [total] AS ([qty] * [price]));`);
    }
    await h.exec(state.url, parts.join('\n'));
    state.ep = await h.dialect.connect(state.url, 'source', CONNECT);
    // Two more databases: the source and target of the engine cases (identical data, then planted drift).
    state.src = await h.freshDatabase();
    state.tgt = await h.freshDatabase();
    const setup = [
      h.createTableSql('single', SINGLE, ['id']), insertSql(h, 'single', SINGLE, singleRows()),
      h.createTableSql('composite', composite(), ['region', 'code']), insertSql(h, 'composite', composite(), compositeRows()),
      h.createTableSql('floaty', FLOATY(), ['id']), insertSql(h, 'floaty', FLOATY(), [['1', '0.5'], ['2', '1e-3']]),
    ].join('\n');
    await Promise.all([h.exec(state.src, setup), h.exec(state.tgt, setup)]);
  });
  afterAll(async () => {
    await state.ep?.close();
    await h.cleanup();
  });

  async function sideTable(table: string, specs: Array<[string, CanonicalSpec]>): Promise<SideTable> {
    const cat = await h.dialect.readTable(ep(), { schema: h.schema, name: table });
    expect(cat, `table ${table}`).not.toBeNull();
    const columns = specs.map(([name, canonical]) => ({ column: cat!.columns.find((c) => c.name === name)!, canonical }));
    return { table: { schema: cat!.schema, name: cat!.name }, columns, keys: columns.slice(0, 1) };
  }

  async function checksums(t: SideTable, filter: SegmentFilter, b: Bucketing): Promise<Array<[bigint, string]>> {
    const rows = await ep().query(h.dialect.segmentChecksumStatement(t, filter, b));
    return rows
      .map((r) => h.dialect.toSegmentChecksumRow(r))
      .map((r): [bigint, string] => [r.bucket, `${r.count}:${r.sum}`])
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  /** What the engine expects: rows (key, v) bucketed by the reference, truncating toward zero, hashed by unit. */
  function expectedRange(keys: bigint[], b: Extract<Bucketing, { kind: 'range' }>): Array<[bigint, string]> {
    const rows = keys.map((k) => ({ keyText: k.toString(), text: canonicalRowText([canonicalText(INT, k.toString()), canonicalText(INT, String(EXTREME_KEYS.indexOf(k)))]) }));
    return [...referenceSums(rows, b)].map(([k, v]): [bigint, string] => [k, `${v.count}:${v.sum}`]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  describe('item 1: range buckets over keys spanning more than 2^63 (no overflow)', () => {
    const cases: Array<[string, Extract<Bucketing, { kind: 'range' }>]> = [
      ['one key per bucket from the bigint minimum (buckets up to 2^64 - 1)', { kind: 'range', base: MIN64, width: 1n }],
      ['width 2^62 from the bigint minimum', { kind: 'range', base: MIN64, width: 2n ** 62n }],
      ['width 3 from -9e18 (truncation toward zero below the base)', { kind: 'range', base: -9_000_000_000_000_000_000n, width: 3n }],
    ];
    for (const [name, b] of cases) {
      it(name, async () => {
        const t = await sideTable('extreme_keys', [['id', INT], ['v', INT]]);
        expect(await checksums(t, { kind: 'all' }, b)).toEqual(expectedRange(EXTREME_KEYS, b));
      });
    }
  });

  describe('item 2: range bounds at the ends of bigint', () => {
    it('a range ending at 9223372036854775807 and one starting at -9223372036854775808 select their rows', async () => {
      const t = await sideTable('extreme_keys', [['id', INT], ['v', INT]]);
      const filter: SegmentFilter = { kind: 'ranges', ranges: [[MIN64, MIN64 + 1n], [MAX64 - 1n, MAX64]] };
      const b: Extract<Bucketing, { kind: 'range' }> = { kind: 'range', base: MIN64, width: 2n ** 62n };
      expect(await checksums(t, filter, b)).toEqual(expectedRange([MIN64, MIN64 + 1n, MAX64 - 1n, MAX64], b));
      const rows = await ep().query(h.dialect.leafRowsStatement(t, filter));
      expect(rows.map((r) => h.dialect.toLeafRow(r, 2).keyText).sort()).toEqual([MIN64, MIN64 + 1n, MAX64 - 1n, MAX64].map(String).sort());
    });
  });

  describe('driver path: hash buckets up to 2^31', () => {
    it('a segment checksum and a residue filter with modulus 2^31', async () => {
      const t = await sideTable('extreme_keys', [['id', INT], ['v', INT]]);
      const m = 2 ** 31;
      const keyText = (k: bigint) => canonicalRowText([canonicalText(INT, k.toString())]);
      const got = await checksums(t, { kind: 'all' }, { kind: 'hash', modulus: m });
      expect(got.map(([b]) => b).sort((a, b) => (a < b ? -1 : 1))).toEqual([...new Set(EXTREME_KEYS.map((k) => BigInt(keyHash31(keyText(k)) % m)))].sort((a, b) => (a < b ? -1 : 1)));
      const one = EXTREME_KEYS[3]!;
      const rows = await ep().query(h.dialect.leafRowsStatement(t, { kind: 'residues', modulus: m, residues: [keyHash31(keyText(one)) % m] }));
      expect(rows.map((r) => h.dialect.toLeafRow(r, 2).keyText)).toEqual([one.toString()]);
    });
  });

  describe('item 4: backup options per edition', () => {
    it.skipIf(!isMssql)('SQL Server: the options this edition allows; BACKUP of a database with a 128-character name runs, verifies, and is named within 128 characters', async () => {
      const runner = await createMssqlRunner(state.url!);
      const name = `cdc_review_${'n'.repeat(117)}`;
      expect(name).toHaveLength(128);
      try {
        const [info] = await runner.query<{ edition: string; engine_edition: number }>(SERVER_INFO_SQL);
        const options = backupOptionsFor(info!);
        expect(options.compression).toBe(!(info!.engine_edition === 4 || /web/i.test(info!.edition)));
        await runner.query({ text: `CREATE DATABASE ${quoteMssqlIdent(name)}`, params: {} }, { timeoutMs: 0 });
        const [dir] = await runner.query<{ dir: string }>({ text: "SELECT CONVERT(NVARCHAR(4000), SERVERPROPERTY('InstanceDefaultBackupPath')) AS dir", params: {} });
        const path = serverPathJoin(dir!.dir, 'cdc_review_long_name.bak');
        await runner.query(buildBackupStatement(name, path, options), { timeoutMs: 0 });
        await runner.query(buildVerifyStatement(path), { timeoutMs: 0 });
        const [set] = await runner.query<{ name: string; compressed: number }>({
          text: 'SELECT TOP (1) name, CASE WHEN compressed_backup_size < backup_size THEN 1 ELSE 0 END AS compressed FROM msdb.dbo.backupset WHERE database_name = @db ORDER BY backup_finish_date DESC',
          params: { db: name },
        });
        expect(set!.name).toBe(backupSetName(name));
        expect(set!.compressed === 1).toBe(options.compression);
      } finally {
        await runner.query({ text: `IF DB_ID(@db) IS NOT NULL DROP DATABASE ${quoteMssqlIdent(name)}`, params: { db: name } }).catch(() => undefined);
        await runner.close();
      }
    });
  });

  describe('item 5: the key hash is BIGINT arithmetic', () => {
    it.skipIf(!isMssql)('SQL Server: the 31-bit key hash expression is typed bigint (not numeric)', async () => {
      const [row] = await ep().query<{ t: string }>({
        text: `SELECT CONVERT(NVARCHAR(128), SQL_VARIANT_PROPERTY(${mssqlKeyHash("CONVERT(VARCHAR(MAX), 'x')")}, 'BaseType')) AS t`,
        values: [],
        label: 'review-key-hash-type',
      });
      expect(row!.t).toBe('bigint');
    });
  });

  describe('item 7: repair filters of varchar keys', () => {
    it('the key filter selects exactly the drifted keys (\'...\' literals for ASCII, N\'...\' otherwise)', async () => {
      const cat = await h.dialect.readTable(ep(), { schema: h.schema, name: 'varchar_keys' });
      const code = cat!.columns.find((c) => c.name === 'code')!;
      const wanted = ['AB-1', "o'k", 'Zoë'];
      const filter = keyPredicate(h.name, [{ name: code.name, column: code, spec: { type: 'text' } }], wanted.map((k) => [canonicalText({ type: 'text' }, k)!]));
      if (isMssql) expect(filter).toContain("'AB-1'");
      const rows = await ep().query<{ code: string }>({ text: `SELECT ${h.dialect.quoteIdent('code')} AS code FROM ${h.dialect.quoteTable({ schema: h.schema, name: 'varchar_keys' })} WHERE ${filter}`, values: [], label: 'review-varchar-filter' });
      expect(rows.map((r) => r.code).sort()).toEqual([...wanted].sort());
    });
  });

  describe('item 9: the LSN parameter', () => {
    it.skipIf(!isMssql)('SQL Server: a 10-byte LSN arrives as varbinary(10)', async () => {
      const [row] = await ep().query<{ t: string; n: number }>({
        text: "SELECT CONVERT(NVARCHAR(128), SQL_VARIANT_PROPERTY(@p1, 'BaseType')) AS t, CONVERT(INT, SQL_VARIANT_PROPERTY(@p1, 'MaxLength')) AS n",
        values: [lsnBytes('0x0000002B000004980003')],
        label: 'review-lsn-type',
      });
      expect([row!.t, Number(row!.n)]).toEqual(['varbinary', 10]);
    });
  });

  describe('item 8: a statement at the cap of key ranges', () => {
    it('1,000 key ranges in one checksum and one leaf statement (all bound on SQL Server: 2,000 parameters)', async () => {
      const { MAX_RANGES_PER_STATEMENT } = await import('../../src/engine/reconcile-table.js');
      const t = await sideTable('extreme_keys', [['id', INT], ['v', INT]]);
      const ranges: Array<[bigint, bigint]> = Array.from({ length: MAX_RANGES_PER_STATEMENT - 1 }, (_, i) => [BigInt(i * 10 - 5000), BigInt(i * 10 - 4995)]);
      ranges.push([MAX64 - 1n, MAX64]);
      const filter: SegmentFilter = { kind: 'ranges', ranges };
      const inside = EXTREME_KEYS.filter((k) => ranges.some(([lo, hi]) => k >= lo && k <= hi));
      expect(inside.length).toBeGreaterThanOrEqual(4);
      const b: Extract<Bucketing, { kind: 'range' }> = { kind: 'range', base: MIN64, width: 2n ** 60n };
      const stmt = h.dialect.segmentChecksumStatement(t, filter, b);
      if (isMssql) expect(stmt.values.length).toBe(2 + 2 * MAX_RANGES_PER_STATEMENT);
      expect(await checksums(t, filter, b)).toEqual(expectedRange(inside, b));
      const rows = await ep().query(h.dialect.leafRowsStatement(t, filter));
      expect(rows.map((r) => h.dialect.toLeafRow(r, 2).keyText).sort()).toEqual(inside.map(String).sort());
    });
  });

  describe('DMVs in the right database', () => {
    it.skipIf(!isMssql)('SQL Server: row counts of another database come from that database (dm_db_partition_stats)', async () => {
      const { buildRowCountStatement } = await import('../../src/dr/mssql/backup.js');
      const other = await h.freshDatabase();
      await h.exec(other, `CREATE TABLE dbo.only_here (id int NOT NULL PRIMARY KEY); INSERT INTO dbo.only_here VALUES (1), (2), (3);`);
      const inOther = await createMssqlRunner(other);
      const dbName = (await inOther.query<{ d: string }>({ text: 'SELECT DB_NAME() AS d', params: {} }).finally(() => inOther.close()))[0]!.d;
      // Connected to the first database, asking about the other.
      const runner = await createMssqlRunner(state.url!);
      try {
        const rows = await runner.query<{ schema_name: string; table_name: string; row_count: number | string }>(buildRowCountStatement(dbName));
        expect(rows.map((r) => [r.schema_name, r.table_name, Number(r.row_count)])).toEqual([['dbo', 'only_here', 3]]);
      } finally {
        await runner.close();
      }
    });
  });

  describe('transient errors', () => {
    it.skipIf(!isMssql)('SQL Server: 3961 (a SNAPSHOT read after concurrent DDL) is raised by the driver and classified transient', async () => {
      const sql = (await import('mssql')).default;
      const { parseMssqlUrl } = await import('../../src/dialects/mssql/url.js');
      const { sqlErrorNumber } = await import('../../src/dialects/mssql/errors.js');
      await h.exec(state.url!, `CREATE TABLE ${h.dialect.quoteTable({ schema: h.schema, name: 'ddl_probe' })} ([id] int NOT NULL PRIMARY KEY);`);
      const pool = await new sql.ConnectionPool({ ...parseMssqlUrl(state.url!), pool: { max: 1, min: 0 } }).connect();
      try {
        const tx = new sql.Transaction(pool);
        await tx.begin(sql.ISOLATION_LEVEL.SNAPSHOT);
        await new sql.Request(tx).query('SELECT COUNT(*) AS n FROM dbo.extreme_keys');
        await h.exec(state.url!, 'ALTER TABLE dbo.ddl_probe ADD extra int NULL;');
        const err = await new sql.Request(tx).query('SELECT COUNT(*) AS n FROM dbo.ddl_probe').then(() => null, (e: unknown) => e);
        await tx.rollback().catch(() => undefined);
        expect(sqlErrorNumber(err)).toBe(3961);
        expect(h.dialect.classifyError(err)).toBe('transient');
      } finally {
        await pool.close();
      }
    });
  });

  describe('text the two paths decode differently', () => {
    it.skipIf(!isMssql)('SQL Server: cp1252 0x81 reads as U+0081, a lone surrogate as what the report labels decoding against U+FFFD', async () => {
      const { differsOnlyInDecoding } = await import('../../src/engine/diff.js');
      const table = h.dialect.quoteTable({ schema: h.schema, name: 'undecodable' });
      await h.exec(state.url!, [
        `CREATE TABLE ${table} ([id] int NOT NULL PRIMARY KEY, [v] varchar(20) COLLATE SQL_Latin1_General_CP1_CI_AS NULL, [n] nvarchar(20) NULL);`,
        `INSERT INTO ${table} VALUES (1, CONVERT(VARCHAR(20), 0x43616681), N'x' + NCHAR(0xD800));`,
      ].join('\n'));
      const t = await sideTable('undecodable', [['id', INT], ['v', { type: 'text' }], ['n', { type: 'text' }]]);
      const [r] = (await ep().query(h.dialect.leafRowsStatement(t, { kind: 'all' }))).map((x) => h.dialect.toLeafRow(x, 3));
      const text = (c: string | null | undefined) => (c ?? '').slice((c ?? '').indexOf(':') + 1);
      // What SQL Server produces in the database:
      expect(r!.columns[1]).toBe(canonicalText({ type: 'text' }, 'Caf\u0081'));
      // ...and what the Debezium -> JDBC path writes to the target (Java: U+FFFD for 0x81; '?' or U+FFFD for a lone surrogate):
      expect(differsOnlyInDecoding(text(r!.columns[1]), 'Caf\ufffd')).toBe(true);
      const n = text(r!.columns[2]);
      expect(n === 'x?' || n === 'x\ufffd' || differsOnlyInDecoding(n, 'x\ufffd')).toBe(true);
    });
  });

  describe('item 6: text in bounded types, computed once', () => {
    it('varchar(20), char(5), varchar(5) at their length limits, and a trimmed decimal(5,5): the reference text, in the database', async () => {
      const table = 'bounded_text';
      const defs: ColumnDef[] = [
        { name: 'id', type: int, notNull: true },
        { name: 'v', type: isMssql ? 'nvarchar(20)' : 'varchar(20)' },
        { name: 'c', type: isMssql ? 'nchar(5)' : 'char(5)' },
        { name: 'e', type: isMssql ? 'nvarchar(5)' : 'varchar(5)' },
        { name: 'd', type: isMssql ? 'decimal(5,5)' : 'numeric(5,5)' },
      ];
      // 20 characters of 3-byte UTF-8; 5 with a surrogate pair (4 bytes); '.5' (no integer digit) trimmed.
      const values: string[][] = [['1', '€'.repeat(20), 'ab', 'abc😀', '0.50000'], ['2', 'Zoë', 'abcde', '😀😀', '-0.00100']];
      await h.exec(state.url!, [h.createTableSql(table, defs, ['id']), insertSql(h, table, defs, values)].join('\n'));
      const specs: Array<[string, CanonicalSpec]> = [['id', INT], ['v', { type: 'text' }], ['c', { type: 'text', rtrim: true }], ['e', { type: 'text' }], ['d', { type: 'decimal' }]];
      const t = await sideTable(table, specs);
      const rows = (await ep().query(h.dialect.leafRowsStatement(t, { kind: 'all' }))).map((r) => h.dialect.toLeafRow(r, 5));
      const expected = values.map((v) => specs.map(([, spec], i) => canonicalText(spec, v[i]!)));
      expect(rows.map((r) => r.columns).sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual(expected);
      for (const r of rows) expect(r.rowHash).toBe(rowHash(canonicalRowText(r.columns)).toString());
    });
  });

  describe('item 3: computed columns', () => {
    it.skipIf(!isMssql)('SQL Server: readTable marks a computed column computed, and only that one', async () => {
      const cat = await h.dialect.readTable(ep(), { schema: h.schema, name: 'with_computed' });
      expect(cat!.columns.map((c) => [c.name, c.computed ?? false])).toEqual([['id', false], ['qty', false], ['price', false], ['total', true]]);
    });
  });

  describe('driver path: identical data matches, planted drift is found exactly (single and composite key, both hash modes)', () => {
    for (const hash of ['server', 'client'] as const) {
      it(`identical data: match (${hash} hashing)`, async () => {
        const r = await reconcile('[{ table: single }, { table: composite }]', hash);
        expect(r.tables.map((t) => [t.table, t.status, t.hash, t.error?.message])).toEqual([['single', 'match', hash, undefined], ['composite', 'match', hash, undefined]]);
      });
    }

    it('planted drift: missing, extra and changed rows, found exactly in both hash modes', async () => {
      const q = (n: string) => h.dialect.quoteIdent(n);
      const t = (n: string) => h.dialect.quoteTable({ schema: h.schema, name: n });
      const lit = (v: string, type: string) => h.literal(v, type);
      await h.exec(state.tgt!, [
        `DELETE FROM ${t('single')} WHERE ${q('id')} = 17;`,
        `UPDATE ${t('single')} SET ${q('name')} = ${lit('changed', SINGLE[1]!.type)} WHERE ${q('id')} = 1;`,
        `UPDATE ${t('single')} SET ${q('qty')} = 99 WHERE ${q('id')} = 300;`,
        insertSql(h, 'single', SINGLE, [['301', 'extra', '1']]),
        `DELETE FROM ${t('composite')} WHERE ${q('region')} = ${lit('east', composite()[0]!.type)} AND ${q('code')} = 2;`,
        `UPDATE ${t('composite')} SET ${q('label')} = ${lit('x', composite()[2]!.type)} WHERE ${q('region')} = ${lit('東', composite()[0]!.type)} AND ${q('code')} = 3;`,
        insertSql(h, 'composite', composite(), [['west', '5', 'extra']]),
      ].join('\n'));
      for (const hash of ['server', 'client'] as const) {
        const r = await reconcile('[{ table: single }, { table: composite }]', hash);
        const [single, comp] = r.tables;
        expect([single!.status, single!.error?.message], hash).toEqual(['mismatch', undefined]);
        expect(rowsOf(single!), hash).toEqual(['changed 1 [name]', 'changed 300 [qty]', 'extra 301', 'missing 17']);
        expect(rowsOf(comp!), hash).toEqual(['changed 東,3 [label]', 'extra west,5', 'missing east,2']);
      }
    });
  });

  describe('driver path: count mode on a source without CDC', () => {
    it('counts match: SQL Server reports cdc-disabled with the reason "counts match"; cdc: false skips the check', async () => {
      const checked = (await reconcile('[{ table: floaty }]', 'server', 'count', true)).tables[0]!;
      expect(checked.counts).toEqual({ source: 2, target: 2 });
      if (isMssql) {
        expect((checked.schemaFindings ?? []).map((f) => f.code)).toContain('cdc-disabled');
        expect(checked.status).toBe('mismatch');
        expect(checked.statusReason).toMatch(/^counts match \(source 2, target 2\); mismatch from the schema check: .*cdc-disabled/);
      } else {
        expect([checked.status, checked.statusReason]).toEqual(['match', undefined]);
      }
      const skipped = (await reconcile('[{ table: floaty }]', 'server', 'count', false)).tables[0]!;
      expect([skipped.status, skipped.statusReason]).toEqual(['match', undefined]);
      expect((skipped.schemaFindings ?? []).filter((f) => f.code.startsWith('cdc-'))).toEqual([]);
    });
  });

  describe('driver path: a table that failed reports its real hash mode', () => {
    it('hash: client, failing at the reconcile stage (a bad source filter): status error, hash client', async () => {
      const r = await reconcile('[{ table: single, where: { source: "no_such_column > 0" } }]', 'client');
      expect([r.tables[0]!.status, r.tables[0]!.hash]).toEqual(['error', 'client']);
    });
  });

  describe('driver path: plan of a table hashed client-side', () => {
    it('plan shows the row stream of a client-hashed table (hash: client, and float on SQL Server)', async () => {
      const config = parseConfig(
        `source: { dialect: ${h.name}, urlEnv: S, schema: ${h.schema}, cdc: false }\ntarget: { dialect: ${h.name}, urlEnv: T, schema: ${h.schema} }\ntables: [{ table: single, hash: client }, { table: floaty }]`,
        'contract.yml',
      );
      const [single, floaty] = await planTables(config, { env: { S: state.src!, T: state.tgt! } });
      expect([single!.error, single!.hash, single!.sql!.source.label]).toEqual([undefined, 'client', 'row-stream']);
      expect([floaty!.error, floaty!.hash, floaty!.sql!.source.label]).toEqual([undefined, isMssql ? 'client' : 'server', isMssql ? 'row-stream' : 'segment-checksum']);
    });
  });
}
