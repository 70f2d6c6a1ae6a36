/**
 * Starts a real, throwaway PostgreSQL cluster from the Debian packages
 * (installed by .ci/run), as the `postgres` OS user when running as root.
 * Password authentication over TCP, so tests exercise real credentials.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PgServer {
  host: string;
  port: number;
  user: string;
  password: string;
  dataDir: string;
  binDir: string;
  /** URL of database `db` as the superuser. */
  url(db?: string): string;
  stop(): void;
  restart(): void;
}

export function findPgBinDir(): string {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) {
    throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql: run .ci/run or `apt-get install postgresql`');
  }
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql');
  return join(root, versions[0]!, 'bin');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const isRoot = process.getuid?.() === 0;

function run(cmd: string, args: string[]): void {
  const full = isRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  const res = spawnSync(full[0] as string, full[1] as string[], { encoding: 'utf8' });
  if (res.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${res.status}): ${res.stderr || res.stdout}`);
  }
}

export async function startPgServer(options: { password?: string; extraConf?: string[] } = {}): Promise<PgServer> {
  const binDir = findPgBinDir();
  const dataDir = mkdtempSync(join(tmpdir(), 'cdc-recon-pg-'));
  const password = options.password ?? 'test-pw-Zq8';
  const port = await freePort();
  const pwFile = join(dataDir, '..', `pw-${port}`);
  writeFileSync(pwFile, `${password}\n`);
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dataDir, uid, gid);
    chownSync(pwFile, uid, gid);
  }
  chmodSync(dataDir, 0o700);
  run(join(binDir, 'initdb'), [
    '-D', dataDir, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256',
    `--pwfile=${pwFile}`, '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync',
  ]);
  rmSync(pwFile, { force: true });
  const conf = [
    `port = ${port}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${dataDir}'`,
    'fsync = off',
    'synchronous_commit = off',
    'full_page_writes = off',
    'max_connections = 200',
    'logging_collector = on',
    "log_directory = 'log'",
    "log_filename = 'postgresql.log'",
    ...(options.extraConf ?? []),
  ];
  writeFileSync(join(dataDir, 'postgresql.auto.conf'), `${conf.join('\n')}\n`);
  if (isRoot) run('chown', ['-R', 'postgres:postgres', dataDir]);
  const pgCtl = join(binDir, 'pg_ctl');
  const start = () => run(pgCtl, ['-D', dataDir, '-w', '-t', '60', '-l', join(dataDir, 'startup.log'), 'start']);
  start();
  const server: PgServer = {
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password,
    dataDir,
    binDir,
    url: (db = 'postgres') =>
      `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(db)}`,
    stop: () => {
      try {
        run(pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      } catch {
        /* already stopped */
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
    restart: () => {
      // -l as for start: without it the new postmaster inherits pg_ctl's stdout / stderr pipes,
      // which then never close, and spawnSync (hence the test process) waits for ever.
      run(pgCtl, ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', '-l', join(dataDir, 'startup.log'), 'restart']);
    },
  };
  return server;
}
