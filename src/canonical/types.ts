/**
 * The canonical form: the contract every dialect meets. A value of any
 * supported database type is rendered as canonical *text*; both databases
 * hash that text, so equal canonical text means equal values.
 */
export const CANONICAL_TYPES = [
  'int',
  'decimal',
  'float',
  'bool',
  'date',
  'time',
  'timestamp',
  'timestamptz',
  'uuid',
  'text',
  'binary',
] as const;

export type CanonicalType = (typeof CANONICAL_TYPES)[number];

export interface CanonicalSpec {
  type: CanonicalType;
  /** decimal: fixed number of fractional digits; undefined = trailing zeros trimmed. */
  scale?: number;
  /** time / timestamp / timestamptz: fractional second digits kept (0..6), truncated. */
  fractionalDigits?: number;
  /** float: significant digits kept (1..15). */
  floatDigits?: number;
  /** float: digits the side's native type rounds to first (15 for double, 6 for real); set per side. */
  floatNativeDigits?: number;
  /** text: right-trim spaces (fixed-width char types on either side). */
  rtrim?: boolean;
}

/** What a native column type maps to before the pair is aligned. */
export interface CanonicalFamily {
  type: CanonicalType;
  scale?: number;
  fractionalDigits?: number;
  floatDigits?: number;
  fixedWidth?: boolean;
}

/**
 * Version of the canonical form, kept in reports and incremental state so that hashes of two forms are never
 * compared or merged. 2: dates, times and timestamps as PostgreSQL writes them (ISO with a space, trailing
 * fractional zeros dropped, "+00" for UTC), which PostgreSQL prints without a formatting call.
 */
export const CANONICAL_FORM_VERSION = 2;

/** Marker for SQL NULL inside a canonical row text. Never produced by a non-null value. */
export const NULL_TOKEN = '\\N';
/** Separator between fields of a canonical row. Only text can contain it, and text is length-prefixed. */
export const FIELD_SEPARATOR = '|';
/** Default fractional digits of timestamps (microseconds, PostgreSQL's limit). */
export const DEFAULT_FRACTIONAL_DIGITS = 6;
export const DOUBLE_DIGITS = 15;
export const REAL_DIGITS = 6;
