/** Reads one table from the PostgreSQL catalog, with bound parameters only. */
import type { CatalogColumn, CatalogTable, Endpoint } from '../types.js';

interface ColumnRow {
  name: string; data_type: string; precision: number | null; scale: number | null;
  length: number | null; dt_precision: number | null; nullable: boolean; collation: string | null; ordinal: number;
}
interface KeyRow { is_primary: boolean; index_id: number; cols: string[]; not_null: boolean }
/** `columns` and `keys` arrive as json, which the driver parses. */
interface TableRow { schema: string; name: string; est: string | null; columns: ColumnRow[]; keys: KeyRow[] }

const COLUMNS_OF = `SELECT a.attname AS name, format_type(a.atttypid, NULL) AS data_type,
    information_schema._pg_numeric_precision(a.atttypid, a.atttypmod) AS precision,
    information_schema._pg_numeric_scale(a.atttypid, a.atttypmod) AS scale,
    information_schema._pg_char_max_length(a.atttypid, a.atttypmod) AS length,
    information_schema._pg_datetime_precision(a.atttypid, a.atttypmod) AS dt_precision,
    NOT a.attnotnull AS nullable, co.collname AS collation, a.attnum::int AS ordinal
  FROM pg_catalog.pg_attribute a
  LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 0
  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped`;

/** Unique, non-partial, expression-free indexes: the primary key first (the caller picks the key). */
const KEYS_OF = `SELECT i.indisprimary AS is_primary, i.indexrelid::bigint AS index_id,
    array_agg(a.attname::text ORDER BY k.ord) AS cols, bool_and(a.attnotnull) AS not_null
  FROM pg_catalog.pg_index i
  CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
  JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
  WHERE i.indrelid = c.oid AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
  GROUP BY i.indexrelid, i.indisprimary`;

/**
 * The table, its columns and its candidate keys in one round trip (the catalog is read once per table and
 * side before anything else runs; against a remote server every round trip is the network's latency).
 */
const TABLE_SQL = `SELECT n.nspname AS schema, c.relname AS name,
  CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::bigint::text END AS est,
  (SELECT COALESCE(json_agg(col ORDER BY col.ordinal), '[]') FROM (${COLUMNS_OF}) col) AS columns,
  (SELECT COALESCE(json_agg(ix ORDER BY ix.is_primary DESC, ix.index_id), '[]') FROM (${KEYS_OF}) ix) AS keys
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname = COALESCE($1, current_schema()) AND c.relname = $2`;

export async function readPgTable(endpoint: Endpoint, ref: { schema?: string; name: string }): Promise<CatalogTable | null> {
  const tables = await endpoint.query<TableRow>({ text: TABLE_SQL, values: [ref.schema ?? null, ref.name], label: 'catalog-table' });
  const table = tables[0];
  if (!table) return null;
  const key = table.keys.find((k) => k.is_primary) ?? table.keys.find((k) => k.not_null);
  return {
    schema: table.schema,
    name: table.name,
    estimatedRows: table.est === null ? null : Number(table.est),
    primaryKey: key ? key.cols : null,
    columns: table.columns.map(toColumn),
  };
}

function toColumn(r: ColumnRow): CatalogColumn {
  return {
    name: r.name,
    dataType: r.data_type.toLowerCase(),
    precision: r.precision,
    scale: r.scale,
    length: r.length,
    datetimePrecision: r.dt_precision,
    nullable: r.nullable,
    collation: r.collation,
    ordinal: r.ordinal,
  };
}
