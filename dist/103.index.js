export const id = 103;
export const ids = [103,127];
export const modules = {

/***/ 77103:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  BackupError: () => (/* binding */ BackupError),
  configuredComponents: () => (/* binding */ configuredComponents),
  resolveComponents: () => (/* binding */ resolveComponents),
  runBackup: () => (/* binding */ runBackup),
  s3StoreFor: () => (/* binding */ s3StoreFor)
});

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(51455);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(76760);
// EXTERNAL MODULE: ./lib/observability/metrics.js
var observability_metrics = __webpack_require__(28264);
// EXTERNAL MODULE: ./lib/util/errors.js
var errors = __webpack_require__(99661);
// EXTERNAL MODULE: ./lib/util/logger.js
var logger = __webpack_require__(91634);
// EXTERNAL MODULE: ./lib/dr/config.js
var dr_config = __webpack_require__(28382);
// EXTERNAL MODULE: ./lib/dr/kafka-connect.js
var kafka_connect = __webpack_require__(31151);
// EXTERNAL MODULE: ./lib/dr/load-config.js
var load_config = __webpack_require__(62127);
// EXTERNAL MODULE: ./lib/dr/manifest.js + 1 modules
var dr_manifest = __webpack_require__(14955);
// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __webpack_require__(31421);
// EXTERNAL MODULE: ./lib/dr/redact.js
var redact = __webpack_require__(16557);
;// CONCATENATED MODULE: ./lib/dr/proc.js
/**
 * Child processes for the DR tools (pg_dump, pg_restore, copy commands,
 * docker/kubectl): argv only, never a shell; secrets travel in the
 * environment (PGPASSWORD), never in argv; errors carry a redacted stderr tail.
 */




class CommandError extends Error {
    command;
    exitCode;
    stderr;
    name = 'CommandError';
    constructor(message, command, exitCode, stderr) {
        super(message);
        this.command = command;
        this.exitCode = exitCode;
        this.stderr = stderr;
    }
}
async function run(cmd, args, options = {}) {
    const redactor = (0,redact/* createRedactor */.lY)(options.secrets ?? []);
    const max = options.maxStdout ?? 64 * 1024 * 1024;
    return new Promise((resolve, reject) => {
        const child = (0,external_node_child_process_.spawn)(cmd, args, {
            env: options.env ?? process.env,
            cwd: options.cwd,
            stdio: ['ignore', 'pipe', 'pipe'],
            timeout: options.timeoutMs,
        });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (d) => {
            stdout += d;
            if (stdout.length > max)
                stdout = stdout.slice(stdout.length - max);
        });
        child.stderr.setEncoding('utf8').on('data', (d) => {
            stderr += d;
            if (stderr.length > 1024 * 1024)
                stderr = stderr.slice(-1024 * 1024);
        });
        child.on('error', (err) => {
            reject(new CommandError(`${cmd}: ${redactor(err.message)}`, cmd, null, ''));
        });
        child.on('close', (code, signal) => {
            const result = { stdout, stderr, code: code ?? -1 };
            if (code === 0 || options.allowFailure)
                return resolve(result);
            const tail = redactor(stderr.trim().split('\n').slice(-20).join('\n'));
            const how = signal ? `killed by ${signal}` : `exit code ${code}`;
            reject(new CommandError(`${cmd} failed (${how})${tail ? `: ${tail}` : ''}`, cmd, code, tail));
        });
    });
}
/** Full path of an executable on PATH (or in `dir`), or undefined. */
async function which(name, dir, env = process.env) {
    const dirs = dir ? [dir] : (env.PATH ?? '').split(delimiter).filter(Boolean);
    for (const d of dirs) {
        const p = join(d, name);
        try {
            await access(p, constants.X_OK);
            return p;
        }
        catch {
            /* next */
        }
    }
    return undefined;
}

;// CONCATENATED MODULE: ./lib/dr/mssql-backup.js
/**
 * SQL Server backup and restore statements. The builders are pure (quoted
 * names, bound values) and unit-tested; they run through the `mssql` driver
 * behind the small MssqlRunner interface, which needs a real SQL Server (not
 * available here; exercised in the SQL Server integration workflow).
 *
 * BACKUP DATABASE [db] TO DISK = @path WITH COMPRESSION, CHECKSUM, COPY_ONLY, INIT
 * RESTORE VERIFYONLY FROM DISK = @path WITH CHECKSUM
 * RESTORE FILELISTONLY FROM DISK = @path      -> drives the MOVE clauses
 * RESTORE DATABASE [db] FROM DISK = @path WITH MOVE @l0 TO @p0, ..., CHECKSUM, RECOVERY[, REPLACE][, KEEP_CDC]
 */




/** [name] with ] doubled; refuses names SQL Server itself would refuse. */
function quoteMssqlIdent(name) {
    if (name.length === 0)
        throw new Error('empty SQL Server identifier');
    if (name.length > 128)
        throw new Error(`SQL Server identifier longer than 128 characters: ${name.slice(0, 20)}...`);
    if (name.includes('\u0000'))
        throw new Error('SQL Server identifier contains a NUL character');
    return `[${name.replace(/]/g, ']]')}]`;
}
/** Joins a server-side path in the server's own style (backslashes on Windows paths). */
function serverPathJoin(dir, file) {
    const win = dir.includes('\\') || /^[A-Za-z]:/.test(dir);
    const s = win ? '\\' : '/';
    return dir.endsWith(s) ? `${dir}${file}` : `${dir}${s}${file}`;
}
function buildBackupStatement(database, serverPath) {
    return {
        text: `BACKUP DATABASE ${quoteMssqlIdent(database)} TO DISK = @path WITH COMPRESSION, CHECKSUM, COPY_ONLY, INIT, NAME = @name`,
        params: { path: serverPath, name: `cdc-recon ${database}` },
    };
}
function buildVerifyStatement(serverPath) {
    return { text: 'RESTORE VERIFYONLY FROM DISK = @path WITH CHECKSUM', params: { path: serverPath } };
}
function buildFileListStatement(serverPath) {
    return { text: 'RESTORE FILELISTONLY FROM DISK = @path', params: { path: serverPath } };
}
function fileExt(type, index) {
    if (type === 'L')
        return '.ldf';
    if (type === 'S' || type === 'F')
        return '';
    return index === 0 ? '.mdf' : '.ndf';
}
/** New physical file names for the target database: <db>_<logical><ext> in the chosen directory. */
function moveTargets(options) {
    let dataIndex = 0;
    return options.files.map((f) => {
        const type = f.Type.toUpperCase();
        const origDir = f.PhysicalName.replace(/[\\/][^\\/]*$/, '') || '/';
        const dir = type === 'L' ? (options.logDir ?? origDir) : (options.dataDir ?? origDir);
        const safeLogical = f.LogicalName.replace(/[^A-Za-z0-9_.-]/g, '_');
        const safeDb = options.database.replace(/[^A-Za-z0-9_.-]/g, '_');
        const ext = fileExt(type, type === 'D' ? dataIndex++ : 1);
        return { logical: f.LogicalName, physical: serverPathJoin(dir, `${safeDb}_${safeLogical}${ext}`) };
    });
}
function buildRestoreStatement(options) {
    if (options.files.length === 0)
        throw new Error('RESTORE FILELISTONLY returned no files');
    const params = { path: options.serverPath };
    const moves = moveTargets(options).map((m, i) => {
        params[`l${i}`] = m.logical;
        params[`p${i}`] = m.physical;
        return `MOVE @l${i} TO @p${i}`;
    });
    const withs = [...moves, 'CHECKSUM', 'RECOVERY', 'STATS = 10'];
    if (options.replace)
        withs.push('REPLACE');
    if (options.keepCdc)
        withs.push('KEEP_CDC');
    return {
        text: `RESTORE DATABASE ${quoteMssqlIdent(options.database)} FROM DISK = @path WITH ${withs.join(', ')}`,
        params,
    };
}
/** After a KEEP_CDC restore on a server without the capture/cleanup jobs, they must be re-added. */
function buildCdcJobStatements(database) {
    const db = quoteMssqlIdent(database);
    return [
        { text: `EXEC ${db}.sys.sp_cdc_add_job @job_type = N'capture'`, params: {} },
        { text: `EXEC ${db}.sys.sp_cdc_add_job @job_type = N'cleanup'`, params: {} },
    ];
}
const SERVER_INFO_SQL = {
    text: "SELECT CAST(SERVERPROPERTY('ProductVersion') AS NVARCHAR(128)) AS version, CAST(SERVERPROPERTY('Edition') AS NVARCHAR(128)) AS edition",
    params: {},
};
function buildDatabaseInfoStatement(database) {
    return { text: 'SELECT name, is_cdc_enabled, state_desc FROM sys.databases WHERE name = @db', params: { db: database } };
}
/** Row counts from partition stats (heap or clustered index): cheap, labelled "estimated". */
function buildRowCountStatement(database) {
    const db = quoteMssqlIdent(database);
    return {
        text: `SELECT s.name AS schema_name, t.name AS table_name, SUM(p.row_count) AS row_count ` +
            `FROM ${db}.sys.tables AS t ` +
            `JOIN ${db}.sys.schemas AS s ON s.schema_id = t.schema_id ` +
            `JOIN ${db}.sys.dm_db_partition_stats AS p ON p.object_id = t.object_id AND p.index_id IN (0, 1) ` +
            `WHERE t.is_ms_shipped = 0 AND s.name <> 'cdc' ` +
            `GROUP BY s.name, t.name ORDER BY s.name, t.name`,
        params: {},
    };
}
/** Does a database of that name exist on the server? */
function buildDatabaseExistsStatement(database) {
    return { text: 'SELECT DB_ID(@db) AS id', params: { db: database } };
}
/** Fills {serverPath} / {localPath} in an argv template. */
function fillCommand(template, values) {
    return template.map((a) => a.replaceAll('{serverPath}', values.serverPath).replaceAll('{localPath}', values.localPath));
}
function backupFileName(setId, database) {
    return `${setId}_${database.replace(/[^A-Za-z0-9_.-]/g, '_')}.bak`;
}
/**
 * BACKUP on the server, VERIFYONLY on the server, then the configured copy
 * step brings the file into the set, where it is hashed.
 */
async function backupMssql(options) {
    const started = Date.now();
    const { runner, config } = options;
    const file = backupFileName(options.setId, config.database);
    const serverPath = serverPathJoin(config.serverBackupDir, file);
    const rel = `mssql/${file}`;
    const localPath = (0,external_node_path_.join)(options.setDir, 'mssql', file);
    const [info] = await runner.query(SERVER_INFO_SQL);
    const [db] = await runner.query(buildDatabaseInfoStatement(config.database));
    if (!db)
        throw new Error(`SQL Server database ${config.database} does not exist`);
    const counts = await runner.query(buildRowCountStatement(config.database));
    const backup = buildBackupStatement(config.database, serverPath);
    const verify = buildVerifyStatement(serverPath);
    await runner.query(backup, { timeoutMs: 0 });
    await runner.query(verify, { timeoutMs: 0 });
    await (0,promises_.mkdir)((0,external_node_path_.dirname)(localPath), { recursive: true });
    await run(config.copyCommand[0], fillCommand(config.copyCommand.slice(1), { serverPath, localPath }), { secrets: options.secrets });
    const files = await (0,dr_manifest/* describeFiles */.LG)(options.setDir, [rel], 'mssql');
    const tables = counts.map((c) => ({ schema: c.schema_name, name: c.table_name, rows: Number(c.row_count), exact: false }));
    return {
        statements: [backup, verify],
        files,
        manifest: {
            database: config.database,
            serverVersion: info?.version ?? 'unknown',
            backupFile: rel,
            serverPath,
            verifyOnly: 'passed',
            cdcEnabled: Boolean(db.is_cdc_enabled),
            tables,
            durationMs: Date.now() - started,
        },
    };
}
/** ADO connection strings go to the driver as they are; mssql:// URLs are turned into a config. */
function mssqlConnectionConfig(conn) {
    if (!/^(mssql|sqlserver):\/\//i.test(conn))
        return conn;
    const u = new URL(conn);
    const q = u.searchParams;
    return {
        server: u.hostname,
        port: u.port ? Number(u.port) : 1433,
        user: decodeURIComponent(u.username),
        password: decodeURIComponent(u.password),
        database: decodeURIComponent(u.pathname.replace(/^\//, '')) || undefined,
        options: {
            encrypt: q.get('encrypt') !== 'false',
            trustServerCertificate: q.get('trustServerCertificate') === 'true',
        },
        requestTimeout: 0,
    };
}
/**
 * The real runner over the `mssql` driver (needs a SQL Server; not exercised
 * here). `database` overrides the connection's database: a restore connects
 * to master, never to the database it replaces.
 */
async function createMssqlRunner(conn, options = {}) {
    const sql = (await __webpack_require__.e(/* import() */ 271).then(__webpack_require__.t.bind(__webpack_require__, 66271, 19))).default;
    const parsed = mssqlConnectionConfig(conn);
    const config = (typeof parsed === 'string' ? sql.ConnectionPool.parseConnectionString(parsed) : parsed);
    if (options.database)
        config.database = options.database;
    config.requestTimeout = 0;
    const pool = new sql.ConnectionPool(config);
    pool.on('error', () => undefined);
    await pool.connect();
    return {
        async query(statement, options = {}) {
            const req = pool.request();
            if (options.timeoutMs !== undefined)
                req.timeout = options.timeoutMs;
            for (const [k, v] of Object.entries(statement.params)) {
                if (typeof v === 'number')
                    req.input(k, sql.Int, v);
                else
                    req.input(k, sql.NVarChar(sql.MAX), v);
            }
            const res = await req.query(statement.text);
            return (res.recordset ?? []);
        },
        close: () => pool.close(),
    };
}

// EXTERNAL MODULE: ./node_modules/pg/esm/index.mjs
var esm = __webpack_require__(83849);
;// CONCATENATED MODULE: ./lib/dr/pg-conn.js
/**
 * Turns a PostgreSQL URL into what the client tools need without putting the
 * password on a command line: the URL without its password for --dbname, and
 * PGPASSWORD in the child's environment.
 */

function parsePgUrl(url) {
    let u;
    try {
        u = new URL(url);
    }
    catch {
        throw new errors/* ConfigError */.xL('the PostgreSQL connection must be a postgres:// URL');
    }
    if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
        throw new errors/* ConfigError */.xL(`the PostgreSQL connection must be a postgres:// URL, not ${u.protocol}`);
    }
    return u;
}
function databaseOf(url) {
    const u = parsePgUrl(url);
    const db = decodeURIComponent(u.pathname.replace(/^\//, ''));
    return db || decodeURIComponent(u.username) || 'postgres';
}
/** The same server, another database. */
function withDatabase(url, database) {
    const u = parsePgUrl(url);
    u.pathname = `/${encodeURIComponent(database)}`;
    return u.toString();
}
function toolConnection(url, baseEnv = process.env) {
    const u = parsePgUrl(url);
    const password = u.password ? decodeURIComponent(u.password) : undefined;
    u.password = '';
    const env = { ...baseEnv, PGCONNECT_TIMEOUT: baseEnv.PGCONNECT_TIMEOUT ?? '30' };
    if (password !== undefined)
        env.PGPASSWORD = password;
    return { dbname: u.toString(), env, database: databaseOf(url), password };
}

// EXTERNAL MODULE: ./lib/dialects/postgres/quote.js
var quote = __webpack_require__(2055);
;// CONCATENATED MODULE: ./lib/dr/postgres-stats.js

/** Fixed output settings so row::text renders identically on both sides. */
const STABLE_OUTPUT_SETTINGS = [
    "SET DateStyle = 'ISO, MDY'",
    "SET TimeZone = 'UTC'",
    "SET IntervalStyle = 'postgres'",
    'SET extra_float_digits = 1',
    "SET bytea_output = 'hex'",
];
/** Ordinary tables and leaf partitions outside the system schemas. */
const LIST_TABLES_SQL = `
SELECT n.nspname AS schema, c.relname AS name, c.reltuples::float8 AS estimate
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
ORDER BY n.nspname, c.relname`;
async function listUserTables(client) {
    const res = await client.query(LIST_TABLES_SQL);
    return res.rows.map((r) => ({ schema: r.schema, name: r.name, estimate: Number(r.estimate) }));
}
function countSql(t) {
    return `SELECT count(*)::int8 AS n FROM ${(0,quote/* quoteIdent */.v)(t.schema)}.${(0,quote/* quoteIdent */.v)(t.name)}`;
}
function checksumSql(t) {
    const rel = `${(0,quote/* quoteIdent */.v)(t.schema)}.${(0,quote/* quoteIdent */.v)(t.name)}`;
    return `SELECT count(*)::int8 AS n,
  coalesce(sum(('x' || substr(h, 1, 15))::bit(60)::int8::numeric), 0)::text || '-' ||
  coalesce(sum(('x' || substr(h, 16, 15))::bit(60)::int8::numeric), 0)::text AS checksum
FROM (SELECT md5(t::text) AS h FROM ${rel} AS t) AS s`;
}
async function applyStableOutput(client) {
    for (const s of STABLE_OUTPUT_SETTINGS)
        await client.query(s);
}
async function tableStats(client, tables, options) {
    await applyStableOutput(client);
    const out = [];
    for (const t of tables) {
        if (t.estimate > options.exactCountLimit) {
            out.push({ schema: t.schema, name: t.name, rows: Math.round(t.estimate), exact: false });
            continue;
        }
        if (options.verify === 'checksum') {
            const r = await client.query(checksumSql(t));
            out.push({ schema: t.schema, name: t.name, rows: Number(r.rows[0].n), exact: true, checksum: r.rows[0].checksum });
        }
        else {
            const r = await client.query(countSql(t));
            out.push({ schema: t.schema, name: t.name, rows: Number(r.rows[0].n), exact: true });
        }
    }
    return out;
}
/**
 * Compares restored stats with the manifest's: every table present, exact
 * counts equal, checksums equal where both have one. Estimated counts are not
 * compared (reported as skipped).
 */
function compareStats(expected, actual) {
    const key = (t) => `${t.schema}.${t.name}`;
    const got = new Map(actual.map((t) => [key(t), t]));
    const problems = [];
    let checked = 0;
    let estimatedSkipped = 0;
    for (const e of expected) {
        const a = got.get(key(e));
        if (!a) {
            problems.push(`${key(e)}: missing after restore`);
            continue;
        }
        if (!e.exact) {
            estimatedSkipped++;
            continue;
        }
        checked++;
        if (a.rows !== e.rows)
            problems.push(`${key(e)}: ${a.rows} rows, manifest says ${e.rows}`);
        else if (e.checksum && a.checksum && a.checksum !== e.checksum)
            problems.push(`${key(e)}: content hash differs from the manifest`);
    }
    const known = new Set(expected.map(key));
    for (const a of actual)
        if (!known.has(key(a)))
            problems.push(`${key(a)}: not in the manifest`);
    return { ok: problems.length === 0, checked, estimatedSkipped, problems };
}

;// CONCATENATED MODULE: ./lib/dr/postgres-backup.js
/**
 * PostgreSQL backup: pg_dump in custom format (-Fc) or directory format with
 * parallel jobs (-Fd -j), taken from a snapshot exported by a REPEATABLE READ
 * transaction in which the per-table counts and content hashes are computed
 * too, so the manifest's figures describe exactly the dumped data. Then
 * `pg_restore --list` proves the archive reads and holds every table's data.
 */







function pgTool(name, binDir) {
    return binDir ? (0,external_node_path_.join)(binDir, name) : name;
}
async function toolVersion(bin) {
    const r = await run(bin, ['--version']);
    return r.stdout.trim();
}
function pgDumpArgs(options) {
    const args = [`--format=${options.format}`, '--file', options.file, '--no-password'];
    if (options.format === 'directory' && options.jobs > 1)
        args.push(`--jobs=${options.jobs}`);
    if (options.snapshot)
        args.push(`--snapshot=${options.snapshot}`);
    args.push('--dbname', options.dbname);
    return args;
}
/** Parses `pg_restore --list` output. */
function parseToc(text) {
    const tableData = [];
    let entries = 0;
    for (const line of text.split('\n')) {
        if (!line.trim() || line.startsWith(';'))
            continue;
        entries++;
        // "3345; 0 16390 TABLE DATA public orders postgres"
        const m = /^\d+; \d+ \d+ TABLE DATA (.+)$/.exec(line);
        if (m)
            tableData.push(m[1]);
    }
    return { entries, tableData };
}
function tocHasTableData(toc, t) {
    const head = `${t.schema} ${t.name} `;
    return toc.tableData.some((e) => e.startsWith(head));
}
async function listArchive(path, binDir) {
    const r = await run(pgTool('pg_restore', binDir), ['--list', path]);
    return parseToc(r.stdout);
}
async function backupPostgres(options) {
    const started = Date.now();
    const { config, setDir } = options;
    const conn = toolConnection(options.url);
    const rel = options.name ?? (config.format === 'custom' ? 'postgres/database.dump' : 'postgres/database.dir');
    const out = (0,external_node_path_.join)(setDir, ...rel.split('/'));
    const secrets = [...(options.secrets ?? []), options.url, ...(conn.password ? [conn.password] : [])];
    const pgDump = pgTool('pg_dump', config.binDir);
    const pgDumpVersion = await toolVersion(pgDump);
    const client = new esm["default"].Client({ connectionString: options.url, application_name: 'cdc-recon-backup' });
    client.on('error', () => undefined);
    await client.connect();
    try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
        const info = await client.query(`SELECT current_setting('server_version') AS version, current_database() AS db, pg_export_snapshot() AS snapshot,
              pg_encoding_to_char(d.encoding) AS encoding, d.datcollate AS collate, d.datctype AS ctype
       FROM pg_database d WHERE d.datname = current_database()`);
        const { version, db, snapshot, encoding, collate, ctype } = info.rows[0];
        await (0,promises_.mkdir)((0,external_node_path_.join)(setDir, 'postgres'), { recursive: true });
        // pg_dump imports our snapshot; the counts run in the same snapshot meanwhile.
        const dump = run(pgDump, pgDumpArgs({ format: config.format, jobs: config.jobs, file: out, snapshot, dbname: conn.dbname }), {
            env: conn.env,
            secrets,
        });
        const statsP = (async () => tableStats(client, await listUserTables(client), config))();
        const [dumpRes, stats] = await Promise.allSettled([dump, statsP]);
        if (dumpRes.status === 'rejected')
            throw new Error(`pg_dump of ${db} failed: ${dumpRes.reason.message}`);
        if (stats.status === 'rejected')
            throw new Error(`counting rows in ${db} failed: ${stats.reason.message}`);
        await client.query('COMMIT');
        const toc = await listArchive(out, config.binDir).catch((err) => {
            throw new Error(`pg_restore --list cannot read the new archive of ${db}: ${err.message}`);
        });
        const missing = stats.value.filter((t) => !tocHasTableData(toc, t));
        if (missing.length) {
            throw new Error(`archive of ${db} lacks TABLE DATA for: ${missing.map((t) => `${t.schema}.${t.name}`).join(', ')}`);
        }
        const paths = config.format === 'custom' ? [rel] : (await (0,dr_manifest/* listFiles */.CS)(out)).map((p) => `${rel}/${p}`);
        const files = await (0,dr_manifest/* describeFiles */.LG)(setDir, paths, 'postgres');
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
    }
    finally {
        await client.end().catch(() => undefined);
    }
}

;// CONCATENATED MODULE: ./lib/dr/retention.js
/**
 * Retention: sets older than N days are deleted, never the newest verified
 * one (a set with a valid manifest, which is written only after every
 * component verified). Only names this tool gives its sets are ever touched;
 * an incomplete set within the window is left alone (it may be running).
 */



const DAY_MS = 86_400_000;
function planRetention(sets, now, retentionDays) {
    const cutoff = now.getTime() - retentionDays * DAY_MS;
    const newestVerified = sets
        .filter((s) => s.verified)
        .reduce((best, s) => (!best || s.createdAt > best.createdAt ? s : best), undefined);
    return [...sets]
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
        .map((s) => {
        if (s === newestVerified)
            return { ...s, action: 'keep', reason: 'newest verified set (always kept)' };
        if (s.createdAt.getTime() >= cutoff) {
            return { ...s, action: 'keep', reason: s.verified ? `within ${retentionDays} days` : `incomplete but within ${retentionDays} days (may still be running)` };
        }
        return { ...s, action: 'delete', reason: `${s.verified ? '' : 'incomplete, '}older than ${retentionDays} days` };
    });
}
/** Local sets: directories named cdc-recon-<UTC timestamp> directly under `dir`. */
async function listLocalSets(dir) {
    let entries;
    try {
        entries = await (0,promises_.readdir)(dir, { withFileTypes: true });
    }
    catch (err) {
        if (err.code === 'ENOENT')
            return [];
        throw err;
    }
    const out = [];
    for (const e of entries) {
        if (!e.isDirectory() || !e.name.startsWith(dr_manifest/* SET_PREFIX */.eA))
            continue;
        const fromName = (0,dr_manifest/* parseSetId */.h_)(e.name);
        if (!fromName)
            continue;
        try {
            const m = await (0,dr_manifest/* readManifest */.WI)((0,external_node_path_.join)(dir, e.name));
            out.push({ id: e.name, createdAt: new Date(m.createdAt), verified: true });
        }
        catch {
            out.push({ id: e.name, createdAt: fromName, verified: false });
        }
    }
    return out;
}
/** The newest set with a valid manifest in `dir`, or undefined. */
async function newestVerifiedLocal(dir) {
    const sets = (await listLocalSets(dir)).filter((s) => s.verified).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    return sets[0] ? join(dir, sets[0].id) : undefined;
}
async function applyLocalRetention(dir, options) {
    const decisions = planRetention(await listLocalSets(dir), options.now ?? new Date(), options.retentionDays);
    if (!options.dryRun) {
        for (const d of decisions.filter((x) => x.action === 'delete')) {
            // Manifest first: a set interrupted mid-delete must look incomplete.
            await (0,promises_.rm)((0,external_node_path_.join)(dir, d.id, dr_manifest/* MANIFEST_FILE */.h1), { force: true });
            await (0,promises_.rm)((0,external_node_path_.join)(dir, d.id), { recursive: true, force: true });
        }
    }
    return decisions;
}
async function applyS3Retention(store, options) {
    const remote = await store.listSets();
    const sets = remote
        .filter((r) => r.setId.startsWith(dr_manifest/* SET_PREFIX */.eA) && r.createdAt)
        .map((r) => ({ id: r.setId, createdAt: r.createdAt, verified: r.hasManifest }));
    const decisions = planRetention(sets, options.now ?? new Date(), options.retentionDays);
    if (!options.dryRun) {
        for (const d of decisions.filter((x) => x.action === 'delete'))
            await store.deleteSet(d.id);
    }
    return decisions;
}

// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-s3/dist-cjs/index.js
var dist_cjs = __webpack_require__(53711);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/lib-storage/dist-cjs/index.js
var lib_storage_dist_cjs = __webpack_require__(22358);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(73024);
// EXTERNAL MODULE: external "node:stream/promises"
var external_node_stream_promises_ = __webpack_require__(46466);
;// CONCATENATED MODULE: ./lib/dr/s3.js
/**
 * Backup sets on S3 (or any S3-compatible store): streamed multipart uploads
 * with @aws-sdk/lib-storage (manifest.json last, so a set without it is
 * incomplete there too), streamed downloads, listing and deletion by prefix.
 * Credentials come from the SDK's default chain (env, profile, IMDS).
 */







/** s3://bucket/some/prefix -> { bucket, prefix: "some/prefix" } */
function parseS3Url(url) {
    const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
    if (!m)
        throw new Error(`not an s3:// URL: ${url}`);
    return { bucket: m[1], prefix: normPrefix(m[2] ?? '') };
}
function normPrefix(p) {
    return p.replace(/^\/+|\/+$/g, '');
}
class S3Store {
    options;
    client;
    bucket;
    prefix;
    constructor(options) {
        this.options = options;
        this.bucket = options.bucket;
        this.prefix = normPrefix(options.prefix);
        this.client =
            options.client ??
                new dist_cjs.S3Client({
                    region: options.region,
                    ...(options.endpoint
                        ? {
                            endpoint: options.endpoint,
                            forcePathStyle: true,
                            // S3-compatible stores often lack the newer default CRC checksums.
                            requestChecksumCalculation: 'WHEN_REQUIRED',
                            responseChecksumValidation: 'WHEN_REQUIRED',
                        }
                        : {}),
                });
    }
    key(...parts) {
        return [this.prefix, ...parts].filter(Boolean).join('/');
    }
    url(setId) {
        return `s3://${this.bucket}/${setId ? this.key(setId) : this.prefix}`;
    }
    async uploadFile(localPath, key) {
        const up = new lib_storage_dist_cjs/* Upload */._({
            client: this.client,
            params: { Bucket: this.bucket, Key: key, Body: (0,external_node_fs_.createReadStream)(localPath) },
            partSize: this.options.partSize ?? 8 * 1024 * 1024,
            queueSize: 4,
        });
        await up.done();
    }
    /** Uploads every file of a local set, manifest.json last. */
    async uploadSet(localDir, setId) {
        const files = await (0,dr_manifest/* listFiles */.CS)(localDir);
        if (!files.includes(dr_manifest/* MANIFEST_FILE */.h1))
            throw new Error(`${localDir} has no ${dr_manifest/* MANIFEST_FILE */.h1}: refusing to upload an incomplete set`);
        const ordered = [...files.filter((f) => f !== dr_manifest/* MANIFEST_FILE */.h1), dr_manifest/* MANIFEST_FILE */.h1];
        for (const rel of ordered)
            await this.uploadFile((0,dr_manifest/* resolveInSet */.iC)(localDir, rel), this.key(setId, rel));
        return { files: ordered.length };
    }
    async listObjects(prefix) {
        const out = [];
        let token;
        do {
            const res = await this.client.send(new dist_cjs.ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
            out.push(...(res.Contents ?? []));
            token = res.IsTruncated ? res.NextContinuationToken : undefined;
        } while (token);
        return out;
    }
    /** Sets under the prefix, grouped by their first path segment. */
    async listSets() {
        const base = this.prefix ? `${this.prefix}/` : '';
        const sets = new Map();
        for (const o of await this.listObjects(base)) {
            const rest = (o.Key ?? '').slice(base.length);
            const slash = rest.indexOf('/');
            if (slash <= 0)
                continue;
            const setId = rest.slice(0, slash);
            const rel = rest.slice(slash + 1);
            const s = sets.get(setId) ?? { setId, createdAt: (0,dr_manifest/* parseSetId */.h_)(setId), hasManifest: false, keys: [], bytes: 0 };
            s.keys.push(o.Key);
            s.bytes += o.Size ?? 0;
            if (rel === dr_manifest/* MANIFEST_FILE */.h1)
                s.hasManifest = true;
            sets.set(setId, s);
        }
        return [...sets.values()].sort((a, b) => a.setId.localeCompare(b.setId));
    }
    /** Streams every object of a set to `localDir` (manifest paths are checked against escaping the dir). */
    async downloadSet(setId, localDir) {
        const base = `${this.key(setId)}/`;
        const objects = await this.listObjects(base);
        if (objects.length === 0)
            throw new Error(`no backup set at ${this.url(setId)}`);
        let bytes = 0;
        for (const o of objects) {
            const rel = o.Key.slice(base.length);
            const dest = (0,dr_manifest/* resolveInSet */.iC)(localDir, rel);
            await (0,promises_.mkdir)((0,external_node_path_.dirname)(dest), { recursive: true });
            const res = await this.client.send(new dist_cjs.GetObjectCommand({ Bucket: this.bucket, Key: o.Key }));
            await (0,external_node_stream_promises_.pipeline)(res.Body, (0,external_node_fs_.createWriteStream)(dest));
            bytes += o.Size ?? 0;
        }
        return { files: objects.length, bytes };
    }
    async deleteSet(setId) {
        const keys = (await this.listObjects(`${this.key(setId)}/`)).map((o) => o.Key);
        // Manifest first: a half-deleted set must not look complete.
        keys.sort((a, b) => Number(b.endsWith(`/${dr_manifest/* MANIFEST_FILE */.h1}`)) - Number(a.endsWith(`/${dr_manifest/* MANIFEST_FILE */.h1}`)));
        for (let i = 0; i < keys.length; i += 1000) {
            const batch = keys.slice(i, i + 1000);
            const res = await this.client.send(new dist_cjs.DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }));
            if (res.Errors?.length)
                throw new Error(`S3 delete of ${setId} failed for ${res.Errors.length} object(s): ${res.Errors[0]?.Message ?? ''}`);
        }
        return keys.length;
    }
}

// EXTERNAL MODULE: ./lib/version.js
var version = __webpack_require__(13411);
;// CONCATENATED MODULE: ./lib/dr/backup.js
/**
 * One backup run: a new set directory named by its UTC start time, each
 * configured component in turn, manifest.json last, then local retention,
 * optional S3 upload (+ retention by prefix) and backup metrics. Any failed
 * component fails the run with a clear message and removes the partial set,
 * so no half set can ever look complete.
 */















class BackupError extends Error {
    components;
    metrics;
    name = 'BackupError';
    constructor(message, components, metrics = []) {
        super(message);
        this.components = components;
        this.metrics = metrics;
    }
}
function configuredComponents(config) {
    return dr_config.COMPONENTS.filter((c) => (c === 'postgres' ? config.postgres : c === 'mssql' ? config.mssql : config.kafkaConnect));
}
function resolveComponents(config, requested) {
    const configured = configuredComponents(config);
    const wanted = requested && requested.length ? requested : configured;
    const missing = wanted.filter((c) => !configured.includes(c));
    if (missing.length)
        throw new errors/* ConfigError */.xL(`component(s) ${missing.join(', ')} requested but not configured under backup:`);
    if (wanted.length === 0)
        throw new errors/* ConfigError */.xL('nothing to back up: configure backup.postgres, backup.mssql or backup.kafkaConnect');
    return dr_config.COMPONENTS.filter((c) => wanted.includes(c));
}
function s3StoreFor(config, env, overrides = {}) {
    const bucket = overrides.bucket ?? config.s3?.bucket;
    if (!bucket)
        return undefined;
    const endpointEnv = config.s3?.endpointEnv;
    return new S3Store({
        bucket,
        prefix: overrides.prefix ?? config.s3?.prefix ?? 'cdc-recon',
        region: config.s3?.region ?? env.AWS_REGION ?? 'us-east-1',
        endpoint: endpointEnv ? (0,load_config.requireEnv)(endpointEnv, env) : undefined,
    });
}
/** When each component last had a complete, verified set in `root` (for failure metrics). */
async function previousSuccesses(root) {
    const out = new Map();
    for (const s of (await listLocalSets(root).catch(() => [])).filter((x) => x.verified)) {
        try {
            const m = await (0,dr_manifest/* readManifest */.WI)((0,external_node_path_.join)(root, s.id));
            for (const c of dr_config.COMPONENTS) {
                const prev = out.get(c);
                if (m.components[c] && (!prev || s.createdAt > prev))
                    out.set(c, s.createdAt);
            }
        }
        catch {
            /* unreadable: ignore */
        }
    }
    return out;
}
/**
 * backup_* metrics of this run. A failed run removed its set, so every
 * component of it is a failure (even one whose own step had finished), and
 * keeps the time of its last complete set as its last success.
 */
async function publishMetrics(outcomes, options, env, failedRun) {
    const url = options.pushgatewayUrl ?? env.PUSHGATEWAY_URL;
    if (!url && !options.metricsTextfile)
        return [];
    const metrics = (0,observability_metrics/* createMetrics */.QG)();
    const previous = failedRun ? await previousSuccesses(failedRun.root) : new Map();
    for (const o of outcomes) {
        if (failedRun) {
            metrics.recordBackup({ component: o.component, status: 'failure', durationSeconds: o.durationMs / 1000, previousSuccessAt: previous.get(o.component) });
        }
        else {
            metrics.recordBackup({ component: o.component, status: 'success', durationSeconds: o.durationMs / 1000, sizeBytes: o.bytes });
        }
    }
    const sinks = [];
    if (url)
        sinks.push(await (0,observability_metrics/* pushMetrics */.U6)(metrics.registry, url, { job: 'cdc-recon-backup' }));
    if (options.metricsTextfile)
        sinks.push(await (0,observability_metrics/* writeTextfile */.X1)(metrics.registry, options.metricsTextfile));
    return sinks;
}
async function runBackup(options) {
    const env = options.env ?? process.env;
    const log = options.logger ?? logger/* silentLogger */.qq;
    const config = options.config;
    const secrets = (0,redact/* secretsFromConfig */.A3)(config, env);
    const redactor = (0,redact/* createRedactor */.lY)(secrets);
    const components = resolveComponents(config, options.components);
    const runStart = Date.now();
    const started = new Date((options.now ?? (() => new Date()))());
    const setId = (0,dr_manifest/* setIdFor */.pW)(started);
    // Resolve the S3 target first: a missing endpoint variable fails before any work.
    const store = s3StoreFor(config, env, { bucket: options.s3Bucket, prefix: options.s3Prefix });
    const root = (0,external_node_path_.resolve)(options.outDir ?? config.dir);
    const setDir = (0,external_node_path_.join)(root, setId);
    await (0,promises_.mkdir)(root, { recursive: true });
    await (0,promises_.mkdir)(setDir); // fails if it exists: never write into another set
    const outcomes = components.map((c) => ({ component: c, status: 'skipped', durationMs: 0, bytes: 0 }));
    const files = [];
    const parts = {};
    for (const outcome of outcomes) {
        const t0 = Date.now();
        const c = outcome.component;
        log.info('backup component starting', { component: c, setId });
        try {
            if (c === 'postgres') {
                const pgCfg = config.postgres;
                const r = await backupPostgres({ url: (0,load_config.requireEnv)(pgCfg.urlEnv, env), config: pgCfg, setDir, secrets });
                parts.postgres = r.manifest;
                files.push(...r.files);
                outcome.bytes = r.files.reduce((n, f) => n + f.size, 0);
            }
            else if (c === 'mssql') {
                const msCfg = config.mssql;
                const runner = await (options.mssqlRunner ?? createMssqlRunner)((0,load_config.requireEnv)(msCfg.urlEnv, env));
                try {
                    const r = await backupMssql({ runner, config: msCfg, setDir, setId, secrets });
                    parts.mssql = r.manifest;
                    files.push(...r.files);
                    outcome.bytes = r.files.reduce((n, f) => n + f.size, 0);
                }
                finally {
                    await runner.close().catch(() => undefined);
                }
            }
            else {
                const kc = config.kafkaConnect;
                const url = kc.urlEnv ? (0,load_config.requireEnv)(kc.urlEnv, env) : kc.url;
                const r = await (0,kafka_connect/* backupKafkaConnect */.z2)({ client: new kafka_connect/* KafkaConnectClient */.C9(url), setDir, include: kc.connectors });
                parts['kafka-connect'] = r.manifest;
                files.push(...r.files);
                outcome.bytes = r.files.reduce((n, f) => n + f.size, 0);
            }
            outcome.status = 'success';
            outcome.durationMs = Date.now() - t0;
            log.info('backup component done', { component: c, durationMs: outcome.durationMs, bytes: outcome.bytes });
        }
        catch (err) {
            outcome.status = 'failure';
            outcome.durationMs = Date.now() - t0;
            outcome.error = redactor((0,errors/* errorMessage */.gJ)(err));
            await (0,promises_.rm)(setDir, { recursive: true, force: true });
            const metrics = await publishMetrics(outcomes, options, env, { root });
            log.error('backup failed', { component: c, error: outcome.error });
            throw new BackupError(`backup failed at ${c}: ${outcome.error} (the partial set ${setId} was removed; no manifest was written)`, outcomes, metrics);
        }
    }
    const manifest = {
        formatVersion: dr_manifest/* MANIFEST_FORMAT */.Sn,
        kind: 'cdc-recon-backup-set',
        setId,
        createdAt: started.toISOString(),
        completedAt: new Date().toISOString(),
        tool: { name: 'cdc-recon', version: version/* TOOL_VERSION */.w },
        verified: true,
        components: parts,
        files,
    };
    await (0,dr_manifest/* writeManifest */.HN)(setDir, manifest);
    log.info('backup set complete', { setId, files: files.length });
    const retentionDays = options.retentionDays ?? config.retentionDays;
    const retention = await applyLocalRetention(root, { retentionDays, now: started });
    let s3;
    if (store) {
        try {
            const up = await store.uploadSet(setDir, setId);
            const r = await applyS3Retention(store, { retentionDays, now: started });
            s3 = { url: store.url(setId), files: up.files, retention: r };
        }
        catch (err) {
            const metrics = await publishMetrics(outcomes, options, env);
            throw new BackupError(`backup set ${setId} is complete locally at ${setDir}, but the S3 upload to ${store.url(setId)} failed: ${redactor((0,errors/* errorMessage */.gJ)(err))}`, outcomes, metrics);
        }
    }
    const metrics = await publishMetrics(outcomes, options, env);
    return { setId, setDir, manifest, durationMs: Date.now() - runStart, components: outcomes, retention, s3, metrics };
}


/***/ }),

/***/ 62127:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   loadBackupConfig: () => (/* binding */ loadBackupConfig),
/* harmony export */   parseBackupConfig: () => (/* binding */ parseBackupConfig),
/* harmony export */   requireEnv: () => (/* binding */ requireEnv)
/* harmony export */ });
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(73024);
/* harmony import */ var yaml__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(38815);
/* harmony import */ var _util_errors_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(99661);
/* harmony import */ var _config_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(28382);
/* harmony import */ var _util_redact_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(45171);
/**
 * Reads the project's YAML file and validates only its `backup:` section
 * (the main config loader in src/config/ owns the rest).
 */





function issuePath(path) {
    return ['backup', ...path.map(String)].join('.');
}
function parseBackupConfig(value, file) {
    const res = _config_js__WEBPACK_IMPORTED_MODULE_3__.backupConfigSchema.safeParse(value ?? {});
    if (!res.success) {
        const issues = res.error.issues.map((i) => `${issuePath(i.path)}: ${i.message}`);
        throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .ConfigError */ .xL(`${file}: invalid backup config:\n  ${issues.join('\n  ')}`, file, issues);
    }
    return res.data;
}
function loadBackupConfig(file) {
    let doc;
    try {
        doc = (0,yaml__WEBPACK_IMPORTED_MODULE_1__.parse)((0,node_fs__WEBPACK_IMPORTED_MODULE_0__.readFileSync)(file, 'utf8'));
    }
    catch (err) {
        throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .ConfigError */ .xL(`${file}: cannot read YAML: ${err.message}`, file);
    }
    const section = doc && typeof doc === 'object' ? doc.backup : undefined;
    const cfg = parseBackupConfig(section, file);
    // Everything the config points at is a secret from here on (logger redaction).
    for (const name of (0,_config_js__WEBPACK_IMPORTED_MODULE_3__.secretEnvNames)(cfg))
        (0,_util_redact_js__WEBPACK_IMPORTED_MODULE_4__/* .registerSecret */ .cl)(process.env[name]);
    return cfg;
}
/** The value of a required env var, or a clear error naming it (never its value). */
function requireEnv(name, env = process.env) {
    const v = env[name];
    if (!v)
        throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .ConfigError */ .xL(`environment variable ${name} is not set (named by the backup config)`);
    return v;
}


/***/ })

};
