/**
 * `cdc-recon backup | restore | diagnostics` through commander, against the
 * real PostgreSQL; and the zx scripts as thin wrappers over the CLI.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { registerDrCommands } from '../../src/cli/dr-commands.js';
import { adminUrl, createDatabase, exec } from '../support/pg.js';
import { databasesLike, seed, tableDigests } from '../support/dr.js';

const run = promisify(execFile);

describe('DR commands (commander, real PostgreSQL)', () => {
  let root: string;
  let db: { name: string; url: string };
  let cfgFile: string;
  let original: Awaited<ReturnType<typeof tableDigests>>;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'dr-cli-'));
    db = await createDatabase('drcli');
    await seed(db.url);
    original = await tableDigests(db.url);
    cfgFile = join(root, 'recon.yml');
    await writeFile(
      cfgFile,
      [
        'source: {dialect: mssql, urlEnv: SOURCE_URL}',
        'target: {dialect: postgres, urlEnv: DR_CLI_PG_URL}',
        'tables: [orders]',
        'backup:',
        `  dir: ${join(root, 'sets')}`,
        '  retentionDays: 7',
        '  postgres:',
        '    urlEnv: DR_CLI_PG_URL',
        `    binDir: ${inject('pgBinDir')}`,
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });
  afterEach(() => {
    process.exitCode = undefined;
  });

  async function cli(args: string[], extraEnv: Record<string, string> = {}) {
    let stdout = '';
    let stderr = '';
    const program = new Command().name('cdc-recon').exitOverride();
    registerDrCommands(program, {
      stdout: (s) => (stdout += s),
      stderr: (s) => (stderr += s),
      env: { ...process.env, DR_CLI_PG_URL: db.url, ...extraEnv },
    });
    process.exitCode = undefined;
    await program.parseAsync(['node', 'cdc-recon', ...args]);
    const code = process.exitCode ?? 0;
    process.exitCode = undefined;
    return { stdout, stderr, code };
  }

  it('backup prints a JSON result, writes GitHub outputs, and logs without the password', async () => {
    const ghOut = join(root, 'gh-output');
    const r = await cli(['backup', '--config', cfgFile], { GITHUB_OUTPUT: ghOut });
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout) as { status: string; setId: string; setDir: string; sizeBytes: number; components: Array<{ component: string; status: string }> };
    expect(res.status).toBe('success');
    expect(res.components).toEqual([expect.objectContaining({ component: 'postgres', status: 'success' })]);
    expect(await readFile(ghOut, 'utf8')).toBe(`set-id=${res.setId}\nset-dir=${res.setDir}\nsize-bytes=${res.sizeBytes}\n`);
    expect(r.stderr).toContain('"msg":"backup set complete"');
    expect(r.stderr + r.stdout).not.toContain(inject('pgPassword'));
  });

  it('restore --dry-run prints the plan; --confirm must equal the target; --summary gets RTO figures', async () => {
    const sets = join(root, 'sets');
    const dry = await cli(['restore', '--set', sets, '--latest', '--config', cfgFile, '--dry-run', '--promote']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('RESTORE PLAN (dry run: nothing will be changed)');
    expect(await databasesLike(adminUrl(), `${db.name}_%`)).toEqual([]);

    const wrong = await cli(['restore', '--set', sets, '--latest', '--config', cfgFile, '--target', db.name, '--confirm', 'prod', '--promote']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error: confirmation "prod" does not match the target/m);
    expect(await databasesLike(adminUrl(), `${db.name}_%`)).toEqual([]);

    await exec(db.url, 'DELETE FROM "sales ""eu"""."line items"; DELETE FROM public.orders WHERE id % 2 = 0');
    const summary = join(root, 'summary.md');
    const report = join(root, 'report.json');
    const ok = await cli(['restore', '--set', sets, '--latest', '--config', cfgFile, '--target', db.name, '--confirm', db.name, '--promote', '--summary', summary, '--summary-title', 'DR drill', '--report', report]);
    expect(ok.stderr).not.toMatch(/^error/m);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/promoted; previous database kept as/);
    expect(await tableDigests(db.url)).toEqual(original);
    const md = await readFile(summary, 'utf8');
    expect(md).toMatch(/^## DR drill/);
    expect(md).toMatch(/\*\*RTO \(measured\)\*\* \| \*\*\d+\.\d s\*\* vs target 2 h — ✅ met/);
    const json = JSON.parse(await readFile(report, 'utf8'));
    expect(json.postgres.outcome.promoted).toBe(true);
    await exec(adminUrl(), `DROP DATABASE "${json.postgres.outcome.previousRenamedTo}"`);
  });

  it('a set path that is not a backup set fails with exit code 1 and a clear message', async () => {
    const r = await cli(['restore', '--set', join(root, 'nope'), '--config', cfgFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: backup set .*nope not found/m);
  });

  it('bad options and bad config fail before anything runs', async () => {
    await expect(cli(['backup', '--config', cfgFile, '--components', 'postgres,oracle'])).rejects.toThrow(/expected a comma-separated list of postgres, mssql, kafka-connect/);
    const bad = join(root, 'bad.yml');
    await writeFile(bad, 'backup:\n  postgres: {urlEnv: "postgres://u:pw@h/db"}\n');
    const r = await cli(['backup', '--config', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/backup\.postgres\.urlEnv: must be an environment variable name/);
    expect(r.stderr).not.toContain(':pw@');
    const mssql = await cli(['backup', '--config', cfgFile, '--components', 'mssql']);
    expect(mssql.stderr).toMatch(/component\(s\) mssql requested but not configured/);
  });

  it('diagnostics writes the bundle and lists each section', async () => {
    const out = join(root, 'diag.tar.gz');
    const r = await cli(['diagnostics', '--config', cfgFile, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`diagnostics bundle: ${out}`);
    expect(r.stdout).toMatch(/postgres\s+ok/);
    expect(existsSync(out)).toBe(true);
  });

  it('--help documents every option of the brief', async () => {
    const program = new Command().name('cdc-recon');
    registerDrCommands(program);
    const help = (name: string) => program.commands.find((c) => c.name() === name)!.helpInformation();
    for (const o of ['--config <file>', '--out <dir>', '--components <list>', '--retention-days <n>', '--s3-bucket <bucket>', '--s3-prefix <prefix>']) expect(help('backup')).toContain(o);
    for (const o of ['--set <path|s3://…>', '--config <file>', '--target <name>', '--promote', '--force', '--offsets', '--dry-run']) expect(help('restore')).toContain(o);
    for (const o of ['--config <file>', '--out <file>']) expect(help('diagnostics')).toContain(o);
  });
});

describe('zx scripts are thin wrappers over the CLI', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dr-zx-'));
    // A stand-in CLI entry that records how it was called.
    await writeFile(
      join(dir, 'cli.mjs'),
      "import { writeFileSync } from 'node:fs';\nwriteFileSync(process.env.RECORD, JSON.stringify(process.argv.slice(2)));\nprocess.exit(Number(process.env.EXIT_WITH ?? 0));\n",
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['scripts/backup.mjs', 'backup'],
    ['scripts/restore.mjs', 'restore'],
    ['scripts/collect-diagnostics.mjs', 'diagnostics'],
  ])('%s runs `cdc-recon %s` with the arguments untouched and its exit code', async (script, command) => {
    const record = join(dir, `${command}.json`);
    const args = ['--config', 'it has spaces.yml', '--s3-prefix', "a'b$(touch /tmp/x)"];
    const err = await run(process.execPath, [script, ...args], { env: { ...process.env, CDC_RECON_CLI: join(dir, 'cli.mjs'), RECORD: record, EXIT_WITH: '3' } }).catch((e: { code: number }) => e);
    expect((err as { code: number }).code).toBe(3);
    expect(JSON.parse(await readFile(record, 'utf8'))).toEqual([command, ...args]);
  });

  it('says how to build the CLI when it is missing', async () => {
    const err = await run(process.execPath, ['scripts/backup.mjs'], { env: { ...process.env, CDC_RECON_CLI: join(dir, 'missing.js') } }).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(2);
    expect((err as { stderr: string }).stderr).toMatch(/not found: build the CLI first/);
  });

  it.skipIf(!existsSync('dist/cli/index.js'))('with the bundled CLI, the script prints exactly what `cdc-recon backup` prints', async () => {
    const viaScript = await run(process.execPath, ['scripts/backup.mjs', '--help']).catch((e: { stdout: string; code: number }) => e);
    const viaCli = await run(process.execPath, ['dist/cli/index.js', 'backup', '--help']).catch((e: { stdout: string; code: number }) => e);
    expect(viaScript.stdout).toBe(viaCli.stdout);
    expect(viaScript.stdout.length).toBeGreaterThan(0);
});
});
