/** cdc-recon's version, from the package.json above this module (source tree or bundled dist/). */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function toolVersion(): string {
  if (cached) return cached;
  cached = 'unknown';
  try {
    let dir = dirname(fileURLToPath(import.meta.url));
    for (let i = 0; i < 6; i++) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'cdc-recon' && pkg.version) {
          cached = pkg.version;
          break;
        }
      } catch {
        /* keep walking up */
      }
      dir = dirname(dir);
    }
  } catch {
    /* no file URL (bundled differently) */
  }
  return cached;
}
