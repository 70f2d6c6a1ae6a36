/**
 * TypeScript reference implementation of the canonical form. Every dialect's
 * SQL expressions must produce byte-identical text (checked by property tests
 * against real databases); the client-side hashing mode uses it directly.
 */
import { createHash, hash as oneShotHash } from 'node:crypto';
import {
  type CanonicalSpec,
  DEFAULT_FRACTIONAL_DIGITS,
  DOUBLE_DIGITS,
  FIELD_SEPARATOR,
  NULL_TOKEN,
  UNIT_SEPARATOR,
} from './types.js';
import { exactDouble, formatDecimal, parseDecimal, roundSignificant, roundToScale } from './decimal.js';

export type CanonicalInput = string | number | bigint | boolean | Date | Uint8Array | null | undefined;

export function canonicalText(spec: CanonicalSpec, value: CanonicalInput): string | null {
  if (value === null || value === undefined) return null;
  switch (spec.type) {
    case 'int':
      return renderInt(value);
    case 'decimal':
      return renderDecimal(value, spec.scale);
    case 'float':
      return renderFloat(value, spec.floatDigits ?? DOUBLE_DIGITS, spec.floatNativeDigits ?? DOUBLE_DIGITS);
    case 'bool':
      return renderBool(value);
    case 'date':
      return renderDate(value);
    case 'time':
      return renderTime(value, spec.fractionalDigits ?? DEFAULT_FRACTIONAL_DIGITS);
    case 'timestamp':
      return renderTimestamp(value, spec.fractionalDigits ?? DEFAULT_FRACTIONAL_DIGITS, false);
    case 'timestamptz':
      return renderTimestamp(value, spec.fractionalDigits ?? DEFAULT_FRACTIONAL_DIGITS, true);
    case 'uuid':
      return String(value).toLowerCase();
    case 'text':
      return renderText(value, spec.rtrim ?? false);
    case 'binary':
      return renderBinary(value);
  }
}

function renderInt(value: CanonicalInput): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number' && !Number.isInteger(value)) throw new Error(`not an integer: ${value}`);
  return BigInt(value as string | number | bigint).toString();
}

const SPECIAL_NUMBERS: Record<string, string> = {
  nan: 'NaN',
  infinity: 'Infinity',
  '+infinity': 'Infinity',
  '-infinity': '-Infinity',
  inf: 'Infinity',
  '-inf': '-Infinity',
};

function special(value: CanonicalInput): string | undefined {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (value === Infinity) return 'Infinity';
    if (value === -Infinity) return '-Infinity';
    return undefined;
  }
  if (typeof value === 'string') return SPECIAL_NUMBERS[value.trim().toLowerCase()];
  return undefined;
}

/** NUMERIC: fixed scale, rounded half away from zero; no exponent; never "-0". */
function renderDecimal(value: CanonicalInput, scale: number | undefined): string {
  const s = special(value);
  if (s) return s;
  const parts =
    typeof value === 'number' ? parseDecimal(String(value)) : parseDecimal(String(value as string | bigint));
  if (scale === undefined) return formatDecimal(parts);
  return formatDecimal(roundToScale(parts, scale, 'half-away'), scale);
}

/**
 * Floating point: the exact binary value rounded half-even to `digits`
 * significant digits (what C's printf("%.15g") does and thus what a
 * float-to-numeric cast does in PostgreSQL), printed as a minimal plain decimal.
 * Fewer digits than the type holds: rounded again, half away from zero.
 */
function renderFloat(value: CanonicalInput, digits: number, nativeDigits: number): string {
  const s = special(value);
  if (s) return s;
  const n = typeof value === 'number' ? value : Number(value);
  // A real (float32) column arrives as a double; go back to the float32 the database holds.
  const x = nativeDigits <= 6 ? Math.fround(n) : n;
  let parts = roundSignificant(exactDouble(x), nativeDigits, 'half-even');
  if (digits < nativeDigits) parts = roundSignificant(parts, digits, 'half-away');
  return formatDecimal(parts);
}

function renderBool(value: CanonicalInput): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value) !== 0 ? '1' : '0';
  const t = String(value).trim().toLowerCase();
  if (['t', 'true', '1', 'y', 'yes', 'on'].includes(t)) return '1';
  if (['f', 'false', '0', 'n', 'no', 'off'].includes(t)) return '0';
  throw new Error(`not a boolean: ${JSON.stringify(value)}`);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * ".ffff": the fraction truncated to `digits`, then its trailing zeros dropped, and no "." for a zero fraction
 * (how PostgreSQL writes a time or timestamp).
 */
export function fraction(digitsText: string, digits: number): string {
  const kept = digitsText.slice(0, Math.max(0, digits)).replace(/0+$/, '');
  return kept ? `.${kept}` : '';
}

const DATE_RE = /^(\d{4,})-(\d{2})-(\d{2})/;
const TIME_RE = /(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?/;
const OFFSET_RE = /(Z|[+-]\d{2}(?::?\d{2})?(?::?\d{2})?)$/;
/** A year before the common era, as PostgreSQL writes it ("0044-03-15 BC"). */
const BC_RE = /\s+BC$/i;
const INFINITE = new Set(['infinity', '-infinity']);

function renderDate(value: CanonicalInput): string {
  if (value instanceof Date) {
    return `${pad(value.getUTCFullYear(), 4)}-${pad(value.getUTCMonth() + 1, 2)}-${pad(value.getUTCDate(), 2)}`;
  }
  const text = String(value).trim();
  if (INFINITE.has(text.toLowerCase())) return text.toLowerCase();
  const m = DATE_RE.exec(text);
  if (!m) throw new Error(`not a date: ${JSON.stringify(value)}`);
  return `${m[1]}-${m[2]}-${m[3]}${BC_RE.test(text) ? ' BC' : ''}`;
}

function renderTime(value: CanonicalInput, digits: number): string {
  const m = TIME_RE.exec(String(value));
  if (!m) throw new Error(`not a time: ${JSON.stringify(value)}`);
  return `${m[1]}:${m[2]}:${m[3]}${fraction(m[4] ?? '', digits)}`;
}

/**
 * Timestamps as PostgreSQL writes them with DateStyle ISO: "2024-01-02 03:04:05.12", the fraction truncated to
 * `digits` and its trailing zeros dropped; zoned values in UTC with "+00"; "infinity"; " BC" last.
 */
function renderTimestamp(value: CanonicalInput, digits: number, zoned: boolean): string {
  const zone = zoned ? '+00' : '';
  if (value instanceof Date) {
    const iso = value.toISOString(); // always UTC, millisecond precision
    return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction(iso.slice(20, 23), digits)}${zone}`;
  }
  const text = String(value).trim();
  if (INFINITE.has(text.toLowerCase())) return text.toLowerCase();
  const bc = BC_RE.test(text);
  const body = bc ? text.replace(BC_RE, '') : text;
  const era = bc ? ' BC' : '';
  const d = DATE_RE.exec(body);
  const t = TIME_RE.exec(body.slice(d ? d[0].length : 0));
  if (!d || !t) throw new Error(`not a timestamp: ${JSON.stringify(value)}`);
  const micros = (t[4] ?? '').padEnd(6, '0').slice(0, 6);
  const off = zoned ? OFFSET_RE.exec(body) : null;
  const offsetSeconds = off ? parseOffset(off[1] ?? 'Z') : 0;
  if (bc && offsetSeconds !== 0) throw new Error(`a timestamp before the common era needs a UTC offset: ${JSON.stringify(value)}`);
  if (offsetSeconds === 0) {
    // Already UTC (what the drivers return from a UTC session), or local: no calendar arithmetic needed.
    return `${d[1]}-${d[2]}-${d[3]} ${t[1]}:${t[2]}:${t[3]}${fraction(micros, digits)}${zone}${era}`;
  }
  // Shift by the offset on whole seconds; microseconds are carried over exactly.
  const u = new Date(0);
  u.setUTCFullYear(Number(d[1]), Number(d[2]) - 1, Number(d[3]));
  u.setUTCHours(Number(t[1]), Number(t[2]), Number(t[3]) - offsetSeconds, 0);
  // Written field by field: toISOString() turns years past 9999 into "+010000".
  const date = `${pad(u.getUTCFullYear(), 4)}-${pad(u.getUTCMonth() + 1, 2)}-${pad(u.getUTCDate(), 2)}`;
  const time = `${pad(u.getUTCHours(), 2)}:${pad(u.getUTCMinutes(), 2)}:${pad(u.getUTCSeconds(), 2)}`;
  return `${date} ${time}${fraction(micros, digits)}${zone}`;
}

function parseOffset(text: string): number {
  if (text === 'Z') return 0;
  const sign = text.startsWith('-') ? -1 : 1;
  const body = text.slice(1).replace(/:/g, '');
  const h = Number(body.slice(0, 2));
  const m = Number(body.slice(2, 4) || '0');
  const s = Number(body.slice(4, 6) || '0');
  return sign * (h * 3600 + m * 60 + s);
}

/** Text: length-prefixed by its UTF-8 byte count, so separators inside it cannot shift fields. */
function renderText(value: CanonicalInput, rtrim: boolean): string {
  let s = typeof value === 'string' ? value : String(value);
  if (rtrim) s = s.replace(/ +$/, '');
  return `${Buffer.byteLength(s, 'utf8')}:${s}`;
}

function renderBinary(value: CanonicalInput): string {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  const s = String(value);
  if (s.startsWith('\\x')) return s.slice(2).toLowerCase();
  throw new Error('not a binary value');
}

/** Join canonical fields into the row text both databases hash. */
export function canonicalRowText(fields: ReadonlyArray<string | null>): string {
  return fields.map((f) => (f === null ? NULL_TOKEN : f)).join(FIELD_SEPARATOR);
}

/** First 64 bits of MD5 of the row text, as a signed 64-bit integer (what both databases compute). */
export function rowHash(rowText: string): bigint {
  return BigInt.asIntN(64, BigInt(`0x${md5Hex(rowText).slice(0, 16)}`));
}

/** MD5 of UTF-8 text as hex; the one-shot API is about twice as fast per row where Node has it. */
function md5Hex(text: string): string {
  return typeof oneShotHash === 'function' ? oneShotHash('md5', text, 'hex') : createHash('md5').update(text, 'utf8').digest('hex');
}

/** The hash of a unit of a range bucket (see UNIT_KEYS): its rows' texts in key order; one row's is its row hash. */
export function unitHash(rowTexts: readonly string[]): bigint {
  return rowHash(rowTexts.join(UNIT_SEPARATOR));
}

/** Bucket of a key for hash segmentation: first 31 bits of MD5 of the key text. */
export function keyHash31(keyText: string): number {
  return parseInt(md5Hex(keyText).slice(0, 8), 16) & 0x7fffffff;
}
