/**
 * src/runtime-setup.ts, as the bundled CLI runs it: the GC settings keep the young generation within
 * 2 x 2 MB during a real diff (V8's default grows it to 2 x 16 MB; with the settings it stays at its initial
 * 2 x 1 MB or grows one step, depending on the timing of the answers' bursts: both were seen on one commit), CDC_RECON_V8_DEFAULTS=1 turns
 * them off, and start-up no longer loads undici on Node 20 (pg's Cloudflare check). Memory and time
 * figures themselves are measured by `npm run bench`, not asserted here.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, exec } from '../support/pg.js';

const run = promisify(execFile);
const CLI = resolve('dist/cli/index.js');
const dir = mkdtempSync(join(tmpdir(), 'runtime-setup-'));
// Preloaded into the CLI's process: at exit, the largest young generation seen and whether undici was loaded.
const PROBE = join(dir, 'probe.mjs');
writeFileSync(PROBE, `
import v8 from 'node:v8';
import { writeFileSync } from 'node:fs';
let newSpace = 0;
const sample = () => { for (const s of v8.getHeapSpaceStatistics()) if (s.space_name === 'new_space') newSpace = Math.max(newSpace, s.space_size); };
setInterval(sample, 5).unref();
process.on('exit', () => { sample(); writeFileSync(process.env.PROBE_OUT, JSON.stringify({ newSpace, undici: process.moduleLoadList.some((m) => m.includes('undici')), navigator: typeof globalThis.navigator })); });
`);

async function probe(args: string[], env: Record<string, string> = {}): Promise<{ newSpace: number; undici: boolean; navigator: string }> {
  const out = join(dir, `probe-${Math.random().toString(36).slice(2)}.json`);
  await run(process.execPath, ['--import', PROBE, CLI, ...args], { env: { ...process.env, ...env, PROBE_OUT: out }, cwd: dir }).catch((err: { code?: number }) => {
    // exit code 1 is "drift found": expected for the diff below.
    if (err.code !== 1) throw err;
  });
  return JSON.parse(readFileSync(out, 'utf8'));
}

describe('runtime setup of the bundled CLI', () => {
  const urls = { source: '', target: '' };
  beforeAll(async () => {
    const [s, t] = await Promise.all([createDatabase('rs'), createDatabase('rt')]);
    const ddl = "CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL, note text NOT NULL); INSERT INTO items SELECT i, 'item ' || i, repeat('x', 40) FROM generate_series(1, 200000) i; ANALYZE items;";
    await Promise.all([exec(s.url, ddl), exec(t.url, ddl)]);
    // Drift in every other first-pass bucket: the refinement receives thousands of answers in bursts.
    await exec(t.url, "UPDATE items SET name = name || '!' WHERE id % 997 = 0");
    urls.source = s.url;
    urls.target = t.url;
    writeFileSync(join(dir, 'recon.yml'), 'source: { dialect: postgres, urlEnv: S_URL }\ntarget: { dialect: postgres, urlEnv: T_URL }\ntables: [{ table: items }]\n');
  }, 120_000);

  const diff = ['reconcile', '-c', 'recon.yml', '--mode', 'diff', '--report-dir', 'out', '--log-level', 'error'];

  it('keeps the young generation small during a diff; CDC_RECON_V8_DEFAULTS=1 leaves V8 as it is', async () => {
    const env = { S_URL: urls.source, T_URL: urls.target };
    const tuned = await probe(diff, env);
    const defaults = await probe(diff, { ...env, CDC_RECON_V8_DEFAULTS: '1' });
    expect(tuned.newSpace).toBeLessThanOrEqual(4 * 2 ** 20);
    expect(defaults.newSpace).toBeGreaterThan(tuned.newSpace);
  }, 120_000);

  it('does not load undici at start-up, and gives Node 20 the navigator newer Node has', async () => {
    const r = await probe(['--version']);
    expect(r.undici).toBe(false);
    expect(r.navigator).toBe('object');
  });
});
