import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeReports, readReportFile } from '../../src/report/merge.js';
import { type RunReport, type TableResult } from '../../src/report/model.js';
import { emptyTableResult, totalsOf, overallStatus } from '../../src/engine/results.js';

function table(name: string, status: TableResult['status'], missing = 0): TableResult {
  const t = emptyTableResult(name, `dbo.${name}`, `public.${name}`, 'diff');
  t.status = status;
  t.drift.missing = missing;
  if (status === 'error') t.error = { message: 'boom', stage: 'plan', class: 'table' };
  return t;
}

function shardReport(index: number, count: number, tables: TableResult[], at = '2030-01-01T00:00:0'): RunReport {
  return {
    schemaVersion: 1,
    tool: { name: 'cdc-recon', version: '1.0.0' },
    runId: `run-${index}-${at}`,
    startedAt: `${at}${index}.000Z`,
    finishedAt: `${at}${index + 5}.000Z`,
    durationMs: 5000,
    status: overallStatus(tables),
    mode: 'diff',
    configFile: 'recon.yml',
    shard: { index, count },
    source: { dialect: 'mssql', version: '16' },
    target: { dialect: 'postgres', version: '15' },
    totals: totalsOf(tables),
    tables,
  };
}

describe('mergeReports', () => {
  it('joins the shards: tables sorted, totals summed, worst status, time span of all', () => {
    const { report, warnings } = mergeReports([
      shardReport(2, 2, [table('orders', 'mismatch', 3)]),
      shardReport(1, 2, [table('customers', 'match'), table('lines', 'mismatch', 2)]),
    ]);
    expect(warnings).toEqual([]);
    expect(report.tables.map((t) => t.table)).toEqual(['customers', 'lines', 'orders']);
    expect(report.status).toBe('mismatch');
    expect(report.totals).toMatchObject({ tables: 3, matched: 1, mismatched: 2, rowsMissing: 5 });
    expect(report.startedAt).toBe('2030-01-01T00:00:01.000Z');
    expect(report.finishedAt).toBe('2030-01-01T00:00:07.000Z');
    expect(report.durationMs).toBe(6000);
    expect(report.shard).toBeUndefined();
  });

  it('a missing shard becomes an errored entry, so the merged run cannot look clean', () => {
    const { report, warnings } = mergeReports([shardReport(1, 3, [table('a', 'match')]), shardReport(3, 3, [table('c', 'match')])]);
    expect(report.status).toBe('error');
    expect(report.tables.map((t) => t.table)).toEqual(['a', 'c', '(shard 2/3)']);
    expect(report.tables[2]!.error?.message).toMatch(/no report from shard 2 of 3/);
    expect(warnings).toEqual(['no report from shard 2/3']);
  });

  it('a shard run twice keeps the later run; a table in two shards keeps the worse result', () => {
    const early = shardReport(1, 2, [table('a', 'mismatch', 1)], '2030-01-01T00:00:0');
    const late = shardReport(1, 2, [table('a', 'match')], '2030-01-01T00:00:1');
    const other = shardReport(2, 2, [table('b', 'match'), table('a', 'error')]);
    const { report, warnings } = mergeReports([early, late, other]);
    expect(warnings.join('\n')).toMatch(/shard 1\/2 appears twice/);
    expect(warnings.join('\n')).toMatch(/table a was reconciled by more than one shard/);
    expect(report.tables.find((t) => t.table === 'a')!.status).toBe('error');
  });

  it('refuses reports of different shard counts, mixed shard and plain reports, and nothing', () => {
    expect(() => mergeReports([shardReport(1, 2, []), shardReport(1, 3, [])])).toThrow(/different shard counts/);
    const plain = { ...shardReport(1, 1, []), shard: undefined };
    expect(() => mergeReports([plain, shardReport(1, 1, [])])).toThrow(/some reports are shard reports/);
    expect(() => mergeReports([])).toThrow(/no reports/);
  });

  it('refuses to join reports of two canonical forms; a report without the field is form 1', () => {
    const v2 = { ...shardReport(1, 2, [table('a', 'match')]), canonicalForm: 2 };
    const v1 = shardReport(2, 2, [table('b', 'match')]);
    expect(() => mergeReports([v2, v1])).toThrow(/different canonical forms \(1, 2\)/);
    const { report } = mergeReports([v2, { ...v1, canonicalForm: 2 }]);
    expect(report.canonicalForm).toBe(2);
  });

  it('warns when the shards saw different servers or config files', () => {
    const b = shardReport(2, 2, []);
    b.source = { dialect: 'mssql', version: '17' };
    b.configFile = 'other.yml';
    const { warnings } = mergeReports([shardReport(1, 2, []), b]);
    expect(warnings.join('\n')).toMatch(/different source servers/);
    expect(warnings.join('\n')).toMatch(/different config files/);
  });

  it('readReportFile rejects what is not a report and reports from a newer schema', () => {
    const dir = mkdtempSync(join(tmpdir(), 'merge-'));
    writeFileSync(join(dir, 'x.json'), '{"hello":1}');
    writeFileSync(join(dir, 'bad.json'), '{nope');
    writeFileSync(join(dir, 'new.json'), JSON.stringify({ ...shardReport(1, 1, []), schemaVersion: 99 }));
    writeFileSync(join(dir, 'ok.json'), JSON.stringify(shardReport(1, 1, [table('a', 'match')])));
    expect(() => readReportFile(join(dir, 'x.json'))).toThrow(/not a cdc-recon report/);
    expect(() => readReportFile(join(dir, 'bad.json'))).toThrow(/cannot read report/);
    expect(() => readReportFile(join(dir, 'new.json'))).toThrow(/schema version 99/);
    expect(readReportFile(join(dir, 'ok.json')).tables[0]!.table).toBe('a');
  });
});
