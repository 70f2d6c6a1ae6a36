/**
 * Backup and restore against the real PostgreSQL cluster of the test run.
 */
import { mkdtemp, readFile, rm, stat, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BackupError, runBackup } from '../../src/dr/backup.js';
import { parseBackupConfig } from '../../src/config/load-backup.js';
import { MANIFEST_FILE, readManifest, type Manifest } from '../../src/dr/store/manifest.js';
import { renderRestoreText, runRestore, RestoreError } from '../../src/dr/restore.js';
import { adminUrl, createDatabase, exec } from '../support/pg.js';
import { databasesLike, seed, tableDigests } from '../support/dr.js';

const ENV_NAME = 'DR_TEST_PG_URL';

function configFor(dir: string, extra: Record<string, unknown> = {}) {
  return parseBackupConfig({ dir, postgres: { urlEnv: ENV_NAME, binDir: inject('pgBinDir'), jobs: 2, ...extra } }, 'test.yml');
}

describe('PostgreSQL backup and restore (real server)', () => {
  let root: string;
  let db: { name: string; url: string };
  let original: Awaited<ReturnType<typeof tableDigests>>;
  let setDir: string;
  let manifest: Manifest;
  const env = () => ({ ...process.env, [ENV_NAME]: db.url });

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'dr-pg-'));
    db = await createDatabase('drsrc');
    await seed(db.url);
    original = await tableDigests(db.url);
    const result = await runBackup({ config: configFor(join(root, 'sets')), env: env() });
    setDir = result.setDir;
    manifest = result.manifest;
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes a complete set: dump, manifest last with sizes, sha256, versions and exact counts', async () => {
    const onDisk = await readManifest(setDir);
    expect(onDisk).toEqual(manifest);
    expect(manifest.verified).toBe(true);
    expect(manifest.createdAt.endsWith('Z')).toBe(true);
    const pgPart = manifest.components.postgres!;
    expect(pgPart.serverVersion).toMatch(/^\d+/);
    expect(pgPart.pgDumpVersion).toMatch(/pg_dump \(PostgreSQL\)/);
    expect(pgPart.database).toBe(db.name);
    const counts = Object.fromEntries(pgPart.tables.map((t) => [`${t.schema}.${t.name}`, t.rows]));
    expect(counts).toEqual(Object.fromEntries(Object.entries(original).map(([k, v]) => [k, v.rows])));
    expect(pgPart.tables.every((t) => t.exact && t.checksum)).toBe(true);
    const file = manifest.files[0]!;
    expect(file.path).toBe('postgres/database.dump');
    expect(file.size).toBe((await stat(join(setDir, file.path))).size);
    expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
    // No temp file left behind, and the password is nowhere in the manifest.
    expect((await readdir(setDir)).sort()).toEqual([MANIFEST_FILE, 'postgres']);
    expect(await readFile(join(setDir, MANIFEST_FILE), 'utf8')).not.toContain(inject('pgPassword'));
  });

  it('round trip: restores into a scratch database where every row of every table came back; original untouched', async () => {
    const report = await runRestore({ set: setDir, config: configFor(root), env: env(), now: () => new Date() });
    const o = report.postgres!.outcome!;
    expect(o.promoted).toBe(false);
    expect(o.scratchKept).toBe(true);
    expect(o.comparison.ok).toBe(true);
    expect(o.comparison.checked).toBe(Object.keys(original).length);
    const scratchUrl = db.url.replace(`/${db.name}`, `/${report.postgres!.plan.scratch}`);
    expect(await tableDigests(scratchUrl)).toEqual(original);
    expect(await tableDigests(db.url)).toEqual(original);
    // The sequence and view came back too.
    expect((await exec(scratchUrl, 'SELECT last_value FROM public.s')).rows[0].last_value).toBe('42');
    expect((await exec(scratchUrl, 'SELECT count(*)::int AS n FROM public.v_orders')).rows[0].n).toBe(2500);
    expect(renderRestoreText(report)).toContain('not promoted (original untouched)');
    await exec(adminUrl(), `DROP DATABASE "${report.postgres!.plan.scratch}"`);
  });

  it('a corrupted byte in the archive is caught before anything is restored', async () => {
    const copy = join(root, 'corrupt');
    await exec(adminUrl(), 'SELECT 1');
    await import('node:fs/promises').then((fs) => fs.cp(setDir, copy, { recursive: true }));
    const dump = join(copy, 'postgres/database.dump');
    const bytes = await readFile(dump);
    const at = Math.floor(bytes.length / 2);
    bytes.writeUInt8(bytes.readUInt8(at) ^ 0x01, at);
    await writeFile(dump, bytes);
    const before = await databasesLike(adminUrl(), `${db.name}_restore_%`);
    const err = await runRestore({ set: copy, config: configFor(root), env: env(), promote: true, force: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RestoreError);
    expect((err as Error).message).toMatch(/postgres\/database\.dump: sha256 [0-9a-f]{64} != manifest/);
    expect((err as Error).message).toContain('nothing was restored');
    expect(await databasesLike(adminUrl(), `${db.name}_restore_%`)).toEqual(before);
    expect(await tableDigests(db.url)).toEqual(original);
  });

  it('a truncated archive (size differs) is refused too', async () => {
    const copy = join(root, 'truncated');
    await import('node:fs/promises').then((fs) => fs.cp(setDir, copy, { recursive: true }));
    const dump = join(copy, 'postgres/database.dump');
    const bytes = await readFile(dump);
    await writeFile(dump, bytes.subarray(0, bytes.length - 10));
    await expect(runRestore({ set: copy, config: configFor(root), env: env() })).rejects.toThrow(/size \d+ != manifest \d+/);
  });

  it('a set without manifest.json is refused', async () => {
    const copy = join(root, 'nomanifest');
    await import('node:fs/promises').then((fs) => fs.cp(setDir, copy, { recursive: true }));
    await rm(join(copy, MANIFEST_FILE));
    await expect(runRestore({ set: copy, config: configFor(root), env: env(), promote: true })).rejects.toThrow(/no manifest\.json: the set is incomplete/);
    expect(await tableDigests(db.url)).toEqual(original);
  });

  it('--dry-run verifies and prints the plan, and changes nothing', async () => {
    const before = (await exec(adminUrl(), 'SELECT datname FROM pg_database ORDER BY 1')).rows;
    const report = await runRestore({ set: setDir, config: configFor(root), env: env(), dryRun: true, promote: true, force: true });
    expect(report.dryRun).toBe(true);
    expect(report.postgres!.outcome).toBeUndefined();
    const text = renderRestoreText(report);
    expect(text).toContain('dry run: nothing will be changed');
    expect(text).toContain(`RENAME TO "${report.postgres!.plan.preRestoreName}"`);
    expect((await exec(adminUrl(), 'SELECT datname FROM pg_database ORDER BY 1')).rows).toEqual(before);
    expect(await tableDigests(db.url)).toEqual(original);
  });

  it('a restore whose copy does not match the manifest fails, drops its scratch and leaves the original untouched (even with --promote)', async () => {
    const copy = join(root, 'badcounts');
    await import('node:fs/promises').then((fs) => fs.cp(setDir, copy, { recursive: true }));
    const m = JSON.parse(await readFile(join(copy, MANIFEST_FILE), 'utf8')) as Manifest;
    const orders = m.components.postgres!.tables.find((t) => t.name === 'orders')!;
    orders.rows += 1;
    await writeFile(join(copy, MANIFEST_FILE), JSON.stringify(m));
    const err = await runRestore({ set: copy, config: configFor(root), env: env(), promote: true, force: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RestoreError);
    expect((err as Error).message).toMatch(/public\.orders: 5000 rows, manifest says 5001/);
    expect(await databasesLike(adminUrl(), `${db.name}_restore_%`)).toEqual([]);
    expect(await databasesLike(adminUrl(), `${db.name}_pre_restore_%`)).toEqual([]);
    expect(await tableDigests(db.url)).toEqual(original);
  });

  it('a content change with the same row count is caught by the content hash', async () => {
    const copy = join(root, 'badhash');
    await import('node:fs/promises').then((fs) => fs.cp(setDir, copy, { recursive: true }));
    const m = JSON.parse(await readFile(join(copy, MANIFEST_FILE), 'utf8')) as Manifest;
    const nokey = m.components.postgres!.tables.find((t) => t.name === 'nokey')!;
    nokey.checksum = '1-1';
    await writeFile(join(copy, MANIFEST_FILE), JSON.stringify(m));
    await expect(runRestore({ set: copy, config: configFor(root), env: env() })).rejects.toThrow(/public\.nokey: content hash differs/);
    expect(await databasesLike(adminUrl(), `${db.name}_restore_%`)).toEqual([]);
  });

  it('--promote swaps the verified copy in and keeps the damaged original as <db>_pre_restore_<ts>', async () => {
    // Data loss after the backup.
    await exec(db.url, 'DELETE FROM "sales ""eu"""."line items"; DELETE FROM public.orders WHERE id > 100; DROP TABLE public.nokey');
    const damaged = await tableDigests(db.url);
    expect(damaged).not.toEqual(original);
    const report = await runRestore({ set: setDir, config: configFor(root), env: env(), promote: true });
    const o = report.postgres!.outcome!;
    expect(o.promoted).toBe(true);
    expect(o.previousRenamedTo).toBe(report.postgres!.plan.preRestoreName);
    expect(await tableDigests(db.url)).toEqual(original);
    const preUrl = db.url.replace(`/${db.name}`, `/${o.previousRenamedTo}`);
    expect(await tableDigests(preUrl)).toEqual(damaged);
    expect(await databasesLike(adminUrl(), `${db.name}_restore_%`)).toEqual([]);
    expect(renderRestoreText(report)).toContain(`previous database kept as ${o.previousRenamedTo}`);
    await exec(adminUrl(), `DROP DATABASE "${o.previousRenamedTo}"`);
  });

  it('--promote refuses while sessions are connected to the target, keeping the verified copy; --force terminates them', async () => {
    const holder = new pg.Client({ connectionString: db.url });
    holder.on('error', () => undefined);
    await holder.connect();
    try {
      const err = await runRestore({ set: setDir, config: configFor(root), env: env(), promote: true, now: () => new Date(Date.now() + 1000) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RestoreError);
      expect((err as Error).message).toMatch(/1 session\(s\) are connected to .*pass --force/);
      const scratch = await databasesLike(adminUrl(), `${db.name}_restore_%`);
      expect(scratch).toHaveLength(1);
      await exec(adminUrl(), `DROP DATABASE "${scratch[0]}"`);
      expect((await holder.query('SELECT 1 AS ok')).rows[0].ok).toBe(1);

      const report = await runRestore({ set: setDir, config: configFor(root), env: env(), promote: true, force: true, now: () => new Date(Date.now() + 2000) });
      expect(report.postgres!.outcome!.terminatedSessions).toBe(1);
      expect(report.postgres!.outcome!.promoted).toBe(true);
      await expect(holder.query('SELECT 1')).rejects.toThrow();
      expect(await tableDigests(db.url)).toEqual(original);
      await exec(adminUrl(), `DROP DATABASE "${report.postgres!.outcome!.previousRenamedTo}"`);
    } finally {
      await holder.end().catch(() => undefined);
    }
  });

  it('--promote onto a database that no longer exists (complete loss) just renames the verified copy', async () => {
    const lost = await createDatabase('drlost');
    await seed(lost.url);
    const digests = await tableDigests(lost.url);
    const sets = join(root, 'lost-sets');
    const b = await runBackup({ config: configFor(sets), env: { ...process.env, [ENV_NAME]: lost.url } });
    await exec(adminUrl(), `DROP DATABASE "${lost.name}"`);
    const report = await runRestore({ set: b.setDir, config: configFor(root), env: { ...process.env, [ENV_NAME]: lost.url }, promote: true });
    expect(report.postgres!.outcome!.previousRenamedTo).toBeUndefined();
    expect(await tableDigests(lost.url)).toEqual(digests);
  });

  it('directory format with parallel jobs round-trips too, and the drill mode drops its scratch copy', async () => {
    const sets = join(root, 'dir-sets');
    const cfg = configFor(sets, { format: 'directory', jobs: 3 });
    const b = await runBackup({ config: cfg, env: env() });
    const files = b.manifest.files.map((f) => f.path);
    expect(files).toContain('postgres/database.dir/toc.dat');
    expect(files.filter((f) => f.endsWith('.dat.gz')).length).toBeGreaterThanOrEqual(3);
    const report = await runRestore({ set: sets, latest: true, config: cfg, env: env(), dropScratch: true });
    expect(report.set.id).toBe(b.setId);
    expect(report.postgres!.outcome!.comparison.ok).toBe(true);
    expect(report.postgres!.outcome!.scratchKept).toBe(false);
    expect(await databasesLike(adminUrl(), `${db.name}_restore_%`)).toEqual([]);
    expect(report.rto.met).toBe(true);
  });

  it('tables above exactCountLimit get an estimated count, which restore reports as not compared', async () => {
    const sets = join(root, 'estimated-sets');
    const cfg = configFor(sets, { exactCountLimit: 4000 });
    await exec(db.url, 'ANALYZE');
    const b = await runBackup({ config: cfg, env: env() });
    const orders = b.manifest.components.postgres!.tables.find((t) => t.name === 'orders')!;
    expect(orders).toMatchObject({ exact: false, rows: 5000 });
    expect(orders.checksum).toBeUndefined();
    const r = await runRestore({ set: b.setDir, config: cfg, env: env(), dropScratch: true });
    expect(r.postgres!.outcome!.comparison).toMatchObject({ ok: true, estimatedSkipped: 1, checked: Object.keys(original).length - 1 });
    expect(renderRestoreText(r)).toContain('(1 with estimated counts not compared)');
  });

  it('a failing backup exits with a clear error and leaves no set behind', async () => {
    const sets = join(root, 'fail-sets');
    const bad = db.url.replace(/:[^:@/]+@/, ':wrong-password-XYZ@');
    const err = await runBackup({ config: configFor(sets), env: { ...process.env, [ENV_NAME]: bad } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackupError);
    expect((err as Error).message).toMatch(/^backup failed at postgres: .*password authentication failed.*the partial set cdc-recon-\S+ was removed/s);
    expect((err as Error).message).not.toContain('wrong-password-XYZ');
    expect(await readdir(sets)).toEqual([]);
  });
});
