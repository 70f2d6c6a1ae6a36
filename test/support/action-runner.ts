/**
 * Runs the bundled action (dist/index.js) as a child process the way the
 * GitHub runner does: inputs as INPUT_<NAME> variables (upper-cased, dashes
 * kept: INPUT_FAIL-ON), GITHUB_OUTPUT / GITHUB_STEP_SUMMARY / GITHUB_ENV
 * files, the workspace as the working directory, and nothing of the test's
 * own environment but PATH and HOME.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
/** The bundles the tests run (a private copy of dist/ once ensureDist() ran). */
export let ACTION_ENTRY = join(ROOT, 'dist', 'index.js');
export let CLI_ENTRY = join(ROOT, 'dist', 'cli', 'index.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Builds dist/ (npm run build) when it is missing or older than src/, then
 * runs from a private copy of it, so a rebuild started elsewhere while the
 * tests run cannot pull the bundle from under them.
 */
export function ensureDist(): void {
  const fresh = () => [join(ROOT, 'dist', 'index.js'), join(ROOT, 'dist', 'cli', 'index.js')].every((f) => existsSync(f) && statSync(f).mtimeMs >= newestMtime(join(ROOT, 'src')));
  if (!fresh()) {
    const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8', timeout: 15 * 60_000 });
    if (r.status !== 0) throw new Error(`npm run build failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  }
  // A build that another process runs right now writes dist/ file by file: wait until it is quiet.
  for (let quietFor = 0, last = newestMtime(join(ROOT, 'dist')); quietFor < 3000; ) {
    sleepSync(500);
    const now = newestMtime(join(ROOT, 'dist'));
    quietFor = now === last ? quietFor + 500 : 0;
    last = now;
  }
  const copy = mkdtempSync(join(tmpdir(), 'action-dist-'));
  cpSync(join(ROOT, 'dist'), copy, { recursive: true });
  ACTION_ENTRY = join(copy, 'index.js');
  CLI_ENTRY = join(copy, 'cli', 'index.js');
  if (!existsSync(ACTION_ENTRY) || !existsSync(CLI_ENTRY)) throw new Error(`dist/ is incomplete (no index.js / cli/index.js in ${copy})`);
}

export interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  envFile: string;
  workspace: string;
}

/** Parses the GITHUB_OUTPUT file format: name<<delimiter\nvalue\ndelimiter. */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i]!);
    if (m) {
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i]!);
      out[m[1]!] = value.join('\n');
    } else if (lines[i]!.includes('=')) {
      const [k, ...v] = lines[i]!.split('=');
      out[k!] = v.join('=');
    }
  }
  return out;
}

export function newWorkspace(files: Record<string, string> = {}): string {
  const ws = mkdtempSync(join(tmpdir(), 'gh-workspace-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(ws, name, '..'), { recursive: true });
    writeFileSync(join(ws, name), text);
  }
  return ws;
}

export async function runAction(
  inputs: Record<string, string>,
  options: { workspace?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<ActionRun> {
  const workspace = options.workspace ?? newWorkspace();
  const runnerDir = mkdtempSync(join(tmpdir(), 'gh-runner-'));
  const files = { output: join(runnerDir, 'output'), summary: join(runnerDir, 'summary'), env: join(runnerDir, 'env') };
  for (const f of Object.values(files)) writeFileSync(f, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_ENV: files.env,
    GITHUB_RUN_ID: String(Date.now()),
    GITHUB_RUN_ATTEMPT: '1',
    RUNNER_TEMP: runnerDir,
    ...options.env,
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  const child = spawn(process.execPath, [ACTION_ENTRY], { cwd: workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const code = await new Promise<number | null>((resolveExit, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`action did not finish within ${options.timeoutMs ?? 120_000} ms\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (c) => {
      clearTimeout(timer);
      resolveExit(c);
    });
  });
  return {
    code,
    stdout,
    stderr,
    outputs: parseOutputFile(readFileSync(files.output, 'utf8')),
    summary: readFileSync(files.summary, 'utf8'),
    envFile: readFileSync(files.env, 'utf8'),
    workspace,
  };
}

/** stdout without the ::add-mask:: commands (the runner consumes those; they never reach the log). */
export function visibleStdout(stdout: string): string {
  return stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
}
