/** Dialect registry. The SQL Server dialect registers here too. */
import type { Dialect, DialectName } from './types.js';
import { postgresDialect } from './postgres/index.js';

const registry = new Map<DialectName, () => Promise<Dialect>>([
  ['postgres', async () => postgresDialect],
  // Loaded lazily so the PostgreSQL-only path never loads the SQL Server driver.
  ['mssql', async () => (await import('./mssql/index.js')).mssqlDialect],
]);

export async function getDialect(name: DialectName): Promise<Dialect> {
  const load = registry.get(name);
  if (!load) throw new Error(`unknown dialect ${JSON.stringify(name)}`);
  return load();
}
