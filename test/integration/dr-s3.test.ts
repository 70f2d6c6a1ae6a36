/**
 * S3 round trip against s3rver on loopback: upload (streamed, multipart for
 * large files, manifest last), restore from s3://, corruption caught after
 * download, retention by prefix.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { runBackup } from '../../src/dr/backup.js';
import { parseBackupConfig } from '../../src/config/load-backup.js';
import { describeFiles, MANIFEST_FILE, setIdFor, sha256File, writeManifest } from '../../src/dr/store/manifest.js';
import { runRestore } from '../../src/dr/restore.js';
import { applyS3Retention } from '../../src/dr/store/retention.js';
import { S3Store } from '../../src/dr/store/s3.js';
import { adminUrl, createDatabase, exec } from '../support/pg.js';
import { seed, tableDigests } from '../support/dr.js';
import { startLocalS3, type LocalS3 } from '../support/local-s3.js';

describe('S3 (s3rver on 127.0.0.1)', () => {
  let s3: LocalS3;
  let root: string;
  let db: { name: string; url: string };
  let original: Awaited<ReturnType<typeof tableDigests>>;
  const env = () => ({ ...process.env, ...s3.env, DR_S3_PG_URL: db.url });
  const cfg = (prefix: string) =>
    parseBackupConfig(
      {
        dir: join(root, 'sets'),
        postgres: { urlEnv: 'DR_S3_PG_URL', binDir: inject('pgBinDir') },
        s3: { bucket: s3.bucket, prefix, endpointEnv: 'S3_ENDPOINT' },
      },
      't.yml',
    );
  const store = (prefix: string) => new S3Store({ bucket: s3.bucket, prefix, region: 'us-east-1', endpoint: s3.endpoint, partSize: 5 * 1024 * 1024 });

  beforeAll(async () => {
    s3 = await startLocalS3();
    for (const [k, v] of Object.entries(s3.env)) vi.stubEnv(k, v);
    root = await mkdtemp(join(tmpdir(), 'dr-s3-'));
    db = await createDatabase('drs3');
    await seed(db.url);
    original = await tableDigests(db.url);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await s3.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('backup uploads the set; restore from s3:// brings every row back', async () => {
    const b = await runBackup({ config: cfg('prod/pg'), env: env() });
    expect(b.s3!.url).toBe(`s3://${s3.bucket}/prod/pg/${b.setId}`);
    const remote = await store('prod/pg').listSets();
    expect(remote.map((r) => [r.setId, r.hasManifest])).toEqual([[b.setId, true]]);
    expect(remote[0]!.keys.sort()).toEqual([`prod/pg/${b.setId}/${MANIFEST_FILE}`, `prod/pg/${b.setId}/postgres/database.dump`]);

    const report = await runRestore({ set: b.s3!.url, config: cfg('prod/pg'), env: env(), target: db.name });
    expect(report.set.location).toBe(b.s3!.url);
    const scratch = report.postgres!.plan.scratch;
    expect(await tableDigests(db.url.replace(`/${db.name}`, `/${scratch}`))).toEqual(original);
    await exec(adminUrl(), `DROP DATABASE "${scratch}"`);

    const latest = await runRestore({ set: `s3://${s3.bucket}/prod/pg`, latest: true, config: cfg('prod/pg'), env: env(), dryRun: true });
    expect(latest.set.id).toBe(b.setId);
  });

  it('uploads manifest.json last, streams large files in multipart, and downloads byte-identical files', async () => {
    const setDir = join(root, 'big', setIdFor(new Date()));
    await mkdir(join(setDir, 'postgres'), { recursive: true });
    await writeFile(join(setDir, 'postgres', 'big.bin'), randomBytes(12 * 1024 * 1024 + 7));
    await writeFile(join(setDir, 'postgres', 'a-small.txt'), 'x');
    await writeFile(join(setDir, MANIFEST_FILE), '{}');
    const order: string[] = [];
    class Recording extends S3Store {
      override async uploadFile(localPath: string, key: string): Promise<void> {
        order.push(key.split('/').slice(2).join('/'));
        await super.uploadFile(localPath, key);
      }
    }
    const rec = new Recording({ bucket: s3.bucket, prefix: 'big', region: 'us-east-1', endpoint: s3.endpoint, partSize: 5 * 1024 * 1024 });
    const id = setDir.split('/').pop()!;
    await rec.uploadSet(setDir, id);
    expect(order).toEqual(['postgres/a-small.txt', 'postgres/big.bin', MANIFEST_FILE]);
    const back = join(root, 'big-back');
    await rec.downloadSet(id, back);
    expect(await sha256File(join(back, 'postgres', 'big.bin'))).toBe(await sha256File(join(setDir, 'postgres', 'big.bin')));
  });

  it('an object changed in the bucket is caught after download, before any database is touched', async () => {
    const b = await runBackup({ config: cfg('tamper'), env: env() });
    const key = `tamper/${b.setId}/postgres/database.dump`;
    const bytes = await readFile(join(b.setDir, 'postgres', 'database.dump'));
    bytes.writeUInt8(bytes.readUInt8(100) ^ 0xff, 100);
    await store('tamper').client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: bytes }));
    const err = await runRestore({ set: b.s3!.url, config: cfg('tamper'), env: env(), promote: true, force: true }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/postgres\/database\.dump: sha256 .* != manifest/);
    expect(await tableDigests(db.url)).toEqual(original);
  });

  it('a failed upload fails the run but says the local set is complete (and keeps it)', async () => {
    const err = await runBackup({ config: cfg('x'), env: env(), s3Bucket: 'no-such-bucket' }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^backup set (cdc-recon-\S+) is complete locally at (\S+), but the S3 upload to s3:\/\/no-such-bucket\/x\/\1 failed/);
    const dir = /complete locally at (\S+),/.exec((err as Error).message)![1]!;
    expect((await readFile(join(dir, MANIFEST_FILE), 'utf8')).length).toBeGreaterThan(0);
  });

  it('a missing endpoint variable fails before any work', async () => {
    const { S3_ENDPOINT: _drop, ...rest } = env() as NodeJS.ProcessEnv;
    const err = await runBackup({ config: cfg('y'), env: rest, outDir: join(root, 'never') }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/environment variable S3_ENDPOINT is not set/);
    await expect(readFile(join(root, 'never'))).rejects.toThrow(/ENOENT/);
  });

  it('retention by prefix deletes expired sets (objects and all), keeps the newest complete one and other prefixes', async () => {
    const DAY = 86_400_000;
    const now = new Date('2030-01-31T03:00:00Z');
    const st = store('ret');
    const ids: Record<number, string> = {};
    for (const age of [1, 3, 6, 8, 10, 40]) {
      const createdAt = new Date(now.getTime() - age * DAY);
      const id = setIdFor(createdAt);
      const dir = join(root, 'ret', id);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'data.bin'), `set ${age}`);
      await writeManifest(dir, {
        formatVersion: 1,
        kind: 'cdc-recon-backup-set',
        setId: id,
        createdAt: createdAt.toISOString(),
        completedAt: createdAt.toISOString(),
        tool: { name: 'cdc-recon', version: 't' },
        verified: true,
        components: {},
        files: await describeFiles(dir, ['data.bin'], 'postgres'),
      });
      await st.uploadSet(dir, id);
      ids[age] = id;
    }
    // An incomplete (no manifest) old set and an unrelated prefix.
    const incomplete = setIdFor(new Date(now.getTime() - 9 * DAY));
    await st.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `ret/${incomplete}/data.bin`, Body: 'half' }));
    await st.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `ret-other/${ids[40]}/data.bin`, Body: 'other prefix' }));

    const decisions = await applyS3Retention(st, { retentionDays: 7, now });
    expect(decisions.filter((d) => d.action === 'delete').map((d) => d.id).sort()).toEqual([ids[8], ids[10], ids[40], incomplete].sort());
    expect((await st.listSets()).map((s) => s.setId)).toEqual([ids[6], ids[3], ids[1]].sort());
    expect((await store('ret-other').listSets()).map((s) => s.setId)).toEqual([ids[40]]);

    // Everything expired: only the newest complete set survives.
    const later = new Date(now.getTime() + 30 * DAY);
    await applyS3Retention(st, { retentionDays: 7, now: later });
    expect((await st.listSets()).map((s) => s.setId)).toEqual([ids[1]]);
  });
});
