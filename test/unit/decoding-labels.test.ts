/**
 * Text the two sides decode differently (issue 20): what each side produces, and how the report labels it.
 *  - cp1252 bytes 0x81, 0x8D, 0x8F, 0x90, 0x9D (undefined in cp1252) in a varchar column: SQL Server converts
 *    them to U+0081, U+008D, U+008F, U+0090, U+009D (its canonical text, in the database); the Debezium ->
 *    JDBC path decodes with Java's windows-1252, which has no mapping for them: U+FFFD in the target.
 *  - a lone surrogate in an NVARCHAR: SQL Server's UTF-8 conversion writes '?'; Java's UTF-8 encoder writes
 *    '?' into PostgreSQL; the client-side reference (Node) renders U+FFFD.
 * Such rows stay "changed" (the stored bytes do differ), labelled `decoding`, with a table warning, so they
 * are never a silent false mismatch. The SQL Server side of it runs in test/contract/review.ts (MSSQL_URL).
 */
import { describe, expect, it } from 'vitest';
import { canonicalText } from '../../src/canonical/render.js';
import { differsOnlyInDecoding, toDiffRow, type RowDiff } from '../../src/engine/diff.js';
import type { RunReport } from '../../src/report/model.js';
import { renderText } from '../../src/report/text.js';

const TEXT = { type: 'text' } as const;
const row = (key: string, name: string) => ({ keyText: canonicalText(TEXT, key)!, rowHash: name, columns: [canonicalText({ type: 'int' }, key), canonicalText(TEXT, name)] });
const ctx = { keyNames: ['id'], columnNames: ['id', 'name'], textColumns: [false, true] };

/** What each side holds for the same source bytes. */
const SQL_SERVER_CP1252 = (b: number) => String.fromCharCode(b); // 0x81 -> U+0081
const JAVA_CP1252 = () => '\ufffd';

describe('text decoded differently by SQL Server and the Debezium -> JDBC path', () => {
  for (const b of [0x81, 0x8d, 0x8f, 0x90, 0x9d]) {
    it(`cp1252 byte 0x${b.toString(16)}: SQL Server U+00${b.toString(16).toUpperCase()}, Java U+FFFD: changed, labelled decoding`, () => {
      const source = `Caf${SQL_SERVER_CP1252(b)} ok`;
      const target = `Caf${JAVA_CP1252()} ok`;
      expect(canonicalText(TEXT, source)).not.toBe(canonicalText(TEXT, target));
      const d: RowDiff = { kind: 'changed', keyText: '1', source: row('1', source), target: row('1', target) };
      expect(toDiffRow(d, ctx)).toEqual({ kind: 'changed', key: { id: '1' }, columns: ['name'], decoding: ['name'] });
    });
  }

  it("a lone surrogate: '?' from SQL Server or Java, U+FFFD or the surrogate itself in Node: labelled decoding", () => {
    expect(differsOnlyInDecoding('a?b', 'a\ufffdb')).toBe(true);
    expect(differsOnlyInDecoding('a\ud800b', 'a?b')).toBe(true);
    expect(differsOnlyInDecoding('x\udc00', 'x\ufffd')).toBe(true);
  });

  it('real differences are not labelled: other characters, lengths, or a valid surrogate pair', () => {
    expect(differsOnlyInDecoding('Café', 'Cafe')).toBe(false);
    expect(differsOnlyInDecoding('a?b', 'a?bc')).toBe(false);
    expect(differsOnlyInDecoding('😀', '?')).toBe(false);
    expect(differsOnlyInDecoding('same', 'same')).toBe(false);
    const d: RowDiff = { kind: 'changed', keyText: '2', source: row('2', 'abc'), target: row('2', 'abd') };
    expect(toDiffRow(d, ctx)).toEqual({ kind: 'changed', key: { id: '2' }, columns: ['name'] });
  });

  it('the text report says it next to the row', () => {
    const r = toDiffRow({ kind: 'changed', keyText: '1', source: row('1', 'a\u0081'), target: row('1', 'a\ufffd') }, ctx);
    const report = {
      tool: { version: 't' }, runId: 'r', status: 'mismatch', totals: { tables: 1, matched: 0, mismatched: 1, errors: 0 },
      tables: [{ table: 'dbo.t', status: 'mismatch', counts: { source: 1, target: 1 }, drift: { missing: 0, extra: 0, changed: 1 }, inFlight: 0, segments: { checked: 1, mismatched: 1 }, durationMs: 1, rows: [r], inFlightRows: [], warnings: [] }],
    } as unknown as RunReport;
    expect(renderText(report)).toContain('columns: name (differ only in characters the two sides decode differently: name)');
  });
});
