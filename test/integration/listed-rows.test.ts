/**
 * Listed rows past the ones held in memory (engine/listed-rows.ts): a diff that lists more drifted rows than
 * LISTED_ROWS_HELD spools the rest to a file and writes them into the JSON report, every one, in the order
 * found; --json prints the same report; the spool is gone when the process exits. Real PostgreSQL, the bundled
 * CLI as a child process. Memory itself is measured by `npm run bench` (peak RSS), not here.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { LISTED_ROWS_HELD } from '../../src/engine/listed-rows.js';
import type { RunReport } from '../../src/report/model.js';
import { writeReport } from '../../src/report/write.js';
import { createDatabase, exec } from '../support/pg.js';
import { reconcileYaml, rowsOf } from '../support/recon.js';

const run = promisify(execFile);
const CLI = resolve('dist/cli/index.js');
const DDL = `CREATE TABLE items (id bigint PRIMARY KEY, label text NOT NULL, qty int NOT NULL);
  INSERT INTO items SELECT i, 'label ' || i, i % 97 FROM generate_series(1, 30000) i; ANALYZE items;`;
// 1,000 missing, 1,000 extra, 1,000 changed: three times the rows held in memory.
const missing = Array.from({ length: 1000 }, (_, i) => 7 + i * 29);
const changed = Array.from({ length: 1000 }, (_, i) => 11 + i * 29);
const extra = Array.from({ length: 1000 }, (_, i) => 40_001 + i * 3);
const expected = [...missing.map((id) => `missing ${id}`), ...changed.map((id) => `changed ${id} [label]`), ...extra.map((id) => `extra ${id}`)].sort();

describe('listed rows past the held ones', () => {
  const urls = { source: '', target: '' };
  beforeAll(async () => {
    expect(missing.length + changed.length + extra.length).toBeGreaterThan(2 * LISTED_ROWS_HELD);
    const [s, t] = await Promise.all([createDatabase('lrs'), createDatabase('lrt')]);
    await Promise.all([exec(s.url, DDL), exec(t.url, DDL)]);
    await exec(t.url, `DELETE FROM items WHERE id = ANY($1::bigint[])`, [missing]);
    await exec(t.url, `UPDATE items SET label = label || '!' WHERE id = ANY($1::bigint[])`, [changed]);
    await exec(t.url, `INSERT INTO items SELECT i, 'extra', 0 FROM unnest($1::bigint[]) i`, [extra]);
    urls.source = s.url;
    urls.target = t.url;
  }, 120_000);

  it('the CLI lists every drifted row up to maxDiffRows in the report file and on stdout, and leaves no spool behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'listed-rows-'));
    const spoolTmp = mkdtempSync(join(tmpdir(), 'listed-rows-tmp-'));
    writeFileSync(join(dir, 'recon.yml'), 'source: { dialect: postgres, urlEnv: S_URL }\ntarget: { dialect: postgres, urlEnv: T_URL }\ntables: [{ table: items, maxDiffRows: 5000, chunkSize: 2000 }]\n');
    const env = { ...process.env, S_URL: urls.source, T_URL: urls.target, TMPDIR: spoolTmp };
    const out = await run(process.execPath, [CLI, 'reconcile', '--config', join(dir, 'recon.yml'), '--mode', 'diff', '--json', '--report-dir', join(dir, 'reports'), '--log-level', 'error'], { env, maxBuffer: 64 * 2 ** 20 }).catch(
      (err: { code?: number; stdout: string }) => {
        if (err.code !== 1) throw err; // 1: drift found
        return err;
      },
    );
    const fileText = readFileSync(join(dir, 'reports', 'report.json'), 'utf8');
    const file = JSON.parse(fileText) as RunReport;
    const table = file.tables[0]!;
    expect(table.drift).toEqual({ missing: 1000, extra: 1000, changed: 1000 });
    expect(table.rowsTruncated).toBe(false);
    expect(rowsOf(table)).toEqual(expected);
    // The same indented JSON a whole-report JSON.stringify gives, and --json prints exactly the file.
    expect(fileText).toBe(`${JSON.stringify(file, null, 2)}\n`);
    expect(out.stdout).toBe(fileText);
    expect(readdirSync(spoolTmp)).toEqual([]);
  }, 120_000);

  it('a temporary directory that cannot be written ends the table in error, naming the path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'listed-rows-notmp-'));
    writeFileSync(join(dir, 'recon.yml'), 'source: { dialect: postgres, urlEnv: S_URL }\ntarget: { dialect: postgres, urlEnv: T_URL }\ntables: [{ table: items, maxDiffRows: 5000, chunkSize: 2000 }]\n');
    const missingTmp = join(dir, 'no-such-dir');
    const env = { ...process.env, S_URL: urls.source, T_URL: urls.target, TMPDIR: missingTmp };
    const err = await run(process.execPath, [CLI, 'reconcile', '--config', join(dir, 'recon.yml'), '--mode', 'diff', '--report-dir', join(dir, 'reports'), '--log-level', 'error'], { env }).then(
      () => undefined,
      (e: { code?: number }) => e,
    );
    expect(err?.code).toBe(2);
    const table = (JSON.parse(readFileSync(join(dir, 'reports', 'report.json'), 'utf8')) as RunReport).tables[0]!;
    expect(table.status).toBe('error');
    expect(table.error?.message).toContain(missingTmp);
  }, 120_000);

  it('maxDiffRows still bounds the list: the rest are counted, and the report says it is truncated', async () => {
    const report = await reconcileYaml('tables: [{ table: items, maxDiffRows: 2500, chunkSize: 2000 }]', urls);
    const table = report.tables[0]!;
    expect(table.drift).toEqual({ missing: 1000, extra: 1000, changed: 1000 });
    expect(table.rowsTruncated).toBe(true);
    // In memory: the held rows; in the written report: 2,500 of the 3,000, each one of the planted rows.
    expect(table.rows).toHaveLength(LISTED_ROWS_HELD);
    const written = JSON.parse(readFileSync((await writeReport(report, mkdtempSync(join(tmpdir(), 'listed-rows-report-')))).reportPath, 'utf8')) as RunReport;
    const listed = rowsOf(written.tables[0]!);
    expect(listed).toHaveLength(2500);
    expect(new Set(listed).size).toBe(2500);
    for (const r of listed) expect(expected).toContain(r);
  }, 120_000);

  it('with a recheck, the drift still there is listed whole past the held rows', async () => {
    const report = await reconcileYaml('tables: [{ table: items, maxDiffRows: 5000, chunkSize: 2000, recheckDelay: 1ms }]', urls);
    const table = report.tables[0]!;
    expect(table.drift).toEqual({ missing: 1000, extra: 1000, changed: 1000 });
    expect(table.inFlight).toBe(0);
    const written = JSON.parse(readFileSync((await writeReport(report, mkdtempSync(join(tmpdir(), 'listed-rows-recheck-')))).reportPath, 'utf8')) as RunReport;
    expect(rowsOf(written.tables[0]!)).toEqual(expected);
  }, 120_000);
});
