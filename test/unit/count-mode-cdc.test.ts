/**
 * `mode: count` (or any data mode) against a source with CDC disabled (issue 20, found on the driver path):
 * the finding stays, and the table says what was compared and that the mismatch is the schema check's.
 * Sources read without CDC (a replica, a staging copy for PR checks) set `source.cdc: false`.
 * The real SQL Server run of both is in test/contract/review.ts (MSSQL_URL).
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { emptyTableResult, totalsOf } from '../../src/engine/results.js';
import type { RunReport } from '../../src/report/model.js';
import { renderText } from '../../src/report/text.js';
import * as core from '@actions/core';
import { annotate, renderSummary } from '../../src/sinks/summary.js';
import { withSchemaFindings, type SchemaCheck } from '../../src/schema/check.js';
import type { SchemaFinding } from '../../src/schema/findings.js';

const CDC_OFF: SchemaFinding = { table: 'dbo.orders', severity: 'error', code: 'cdc-disabled', message: 'change data capture is off for table dbo.orders' };

function counted(mode: 'count' | 'checksum' | 'diff', source: number, target: number) {
  const r = emptyTableResult('dbo.orders', 'dbo.orders', 'public.orders', mode);
  r.counts = { source, target };
  r.status = source === target ? 'match' : 'mismatch';
  return r;
}
const check = (findings: SchemaFinding[]): SchemaCheck => ({ findings });

describe('data matched, schema check found CDC disabled', () => {
  it('count mode: mismatch, and the status reason says the counts matched and which finding decided', () => {
    const r = withSchemaFindings(counted('count', 10, 10), check([CDC_OFF]));
    expect(r.status).toBe('mismatch');
    expect(r.statusReason).toBe('counts match (source 10, target 10); mismatch from the schema check: cdc-disabled (see schemaFindings)');
    expect(r.schemaFindings).toEqual([CDC_OFF]);
  });

  it('checksum and diff modes say what they compared', () => {
    expect(withSchemaFindings(counted('checksum', 3, 3), check([CDC_OFF])).statusReason).toMatch(/^checksums match \(source 3, target 3\)/);
    expect(withSchemaFindings(counted('diff', 3, 3), check([CDC_OFF])).statusReason).toMatch(/^rows match \(source 3, target 3\)/);
  });

  it('a real count difference keeps its own status, with no schema reason; no error finding, no reason', () => {
    const differ = withSchemaFindings(counted('count', 10, 9), check([CDC_OFF]));
    expect([differ.status, differ.statusReason]).toEqual(['mismatch', undefined]);
    const clean = withSchemaFindings(counted('count', 10, 10), check([{ ...CDC_OFF, severity: 'info', code: 'cdc-jobs-unreadable' }]));
    expect([clean.status, clean.statusReason]).toEqual(['match', undefined]);
  });

  it('the text report shows the reason next to the table', () => {
    const t = withSchemaFindings(counted('count', 10, 10), check([CDC_OFF]));
    const report = { tool: { version: 'test' }, runId: 'r', status: 'mismatch', totals: { tables: 1, matched: 0, mismatched: 1, errors: 0 }, tables: [t] } as unknown as RunReport;
    expect(renderText(report)).toContain('dbo.orders: MISMATCH: counts match (source 10, target 10); mismatch from the schema check: cdc-disabled');
  });
});

describe('the job summary and annotations show the reason', () => {
  it('summary details and the annotation carry the status reason', () => {
    const t = withSchemaFindings(counted('count', 10, 10), check([CDC_OFF]));
    const report: RunReport = {
      schemaVersion: 1, tool: { name: 'cdc-recon', version: 't' }, runId: 'r', startedAt: '2030-01-01T00:00:00.000Z', finishedAt: '2030-01-01T00:00:01.000Z',
      durationMs: 1000, status: 'mismatch', mode: 'count', configFile: 'x.yml', source: { dialect: 'mssql' }, target: { dialect: 'postgres' }, totals: totalsOf([t]), tables: [t],
    };
    core.summary.emptyBuffer();
    const html = renderSummary(core.summary, report, { failOn: 'mismatch' }).stringify();
    core.summary.emptyBuffer();
    expect(html).toContain('<p>counts match (source 10, target 10); mismatch from the schema check: cdc-disabled (see schemaFindings)</p>');
    const notes: string[] = [];
    annotate(report, 'mismatch', { error: (m) => notes.push(m), warning: (m) => notes.push(m) });
    expect(notes[0]).toMatch(/0 changed rows \(counts match \(source 10, target 10\); mismatch from the schema check: cdc-disabled/);
  });
});

describe('source.cdc: false for sources read without CDC', () => {
  const yaml = (source: string, target = '') =>
    `source: { dialect: mssql, urlEnv: S${source} }\ntarget: { dialect: postgres, urlEnv: T${target} }\ntables: [{ table: dbo.orders }]`;
  it('defaults to true; false is kept', () => {
    expect(parseConfig(yaml(''), 'x.yml').source.cdc).toBe(true);
    expect(parseConfig(yaml(', cdc: false'), 'x.yml').source.cdc).toBe(false);
  });
  it('on the target it is an error naming the field', () => {
    expect(() => parseConfig(yaml('', ', cdc: false'), 'x.yml')).toThrow(/target\.cdc.*source only/s);
  });
});
