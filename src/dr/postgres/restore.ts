/**
 * PostgreSQL restore: always into a NEW scratch database, verified against
 * the manifest's per-table counts and content hashes. Only with `promote`
 * is it swapped in, in one transaction: the original is renamed to
 * <db>_pre_restore_<ts> (kept, not dropped) and the scratch takes its name.
 * Without `promote` the original database is never touched.
 */
import pg from 'pg';
import { quoteIdent } from '../../dialects/postgres/quote.js';
import type { PostgresManifest, TableCount } from '../store/manifest.js';
import { resolveInSet } from '../store/manifest.js';
import { databaseOf, toolConnection, withDatabase } from './conn.js';
import { pgTool } from './backup.js';
import { run } from '../process.js';
import { applyStableOutput, checksumSql, compareStats, countSql, listUserTables, type StatsComparison } from './stats.js';

export class RestoreError extends Error {
  override readonly name = 'RestoreError';
  constructor(message: string, readonly problems: string[] = []) {
    super(problems.length ? `${message}:\n  ${problems.slice(0, 50).join('\n  ')}` : message);
  }
}

/** Compact UTC timestamp for database names: 20240131T020000Z -> 20240131020000. */
export function nameStamp(d: Date): string {
  return d.toISOString().slice(0, 19).replace(/[-:T]/g, '');
}

/** `<base><suffix>` within PostgreSQL's 63-byte identifier limit (base is shortened). */
export function boundedName(base: string, suffix: string): string {
  let b = base;
  while (Buffer.byteLength(b + suffix) > 63) b = b.slice(0, -1);
  return b + suffix;
}

export interface PostgresRestorePlan {
  target: string;
  scratch: string;
  preRestoreName: string;
  promote: boolean;
  dropScratch: boolean;
  dump: string;
  steps: string[];
}

export function planPostgresRestore(options: {
  manifest: PostgresManifest;
  target: string;
  now: Date;
  promote: boolean;
  dropScratch: boolean;
  force: boolean;
  jobs: number;
  noOwner: boolean;
}): PostgresRestorePlan {
  const ts = nameStamp(options.now);
  const scratch = boundedName(options.target, `_restore_${ts}`);
  const preRestoreName = boundedName(options.target, `_pre_restore_${ts}`);
  const m = options.manifest;
  const steps = [
    `CREATE DATABASE ${quoteIdent(scratch)} TEMPLATE template0${m.encoding ? ` ENCODING '${m.encoding}'` : ''}${m.collate ? ` LC_COLLATE '${m.collate}'` : ''}${m.ctype ? ` LC_CTYPE '${m.ctype}'` : ''}`,
    `pg_restore --exit-on-error${options.jobs > 1 ? ` --jobs=${options.jobs}` : ''}${options.noOwner ? ' --no-owner --no-acl' : ''} --dbname <${scratch}> ${m.dumpPath}`,
    `verify ${m.tables.length} table(s) in ${scratch} against the manifest (${m.verify === 'checksum' ? 'row counts and content hashes' : 'row counts'})`,
  ];
  if (options.promote) {
    steps.push(
      `${options.force ? 'terminate sessions connected to' : 'refuse if any session is connected to'} ${quoteIdent(options.target)}`,
      `BEGIN; ALTER DATABASE ${quoteIdent(options.target)} RENAME TO ${quoteIdent(preRestoreName)}; ALTER DATABASE ${quoteIdent(scratch)} RENAME TO ${quoteIdent(options.target)}; COMMIT`,
    );
  } else if (options.dropScratch) {
    steps.push(`DROP DATABASE ${quoteIdent(scratch)} (drill: verified copy discarded; ${quoteIdent(options.target)} untouched)`);
  } else {
    steps.push(`keep ${quoteIdent(scratch)} for inspection; ${quoteIdent(options.target)} untouched (pass --promote to swap it in)`);
  }
  return { target: options.target, scratch, preRestoreName, promote: options.promote, dropScratch: options.dropScratch, dump: m.dumpPath, steps };
}

/** Drops the database of `url` with its sessions (a DR drill's simulated loss; the caller holds the typed confirmation). */
export async function dropDatabase(url: string): Promise<void> {
  const admin = await maintenanceUrl(url);
  await withClient(admin, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(databaseOf(url))} WITH (FORCE)`));
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'cdc-recon-restore' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A connection for CREATE/ALTER/DROP DATABASE: the server's maintenance database, not the target. */
export async function maintenanceUrl(url: string): Promise<string> {
  for (const db of ['postgres', 'template1']) {
    const u = withDatabase(url, db);
    try {
      await withClient(u, async () => undefined);
      return u;
    } catch {
      /* try the next */
    }
  }
  throw new RestoreError('cannot connect to the PostgreSQL server (tried the postgres and template1 databases)');
}

export async function databaseExists(adminUrl: string, name: string): Promise<boolean> {
  return withClient(adminUrl, async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
}

/** Counts / hashes in the restored database, for the tables the manifest lists. */
export async function restoredStats(url: string, expected: TableCount[], verify: 'count' | 'checksum'): Promise<TableCount[]> {
  return withClient(url, async (c) => {
    await applyStableOutput(c);
    const want = new Map(expected.map((t) => [`${t.schema}.${t.name}`, t]));
    const out: TableCount[] = [];
    for (const t of await listUserTables(c)) {
      const e = want.get(`${t.schema}.${t.name}`);
      if (!e || !e.exact) {
        out.push({ schema: t.schema, name: t.name, rows: Math.max(0, Math.round(t.estimate)), exact: false });
        continue;
      }
      if (verify === 'checksum' && e.checksum) {
        const r = await c.query<{ n: string; checksum: string }>(checksumSql(t));
        out.push({ schema: t.schema, name: t.name, rows: Number(r.rows[0]!.n), exact: true, checksum: r.rows[0]!.checksum });
      } else {
        const r = await c.query<{ n: string }>(countSql(t));
        out.push({ schema: t.schema, name: t.name, rows: Number(r.rows[0]!.n), exact: true });
      }
    }
    return out;
  });
}

/** Client sessions on database $1 other than ours (autovacuum workers are stopped by RENAME itself). */
const OTHER_CLIENTS = "pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'";

export interface PostgresRestoreOutcome {
  plan: PostgresRestorePlan;
  restoreMs: number;
  verifyMs: number;
  comparison: StatsComparison;
  promoted: boolean;
  scratchKept: boolean;
  previousRenamedTo?: string;
  terminatedSessions: number;
}

export async function restorePostgres(options: {
  url: string;
  setDir: string;
  manifest: PostgresManifest;
  plan: PostgresRestorePlan;
  force: boolean;
  jobs: number;
  noOwner: boolean;
  binDir?: string;
  secrets?: string[];
}): Promise<PostgresRestoreOutcome> {
  const { plan, manifest } = options;
  const admin = await maintenanceUrl(options.url);
  if (await databaseExists(admin, plan.scratch)) throw new RestoreError(`scratch database ${plan.scratch} already exists; nothing was changed`);
  const enc = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const create =
    `CREATE DATABASE ${quoteIdent(plan.scratch)} TEMPLATE template0` +
    (manifest.encoding ? ` ENCODING ${enc(manifest.encoding)}` : '') +
    (manifest.collate ? ` LC_COLLATE ${enc(manifest.collate)}` : '') +
    (manifest.ctype ? ` LC_CTYPE ${enc(manifest.ctype)}` : '');
  await withClient(admin, (c) => c.query(create));
  const scratchUrl = withDatabase(options.url, plan.scratch);
  const dropScratch = () => withClient(admin, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(plan.scratch)} WITH (FORCE)`));

  const t0 = Date.now();
  try {
    const conn = toolConnection(scratchUrl);
    const args = ['--exit-on-error', '--no-password'];
    if (options.jobs > 1) args.push(`--jobs=${options.jobs}`);
    if (options.noOwner) args.push('--no-owner', '--no-acl');
    args.push('--dbname', conn.dbname, resolveInSet(options.setDir, manifest.dumpPath));
    await run(pgTool('pg_restore', options.binDir), args, { env: conn.env, secrets: [...(options.secrets ?? []), options.url] });
  } catch (err) {
    await dropScratch().catch(() => undefined);
    throw new RestoreError(`pg_restore into scratch database ${plan.scratch} failed (scratch dropped; ${plan.target} untouched): ${(err as Error).message}`);
  }
  const restoreMs = Date.now() - t0;

  const t1 = Date.now();
  const actual = await restoredStats(scratchUrl, manifest.tables, manifest.verify);
  const comparison = compareStats(manifest.tables, actual);
  const verifyMs = Date.now() - t1;
  if (!comparison.ok) {
    await dropScratch().catch(() => undefined);
    throw new RestoreError(`restored copy does not match the manifest (scratch ${plan.scratch} dropped; ${plan.target} untouched)`, comparison.problems);
  }

  const outcome: PostgresRestoreOutcome = { plan, restoreMs, verifyMs, comparison, promoted: false, scratchKept: true, terminatedSessions: 0 };
  if (plan.promote) {
    await withClient(admin, async (c) => {
      const exists = (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [plan.target])).rowCount === 1;
      if (exists) {
        const sessions = await c.query<{ pid: number }>(`SELECT pid FROM ${OTHER_CLIENTS}`, [plan.target]);
        if (sessions.rowCount && !options.force) {
          throw new RestoreError(
            `${sessions.rowCount} session(s) are connected to ${plan.target}: stop them (e.g. pause the sink connectors) or pass --force to terminate them. The verified copy is kept as ${plan.scratch}; ${plan.target} untouched`,
          );
        }
        if (sessions.rowCount) {
          await c.query(`ALTER DATABASE ${quoteIdent(plan.target)} WITH ALLOW_CONNECTIONS false`);
          const t = await c.query(`SELECT pg_terminate_backend(pid) FROM ${OTHER_CLIENTS}`, [plan.target]);
          outcome.terminatedSessions = t.rowCount ?? 0;
          // Terminated backends leave pg_stat_activity asynchronously.
          for (let i = 0; i < 100; i++) {
            const left = await c.query(`SELECT 1 FROM ${OTHER_CLIENTS}`, [plan.target]);
            if (!left.rowCount) break;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
        try {
          await c.query('BEGIN');
          await c.query(`ALTER DATABASE ${quoteIdent(plan.target)} RENAME TO ${quoteIdent(plan.preRestoreName)}`);
          await c.query(`ALTER DATABASE ${quoteIdent(plan.scratch)} RENAME TO ${quoteIdent(plan.target)}`);
          await c.query('COMMIT');
        } catch (err) {
          await c.query('ROLLBACK').catch(() => undefined);
          throw new RestoreError(`swap failed and was rolled back (${plan.target} untouched, verified copy kept as ${plan.scratch}): ${(err as Error).message}`);
        } finally {
          if (sessions.rowCount) {
            const name = (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [plan.preRestoreName])).rowCount ? plan.preRestoreName : plan.target;
            await c.query(`ALTER DATABASE ${quoteIdent(name)} WITH ALLOW_CONNECTIONS true`).catch(() => undefined);
          }
        }
        outcome.previousRenamedTo = plan.preRestoreName;
      } else {
        await c.query(`ALTER DATABASE ${quoteIdent(plan.scratch)} RENAME TO ${quoteIdent(plan.target)}`);
      }
    });
    outcome.promoted = true;
    outcome.scratchKept = false;
  } else if (plan.dropScratch) {
    await dropScratch();
    outcome.scratchKept = false;
  }
  return outcome;
}
