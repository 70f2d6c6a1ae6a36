/** The PostgreSQL dialect: all PostgreSQL-specific SQL and driver code behind the Dialect interface. */
import type { CanonicalSpec } from '../../canonical/types.js';
import type { CatalogColumn, BucketAdd, Dialect, KeySum, LeafRow, SegmentChecksumRow } from '../types.js';
import { pgCanonicalExpression, pgCanonicalFamily } from './canonical.js';
import { readPgTable } from './catalog.js';
import { connectPostgres } from './connect.js';
import { classifyPgError } from './errors.js';
import { quoteIdent, quoteTable } from './quote.js';
import { keyHistogramStatement } from './histogram.js';
import { eachPackedBucket } from './packed-buckets.js';
import { changedKeysStatement, maxChangeStatement } from './incremental.js';
import * as statements from './statements.js';

/** A packed checksum answer row: its buckets, "bucket count q r" each (none when it is NULL). */
function eachPackedRow(row: Record<string, unknown>, add: BucketAdd): void {
  if (row.buckets !== null) eachPackedBucket(String(row.buckets), add);
}

export const postgresDialect: Dialect = {
  name: 'postgres',
  connect: (url, role, options) => connectPostgres(postgresDialect, url, role, options),
  quoteIdent,
  quoteTable,
  readTable: readPgTable,
  canonicalFamily: pgCanonicalFamily,
  serverSideSupported: (_column: CatalogColumn, _spec: CanonicalSpec) => true,
  canonicalExpression: (side) => pgCanonicalExpression(side),
  countStatement: statements.countStatement,
  keyBoundsStatement: statements.keyBoundsStatement,
  segmentChecksumStatement: statements.segmentChecksumStatement,
  leafRowsStatement: statements.leafRowsStatement,
  rowStreamStatement: statements.rowStreamStatement,
  keyHistogramStatement,
  maxChangeStatement,
  changedKeysStatement,
  packedChecksums: {
    statement: statements.packedChecksumsStatement,
    eachBucket: eachPackedRow,
  },
  toSegmentChecksumRow: (row): SegmentChecksumRow => ({
    bucket: BigInt(row.bucket as string),
    count: BigInt(row.cnt as string),
    sum: String(row.sum),
  }),
  toKeySum: (row): KeySum => ({ bucket: String(row.bucket), sum: String(row.sum) }),
  toLeafRow: (row, columnCount): LeafRow => ({
    keyText: String(row.key_text),
    rowHash: String(row.row_hash),
    columns: Array.from({ length: columnCount }, (_, i) => (row[`c${i}`] ?? null) as string | null),
  }),
  classifyError: classifyPgError,
};
