/**
 * FakeArtifactStore: the ArtifactStore interface without GitHub's artifact
 * service (which needs a runner). It copies what would be uploaded into a
 * local directory, so a test can read back exactly the uploaded bytes.
 */
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import type { ArtifactStore, ArtifactUpload } from '../../src/sinks/artifacts.js';

export interface FakeUpload {
  name: string;
  /** Paths relative to the root directory, as the artifact would hold them. */
  files: string[];
  retentionDays?: number;
  /** Where the copies are. */
  dir: string;
}

export class FakeArtifactStore implements ArtifactStore {
  readonly uploads: FakeUpload[] = [];
  private readonly root = mkdtempSync(join(tmpdir(), 'fake-artifacts-'));

  constructor(private readonly options: { unavailable?: string; failWith?: string } = {}) {}

  unavailableReason(): string | undefined {
    return this.options.unavailable;
  }

  async upload(name: string, files: string[], rootDirectory: string, options: { retentionDays?: number }): Promise<ArtifactUpload> {
    if (this.options.failWith) throw new Error(this.options.failWith);
    if (this.uploads.some((u) => u.name === name)) throw new Error(`an artifact named ${name} already exists in this run`);
    const dir = join(this.root, name);
    const rel = files.map((f) => {
      const r = relative(rootDirectory, f);
      if (r.startsWith('..')) throw new Error(`${f} is not under the root directory ${rootDirectory}`);
      mkdirSync(dirname(join(dir, r)), { recursive: true });
      copyFileSync(f, join(dir, r));
      return r;
    });
    this.uploads.push({ name, files: rel.sort(), retentionDays: options.retentionDays, dir });
    return { id: this.uploads.length, size: 0 };
  }
}
