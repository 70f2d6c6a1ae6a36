/** The SQL Server dialect: all T-SQL and driver code behind the Dialect interface. */
import type { Dialect, KeySum, LeafRow, SegmentChecksumRow } from '../types.js';
import { mssqlCanonicalExpression, mssqlCanonicalFamily, mssqlServerSideSupported, mssqlUnsupportedReason } from './canonical.js';
import { readMssqlTable } from './catalog.js';
import { connectMssql } from './connect.js';
import { classifyMssqlError } from './errors.js';
import { quoteIdent, quoteTable } from './quote.js';
import { keyHistogramStatement } from './histogram.js';
import { changedKeysStatement, maxChangeStatement } from './incremental.js';
import { captureInstanceStatement, cdcChangedKeysStatement, lsnRangeStatement } from './cdc-changes.js';
import * as statements from './statements.js';

function text(v: unknown): string {
  if (v === null || v === undefined) throw new Error('unexpected NULL in a SQL Server result');
  return String(v);
}

export const mssqlDialect: Dialect = {
  name: 'mssql',
  connect: (url, role, options) => connectMssql(mssqlDialect, url, role, options),
  quoteIdent,
  quoteTable,
  readTable: readMssqlTable,
  canonicalFamily: mssqlCanonicalFamily,
  serverSideSupported: mssqlServerSideSupported,
  serverSideUnsupportedReason: (column, spec) => mssqlUnsupportedReason(column, spec),
  canonicalExpression: (side) => mssqlCanonicalExpression(side),
  countStatement: statements.countStatement,
  keyBoundsStatement: statements.keyBoundsStatement,
  segmentChecksumStatement: statements.segmentChecksumStatement,
  leafRowsStatement: statements.leafRowsStatement,
  rowStreamStatement: statements.rowStreamStatement,
  keyHistogramStatement,
  maxChangeStatement,
  changedKeysStatement,
  cdcChanges: { captureInstanceStatement, lsnRangeStatement, cdcChangedKeysStatement },
  toSegmentChecksumRow: (row): SegmentChecksumRow => ({
    bucket: BigInt(text(row.bucket)),
    count: BigInt(text(row.cnt)),
    sum: text(row.sum),
  }),
  toKeySum: (row): KeySum => ({ bucket: text(row.bucket), sum: text(row.sum) }),
  toLeafRow: (row, columnCount): LeafRow => ({
    keyText: text(row.key_text),
    rowHash: text(row.row_hash),
    columns: Array.from({ length: columnCount }, (_, i) => (row[`c${i}`] ?? null) as string | null),
  }),
  classifyError: classifyMssqlError,
};
