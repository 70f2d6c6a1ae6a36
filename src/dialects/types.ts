/**
 * The one interface every database implements. The engine only ever calls
 * these builders and runs the statements they return: it never writes SQL.
 */
import type { CanonicalFamily, CanonicalSpec } from '../canonical/types.js';

export type DialectName = 'postgres' | 'mssql';

/** A SQL text with its bound values, in the driver's placeholder style. */
export interface Statement {
  text: string;
  values: unknown[];
  /** Short label for logs and metrics ("count", "segment-checksum", ...). */
  label: string;
  /**
   * Reads a bounded set of key ranges through the key index (bisection and leaves). The planner cannot see
   * how many ranges a bound array holds and prices such a statement as a large scan, so PostgreSQL would
   * JIT-compile it for longer than it runs (~250 ms each at 10M rows); the endpoint turns JIT off for it.
   */
  lookup?: boolean;
}

/** The most hash buckets there can be: the key hash has 31 bits. */
export const MAX_HASH_MODULUS = 2 ** 31;

/** A hash modulus must be an integer in 1..2^31; otherwise a clear error naming the table. */
export function checkHashModulus(modulus: number, table: TableRef): number {
  if (!Number.isSafeInteger(modulus) || modulus < 1 || modulus > MAX_HASH_MODULUS) {
    throw new Error(`hash bucket count ${String(modulus)} for table ${table.schema}.${table.name} is outside 1..2^31 (the key hash has 31 bits)`);
  }
  return modulus;
}

export interface CatalogColumn {
  name: string;
  /** Native type name as the catalog spells it, lower case (e.g. "numeric", "nvarchar"). */
  dataType: string;
  precision: number | null;
  scale: number | null;
  /** Character or byte length; -1 for MAX. */
  length: number | null;
  /** Fractional second digits of time types. */
  datetimePrecision: number | null;
  nullable: boolean;
  collation: string | null;
  ordinal: number;
  /** A computed column (SQL Server sys.columns.is_computed): CDC never captures it, so it is not compared by default. */
  computed?: boolean;
}

export interface TableRef {
  schema: string;
  name: string;
}

export interface CatalogTable extends TableRef {
  columns: CatalogColumn[];
  /** Primary key (or the first unique index on non-null columns), in key order; null when none. */
  primaryKey: string[] | null;
  /** The catalog's row estimate (for sharding and progress); null when unknown. */
  estimatedRows: number | null;
}

/** One column as one side sees it, with the canonical form chosen by the plan. */
export interface SideColumn {
  column: CatalogColumn;
  canonical: CanonicalSpec;
}

/** Everything a dialect needs to generate SQL for one side of a table pair. */
export interface SideTable {
  table: TableRef;
  /** Compared columns in plan order (keys first), identical order on both sides. */
  columns: SideColumn[];
  /** Key columns in key order (a prefix-independent subset of `columns`). */
  keys: SideColumn[];
  /** Trusted SQL filter from the config, ANDed to every statement. */
  where?: string;
}

/**
 * How rows are grouped into segments. `range`: single integer key, bucket =
 * floor((key - base) / width). `hash`: bucket = keyHash31(canonical key text) mod modulus,
 * which both sides compute identically whatever their collation or sort order.
 */
export type Bucketing =
  | { kind: 'range'; base: bigint; width: bigint }
  | { kind: 'hash'; modulus: number };

/** Which rows a statement reads. Ranges are inclusive integer key ranges. */
export type SegmentFilter =
  | { kind: 'all' }
  | { kind: 'ranges'; ranges: Array<readonly [bigint, bigint]> }
  | { kind: 'residues'; modulus: number; residues: number[] };

/** Result row of a segment checksum statement, normalised by the dialect. */
export interface SegmentChecksumRow {
  bucket: bigint;
  count: bigint;
  /** Sum of the signed 64-bit row hashes, exact (decimal string). */
  sum: string;
}

/** A segment checksum row's bucket and sum as the driver's texts (see Dialect.toKeySum). */
export interface KeySum {
  bucket: string;
  sum: string;
}

/** Result row of a leaf fetch: the canonical key, the row hash and every column's canonical text. */
export interface LeafRow {
  keyText: string;
  rowHash: string;
  columns: Array<string | null>;
}

export interface PoolStats {
  size: number;
  inUse: number;
  idle: number;
  waiting: number;
  /** Connections opened since the endpoint was created (pooling makes this small). */
  opened?: number;
  /** Time spent getting a connection for a statement (opening one when none is idle), ms in total. */
  acquireMs?: number;
}

export interface ConnectOptions {
  /** Pool size; sized to the concurrency by the caller. */
  poolSize: number;
  /** Per-statement timeout, ms. */
  statementTimeoutMs: number;
  /** Connect timeout, ms. */
  connectTimeoutMs: number;
  /** Name shown to the server (application_name). */
  applicationName: string;
  /** false: a new connection for every statement (only to measure what pooling saves). */
  reuseConnections?: boolean;
  /** Called when the pool had to queue a request because every connection was busy. */
  onPoolExhausted?: () => void;
}

/** A pooled, read-only connection to one database. */
export interface Endpoint {
  readonly dialect: Dialect;
  /** Role of the endpoint in logs and metrics: "source" or "target". */
  readonly role: string;
  query<T = Record<string, unknown>>(stmt: Statement): Promise<T[]>;
  /** Stream rows in batches with bounded memory (cursor / streaming request). */
  stream<T = Record<string, unknown>>(stmt: Statement, batchSize: number): AsyncIterable<T[]>;
  poolStats(): PoolStats;
  /** Server version string, for reports and manifests. */
  serverVersion(): Promise<string>;
  close(): Promise<void>;
}

export type { ErrorClass } from '../util/errors.js';
import type { ErrorClass } from '../util/errors.js';

export interface Dialect {
  readonly name: DialectName;

  /** Open a pool to `url`; fails fast (critical) when the server cannot be reached or refuses the login. */
  connect(url: string, role: string, options: ConnectOptions): Promise<Endpoint>;

  /** Quote an identifier that was resolved from the catalog. */
  quoteIdent(name: string): string;
  /** Quote schema.table. */
  quoteTable(ref: TableRef): string;

  /** Read one table from the catalog by exact name (bound parameters); null when it does not exist. */
  readTable(endpoint: Endpoint, ref: { schema?: string; name: string }): Promise<CatalogTable | null>;

  /** Map a native column type to a canonical family, or say why it cannot be compared. */
  canonicalFamily(column: CatalogColumn): CanonicalFamily | { unsupported: string };

  /** Whether this dialect can render `spec` for `column` inside the database, byte-identical to the reference. */
  serverSideSupported(column: CatalogColumn, spec: CanonicalSpec): boolean;
  /** Why `spec` cannot be rendered in the database for `column` (server version, type); null when it can. */
  serverSideUnsupportedReason?(column: CatalogColumn, spec: CanonicalSpec): string | null;

  /** SQL expression producing the canonical text of one column (NULL stays NULL). */
  canonicalExpression(side: SideColumn): string;

  countStatement(t: SideTable): Statement;
  /** min and max of the single integer key, as decimal strings (columns "lo", "hi"). */
  keyBoundsStatement(t: SideTable): Statement;
  /** Rows grouped by bucket: count and exact sum of 64-bit hashes, one a row for hash buckets, one a unit for range buckets (see UNIT_KEYS). */
  segmentChecksumStatement(t: SideTable, filter: SegmentFilter, bucketing: Bucketing): Statement;
  /** Key text, row hash and canonical column texts of every row selected by the filter. */
  leafRowsStatement(t: SideTable, filter: SegmentFilter): Statement;
  /** Raw column values of every row, ordered by key, for client-side hashing. */
  rowStreamStatement(t: SideTable, filter: SegmentFilter): Statement;
  /** The single integer key's histogram from the catalog's statistics (columns "key", "rows"; no rows when none). */
  keyHistogramStatement(t: SideTable): Statement;
  /** The change column's newest value as canonical text (column "v"; NULL when the table is empty). */
  maxChangeStatement(t: SideTable, change: SideColumn): Statement;
  /** The single integer key of every row whose change column is at or after `since` (canonical text; column "k"). */
  changedKeysStatement(t: SideTable, change: SideColumn, since: string): Statement;
  /** Changed keys from the database's own change capture (SQL Server CDC); absent where there is none. */
  readonly cdcChanges?: {
    /** Columns capture_instance, net (1 when it keeps net changes); no row when the table is not captured. */
    captureInstanceStatement(t: SideTable): Statement;
    /** Columns max_lsn (newest captured) and min_lsn (oldest the instance holds), as 0x… hex. */
    lsnRangeStatement(captureInstance: string): Statement;
    /** Column k: the integer key of every row changed after `fromLsn` up to `toLsn`. */
    cdcChangedKeysStatement(t: SideTable, captureInstance: string, netChanges: boolean, fromLsn: string, toLsn: string): Statement;
  };

  /** Range bucket sums many buckets to a row; absent where the dialect answers a row per bucket (see PackedChecksums). */
  readonly packedChecksums?: PackedChecksums;

  /** Normalise driver rows of the statements above. */
  toSegmentChecksumRow(row: Record<string, unknown>): SegmentChecksumRow;
  /**
   * A segment checksum row's bucket and sum as the texts the driver gave (canonical decimal integers): the
   * bisection's per-key step compares thousands of keys a batch as text, making no number of either.
   */
  toKeySum(row: Record<string, unknown>): KeySum;
  toLeafRow(row: Record<string, unknown>, columnCount: number): LeafRow;

  /** Classify a driver error: retry (transient), abort the run (critical), or fail this table only. */
  classifyError(err: unknown): ErrorClass;
}

/**
 * segmentChecksumStatement's sums of a range bucketing, many buckets to a driver row (PostgreSQL: "bucket count q r",
 * 512 a row): the first pass of a diff answers ~600,000 fine buckets a side at 10M rows, and the bisection's last
 * step a bucket per key, where a driver row, its texts and the numbers made of them per bucket were most of a
 * diff's garbage (issue 18).
 */
export interface PackedChecksums {
  /**
   * The buckets of the rows `filter` selects (the bucketing's base at or below every key). `denseKeys`: most units
   * of the bucketing hold many rows (a hint to how the statement reads them; the answer is the same).
   */
  statement(t: SideTable, filter: SegmentFilter, bucketing: Extract<Bucketing, { kind: 'range' }>, denseKeys?: boolean): Statement;
  /** Every bucket of one answer row: its index, count and hash sum as halves. */
  eachBucket(row: Record<string, unknown>, add: BucketAdd): void;
}

/**
 * One bucket of a packed answer: its index (at most a few million) and row count, and its hash sum modulo 2^64 as
 * unsigned 32-bit halves (see util/sum64.ts), all numbers: the buckets are added up without a BigInt each.
 */
export type BucketAdd = (bucket: number, count: number, hi: number, lo: number) => void;

// SQL Server CDC metadata, as the schema check reads it (dialects/mssql/cdc.ts implements the reader).

export interface CaptureInstance {
  name: string;
  /** Hex, e.g. 0x0000002A000001F00003. */
  startLsn: string | null;
  createDate: Date | null;
  supportsNetChanges: boolean;
  roleName: string | null;
  indexName: string | null;
  filegroupName: string | null;
  /** Captured source columns, as named when the instance was created. */
  columns: string[];
}

export interface CdcTableState {
  database: string;
  databaseEnabled: boolean;
  tableTracked: boolean;
  /** Oldest first. */
  instances: CaptureInstance[];
  /** Set when the capture instances could not be read (permissions); `instances` is then empty. */
  instancesUnreadable?: string;
}

export interface CdcJob {
  type: 'capture' | 'cleanup';
  /** Agent job name (cdc.<db>_capture); null when msdb.dbo.sysjobs could not be read. */
  name: string | null;
  enabled: boolean | null;
  /** Running in the current SQL Server Agent session; null when unknown. */
  running: boolean | null;
  continuous: boolean | null;
  pollingIntervalSeconds: number | null;
  /** Cleanup job only: change rows older than this are deleted. */
  retentionMinutes: number | null;
}

export interface LogScanSession {
  startTime: Date | null;
  endTime: Date | null;
  latencySeconds: number | null;
  errorCount: number;
}

export interface CdcDatabaseState {
  /** Connected to a read-only secondary: the jobs run on the primary and are not checked. */
  readOnlyReplica: boolean;
  /** null when msdb.dbo.cdc_jobs could not be read (see jobsUnreadable) or on a read-only replica. */
  jobs: CdcJob[] | null;
  jobsUnreadable?: string;
  jobStatusUnreadable?: string;
  lastScan: LogScanSession | null;
  scanUnreadable?: string;
}

/** How the schema check reads CDC metadata; one per source endpoint and run. */
export interface CdcReader {
  table(ref: TableRef): Promise<CdcTableState>;
  /** Database-wide state (jobs, log scan), read once and shared by every table. */
  database(): Promise<CdcDatabaseState>;
}
