/**
 * SQL Server identifier quoting against hostile names. node-sql-parser rejects
 * `]]` inside a bracketed name (valid T-SQL), so the proof here is a T-SQL
 * lexer for bracketed identifiers written from the language rules: a quoted
 * name must come back as exactly one identifier token equal to the original
 * name, and the surrounding statement must keep exactly its own tokens (no
 * second statement, no comment, no extra clause). Names without `]` are also
 * parsed by node-sql-parser and must come back as the table / column name.
 */
import { describe, expect, it } from 'vitest';
import sqlParser from 'node-sql-parser';
import { MAX_IDENTIFIER_LENGTH, quoteIdent, quoteTable } from '../../src/dialects/mssql/quote.js';

const { Parser } = sqlParser;
const parser = new Parser();

type Token = { kind: 'ident'; value: string } | { kind: 'word' | 'punct'; value: string };

/** Tokenises the subset of T-SQL used below: [bracketed] identifiers (`]]` = `]`), bare words, punctuation, whitespace. */
function lex(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === '[') {
      let value = '';
      i += 1;
      for (;;) {
        if (i >= sql.length) throw new Error('unterminated bracketed identifier');
        if (sql[i] === ']') {
          if (sql[i + 1] === ']') {
            value += ']';
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        value += sql[i];
        i += 1;
      }
      out.push({ kind: 'ident', value });
    } else if (/\s/.test(ch)) {
      i += 1;
    } else if (/[A-Za-z0-9_]/.test(ch)) {
      let w = '';
      while (i < sql.length && /[A-Za-z0-9_]/.test(sql[i]!)) w += sql[i++];
      out.push({ kind: 'word', value: w });
    } else {
      // Anything else outside brackets (quote, semicolon, dash, slash...) would be a break-out.
      out.push({ kind: 'punct', value: ch });
      i += 1;
    }
  }
  return out;
}

const long200 = 'x'.repeat(200);
const HOSTILE: string[] = [
  'plain',
  'with space',
  'bracket]close',
  ']',
  ']]',
  '[',
  '[open',
  'a]b]c',
  '];DROP TABLE users;--',
  '] ; EXEC xp_cmdshell \'dir\' --',
  "quote'single",
  "'; SHUTDOWN WITH NOWAIT; --",
  '"double"',
  'semi;colon',
  '--comment',
  '/* block */',
  'end*/',
  'tab\there',
  'new\nline',
  'cr\rreturn',
  'back\\slash',
  'percent%_like',
  '@p1',
  '@@version',
  'N\'x\'',
  '０ｘ全角',
  '\uFF3D fullwidth right bracket',
  '\uFF3B fullwidth left bracket',
  '\u02BC modifier apostrophe',
  '\u2019 right single quote',
  '\u201D right double quote',
  '\u200B zero width space',
  '\u202E right-to-left override',
  'emoji 🚀 name',
  'Ünïcödé ß',
  '山田',
  ' leading and trailing ',
  'x'.repeat(MAX_IDENTIFIER_LENGTH),
  `${']'.repeat(MAX_IDENTIFIER_LENGTH)}`,
];

describe('quoteIdent', () => {
  it('covers at least 30 hostile names', () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(30);
  });

  it.each(HOSTILE.map((n) => [JSON.stringify(n).slice(0, 40), n]))('%s round-trips as one bracketed identifier', (_label, name) => {
    const q = quoteIdent(name);
    expect(q.startsWith('[') && q.endsWith(']')).toBe(true);
    expect(lex(q)).toEqual([{ kind: 'ident', value: name }]);
  });

  it.each(HOSTILE.map((n) => [JSON.stringify(n).slice(0, 40), n]))('%s cannot change the statement around it', (_label, name) => {
    const sql = `SELECT ${quoteIdent(name)} FROM ${quoteTable({ schema: name, name })} WHERE 1 = 1`;
    expect(lex(sql)).toEqual([
      { kind: 'word', value: 'SELECT' },
      { kind: 'ident', value: name },
      { kind: 'word', value: 'FROM' },
      { kind: 'ident', value: name },
      { kind: 'punct', value: '.' },
      { kind: 'ident', value: name },
      { kind: 'word', value: 'WHERE' },
      { kind: 'word', value: '1' },
      { kind: 'punct', value: '=' },
      { kind: 'word', value: '1' },
    ]);
  });

  // node-sql-parser cannot read `]]` (valid T-SQL), nor control characters inside brackets; every other name is parsed.
  const parseable = HOSTILE.filter((n) => !n.includes(']') && !/[\t\n\r]/.test(n));
  it('has a parser-checked subset', () => expect(parseable.length).toBeGreaterThanOrEqual(25));
  it.each(parseable.map((n) => [JSON.stringify(n).slice(0, 40), n]))('%s parses as the table and column name (node-sql-parser, TransactSQL)', (_l, name) => {
    const ast = parser.astify(`SELECT ${quoteIdent(name)} FROM ${quoteTable({ schema: 'dbo', name })} WHERE ${quoteIdent(name)} = 1`, {
      database: 'TransactSQL',
    });
    const stmts = Array.isArray(ast) ? ast : [ast];
    expect(stmts).toHaveLength(1);
    const select = stmts[0] as unknown as { type: string; from: Array<{ table: string }>; columns: Array<{ expr: { column: unknown } }> };
    expect(select.type).toBe('select');
    expect(select.from).toHaveLength(1);
    expect(select.from[0]!.table).toBe(name);
    const col = select.columns[0]!.expr.column;
    expect(typeof col === 'string' ? col : (col as { expr: { value: string } }).expr.value).toBe(name);
  });

  it('doubles every closing bracket and nothing else', () => {
    expect(quoteIdent('a]b')).toBe('[a]]b]');
    expect(quoteIdent(']]')).toBe('[]]]]]');
    expect(quoteIdent("it's")).toBe("[it's]");
    expect(quoteIdent('[x')).toBe('[[x]');
  });

  it('rejects names the catalog cannot hold: empty, NUL, longer than sysname (e.g. 200 characters)', () => {
    expect(() => quoteIdent('')).toThrow(/empty/);
    expect(() => quoteIdent('a\u0000b')).toThrow(/NUL/);
    expect(() => quoteIdent(long200)).toThrow(/128/);
    expect(() => quoteTable({ schema: 'dbo', name: long200 })).toThrow(/128/);
    expect(quoteIdent('y'.repeat(128))).toHaveLength(130);
  });
});
