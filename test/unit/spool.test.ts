/** util/spool.ts and the report writer's spooled lists: order, length, the file, and the text written. */
import { describe, expect, it } from 'vitest';
import { JsonSeqSpool } from '../../src/util/spool.js';
import { LISTED_ROWS_HELD, newRowList } from '../../src/engine/listed-rows.js';
import { emptyTableResult } from '../../src/engine/results.js';
import type { DiffRow, RunReport } from '../../src/report/model.js';
import { writeReportJson } from '../../src/report/write.js';
import { jsonSafe } from '../../src/util/logger.js';
import { registerSecret } from '../../src/util/redact.js';

/** The spool's items, read back from their texts. */
async function itemsOf(spool: JsonSeqSpool<unknown>): Promise<unknown[]> {
  return (await collect(spool.texts())).map((t) => JSON.parse(t) as unknown);
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const i of items) out.push(i);
  return out;
}

describe('JsonSeqSpool', () => {
  it('holds the first items, spools the rest, and gives all back in order', async () => {
    const spool = new JsonSeqSpool<{ n: number; s: string }>(3);
    const items = Array.from({ length: 50_000 }, (_, n) => ({ n, s: `row ${n} ü "quoted"\n` }));
    for (const i of items) spool.push(i);
    expect(spool.length).toBe(50_000);
    expect(spool.held).toEqual(items.slice(0, 3));
    expect(spool.spills).toBe(true);
    expect(await itemsOf(spool)).toEqual(items);
    // Read twice: the same.
    expect((await itemsOf(spool)).length).toBe(50_000);
  });

  it('gives each item\'s indented JSON text as JSON.stringify would, whatever the item holds', async () => {
    const spool = new JsonSeqSpool<unknown>(2);
    const items: unknown[] = [
      { n: 1 },
      'held',
      // RS and LF inside values, a record longer than one read of the file, non-ASCII across read boundaries
      { s: 'a\u001eb\nc', big: 2 ** 70 },
      { long: 'ü'.repeat(100_000), tail: [1, 2, { deep: true }] },
      ...Array.from({ length: 5_000 }, (_, i) => ({ i, name: `€ row ${i}`, list: [i, String(i)] })),
      null,
      [],
    ];
    for (const i of items) spool.push(i);
    expect(await collect(spool.texts())).toEqual(items.map((i) => JSON.stringify(i, null, 2)));
    expect(await itemsOf(spool)).toEqual(items);
  });

  it('never writes a file while everything fits', async () => {
    const spool = new JsonSeqSpool<number>(5);
    [1, 2, 3].forEach((n) => spool.push(n));
    expect(spool.spills).toBe(false);
    expect(await itemsOf(spool)).toEqual([1, 2, 3]);
  });
});

function reportWith(tables: RunReport['tables']): RunReport {
  return {
    schemaVersion: 1,
    tool: { name: 'cdc-recon', version: 'test' },
    canonicalForm: 2,
    runId: 'r',
    startedAt: 'a',
    finishedAt: 'b',
    durationMs: 1,
    status: 'mismatch',
    mode: 'diff',
    configFile: 'c.yml',
    connections: { source: 1, target: 1 },
    source: { dialect: 'postgres', version: '15' },
    target: { dialect: 'postgres', version: '15' },
    totals: { tables: 1, matched: 0, mismatched: 1, errors: 0, rowsMissing: 0, rowsExtra: 0, rowsChanged: 0, rowsInFlight: 0, retries: 0 },
    tables,
  } as unknown as RunReport;
}

describe('writeReportJson', () => {
  it('writes spooled lists as JSON.stringify would write the whole lists, redacted', async () => {
    const secret = 'pw-spooled-row-secret';
    registerSecret(secret);
    const rows = newRowList();
    const inFlight = newRowList();
    const all: DiffRow[] = Array.from({ length: LISTED_ROWS_HELD + 1234 }, (_, i) => ({ kind: i % 3 === 0 ? 'changed' : 'missing', key: { id: String(i), name: i === 1500 ? secret : `n${i}` }, ...(i % 3 === 0 ? { columns: ['a', 'b'] } : {}) }));
    for (const r of all) rows.push(r);
    for (const r of all.slice(0, LISTED_ROWS_HELD + 1)) inFlight.push(r);
    const t1 = { ...emptyTableResult('a', 's.a', 't.a', 'diff'), rows: rows.held, inFlightRows: inFlight.held };
    const t2 = { ...emptyTableResult('b', 's.b', 't.b', 'diff'), rows: all.slice(0, 2) };
    const report = reportWith([t1, t2]);
    let text = '';
    const pieces: string[] = [];
    await writeReportJson(report, (piece) => {
      pieces.push(piece);
      text += piece;
    });
    const whole = reportWith([{ ...t1, rows: all, inFlightRows: all.slice(0, LISTED_ROWS_HELD + 1) }, t2]);
    expect(text).toBe(`${JSON.stringify(whole, jsonSafe, 2).split(secret).join('***')}\n`);
    expect(text).not.toContain(secret);
    expect(pieces.length).toBeGreaterThan(1);
  });

  it('writes a report without spooled lists in one piece, as before', async () => {
    const report = reportWith([{ ...emptyTableResult('a', 's.a', 't.a', 'diff'), rows: [{ kind: 'extra', key: { id: '1' } }] }]);
    const pieces: string[] = [];
    await writeReportJson(report, (p) => void pieces.push(p));
    expect(pieces).toEqual([`${JSON.stringify(report, jsonSafe, 2)}\n`]);
  });
});
