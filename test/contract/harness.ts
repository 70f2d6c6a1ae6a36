/** What the contract suite needs from a database to run its cases against a dialect. */
import type { Dialect, DialectName } from '../../src/dialects/types.js';
import type { Literal } from './cases.js';

export interface ColumnDef {
  name: string;
  /** Native type for this dialect (may carry a COLLATE clause). */
  type: string;
  notNull?: boolean;
}

export interface ContractHarness {
  name: DialectName;
  dialect: Dialect;
  /** Schema tables are created in. */
  schema: string;
  /** A new, empty database on the server; returns its URL. */
  freshDatabase(): Promise<string>;
  /** Run DDL / DML (several statements) as the admin, in the database at `url`. */
  exec(url: string, sql: string): Promise<void>;
  createTableSql(table: string, columns: ColumnDef[], primaryKey: string[]): string;
  /** SQL literal of `value` for a column of `nativeType`. */
  literal(value: Literal, nativeType: string): string;
  /** The native type of a text key column that keeps every distinct string distinct (binary collation). */
  textKeyType: string;
  /** The same database, with sessions in a non-English language and day-month-year dates; absent when the dialect has none. */
  hostileSessionUrl?(url: string): string;
  /** SQL returning one row with column `lang`: the session language (checks the hostile session took effect). */
  sessionLanguageSql?: string;
  /** Release admin connections, drop the databases created. */
  cleanup(): Promise<void>;
}

/** VALUES lists in chunks (SQL Server takes at most 1000 rows per VALUES). */
export function insertSql(h: ContractHarness, table: string, columns: ColumnDef[], rows: Literal[][], chunk = 200): string {
  const q = (n: string) => h.dialect.quoteIdent(n);
  const target = `${h.dialect.quoteTable({ schema: h.schema, name: table })} (${columns.map((c) => q(c.name)).join(', ')})`;
  const out: string[] = [];
  for (let i = 0; i < rows.length; i += chunk) {
    const values = rows.slice(i, i + chunk).map((r) => `(${r.map((v, j) => h.literal(v, columns[j]!.type)).join(', ')})`);
    out.push(`INSERT INTO ${target} VALUES ${values.join(', ')};`);
  }
  return out.join('\n');
}
