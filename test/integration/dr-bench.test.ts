/**
 * Backup / restore timings on a 1M-row PostgreSQL database, and the RTO of a
 * drill (newest set -> scratch -> verify). Opt-in (it takes a while):
 *   DR_BENCH=1 npx vitest run test/integration/dr-bench.test.ts
 * Results are printed and written to bench-results/dr-bench.json.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runBackup } from '../../src/dr/backup.js';
import { parseBackupConfig } from '../../src/config/load-backup.js';
import { toolConnection } from '../../src/dr/postgres/conn.js';
import { runRestore } from '../../src/dr/restore.js';
import { createDatabase, exec } from '../support/pg.js';

const ROWS = Number(process.env.DR_BENCH_ROWS ?? 1_000_000);
const run = promisify(execFile);

describe.skipIf(!process.env.DR_BENCH)(`DR timings, ${ROWS} rows`, () => {
  let root: string;
  let db: { name: string; url: string };
  const results: Record<string, unknown> = { rows: ROWS };
  const env = () => ({ ...process.env, BENCH_PG_URL: db.url });
  const cfg = (format: 'custom' | 'directory', verify: 'count' | 'checksum' = 'checksum') =>
    parseBackupConfig({ dir: join(root, `sets-${format}-${verify}`), postgres: { urlEnv: 'BENCH_PG_URL', binDir: inject('pgBinDir'), format, jobs: 4, verify } }, 'bench.yml');
  const secs = (ms: number) => Math.round(ms) / 1000;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'dr-bench-'));
    db = await createDatabase('drbench');
    const t = Date.now();
    await exec(
      db.url,
      `CREATE TABLE orders (id int8 PRIMARY KEY, customer_id int4 NOT NULL, amount numeric(12,2) NOT NULL, status text NOT NULL,
         created_at timestamptz NOT NULL, note text);
       INSERT INTO orders SELECT g, g % 50000, (g % 100000) / 100.0, (ARRAY['new','paid','shipped','returned'])[1 + g % 4],
         timestamptz '2024-01-01' + g * interval '1 second', md5(g::text) || ' ' || repeat('x', g % 40)
       FROM generate_series(1, ${ROWS}) AS g;
       CREATE INDEX ON orders (customer_id);`,
    );
    await exec(db.url, 'VACUUM ANALYZE orders');
    const size = await exec(db.url, 'SELECT pg_database_size(current_database())::int8 AS b');
    results.seedSeconds = secs(Date.now() - t);
    results.databaseBytes = Number(size.rows[0].b);
  }, 600_000);

  afterAll(async () => {
    await mkdir('bench-results', { recursive: true });
    await writeFile('bench-results/dr-bench.json', `${JSON.stringify(results, null, 2)}\n`);
    console.log(JSON.stringify(results, null, 2));
    await rm(root, { recursive: true, force: true });
  });

  it('plain pg_dump -Fc (the floor)', async () => {
    const conn = toolConnection(db.url);
    const t = Date.now();
    await run(join(inject('pgBinDir'), 'pg_dump'), ['-Fc', '-f', join(root, 'plain.dump'), '--dbname', conn.dbname], { env: conn.env });
    results.plainPgDumpSeconds = secs(Date.now() - t);
  }, 600_000);

  for (const [format, verify] of [
    ['custom', 'count'],
    ['custom', 'checksum'],
    ['directory', 'checksum'],
  ] as const) {
    it(`backup + restore (${format}, verify ${verify})`, async () => {
      const b = await runBackup({ config: cfg(format, verify), env: env() });
      const bytes = b.manifest.files.reduce((n, f) => n + f.size, 0);
      expect(b.manifest.components.postgres!.tables[0]!.rows).toBe(ROWS);
      const r = await runRestore({ set: b.setDir, config: cfg(format, verify), env: env(), dropScratch: true });
      const o = r.postgres!.outcome!;
      expect(o.comparison.ok).toBe(true);
      results[`${format}-${verify}`] = {
        backupSeconds: secs(b.durationMs),
        setBytes: bytes,
        restoreTotalSeconds: secs(r.timings.totalMs),
        hashCheckSeconds: secs(r.timings.verifyMs),
        pgRestoreSeconds: secs(o.restoreMs),
        verifySeconds: secs(o.verifyMs),
      };
    }, 900_000);
  }

  it('DR drill: newest set -> scratch -> verify (RTO)', async () => {
    const t = Date.now();
    const r = await runRestore({ set: join(root, 'sets-custom-checksum'), latest: true, config: cfg('custom'), env: env(), dropScratch: true });
    const wall = Date.now() - t;
    expect(r.postgres!.outcome!.comparison.ok).toBe(true);
    expect(r.rto.met).toBe(true);
    results.drill = { rtoSeconds: secs(wall), reportedRtoSeconds: r.rto.measuredSeconds, targetSeconds: r.rto.targetSeconds, met: r.rto.met };
  }, 900_000);
});
