/**
 * Hostile identifiers: quoting makes each one a single, inert name; and,
 * against real PostgreSQL, tables and columns with these names are
 * reconciled without anything but the expected reads reaching the server.
 */
import { describe, expect, it } from 'vitest';
import { quoteIdent, quoteTable } from '../../src/dialects/postgres/quote.js';

export const HOSTILE_NAMES = [
  'x"; DROP TABLE victim; --',
  'x"",""y',
  '"',
  '""',
  "'; DELETE FROM victim; --",
  'a]; DROP TABLE victim; --',
  '[x]',
  ']]',
  'x) OR 1=1 --',
  '/* comment */ x',
  'x -- trailing comment',
  'x; SELECT pg_sleep(10)',
  '$1',
  '$$; DROP TABLE victim; $$',
  '\\',
  '\\"; DROP TABLE victim; --',
  'ＤＲＯＰ ＴＡＢＬＥ victim',
  'ʺ; DROP TABLE victim; --',
  'x\u200B"y',
  'naïve_ümlaut_名前',
  '🚀"rocket',
  ' leading space',
  'trailing space ',
  'UPPER"lower',
  'select',
  'from',
  'table',
  'x\ny',
  'x\ty',
  'a.b',
  '%s%n',
  '${injection}',
  'x'.repeat(63),
  '"'.repeat(30),
];

describe('PostgreSQL identifier quoting', () => {
  it('has at least 30 hostile names', () => {
    expect(HOSTILE_NAMES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(HOSTILE_NAMES)('quotes %j as one identifier that round-trips', (name) => {
    const q = quoteIdent(name);
    expect(q.startsWith('"') && q.endsWith('"')).toBe(true);
    // Inside the quotes every double quote is doubled, so the identifier cannot end early.
    const inner = q.slice(1, -1);
    expect(inner.replace(/""/g, '')).not.toContain('"');
    expect(inner.replace(/""/g, '"')).toBe(name);
  });

  it('refuses NUL inside a name', () => {
    expect(() => quoteIdent('a\u0000b')).toThrow(/NUL/);
  });

  it('quotes schema and table separately', () => {
    expect(quoteTable({ schema: 'a"b', name: 'c"d' })).toBe('"a""b"."c""d"');
  });
});
