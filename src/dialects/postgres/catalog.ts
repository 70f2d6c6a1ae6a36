/** Reads one table from the PostgreSQL catalog, with bound parameters only. */
import type { CatalogColumn, CatalogTable, Endpoint } from '../types.js';

interface TableRow { oid: number; schema: string; name: string; est: string | null }
interface ColumnRow {
  name: string; data_type: string; udt_name: string; precision: number | null; scale: number | null;
  length: number | null; dt_precision: number | null; nullable: boolean; collation: string | null; ordinal: number;
}

const TABLE_SQL = `SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name,
  CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::bigint::text END AS est
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname = COALESCE($1, current_schema()) AND c.relname = $2`;

const COLUMNS_SQL = `SELECT a.attname AS name, format_type(a.atttypid, NULL) AS data_type, t.typname AS udt_name,
  information_schema._pg_numeric_precision(a.atttypid, a.atttypmod) AS precision,
  information_schema._pg_numeric_scale(a.atttypid, a.atttypmod) AS scale,
  information_schema._pg_char_max_length(a.atttypid, a.atttypmod) AS length,
  information_schema._pg_datetime_precision(a.atttypid, a.atttypmod) AS dt_precision,
  NOT a.attnotnull AS nullable, co.collname AS collation, a.attnum::int AS ordinal
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 0
WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`;

/** Primary key first, else the first unique, non-partial, expression-free index whose columns are NOT NULL. */
const KEY_SQL = `SELECT i.indisprimary AS is_primary, array_agg(a.attname::text ORDER BY k.ord) AS cols,
  bool_and(a.attnotnull) AS not_null
FROM pg_catalog.pg_index i
CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
WHERE i.indrelid = $1 AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
GROUP BY i.indexrelid, i.indisprimary
ORDER BY i.indisprimary DESC, i.indexrelid`;

export async function readPgTable(endpoint: Endpoint, ref: { schema?: string; name: string }): Promise<CatalogTable | null> {
  const tables = await endpoint.query<TableRow>({ text: TABLE_SQL, values: [ref.schema ?? null, ref.name], label: 'catalog-table' });
  const table = tables[0];
  if (!table) return null;
  const columns = await endpoint.query<ColumnRow>({ text: COLUMNS_SQL, values: [table.oid], label: 'catalog-columns' });
  const keys = await endpoint.query<{ is_primary: boolean; cols: string[]; not_null: boolean }>({
    text: KEY_SQL, values: [table.oid], label: 'catalog-key',
  });
  const key = keys.find((k) => k.is_primary) ?? keys.find((k) => k.not_null);
  return {
    schema: table.schema,
    name: table.name,
    estimatedRows: table.est === null ? null : Number(table.est),
    primaryKey: key ? key.cols : null,
    columns: columns.map(toColumn),
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
