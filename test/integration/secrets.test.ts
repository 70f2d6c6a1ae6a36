/**
 * Secrets never leak: the whole CLI (dist/cli/index.js) and the whole action
 * (dist/index.js, run as the runner runs it) with a distinctive password on a
 * PostgreSQL role made for the test, in good and failing runs (wrong
 * password, unknown table, unreachable server, malformed URL, a Pushgateway
 * with credentials that is down, debug logging). After each run, every byte
 * it produced is searched: stdout, stderr, every file it wrote (report, error
 * reports, metrics textfile), the job summary, the outputs and env files.
 * Neither the password (raw, URL-encoded, or a distinctive piece of it) nor
 * any connection URL may appear.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTION_ENTRY, CLI_ENTRY, ensureDist, newWorkspace, runAction } from '../support/action-runner.js';
import { demoPair } from '../support/fixtures.js';
import { adminUrl, exec } from '../support/pg.js';
import { freePort } from '../support/pg-server.js';

// Characters that need URL-encoding, a quote, a ';' and a space: what trips naive redaction.
const CANARY = randomBytes(5).toString('hex');
const PASSWORD = `Cnry7'x;${CANARY}@:/?&%= Zq`;
const WRONG_PASSWORD = `Wr0ng#${randomBytes(5).toString('hex')}`;
const PUSH_PASSWORD = `PushPw${randomBytes(5).toString('hex')}`;
const ROLE = `sec_${randomBytes(4).toString('hex')}`;

const CONFIG = `source: { dialect: postgres, urlEnv: SRC_URL, schema: shop }
target: { dialect: postgres, urlEnv: TGT_URL, schema: shop }
defaults: { chunkSize: 200 }
tables:
  - table: customers
  - table: orders
  - table: order_lines
`;
const GHOST_CONFIG = `${CONFIG}  - table: ghost_table\n`;

let sourceUrl = '';
let targetUrl = '';

function withCredentials(url: string, password: string): string {
  const u = new URL(url);
  u.username = ROLE;
  u.password = encodeURIComponent(password);
  return u.toString();
}

/** Everything that must never be seen, with a name for the failure message. */
function secrets(extraUrls: string[] = []): Array<[string, string]> {
  const list: Array<[string, string]> = [
    ['password', PASSWORD],
    ['URL-encoded password', encodeURIComponent(PASSWORD)],
    ['password piece', PASSWORD.slice(0, 8)],
    ['password random part', CANARY],
    ['wrong password', WRONG_PASSWORD],
    ['URL-encoded wrong password', encodeURIComponent(WRONG_PASSWORD)],
    ['Pushgateway password', PUSH_PASSWORD],
    ['source URL', sourceUrl],
    ['target URL', targetUrl],
  ];
  for (const u of extraUrls) list.push([`URL ${u.slice(0, 12)}...`, u]);
  return list;
}

/** Every file under `dir`, with its text. */
function filesUnder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) Object.assign(out, filesUnder(p));
    else if (statSync(p).isFile()) out[p] = readFileSync(p, 'utf8');
  }
  return out;
}

function expectNothingLeaked(places: Record<string, string>, extraUrls: string[] = []): void {
  expect(Object.keys(places).length).toBeGreaterThan(0);
  for (const [where, text] of Object.entries(places)) {
    for (const [what, secret] of secrets(extraUrls)) {
      expect(text.includes(secret), `${what} found in ${where}:\n${text.slice(Math.max(0, text.indexOf(secret) - 200), text.indexOf(secret) + 200)}`).toBe(false);
    }
    // Any credentials-bearing URL at all (user:password@), whatever the password.
    expect(/[a-z]+:\/\/[^\s/@:]+:[^\s/@*]+@/i.test(text), `a URL with credentials in ${where}`).toBe(false);
  }
}

interface CliRun {
  code: number | null;
  ms: number;
  stdout: string;
  stderr: string;
  dir: string;
}

/** `node dist/cli/index.js reconcile ...` in a fresh directory, with a hard time limit. */
async function cli(args: string[], env: Record<string, string>, config = CONFIG): Promise<CliRun> {
  const dir = mkdtempSync(join(tmpdir(), 'secrets-cli-'));
  const t0 = Date.now();
  writeFileSync(join(dir, 'recon.yml'), config);
  const child = spawn(process.execPath, [CLI_ENTRY, 'reconcile', '-c', 'recon.yml', '--report-dir', 'out', '--metrics-file', 'out/metrics.prom', '--log-level', 'debug', ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cdc-recon did not exit within 60 s\n${stdout}\n${stderr}`));
    }, 60_000);
    child.on('error', reject);
    child.on('close', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  return { code, stdout, stderr, dir, ms: Date.now() - t0 };
}

function cliPlaces(run: CliRun): Record<string, string> {
  // Whatever happened, the process exits promptly (no pool or socket left open behind a failure).
  expect(run.ms, 'cdc-recon took too long to exit').toBeLessThan(15_000);
  const files = filesUnder(run.dir);
  return { stdout: run.stdout, stderr: run.stderr, ...files };
}

beforeAll(async () => {
  ensureDist();
  const db = await demoPair();
  await exec(adminUrl(), `CREATE ROLE ${ROLE} LOGIN PASSWORD '${PASSWORD.replace(/'/g, "''")}'`);
  for (const url of [db.source, db.target]) {
    await exec(url, `GRANT USAGE ON SCHEMA shop TO ${ROLE}; GRANT SELECT ON ALL TABLES IN SCHEMA shop TO ${ROLE};`);
  }
  sourceUrl = withCredentials(db.source, PASSWORD);
  targetUrl = withCredentials(db.target, PASSWORD);
}, 20 * 60_000);

describe('secrets: the CLI', () => {
  it('a good run with drift, debug logs, a metrics file and a Pushgateway with credentials that is down', async () => {
    const port = await freePort();
    const push = `http://metrics:${encodeURIComponent(PUSH_PASSWORD)}@127.0.0.1:${port}`;
    const run = await cli(['--pushgateway-url', push], { SRC_URL: sourceUrl, TGT_URL: targetUrl });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/MISMATCH|mismatch/);
    const places = cliPlaces(run);
    expect(Object.keys(places).some((p) => p.endsWith('report.json'))).toBe(true);
    expect(readFileSync(join(run.dir, 'out', 'metrics.prom'), 'utf8')).toMatch(/reconciliation_rows_missing/);
    expect(run.stderr).toMatch(/"level":"debug"/);
    expect(run.stderr).toMatch(/Pushgateway/i);
    expectNothingLeaked(places, [push]);
  });

  it('--json report on stdout', async () => {
    const run = await cli(['--json'], { SRC_URL: sourceUrl, TGT_URL: targetUrl });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).status).toBe('mismatch');
    expectNothingLeaked(cliPlaces(run));
  });

  it('the wrong password for the target: critical error, nothing leaked', async () => {
    const wrong = withCredentials(targetUrl, WRONG_PASSWORD);
    const run = await cli([], { SRC_URL: sourceUrl, TGT_URL: wrong });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/critical error: cannot connect to the target database: .*password authentication failed/);
    expectNothingLeaked(cliPlaces(run), [wrong]);
  });

  it('a table that does not exist: an error report for it, the others reconciled, nothing leaked', async () => {
    const run = await cli([], { SRC_URL: sourceUrl, TGT_URL: targetUrl }, GHOST_CONFIG);
    expect(run.code).toBe(2);
    const errorReport = join(run.dir, 'out', 'errors', 'ghost_table.json');
    expect(existsSync(errorReport)).toBe(true);
    expect(JSON.parse(readFileSync(errorReport, 'utf8')).message).toMatch(/ghost_table/);
    expectNothingLeaked(cliPlaces(run));
  });

  it('an unknown --table: config error, nothing leaked', async () => {
    const run = await cli(['--table', 'nope'], { SRC_URL: sourceUrl, TGT_URL: targetUrl });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/config error: --table names tables not in the config: nope/);
    expectNothingLeaked(cliPlaces(run));
  });

  it('an unreachable server and a malformed URL: errors, nothing leaked', async () => {
    const port = await freePort();
    const down = withCredentials(`postgres://x@127.0.0.1:${port}/db`, PASSWORD);
    const r1 = await cli([], { SRC_URL: down, TGT_URL: targetUrl });
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/cannot connect to the source database: .*ECONNREFUSED/);
    expectNothingLeaked(cliPlaces(r1), [down]);

    const malformed = `postgres://${ROLE}:${encodeURIComponent(PASSWORD)}@127.0.0.1:notaport/db`;
    const r2 = await cli([], { SRC_URL: sourceUrl, TGT_URL: malformed });
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/cannot connect to the target database: .*Invalid URL/);
    expectNothingLeaked(cliPlaces(r2), [malformed]);

  });
});

describe('secrets: the action, as the runner runs it', () => {
  /** Runs the action with the connection URLs as inputs; scans everything. */
  async function action(extra: Record<string, string>, config = CONFIG) {
    const ws = newWorkspace({ 'recon.yml': config });
    const runnerTemp = mkdtempSync(join(tmpdir(), 'secrets-runner-'));
    mkdirSync(join(ws, 'metrics'), { recursive: true });
    const t0 = Date.now();
    const run = await runAction(
      { config: 'recon.yml', 'source-url': sourceUrl, 'target-url': targetUrl, 'metrics-file': 'metrics/recon.prom', ...extra },
      { workspace: ws, env: { RUNNER_TEMP: runnerTemp, RUNNER_DEBUG: '1' }, timeoutMs: 90_000 },
    );
    // Whatever happened, the step ends promptly (no pool or socket left open behind a failure).
    expect(Date.now() - t0, 'the action took too long to exit').toBeLessThan(20_000);
    const masks = run.stdout.split('\n').filter((l) => l.startsWith('::add-mask::'));
    const places: Record<string, string> = {
      // The runner consumes ::add-mask:: commands: they never reach the log.
      stdout: run.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n'),
      stderr: run.stderr,
      summary: run.summary,
      outputs: JSON.stringify(run.outputs),
      envFile: run.envFile,
      ...filesUnder(ws),
      ...filesUnder(runnerTemp),
    };
    return { run, places, masks };
  }

  it.skipIf(!existsSync(ACTION_ENTRY))('a good run with drift (debug on, metrics file, Pushgateway with credentials down)', async () => {
    const port = await freePort();
    const push = `http://metrics:${encodeURIComponent(PUSH_PASSWORD)}@127.0.0.1:${port}`;
    const { run, places, masks } = await action({ 'pushgateway-url': push });
    expect(run.code, run.stdout).toBe(1);
    expect(run.outputs.status).toBe('mismatch');
    // The secrets were handed to the runner to mask.
    // (add-mask escapes '%' and line breaks, so look for the random part.)
    expect(masks.some((m) => m.includes(CANARY))).toBe(true);
    expect(Object.keys(places).some((p) => p.endsWith('recon.prom'))).toBe(true);
    expect(Object.keys(places).some((p) => p.endsWith('report.json'))).toBe(true);
    expectNothingLeaked(places, [push]);
  });

  it.skipIf(!existsSync(ACTION_ENTRY))('the wrong password for the target, and an unknown table: failures, nothing leaked', async () => {
    const wrong = withCredentials(targetUrl, WRONG_PASSWORD);
    const a = await action({ 'target-url': wrong });
    expect(a.run.code).toBe(1);
    expect(a.run.outputs.status).toBe('error');
    expectNothingLeaked(a.places, [wrong]);

    const b = await action({}, GHOST_CONFIG);
    expect(b.run.code).toBe(1);
    expect(Object.keys(b.places).some((p) => p.endsWith(join('errors', 'ghost_table.json')))).toBe(true);
    expectNothingLeaked(b.places);
  });
});
