/**
 * scope: incremental, the pure parts: canonical time stamps moved by the overlap, the decision from the
 * last run's state (every reason for a full run), the state a run leaves and the coverage age; the
 * statements of both dialects (T-SQL parsed), names quoted and the point bound; the line the reports show.
 */
import { describe, expect, it } from 'vitest';
import sqlParser from 'node-sql-parser';
import { compareCanonical, shiftCanonical } from '../../src/canonical/shift.js';
import { parseConfig } from '../../src/config/load.js';
import type { SideColumn, SideTable } from '../../src/dialects/types.js';
import { mssqlDialect } from '../../src/dialects/mssql/index.js';
import { postgresDialect } from '../../src/dialects/postgres/index.js';
import { CANONICAL_FORM_VERSION, coverageAgeSeconds, decide, nextState, windowProblem, windowStart, type IncrementalState } from '../../src/engine/incremental.js';
import { emptyTableResult } from '../../src/engine/results.js';
import { incrementalLine } from '../../src/report/incremental-text.js';

const spec = parseConfig(
  `source: {dialect: postgres, urlEnv: S}
target: {dialect: postgres, urlEnv: T}
tables:
  - table: events
    scope: incremental
    incremental: { changeColumn: updated_at, overlap: 10m, coverage: 3 }`,
  'inc.yml',
).tables[0]!;

describe('canonical time stamps moved by the overlap', () => {
  it('keep their form: digits, zone marker, date only', () => {
    expect(shiftCanonical({ type: 'timestamptz' }, '2026-03-01 00:05:00.123456+00', -600_000)).toBe('2026-02-28 23:55:00.123456+00');
    expect(shiftCanonical({ type: 'timestamp' }, '2024-03-01 00:00:00.5', -1000)).toBe('2024-02-29 23:59:59.5');
    expect(shiftCanonical({ type: 'timestamp' }, '2024-03-01 00:00:00', -1)).toBe('2024-02-29 23:59:59.999');
    expect(shiftCanonical({ type: 'timestamp', fractionalDigits: 0 }, '2024-03-01 00:00:00', -1)).toBe('2024-02-29 23:59:59');
    expect(shiftCanonical({ type: 'timestamp' }, '2024-03-01 00:00:00.5', -500)).toBe('2024-03-01 00:00:00');
    // A text of form 1 is not canonical any more.
    expect(() => shiftCanonical({ type: 'timestamptz' }, '2026-03-01T00:05:00.123456Z', -1)).toThrow(/not a canonical timestamptz/);
    expect(shiftCanonical({ type: 'date' }, '2024-03-01', -1)).toBe('2024-02-29');
    expect(shiftCanonical({ type: 'int' }, '42', -600_000)).toBe('42');
    expect(() => shiftCanonical({ type: 'timestamp' }, 'yesterday', -1)).toThrow(/not a canonical timestamp/);
  });

  it('compare by time, integers by value', () => {
    expect(compareCanonical({ type: 'int' }, '9', '10')).toBe(-1);
    expect(compareCanonical({ type: 'timestamptz' }, '2026-01-01 00:00:00.000001+00', '2026-01-01 00:00:00+00')).toBe(1);
    expect(windowProblem({ type: 'timestamptz' }, '2026-01-02 00:00:00+00', '2026-01-01 00:00:00+00')).toMatch(/went backwards/);
    expect(windowProblem({ type: 'timestamptz' }, '2026-01-02 00:00:00+00', null)).toMatch(/no value any more/);
    expect(windowProblem({ type: 'timestamptz' }, null, '2026-01-01 00:00:00+00')).toBeUndefined();
    expect(windowStart(spec, { type: 'timestamptz', fractionalDigits: 6 }, '2026-01-01 00:10:00+00')).toBe('2026-01-01 00:00:00+00');
  });
});

describe('the decision from the last run\'s state', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  const good: IncrementalState = {
    form: CANONICAL_FORM_VERSION,
    tables: { events: { changeColumn: 'updated_at', coverage: 3, watermark: '2026-05-31 00:00:00+00', nextSlice: 2, sliceVerifiedAt: ['2026-05-29T00:00:00Z', '2026-05-30T00:00:00Z', '2026-05-28T00:00:00Z'] } },
  };

  it('incremental from a good state: the next slice, from the watermark', () => {
    const d = decide(spec, good);
    expect(d).toMatchObject({ scope: 'incremental', since: '2026-05-31 00:00:00+00', slice: { index: 3, count: 3 } });
    const next = nextState(spec, d, true, '2026-06-01 00:00:00+00', now);
    expect(next).toMatchObject({ nextSlice: 0, watermark: '2026-06-01 00:00:00+00' });
    expect(next.sliceVerifiedAt).toEqual(['2026-05-29T00:00:00Z', '2026-05-30T00:00:00Z', now.toISOString()]);
    expect(coverageAgeSeconds(next, now)).toBe(3 * 86_400);
  });

  it.each([
    ['no state', undefined, /no state from an earlier run/],
    ['another canonical form', { ...good, form: CANONICAL_FORM_VERSION + 1 }, /canonical form/],
    ['no entry for the table', { ...good, tables: {} }, /no state for this table/],
    ['another change column', { ...good, tables: { events: { ...good.tables.events!, changeColumn: 'modified' } } }, /change column changed/],
    ['another coverage', { ...good, tables: { events: { ...good.tables.events!, coverage: 7 } } }, /coverage changed/],
    ['no watermark', { ...good, tables: { events: { ...good.tables.events!, watermark: null } } }, /saw no change/],
  ])('full run with %s', (_name, state, reason) => {
    const d = decide(spec, state as IncrementalState | undefined);
    expect(d.scope).toBe('full');
    expect(d.scope === 'full' && d.reason).toMatch(reason);
    const next = nextState(spec, d, false, '2026-06-01 00:00:00+00', now);
    expect(next.sliceVerifiedAt).toEqual([now.toISOString(), now.toISOString(), now.toISOString()]);
    expect(coverageAgeSeconds(next, now)).toBe(0);
  });
});

describe('statements', () => {
  const col = (name: string, dataType: string) => ({ name, dataType, precision: null, scale: null, length: null, datetimePrecision: 6, nullable: false, collation: null, ordinal: 1 });
  const key: SideColumn = { column: col('id', 'bigint'), canonical: { type: 'int' } };
  const change: SideColumn = { column: col('upd]ated', 'timestamp with time zone'), canonical: { type: 'timestamptz', fractionalDigits: 6 } };
  const t: SideTable = { table: { schema: 's', name: 'ev"ents' }, columns: [key, change], keys: [key], where: 'id > 0' };

  it('PostgreSQL: the point bound, the config filter kept', () => {
    const s = postgresDialect.changedKeysStatement(t, change, "2026-01-01T00:00:00.000000Z'; DROP TABLE x; --");
    expect(s.values).toEqual(["2026-01-01T00:00:00.000000Z'; DROP TABLE x; --"]);
    expect(s.text).toBe('SELECT ("id")::text AS k FROM "s"."ev""ents" WHERE "upd]ated" >= $1 AND (id > 0)');
    expect(postgresDialect.maxChangeStatement(t, change).text).toMatch(/max\("upd\]ated"\)/);
  });

  it('SQL Server: parses as T-SQL, the point converted once to the column type and bound', () => {
    const mt: SideTable = { ...t, columns: [key, { column: col('upd]ated', 'datetimeoffset'), canonical: change.canonical }] };
    // The UTC point is bound without its '+00' and read as an instant at offset 0 (style 121: ODBC canonical).
    const s = mssqlDialect.changedKeysStatement(mt, mt.columns[1]!, '2026-01-01 00:00:00.25+00');
    expect(s.values).toEqual(['2026-01-01 00:00:00.25']);
    expect(s.text).toContain('[upd]]ated] >= TODATETIMEOFFSET(CONVERT(datetime2(6), @p1, 121), 0)');
    // The parser knows no ]] escape: the parse check runs on a plain column name.
    const plain: SideTable = { ...mt, columns: [key, { column: col('updated_at', 'datetime2'), canonical: { type: 'timestamp', fractionalDigits: 6 } }] };
    const parser = new sqlParser.Parser();
    for (const stmt of [mssqlDialect.changedKeysStatement(plain, plain.columns[1]!, '2026-01-01 00:00:00'), mssqlDialect.maxChangeStatement(plain, plain.columns[1]!)]) {
      expect(() => parser.astify(stmt.text, { database: 'TransactSQL' }), stmt.text).not.toThrow();
    }
    const m = mssqlDialect.maxChangeStatement(mt, mt.columns[1]!);
    expect(m.text).toContain('MAX([upd]]ated])');
    expect(() => mssqlDialect.changedKeysStatement(mt, { column: col('doc', 'xml'), canonical: { type: 'text' } }, 'x')).toThrow(/cannot be a change column/);
  });
});

describe('SQL Server CDC as the source of changed keys', () => {
  const key: SideColumn = { column: { name: 'id', dataType: 'bigint', precision: null, scale: null, length: null, datetimePrecision: null, nullable: false, collation: null, ordinal: 1 }, canonical: { type: 'int' } };
  const t: SideTable = { table: { schema: 'dbo', name: 'events' }, columns: [key], keys: [key] };
  const cdc = mssqlDialect.cdcChanges!;
  const parser = new sqlParser.Parser();

  it('every statement parses as T-SQL, with names and LSNs bound or quoted', () => {
    const instance = cdc.captureInstanceStatement(t);
    expect(instance.values).toEqual(['[dbo].[events]']);
    const range = cdc.lsnRangeStatement('dbo_events');
    expect(range.values).toEqual(['dbo_events']);
    const net = cdc.cdcChangedKeysStatement(t, 'dbo_events', true, '0x0000002A000001F00003', '0x0000002B000000100001');
    expect(net.values).toEqual(['0x0000002A000001F00003', '0x0000002B000000100001']);
    expect(net.text).toContain("FROM cdc.[fn_cdc_get_net_changes_dbo_events](sys.fn_cdc_increment_lsn(CONVERT(BINARY(10), @p1, 1)), CONVERT(BINARY(10), @p2, 1), N'all') AS c");
    expect(cdc.cdcChangedKeysStatement(t, 'dbo_events', false, '0x00', '0x01').text).toContain('fn_cdc_get_all_changes_dbo_events');
    for (const s of [instance, range, net]) expect(() => parser.astify(s.text, { database: 'TransactSQL' }), s.text).not.toThrow();
    // A capture instance name is an identifier: quoted, never spliced.
    expect(cdc.cdcChangedKeysStatement(t, 'x]; DROP TABLE y; --', true, '0x00', '0x01').text).toContain('[fn_cdc_get_net_changes_x]]; DROP TABLE y; --]');
    expect(postgresDialect.cdcChanges).toBeUndefined();
  });
});

describe('the line the reports show', () => {
  it('says what was verified, or why the run was full', () => {
    const t = emptyTableResult('events', 's.events', 'p.events', 'diff');
    expect(incrementalLine(t)).toBeUndefined();
    t.incremental = { scope: 'incremental', changeColumn: 'updated_at', since: '2026-01-01T00:00:00Z', watermark: 'x', changedKeys: 2064, changedKeysDiffering: 4, slice: { index: 1, count: 4, rows: 50_000 }, coverage: 4, coverageAgeSeconds: 3 * 86_400 };
    expect(incrementalLine(t)).toBe('incremental: 2064 changed keys verified (updated_at >= 2026-01-01T00:00:00Z, 4 differing at first); slice 1/4 of the key space verified whole (50000 rows); least recently verified part of the table: 3.0 days ago (coverage 4 runs)');
    t.incremental = { scope: 'full', reason: 'the change column went backwards', changeColumn: 'updated_at', watermark: null, changedKeys: 0, changedKeysDiffering: 0, coverage: 4, coverageAgeSeconds: 0 };
    expect(incrementalLine(t)).toMatch(/^full run instead of incremental: the change column went backwards/);
  });
});
