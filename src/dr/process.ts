/**
 * Child processes for the DR tools (pg_dump, pg_restore, copy commands,
 * docker/kubectl), through zx: every argument is quoted by zx, secrets travel
 * in the environment (PGPASSWORD), never in argv, and a failure carries a
 * redacted tail of stderr.
 */
import { $, which as zxWhich } from 'zx';
import { createRedactor } from './redact.js';

export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(message: string, readonly command: string, readonly exitCode: number | null, readonly stderr: string) {
    super(message);
  }
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
  /** Values to mask in error messages on top of the standard patterns. */
  secrets?: string[];
  /** Do not throw on a non-zero exit. */
  allowFailure?: boolean;
}

export async function run(cmd: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const redactor = createRedactor(options.secrets ?? []);
  const out = await $({
    env: options.env ?? process.env,
    cwd: options.cwd,
    timeout: options.timeoutMs,
    nothrow: true,
    quiet: true,
    verbose: false,
  })`${cmd} ${args}`;
  const code = out.exitCode ?? -1;
  const result = { stdout: out.stdout, stderr: out.stderr, code };
  if (code === 0 || options.allowFailure) return result;
  const tail = redactor(out.stderr.trim().split('\n').slice(-20).join('\n'));
  const how = out.signal ? `killed by ${out.signal}` : `exit code ${code}`;
  throw new CommandError(`${cmd} failed (${how})${tail ? `: ${tail}` : ''}`, cmd, out.exitCode, tail);
}

/** Full path of an executable on PATH (or in `dir`), or undefined. */
export async function which(name: string, dir?: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  return (await zxWhich(name, { nothrow: true, path: dir ?? env.PATH ?? '' })) ?? undefined;
}
