import { describe, expect, it } from 'vitest';
import { alignFamilies, buildPlan, describeCanonical } from '../../src/engine/plan.js';
import { postgresDialect } from '../../src/dialects/postgres/index.js';
import { parseConfig } from '../../src/config/load.js';
import type { CatalogColumn, CatalogTable } from '../../src/dialects/types.js';
import { TableError } from '../../src/util/errors.js';

const col = (name: string, dataType: string, extra: Partial<CatalogColumn> = {}): CatalogColumn => ({
  name, dataType, precision: null, scale: null, length: null, datetimePrecision: null, nullable: true, collation: null, ordinal: 1, ...extra,
});
const table = (columns: CatalogColumn[], primaryKey: string[] | null = ['id']): CatalogTable => ({ schema: 'public', name: 't', columns, primaryKey, estimatedRows: 10 });
const spec = (yaml = '') => parseConfig(`source: { dialect: postgres, urlEnv: S }\ntarget: { dialect: postgres, urlEnv: T }\ntables: [{ table: t${yaml} }]`, 'x.yml').tables[0]!;

describe('aligning canonical types of a column pair', () => {
  it('takes the lower precision of both sides', () => {
    expect(alignFamilies({ type: 'decimal', scale: 4 }, { type: 'decimal', scale: 2 }, {})).toEqual({ type: 'decimal', scale: 2 });
    expect(alignFamilies({ type: 'decimal' }, { type: 'decimal', scale: 3 }, {})).toEqual({ type: 'decimal', scale: 3 });
    expect(alignFamilies({ type: 'timestamp', fractionalDigits: 7 }, { type: 'timestamp', fractionalDigits: 6 }, { timestampDigits: 3 })).toEqual({ type: 'timestamp', fractionalDigits: 3 });
    expect(alignFamilies({ type: 'float', floatDigits: 15 }, { type: 'float', floatDigits: 6 }, {})).toEqual({ type: 'float', floatDigits: 6 });
    expect(alignFamilies({ type: 'text', fixedWidth: true }, { type: 'text' }, {})).toEqual({ type: 'text', rtrim: true });
    expect(alignFamilies({ type: 'int' }, { type: 'decimal', scale: 0 }, {})).toEqual({ type: 'decimal', scale: 0 });
  });
  it('refuses pairs that cannot be compared, with the reason', () => {
    expect(alignFamilies({ type: 'int' }, { type: 'decimal', scale: 2 }, {})).toEqual({ reason: 'integer vs decimal with scale 2' });
    expect(alignFamilies({ type: 'timestamp' }, { type: 'timestamptz' }, {})).toEqual({ reason: 'timestamp vs timestamptz cannot be compared' });
  });
  it('describes specs', () => {
    expect(describeCanonical({ type: 'decimal', scale: 2 })).toBe('decimal scale=2');
    expect(describeCanonical({ type: 'text', rtrim: true })).toBe('text rtrim');
  });
});

describe('planning a table', () => {
  const src = table([col('id', 'integer'), col('amount', 'numeric', { scale: 2 }), col('doc', 'jsonb'), col('only_src', 'text')]);
  const tgt = table([col('id', 'integer'), col('amount', 'numeric', { scale: 2 }), col('doc', 'jsonb'), col('only_tgt', 'text')]);

  it('maps common columns, keys first, reports schema drift and incomparable columns', () => {
    const plan = buildPlan(spec(), src, tgt, postgresDialect, postgresDialect);
    expect(plan.pairs.map((p) => p.source.name)).toEqual(['id', 'amount']);
    expect(plan.segmentation).toBe('range');
    expect(plan.warnings.join('\n')).toMatch(/only_src.*not in target/);
    expect(plan.warnings.join('\n')).toMatch(/only_tgt.*no source counterpart/);
    expect(plan.warnings.join('\n')).toMatch(/doc not compared: source type jsonb/);
  });

  it('errors name the missing object', () => {
    expect(() => buildPlan(spec(', columns: { include: [only_src] }'), src, tgt, postgresDialect, postgresDialect)).toThrow(/only_src.*not in target/);
    expect(() => buildPlan(spec(', key: [nope]'), src, tgt, postgresDialect, postgresDialect)).toThrow(TableError);
    expect(() => buildPlan(spec(), table([col('a', 'integer')], null), tgt, postgresDialect, postgresDialect)).toThrow(/no primary key/);
    expect(() => buildPlan(spec(', key: [only_src]'), src, tgt, postgresDialect, postgresDialect)).toThrow(/key column "only_src" has no counterpart/);
    expect(() => buildPlan(spec(', columns: { include: [doc] }'), src, tgt, postgresDialect, postgresDialect)).toThrow(/doc: source type jsonb/);
  });

  it('matches names case-insensitively only when unambiguous', () => {
    const upper = table([col('ID', 'integer'), col('Amount', 'numeric', { scale: 2 })], ['ID']);
    const plan = buildPlan(spec(), upper, tgt, postgresDialect, postgresDialect);
    expect(plan.pairs.map((p) => `${p.source.name}->${p.target.name}`)).toEqual(['ID->id', 'Amount->amount']);
  });

  it('uses hash segmentation for non-integer and composite keys', () => {
    const t2 = table([col('a', 'text'), col('b', 'integer')], ['a', 'b']);
    expect(buildPlan(spec(), t2, t2, postgresDialect, postgresDialect).segmentation).toBe('hash');
  });

  it('marks float columns with their native digits per side', () => {
    const s = table([col('id', 'integer'), col('f', 'double precision')]);
    const t = table([col('id', 'integer'), col('f', 'real')]);
    const plan = buildPlan(spec(), s, t, postgresDialect, postgresDialect);
    expect(plan.source.columns[1]!.canonical).toMatchObject({ floatDigits: 6, floatNativeDigits: 15 });
    expect(plan.target.columns[1]!.canonical).toMatchObject({ floatDigits: 6, floatNativeDigits: 6 });
  });
});
