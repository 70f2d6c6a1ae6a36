/** The normalised config: what the loader returns and every feature reads. Types and defaults only. */
import type { Mode, RawConfig } from './schema.js';
import type { TableName } from './table-name.js';

export interface Tuning {
  mode: Mode;
  chunkSize: number;
  concurrency: number;
  maxRetries: number;
  recheckDelayMs: number;
  hash: 'server' | 'client';
  leafSize: number;
  bisectionFactor: number;
  maxDiffRows: number;
  scope: 'full' | 'incremental';
  /** With shard i/n: tables of at least this many estimated rows are split across the shards (checksum and diff modes). */
  splitRows: number;
  floatDigits?: number;
  timestampDigits?: number;
}

export const DEFAULT_TUNING: Tuning = {
  mode: 'diff',
  chunkSize: 10_000,
  concurrency: 4,
  maxRetries: 3,
  recheckDelayMs: 0,
  hash: 'server',
  leafSize: 16,
  bisectionFactor: 32,
  maxDiffRows: 1000,
  splitRows: 10_000_000,
  scope: 'full',
};

export interface TableSpec extends Tuning {
  /** Display name: the source table as written. */
  id: string;
  source: TableName;
  target: TableName;
  key?: string[];
  include?: string[];
  exclude: string[];
  rename: Record<string, string>;
  sourceWhere?: string;
  targetWhere?: string;
  /** What `scope: incremental` reads (defaults, then the table's own). */
  incremental: IncrementalSpec;
}

export interface IncrementalSpec {
  changeColumn?: string;
  overlapMs: number;
  coverage: number;
}

export const DEFAULT_INCREMENTAL: IncrementalSpec = { overlapMs: 10 * 60_000, coverage: 7 };

export interface EndpointSpec {
  dialect: 'postgres' | 'mssql';
  urlEnv: string;
  schema?: string;
  poolSize?: number;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  reuseConnections: boolean;
  /** false: read without CDC (no CDC checks). */
  cdc: boolean;
}

export interface ReconConfig {
  file: string;
  source: EndpointSpec;
  target: EndpointSpec;
  tables: TableSpec[];
  reportDir: string;
  raw: RawConfig;
}

/** When a run exits non-zero: on a mismatch or an error (default), on an error only, or never. */
export const FAIL_ON = ['mismatch', 'error', 'never'] as const;
export type FailOn = (typeof FAIL_ON)[number];
