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
import type { ContractHarness } from './harness.js';
import { insertSql } from './harness.js';

const CONNECT: ConnectOptions = { poolSize: 2, statementTimeoutMs: 120_000, connectTimeoutMs: 30_000, applicationName: 'cdc-recon-contract-review' };
const INT: CanonicalSpec = { type: 'int' };
const MIN64 = -(2n ** 63n);
const MAX64 = 2n ** 63n - 1n;
/** Keys at both ends of bigint and a span past 2^63 (issue 20, item 1). */
const EXTREME_KEYS = [MIN64, MIN64 + 1n, -9_000_000_000_000_000_000n, -1n, 0n, 1n, 9_000_000_000_000_000_000n, MAX64 - 1n, MAX64];

export function runReviewContract(h: ContractHarness): void {
  const state: { url?: string; ep?: Endpoint } = {};
  const ep = () => state.ep!;
  const isMssql = h.name === 'mssql';
  const int = isMssql ? 'int' : 'integer';

  beforeAll(async () => {
    state.url = await h.freshDatabase();
    const ext = [{ name: 'id', type: 'bigint', notNull: true }, { name: 'v', type: int }];
    const parts = [h.createTableSql('extreme_keys', ext, ['id']), insertSql(h, 'extreme_keys', ext, EXTREME_KEYS.map((k, i) => [k.toString(), String(i)]))];
    if (isMssql) {
      parts.push(`CREATE TABLE ${h.dialect.quoteTable({ schema: h.schema, name: 'with_computed' })} ([id] int NOT NULL PRIMARY KEY, [qty] int NULL, [price] decimal(12,2) NULL, [total] AS ([qty] * [price]));`);
    }
    await h.exec(state.url, parts.join('\n'));
    state.ep = await h.dialect.connect(state.url, 'source', CONNECT);
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

  /** What the engine expects: rows (key, v) bucketed by the reference, truncating toward zero. */
  function expectedRange(keys: bigint[], b: Extract<Bucketing, { kind: 'range' }>): Array<[bigint, string]> {
    const acc = new Map<bigint, { n: bigint; sum: bigint }>();
    for (const k of keys) {
      const i = EXTREME_KEYS.indexOf(k);
      const hash = rowHash(canonicalRowText([canonicalText(INT, k.toString()), canonicalText(INT, String(i))]));
      const bucket = (k - b.base) / b.width;
      const cur = acc.get(bucket) ?? { n: 0n, sum: 0n };
      cur.n += 1n;
      cur.sum += hash;
      acc.set(bucket, cur);
    }
    return [...acc].map(([k, v]): [bigint, string] => [k, `${v.n}:${v.sum}`]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
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

  describe('item 3: computed columns', () => {
    it.skipIf(!isMssql)('SQL Server: readTable marks a computed column computed, and only that one', async () => {
      const cat = await h.dialect.readTable(ep(), { schema: h.schema, name: 'with_computed' });
      expect(cat!.columns.map((c) => [c.name, c.computed ?? false])).toEqual([['id', false], ['qty', false], ['price', false], ['total', true]]);
    });
  });
}
