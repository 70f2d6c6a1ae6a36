/**
 * The PostgreSQL catalog read (dialects/postgres/catalog.ts): the table, its columns and its key in one
 * statement, on a real server. The key is the primary key, else the first unique, non-partial,
 * expression-free index whose columns are all NOT NULL, in the index's column order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresDialect } from '../../src/dialects/postgres/index.js';
import type { Endpoint, Statement } from '../../src/dialects/types.js';
import { createDatabase, exec } from '../support/pg.js';

const CONNECT = { poolSize: 1, statementTimeoutMs: 60_000, connectTimeoutMs: 10_000, applicationName: 'pg-catalog' };

describe('PostgreSQL catalog', () => {
  let ep: Endpoint;
  const sent: Statement[] = [];
  beforeAll(async () => {
    const db = await createDatabase('cat');
    await exec(
      db.url,
      `CREATE SCHEMA "Odd Schema";
       CREATE TABLE "Odd Schema"."Mixed Case" (
         b text COLLATE "C" NOT NULL, a int NOT NULL, n numeric(12,2), v varchar(40), ts timestamptz(3), dropped int,
         PRIMARY KEY (b, a));
       ALTER TABLE "Odd Schema"."Mixed Case" DROP COLUMN dropped;
       CREATE UNIQUE INDEX mixed_v ON "Odd Schema"."Mixed Case" (v);
       CREATE TABLE unique_only (x int, y int NOT NULL, z int NOT NULL);
       CREATE UNIQUE INDEX u_x ON unique_only (x);
       CREATE UNIQUE INDEX u_partial ON unique_only (y) WHERE y > 0;
       CREATE UNIQUE INDEX u_expr ON unique_only ((y + 1));
       CREATE UNIQUE INDEX u_zy ON unique_only (z, y);
       CREATE TABLE nullable_unique (x int UNIQUE, y int);
       INSERT INTO unique_only SELECT i, i, i FROM generate_series(1, 100) i; ANALYZE unique_only;`,
    );
    ep = await postgresDialect.connect(db.url, 'source', CONNECT);
    const query = ep.query.bind(ep);
    ep.query = ((s: Statement) => (sent.push(s), query(s))) as Endpoint['query'];
  });
  afterAll(async () => {
    await ep?.close();
  });

  it('reads the table, every live column with its type details, and the primary key, in one statement', async () => {
    sent.length = 0;
    const t = await postgresDialect.readTable(ep, { schema: 'Odd Schema', name: 'Mixed Case' });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.values).toEqual(['Odd Schema', 'Mixed Case']);
    expect(t).toMatchObject({ schema: 'Odd Schema', name: 'Mixed Case', primaryKey: ['b', 'a'] });
    expect(t!.columns.map((c) => [c.name, c.dataType, c.ordinal, c.nullable])).toEqual([
      ['b', 'text', 1, false],
      ['a', 'integer', 2, false],
      ['n', 'numeric', 3, true],
      ['v', 'character varying', 4, true],
      ['ts', 'timestamp with time zone', 5, true],
    ]);
    const col = (name: string) => t!.columns.find((c) => c.name === name)!;
    expect([col('n').precision, col('n').scale]).toEqual([12, 2]);
    expect(col('v').length).toBe(40);
    expect(col('ts').datetimePrecision).toBe(3);
    expect(col('b').collation).toBe('C');
    expect(col('a').collation).toBeNull();
  });

  it('without a primary key: the first unique index on NOT NULL columns, never a partial, expression or nullable one', async () => {
    const t = await postgresDialect.readTable(ep, { name: 'unique_only' });
    expect(t!.schema).toBe('public');
    expect(t!.primaryKey).toEqual(['z', 'y']);
    expect(t!.estimatedRows).toBe(100);
    const n = await postgresDialect.readTable(ep, { name: 'nullable_unique' });
    expect(n!.primaryKey).toBeNull();
  });

  it('a missing table is null, and names are matched exactly (no case folding)', async () => {
    expect(await postgresDialect.readTable(ep, { schema: 'Odd Schema', name: 'mixed case' })).toBeNull();
    expect(await postgresDialect.readTable(ep, { name: 'no_such_table' })).toBeNull();
  });
});
