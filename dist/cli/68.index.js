export const id = 68;
export const ids = [68];
export const modules = {

/***/ 33653:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Ey: () => (/* binding */ buildFileListStatement),
/* harmony export */   Pc: () => (/* binding */ buildDatabaseExistsStatement),
/* harmony export */   VO: () => (/* binding */ serverPathJoin),
/* harmony export */   YG: () => (/* binding */ buildCdcJobStatements),
/* harmony export */   du: () => (/* binding */ createMssqlRunner),
/* harmony export */   gZ: () => (/* binding */ buildRestoreStatement),
/* harmony export */   jt: () => (/* binding */ backupMssql),
/* harmony export */   nH: () => (/* binding */ fillCommand),
/* harmony export */   tu: () => (/* binding */ quoteMssqlIdent)
/* harmony export */ });
/* unused harmony exports buildBackupStatement, buildVerifyStatement, moveTargets, SERVER_INFO_SQL, buildDatabaseInfoStatement, buildRowCountStatement, backupFileName, mssqlConnectionConfig */
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(51455);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(76760);
/* harmony import */ var _manifest_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(14955);
/* harmony import */ var _proc_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(12772);
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
    const localPath = (0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(options.setDir, 'mssql', file);
    const [info] = await runner.query(SERVER_INFO_SQL);
    const [db] = await runner.query(buildDatabaseInfoStatement(config.database));
    if (!db)
        throw new Error(`SQL Server database ${config.database} does not exist`);
    const counts = await runner.query(buildRowCountStatement(config.database));
    const backup = buildBackupStatement(config.database, serverPath);
    const verify = buildVerifyStatement(serverPath);
    await runner.query(backup, { timeoutMs: 0 });
    await runner.query(verify, { timeoutMs: 0 });
    await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.mkdir)((0,node_path__WEBPACK_IMPORTED_MODULE_1__.dirname)(localPath), { recursive: true });
    await (0,_proc_js__WEBPACK_IMPORTED_MODULE_3__/* .run */ .eF)(config.copyCommand[0], fillCommand(config.copyCommand.slice(1), { serverPath, localPath }), { secrets: options.secrets });
    const files = await (0,_manifest_js__WEBPACK_IMPORTED_MODULE_2__/* .describeFiles */ .LG)(options.setDir, [rel], 'mssql');
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


/***/ }),

/***/ 14528:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Z$: () => (/* binding */ toolConnection),
/* harmony export */   kR: () => (/* binding */ withDatabase),
/* harmony export */   zJ: () => (/* binding */ databaseOf)
/* harmony export */ });
/* unused harmony export parsePgUrl */
/* harmony import */ var _util_errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(99661);
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
        throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .ConfigError */ .xL('the PostgreSQL connection must be a postgres:// URL');
    }
    if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
        throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .ConfigError */ .xL(`the PostgreSQL connection must be a postgres:// URL, not ${u.protocol}`);
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


/***/ }),

/***/ 72426:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   sh: () => (/* binding */ backupPostgres),
/* harmony export */   yD: () => (/* binding */ pgTool)
/* harmony export */ });
/* unused harmony exports toolVersion, pgDumpArgs, parseToc, tocHasTableData, listArchive */
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(51455);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(76760);
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(83849);
/* harmony import */ var _manifest_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(14955);
/* harmony import */ var _pg_conn_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(14528);
/* harmony import */ var _proc_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(12772);
/* harmony import */ var _postgres_stats_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(55001);
/**
 * PostgreSQL backup: pg_dump in custom format (-Fc) or directory format with
 * parallel jobs (-Fd -j), taken from a snapshot exported by a REPEATABLE READ
 * transaction in which the per-table counts and content hashes are computed
 * too, so the manifest's figures describe exactly the dumped data. Then
 * `pg_restore --list` proves the archive reads and holds every table's data.
 */







function pgTool(name, binDir) {
    return binDir ? (0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(binDir, name) : name;
}
async function toolVersion(bin) {
    const r = await (0,_proc_js__WEBPACK_IMPORTED_MODULE_5__/* .run */ .eF)(bin, ['--version']);
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
    const r = await (0,_proc_js__WEBPACK_IMPORTED_MODULE_5__/* .run */ .eF)(pgTool('pg_restore', binDir), ['--list', path]);
    return parseToc(r.stdout);
}
async function backupPostgres(options) {
    const started = Date.now();
    const { config, setDir } = options;
    const conn = (0,_pg_conn_js__WEBPACK_IMPORTED_MODULE_4__/* .toolConnection */ .Z$)(options.url);
    const rel = options.name ?? (config.format === 'custom' ? 'postgres/database.dump' : 'postgres/database.dir');
    const out = (0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(setDir, ...rel.split('/'));
    const secrets = [...(options.secrets ?? []), options.url, ...(conn.password ? [conn.password] : [])];
    const pgDump = pgTool('pg_dump', config.binDir);
    const pgDumpVersion = await toolVersion(pgDump);
    const client = new pg__WEBPACK_IMPORTED_MODULE_2__["default"].Client({ connectionString: options.url, application_name: 'cdc-recon-backup' });
    client.on('error', () => undefined);
    await client.connect();
    try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
        const info = await client.query(`SELECT current_setting('server_version') AS version, current_database() AS db, pg_export_snapshot() AS snapshot,
              pg_encoding_to_char(d.encoding) AS encoding, d.datcollate AS collate, d.datctype AS ctype
       FROM pg_database d WHERE d.datname = current_database()`);
        const { version, db, snapshot, encoding, collate, ctype } = info.rows[0];
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.mkdir)((0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(setDir, 'postgres'), { recursive: true });
        // pg_dump imports our snapshot; the counts run in the same snapshot meanwhile.
        const dump = (0,_proc_js__WEBPACK_IMPORTED_MODULE_5__/* .run */ .eF)(pgDump, pgDumpArgs({ format: config.format, jobs: config.jobs, file: out, snapshot, dbname: conn.dbname }), {
            env: conn.env,
            secrets,
        });
        const statsP = (async () => (0,_postgres_stats_js__WEBPACK_IMPORTED_MODULE_6__/* .tableStats */ .k6)(client, await (0,_postgres_stats_js__WEBPACK_IMPORTED_MODULE_6__/* .listUserTables */ .lT)(client), config))();
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
        const paths = config.format === 'custom' ? [rel] : (await (0,_manifest_js__WEBPACK_IMPORTED_MODULE_3__/* .listFiles */ .CS)(out)).map((p) => `${rel}/${p}`);
        const files = await (0,_manifest_js__WEBPACK_IMPORTED_MODULE_3__/* .describeFiles */ .LG)(setDir, paths, 'postgres');
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


/***/ }),

/***/ 55001:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   _H: () => (/* binding */ checksumSql),
/* harmony export */   eA: () => (/* binding */ countSql),
/* harmony export */   f0: () => (/* binding */ compareStats),
/* harmony export */   hI: () => (/* binding */ applyStableOutput),
/* harmony export */   k6: () => (/* binding */ tableStats),
/* harmony export */   lT: () => (/* binding */ listUserTables)
/* harmony export */ });
/* unused harmony exports STABLE_OUTPUT_SETTINGS, LIST_TABLES_SQL */
/* harmony import */ var _dialects_postgres_quote_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(2055);

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
    return `SELECT count(*)::int8 AS n FROM ${(0,_dialects_postgres_quote_js__WEBPACK_IMPORTED_MODULE_0__/* .quoteIdent */ .v)(t.schema)}.${(0,_dialects_postgres_quote_js__WEBPACK_IMPORTED_MODULE_0__/* .quoteIdent */ .v)(t.name)}`;
}
function checksumSql(t) {
    const rel = `${(0,_dialects_postgres_quote_js__WEBPACK_IMPORTED_MODULE_0__/* .quoteIdent */ .v)(t.schema)}.${(0,_dialects_postgres_quote_js__WEBPACK_IMPORTED_MODULE_0__/* .quoteIdent */ .v)(t.name)}`;
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


/***/ }),

/***/ 12772:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   K7: () => (/* binding */ which),
/* harmony export */   eF: () => (/* binding */ run)
/* harmony export */ });
/* unused harmony export CommandError */
/* harmony import */ var node_child_process__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(31421);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(51455);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(76760);
/* harmony import */ var _redact_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(16557);
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
    const redactor = (0,_redact_js__WEBPACK_IMPORTED_MODULE_3__/* .createRedactor */ .lY)(options.secrets ?? []);
    const max = options.maxStdout ?? 64 * 1024 * 1024;
    return new Promise((resolve, reject) => {
        const child = (0,node_child_process__WEBPACK_IMPORTED_MODULE_0__.spawn)(cmd, args, {
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
    const dirs = dir ? [dir] : (env.PATH ?? '').split(node_path__WEBPACK_IMPORTED_MODULE_2__.delimiter).filter(Boolean);
    for (const d of dirs) {
        const p = (0,node_path__WEBPACK_IMPORTED_MODULE_2__.join)(d, name);
        try {
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.access)(p, node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.constants.X_OK);
            return p;
        }
        catch {
            /* next */
        }
    }
    return undefined;
}


/***/ }),

/***/ 46308:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   BA: () => (/* binding */ applyS3Retention),
/* harmony export */   Kk: () => (/* binding */ applyLocalRetention),
/* harmony export */   UX: () => (/* binding */ listLocalSets),
/* harmony export */   eT: () => (/* binding */ newestVerifiedLocal)
/* harmony export */ });
/* unused harmony export planRetention */
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(51455);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(76760);
/* harmony import */ var _manifest_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(14955);
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
        entries = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.readdir)(dir, { withFileTypes: true });
    }
    catch (err) {
        if (err.code === 'ENOENT')
            return [];
        throw err;
    }
    const out = [];
    for (const e of entries) {
        if (!e.isDirectory() || !e.name.startsWith(_manifest_js__WEBPACK_IMPORTED_MODULE_2__/* .SET_PREFIX */ .eA))
            continue;
        const fromName = (0,_manifest_js__WEBPACK_IMPORTED_MODULE_2__/* .parseSetId */ .h_)(e.name);
        if (!fromName)
            continue;
        try {
            const m = await (0,_manifest_js__WEBPACK_IMPORTED_MODULE_2__/* .readManifest */ .WI)((0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(dir, e.name));
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
    return sets[0] ? (0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(dir, sets[0].id) : undefined;
}
async function applyLocalRetention(dir, options) {
    const decisions = planRetention(await listLocalSets(dir), options.now ?? new Date(), options.retentionDays);
    if (!options.dryRun) {
        for (const d of decisions.filter((x) => x.action === 'delete')) {
            // Manifest first: a set interrupted mid-delete must look incomplete.
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.rm)((0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(dir, d.id, _manifest_js__WEBPACK_IMPORTED_MODULE_2__/* .MANIFEST_FILE */ .h1), { force: true });
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.rm)((0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(dir, d.id), { recursive: true, force: true });
        }
    }
    return decisions;
}
async function applyS3Retention(store, options) {
    const remote = await store.listSets();
    const sets = remote
        .filter((r) => r.setId.startsWith(_manifest_js__WEBPACK_IMPORTED_MODULE_2__/* .SET_PREFIX */ .eA) && r.createdAt)
        .map((r) => ({ id: r.setId, createdAt: r.createdAt, verified: r.hasManifest }));
    const decisions = planRetention(sets, options.now ?? new Date(), options.retentionDays);
    if (!options.dryRun) {
        for (const d of decisions.filter((x) => x.action === 'delete'))
            await store.deleteSet(d.id);
    }
    return decisions;
}


/***/ }),

/***/ 89766:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   F$: () => (/* binding */ parseS3Url),
/* harmony export */   sl: () => (/* binding */ S3Store)
/* harmony export */ });
/* unused harmony export normPrefix */
/* harmony import */ var _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(53711);
/* harmony import */ var _aws_sdk_lib_storage__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(22358);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(73024);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(51455);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(76760);
/* harmony import */ var node_stream_promises__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(46466);
/* harmony import */ var _manifest_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(14955);
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
                new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_6__.S3Client({
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
        const up = new _aws_sdk_lib_storage__WEBPACK_IMPORTED_MODULE_0__/* .Upload */ ._({
            client: this.client,
            params: { Bucket: this.bucket, Key: key, Body: (0,node_fs__WEBPACK_IMPORTED_MODULE_1__.createReadStream)(localPath) },
            partSize: this.options.partSize ?? 8 * 1024 * 1024,
            queueSize: 4,
        });
        await up.done();
    }
    /** Uploads every file of a local set, manifest.json last. */
    async uploadSet(localDir, setId) {
        const files = await (0,_manifest_js__WEBPACK_IMPORTED_MODULE_5__/* .listFiles */ .CS)(localDir);
        if (!files.includes(_manifest_js__WEBPACK_IMPORTED_MODULE_5__/* .MANIFEST_FILE */ .h1))
            throw new Error(`${localDir} has no ${_manifest_js__WEBPACK_IMPORTED_MODULE_5__/* .MANIFEST_FILE */ .h1}: refusing to upload an incomplete set`);
        const ordered = [...files.filter((f) => f !== _manifest_js__WEBPACK_IMPORTED_MODULE_5__/* .MANIFEST_FILE */ .h1), _manifest_js__WEBPACK_IMPORTED_MODULE_5__/* .MANIFEST_FILE */ .h1];
        for (const rel of ordered)
            await this.uploadFile((0,_manifest_js__WEBPACK_IMPORTED_MODULE_5__/* .resolveInSet */ .iC)(localDir, rel), this.key(setId, rel));
        return { files: ordered.length };
    }
    async listObjects(prefix) {
        const out = [];
        let token;
        do {
            const res = await this.client.send(new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_6__.ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
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
            const s = sets.get(setId) ?? { setId, createdAt: (0,_manifest_js__WEBPACK_IMPORTED_MODULE_5__/* .parseSetId */ .h_)(setId), hasManifest: false, keys: [], bytes: 0 };
            s.keys.push(o.Key);
            s.bytes += o.Size ?? 0;
            if (rel === _manifest_js__WEBPACK_IMPORTED_MODULE_5__/* .MANIFEST_FILE */ .h1)
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
            const dest = (0,_manifest_js__WEBPACK_IMPORTED_MODULE_5__/* .resolveInSet */ .iC)(localDir, rel);
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.mkdir)((0,node_path__WEBPACK_IMPORTED_MODULE_3__.dirname)(dest), { recursive: true });
            const res = await this.client.send(new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_6__.GetObjectCommand({ Bucket: this.bucket, Key: o.Key }));
            await (0,node_stream_promises__WEBPACK_IMPORTED_MODULE_4__.pipeline)(res.Body, (0,node_fs__WEBPACK_IMPORTED_MODULE_1__.createWriteStream)(dest));
            bytes += o.Size ?? 0;
        }
        return { files: objects.length, bytes };
    }
    async deleteSet(setId) {
        const keys = (await this.listObjects(`${this.key(setId)}/`)).map((o) => o.Key);
        // Manifest first: a half-deleted set must not look complete.
        keys.sort((a, b) => Number(b.endsWith(`/${_manifest_js__WEBPACK_IMPORTED_MODULE_5__/* .MANIFEST_FILE */ .h1}`)) - Number(a.endsWith(`/${_manifest_js__WEBPACK_IMPORTED_MODULE_5__/* .MANIFEST_FILE */ .h1}`)));
        for (let i = 0; i < keys.length; i += 1000) {
            const batch = keys.slice(i, i + 1000);
            const res = await this.client.send(new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_6__.DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }));
            if (res.Errors?.length)
                throw new Error(`S3 delete of ${setId} failed for ${res.Errors.length} object(s): ${res.Errors[0]?.Message ?? ''}`);
        }
        return keys.length;
    }
}


/***/ })

};
