import { describe, expect, it } from 'vitest';
import { createDatabase, exec } from '../support/pg.js';
import { reconcileYaml, rowsOf } from '../support/recon.js';
import { parseConfig } from '../../src/config/load.js';
import { runReconcile } from '../../src/engine/run.js';
import { silentLogger } from '../../src/util/logger.js';

async function pair(ddl: string, sourceSql = '', targetSql = '') {
  const [s, t] = await Promise.all([createDatabase('s'), createDatabase('t')]);
  await Promise.all([exec(s.url, ddl), exec(t.url, ddl)]);
  if (sourceSql) await exec(s.url, sourceSql);
  if (targetSql) await exec(t.url, targetSql);
  return { source: s.url, target: t.url };
}

const ITEMS = 'CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(10,2));';
const fill = (n: number) => `INSERT INTO items SELECT i, 'item ' || i, i * 1.5 FROM generate_series(1, ${n}) i;`;

describe.each(['server', 'client'] as const)('engine on PostgreSQL <-> PostgreSQL (%s hashing)', (hash) => {
  const o = { overrides: { hash } };

  it('identical tables match in every mode', async () => {
    const db = await pair(ITEMS, fill(1000), fill(1000));
    for (const mode of ['count', 'checksum', 'diff'] as const) {
      const r = await reconcileYaml('tables: [{ table: items, chunkSize: 100 }]', db, { overrides: { hash, mode } });
      expect(r.status, mode).toBe('match');
      expect(r.tables[0]!.counts).toEqual({ source: 1000, target: 1000 });
    }
  });

  it('finds drift in the first and the last row, and an extra row past the end', async () => {
    const db = await pair(ITEMS, fill(1000), `${fill(1000)} UPDATE items SET name = 'x' WHERE id = 1; UPDATE items SET price = 0 WHERE id = 1000; INSERT INTO items VALUES (5000, 'extra', 1);`);
    const r = await reconcileYaml('tables: [{ table: items, chunkSize: 100, leafSize: 10 }]', db, o);
    expect(rowsOf(r.tables[0]!)).toEqual(['changed 1 [name]', 'changed 1000 [price]', 'extra 5000']);
    expect(r.tables[0]!.segments.mismatched).toBeGreaterThan(0);
  });

  it('checksum mode reports mismatching segments without row diffs', async () => {
    const db = await pair(ITEMS, fill(1000), `${fill(1000)} UPDATE items SET name = 'x' WHERE id = 555;`);
    const r = await reconcileYaml('tables: [{ table: items, chunkSize: 100, mode: checksum }]', db, o);
    expect(r.status).toBe('mismatch');
    expect(r.tables[0]!.segments.mismatched).toBe(1);
    const seg = r.tables[0]!.mismatchedSegments[0]!;
    expect(BigInt(seg.range![0]) <= 555n && 555n <= BigInt(seg.range![1])).toBe(true);
    expect(r.tables[0]!.rows).toEqual([]);
  });

  it('count mode sees only counts', async () => {
    const db = await pair(ITEMS, fill(10), `${fill(10)} UPDATE items SET name = 'x' WHERE id = 5;`);
    expect((await reconcileYaml('tables: [{ table: items, mode: count }]', db, o)).status).toBe('match');
    const db2 = await pair(ITEMS, fill(10), fill(9));
    expect((await reconcileYaml('tables: [{ table: items, mode: count }]', db2, o)).status).toBe('mismatch');
  });

  it('a table of one row, and empty tables', async () => {
    const one = await pair(ITEMS, fill(1), "INSERT INTO items VALUES (1, 'item 1', 9.99);");
    expect(rowsOf((await reconcileYaml('tables: [{ table: items }]', one, o)).tables[0]!)).toEqual(['changed 1 [price]']);
    const empty = await pair(ITEMS);
    const r = await reconcileYaml('tables: [{ table: items }]', empty, o);
    expect(r.status).toBe('match');
    const oneSided = await pair(ITEMS, fill(3));
    expect(rowsOf((await reconcileYaml('tables: [{ table: items }]', oneSided, o)).tables[0]!)).toEqual(['missing 1', 'missing 2', 'missing 3']);
  });

  it('NULL and the empty string are different values', async () => {
    const db = await pair('CREATE TABLE n (id int PRIMARY KEY, a text, b text);', "INSERT INTO n VALUES (1, NULL, ''), (2, '', NULL), (3, NULL, NULL);", "INSERT INTO n VALUES (1, '', NULL), (2, '', NULL), (3, NULL, '');");
    expect(rowsOf((await reconcileYaml('tables: [{ table: n }]', db, o)).tables[0]!)).toEqual(['changed 1 [a,b]', 'changed 3 [b]']);
  });

  it('composite keys, with separators inside key values', async () => {
    const ddl = 'CREATE TABLE c (a text, b text, v int, PRIMARY KEY (a, b));';
    const rows = "INSERT INTO c VALUES ('a|b', 'c', 1), ('a', 'b|c', 2), ('x', 'y', 3);";
    const db = await pair(ddl, rows, "INSERT INTO c VALUES ('a|b', 'c', 1), ('a', 'b|c', 20), ('x', 'z', 3);");
    const r = await reconcileYaml('tables: [{ table: c }]', db, o);
    expect(r.tables[0]!.segmentation).toBe('hash');
    expect(rowsOf(r.tables[0]!)).toEqual(['changed a,b|c [v]', 'extra x,z', 'missing x,y']);
  });

  it('a table without a primary key is a clear error, and works with an explicit key', async () => {
    const db = await pair('CREATE TABLE nk (code text NOT NULL, v int);', "INSERT INTO nk VALUES ('a', 1), ('b', 2);", "INSERT INTO nk VALUES ('a', 1), ('b', 3);");
    const r = await reconcileYaml('tables: [{ table: nk }]', db, o);
    expect(r.status).toBe('error');
    expect(r.tables[0]!.error!.message).toMatch(/no primary key.*set "key:"/);
    const ok = await reconcileYaml('tables: [{ table: nk, key: [code] }]', db, o);
    expect(rowsOf(ok.tables[0]!)).toEqual(['changed b [v]']);
  });

  it('a missing table or column is an error for that table only, and other tables still run', async () => {
    const db = await pair(ITEMS, fill(5), fill(5));
    const r = await reconcileYaml('tables: [{ table: nope }, { table: items }, { source: public.items, target: items, columns: { include: [ghost] } }]', db, o);
    expect(r.tables.map((t) => t.status)).toEqual(['error', 'match', 'error']);
    expect(r.tables[0]!.error!.message).toMatch(/source table .*nope not found/);
    expect(r.tables[2]!.error!.message).toMatch(/"ghost"/);
    expect(r.status).toBe('error');
  });

  it('included, excluded and renamed columns; a per-side where filter', async () => {
    const db = await pair('CREATE TABLE r (id int PRIMARY KEY, a int, b int, noise int);',
      'INSERT INTO r SELECT i, i, i, i FROM generate_series(1, 20) i;', '');
    await exec(db.target, 'ALTER TABLE r RENAME COLUMN b TO b_renamed; INSERT INTO r SELECT i, i, i, -i FROM generate_series(1, 20) i; UPDATE r SET a = 0 WHERE id = 20;');
    const r = await reconcileYaml(`tables: [{ table: r, columns: { exclude: [noise], rename: { b: b_renamed } }, where: { source: "id < 20", target: "id < 20" } }]`, db, o);
    expect(r.status).toBe('match');
    expect(r.tables[0]!.columns.map((c) => `${c.source}->${c.target}`)).toEqual(['id->id', 'a->a', 'b->b_renamed']);
    const r2 = await reconcileYaml('tables: [{ table: r, columns: { include: [a], rename: { b: b_renamed } } }]', db, o);
    expect(rowsOf(r2.tables[0]!)).toEqual(['changed 20 [a]']);
  });

  it('recheck: rows that heal before the recheck are in flight, not drift', async () => {
    const db = await pair(ITEMS, fill(100), `${fill(100)} UPDATE items SET name = 'lagging' WHERE id IN (10, 20); UPDATE items SET name = 'drift' WHERE id = 30;`);
    const sleep = async () => { await exec(db.target, "UPDATE items SET name = 'item ' || id WHERE id IN (10, 20)"); };
    const { parseConfig } = await import('../../src/config/load.js');
    const { runReconcile } = await import('../../src/engine/run.js');
    const { silentLogger } = await import('../../src/util/logger.js');
    const config = parseConfig('source: { dialect: postgres, urlEnv: S }\ntarget: { dialect: postgres, urlEnv: T }\ntables: [{ table: items, recheckDelay: 1ms }]', 'x.yml', { hash });
    const r = await runReconcile({ config, logger: silentLogger, env: { S: db.source, T: db.target }, sleep });
    expect(rowsOf(r.tables[0]!)).toEqual(['changed 30 [name]']);
    expect(r.tables[0]!.inFlight).toBe(2);
    expect(r.tables[0]!.inFlightRows.map((x) => x.key.id).sort()).toEqual(['10', '20']);
  });
});

describe('keys that two databases order differently', () => {
  it('text keys under different collations select the same rows per segment', async () => {
    const rows = ["'a'", "'B'", "'b'", "'é'", "'e'", "'E'", "'z '", "'z'", "'Z'", "'ß'", "'ss'", "'résumé'", "'resume'", "'Ä'", "'a b'", "'ab'"];
    const [s, t] = await Promise.all([createDatabase('s'), createDatabase('t')]);
    await exec(s.url, `CREATE TABLE k (name text COLLATE "C" PRIMARY KEY, v int); INSERT INTO k SELECT x, 1 FROM unnest(ARRAY[${rows.join(',')}]) x;`);
    await exec(t.url, `CREATE TABLE k (name text COLLATE "und-x-icu" PRIMARY KEY, v int); INSERT INTO k SELECT x, 1 FROM unnest(ARRAY[${rows.join(',')}]) x; UPDATE k SET v = 2 WHERE name = 'é'; DELETE FROM k WHERE name = 'z ';`);
    // Different orders on each side, for real:
    const so = (await exec(s.url, 'SELECT name FROM k ORDER BY name')).rows.map((r) => r.name);
    const to = (await exec(t.url, 'SELECT name FROM k ORDER BY name')).rows.map((r) => r.name);
    expect(so).not.toEqual(to.concat().filter(() => true));
    const r = await reconcileYaml('tables: [{ table: k, chunkSize: 10, leafSize: 2 }]', { source: s.url, target: t.url });
    expect(r.tables[0]!.segmentation).toBe('hash');
    expect(rowsOf(r.tables[0]!)).toEqual(['changed é [v]', 'missing z ']);
  });

  it('uuid keys', async () => {
    const ddl = 'CREATE TABLE u (id uuid PRIMARY KEY, v int);';
    const ins = "INSERT INTO u SELECT md5(i::text)::uuid, i FROM generate_series(1, 2000) i;";
    const db = await pair(ddl, ins, `${ins} UPDATE u SET v = -1 WHERE id = md5('777')::uuid;`);
    const r = await reconcileYaml('tables: [{ table: u, chunkSize: 100 }]', db);
    expect(rowsOf(r.tables[0]!)).toEqual([`changed ${(await exec(db.source, "SELECT md5('777')::uuid::text AS u")).rows[0].u} [v]`]);
  });
});

describe('pooling: what the report says about connections', () => {
  async function run(db: { source: string; target: string }, endpointExtra: string) {
    const yaml = [
      `source: { dialect: postgres, urlEnv: S_URL${endpointExtra} }`,
      `target: { dialect: postgres, urlEnv: T_URL${endpointExtra} }`,
      'tables: [{ table: items, chunkSize: 100, leafSize: 4, mode: diff }]',
    ].join('\n');
    return runReconcile({ config: parseConfig(yaml, 'pool.yml'), logger: silentLogger, env: { S_URL: db.source, T_URL: db.target } });
  }

  it('pooled runs reuse a few connections; reuseConnections: false opens one per statement and spends longer getting them', async () => {
    const db = await pair(ITEMS, fill(2000), `${fill(2000)} UPDATE items SET name = 'x' WHERE id IN (7, 700, 1400);`);
    const pooled = await run(db, '');
    const unpooled = await run(db, ', reuseConnections: false');
    expect(rowsOf(pooled.tables[0]!)).toEqual(rowsOf(unpooled.tables[0]!));
    const statements = unpooled.tables[0]!.queries;
    const p = pooled.connections!;
    const u = unpooled.connections!;
    // Pooled: a handful per side. Unpooled: one per statement, plus the connect check and the schema reads.
    expect(p.source + p.target).toBeLessThan(u.source + u.target);
    expect(u.source + u.target).toBeGreaterThanOrEqual(statements);
    expect(p.acquireMs).toBeDefined();
    expect(u.acquireMs!.source + u.acquireMs!.target).toBeGreaterThan(p.acquireMs!.source + p.acquireMs!.target);
  });
});
