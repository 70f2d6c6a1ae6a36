import { describe, expect, it } from 'vitest';
import { canonicalRowText, canonicalText, keyHash31, rowHash } from '../../src/canonical/render.js';
import { exactDouble, formatDecimal, parseDecimal, roundSignificant, roundToScale } from '../../src/canonical/decimal.js';

describe('canonical text reference', () => {
  it('integers', () => {
    expect(canonicalText({ type: 'int' }, 42)).toBe('42');
    expect(canonicalText({ type: 'int' }, '-9223372036854775808')).toBe('-9223372036854775808');
    expect(canonicalText({ type: 'int' }, 5n)).toBe('5');
    expect(canonicalText({ type: 'int' }, true)).toBe('1');
    expect(() => canonicalText({ type: 'int' }, 1.5)).toThrow(/not an integer/);
    expect(canonicalText({ type: 'int' }, null)).toBeNull();
  });

  it('decimals: fixed scale, half away from zero, no exponent, no -0', () => {
    const d = (v: string | number, scale?: number) => canonicalText({ type: 'decimal', scale }, v);
    expect(d('1.005', 2)).toBe('1.01');
    expect(d('-1.005', 2)).toBe('-1.01');
    expect(d('-0.001', 2)).toBe('0.00');
    expect(d('12.3', 2)).toBe('12.30');
    expect(d('1e3', 1)).toBe('1000.0');
    expect(d('12.3400')).toBe('12.34');
    expect(d('1200')).toBe('1200');
    expect(d('-0.000')).toBe('0');
    expect(d(0.5, 0)).toBe('1');
    expect(d('NaN', 2)).toBe('NaN');
    expect(d(Infinity)).toBe('Infinity');
    expect(d('-infinity')).toBe('-Infinity');
    expect(d('999.995', 2)).toBe('1000.00');
    expect(() => d('abc')).toThrow(/not a decimal/);
  });

  it('floats: 15 significant digits half-even on the exact binary value, then fewer digits half away', () => {
    const f = (v: number, digits = 15, native = 15) => canonicalText({ type: 'float', floatDigits: digits, floatNativeDigits: native }, v);
    expect(f(0.1)).toBe('0.1');
    expect(f(-0)).toBe('0');
    expect(f(1e20)).toBe('100000000000000000000');
    expect(f(1.5e-7)).toBe('0.00000015');
    expect(f(1000000000000005)).toBe('1000000000000000'); // exact tie: half-even like printf
    expect(f(123456.789, 3)).toBe('123000');
    expect(f(0.0012345, 2)).toBe('0.0012');
    expect(f(NaN)).toBe('NaN');
    expect(f(-Infinity)).toBe('-Infinity');
    expect(f(0.1, 6, 6)).toBe('0.1');
    expect(canonicalText({ type: 'float' }, '2.5')).toBe('2.5');
  });

  it('exact decimal helpers', () => {
    expect(formatDecimal(exactDouble(0.5))).toBe('0.5');
    expect(formatDecimal(exactDouble(2 ** 60))).toBe('1152921504606846976');
    expect(formatDecimal(roundSignificant(parseDecimal('2.5'), 1, 'half-even'))).toBe('2');
    expect(formatDecimal(roundSignificant(parseDecimal('3.5'), 1, 'half-even'))).toBe('4');
    expect(formatDecimal(roundToScale(parseDecimal('0.0004'), 1, 'half-away'), 1)).toBe('0.0');
    expect(formatDecimal(roundToScale(parseDecimal('12345'), -2, 'half-away'))).toBe('12300');
    expect(() => exactDouble(Infinity)).toThrow();
  });

  it('booleans', () => {
    expect(canonicalText({ type: 'bool' }, true)).toBe('1');
    expect(canonicalText({ type: 'bool' }, 'f')).toBe('0');
    expect(canonicalText({ type: 'bool' }, 0)).toBe('0');
    expect(() => canonicalText({ type: 'bool' }, 'maybe')).toThrow(/not a boolean/);
  });

  it('dates, times and timestamps', () => {
    expect(canonicalText({ type: 'date' }, '2024-02-29')).toBe('2024-02-29');
    expect(canonicalText({ type: 'date' }, new Date(Date.UTC(2024, 1, 29)))).toBe('2024-02-29');
    expect(() => canonicalText({ type: 'date' }, 'yesterday')).toThrow(/not a date/);
    expect(canonicalText({ type: 'time', fractionalDigits: 3 }, '23:59:59.9999')).toBe('23:59:59.999');
    expect(canonicalText({ type: 'time', fractionalDigits: 0 }, '01:02:03.5')).toBe('01:02:03');
    expect(() => canonicalText({ type: 'time' }, 'noon')).toThrow(/not a time/);
    expect(canonicalText({ type: 'time', fractionalDigits: 6 }, '01:02:03.500000')).toBe('01:02:03.5');
    expect(canonicalText({ type: 'time', fractionalDigits: 6 }, '01:02:03.000000')).toBe('01:02:03');
    // Form 2: as PostgreSQL prints with DateStyle ISO: a space, trailing fractional zeros dropped, UTC as +00.
    expect(canonicalText({ type: 'timestamp', fractionalDigits: 6 }, '2024-01-01 10:00:00.5')).toBe('2024-01-01 10:00:00.5');
    expect(canonicalText({ type: 'timestamp', fractionalDigits: 6 }, '2024-01-01 10:00:00.000000')).toBe('2024-01-01 10:00:00');
    expect(canonicalText({ type: 'timestamp', fractionalDigits: 2 }, '9999-12-31T23:59:59.999999')).toBe('9999-12-31 23:59:59.99');
    expect(canonicalText({ type: 'timestamp', fractionalDigits: 2 }, '2024-01-01 10:00:00.905')).toBe('2024-01-01 10:00:00.9');
    expect(canonicalText({ type: 'timestamp', fractionalDigits: 2 }, '2024-01-01 10:00:00.009')).toBe('2024-01-01 10:00:00');
    expect(canonicalText({ type: 'timestamptz', fractionalDigits: 6 }, '2024-03-31 03:30:00.123456+02')).toBe('2024-03-31 01:30:00.123456+00');
    expect(canonicalText({ type: 'timestamptz', fractionalDigits: 0 }, '2024-01-01 00:00:00-05:30')).toBe('2024-01-01 05:30:00+00');
    expect(canonicalText({ type: 'timestamptz', fractionalDigits: 3 }, new Date('2024-01-01T00:00:00.120Z'))).toBe('2024-01-01 00:00:00.12+00');
    expect(canonicalText({ type: 'timestamp', fractionalDigits: 3 }, new Date('2024-01-01T00:00:00.123Z'))).toBe('2024-01-01 00:00:00.123');
    expect(canonicalText({ type: 'timestamptz', fractionalDigits: 0 }, '0050-06-01 12:00:00Z')).toBe('0050-06-01 12:00:00+00');
    expect(canonicalText({ type: 'timestamptz', fractionalDigits: 6 }, '9999-12-31 23:30:00-01')).toBe('10000-01-01 00:30:00+00');
    // What PostgreSQL alone can hold: infinity, and years before the common era (written last, after the zone).
    expect(canonicalText({ type: 'timestamptz' }, 'Infinity')).toBe('infinity');
    expect(canonicalText({ type: 'timestamp' }, '-infinity')).toBe('-infinity');
    expect(canonicalText({ type: 'date' }, 'infinity')).toBe('infinity');
    expect(canonicalText({ type: 'date' }, '0044-03-15 BC')).toBe('0044-03-15 BC');
    expect(canonicalText({ type: 'timestamptz' }, '0044-03-15 12:00:00.25+00 BC')).toBe('0044-03-15 12:00:00.25+00 BC');
    expect(() => canonicalText({ type: 'timestamptz' }, '0044-03-15 12:00:00+02 BC')).toThrow(/before the common era/);
    expect(() => canonicalText({ type: 'timestamp' }, 'later')).toThrow(/not a timestamp/);
  });

  it('uuid, text and binary', () => {
    expect(canonicalText({ type: 'uuid' }, 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    expect(canonicalText({ type: 'text' }, 'Zoë')).toBe('4:Zoë');
    expect(canonicalText({ type: 'text' }, '🚀')).toBe('4:🚀');
    expect(canonicalText({ type: 'text', rtrim: true }, 'ab   ')).toBe('2:ab');
    expect(canonicalText({ type: 'text' }, 'ab   ')).toBe('5:ab   ');
    expect(canonicalText({ type: 'binary' }, Buffer.from([0, 255, 16]))).toBe('00ff10');
    expect(canonicalText({ type: 'binary' }, '\\xDEAD')).toBe('dead');
    expect(() => canonicalText({ type: 'binary' }, 'zz')).toThrow(/not a binary/);
  });

  it('row text is unambiguous and hashes are stable 64-bit / 31-bit values', () => {
    const t = (a: string | null, b: string | null) => canonicalRowText([canonicalText({ type: 'text' }, a), canonicalText({ type: 'text' }, b)]);
    expect(t('a|b', 'c')).not.toBe(t('a', 'b|c'));
    expect(t(null, '')).not.toBe(t('', null));
    expect(t('\\N', null)).not.toBe(t(null, null));
    expect(rowHash('abc')).toBe(BigInt.asIntN(64, 0x900150983cd24fb0n));
    expect(keyHash31('abc')).toBe(0x90015098 & 0x7fffffff);
  });
});
