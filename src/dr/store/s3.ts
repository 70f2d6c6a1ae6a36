/**
 * Backup sets on S3 (or any S3-compatible store): streamed multipart uploads
 * with @aws-sdk/lib-storage (manifest.json last, so a set without it is
 * incomplete there too), streamed downloads, listing and deletion by prefix.
 * Credentials come from the SDK's default chain (env, profile, IMDS).
 */
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type _Object,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MANIFEST_FILE, listFiles, parseSetId, resolveInSet } from './manifest.js';

export interface S3Location {
  bucket: string;
  prefix: string;
}

/** s3://bucket/some/prefix -> { bucket, prefix: "some/prefix" } */
export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) throw new Error(`not an s3:// URL: ${url}`);
  return { bucket: m[1]!, prefix: normPrefix(m[2] ?? '') };
}

export function normPrefix(p: string): string {
  return p.replace(/^\/+|\/+$/g, '');
}

export interface S3StoreOptions {
  bucket: string;
  prefix: string;
  region: string;
  /** Custom endpoint (MinIO, s3rver, ...): path-style addressing then. */
  endpoint?: string;
  /** Part size for multipart uploads; default 8 MiB. */
  partSize?: number;
  client?: S3Client;
}

export interface RemoteSet {
  setId: string;
  createdAt: Date | undefined;
  hasManifest: boolean;
  keys: string[];
  bytes: number;
}

export class S3Store {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;

  constructor(private readonly options: S3StoreOptions) {
    this.bucket = options.bucket;
    this.prefix = normPrefix(options.prefix);
    this.client =
      options.client ??
      new S3Client({
        region: options.region,
        ...(options.endpoint
          ? {
              endpoint: options.endpoint,
              forcePathStyle: true,
              // S3-compatible stores often lack the newer default CRC checksums.
              requestChecksumCalculation: 'WHEN_REQUIRED',
              responseChecksumValidation: 'WHEN_REQUIRED',
            }
          : {}),
      });
  }

  private key(...parts: string[]): string {
    return [this.prefix, ...parts].filter(Boolean).join('/');
  }

  url(setId?: string): string {
    return `s3://${this.bucket}/${setId ? this.key(setId) : this.prefix}`;
  }

  async uploadFile(localPath: string, key: string): Promise<void> {
    const up = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: createReadStream(localPath) },
      partSize: this.options.partSize ?? 8 * 1024 * 1024,
      queueSize: 4,
    });
    await up.done();
  }

  /** Uploads every file of a local set, manifest.json last. */
  async uploadSet(localDir: string, setId: string): Promise<{ files: number }> {
    const files = await listFiles(localDir);
    if (!files.includes(MANIFEST_FILE)) throw new Error(`${localDir} has no ${MANIFEST_FILE}: refusing to upload an incomplete set`);
    const ordered = [...files.filter((f) => f !== MANIFEST_FILE), MANIFEST_FILE];
    for (const rel of ordered) await this.uploadFile(resolveInSet(localDir, rel), this.key(setId, rel));
    return { files: ordered.length };
  }

  private async listObjects(prefix: string): Promise<_Object[]> {
    const out: _Object[] = [];
    let token: string | undefined;
    do {
      const res = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      out.push(...(res.Contents ?? []));
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  /** Sets under the prefix, grouped by their first path segment. */
  async listSets(): Promise<RemoteSet[]> {
    const base = this.prefix ? `${this.prefix}/` : '';
    const sets = new Map<string, RemoteSet>();
    for (const o of await this.listObjects(base)) {
      const rest = (o.Key ?? '').slice(base.length);
      const slash = rest.indexOf('/');
      if (slash <= 0) continue;
      const setId = rest.slice(0, slash);
      const rel = rest.slice(slash + 1);
      const s = sets.get(setId) ?? { setId, createdAt: parseSetId(setId), hasManifest: false, keys: [], bytes: 0 };
      s.keys.push(o.Key!);
      s.bytes += o.Size ?? 0;
      if (rel === MANIFEST_FILE) s.hasManifest = true;
      sets.set(setId, s);
    }
    return [...sets.values()].sort((a, b) => a.setId.localeCompare(b.setId));
  }

  /** Streams every object of a set to `localDir` (manifest paths are checked against escaping the dir). */
  async downloadSet(setId: string, localDir: string): Promise<{ files: number; bytes: number }> {
    const base = `${this.key(setId)}/`;
    const objects = await this.listObjects(base);
    if (objects.length === 0) throw new Error(`no backup set at ${this.url(setId)}`);
    let bytes = 0;
    for (const o of objects) {
      const rel = o.Key!.slice(base.length);
      const dest = resolveInSet(localDir, rel);
      await mkdir(dirname(dest), { recursive: true });
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: o.Key! }));
      await pipeline(res.Body as Readable, createWriteStream(dest));
      bytes += o.Size ?? 0;
    }
    return { files: objects.length, bytes };
  }

  async deleteSet(setId: string): Promise<number> {
    const keys = (await this.listObjects(`${this.key(setId)}/`)).map((o) => o.Key!);
    // Manifest first: a half-deleted set must not look complete.
    keys.sort((a, b) => Number(b.endsWith(`/${MANIFEST_FILE}`)) - Number(a.endsWith(`/${MANIFEST_FILE}`)));
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const res = await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
      );
      if (res.Errors?.length) throw new Error(`S3 delete of ${setId} failed for ${res.Errors.length} object(s): ${res.Errors[0]?.Message ?? ''}`);
    }
    return keys.length;
  }
}
