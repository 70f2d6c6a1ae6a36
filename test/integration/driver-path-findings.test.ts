/**
 * Found by running the driver path against a T-SQL engine (Babelfish) in issue 20; the logic is shared, so it
 * is proven here on PostgreSQL (SQL Server-side: test/unit/mssql-plan.test.ts and the contract suite):
 *  - plan of a table hashed client-side shows its row stream, never builds the checksum statement;
 *  - a hash modulus of 2^31 (the most the 31-bit key hash allows) is bound as bigint, not int;
 *  - a table that failed reports the hash mode it was read with.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { planTables } from '../../src/engine/plan-run.js';
import { createDatabase, exec } from '../support/pg.js';
import { reconcileYaml, rowsOf } from '../support/recon.js';

async function pair(ddl: string, sourceSql = '', targetSql = '') {
  const [s, t] = await Promise.all([createDatabase('s'), createDatabase('t')]);
  await Promise.all([exec(s.url, ddl + sourceSql), exec(t.url, ddl + targetSql)]);
  return { source: s.url, target: t.url };
}

describe('plan of a table hashed client-side', () => {
  it('hash: client in the config: plan shows each side\'s row stream, not the checksum statement', async () => {
    const db = await pair('CREATE TABLE items (id int PRIMARY KEY, w double precision); CREATE TABLE other (id int PRIMARY KEY, w double precision);');
    const config = parseConfig('source: { dialect: postgres, urlEnv: S }\ntarget: { dialect: postgres, urlEnv: T }\ntables: [{ table: items, hash: client }, { table: other }]', 'x.yml');
    const [client, server] = await planTables(config, { env: { S: db.source, T: db.target } });
    expect(client!.error).toBeUndefined();
    expect(client!.hash).toBe('client');
    expect(client!.sql!.source.label).toBe('row-stream');
    expect(client!.sql!.source.text).not.toMatch(/md5/);
    expect(server!.hash).toBe('server');
    expect(server!.sql!.source.label).toBe('segment-checksum');
  });
});

describe('hash buckets up to 2^31 on PostgreSQL', () => {
  it('a first pass of 2^31 hash buckets (catalog estimate of 30 billion rows, text key) runs and finds the drift', async () => {
    const ddl = 'CREATE TABLE codes (code text PRIMARY KEY, v int);';
    const rows = "INSERT INTO codes SELECT 'c' || i, i FROM generate_series(1, 50) i;";
    const db = await pair(ddl, rows, `${rows} UPDATE codes SET v = -1 WHERE code = 'c7';`);
    // The planner's estimate drives the first-pass modulus: 3e10 rows / chunk 10 -> capped at 2^31 buckets.
    await exec(db.source, "UPDATE pg_class SET reltuples = 3e10 WHERE relname = 'codes';");
    for (const hash of ['server', 'client'] as const) {
      const r = await reconcileYaml('tables: [{ table: codes, chunkSize: 10 }]', db, { overrides: { hash } });
      expect(r.tables[0]!.error, hash).toBeUndefined();
      expect(rowsOf(r.tables[0]!)).toEqual(['changed c7 [v]']);
      expect(r.tables[0]!.mismatchedSegments[0]!.hash!.modulus).toBe(2 ** 31);
    }
  });
});

describe('a table that failed reports its real hash mode', () => {
  it('hash: client in the config, failing at the reconcile stage: the report says client', async () => {
    const db = await pair('CREATE TABLE items (id int PRIMARY KEY, v int);', 'INSERT INTO items VALUES (1, 1);', 'INSERT INTO items VALUES (1, 1);');
    const r = await reconcileYaml('tables: [{ table: items, hash: client, where: { source: "no_such_column > 0" } }]', db);
    expect(r.tables[0]!.status).toBe('error');
    expect(r.tables[0]!.hash).toBe('client');
  });
});

describe('text decoded differently on the two paths, through the engine', () => {
  it('a cp1252 0x81 byte (U+0081 at the source, U+FFFD after the JDBC path): changed, labelled decoding, with a warning', async () => {
    const ddl = 'CREATE TABLE names (id int PRIMARY KEY, name text);';
    const db = await pair(ddl, "INSERT INTO names VALUES (1, 'Caf' || chr(129) || ' ok'), (2, 'same'), (3, 'abc');", "INSERT INTO names VALUES (1, 'Caf' || chr(65533) || ' ok'), (2, 'same'), (3, 'abd');");
    const r = await reconcileYaml('tables: [{ table: names }]', db, { overrides: { recheckDelayMs: 0 } });
    const t = r.tables[0]!;
    expect(t.rows).toEqual([
      { kind: 'changed', key: { id: '1' }, columns: ['name'], decoding: ['name'] },
      { kind: 'changed', key: { id: '3' }, columns: ['name'] },
    ]);
    expect(t.warnings.join('\n')).toMatch(/1 changed row\(s\) differ only in characters SQL Server and the Debezium -> JDBC path decode differently/);
  });
});
