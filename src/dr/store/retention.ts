/**
 * Retention: sets older than N days are deleted, never the newest verified
 * one (a set with a valid manifest, which is written only after every
 * component verified). Only names this tool gives its sets are ever touched;
 * an incomplete set within the window is left alone (it may be running).
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE, SET_PREFIX, parseSetId, readManifest } from './manifest.js';
import type { S3Store } from './s3.js';

export interface SetInfo {
  id: string;
  createdAt: Date;
  /** Has a valid manifest. */
  verified: boolean;
}

export interface RetentionDecision extends SetInfo {
  action: 'keep' | 'delete';
  reason: string;
}

const DAY_MS = 86_400_000;

export function planRetention(sets: SetInfo[], now: Date, retentionDays: number): RetentionDecision[] {
  const cutoff = now.getTime() - retentionDays * DAY_MS;
  const newestVerified = sets
    .filter((s) => s.verified)
    .reduce<SetInfo | undefined>((best, s) => (!best || s.createdAt > best.createdAt ? s : best), undefined);
  return [...sets]
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
    .map((s) => {
      if (s === newestVerified) return { ...s, action: 'keep', reason: 'newest verified set (always kept)' };
      if (s.createdAt.getTime() >= cutoff) {
        return { ...s, action: 'keep', reason: s.verified ? `within ${retentionDays} days` : `incomplete but within ${retentionDays} days (may still be running)` };
      }
      return { ...s, action: 'delete', reason: `${s.verified ? '' : 'incomplete, '}older than ${retentionDays} days` };
    });
}

/** Local sets: directories named cdc-recon-<UTC timestamp> directly under `dir`. */
export async function listLocalSets(dir: string): Promise<SetInfo[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: SetInfo[] = [];
  for (const e of entries) {
    if (!e.isDirectory() || !e.name.startsWith(SET_PREFIX)) continue;
    const fromName = parseSetId(e.name);
    if (!fromName) continue;
    try {
      const m = await readManifest(join(dir, e.name));
      out.push({ id: e.name, createdAt: new Date(m.createdAt), verified: true });
    } catch {
      out.push({ id: e.name, createdAt: fromName, verified: false });
    }
  }
  return out;
}

/** The newest set with a valid manifest in `dir`, or undefined. */
export async function newestVerifiedLocal(dir: string): Promise<string | undefined> {
  const sets = (await listLocalSets(dir)).filter((s) => s.verified).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  return sets[0] ? join(dir, sets[0].id) : undefined;
}

export async function applyLocalRetention(
  dir: string,
  options: { retentionDays: number; now?: Date; dryRun?: boolean },
): Promise<RetentionDecision[]> {
  const decisions = planRetention(await listLocalSets(dir), options.now ?? new Date(), options.retentionDays);
  if (!options.dryRun) {
    for (const d of decisions.filter((x) => x.action === 'delete')) {
      // Manifest first: a set interrupted mid-delete must look incomplete.
      await rm(join(dir, d.id, MANIFEST_FILE), { force: true });
      await rm(join(dir, d.id), { recursive: true, force: true });
    }
  }
  return decisions;
}

export async function applyS3Retention(
  store: S3Store,
  options: { retentionDays: number; now?: Date; dryRun?: boolean },
): Promise<RetentionDecision[]> {
  const remote = await store.listSets();
  const sets: SetInfo[] = remote
    .filter((r) => r.setId.startsWith(SET_PREFIX) && r.createdAt)
    .map((r) => ({ id: r.setId, createdAt: r.createdAt!, verified: r.hasManifest }));
  const decisions = planRetention(sets, options.now ?? new Date(), options.retentionDays);
  if (!options.dryRun) {
    for (const d of decisions.filter((x) => x.action === 'delete')) await store.deleteSet(d.id);
  }
  return decisions;
}
