/**
 * What the connected SQL Server can compute exactly, found once at connect
 * time, and carried to `serverSideSupported()` through the catalog columns
 * read from that server.
 */
import type { CatalogColumn } from '../types.js';

export interface MssqlCapabilities {
  /** e.g. "16.0.4135.4" */
  productVersion: string;
  /** e.g. "SQL Server 16.0.4135.4 RTM, Developer Edition (64-bit)" */
  description: string;
  majorVersion: number;
  /** SERVERPROPERTY('EngineEdition'): 5 = Azure SQL Database, 8 = Azure SQL Managed Instance. */
  engineEdition: number;
  /** A `_UTF8` collation exists (SQL Server 2019+, Azure SQL): text can be hashed as UTF-8 in the database. */
  utf8: boolean;
  /** HASHBYTES accepts more than 8000 bytes (SQL Server 2016+, Azure SQL): rows of any width hash in the database. */
  unlimitedHashbytes: boolean;
  /** STRING_AGG ... WITHIN GROUP (SQL Server 2017+, Azure SQL): a unit's rows join in key order (canonical form 3). */
  stringAgg: boolean;
  /** The database allows SNAPSHOT isolation; reads use it when true, READ COMMITTED otherwise. */
  snapshotIsolation: boolean;
  readCommittedSnapshot: boolean;
  compatibilityLevel: number | null;
}

/** The collation that makes VARCHAR hold UTF-8: binary, so nothing is folded or compared linguistically. */
export const UTF8_COLLATION = 'Latin1_General_100_BIN2_UTF8';

export interface ProbeRow {
  product_version: string | null;
  engine_edition: number | null;
  utf8_code_page: number | null;
  snapshot_state: number | null;
  rcsi: boolean | number | null;
  compat: number | null;
  edition?: string | null;
  product_level?: string | null;
}

export function capabilitiesFromProbe(row: ProbeRow): MssqlCapabilities {
  const productVersion = row.product_version ?? '0';
  const majorVersion = Number.parseInt(productVersion.split('.')[0] ?? '0', 10) || 0;
  const engineEdition = row.engine_edition ?? 0;
  const azure = engineEdition === 5 || engineEdition === 8;
  const level = row.product_level ? ` ${row.product_level}` : '';
  const edition = row.edition ? `, ${row.edition}` : '';
  return {
    productVersion,
    description: `SQL Server ${productVersion}${level}${edition}`,
    majorVersion,
    engineEdition,
    utf8: row.utf8_code_page === 65001,
    unlimitedHashbytes: majorVersion >= 13 || azure,
    stringAgg: majorVersion >= 14 || azure,
    // sys.databases.snapshot_isolation_state: 1 = ON
    snapshotIsolation: row.snapshot_state === 1,
    readCommittedSnapshot: row.rcsi === true || row.rcsi === 1,
    compatibilityLevel: row.compat ?? null,
  };
}

/** Assumed for columns that did not come from readTable (a fresh SQL Server 2019+); a wrong guess fails loudly (unknown collation), never silently. */
export const MODERN_SERVER: MssqlCapabilities = {
  productVersion: 'unknown',
  description: 'SQL Server (version unknown)',
  majorVersion: 15,
  engineEdition: 0,
  utf8: true,
  unlimitedHashbytes: true,
  stringAgg: true,
  snapshotIsolation: false,
  readCommittedSnapshot: false,
  compatibilityLevel: null,
};

const byColumn = new WeakMap<CatalogColumn, MssqlCapabilities>();

export function rememberCapabilities(columns: CatalogColumn[], caps: MssqlCapabilities): void {
  for (const c of columns) byColumn.set(c, caps);
}

export function capabilitiesOf(column: CatalogColumn): MssqlCapabilities {
  return byColumn.get(column) ?? MODERN_SERVER;
}
