/** The demo schema (scripts/demo/*.sql) loaded into fresh databases: shared by the demo and the tests. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDatabase, exec } from './pg.js';

const DEMO_DIR = join(import.meta.dirname, '..', '..', 'scripts', 'demo');
export const DEMO_SCHEMA_SQL = readFileSync(join(DEMO_DIR, 'schema.sql'), 'utf8');
export const DEMO_DRIFT_SQL = readFileSync(join(DEMO_DIR, 'drift.sql'), 'utf8');

export async function demoPair(opts: { drift?: boolean } = {}): Promise<{ source: string; target: string }> {
  const [s, t] = await Promise.all([createDatabase('src'), createDatabase('tgt')]);
  await Promise.all([exec(s.url, DEMO_SCHEMA_SQL), exec(t.url, DEMO_SCHEMA_SQL)]);
  if (opts.drift ?? true) await exec(t.url, DEMO_DRIFT_SQL);
  return { source: s.url, target: t.url };
}
