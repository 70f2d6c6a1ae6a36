/**
 * PostgreSQL backup: pg_dump in custom format (-Fc) or directory format with
 * parallel jobs (-Fd -j), taken from a snapshot exported by a REPEATABLE READ
 * transaction in which the per-table counts and content hashes are computed
 * too, so the manifest's figures describe exactly the dumped data. Then
 * `pg_restore --list` proves the archive reads and holds every table's data.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { type PostgresBackupConfig } from '../../config/backup.js';
import { describeFiles, listFiles, type ManifestFile, type PostgresManifest } from '../store/manifest.js';
import { toolConnection } from './conn.js';
import { run } from '../process.js';
import { listUserTables, tableStats } from './stats.js';

export interface PostgresBackupResult {
  manifest: PostgresManifest;
  files: ManifestFile[];
}

export function pgTool(name: 'pg_dump' | 'pg_restore' | 'psql', binDir?: string): string {
  return binDir ? join(binDir, name) : name;
}

export async function toolVersion(bin: string): Promise<string> {
  const r = await run(bin, ['--version']);
  return r.stdout.trim();
}

export function pgDumpArgs(options: { format: 'custom' | 'directory'; jobs: number; file: string; snapshot?: string; dbname: string }): string[] {
  const args = [`--format=${options.format}`, '--file', options.file, '--no-password'];
  if (options.format === 'directory' && options.jobs > 1) args.push(`--jobs=${options.jobs}`);
  if (options.snapshot) args.push(`--snapshot=${options.snapshot}`);
  args.push('--dbname', options.dbname);
  return args;
}

export interface TocSummary {
  entries: number;
  /** "schema name owner" of every TABLE DATA entry (names are unquoted and may hold spaces). */
  tableData: string[];
}

/** Parses `pg_restore --list` output. */
export function parseToc(text: string): TocSummary {
  const tableData: string[] = [];
  let entries = 0;
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith(';')) continue;
    entries++;
    // "3345; 0 16390 TABLE DATA public orders postgres"
    const m = /^\d+; \d+ \d+ TABLE DATA (.+)$/.exec(line);
    if (m) tableData.push(m[1]!);
  }
  return { entries, tableData };
}

export function tocHasTableData(toc: TocSummary, t: { schema: string; name: string }): boolean {
  const head = `${t.schema} ${t.name} `;
  return toc.tableData.some((e) => e.startsWith(head));
}

export async function listArchive(path: string, binDir?: string): Promise<TocSummary> {
  const r = await run(pgTool('pg_restore', binDir), ['--list', path]);
  return parseToc(r.stdout);
}

export async function backupPostgres(options: {
  url: string;
  config: PostgresBackupConfig;
  setDir: string;
  /** Relative name inside the set. */
  name?: string;
  secrets?: string[];
}): Promise<PostgresBackupResult> {
  const started = Date.now();
  const { config, setDir } = options;
  const conn = toolConnection(options.url);
  const rel = options.name ?? (config.format === 'custom' ? 'postgres/database.dump' : 'postgres/database.dir');
  const out = join(setDir, ...rel.split('/'));
  const secrets = [...(options.secrets ?? []), options.url, ...(conn.password ? [conn.password] : [])];
  const pgDump = pgTool('pg_dump', config.binDir);
  const pgDumpVersion = await toolVersion(pgDump);

  const client = new pg.Client({ connectionString: options.url, application_name: 'cdc-recon-backup' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const info = await client.query<{ version: string; db: string; snapshot: string; encoding: string; collate: string; ctype: string }>(
      `SELECT current_setting('server_version') AS version, current_database() AS db, pg_export_snapshot() AS snapshot,
              pg_encoding_to_char(d.encoding) AS encoding, d.datcollate AS collate, d.datctype AS ctype
       FROM pg_database d WHERE d.datname = current_database()`,
    );
    const { version, db, snapshot, encoding, collate, ctype } = info.rows[0]!;
    await mkdir(join(setDir, 'postgres'), { recursive: true });
    // pg_dump imports our snapshot; the counts run in the same snapshot meanwhile.
    const dump = run(pgDump, pgDumpArgs({ format: config.format, jobs: config.jobs, file: out, snapshot, dbname: conn.dbname }), {
      env: conn.env,
      secrets,
    });
    const statsP = (async () => tableStats(client, await listUserTables(client), config))();
    const [dumpRes, stats] = await Promise.allSettled([dump, statsP]);
    if (dumpRes.status === 'rejected') throw new Error(`pg_dump of ${db} failed: ${(dumpRes.reason as Error).message}`);
    if (stats.status === 'rejected') throw new Error(`counting rows in ${db} failed: ${(stats.reason as Error).message}`);
    await client.query('COMMIT');

    const toc = await listArchive(out, config.binDir).catch((err: Error) => {
      throw new Error(`pg_restore --list cannot read the new archive of ${db}: ${err.message}`);
    });
    const missing = stats.value.filter((t) => !tocHasTableData(toc, t));
    if (missing.length) {
      throw new Error(`archive of ${db} lacks TABLE DATA for: ${missing.map((t) => `${t.schema}.${t.name}`).join(', ')}`);
    }
    const paths = config.format === 'custom' ? [rel] : (await listFiles(out)).map((p) => `${rel}/${p}`);
    const files = await describeFiles(setDir, paths, 'postgres');
    return {
      files,
      manifest: {
        database: db,
        serverVersion: version,
        pgDumpVersion,
        format: config.format,
        dumpPath: rel,
        tocEntries: toc.entries,
        verify: config.verify,
        tables: stats.value,
        durationMs: Date.now() - started,
        encoding,
        collate,
        ctype,
      },
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}
