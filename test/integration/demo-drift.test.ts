import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { runReconcile } from '../../src/engine/run.js';
import { silentLogger } from '../../src/util/logger.js';
import { readFileSync } from 'node:fs';
import { demoPair } from '../support/fixtures.js';

const CONFIG = readFileSync('scripts/demo/recon.yml', 'utf8');

function keys(report: Awaited<ReturnType<typeof runReconcile>>, table: string) {
  const t = report.tables.find((x) => x.table === table)!;
  return t.rows.map((r) => `${r.kind} ${Object.values(r.key).join(',')}${r.columns ? ` [${r.columns.join(',')}]` : ''}`).sort();
}

describe('demo schema with planted drift', () => {
  for (const hash of ['server', 'client'] as const) {
    it(`finds exactly the planted drift (${hash}-side hashing)`, async () => {
      const db = await demoPair();
      const config = parseConfig(CONFIG, 'recon.yml', { hash });
      const report = await runReconcile({ config, logger: silentLogger, env: { DEMO_SOURCE_URL: db.source, DEMO_TARGET_URL: db.target } });
      expect(report.status).toBe('mismatch');
      expect(keys(report, 'customers')).toEqual([
        'changed 1 [name]', 'changed 42 [email]', 'changed 49 [notes]', 'changed 500 [balance]', 'extra 1001', 'missing 17',
      ]);
      expect(keys(report, 'orders')).toEqual(['changed 7,1 [status]', 'extra 999,1', 'missing 3,2']);
      expect(keys(report, 'order_lines')).toEqual(['changed 1234 [weight_kg]', 'changed 500 [unit_price]', 'missing 3000']);
    });
  }
});
