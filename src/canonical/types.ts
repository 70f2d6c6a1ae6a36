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
 * fractional zeros dropped, "+00" for UTC), which PostgreSQL prints without a formatting call. 3: a range bucket's
 * sum adds one hash per unit of up to UNIT_KEYS consecutive keys (the unit's row texts in key order, see
 * UNIT_SEPARATOR), not one per row.
 */
export const CANONICAL_FORM_VERSION = 3;

/**
 * The most keys of a unit: a range bucket of width w is cut into units trunc((key - base) / min(w, UNIT_KEYS)),
 * and each unit is hashed once, as its rows' texts joined in key order. MD5 costs about as much per call as
 * per row of text (~1 µs a call in PostgreSQL 15 with OpenSSL 3, most of a row hash), so one call per unit
 * instead of per row is what brings a checksum below one md5 scan of the rows (issue 18). A unit of one row
 * hashes exactly as the row does, so one-key buckets (the bisection's last step) are the row hashes.
 */
export const UNIT_KEYS = 64n;
/** Between the row texts of a unit. A row text has a fixed number of fields and length-prefixed text, so the joined text splits back one way only. */
export const UNIT_SEPARATOR = '\n';

/** Marker for SQL NULL inside a canonical row text. Never produced by a non-null value. */
export const NULL_TOKEN = '\\N';
/** Separator between fields of a canonical row. Only text can contain it, and text is length-prefixed. */
export const FIELD_SEPARATOR = '|';
/** Default fractional digits of timestamps (microseconds, PostgreSQL's limit). */
export const DEFAULT_FRACTIONAL_DIGITS = 6;
export const DOUBLE_DIGITS = 15;
export const REAL_DIGITS = 6;
