/**
 * Reads one table from the SQL Server catalog (sys.schemas, sys.tables,
 * sys.columns, sys.types, sys.indexes), with bound parameters only. Names come
 * back spelled as the catalog spells them; only those are ever quoted.
 */
import type { CatalogColumn, CatalogTable, Endpoint } from '../types.js';
import { capabilitiesFromProbe, type MssqlCapabilities, type ProbeRow, rememberCapabilities, UTF8_COLLATION } from './capabilities.js';
import { MONEY_PRECISION } from './canonical.js';

/** Server version, editions and what the database allows (run once per endpoint). */
export const PROBE_SQL =
  "SELECT CONVERT(NVARCHAR(128), SERVERPROPERTY('ProductVersion')) AS product_version, " +
  "CONVERT(INT, SERVERPROPERTY('EngineEdition')) AS engine_edition, " +
  `CONVERT(INT, COLLATIONPROPERTY('${UTF8_COLLATION}', 'CodePage')) AS utf8_code_page, ` +
  'd.snapshot_isolation_state AS snapshot_state, d.is_read_committed_snapshot_on AS rcsi, d.compatibility_level AS compat, ' +
  "CONVERT(NVARCHAR(128), SERVERPROPERTY('Edition')) AS edition, CONVERT(NVARCHAR(128), SERVERPROPERTY('ProductLevel')) AS product_level " +
  'FROM sys.databases AS d WHERE d.database_id = DB_ID()';

/** @p1 schema (NULL = the login's default schema), @p2 table name; matched under the catalog's own collation. */
export const TABLE_SQL =
  'SELECT s.name AS schema_name, t.name AS table_name, t.object_id AS object_id, ' +
  '(SELECT SUM(p.rows) FROM sys.partitions AS p WHERE p.object_id = t.object_id AND p.index_id IN (0, 1)) AS est ' +
  'FROM sys.tables AS t JOIN sys.schemas AS s ON s.schema_id = t.schema_id ' +
  'WHERE s.name = COALESCE(@p1, SCHEMA_NAME()) AND t.name = @p2';

/** Alias types resolve to their base type; CLR types (geography, hierarchyid...) keep their own name. */
export const COLUMNS_SQL =
  'SELECT c.name AS column_name, ' +
  'CASE WHEN ty.is_user_defined = 1 AND ty.is_assembly_type = 0 THEN TYPE_NAME(ty.system_type_id) ELSE ty.name END AS type_name, ' +
  'c.precision AS num_precision, c.scale AS num_scale, c.max_length AS max_length, c.is_nullable AS is_nullable, ' +
'c.collation_name AS collation_name, c.column_id AS column_id, c.is_computed AS is_computed ' +
  'FROM sys.columns AS c JOIN sys.types AS ty ON ty.user_type_id = c.user_type_id ' +
  'WHERE c.object_id = @p1 ORDER BY c.column_id';

/** Primary key first, then unique, unfiltered, enabled indexes; key columns in key order. */
export const KEY_SQL =
  'SELECT i.index_id AS index_id, i.is_primary_key AS is_primary_key, c.name AS column_name, ic.key_ordinal AS key_ordinal, ' +
  'c.is_nullable AS is_nullable ' +
  'FROM sys.indexes AS i ' +
  'JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id ' +
  'JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id ' +
  'WHERE i.object_id = @p1 AND i.is_unique = 1 AND i.has_filter = 0 AND i.is_disabled = 0 AND i.is_hypothetical = 0 AND ic.key_ordinal > 0 ' +
  'ORDER BY i.is_primary_key DESC, i.index_id, ic.key_ordinal';

export interface TableRow {
  schema_name: string;
  table_name: string;
  object_id: number;
  est: string | number | null;
}

export interface ColumnRow {
  column_name: string;
  type_name: string;
  num_precision: number | null;
  num_scale: number | null;
  max_length: number | null;
  is_nullable: boolean | number;
  collation_name: string | null;
  column_id: number;
  is_computed?: boolean | number;
}

export interface KeyRow {
  index_id: number;
  is_primary_key: boolean | number;
  column_name: string;
  key_ordinal: number;
  is_nullable: boolean | number;
}

const NUMERIC_TYPES = new Set(['tinyint', 'smallint', 'int', 'bigint', 'decimal', 'numeric', 'float', 'real', 'money', 'smallmoney', 'bit']);
const TIME_TYPES = new Set(['time', 'datetime2', 'datetimeoffset', 'datetime', 'smalldatetime']);
const UNICODE_TYPES = new Set(['nchar', 'nvarchar', 'ntext']);
const LENGTH_TYPES = new Set(['char', 'varchar', 'nchar', 'nvarchar', 'binary', 'varbinary', 'text', 'ntext', 'image']);

/** sys.columns row -> CatalogColumn (lengths in characters for Unicode types, -1 for MAX). */
export function toCatalogColumn(r: ColumnRow): CatalogColumn {
  let dataType = r.type_name.toLowerCase();
  let maxLength = r.max_length;
  if (dataType === 'sysname') {
    dataType = 'nvarchar';
    maxLength = 256;
  }
  const money = MONEY_PRECISION[dataType];
  let length: number | null = null;
  if (LENGTH_TYPES.has(dataType) && maxLength !== null) {
    length = maxLength === -1 ? -1 : UNICODE_TYPES.has(dataType) ? maxLength / 2 : maxLength;
  }
  return {
    name: r.column_name,
    dataType,
    precision: money ?? (NUMERIC_TYPES.has(dataType) ? r.num_precision : null),
    scale: money !== undefined ? 4 : dataType === 'decimal' || dataType === 'numeric' ? r.num_scale : null,
    length,
    // sys.columns.scale holds the fractional-second digits of time types (3 for datetime, 0 for smalldatetime).
    datetimePrecision: TIME_TYPES.has(dataType) ? r.num_scale : null,
    nullable: r.is_nullable === true || r.is_nullable === 1,
    collation: r.collation_name,
    ordinal: r.column_id,
    ...(r.is_computed === true || r.is_computed === 1 ? { computed: true } : {}),
  };
}

/** The primary key, else the first unique index whose key columns are all NOT NULL. */
export function chooseKey(rows: KeyRow[]): string[] | null {
  const indexes = new Map<number, { primary: boolean; cols: string[]; notNull: boolean }>();
  for (const r of rows) {
    let ix = indexes.get(r.index_id);
    if (!ix) {
      ix = { primary: r.is_primary_key === true || r.is_primary_key === 1, cols: [], notNull: true };
      indexes.set(r.index_id, ix);
    }
    ix.cols.push(r.column_name);
    if (r.is_nullable === true || r.is_nullable === 1) ix.notNull = false;
  }
  const all = [...indexes.values()];
  const key = all.find((k) => k.primary) ?? all.find((k) => k.notNull);
  return key ? key.cols : null;
}

/** The endpoint's capabilities when it is ours, else asked from the server. */
export async function capabilitiesFor(endpoint: Endpoint): Promise<MssqlCapabilities> {
  const known = (endpoint as { capabilities?: MssqlCapabilities }).capabilities;
  if (known) return known;
  const rows = await endpoint.query<ProbeRow>({ text: PROBE_SQL, values: [], label: 'server-probe' });
  if (!rows[0]) throw new Error('cannot read sys.databases for the current database');
  return capabilitiesFromProbe(rows[0]);
}

export async function readMssqlTable(endpoint: Endpoint, ref: { schema?: string; name: string }): Promise<CatalogTable | null> {
  const tables = await endpoint.query<TableRow>({ text: TABLE_SQL, values: [ref.schema ?? null, ref.name], label: 'catalog-table' });
  const table = tables[0];
  if (!table) return null;
  const [columnRows, keyRows, caps] = await Promise.all([
    endpoint.query<ColumnRow>({ text: COLUMNS_SQL, values: [table.object_id], label: 'catalog-columns' }),
    endpoint.query<KeyRow>({ text: KEY_SQL, values: [table.object_id], label: 'catalog-key' }),
    capabilitiesFor(endpoint),
  ]);
  const columns = columnRows.map(toCatalogColumn);
  rememberCapabilities(columns, caps);
  return {
    schema: table.schema_name,
    name: table.table_name,
    estimatedRows: table.est === null ? null : Number(table.est),
    primaryKey: chooseKey(keyRows),
    columns,
  };
}
