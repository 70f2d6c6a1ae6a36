/**
 * Moving a canonical date or timestamp by a duration: an incremental run
 * starts `overlap` before the last run's newest change, written back in the
 * same canonical text (trailing fractional zeros dropped, the same `+00`), which
 * both dialects read as a value of the change column's type.
 */
import { fraction } from './render.js';
import { type CanonicalSpec, DEFAULT_FRACTIONAL_DIGITS } from './types.js';

const TS = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?)?(\+00)?$/;

function pad(n: number | bigint, w: number): string {
  return String(n).padStart(w, '0');
}

/** Microseconds since 1970-01-01 of a canonical date / timestamp text; undefined when it is not one. */
export function canonicalMicros(text: string): bigint | undefined {
  const m = TS.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = ''] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(ms)) return undefined;
  // Date.UTC maps years 0-99 to 1900-1999; the canonical form has four-digit years from 0001.
  const fixed = Number(y) < 100 ? new Date(ms).setUTCFullYear(Number(y)) : ms;
  return BigInt(fixed) * 1000n + BigInt(frac.padEnd(6, '0') || '0');
}

/**
 * `text` moved by `deltaMs` (negative: earlier), for date, timestamp and timestamptz texts; integer change
 * columns (version counters) are not moved. Throws on a text that is not canonical.
 */
export function shiftCanonical(spec: CanonicalSpec, text: string, deltaMs: number): string {
  if (spec.type === 'int') return text;
  const micros = canonicalMicros(text);
  if (micros === undefined) throw new Error(`not a canonical ${spec.type}: ${JSON.stringify(text)}`);
  const shifted = micros + BigInt(Math.trunc(deltaMs)) * 1000n;
  const wholeMs = shifted >= 0n ? shifted / 1000n : -((-shifted + 999n) / 1000n);
  const d = new Date(Number(wholeMs));
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
  if (spec.type === 'date') return date;
  const m = TS.exec(text)!;
  const digits = spec.fractionalDigits ?? DEFAULT_FRACTIONAL_DIGITS;
  const micro = ((shifted % 1_000_000n) + 1_000_000n) % 1_000_000n;
  return `${date} ${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}${fraction(pad(micro, 6), digits)}${m[8] ?? ''}`;
}

/** Order of two canonical texts of the same change column (integers by value, dates and timestamps by time). */
export function compareCanonical(spec: CanonicalSpec, a: string, b: string): number {
  if (spec.type === 'int') {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = canonicalMicros(a);
  const y = canonicalMicros(b);
  if (x === undefined || y === undefined) throw new Error(`cannot compare ${JSON.stringify(a)} and ${JSON.stringify(b)} as ${spec.type}`);
  return x < y ? -1 : x > y ? 1 : 0;
}
