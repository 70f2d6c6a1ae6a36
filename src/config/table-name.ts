/** "schema.table" (or a bare "table") into parts; the object form allows dots inside names. */
export interface TableName {
  schema?: string;
  name: string;
}

export function parseTableName(value: string | TableName): TableName {
  if (typeof value !== 'string') return value;
  const dot = value.indexOf('.');
  if (dot < 0) return { name: value };
  return { schema: value.slice(0, dot), name: value.slice(dot + 1) };
}

export function formatTableName(t: TableName): string {
  return t.schema ? `${t.schema}.${t.name}` : t.name;
}
