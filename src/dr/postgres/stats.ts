/**
 * Per-table row counts and content hashes for PostgreSQL, taken the same way
 * at backup (inside the dump's snapshot) and after a restore, so the two can
 * be compared. The hash is order independent and streams in constant memory:
 * the sums of two 60-bit slices of md5(row::text) over all rows.
 */
import type pg from 'pg';
import { quoteIdent } from '../../dialects/postgres/quote.js';
import type { TableCount } from '../store/manifest.js';

/** Fixed output settings so row::text renders identically on both sides. */
export const STABLE_OUTPUT_SETTINGS = [
  "SET DateStyle = 'ISO, MDY'",
  "SET TimeZone = 'UTC'",
  "SET IntervalStyle = 'postgres'",
  'SET extra_float_digits = 1',
  "SET bytea_output = 'hex'",
];

export interface UserTable {
  schema: string;
  name: string;
  /** pg_class.reltuples; -1 when never analysed. */
  estimate: number;
}

/** Ordinary tables and leaf partitions outside the system schemas. */
export const LIST_TABLES_SQL = `
SELECT n.nspname AS schema, c.relname AS name, c.reltuples::float8 AS estimate
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
ORDER BY n.nspname, c.relname`;

export async function listUserTables(client: pg.ClientBase): Promise<UserTable[]> {
  const res = await client.query<{ schema: string; name: string; estimate: number }>(LIST_TABLES_SQL);
  return res.rows.map((r) => ({ schema: r.schema, name: r.name, estimate: Number(r.estimate) }));
}

export function countSql(t: { schema: string; name: string }): string {
  return `SELECT count(*)::int8 AS n FROM ${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;
}

export function checksumSql(t: { schema: string; name: string }): string {
  const rel = `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;
  return `SELECT count(*)::int8 AS n,
  coalesce(sum(('x' || substr(h, 1, 15))::bit(60)::int8::numeric), 0)::text || '-' ||
  coalesce(sum(('x' || substr(h, 16, 15))::bit(60)::int8::numeric), 0)::text AS checksum
FROM (SELECT md5(t::text) AS h FROM ${rel} AS t) AS s`;
}

export interface StatsOptions {
  verify: 'count' | 'checksum';
  /** Tables whose estimate exceeds this get the estimate instead of count(*). */
  exactCountLimit: number;
}

export async function applyStableOutput(client: pg.ClientBase): Promise<void> {
  for (const s of STABLE_OUTPUT_SETTINGS) await client.query(s);
}

export async function tableStats(client: pg.ClientBase, tables: UserTable[], options: StatsOptions): Promise<TableCount[]> {
  await applyStableOutput(client);
  const out: TableCount[] = [];
  for (const t of tables) {
    if (t.estimate > options.exactCountLimit) {
      out.push({ schema: t.schema, name: t.name, rows: Math.round(t.estimate), exact: false });
      continue;
    }
    if (options.verify === 'checksum') {
      const r = await client.query<{ n: string; checksum: string }>(checksumSql(t));
      out.push({ schema: t.schema, name: t.name, rows: Number(r.rows[0]!.n), exact: true, checksum: r.rows[0]!.checksum });
    } else {
      const r = await client.query<{ n: string }>(countSql(t));
      out.push({ schema: t.schema, name: t.name, rows: Number(r.rows[0]!.n), exact: true });
    }
  }
  return out;
}

export interface StatsComparison {
  ok: boolean;
  checked: number;
  estimatedSkipped: number;
  problems: string[];
}

/**
 * Compares restored stats with the manifest's: every table present, exact
 * counts equal, checksums equal where both have one. Estimated counts are not
 * compared (reported as skipped).
 */
export function compareStats(expected: TableCount[], actual: TableCount[]): StatsComparison {
  const key = (t: { schema: string; name: string }) => `${t.schema}.${t.name}`;
  const got = new Map(actual.map((t) => [key(t), t]));
  const problems: string[] = [];
  let checked = 0;
  let estimatedSkipped = 0;
  for (const e of expected) {
    const a = got.get(key(e));
    if (!a) {
      problems.push(`${key(e)}: missing after restore`);
      continue;
    }
    if (!e.exact) {
      estimatedSkipped++;
      continue;
    }
    checked++;
    if (a.rows !== e.rows) problems.push(`${key(e)}: ${a.rows} rows, manifest says ${e.rows}`);
    else if (e.checksum && a.checksum && a.checksum !== e.checksum) problems.push(`${key(e)}: content hash differs from the manifest`);
  }
  const known = new Set(expected.map(key));
  for (const a of actual) if (!known.has(key(a))) problems.push(`${key(a)}: not in the manifest`);
  return { ok: problems.length === 0, checked, estimatedSkipped, problems };
}
