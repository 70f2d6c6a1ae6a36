/**
 * The key column's distribution from pg_stats, for splitting one table across
 * shards: histogram_bounds are equal-depth, so each bound after the first
 * closes an equal share of the rows. Catalog only, bound parameters; changes
 * only when the table is analysed.
 */
import type { SideTable, Statement } from '../types.js';

export function keyHistogramStatement(t: SideTable): Statement {
  const key = t.keys[0];
  if (!key || t.keys.length !== 1) throw new Error('a key histogram needs exactly one key column');
  return {
    text:
      'SELECT b.key, CASE WHEN b.ord = 1 THEN 0 ELSE 1 END AS rows FROM pg_catalog.pg_stats AS s ' +
      'CROSS JOIN LATERAL unnest(s.histogram_bounds::text::text[]) WITH ORDINALITY AS b(key, ord) ' +
      'WHERE s.schemaname = $1 AND s.tablename = $2 AND s.attname = $3 AND NOT s.inherited ORDER BY b.ord',
    values: [t.table.schema, t.table.name, key.column.name],
    label: 'key-histogram',
  };
}
