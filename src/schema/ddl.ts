/**
 * The DDL a schema finding suggests as its fix, in the dialect of the table it
 * applies to. Names come from the catalog and are quoted by the dialect; types
 * come from src/schema/types.ts. These statements are suggestions for a human
 * to review and run: cdc-recon never runs them.
 */
import type { Dialect, TableRef } from '../dialects/types.js';

export interface Ddl {
  addColumn(name: string, type: string): string;
  dropColumn(name: string): string;
  alterType(name: string, type: string, nullable: boolean): string;
  setNullable(name: string, type: string, nullable: boolean): string;
  renameColumn(from: string, to: string): string;
  addPrimaryKey(columns: string[]): string;
}

function nString(s: string): string {
  return `N'${s.replace(/'/g, "''")}'`;
}

export function ddlFor(d: Dialect, table: TableRef): Ddl {
  const t = d.quoteTable(table);
  const c = (n: string) => d.quoteIdent(n);
  if (d.name === 'mssql') {
    return {
      addColumn: (name, type) => `ALTER TABLE ${t} ADD ${c(name)} ${type} NULL;`,
      dropColumn: (name) => `ALTER TABLE ${t} DROP COLUMN ${c(name)};`,
      alterType: (name, type, nullable) => `ALTER TABLE ${t} ALTER COLUMN ${c(name)} ${type} ${nullable ? 'NULL' : 'NOT NULL'};`,
      setNullable: (name, type, nullable) => `ALTER TABLE ${t} ALTER COLUMN ${c(name)} ${type} ${nullable ? 'NULL' : 'NOT NULL'};`,
      renameColumn: (from, to) => `EXEC sys.sp_rename @objname = ${nString(`${t}.${c(from)}`)}, @newname = ${nString(to)}, @objtype = N'COLUMN';`,
      addPrimaryKey: (columns) => `ALTER TABLE ${t} ADD PRIMARY KEY (${columns.map(c).join(', ')});`,
    };
  }
  return {
    addColumn: (name, type) => `ALTER TABLE ${t} ADD COLUMN ${c(name)} ${type};`,
    dropColumn: (name) => `ALTER TABLE ${t} DROP COLUMN ${c(name)};`,
    alterType: (name, type) => `ALTER TABLE ${t} ALTER COLUMN ${c(name)} TYPE ${type};`,
    setNullable: (name, _type, nullable) => `ALTER TABLE ${t} ALTER COLUMN ${c(name)} ${nullable ? 'DROP' : 'SET'} NOT NULL;`,
    renameColumn: (from, to) => `ALTER TABLE ${t} RENAME COLUMN ${c(from)} TO ${c(to)};`,
    addPrimaryKey: (columns) => `ALTER TABLE ${t} ADD PRIMARY KEY (${columns.map(c).join(', ')});`,
  };
}
