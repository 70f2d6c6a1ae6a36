/**
 * One set of cases for every dialect: a native column type on each side (the
 * pair Debezium's JDBC sink produces), the canonical spec the plan chooses for
 * that pair, and values with their canonical text written out by hand. Both
 * dialects must produce exactly that text, inside the database and through
 * client-side hashing, so they agree with each other byte for byte.
 */
import type { CanonicalSpec } from '../../src/canonical/types.js';
import type { DialectName } from '../../src/dialects/types.js';

/** A value as SQL text (cast by the column type), bytes as hex, or NULL. */
export type Literal = string | { hex: string } | null;

export interface CaseValue {
  /** The literal for every dialect, unless `per` overrides it for one. */
  v: Literal;
  per?: Partial<Record<DialectName, Literal>>;
  expected: string | null;
}

export interface TypeCase {
  name: string;
  native: Record<DialectName, string>;
  spec: CanonicalSpec;
  values: CaseValue[];
  /** Dialects with no exact in-database form for this pair: they must say so (serverSideSupported false). */
  clientOnly?: DialectName[];
}

/** Text canonical form written out: UTF-8 byte length, colon, text. */
export const txt = (s: string) => `${Buffer.byteLength(s, 'utf8')}:${s}`;

const same = (v: string, expected = v): CaseValue => ({ v, expected });
const NULL: CaseValue = { v: null, expected: null };

export const TYPE_CASES: TypeCase[] = [
  {
    name: 'bigint',
    native: { postgres: 'bigint', mssql: 'bigint' },
    spec: { type: 'int' },
    values: [same('-9223372036854775808'), same('9223372036854775807'), same('0'), same('42'), NULL],
  },
  {
    name: 'tinyint / smallint',
    native: { postgres: 'smallint', mssql: 'tinyint' },
    spec: { type: 'int' },
    values: [same('0'), same('255'), NULL],
  },
  {
    name: 'bit / boolean',
    native: { postgres: 'boolean', mssql: 'bit' },
    spec: { type: 'bool' },
    values: [{ v: 'true', expected: '1' }, { v: 'false', expected: '0' }, NULL],
  },
  {
    name: 'decimal(12,4) at scale 4',
    native: { postgres: 'numeric(12,4)', mssql: 'decimal(12,4)' },
    spec: { type: 'decimal', scale: 4 },
    values: [same('-0.0001'), { v: '0', expected: '0.0000' }, same('12345678.9999'), { v: '-5', expected: '-5.0000' }, { v: '0.5', expected: '0.5000' }, NULL],
  },
  {
    name: 'decimal(38,10) rounded half away from zero to scale 2, never -0',
    native: { postgres: 'numeric(38,10)', mssql: 'decimal(38,10)' },
    spec: { type: 'decimal', scale: 2 },
    values: [
      { v: '1.005', expected: '1.01' },
      { v: '-1.005', expected: '-1.01' },
      { v: '-0.004', expected: '0.00' },
      { v: '-0.005', expected: '-0.01' },
      { v: '0.0049999999', expected: '0.00' },
      { v: '99999999999999999999999999.9950000000', expected: '100000000000000000000000000.00' },
      NULL,
    ],
  },
  {
    name: 'decimal(12,4) with trailing zeros trimmed',
    native: { postgres: 'numeric', mssql: 'decimal(12,4)' },
    spec: { type: 'decimal' },
    values: [
      { v: '12.3400', expected: '12.34' },
      { v: '100.0000', expected: '100' },
      { v: '0.0000', expected: '0' },
      { v: '-0.5000', expected: '-0.5' },
      { v: '-7', expected: '-7' },
      { v: '0.0001', expected: '0.0001' },
      NULL,
    ],
  },
  {
    name: 'decimal(5,5): no integer digit',
    native: { postgres: 'numeric(5,5)', mssql: 'decimal(5,5)' },
    spec: { type: 'decimal', scale: 5 },
    values: [same('0.12345'), { v: '-0.5', expected: '-0.50000' }, { v: '0', expected: '0.00000' }, same('0.00001'), same('-0.99999'), NULL],
  },
  {
    name: 'money / numeric(19,4)',
    native: { postgres: 'numeric(19,4)', mssql: 'money' },
    spec: { type: 'decimal', scale: 4 },
    values: [same('922337203685477.5807'), same('-922337203685477.5808'), same('0.0001'), { v: '-12.5', expected: '-12.5000' }, { v: '0', expected: '0.0000' }, NULL],
  },
  {
    name: 'smallmoney / numeric(10,4) at scale 2',
    native: { postgres: 'numeric(10,4)', mssql: 'smallmoney' },
    spec: { type: 'decimal', scale: 2 },
    values: [{ v: '214748.3647', expected: '214748.36' }, { v: '-0.005', expected: '-0.01' }, { v: '1.125', expected: '1.13' }, { v: '-0.0049', expected: '0.00' }, NULL],
  },
  {
    name: 'float / double precision at 15 significant digits',
    native: { postgres: 'double precision', mssql: 'float' },
    spec: { type: 'float', floatDigits: 15 },
    clientOnly: ['mssql'],
    values: [
      same('0.1'),
      { v: '1e20', expected: '100000000000000000000' },
      { v: '-1.5e-10', expected: '-0.00000000015' },
      { v: '3.141592653589793', expected: '3.14159265358979' },
      { v: '123456789012345678', expected: '123456789012346000' },
      same('0'),
      { v: '2.5', expected: '2.5' },
      NULL,
    ],
  },
  {
    name: 'float / double precision at 4 significant digits',
    native: { postgres: 'double precision', mssql: 'float' },
    spec: { type: 'float', floatDigits: 4 },
    clientOnly: ['mssql'],
    values: [{ v: '3.14159', expected: '3.142' }, { v: '-0.00012345', expected: '-0.0001235' }, { v: '99995', expected: '100000' }, NULL],
  },
  {
    name: 'real at 6 significant digits',
    native: { postgres: 'real', mssql: 'real' },
    spec: { type: 'float', floatDigits: 6 },
    clientOnly: ['mssql'],
    values: [same('0.1'), { v: '16777217', expected: '16777200' }, { v: '1e38', expected: '100000000000000000000000000000000000000' }, { v: '-1.5e-30', expected: '-0.0000000000000000000000000000015' }, NULL],
  },
  {
    name: 'date',
    native: { postgres: 'date', mssql: 'date' },
    spec: { type: 'date' },
    values: [same('0001-01-01'), same('2024-02-29'), same('9999-12-31'), same('1582-10-10'), NULL],
  },
  {
    name: 'time(7) / time(6) at 6 digits (truncated)',
    native: { postgres: 'time(6)', mssql: 'time(7)' },
    spec: { type: 'time', fractionalDigits: 6 },
    values: [
      { v: '23:59:59.999999', per: { mssql: '23:59:59.9999999' }, expected: '23:59:59.999999' },
      { v: '00:00:00', expected: '00:00:00' },
      { v: '12:34:56.123456', per: { mssql: '12:34:56.1234567' }, expected: '12:34:56.123456' },
      { v: '07:00:00.5', expected: '07:00:00.5' },
      NULL,
    ],
  },
  {
    name: 'time(0)',
    native: { postgres: 'time(0)', mssql: 'time(0)' },
    spec: { type: 'time', fractionalDigits: 0 },
    values: [same('08:15:00'), same('23:59:59'), NULL],
  },
  {
    name: 'datetime2(7) / timestamp(6) at 6 digits: year 1, year 9999, leap day',
    native: { postgres: 'timestamp(6)', mssql: 'datetime2(7)' },
    spec: { type: 'timestamp', fractionalDigits: 6 },
    values: [
      { v: '0001-01-01T00:00:00', expected: '0001-01-01 00:00:00' },
      { v: '9999-12-31T23:59:59.999999', per: { mssql: '9999-12-31T23:59:59.9999999' }, expected: '9999-12-31 23:59:59.999999' },
      { v: '2024-02-29T12:00:00', per: { mssql: '2024-02-29T12:00:00.0000005' }, expected: '2024-02-29 12:00:00' },
      { v: '2024-03-31T02:30:00.5', expected: '2024-03-31 02:30:00.5' },
      { v: '1999-12-31T23:59:59.000001', expected: '1999-12-31 23:59:59.000001' },
      NULL,
    ],
  },
  {
    name: 'datetime2(3) / timestamp(3)',
    native: { postgres: 'timestamp(3)', mssql: 'datetime2(3)' },
    spec: { type: 'timestamp', fractionalDigits: 3 },
    values: [
      { v: '2024-12-31T23:59:59.999', expected: '2024-12-31 23:59:59.999' },
      { v: '2000-01-01T00:00:00', expected: '2000-01-01 00:00:00' },
      { v: '2000-01-01T00:00:00.120', expected: '2000-01-01 00:00:00.12' },
      NULL,
    ],
  },
  {
    name: 'datetime2(7) / timestamp(6) at 2 digits: truncated, trailing zeros dropped',
    native: { postgres: 'timestamp(6)', mssql: 'datetime2(7)' },
    spec: { type: 'timestamp', fractionalDigits: 2 },
    values: [
      { v: '2024-01-01T00:00:00.109999', per: { mssql: '2024-01-01T00:00:00.1099999' }, expected: '2024-01-01 00:00:00.1' },
      { v: '2024-01-01T00:00:00.009', expected: '2024-01-01 00:00:00' },
      { v: '2024-01-01T00:00:00.999999', per: { mssql: '2024-01-01T00:00:00.9999999' }, expected: '2024-01-01 00:00:00.99' },
      NULL,
    ],
  },
  {
    name: 'datetime (1/300 s ticks) / timestamp(3)',
    native: { postgres: 'timestamp(3)', mssql: 'datetime' },
    spec: { type: 'timestamp', fractionalDigits: 3 },
    values: [
      // .999 is tick 299.7 -> 300: the next second (and here the next year).
      { v: '2025-01-01T00:00:00', per: { mssql: '2024-12-31T23:59:59.999' }, expected: '2025-01-01 00:00:00' },
      { v: '2024-02-29T12:00:00.997', per: { mssql: '2024-02-29T12:00:00.998' }, expected: '2024-02-29 12:00:00.997' },
      { v: '2024-01-01T00:00:00.003', per: { mssql: '2024-01-01T00:00:00.002' }, expected: '2024-01-01 00:00:00.003' },
      { v: '2024-01-01T00:00:00.007', expected: '2024-01-01 00:00:00.007' },
      { v: '2024-01-01T00:00:00.990', expected: '2024-01-01 00:00:00.99' },
      { v: '1753-01-01T00:00:00', expected: '1753-01-01 00:00:00' },
      NULL,
    ],
  },
  {
    name: 'smalldatetime (minutes) / timestamp(0)',
    native: { postgres: 'timestamp(0)', mssql: 'smalldatetime' },
    spec: { type: 'timestamp', fractionalDigits: 0 },
    values: [
      { v: '2024-06-15T10:30:00', per: { mssql: '2024-06-15T10:29:59' }, expected: '2024-06-15 10:30:00' },
      { v: '2024-06-15T10:29:00', per: { mssql: '2024-06-15T10:29:29' }, expected: '2024-06-15 10:29:00' },
      { v: '1900-01-01T00:00:00', expected: '1900-01-01 00:00:00' },
      { v: '2079-06-06T23:59:00', expected: '2079-06-06 23:59:00' },
      NULL,
    ],
  },
  {
    name: 'datetimeoffset(7) / timestamptz(6) in UTC: DST changes, date line, year 1 and 9999',
    native: { postgres: 'timestamptz(6)', mssql: 'datetimeoffset(7)' },
    spec: { type: 'timestamptz', fractionalDigits: 6 },
    values: [
      { v: '2024-03-31T02:30:00.123456+02:00', expected: '2024-03-31 00:30:00.123456+00' },
      { v: '2024-10-27T01:30:00-05:00', expected: '2024-10-27 06:30:00+00' },
      { v: '2024-02-29T23:30:00+14:00', expected: '2024-02-29 09:30:00+00' },
      { v: '2023-12-31T20:00:00-12:00', expected: '2024-01-01 08:00:00+00' },
      { v: '0001-01-01T05:00:00+05:00', expected: '0001-01-01 00:00:00+00' },
      { v: '9999-12-31T23:59:59.999999+00:00', per: { mssql: '9999-12-31T23:59:59.9999999+00:00' }, expected: '9999-12-31 23:59:59.999999+00' },
      { v: '2024-07-01T12:00:00.5+05:45', expected: '2024-07-01 06:15:00.5+00' },
      NULL,
    ],
  },
  {
    name: 'uniqueidentifier / uuid (lower case)',
    native: { postgres: 'uuid', mssql: 'uniqueidentifier' },
    spec: { type: 'uuid' },
    values: [
      { v: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', expected: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' },
      same('00000000-0000-0000-0000-000000000000'),
      { v: '01000000-0000-0000-0000-0000000000FF', expected: '01000000-0000-0000-0000-0000000000ff' },
      NULL,
    ],
  },
  {
    name: 'uniqueidentifier / varchar(36) as text (Debezium writes the upper-case string)',
    native: { postgres: 'varchar(36)', mssql: 'uniqueidentifier' },
    spec: { type: 'text' },
    values: [{ v: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', expected: '36:A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11' }, NULL],
  },
  {
    name: 'nvarchar(max) / text as UTF-8: accents, CJK, emoji, supplementary characters, separators',
    native: { postgres: 'text', mssql: 'nvarchar(max)' },
    spec: { type: 'text' },
    values: [
      { v: '', expected: '0:' },
      { v: 'a|b', expected: txt('a|b') },
      { v: '\\N', expected: '2:\\N' },
      { v: 'Zoë Ångström', expected: txt('Zoë Ångström') },
      { v: '山田 太郎', expected: txt('山田 太郎') },
      { v: 'emoji 🚀 fan', expected: txt('emoji 🚀 fan') },
      { v: '𝄞 G clef', expected: txt('𝄞 G clef') },
      { v: 'e\u0301 decomposed', expected: txt('e\u0301 decomposed') },
      { v: "it's", expected: txt("it's") },
      { v: 'trailing  ', expected: txt('trailing  ') },
      { v: ' ', expected: '1: ' },
      { v: 'x'.repeat(9000), expected: txt('x'.repeat(9000)) },
      { v: 'é'.repeat(5000), expected: txt('é'.repeat(5000)) },
      NULL,
    ],
  },
  {
    name: 'varchar in a Latin-1 code page / varchar: decoded, then hashed as UTF-8',
    native: { postgres: 'varchar(100)', mssql: 'varchar(100) COLLATE Latin1_General_CI_AS' },
    spec: { type: 'text' },
    values: [{ v: 'café', expected: txt('café') }, { v: 'Müller €', expected: txt('Müller €') }, { v: 'plain', expected: '5:plain' }, NULL],
  },
  {
    name: 'varchar in a UTF-8 collation / varchar',
    native: { postgres: 'varchar(100)', mssql: 'varchar(100) COLLATE Latin1_General_100_CI_AS_SC_UTF8' },
    spec: { type: 'text' },
    values: [{ v: '山田', expected: txt('山田') }, { v: '🚀', expected: '4:🚀' }, NULL],
  },
  {
    name: 'char(10) / char(10), right-trimmed',
    native: { postgres: 'char(10)', mssql: 'char(10)' },
    spec: { type: 'text', rtrim: true },
    values: [{ v: 'ab', expected: '2:ab' }, { v: '', expected: '0:' }, { v: ' x', expected: '2: x' }, { v: 'abcdefghij', expected: '10:abcdefghij' }, NULL],
  },
  {
    name: 'nchar(4) / char(4), right-trimmed',
    native: { postgres: 'char(4)', mssql: 'nchar(4)' },
    spec: { type: 'text', rtrim: true },
    values: [{ v: 'é', expected: '2:é' }, { v: '山田', expected: txt('山田') }, NULL],
  },
  {
    name: 'varbinary(max) / bytea as lower-case hex',
    native: { postgres: 'bytea', mssql: 'varbinary(max)' },
    spec: { type: 'binary' },
    values: [{ v: { hex: 'DEADBEEF' }, expected: 'deadbeef' }, { v: { hex: '' }, expected: '' }, { v: { hex: '00ff10' }, expected: '00ff10' }, NULL],
  },
  {
    name: 'binary(4) (zero-padded) / bytea',
    native: { postgres: 'bytea', mssql: 'binary(4)' },
    spec: { type: 'binary' },
    values: [{ v: { hex: '01000000' }, per: { mssql: { hex: '01' } }, expected: '01000000' }, NULL],
  },
];

export function literalFor(value: CaseValue, dialect: DialectName): Literal {
  return value.per && dialect in value.per ? (value.per[dialect] ?? null) : value.v;
}
