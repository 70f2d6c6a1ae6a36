/**
 * Child processes for the DR tools (pg_dump, pg_restore, copy commands,
 * docker/kubectl): argv only, never a shell; secrets travel in the
 * environment (PGPASSWORD), never in argv; errors carry a redacted stderr tail.
 */
import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
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
  /** Keep at most this many bytes of stdout (tail). */
  maxStdout?: number;
}

export async function run(cmd: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const redactor = createRedactor(options.secrets ?? []);
  const max = options.maxStdout ?? 64 * 1024 * 1024;
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (stdout.length > max) stdout = stdout.slice(stdout.length - max);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (stderr.length > 1024 * 1024) stderr = stderr.slice(-1024 * 1024);
    });
    child.on('error', (err) => {
      reject(new CommandError(`${cmd}: ${redactor(err.message)}`, cmd, null, ''));
    });
    child.on('close', (code, signal) => {
      const result = { stdout, stderr, code: code ?? -1 };
      if (code === 0 || options.allowFailure) return resolve(result);
      const tail = redactor(stderr.trim().split('\n').slice(-20).join('\n'));
      const how = signal ? `killed by ${signal}` : `exit code ${code}`;
      reject(new CommandError(`${cmd} failed (${how})${tail ? `: ${tail}` : ''}`, cmd, code, tail));
    });
  });
}

/** Full path of an executable on PATH (or in `dir`), or undefined. */
export async function which(name: string, dir?: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const dirs = dir ? [dir] : (env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const d of dirs) {
    const p = join(d, name);
    try {
      await access(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}
