/** Helpers for the DR tests: seeded databases and an independent per-table content oracle. */
import pg from 'pg';
import { exec } from './pg.js';

export const SEED_SQL = `
CREATE SCHEMA "sales ""eu""";
CREATE TABLE public.orders (
  id int8 PRIMARY KEY, customer text, amount numeric(12,2), ratio float8, placed_at timestamptz,
  payload jsonb, blob bytea, tags text[], active boolean
);
INSERT INTO public.orders
SELECT g, CASE WHEN g % 7 = 0 THEN NULL ELSE 'cust ' || g || E' \\t"q''s,\\n' END,
       (g * 1.25)::numeric(12,2), g / 3.0, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute',
       jsonb_build_object('g', g, 'nested', jsonb_build_array(g, 'x')), decode(md5(g::text), 'hex'),
       ARRAY['a' || g, NULL], g % 2 = 0
FROM generate_series(1, 5000) AS g;
CREATE TABLE "sales ""eu"""."line items" (order_id int8 REFERENCES public.orders(id), n int, note text);
INSERT INTO "sales ""eu"""."line items" SELECT g % 5000 + 1, g, repeat('x', g % 13) FROM generate_series(1, 3000) AS g;
CREATE TABLE public.empty_one (id int PRIMARY KEY);
CREATE TABLE public.nokey (v text, w int);
INSERT INTO public.nokey VALUES ('dup', 1), ('dup', 1), ('', NULL), (NULL, NULL);
CREATE SEQUENCE public.s START 42;
CREATE VIEW public.v_orders AS SELECT id, amount FROM public.orders WHERE active;
`;

export async function seed(url: string): Promise<void> {
  await exec(url, SEED_SQL);
}

/**
 * md5 of every row of every user table, ordered by the row text: the
 * independent check that every row came back (not the code under test).
 */
export async function tableDigests(url: string): Promise<Record<string, { rows: number; md5: string }>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ schema: string; name: string }>(
      `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg_toast%'
       ORDER BY 1, 2`,
    );
    const out: Record<string, { rows: number; md5: string }> = {};
    for (const t of tables.rows) {
      const rel = `${pg.escapeIdentifier(t.schema)}.${pg.escapeIdentifier(t.name)}`;
      const r = await client.query<{ n: string; h: string | null }>(
        `SELECT count(*) AS n, md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) AS h FROM ${rel} AS t`,
      );
      out[`${t.schema}.${t.name}`] = { rows: Number(r.rows[0]!.n), md5: r.rows[0]!.h ?? '' };
    }
    return out;
  } finally {
    await client.end();
  }
}

export async function databasesLike(adminUrl: string, pattern: string): Promise<string[]> {
  const r = await exec(adminUrl, 'SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY 1', [pattern]);
  return r.rows.map((x: { datname: string }) => x.datname);
}
