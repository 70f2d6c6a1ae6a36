/**
 * The dialect contract: one set of cases run against any dialect on a real
 * server. Every expectation comes from the TypeScript reference
 * (src/canonical/render.ts) applied to the values the test itself inserted,
 * never from the database under test, so two dialects that pass agree with
 * each other byte for byte:
 *  - the canonical text of every type pair, in the database and client-side;
 *  - segment checksums (count, exact sum of 64-bit row hashes) per bucket;
 *  - hash buckets of text / uuid / composite keys, whatever the collation;
 *  - planted drift found exactly (missing, extra, changed, which columns);
 *  - no overflow of the hash sum, NULL vs '' vs '\N' kept apart;
 *  - the same results in a non-English session (where the dialect has one).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalRowText, canonicalText, keyHash31, rowHash, type CanonicalInput } from '../../src/canonical/render.js';
import type { CanonicalSpec } from '../../src/canonical/types.js';
import type { Bucketing, ConnectOptions, Endpoint, LeafRow, SegmentFilter, SideTable } from '../../src/dialects/types.js';
import { referenceSums } from '../support/unit-sums.js';
import { literalFor, type Literal, TYPE_CASES, txt } from './cases.js';
import { type ColumnDef, type ContractHarness, insertSql } from './harness.js';

const CONNECT: ConnectOptions = { poolSize: 4, statementTimeoutMs: 120_000, connectTimeoutMs: 30_000, applicationName: 'cdc-recon-contract' };
const INT: CanonicalSpec = { type: 'int' };

// ------------------------------------------------------------------------------------------------
// Deterministic data

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface GenColumn {
  name: string;
  native: { postgres: string; mssql: string };
  spec: CanonicalSpec;
}

/** The wide table of the checksum and drift checks: every server-side canonical type. */
const WIDE: GenColumn[] = [
  { name: 'id', native: { postgres: 'integer', mssql: 'int' }, spec: INT },
  { name: 'i64', native: { postgres: 'bigint', mssql: 'bigint' }, spec: INT },
  { name: 'amount', native: { postgres: 'numeric(18,4)', mssql: 'decimal(18,4)' }, spec: { type: 'decimal', scale: 4 } },
  { name: 'flag', native: { postgres: 'boolean', mssql: 'bit' }, spec: { type: 'bool' } },
  { name: 'day', native: { postgres: 'date', mssql: 'date' }, spec: { type: 'date' } },
  { name: 'ts', native: { postgres: 'timestamp(6)', mssql: 'datetime2(6)' }, spec: { type: 'timestamp', fractionalDigits: 6 } },
  { name: 'tz', native: { postgres: 'timestamptz(6)', mssql: 'datetimeoffset(6)' }, spec: { type: 'timestamptz', fractionalDigits: 6 } },
  { name: 'u', native: { postgres: 'uuid', mssql: 'uniqueidentifier' }, spec: { type: 'uuid' } },
  { name: 'name', native: { postgres: 'text', mssql: 'nvarchar(max)' }, spec: { type: 'text' } },
  { name: 'code', native: { postgres: 'char(4)', mssql: 'nchar(4)' }, spec: { type: 'text', rtrim: true } },
  { name: 'blob', native: { postgres: 'bytea', mssql: 'varbinary(max)' }, spec: { type: 'binary' } },
];

const TEXTS = ['', 'a|b', '\\N', 'Zoë Ångström', '山田 太郎', 'emoji 🚀 fan', '𝄞', "it's", 'trailing ', 'x'.repeat(300), 'NULL', '0:', '|', 'é'.repeat(40)];
const CODES = ['AB', 'ABCD', '', ' X', 'é', 'ü1'];
const OFFSETS = ['+00:00', '+05:30', '-08:00', '+14:00', '-12:00', '+01:00'];

const pad = (n: number, w: number) => String(n).padStart(w, '0');

interface GenRow {
  literals: Literal[];
  values: CanonicalInput[];
}

function wideRow(i: number): GenRow {
  const r = rng(i * 7919 + 17);
  const int = (n: number) => Math.floor(r() * n);
  if (i % 7 === 0) {
    // NULL-heavy row: every nullable column NULL.
    return { literals: [String(i), ...WIDE.slice(1).map(() => null)], values: [String(i), ...WIDE.slice(1).map(() => null)] };
  }
  const i64 = (BigInt(int(2 ** 31)) * BigInt(int(2 ** 31)) * (r() < 0.5 ? -1n : 1n)).toString();
  const cents = int(10 ** 9) * (r() < 0.3 ? -1 : 1);
  const amount = `${cents < 0 ? '-' : ''}${Math.floor(Math.abs(cents) / 10_000)}.${pad(Math.abs(cents) % 10_000, 4)}`;
  const flag = r() < 0.5;
  const date = `${pad(1 + int(9999), 4)}-${pad(1 + int(12), 2)}-${pad(1 + int(28), 2)}`;
  const time = `${pad(int(24), 2)}:${pad(int(60), 2)}:${pad(int(60), 2)}.${pad(int(1_000_000), 6)}`;
  const tzDate = `${pad(2 + int(9996), 4)}-${pad(1 + int(12), 2)}-${pad(1 + int(28), 2)}`;
  const tz = `${tzDate}T${time}${OFFSETS[int(OFFSETS.length)]}`;
  const hex = () => int(2 ** 16).toString(16).padStart(4, '0');
  const uuid = `${hex()}${hex()}-${hex()}-${hex()}-${hex()}-${hex()}${hex()}${hex()}`;
  const u = r() < 0.5 ? uuid.toUpperCase() : uuid;
  const name = r() < 0.6 ? TEXTS[int(TEXTS.length)]! : `n${i}-${int(1e6)}`;
  const code = CODES[int(CODES.length)]!;
  const blob = Buffer.from(Array.from({ length: int(40) }, () => int(256)));
  return {
    literals: [String(i), i64, amount, flag ? 'true' : 'false', date, `${date}T${time}`, tz, u, name, code, { hex: blob.toString('hex') }],
    values: [String(i), i64, amount, flag, date, `${date}T${time}`, tz, u, name, code, blob],
  };
}

const WIDE_ROWS = 400;
const DRIFT_ROWS = 120;

interface Expected {
  keyText: string;
  /** The canonical row text. */
  text: string;
  rowHash: bigint;
  fields: Array<string | null>;
}

function expectedRow(specs: CanonicalSpec[], values: CanonicalInput[], keyCount: number): Expected {
  const fields = specs.map((s, j) => canonicalText(s, values[j]));
  const text = canonicalRowText(fields);
  return { keyText: canonicalRowText(fields.slice(0, keyCount)), text, rowHash: rowHash(text), fields };
}

/** Bucket -> {count, sum} as the engine aggregates them (canonical form 3: range buckets by unit). */
function aggregate(rows: Expected[], b: Bucketing): Map<bigint, { count: bigint; sum: string }> {
  const sums = referenceSums(rows, b);
  return new Map([...sums].map(([bucket, v]) => [bucket, { count: v.count, sum: v.sum.toString() }]));
}

function bucketFn(b: Bucketing): (e: Expected) => bigint {
  return b.kind === 'hash' ? (e) => BigInt(keyHash31(e.keyText) % b.modulus) : (e) => (BigInt(e.keyText) - b.base) / b.width;
}

function inFilter(f: SegmentFilter): (e: Expected) => boolean {
  if (f.kind === 'all') return () => true;
  if (f.kind === 'ranges') return (e) => f.ranges.some(([lo, hi]) => BigInt(e.keyText) >= lo && BigInt(e.keyText) <= hi);
  return (e) => f.residues.includes(keyHash31(e.keyText) % f.modulus);
}

const sortMap = <V>(m: Map<bigint, V>) => [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

// ------------------------------------------------------------------------------------------------
// Key sets for segmentation: orders differ between engines and collations, hashes do not.

const TEXT_KEYS = [
  'a', 'A', 'á', 'Á', 'ä', 'a\u0308', 'b ', ' b', 'B', 'ss', 'ß', 'Straße', 'STRASSE', 'i', 'I', 'İ', 'ı',
  'é', 'e\u0301', '山田', '🚀', '𝄞', 'a|b', '1:a', '\\N', 'zz', 'Zz', 'ZZ', '', 'x'.repeat(90), 'Ångström', 'angstrom',
];
// SQL Server sorts uniqueidentifier by its last byte group first; PostgreSQL sorts uuid bytes left to right.
const UUID_KEYS = [
  '00000000-0000-0000-0000-000000000001', '01000000-0000-0000-0000-000000000000', '00000000-0000-0000-0100-000000000000',
  '00000000-0000-0001-0000-000000000000', '00000000-0001-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-fffffffffffe',
  'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', '6f9619ff-8b86-d011-b42d-00c04fc964ff', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
  ...Array.from({ length: 31 }, (_, i) => {
    const r = rng(i + 1000);
    const h = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');
    return `${h(8)}-${h(4)}-${h(4)}-${h(4)}-${h(12)}`;
  }),
];
const COMPOSITE_KEYS: Array<[string, string, string]> = [
  ['a|b', 'c', UUID_KEYS[0]!], ['a', 'b|c', UUID_KEYS[0]!], ['a', 'b|c', UUID_KEYS[1]!], ['', '', UUID_KEYS[2]!],
  ['\\N', '', UUID_KEYS[2]!], ['', '\\N', UUID_KEYS[2]!], ['1:a', 'b', UUID_KEYS[3]!], ['1', ':a|1:b', UUID_KEYS[3]!],
  ['Zoë', 'zoë', UUID_KEYS[4]!], ['ZOË', 'zoë', UUID_KEYS[4]!], ['山田', '🚀', UUID_KEYS[5]!], ['b ', 'x', UUID_KEYS[6]!],
];

/** Keys with a large positive 64-bit row hash (a one-column table): their sum overflows BIGINT many times. */
function bigHashKeys(n: number): string[] {
  const out: string[] = [];
  for (let k = 1; out.length < n; k += 1) {
    if (rowHash(canonicalRowText([String(k)])) > 2n ** 62n) out.push(String(k));
  }
  return out;
}
const BIG_HASH_KEYS = bigHashKeys(12);

const NULL_ROWS: Array<[string | null, string | null, string | null]> = [
  [null, null, null], ['', null, null], [null, '', null], ['\\N', null, null], [null, '\\N', null], ['', '', null],
  [null, null, '0'], ['|', null, null], [null, '|', null], ['a|b', 'c', null], ['a', 'b|c', null], ['NULL', null, null],
];

// ------------------------------------------------------------------------------------------------

export function runContract(h: ContractHarness): void {
  const native = (c: GenColumn) => c.native[h.name];
  const wideDefs: ColumnDef[] = WIDE.map((c, i) => ({ name: c.name, type: native(c), notNull: i === 0 }));
  const state: { url?: string; ep?: Endpoint; hostile?: Endpoint } = {};
  const ep = () => state.ep!;

  function setupSql(): string {
    const parts: string[] = [];
    TYPE_CASES.forEach((c, i) => {
      const defs: ColumnDef[] = [{ name: 'id', type: h.name === 'mssql' ? 'int' : 'integer', notNull: true }, { name: 'v', type: c.native[h.name] }];
      parts.push(h.createTableSql(`tc_${i}`, defs, ['id']));
      parts.push(insertSql(h, `tc_${i}`, defs, c.values.map((v, j) => [String(j + 1), literalFor(v, h.name)])));
    });
    parts.push(h.createTableSql('wide', wideDefs, ['id']));
    parts.push(insertSql(h, 'wide', wideDefs, Array.from({ length: WIDE_ROWS }, (_, i) => wideRow(i + 1).literals)));
    for (const t of ['drift_src', 'drift_tgt']) {
      parts.push(h.createTableSql(t, wideDefs, ['id']));
      parts.push(insertSql(h, t, wideDefs, Array.from({ length: DRIFT_ROWS }, (_, i) => wideRow(i + 1).literals)));
    }
    const textKey: ColumnDef[] = [{ name: 'k', type: h.textKeyType, notNull: true }, { name: 'v', type: 'int' }];
    parts.push(h.createTableSql('text_keys', textKey, ['k']));
    parts.push(insertSql(h, 'text_keys', textKey, TEXT_KEYS.map((k, i) => [k, String(i)])));
    const uuidKey: ColumnDef[] = [{ name: 'k', type: native(WIDE[7]!), notNull: true }, { name: 'v', type: 'int' }];
    parts.push(h.createTableSql('uuid_keys', uuidKey, ['k']));
    parts.push(insertSql(h, 'uuid_keys', uuidKey, UUID_KEYS.map((k, i) => [k, String(i)])));
    const compKey: ColumnDef[] = [
      { name: 'k1', type: h.textKeyType, notNull: true }, { name: 'k2', type: h.textKeyType, notNull: true },
      { name: 'k3', type: native(WIDE[7]!), notNull: true }, { name: 'v', type: 'int' },
    ];
    parts.push(h.createTableSql('composite_keys', compKey, ['k1', 'k2', 'k3']));
    parts.push(insertSql(h, 'composite_keys', compKey, COMPOSITE_KEYS.map(([a, b, c], i) => [a, b, c, String(i)])));
    const one: ColumnDef[] = [{ name: 'id', type: 'bigint', notNull: true }];
    parts.push(h.createTableSql('big_hashes', one, ['id']));
    parts.push(insertSql(h, 'big_hashes', one, BIG_HASH_KEYS.map((k) => [k])));
    const nulls: ColumnDef[] = [{ name: 'id', type: 'int', notNull: true }, { name: 'a', type: native(WIDE[8]!) }, { name: 'b', type: native(WIDE[8]!) }, { name: 'c', type: 'int' }];
    parts.push(h.createTableSql('nulls', nulls, ['id']));
    parts.push(insertSql(h, 'nulls', nulls, NULL_ROWS.map((r, i) => [String(i + 1), ...r])));
    return parts.join('\n');
  }

  beforeAll(async () => {
    state.url = await h.freshDatabase();
    await h.exec(state.url, setupSql());
    state.ep = await h.dialect.connect(state.url, 'source', CONNECT);
    if (h.hostileSessionUrl) state.hostile = await h.dialect.connect(h.hostileSessionUrl(state.url), 'source', CONNECT);
  });
  afterAll(async () => {
    await state.ep?.close();
    await state.hostile?.close();
    await h.cleanup();
  });

  async function sideTable(endpoint: Endpoint, table: string, specs: Array<[string, CanonicalSpec]>, keyCount: number): Promise<SideTable> {
    const cat = await h.dialect.readTable(endpoint, { schema: h.schema, name: table });
    expect(cat, `table ${table} in the catalog`).not.toBeNull();
    const columns = specs.map(([name, spec]) => {
      const column = cat!.columns.find((c) => c.name === name);
      expect(column, `column ${table}.${name}`).toBeDefined();
      let canonical = spec;
      if (spec.type === 'float') {
        const fam = h.dialect.canonicalFamily(column!);
        canonical = { ...spec, floatNativeDigits: 'unsupported' in fam ? undefined : fam.floatDigits };
      }
      return { column: column!, canonical };
    });
    return { table: { schema: cat!.schema, name: cat!.name }, columns, keys: columns.slice(0, keyCount) };
  }

  async function streamRows(endpoint: Endpoint, t: SideTable, filter: SegmentFilter = { kind: 'all' }): Promise<Array<Record<string, unknown>>> {
    const out: Array<Record<string, unknown>> = [];
    for await (const batch of endpoint.stream<Record<string, unknown>>(h.dialect.rowStreamStatement(t, filter), 64)) {
      expect(batch.length).toBeLessThanOrEqual(64);
      out.push(...batch);
    }
    return out;
  }

  /** Client-side hashing, as the engine's ClientReader does it. */
  async function clientRows(endpoint: Endpoint, t: SideTable, filter: SegmentFilter = { kind: 'all' }): Promise<Expected[]> {
    return (await streamRows(endpoint, t, filter)).map((raw) =>
      expectedRow(t.columns.map((c) => c.canonical), t.columns.map((_, i) => raw[`c${i}`] as CanonicalInput), t.keys.length),
    );
  }

  async function leafRows(endpoint: Endpoint, t: SideTable, filter: SegmentFilter): Promise<LeafRow[]> {
    const rows = await endpoint.query(h.dialect.leafRowsStatement(t, filter));
    return rows.map((r) => h.dialect.toLeafRow(r, t.columns.length));
  }

  async function checksums(endpoint: Endpoint, t: SideTable, filter: SegmentFilter, b: Bucketing) {
    const rows = await endpoint.query(h.dialect.segmentChecksumStatement(t, filter, b));
    return new Map(rows.map((r) => h.dialect.toSegmentChecksumRow(r)).map((r) => [r.bucket, { count: r.count, sum: r.sum }]));
  }

  const wideSpecs = (): Array<[string, CanonicalSpec]> => WIDE.map((c) => [c.name, c.spec]);
  const wideExpected = (n: number) => Array.from({ length: n }, (_, i) => expectedRow(WIDE.map((c) => c.spec), wideRow(i + 1).values, 1));

  // ----------------------------------------------------------------------------------------------

  async function checkTypeCase(endpoint: Endpoint, index: number, serverOnly = false): Promise<void> {
    const c = TYPE_CASES[index]!;
    const t = await sideTable(endpoint, `tc_${index}`, [['id', INT], ['v', c.spec]], 1);
    const v = t.columns[1]!;
    expect(h.dialect.canonicalFamily(v.column)).not.toHaveProperty('unsupported');
    const server = h.dialect.serverSideSupported(v.column, v.canonical);
    expect(server, 'server-side support as declared by the case').toBe(!(c.clientOnly ?? []).includes(h.name));
    const expected = new Map(c.values.map((val, j) => [String(j + 1), val.expected]));

    if (!serverOnly) {
      const client = await clientRows(endpoint, t);
      expect(client).toHaveLength(expected.size);
      for (const row of client) expect(row.fields[1], `client-side, row ${row.keyText}`).toBe(expected.get(row.keyText));
    }
    if (server) {
      const rows = await leafRows(endpoint, t, { kind: 'all' });
      expect(rows).toHaveLength(expected.size);
      for (const row of rows) {
        const e = expected.get(row.keyText);
        expect(row.columns, `in the database, row ${row.keyText}`).toEqual([row.keyText, e]);
        expect(row.rowHash).toBe(rowHash(canonicalRowText([row.keyText, e ?? null])).toString());
      }
    } else {
      expect(() => h.dialect.leafRowsStatement(t, { kind: 'all' })).toThrow();
    }
  }

  describe('canonical text of every type pair = the TypeScript reference', () => {
    TYPE_CASES.forEach((c, i) => {
      it(c.name, async () => checkTypeCase(ep(), i));
    });
  });

  describe('checksums = the client-side oracle', () => {
    it('count and key bounds', async () => {
      const t = await sideTable(ep(), 'wide', wideSpecs(), 1);
      const [count] = await ep().query<{ n: string }>(h.dialect.countStatement(t));
      expect(String(count!.n)).toBe(String(WIDE_ROWS));
      const [b] = await ep().query<{ lo: string; hi: string }>(h.dialect.keyBoundsStatement(t));
      expect([String(b!.lo), String(b!.hi)]).toEqual(['1', String(WIDE_ROWS)]);
    });

    const combos: Array<[string, SegmentFilter, Bucketing]> = [
      ['all rows, hash buckets', { kind: 'all' }, { kind: 'hash', modulus: 13 }],
      ['all rows, range buckets', { kind: 'all' }, { kind: 'range', base: 1n, width: 37n }],
      ['key ranges, range buckets', { kind: 'ranges', ranges: [[5n, 50n], [100n, 120n], [390n, 1000n]] }, { kind: 'range', base: 1n, width: 10n }],
      ['residues, hash buckets', { kind: 'residues', modulus: 13, residues: [0, 5, 12] }, { kind: 'hash', modulus: 13 }],
      ['one bucket', { kind: 'all' }, { kind: 'hash', modulus: 1 }],
    ];
    for (const [name, filter, bucketing] of combos) {
      it(name, async () => {
        const t = await sideTable(ep(), 'wide', wideSpecs(), 1);
        for (const c of t.columns) expect(h.dialect.serverSideSupported(c.column, c.canonical), c.column.name).toBe(true);
        const expected = aggregate(wideExpected(WIDE_ROWS).filter(inFilter(filter)), bucketing);
        expect(sortMap(await checksums(ep(), t, filter, bucketing))).toEqual(sortMap(expected));
        // and client-side hashing (the oracle of the engine) agrees
        const client = aggregate((await clientRows(ep(), t, filter.kind === 'residues' ? { kind: 'all' } : filter)).filter(inFilter(filter)), bucketing);
        expect(sortMap(client)).toEqual(sortMap(expected));
      });
    }

    it("per-key sums as the driver's texts (the bisection's last step) = the oracle", async () => {
      const t = await sideTable(ep(), 'wide', wideSpecs(), 1);
      const filter: SegmentFilter = { kind: 'ranges', ranges: [[5n, 60n], [390n, 1000n]] };
      const perKey = { kind: 'range' as const, base: 1n, width: 1n };
      const rows = await ep().query(h.dialect.segmentChecksumStatement(t, filter, perKey));
      const got = rows.map((r) => h.dialect.toKeySum(r)).map((r) => [r.bucket, r.sum] as const);
      const expected = aggregate(wideExpected(WIDE_ROWS).filter(inFilter(filter)), perKey);
      const byKey = (a: readonly [string, string], b: readonly [string, string]) => Number(a[0]) - Number(b[0]);
      expect(got.length).toBeGreaterThan(0);
      expect([...got].sort(byKey)).toEqual([...expected].map(([b, v]) => [b.toString(), String(v.sum)] as const).sort(byKey));
    });

    it('leaf rows: key text, row hash and every column, in the database and client-side', async () => {
      const t = await sideTable(ep(), 'wide', wideSpecs(), 1);
      const filter: SegmentFilter = { kind: 'residues', modulus: 7, residues: [3] };
      const expected = wideExpected(WIDE_ROWS).filter(inFilter(filter)).sort((a, b) => Number(a.keyText) - Number(b.keyText));
      expect(expected.length).toBeGreaterThan(20);
      const rows = (await leafRows(ep(), t, filter)).sort((a, b) => Number(a.keyText) - Number(b.keyText));
      expect(rows.map((r) => ({ keyText: r.keyText, text: canonicalRowText(r.columns), rowHash: BigInt(r.rowHash), fields: r.columns }))).toEqual(expected);
      const client = (await clientRows(ep(), t)).filter(inFilter(filter)).sort((a, b) => Number(a.keyText) - Number(b.keyText));
      expect(client).toEqual(expected);
    });

    it('sums 64-bit hashes exactly: no overflow past BIGINT (one-column table)', async () => {
      const t = await sideTable(ep(), 'big_hashes', [['id', INT]], 1);
      const expected = BIG_HASH_KEYS.reduce((s, k) => s + rowHash(canonicalRowText([k])), 0n);
      expect(expected > 2n ** 64n).toBe(true);
      const got = await checksums(ep(), t, { kind: 'all' }, { kind: 'hash', modulus: 1 });
      expect(sortMap(got)).toEqual([[0n, { count: BigInt(BIG_HASH_KEYS.length), sum: expected.toString() }]]);
    });

    it('NULL, empty string, the text "\\N" and separators stay distinct', async () => {
      const specs: Array<[string, CanonicalSpec]> = [['id', INT], ['a', { type: 'text' }], ['b', { type: 'text' }], ['c', INT]];
      const t = await sideTable(ep(), 'nulls', specs, 1);
      const expected = NULL_ROWS.map((r, i) => expectedRow(specs.map(([, s]) => s), [String(i + 1), ...r], 1));
      expect(new Set(expected.map((e) => canonicalRowText(e.fields.slice(1)))).size).toBe(NULL_ROWS.length);
      const rows = (await leafRows(ep(), t, { kind: 'all' })).sort((a, b) => Number(a.keyText) - Number(b.keyText));
      expect(rows.map((r) => ({ keyText: r.keyText, text: canonicalRowText(r.columns), rowHash: BigInt(r.rowHash), fields: r.columns }))).toEqual(expected);
    });
  });

  describe('segments select the same rows on every side: hash buckets of the canonical key', () => {
    const keyCases: Array<[string, string, Array<[string, CanonicalSpec]>, number, CanonicalInput[][]]> = [
      ['text keys: case, accents, trailing and leading spaces, look-alikes, separators', 'text_keys', [['k', { type: 'text' }], ['v', INT]], 1,
        TEXT_KEYS.map((k, i) => [k, String(i)])],
      ['uuid keys (uniqueidentifier orders its bytes differently)', 'uuid_keys', [['k', { type: 'uuid' }], ['v', INT]], 1,
        UUID_KEYS.map((k, i) => [k, String(i)])],
      ['composite keys of text, text and uuid: (a|b, c) and (a, b|c) do not collide', 'composite_keys',
        [['k1', { type: 'text' }], ['k2', { type: 'text' }], ['k3', { type: 'uuid' }], ['v', INT]], 3,
        COMPOSITE_KEYS.map(([a, b, c], i) => [a, b, c, String(i)])],
    ];
    for (const [name, table, specs, keyCount, values] of keyCases) {
      it(name, async () => {
        const t = await sideTable(ep(), table, specs, keyCount);
        const expected = values.map((v) => expectedRow(specs.map(([, s]) => s), v, keyCount));
        expect(new Set(expected.map((e) => e.keyText)).size).toBe(values.length);
        const modulus = 5;
        expect(sortMap(await checksums(ep(), t, { kind: 'all' }, { kind: 'hash', modulus }))).toEqual(
          sortMap(aggregate(expected, { kind: 'hash', modulus })),
        );
        for (let r = 0; r < modulus; r += 1) {
          const rows = await leafRows(ep(), t, { kind: 'residues', modulus, residues: [r] });
          const want = expected.filter((e) => keyHash31(e.keyText) % modulus === r);
          expect(rows.map((x) => x.keyText).sort(), `bucket ${r}`).toEqual(want.map((e) => e.keyText).sort());
          expect(rows.map((x) => x.rowHash).sort()).toEqual(want.map((e) => e.rowHash.toString()).sort());
        }
        if (table === 'text_keys') expect(expected.find((e) => e.keyText.startsWith(txt('山田')))).toBeDefined();
      });
    }
  });

  describe('planted drift is found exactly', () => {
    const drifted = { changed: new Map([['1', ['amount']], ['7', ['name']], [String(DRIFT_ROWS), ['flag']]]), missing: ['100'], extra: [String(DRIFT_ROWS + 1)] };

    beforeAll(async () => {
      const q = (n: string) => h.dialect.quoteIdent(n);
      const tgt = h.dialect.quoteTable({ schema: h.schema, name: 'drift_tgt' });
      const first = wideRow(1);
      const last = wideRow(DRIFT_ROWS);
      expect(first.literals[2]).not.toBe('12.3456');
      const extra = insertSql(h, 'drift_tgt', wideDefs, [wideRow(DRIFT_ROWS + 1).literals]);
      await h.exec(state.url!, [
        `UPDATE ${tgt} SET ${q('amount')} = ${h.literal('12.3456', native(WIDE[2]!))} WHERE ${q('id')} = 1;`,
        `UPDATE ${tgt} SET ${q('name')} = ${h.literal('changed', native(WIDE[8]!))} WHERE ${q('id')} = 7;`,
        `UPDATE ${tgt} SET ${q('flag')} = ${h.literal(last.values[3] ? 'false' : 'true', native(WIDE[3]!))} WHERE ${q('id')} = ${DRIFT_ROWS};`,
        `DELETE FROM ${tgt} WHERE ${q('id')} = 100;`,
        extra,
      ].join('\n'));
    });

    const bucketings: Bucketing[] = [{ kind: 'range', base: 1n, width: 25n }, { kind: 'hash', modulus: 16 }];
    for (const bucketing of bucketings) {
      it(`with ${bucketing.kind} buckets`, async () => {
        const src = await sideTable(ep(), 'drift_src', wideSpecs(), 1);
        const tgt = await sideTable(ep(), 'drift_tgt', wideSpecs(), 1);
        const [a, b] = await Promise.all([checksums(ep(), src, { kind: 'all' }, bucketing), checksums(ep(), tgt, { kind: 'all' }, bucketing)]);
        const buckets = new Set([...a.keys(), ...b.keys()]);
        const differs = (k: bigint) => a.get(k)?.count !== b.get(k)?.count || a.get(k)?.sum !== b.get(k)?.sum;
        const mismatched = [...buckets].filter(differs);
        const keyOf = (k: string) => bucketFn(bucketing)({ keyText: k, text: '', rowHash: 0n, fields: [] });
        const allDrift = [...drifted.changed.keys(), ...drifted.missing, ...drifted.extra];
        expect(mismatched.sort((x, y) => Number(x - y))).toEqual([...new Set(allDrift.map(keyOf))].sort((x, y) => Number(x - y)));

        const filter: SegmentFilter = bucketing.kind === 'hash'
          ? { kind: 'residues', modulus: bucketing.modulus, residues: mismatched.map(Number) }
          : { kind: 'ranges', ranges: mismatched.map((m) => [bucketing.base + m * bucketing.width, bucketing.base + (m + 1n) * bucketing.width - 1n] as const) };
        const [ls, lt] = await Promise.all([leafRows(ep(), src, filter), leafRows(ep(), tgt, filter)]);
        const sm = new Map(ls.map((r) => [r.keyText, r]));
        const tm = new Map(lt.map((r) => [r.keyText, r]));
        const missing = [...sm.keys()].filter((k) => !tm.has(k));
        const extra = [...tm.keys()].filter((k) => !sm.has(k));
        const changed = [...sm.keys()].filter((k) => tm.has(k) && tm.get(k)!.rowHash !== sm.get(k)!.rowHash);
        expect(missing).toEqual(drifted.missing);
        expect(extra).toEqual(drifted.extra);
        expect(changed.sort()).toEqual([...drifted.changed.keys()].sort());
        for (const k of changed) {
          const cols = WIDE.filter((_, i) => sm.get(k)!.columns[i] !== tm.get(k)!.columns[i]).map((c) => c.name);
          expect(cols, `changed columns of ${k}`).toEqual(drifted.changed.get(k));
        }
      });
    }
  });

  describe.skipIf(!h.hostileSessionUrl)('in a non-English session (German, day-month-year)', () => {
    it('the session really is German', async () => {
      const [row] = await state.hostile!.query<{ lang: string }>({ text: h.sessionLanguageSql!, values: [], label: 'language' });
      expect(row!.lang).toBe('Deutsch');
    });
    TYPE_CASES.forEach((c, i) => {
      it(c.name, async () => checkTypeCase(state.hostile!, i));
    });
    it('checksums', async () => {
      const t = await sideTable(state.hostile!, 'wide', wideSpecs(), 1);
      const b: Bucketing = { kind: 'hash', modulus: 11 };
      expect(sortMap(await checksums(state.hostile!, t, { kind: 'all' }, b))).toEqual(sortMap(aggregate(wideExpected(WIDE_ROWS), b)));
    });
  });
}
