/**
 * manifest.json: the last file written into a backup set (temp file + rename),
 * so a set without one is incomplete by definition. It lists every file with
 * its size and sha256, the UTC creation time, server versions, per-table row
 * counts (exact or estimated) and the tool's version. It never holds secrets.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join, posix, relative, sep } from 'node:path';
import * as z from 'zod/mini';
import { int, text } from '../../config/fields.js';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT = 1;

const tableCountSchema = z.strictObject({
  schema: z.string(),
  name: z.string(),
  rows: int(0),
  exact: z.boolean(),
  /** Order-independent content hash (PostgreSQL, verify: checksum). */
  checksum: z.optional(z.string()),
});
export type TableCount = z.output<typeof tableCountSchema>;

const fileSchema = z.strictObject({
  /** Relative, forward-slash path inside the set. */
  path: text(),
  size: int(0),
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  component: z.string(),
});
export type ManifestFile = z.output<typeof fileSchema>;

const postgresPart = z.strictObject({
  database: z.string(),
  serverVersion: z.string(),
  pgDumpVersion: z.string(),
  format: z.enum(['custom', 'directory']),
  /** File (custom) or directory (directory format) inside the set. */
  dumpPath: z.string(),
  tocEntries: z.int(),
  verify: z.enum(['count', 'checksum']),
  tables: z.array(tableCountSchema),
  durationMs: z.number(),
  /** Database encoding and locale, so the scratch database is created alike. */
  encoding: z.optional(z.string()),
  collate: z.optional(z.string()),
  ctype: z.optional(z.string()),
});

const mssqlPart = z.strictObject({
  database: z.string(),
  serverVersion: z.string(),
  backupFile: z.string(),
  serverPath: z.string(),
  verifyOnly: z.literal('passed'),
  /** "compressed", or why not (an edition without backup compression); absent in sets made before it was recorded. */
  compression: z.optional(z.string()),
  cdcEnabled: z.boolean(),
  tables: z.array(tableCountSchema),
  durationMs: z.number(),
});

const kafkaConnectPart = z.strictObject({
  workerVersion: z.string(),
  file: z.string(),
  connectors: z.array(z.string()),
  offsetsSupported: z.boolean(),
  offsetsCapturedAt: z.string(),
  /** Connector config keys whose literal values were redacted (resupplied on restore). */
  redactedKeys: z.record(z.string(), z.array(z.string())),
  durationMs: z.number(),
});

export const manifestSchema = z.strictObject({
  formatVersion: z.literal(MANIFEST_FORMAT),
  kind: z.literal('cdc-recon-backup-set'),
  setId: text(),
  createdAt: z.iso.datetime(),
  completedAt: z.iso.datetime(),
  tool: z.strictObject({ name: z.string(), version: z.string() }),
  verified: z.literal(true),
  components: z.strictObject({
    postgres: z.optional(postgresPart),
    mssql: z.optional(mssqlPart),
    'kafka-connect': z.optional(kafkaConnectPart),
  }),
  files: z.array(fileSchema).check(z.minLength(1)),
});
export type Manifest = z.output<typeof manifestSchema>;
export type PostgresManifest = z.output<typeof postgresPart>;
export type MssqlManifest = z.output<typeof mssqlPart>;
export type KafkaConnectManifest = z.output<typeof kafkaConnectPart>;

export class ManifestError extends Error {
  override readonly name = 'ManifestError';
  constructor(message: string, readonly problems: string[] = []) {
    super(problems.length ? `${message}:\n  ${problems.join('\n  ')}` : message);
  }
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every regular file under `dir`, as relative forward-slash paths, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string): Promise<void> {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push(relative(dir, p).split(sep).join('/'));
    }
  }
  await walk(dir);
  return out.sort();
}

/** Size and sha256 of files (relative paths) inside the set. */
export async function describeFiles(setDir: string, paths: string[], component: string): Promise<ManifestFile[]> {
  const out: ManifestFile[] = [];
  for (const p of paths) {
    const abs = resolveInSet(setDir, p);
    const st = await stat(abs);
    out.push({ path: p, size: st.size, sha256: await sha256File(abs), component });
  }
  return out;
}

/** A path from a manifest, resolved inside the set; refuses absolute paths and `..`. */
export function resolveInSet(setDir: string, rel: string): string {
  const norm = posix.normalize(rel);
  if (isAbsolute(rel) || rel.includes('\\') || norm.startsWith('..') || norm.includes('/../') || norm === '.' || rel.includes('\u0000')) {
    throw new ManifestError(`unsafe path in backup set: ${JSON.stringify(rel)}`);
  }
  return join(setDir, ...norm.split('/'));
}

/** Writes the manifest atomically: temp file, fsync'd write, then rename. */
export async function writeManifest(setDir: string, manifest: Manifest): Promise<string> {
  const parsed = manifestSchema.parse(manifest);
  const final = join(setDir, MANIFEST_FILE);
  const tmp = join(setDir, `.${MANIFEST_FILE}.${process.pid}.tmp`);
  await writeFile(tmp, `${JSON.stringify(parsed, null, 2)}\n`, { flush: true });
  await rename(tmp, final);
  return final;
}

/** Reads and validates manifest.json; a missing one means an incomplete set. */
export async function readManifest(setDir: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(join(setDir, MANIFEST_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ManifestError(`${setDir} has no ${MANIFEST_FILE}: the set is incomplete (a backup that failed or is still running) and cannot be restored`);
    }
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ManifestError(`${setDir}/${MANIFEST_FILE} is not valid JSON: ${(err as Error).message}`);
  }
  const res = manifestSchema.safeParse(json);
  if (!res.success) {
    throw new ManifestError(
      `${setDir}/${MANIFEST_FILE} is not a valid manifest`,
      res.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  return res.data;
}

export interface SetVerification {
  manifest: Manifest;
  bytes: number;
  files: number;
  durationMs: number;
}

/**
 * Checks every file of the manifest: present, same size, same sha256. Reads
 * every byte; collects all problems before refusing, so the report lists them.
 */
export async function verifySet(setDir: string): Promise<SetVerification> {
  const started = Date.now();
  const manifest = await readManifest(setDir);
  const problems: string[] = [];
  let bytes = 0;
  for (const f of manifest.files) {
    let abs: string;
    try {
      abs = resolveInSet(setDir, f.path);
    } catch (err) {
      problems.push((err as Error).message);
      continue;
    }
    let size: number;
    try {
      size = (await stat(abs)).size;
    } catch {
      problems.push(`${f.path}: missing`);
      continue;
    }
    if (size !== f.size) {
      problems.push(`${f.path}: size ${size} != manifest ${f.size}`);
      continue;
    }
    const digest = await sha256File(abs);
    if (digest !== f.sha256) problems.push(`${f.path}: sha256 ${digest} != manifest ${f.sha256}`);
    bytes += size;
  }
  if (problems.length) throw new ManifestError(`backup set ${setDir} failed verification; nothing was restored`, problems);
  return { manifest, bytes, files: manifest.files.length, durationMs: Date.now() - started };
}

/** Set ids are UTC timestamps: cdc-recon-20240131T020000Z (sortable, parseable). */
export const SET_PREFIX = 'cdc-recon-';
const SET_ID = /^cdc-recon-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})?Z$/;

export function setIdFor(date: Date): string {
  const iso = date.toISOString(); // 2024-01-31T02:00:00.123Z
  return `${SET_PREFIX}${iso.slice(0, 19).replace(/[-:]/g, '')}${iso.slice(20, 23)}Z`;
}

export function parseSetId(id: string): Date | undefined {
  const m = SET_ID.exec(id);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, ms] = m;
  return new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(ms ?? 0)));
}
