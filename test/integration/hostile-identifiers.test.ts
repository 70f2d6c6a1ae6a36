/**
 * Real PostgreSQL: tables and columns named with every hostile identifier are
 * reconciled (drift found); the victim table survives, and the server's own
 * statement log shows nothing but read-only SELECTs from cdc-recon.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { quoteIdent } from '../../src/dialects/postgres/quote.js';
import { createDatabase, exec } from '../support/pg.js';
import { reconcileYaml } from '../support/recon.js';
import { HOSTILE_NAMES } from '../unit/sql-injection.test.js';

// PostgreSQL truncates identifiers to 63 bytes: keep names it can store as given.
const NAMES = HOSTILE_NAMES.filter((n) => Buffer.byteLength(n) <= 60);

describe('hostile identifiers against real PostgreSQL', () => {
  it('are reconciled as plain names and never execute', async () => {
    const [s, t] = await Promise.all([createDatabase('hs'), createDatabase('ht')]);
    const ddl = [
      'CREATE TABLE victim (id int PRIMARY KEY);',
      'INSERT INTO victim VALUES (1);',
      ...NAMES.map((n) => `CREATE TABLE ${quoteIdent(n)} (${quoteIdent(`${n}`)} int PRIMARY KEY, ${quoteIdent(`v${n}`.slice(0, 60))} text);`),
      ...NAMES.map((n) => `INSERT INTO ${quoteIdent(n)} SELECT i, 'v' || i FROM generate_series(1, 5) i;`),
    ].join('\n');
    await Promise.all([exec(s.url, ddl), exec(t.url, ddl)]);
    await exec(t.url, NAMES.map((n) => `UPDATE ${quoteIdent(n)} SET ${quoteIdent(`v${n}`.slice(0, 60))} = 'drift' WHERE ${quoteIdent(n)} = 3;`).join('\n'));
    for (const db of [s.name, t.name]) await exec(t.url.replace(/\/[^/]*$/, '/postgres'), `ALTER DATABASE "${db}" SET log_statement = 'all'`);

    const tables = NAMES.map((n) => `  - { source: { schema: public, name: ${JSON.stringify(n)} }, target: { schema: public, name: ${JSON.stringify(n)} } }`).join('\n');
    const report = await reconcileYaml(`tables:\n${tables}`, { source: s.url, target: t.url });
    expect(report.tables.map((x) => x.status)).toEqual(NAMES.map(() => 'mismatch'));
    for (const table of report.tables) {
      expect(table.rows).toHaveLength(1);
      expect(table.rows[0]!.kind).toBe('changed');
    }
    expect((await exec(s.url, 'SELECT count(*)::int AS n FROM victim')).rows[0].n).toBe(1);
    expect((await exec(t.url, 'SELECT count(*)::int AS n FROM victim')).rows[0].n).toBe(1);

    // The server's own log: every statement cdc-recon sent to these databases is a SELECT.
    const log = readFileSync(join(inject('pgDataDir'), 'log', 'postgresql.log'), 'utf8');
    const statements = log
      .split('\n')
      .filter((l) => l.includes('LOG:  statement:') || l.includes('LOG:  execute'))
      .map((l) => l.replace(/^.*?(statement|execute[^:]*): /, ''));
    const ours = statements.filter((st) => st.includes('md5(') || st.includes('count(*)') || st.includes('pg_catalog') || st.startsWith('SELECT version()'));
    expect(ours.length).toBeGreaterThan(NAMES.length);
    const nonSelect = ours.filter((st) => !/^\s*SELECT\b/i.test(st));
    expect(nonSelect).toEqual([]);
  });

  it('sessions are read-only: a write through the engine connection is refused by the server', async () => {
    const { postgresDialect } = await import('../../src/dialects/postgres/index.js');
    const db = await createDatabase('ro');
    await exec(db.url, 'CREATE TABLE w (id int)');
    const ep = await postgresDialect.connect(db.url, 'source', { poolSize: 1, statementTimeoutMs: 5000, connectTimeoutMs: 5000, applicationName: 't' });
    try {
      await expect(ep.query({ text: 'INSERT INTO w VALUES (1)', values: [], label: 'x' })).rejects.toThrow(/read-only/);
    } finally {
      await ep.close();
    }
  });
});
