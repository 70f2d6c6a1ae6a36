/**
 * FakeReportCache: the ReportCache interface without GitHub's cache service
 * (which needs a runner), with the service's semantics: immutable entries,
 * restore by exact key then by newest entry whose key starts with a restore
 * key, and entries that hold the files at the given paths.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ReportCache } from '../../src/sinks/cache.js';

export class FakeReportCache implements ReportCache {
  readonly entries: Array<{ key: string; paths: string[]; dir: string }> = [];
  readonly restores: Array<{ primaryKey: string; restoreKeys: string[]; hit?: string }> = [];
  private readonly root = mkdtempSync(join(tmpdir(), 'fake-cache-'));

  constructor(private readonly options: { unavailable?: string; failRestoreWith?: string } = {}) {}

  unavailableReason(): string | undefined {
    return this.options.unavailable;
  }

  async restore(paths: string[], primaryKey: string, restoreKeys: string[]): Promise<string | undefined> {
    if (this.options.failRestoreWith) throw new Error(this.options.failRestoreWith);
    const sameVersion = this.entries.filter((e) => JSON.stringify(e.paths) === JSON.stringify(paths));
    const entry =
      sameVersion.find((e) => e.key === primaryKey) ??
      restoreKeys.map((k) => sameVersion.filter((e) => e.key.startsWith(k)).at(-1)).find((e) => e !== undefined);
    this.restores.push({ primaryKey, restoreKeys, hit: entry?.key });
    if (!entry) return undefined;
    paths.forEach((p, i) => {
      mkdirSync(dirname(p), { recursive: true });
      copyFileSync(join(entry.dir, String(i)), p);
    });
    return entry.key;
  }

  async save(paths: string[], key: string): Promise<void> {
    if (this.entries.some((e) => e.key === key)) throw new Error(`Unable to reserve cache with key ${key}, another job may be creating this cache.`);
    const dir = join(this.root, String(this.entries.length));
    mkdirSync(dir, { recursive: true });
    paths.forEach((p, i) => {
      if (!existsSync(p)) throw new Error(`path ${p} does not exist`);
      copyFileSync(p, join(dir, String(i)));
    });
    this.entries.push({ key, paths: [...paths], dir });
  }
}
