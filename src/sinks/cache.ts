/**
 * The cache sink: keeps the previous run's report in the GitHub Actions cache
 * (`@actions/cache`, behind the small ReportCache interface; tests use
 * FakeReportCache) so that each run can say which mismatches are new, which
 * persist and which were resolved since the last run.
 *
 * Cache entries are immutable, so every run saves under its own key
 * ("cdc-recon-report-<scope>-<run id>-<attempt>") and restores the newest
 * entry of its scope by prefix. The scope is a hash of what makes two runs
 * comparable: the command, the config file, the table filter and the shard.
 */
import * as actionsCache from '@actions/cache';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Shard } from '../engine/shard.js';
import type { RunReport } from '../report/model.js';
import { jsonSafe } from '../util/logger.js';
import { redact } from '../util/redact.js';
import { ok, skipped, type Sink } from './run-sinks.js';

export interface ReportCache {
  /** Why the cache cannot be used here; undefined when it can. */
  unavailableReason(): string | undefined;
  /** Restores `paths`; returns the key that matched, or undefined on a miss. */
  restore(paths: string[], primaryKey: string, restoreKeys: string[]): Promise<string | undefined>;
  save(paths: string[], key: string): Promise<void>;
}

/** The real cache: GitHub's cache service via @actions/cache. */
export class GitHubReportCache implements ReportCache {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  unavailableReason(): string | undefined {
    if (!this.env.ACTIONS_RUNTIME_TOKEN) return 'not running on a GitHub Actions runner (no ACTIONS_RUNTIME_TOKEN)';
    if (!actionsCache.isFeatureAvailable()) return 'the GitHub Actions cache service is not available to this job';
    return undefined;
  }

  restore(paths: string[], primaryKey: string, restoreKeys: string[]): Promise<string | undefined> {
    return actionsCache.restoreCache(paths, primaryKey, restoreKeys);
  }

  async save(paths: string[], key: string): Promise<void> {
    await actionsCache.saveCache(paths, key);
  }
}

export interface CacheScope {
  command: string;
  configFile: string;
  tables?: string[];
  shard?: Shard;
}

export function cacheScopeId(scope: CacheScope): string {
  const text = JSON.stringify([scope.command, scope.configFile, [...(scope.tables ?? [])].sort(), scope.shard ? `${scope.shard.index}/${scope.shard.count}` : '']);
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

const KEY_PREFIX = 'cdc-recon-report-v1';

export interface CacheLocation {
  scope: string;
  /** Relative path (the same string on every run: it is part of the cache version). */
  file: string;
  restoreKey: string;
  saveKey: string;
}

export function cacheLocation(scope: CacheScope, env: NodeJS.ProcessEnv = process.env, runId?: string): CacheLocation {
  const id = cacheScopeId(scope);
  const run = runId ?? `${env.GITHUB_RUN_ID ?? Date.now()}-${env.GITHUB_RUN_ATTEMPT ?? '1'}`;
  return {
    scope: id,
    file: join('.cdc-recon-cache', id, 'report.json'),
    restoreKey: `${KEY_PREFIX}-${id}-`,
    saveKey: `${KEY_PREFIX}-${id}-${run}`,
  };
}

export interface TrendSummary {
  newMismatches: string[];
  persisting: string[];
  resolved: string[];
}

/**
 * Marks each mismatched table `new` or `persisting` (mismatched in the
 * previous report too) and each table that mismatched before and matches now
 * `resolved`; lists the resolved ones in `resolvedSincePrevious`. Mutates and
 * returns `report`'s trend summary. Tables that errored (either time) are left
 * unmarked: nothing is known about their drift.
 */
export function compareWithPrevious(report: RunReport, previous: RunReport): TrendSummary {
  const before = new Map(previous.tables.map((t) => [t.table, t.status]));
  const out: TrendSummary = { newMismatches: [], persisting: [], resolved: [] };
  for (const t of report.tables) {
    const was = before.get(t.table);
    if (t.status === 'mismatch') {
      t.trend = was === 'mismatch' ? 'persisting' : 'new';
      (t.trend === 'new' ? out.newMismatches : out.persisting).push(t.table);
    } else if (t.status === 'match' && was === 'mismatch') {
      t.trend = 'resolved';
      out.resolved.push(t.table);
    }
  }
  report.resolvedSincePrevious = out.resolved;
  return out;
}

/** Restores the previous report of this scope; undefined on a miss or an unreadable entry. */
export async function restorePreviousReport(cache: ReportCache, location: CacheLocation): Promise<{ report?: RunReport; message: string }> {
  const reason = cache.unavailableReason();
  if (reason) return { message: `skipped restoring the previous report: ${reason}` };
  rmSync(location.file, { force: true });
  const hit = await cache.restore([location.file], location.saveKey, [location.restoreKey]);
  if (!hit) return { message: 'no previous report in the cache (first run of this scope)' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(location.file, 'utf8'));
  } catch (err) {
    throw new Error(`the cached previous report (${hit}) cannot be read: ${(err as Error).message}`);
  }
  const report = parsed as RunReport;
  if (!report || !Array.isArray(report.tables) || typeof report.finishedAt !== 'string') {
    throw new Error(`the cached previous report (${hit}) is not a cdc-recon report`);
  }
  return { report, message: `restored the previous report of run ${report.runId} (${report.finishedAt}) from cache key ${hit}` };
}

/** The sink that saves this run's report for the next run. */
export function cacheSaveSink(cache: ReportCache, location: CacheLocation, report: RunReport): Sink {
  return {
    name: 'cache',
    run: async () => {
      const reason = cache.unavailableReason();
      if (reason) return skipped(`skipped saving the report for the next run: ${reason}`);
      mkdirSync(join(location.file, '..'), { recursive: true });
      // The next run reads the counts, trend and incremental state: the held rows are enough (a spooled list's
      // rows past them stay in the report artifact only).
      writeFileSync(location.file, `${redact(JSON.stringify(report, jsonSafe))}\n`);
      await cache.save([location.file], location.saveKey);
      return ok(`saved the report for the next run under cache key ${location.saveKey}`);
    },
  };
}
