/**
 * The key column's distribution from the statistics whose leading column is
 * the key (the key index's own statistics first), for splitting one table
 * across shards: each histogram step holds the rows up to its high key
 * (equal_rows + range_rows). Catalog only, bound parameters; changes only
 * when the statistics are updated. sys.dm_db_stats_histogram: SQL Server 2016
 * SP1 CU2 and later.
 */
import type { SideTable, Statement } from '../types.js';
import { quoteTable } from './quote.js';

export function keyHistogramStatement(t: SideTable): Statement {
  const key = t.keys[0];
  if (!key || t.keys.length !== 1) throw new Error('a key histogram needs exactly one key column');
  return {
    text:
      'WITH st AS (SELECT TOP (1) s.object_id, s.stats_id FROM sys.stats AS s ' +
      'JOIN sys.stats_columns AS sc ON sc.object_id = s.object_id AND sc.stats_id = s.stats_id AND sc.stats_column_id = 1 ' +
      'JOIN sys.columns AS c ON c.object_id = sc.object_id AND c.column_id = sc.column_id ' +
      'WHERE s.object_id = OBJECT_ID(@p1) AND c.name = @p2 ORDER BY s.stats_id) ' +
      'SELECT CONVERT(VARCHAR(20), CONVERT(BIGINT, h.range_high_key)) AS [key], CONVERT(VARCHAR(20), CONVERT(BIGINT, h.equal_rows + h.range_rows)) AS [rows] ' +
      'FROM st CROSS APPLY sys.dm_db_stats_histogram(st.object_id, st.stats_id) AS h ORDER BY h.step_number',
    values: [quoteTable(t.table), key.column.name],
    label: 'key-histogram',
  };
}
