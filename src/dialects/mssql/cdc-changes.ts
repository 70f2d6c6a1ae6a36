/**
 * `scope: incremental` on a SQL Server source without a change column: the keys changed since the last
 * run come from the table's CDC capture instance, between the last run's LSN (exclusive) and the LSN the
 * run started at. Net changes (one row per key, deletes included) when the instance supports them, else
 * the distinct keys of all changes. The LSNs travel as 0x… hex text (CONVERT style 1) and are bound.
 * Parser-checked in test/unit/incremental.test.ts; run for real by the contract suite (MSSQL_URL).
 */
import type { SideTable, Statement } from '../types.js';
import { quoteIdent, quoteTable } from './quote.js';

/** The newest capture instance of the table, and whether it keeps net changes. */
export function captureInstanceStatement(t: SideTable): Statement {
  return {
    text:
      'SELECT TOP (1) ct.capture_instance AS capture_instance, CONVERT(INT, ct.supports_net_changes) AS net ' +
      'FROM cdc.change_tables AS ct WHERE ct.source_object_id = OBJECT_ID(@p1) ORDER BY ct.create_date DESC, ct.capture_instance DESC',
    values: [quoteTable(t.table)],
    label: 'cdc-capture-instance',
  };
}

/** The newest captured LSN (the run's end of the window), and the oldest one the instance still holds. */
export function lsnRangeStatement(captureInstance: string): Statement {
  return {
    text: 'SELECT CONVERT(VARCHAR(22), sys.fn_cdc_get_max_lsn(), 1) AS max_lsn, CONVERT(VARCHAR(22), sys.fn_cdc_get_min_lsn(@p1), 1) AS min_lsn',
    values: [captureInstance],
    label: 'cdc-lsn-range',
  };
}

/** The single integer key of every row changed after `fromLsn` up to `toLsn` (column "k"). */
export function cdcChangedKeysStatement(t: SideTable, captureInstance: string, netChanges: boolean, fromLsn: string, toLsn: string): Statement {
  const key = t.keys[0];
  if (!key || t.keys.length !== 1) throw new Error('changed keys need exactly one integer key column');
  const fn = `cdc.${quoteIdent(`fn_cdc_get_${netChanges ? 'net' : 'all'}_changes_${captureInstance}`)}`;
  const k = `c.${quoteIdent(key.column.name)}`;
  return {
    text:
      `SELECT DISTINCT CONVERT(VARCHAR(20), ${k}) AS k FROM ${fn}(sys.fn_cdc_increment_lsn(CONVERT(BINARY(10), @p1, 1)), CONVERT(BINARY(10), @p2, 1), N'all') AS c`,
    values: [fromLsn, toLsn],
    label: 'cdc-changed-keys',
  };
}
