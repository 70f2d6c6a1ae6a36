/**
 * The artifact sink: uploads the JSON report and the error reports with
 * `@actions/artifact`, behind the small ArtifactStore interface (tests use
 * FakeArtifactStore). Outside a GitHub runner (no ACTIONS_RUNTIME_TOKEN /
 * ACTIONS_RESULTS_URL) it says it skipped.
 */
import { DefaultArtifactClient } from '@actions/artifact';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Shard } from '../engine/shard.js';
import { ok, skipped, type Sink } from './run-sinks.js';

export interface ArtifactUpload {
  id?: number;
  size?: number;
}

export interface ArtifactStore {
  /** Why uploads cannot happen here; undefined when they can. */
  unavailableReason(): string | undefined;
  upload(name: string, files: string[], rootDirectory: string, options: { retentionDays?: number }): Promise<ArtifactUpload>;
}

/** The real store: GitHub's artifact service via @actions/artifact. */
export class GitHubArtifactStore implements ArtifactStore {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  unavailableReason(): string | undefined {
    if (!this.env.ACTIONS_RUNTIME_TOKEN) return 'not running on a GitHub Actions runner (no ACTIONS_RUNTIME_TOKEN)';
    if (!this.env.ACTIONS_RESULTS_URL) return 'not running on a GitHub Actions runner (no ACTIONS_RESULTS_URL)';
    return undefined;
  }

  async upload(name: string, files: string[], rootDirectory: string, options: { retentionDays?: number }): Promise<ArtifactUpload> {
    const client = new DefaultArtifactClient();
    const res = await client.uploadArtifact(name, files, rootDirectory, { retentionDays: options.retentionDays });
    return { id: res.id, size: res.size };
  }
}

const FORBIDDEN = /["\\/:<>|*?\r\n]/g;

/** The artifact name of a run: shards get "-shard-i-of-n" so a matrix never collides. */
export function artifactNameFor(base: string, shard?: Shard): string {
  const clean = (base.trim() || 'cdc-recon-report').replace(FORBIDDEN, '-');
  return shard ? `${clean}-shard-${shard.index}-of-${shard.count}` : clean;
}

export interface ArtifactSinkOptions {
  name: string;
  files: string[];
  rootDirectory: string;
  retentionDays?: number;
}

export function artifactSink(store: ArtifactStore, options: ArtifactSinkOptions): Sink {
  return {
    name: 'artifact',
    run: async () => {
      const reason = store.unavailableReason();
      if (reason) return skipped(`skipped uploading ${options.name}: ${reason}`);
      const root = resolve(options.rootDirectory);
      const files = options.files.map((f) => resolve(f));
      const missing = files.filter((f) => !existsSync(f));
      if (missing.length > 0) throw new Error(`files to upload do not exist: ${missing.join(', ')}`);
      const res = await store.upload(options.name, files, root, { retentionDays: options.retentionDays });
      const retention = options.retentionDays ? `, kept ${options.retentionDays} days` : '';
      return ok(`uploaded ${files.length} file(s) as artifact ${options.name}${res.id !== undefined ? ` (id ${res.id})` : ''}${retention}`);
    },
  };
}
