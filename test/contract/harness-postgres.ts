/** The contract harness for PostgreSQL: fresh databases in the test cluster (test/support/pg.ts). */
import { postgresDialect } from '../../src/dialects/postgres/index.js';
import { createDatabase, exec } from '../support/pg.js';
import type { ColumnDef, ContractHarness } from './harness.js';
import type { Literal } from './cases.js';

const str = (s: string) => `'${s.replace(/'/g, "''")}'`;

export function postgresHarness(): ContractHarness {
  const q = (n: string) => postgresDialect.quoteIdent(n);
  return {
    name: 'postgres',
    dialect: postgresDialect,
    schema: 'public',
    freshDatabase: async () => (await createDatabase('contract')).url,
    exec: async (url, sql) => {
      await exec(url, sql);
    },
    createTableSql: (table: string, columns: ColumnDef[], primaryKey: string[]) =>
      `CREATE TABLE ${postgresDialect.quoteTable({ schema: 'public', name: table })} (${columns
        .map((c) => `${q(c.name)} ${c.type}${c.notNull ? ' NOT NULL' : ''}`)
        .join(', ')}, PRIMARY KEY (${primaryKey.map(q).join(', ')}));`,
    literal: (v: Literal) => {
      if (v === null) return 'NULL';
      if (typeof v === 'object') return `'\\x${v.hex}'::bytea`;
      return str(v);
    },
    textKeyType: 'text COLLATE "C"',
    cleanup: async () => undefined,
  };
}
