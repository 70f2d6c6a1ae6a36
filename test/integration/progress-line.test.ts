/**
 * The CLI's live progress line, end to end against the test PostgreSQL: drawn and redrawn while a table is
 * checked when stderr is a terminal (a pseudo-terminal from util-linux `script`) or when forced, and not drawn
 * when stderr is a pipe or the run is in CI, where the JSON progress lines stay.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, exec } from '../support/pg.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli', 'index.js');
// Three times the first pass's rows per statement: three statements a side, so the rows checked move twice
// before the end whatever the timing.
const ROWS = 300_000;
const CLEAR_LINE = '\r\x1b[2K';
const hasScript = spawnSync('script', ['--version']).status === 0;

let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  const [src, tgt] = await Promise.all([createDatabase('progress_src'), createDatabase('progress_tgt')]);
  for (const db of [src, tgt]) {
    await exec(db.url, `CREATE TABLE big (id bigint PRIMARY KEY, v text NOT NULL);
      INSERT INTO big SELECT i, 'v' || i FROM generate_series(1, ${ROWS}) i; ANALYZE big;`);
  }
  await exec(tgt.url, `UPDATE big SET v = 'changed' WHERE id = 123456`);
  dir = mkdtempSync(join(tmpdir(), 'cdc-recon-progress-'));
  writeFileSync(join(dir, 'recon.yml'), 'source: { dialect: postgres, urlEnv: P_SRC }\ntarget: { dialect: postgres, urlEnv: P_TGT }\ntables: [{ table: big, mode: diff }]\n');
  // No CI variable: the pseudo-terminal case must look like a person's terminal.
  env = { PATH: process.env.PATH, HOME: process.env.HOME, P_SRC: src.url, P_TGT: tgt.url };
});

function cliArgs(extra: string[] = []): string[] {
  return [CLI, 'reconcile', '--config', join(dir, 'recon.yml'), '--report-dir', join(dir, 'reports'), '--json', ...extra];
}

/** The frames of the table's line, in the order drawn. */
function frames(output: string): string[] {
  return output.split(CLEAR_LINE).map((f) => f.split('\n')[0]!.trim()).filter((f) => f.startsWith('big: '));
}

function rowsChecked(frame: string): number {
  const m = /^big: \w+ · ([\d.]+)(k?) of/.exec(frame);
  return m ? Number(m[1]) * (m[2] === 'k' ? 1000 : 1) : NaN;
}

function expectLiveLine(output: string): void {
  const all = frames(output);
  const checking = all.filter((f) => f.startsWith('big: checksum'));
  // Drawn at the start, redrawn as rows are checked (more than one count before the last), ended with a final line.
  expect(checking[0]).toMatch(/^big: checksum · 0 of ~300\.0k rows \(0%\)/);
  const counts = [...new Set(checking.map(rowsChecked))];
  expect(counts.length).toBeGreaterThanOrEqual(3);
  expect(counts).toEqual([...counts].sort((a, b) => a - b));
  expect(all.at(-1)).toMatch(/^big: done · 300\.0k of ~300\.0k rows \(100%\)/);
  // A terminal shows "\n" as "\r\n"; the final line is not overwritten.
  expect(output).toMatch(/big: done [^\r]*\r?\n/);
  // The JSON progress lines are left out where the line is drawn; other log lines still come.
  expect(output).not.toContain('"msg":"progress"');
  expect(output).toContain('"msg":"table done"');
}

describe('live progress line', () => {
  it.skipIf(!hasScript)('is drawn and redrawn on a terminal (pseudo-terminal)', () => {
    // script runs the CLI with stdin, stdout and stderr on a pseudo-terminal and copies what it shows.
    const command = [process.execPath, ...cliArgs()].map((a) => `'${a}'`).join(' ');
    const r = spawnSync('script', ['-qefc', command, '/dev/null'], { encoding: 'utf8', env, timeout: 120_000 });
    expect(r.status, r.stderr).toBe(1);
    expectLiveLine(r.stdout);
  });

  it('is drawn with --progress line even into a pipe', () => {
    const r = spawnSync(process.execPath, cliArgs(['--progress', 'line']), { encoding: 'utf8', env, timeout: 120_000 });
    expect(r.status, r.stderr).toBe(1);
    expectLiveLine(r.stderr);
    expect(JSON.parse(r.stdout).tables[0].drift.changed).toBe(1);
  });

  it('is not drawn into a pipe: JSON progress lines instead, rows checked as they go', () => {
    const r = spawnSync(process.execPath, cliArgs(), { encoding: 'utf8', env, timeout: 120_000 });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).not.toContain(CLEAR_LINE);
    const progress = r.stderr.split('\n').filter((l) => l.includes('"msg":"progress"')).map((l) => JSON.parse(l) as { stage: string; rowsDone: number });
    // Statements are aligned to segments, so the steps are near 100,000 rows, not exactly.
    const checked = progress.filter((p) => p.stage === 'checksum').map((p) => p.rowsDone);
    expect(checked[0]).toBe(0);
    expect(checked.at(-1)).toBe(ROWS);
    expect(checked.length).toBeGreaterThanOrEqual(4);
    expect(checked).toEqual([...checked].sort((a, b) => a - b));
    expect(progress.at(-1)).toMatchObject({ stage: 'done', rowsDone: ROWS });
  });

  it.skipIf(!hasScript)('is not drawn in CI even on a terminal', () => {
    const command = [process.execPath, ...cliArgs()].map((a) => `'${a}'`).join(' ');
    const r = spawnSync('script', ['-qefc', command, '/dev/null'], { encoding: 'utf8', env: { ...env, CI: 'true' }, timeout: 120_000 });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).not.toContain(CLEAR_LINE);
    expect(r.stdout).toContain('"msg":"progress"');
  });
});
