/**
 * `cdc-recon backup | restore | diagnostics` through commander, against the
 * real PostgreSQL; and the zx scripts, faces over the same application layer.
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

  // The zx scripts are faces over the same application layer (dist/app.js), run as the operator runs them.
  describe.skipIf(!existsSync('dist/app.js'))('zx scripts over the application layer', () => {
    async function script(name: string, args: string[], extraEnv: Record<string, string> = {}) {
      const env = { ...process.env, DR_CLI_PG_URL: db.url, CI: '1', ...extraEnv };
      return run(process.execPath, [`scripts/${name}`, ...args], { env }).then(
        (r) => ({ ...r, code: 0 }),
        (e: { stdout: string; stderr: string; code: number }) => e,
      );
    }

    it('backup.mjs writes a verified set and prints the same result as `cdc-recon backup`', async () => {
      const out = join(root, 'script-sets');
      const r = await script('backup.mjs', ['--config', cfgFile, '--out', out, '--components', 'postgres']);
      expect(r.stderr).not.toMatch(/^error/m);
      expect(r.code).toBe(0);
      const res = JSON.parse(r.stdout) as { status: string; setDir: string; components: Array<{ component: string; status: string }> };
      expect(res.status).toBe('success');
      expect(res.setDir.startsWith(out)).toBe(true);
      expect(existsSync(join(res.setDir, 'manifest.json'))).toBe(true);
      const viaCli = await cli(['backup', '--config', cfgFile, '--out', join(root, 'cli-sets'), '--components', 'postgres']);
      expect(Object.keys(JSON.parse(viaCli.stdout)).sort()).toEqual(Object.keys(res).sort());
      expect(r.stderr + r.stdout).not.toContain(inject('pgPassword'));

      const dry = await script('restore.mjs', ['--set', out, '--latest', '--config', cfgFile, '--dry-run']);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain('RESTORE PLAN (dry run: nothing will be changed)');
    });

    it('collect-diagnostics.mjs writes the bundle', async () => {
      const out = join(root, 'script-diag.tar.gz');
      const r = await script('collect-diagnostics.mjs', ['--config', cfgFile, '--out', out]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/postgres\s+ok/);
      expect(existsSync(out)).toBe(true);
    });

    it('bad input: an unknown option, a missing --set, a bad component list, a missing bundle', async () => {
      const unknown = await script('backup.mjs', ['--config', cfgFile, '--s3-bukcet', 'x']);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(/^error: unknown option --s3-bukcet/m);
      const noSet = await script('restore.mjs', ['--config', cfgFile]);
      expect(noSet.code).toBe(2);
      expect(noSet.stderr).toMatch(/^error: --set is required/m);
      const bad = await script('backup.mjs', ['--config', cfgFile, '--components', 'postgres,oracle']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/^error: expected a comma-separated list of postgres, mssql, kafka-connect/m);
      const missing = await script('backup.mjs', ['--config', cfgFile], { CDC_RECON_APP: join(root, 'missing.js') });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/not found: build it first/);
      const help = await script('restore.mjs', ['--help']);
      expect(help.code).toBe(0);
      for (const o of ['--set', '--promote', '--dry-run', '--offsets']) expect(help.stdout).toContain(o);
    });
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
