export const id = 852;
export const ids = [852];
export const modules = {

/***/ 97852:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  DEFAULT_ENV: () => (/* reexport */ config/* DEFAULT_ENV */.Kf),
  RPO_TARGET_SECONDS: () => (/* binding */ RPO_TARGET_SECONDS),
  RTO_TARGET_SECONDS: () => (/* binding */ RTO_TARGET_SECONDS),
  RestoreError: () => (/* reexport */ RestoreError),
  renderRestoreMarkdown: () => (/* binding */ renderRestoreMarkdown),
  renderRestoreText: () => (/* binding */ renderRestoreText),
  runRestore: () => (/* binding */ runRestore)
});

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(51455);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(48161);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(76760);
// EXTERNAL MODULE: ./lib/util/errors.js
var errors = __webpack_require__(99661);
// EXTERNAL MODULE: ./lib/util/logger.js
var logger = __webpack_require__(91634);
// EXTERNAL MODULE: ./lib/dr/config.js
var config = __webpack_require__(28382);
// EXTERNAL MODULE: ./lib/dr/kafka-connect.js
var kafka_connect = __webpack_require__(31151);
// EXTERNAL MODULE: ./lib/dr/manifest.js + 1 modules
var dr_manifest = __webpack_require__(14955);
// EXTERNAL MODULE: ./lib/dr/offsets.js
var offsets = __webpack_require__(91686);
// EXTERNAL MODULE: ./node_modules/pg/esm/index.mjs
var esm = __webpack_require__(83849);
// EXTERNAL MODULE: ./lib/dialects/postgres/quote.js
var quote = __webpack_require__(2055);
// EXTERNAL MODULE: ./lib/dr/pg-conn.js
var pg_conn = __webpack_require__(14528);
// EXTERNAL MODULE: ./lib/dr/postgres-backup.js
var postgres_backup = __webpack_require__(72426);
// EXTERNAL MODULE: ./lib/dr/proc.js
var proc = __webpack_require__(12772);
// EXTERNAL MODULE: ./lib/dr/postgres-stats.js
var postgres_stats = __webpack_require__(55001);
;// CONCATENATED MODULE: ./lib/dr/postgres-restore.js
/**
 * PostgreSQL restore: always into a NEW scratch database, verified against
 * the manifest's per-table counts and content hashes. Only with `promote`
 * is it swapped in, in one transaction: the original is renamed to
 * <db>_pre_restore_<ts> (kept, not dropped) and the scratch takes its name.
 * Without `promote` the original database is never touched.
 */







class RestoreError extends Error {
    problems;
    name = 'RestoreError';
    constructor(message, problems = []) {
        super(problems.length ? `${message}:\n  ${problems.slice(0, 50).join('\n  ')}` : message);
        this.problems = problems;
    }
}
/** Compact UTC timestamp for database names: 20240131T020000Z -> 20240131020000. */
function nameStamp(d) {
    return d.toISOString().slice(0, 19).replace(/[-:T]/g, '');
}
/** `<base><suffix>` within PostgreSQL's 63-byte identifier limit (base is shortened). */
function boundedName(base, suffix) {
    let b = base;
    while (Buffer.byteLength(b + suffix) > 63)
        b = b.slice(0, -1);
    return b + suffix;
}
function planPostgresRestore(options) {
    const ts = nameStamp(options.now);
    const scratch = boundedName(options.target, `_restore_${ts}`);
    const preRestoreName = boundedName(options.target, `_pre_restore_${ts}`);
    const m = options.manifest;
    const steps = [
        `CREATE DATABASE ${(0,quote/* quoteIdent */.v)(scratch)} TEMPLATE template0${m.encoding ? ` ENCODING '${m.encoding}'` : ''}${m.collate ? ` LC_COLLATE '${m.collate}'` : ''}${m.ctype ? ` LC_CTYPE '${m.ctype}'` : ''}`,
        `pg_restore --exit-on-error${options.jobs > 1 ? ` --jobs=${options.jobs}` : ''}${options.noOwner ? ' --no-owner --no-acl' : ''} --dbname <${scratch}> ${m.dumpPath}`,
        `verify ${m.tables.length} table(s) in ${scratch} against the manifest (${m.verify === 'checksum' ? 'row counts and content hashes' : 'row counts'})`,
    ];
    if (options.promote) {
        steps.push(`${options.force ? 'terminate sessions connected to' : 'refuse if any session is connected to'} ${(0,quote/* quoteIdent */.v)(options.target)}`, `BEGIN; ALTER DATABASE ${(0,quote/* quoteIdent */.v)(options.target)} RENAME TO ${(0,quote/* quoteIdent */.v)(preRestoreName)}; ALTER DATABASE ${(0,quote/* quoteIdent */.v)(scratch)} RENAME TO ${(0,quote/* quoteIdent */.v)(options.target)}; COMMIT`);
    }
    else if (options.dropScratch) {
        steps.push(`DROP DATABASE ${(0,quote/* quoteIdent */.v)(scratch)} (drill: verified copy discarded; ${(0,quote/* quoteIdent */.v)(options.target)} untouched)`);
    }
    else {
        steps.push(`keep ${(0,quote/* quoteIdent */.v)(scratch)} for inspection; ${(0,quote/* quoteIdent */.v)(options.target)} untouched (pass --promote to swap it in)`);
    }
    return { target: options.target, scratch, preRestoreName, promote: options.promote, dropScratch: options.dropScratch, dump: m.dumpPath, steps };
}
async function withClient(url, fn) {
    const client = new esm["default"].Client({ connectionString: url, application_name: 'cdc-recon-restore' });
    client.on('error', () => undefined);
    await client.connect();
    try {
        return await fn(client);
    }
    finally {
        await client.end().catch(() => undefined);
    }
}
/** A connection for CREATE/ALTER/DROP DATABASE: the server's maintenance database, not the target. */
async function maintenanceUrl(url) {
    for (const db of ['postgres', 'template1']) {
        const u = (0,pg_conn/* withDatabase */.kR)(url, db);
        try {
            await withClient(u, async () => undefined);
            return u;
        }
        catch {
            /* try the next */
        }
    }
    throw new RestoreError('cannot connect to the PostgreSQL server (tried the postgres and template1 databases)');
}
async function databaseExists(adminUrl, name) {
    return withClient(adminUrl, async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
}
/** Counts / hashes in the restored database, for the tables the manifest lists. */
async function restoredStats(url, expected, verify) {
    return withClient(url, async (c) => {
        await (0,postgres_stats/* applyStableOutput */.hI)(c);
        const want = new Map(expected.map((t) => [`${t.schema}.${t.name}`, t]));
        const out = [];
        for (const t of await (0,postgres_stats/* listUserTables */.lT)(c)) {
            const e = want.get(`${t.schema}.${t.name}`);
            if (!e || !e.exact) {
                out.push({ schema: t.schema, name: t.name, rows: Math.max(0, Math.round(t.estimate)), exact: false });
                continue;
            }
            if (verify === 'checksum' && e.checksum) {
                const r = await c.query((0,postgres_stats/* checksumSql */._H)(t));
                out.push({ schema: t.schema, name: t.name, rows: Number(r.rows[0].n), exact: true, checksum: r.rows[0].checksum });
            }
            else {
                const r = await c.query((0,postgres_stats/* countSql */.eA)(t));
                out.push({ schema: t.schema, name: t.name, rows: Number(r.rows[0].n), exact: true });
            }
        }
        return out;
    });
}
/** Client sessions on database $1 other than ours (autovacuum workers are stopped by RENAME itself). */
const OTHER_CLIENTS = "pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'";
async function restorePostgres(options) {
    const { plan, manifest } = options;
    const admin = await maintenanceUrl(options.url);
    if (await databaseExists(admin, plan.scratch))
        throw new RestoreError(`scratch database ${plan.scratch} already exists; nothing was changed`);
    const enc = (s) => `'${s.replace(/'/g, "''")}'`;
    const create = `CREATE DATABASE ${(0,quote/* quoteIdent */.v)(plan.scratch)} TEMPLATE template0` +
        (manifest.encoding ? ` ENCODING ${enc(manifest.encoding)}` : '') +
        (manifest.collate ? ` LC_COLLATE ${enc(manifest.collate)}` : '') +
        (manifest.ctype ? ` LC_CTYPE ${enc(manifest.ctype)}` : '');
    await withClient(admin, (c) => c.query(create));
    const scratchUrl = (0,pg_conn/* withDatabase */.kR)(options.url, plan.scratch);
    const dropScratch = () => withClient(admin, (c) => c.query(`DROP DATABASE IF EXISTS ${(0,quote/* quoteIdent */.v)(plan.scratch)} WITH (FORCE)`));
    const t0 = Date.now();
    try {
        const conn = (0,pg_conn/* toolConnection */.Z$)(scratchUrl);
        const args = ['--exit-on-error', '--no-password'];
        if (options.jobs > 1)
            args.push(`--jobs=${options.jobs}`);
        if (options.noOwner)
            args.push('--no-owner', '--no-acl');
        args.push('--dbname', conn.dbname, (0,dr_manifest/* resolveInSet */.iC)(options.setDir, manifest.dumpPath));
        await (0,proc/* run */.eF)((0,postgres_backup/* pgTool */.yD)('pg_restore', options.binDir), args, { env: conn.env, secrets: [...(options.secrets ?? []), options.url] });
    }
    catch (err) {
        await dropScratch().catch(() => undefined);
        throw new RestoreError(`pg_restore into scratch database ${plan.scratch} failed (scratch dropped; ${plan.target} untouched): ${err.message}`);
    }
    const restoreMs = Date.now() - t0;
    const t1 = Date.now();
    const actual = await restoredStats(scratchUrl, manifest.tables, manifest.verify);
    const comparison = (0,postgres_stats/* compareStats */.f0)(manifest.tables, actual);
    const verifyMs = Date.now() - t1;
    if (!comparison.ok) {
        await dropScratch().catch(() => undefined);
        throw new RestoreError(`restored copy does not match the manifest (scratch ${plan.scratch} dropped; ${plan.target} untouched)`, comparison.problems);
    }
    const outcome = { plan, restoreMs, verifyMs, comparison, promoted: false, scratchKept: true, terminatedSessions: 0 };
    if (plan.promote) {
        await withClient(admin, async (c) => {
            const exists = (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [plan.target])).rowCount === 1;
            if (exists) {
                const sessions = await c.query(`SELECT pid FROM ${OTHER_CLIENTS}`, [plan.target]);
                if (sessions.rowCount && !options.force) {
                    throw new RestoreError(`${sessions.rowCount} session(s) are connected to ${plan.target}: stop them (e.g. pause the sink connectors) or pass --force to terminate them. The verified copy is kept as ${plan.scratch}; ${plan.target} untouched`);
                }
                if (sessions.rowCount) {
                    await c.query(`ALTER DATABASE ${(0,quote/* quoteIdent */.v)(plan.target)} WITH ALLOW_CONNECTIONS false`);
                    const t = await c.query(`SELECT pg_terminate_backend(pid) FROM ${OTHER_CLIENTS}`, [plan.target]);
                    outcome.terminatedSessions = t.rowCount ?? 0;
                    // Terminated backends leave pg_stat_activity asynchronously.
                    for (let i = 0; i < 100; i++) {
                        const left = await c.query(`SELECT 1 FROM ${OTHER_CLIENTS}`, [plan.target]);
                        if (!left.rowCount)
                            break;
                        await new Promise((r) => setTimeout(r, 100));
                    }
                }
                try {
                    await c.query('BEGIN');
                    await c.query(`ALTER DATABASE ${(0,quote/* quoteIdent */.v)(plan.target)} RENAME TO ${(0,quote/* quoteIdent */.v)(plan.preRestoreName)}`);
                    await c.query(`ALTER DATABASE ${(0,quote/* quoteIdent */.v)(plan.scratch)} RENAME TO ${(0,quote/* quoteIdent */.v)(plan.target)}`);
                    await c.query('COMMIT');
                }
                catch (err) {
                    await c.query('ROLLBACK').catch(() => undefined);
                    throw new RestoreError(`swap failed and was rolled back (${plan.target} untouched, verified copy kept as ${plan.scratch}): ${err.message}`);
                }
                finally {
                    if (sessions.rowCount) {
                        const name = (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [plan.preRestoreName])).rowCount ? plan.preRestoreName : plan.target;
                        await c.query(`ALTER DATABASE ${(0,quote/* quoteIdent */.v)(name)} WITH ALLOW_CONNECTIONS true`).catch(() => undefined);
                    }
                }
                outcome.previousRenamedTo = plan.preRestoreName;
            }
            else {
                await c.query(`ALTER DATABASE ${(0,quote/* quoteIdent */.v)(plan.scratch)} RENAME TO ${(0,quote/* quoteIdent */.v)(plan.target)}`);
            }
        });
        outcome.promoted = true;
        outcome.scratchKept = false;
    }
    else if (plan.dropScratch) {
        await dropScratch();
        outcome.scratchKept = false;
    }
    return outcome;
}

;// CONCATENATED MODULE: ./lib/dr/connect-restore.js
/**
 * Kafka Connect restore: re-create every saved connector (PUT config) and,
 * with `offsets`, stop it, write the saved offsets (PATCH) and resume it.
 * Connectors whose saved offsets cannot be used (see offsets.ts) get
 * snapshot.mode=when_needed and no offsets. Redacted secrets are resupplied
 * from the running connector's config or from CDC_RECON_SECRET_* env vars;
 * a connector whose secret cannot be resupplied is refused before anything
 * is changed.
 */





async function readSavedConnect(setDir, part) {
    return JSON.parse(await (0,promises_.readFile)((0,dr_manifest/* resolveInSet */.iC)(setDir, part.file), 'utf8'));
}
async function planConnectRestore(options) {
    const env = options.env ?? process.env;
    const connectors = [];
    const configs = new Map();
    const savedAt = new Date(options.saved.capturedAt);
    for (const [name, saved] of Object.entries(options.saved.connectors)) {
        const current = await options.client.config(name);
        const config = { ...saved.config };
        const secretSources = {};
        const missingSecrets = [];
        for (const key of saved.redactedKeys) {
            const envName = (0,kafka_connect/* secretEnvName */.ln)(name, key);
            if (current && current[key] !== undefined && current[key] !== kafka_connect/* REDACTED_VALUE */.Zv) {
                config[key] = current[key];
                secretSources[key] = 'running connector';
            }
            else if (env[envName]) {
                config[key] = env[envName];
                secretSources[key] = `env ${envName}`;
            }
            else
                missingSecrets.push(`${key} (set ${envName})`);
        }
        const assessment = (0,offsets/* assessOffsets */.vf)({
            connector: name,
            config,
            offsets: saved.offsets,
            savedAt,
            now: options.now,
            retentionMinutes: options.retentionMinutes,
            bounds: options.bounds,
        });
        const steps = [];
        if (assessment.action === 'resnapshot') {
            config['snapshot.mode'] = 'when_needed';
            steps.push(`PUT /connectors/${name}/config (snapshot.mode=when_needed; saved offsets NOT restored: ${assessment.reason})`);
        }
        else {
            steps.push(`PUT /connectors/${name}/config (${current ? 'update' : 'create'})`);
            if (options.offsets && assessment.action === 'restore-offsets') {
                steps.push(`PUT /connectors/${name}/stop`, `wait for STOPPED`, `PATCH /connectors/${name}/offsets (${saved.offsets.length} partition(s))`, `PUT /connectors/${name}/resume`);
            }
        }
        configs.set(name, config);
        connectors.push({ name, exists: Boolean(current), assessment, steps, secretSources, missingSecrets });
    }
    return { connectors, configs };
}
async function executeConnectRestore(options) {
    const missing = options.plan.connectors.filter((c) => c.missingSecrets.length);
    if (missing.length) {
        throw new RestoreError('connector secrets were redacted at backup time and cannot be resupplied (nothing was changed in Kafka Connect)', missing.map((c) => `${c.name}: ${c.missingSecrets.join(', ')}`));
    }
    const out = [];
    const { client } = options;
    for (const c of options.plan.connectors) {
        const config = options.plan.configs.get(c.name);
        const saved = options.saved.connectors[c.name];
        const writeOffsets = options.offsets && c.assessment.action === 'restore-offsets';
        if (writeOffsets && c.exists) {
            // Stop before the new config takes effect, so it never runs from wrong offsets.
            await client.stop(c.name);
        }
        await client.putConfig(c.name, config);
        let offsets = 'not-requested';
        if (c.assessment.action === 'resnapshot')
            offsets = 'resnapshot';
        else if (c.assessment.action === 'none')
            offsets = 'none-saved';
        if (writeOffsets) {
            await client.stop(c.name);
            await client.waitForState(c.name, 'STOPPED', options.stateTimeoutMs ?? 60_000);
            await client.patchOffsets(c.name, { offsets: saved.offsets });
            await client.resume(c.name);
            offsets = 'restored';
        }
        out.push({ name: c.name, action: c.exists ? 'updated' : 'created', offsets, reason: c.assessment.reason });
    }
    return out;
}

// EXTERNAL MODULE: ./lib/dr/load-config.js
var load_config = __webpack_require__(62127);
// EXTERNAL MODULE: ./lib/dr/mssql-backup.js
var mssql_backup = __webpack_require__(33653);
;// CONCATENATED MODULE: ./lib/dr/mssql-restore.js




/**
 * The CDC LSN range of a database. The oldest usable LSN is the newest of the
 * capture instances' minimums: below it, some table's changes are gone.
 */
function buildLsnBoundsStatement(database) {
    return {
        text: `EXEC ${(0,mssql_backup/* quoteMssqlIdent */.tu)(database)}.sys.sp_executesql N'SELECT ` +
            `CONVERT(VARCHAR(22), MAX(sys.fn_cdc_get_min_lsn(capture_instance)), 1) AS min_lsn, ` +
            `CONVERT(VARCHAR(22), sys.fn_cdc_get_max_lsn(), 1) AS max_lsn FROM cdc.change_tables'`,
        params: {},
    };
}
function planMssqlRestore(options) {
    const m = options.manifest;
    const database = options.target ?? m.database;
    const file = m.backupFile.split('/').pop();
    const serverPath = options.config ? (0,mssql_backup/* serverPathJoin */.VO)(options.config.serverBackupDir, file) : m.serverPath;
    const localFile = (0,dr_manifest/* resolveInSet */.iC)(options.setDir, m.backupFile);
    const upload = options.config?.uploadCommand ? (0,mssql_backup/* fillCommand */.nH)(options.config.uploadCommand, { serverPath, localPath: localFile }) : undefined;
    const keepCdc = m.cdcEnabled;
    const template = (0,mssql_backup/* buildRestoreStatement */.gZ)({
        database,
        serverPath,
        files: [{ LogicalName: '<logical>', PhysicalName: '<from FILELISTONLY>', Type: 'D' }],
        replace: options.force,
        keepCdc,
        dataDir: options.config?.restoreDataDir,
        logDir: options.config?.restoreLogDir,
    });
    const steps = [
        upload ? `copy the backup to the server: ${upload.join(' ')}` : `expects the backup at ${serverPath} on the server (no uploadCommand configured)`,
        `check ${(0,mssql_backup/* quoteMssqlIdent */.tu)(database)} ${options.force ? 'may exist (REPLACE, --force)' : 'does not exist (refuse otherwise; --force adds REPLACE)'}`,
        `${(0,mssql_backup/* buildFileListStatement */.Ey)(serverPath).text}  -- @path = ${serverPath}`,
        `${template.text.replace('MOVE @l0 TO @p0', 'MOVE @l<i> TO @p<i> for each file')}`,
    ];
    if (keepCdc)
        steps.push(...(0,mssql_backup/* buildCdcJobStatements */.YG)(database).map((s) => `${s.text} (if the job does not exist on this server)`));
    steps.push('read the CDC LSN range (sys.fn_cdc_get_min_lsn / fn_cdc_get_max_lsn) to judge saved connector offsets');
    return { database, serverPath, localFile, upload, replace: options.force, keepCdc, steps };
}
async function restoreMssql(options) {
    const { runner, plan } = options;
    const warnings = [];
    const [exists] = await runner.query((0,mssql_backup/* buildDatabaseExistsStatement */.Pc)(plan.database));
    if (exists?.id != null && !plan.replace) {
        throw new RestoreError(`SQL Server database ${plan.database} exists: restore under another --mssql-target, or pass --force to REPLACE it (nothing was changed)`);
    }
    if (plan.upload)
        await (0,proc/* run */.eF)(plan.upload[0], plan.upload.slice(1), { secrets: options.secrets });
    const files = await runner.query((0,mssql_backup/* buildFileListStatement */.Ey)(plan.serverPath));
    const restore = (0,mssql_backup/* buildRestoreStatement */.gZ)({
        database: plan.database,
        serverPath: plan.serverPath,
        files,
        replace: plan.replace,
        keepCdc: plan.keepCdc,
        dataDir: options.config?.restoreDataDir,
        logDir: options.config?.restoreLogDir,
    });
    await runner.query(restore, { timeoutMs: 0 });
    const statements = [restore];
    if (plan.keepCdc) {
        for (const s of (0,mssql_backup/* buildCdcJobStatements */.YG)(plan.database)) {
            statements.push(s);
            try {
                await runner.query(s);
            }
            catch (err) {
                warnings.push(`${s.text}: ${err.message} (the job probably exists already)`);
            }
        }
    }
    let bounds;
    if (plan.keepCdc) {
        const [b] = await runner.query(buildLsnBoundsStatement(plan.database));
        if (b?.min_lsn && b.max_lsn)
            bounds = { min: b.min_lsn, max: b.max_lsn };
    }
    return { statements, bounds, warnings };
}

// EXTERNAL MODULE: ./lib/dr/redact.js
var redact = __webpack_require__(16557);
// EXTERNAL MODULE: ./lib/dr/retention.js
var retention = __webpack_require__(46308);
// EXTERNAL MODULE: ./lib/dr/s3.js
var s3 = __webpack_require__(89766);
;// CONCATENATED MODULE: ./lib/dr/restore.js
/**
 * Restore a backup set. Order of business, whatever the components:
 *   1. fetch the set (local path or s3://…; `latest` picks the newest set that has a manifest);
 *   2. verify every file's size and sha256 against manifest.json — a set without
 *      a manifest, or with one bad byte, is refused before any database is touched;
 *   3. plan each component and, with dryRun, print the plan and stop;
 *   4. PostgreSQL into a scratch database, verified, swapped in only with promote;
 *      SQL Server with MOVE (REPLACE only with force, KEEP_CDC for a CDC source);
 *      Kafka Connect connectors re-created, offsets written only with `offsets`
 *      and only when they are still usable (otherwise snapshot.mode=when_needed).
 * The report gives timings (RTO) and the age of the set (RPO) against the targets.
 */


















/** Documented targets (mitigation plan 3.1). */
const RTO_TARGET_SECONDS = 2 * 3600;
const RPO_TARGET_SECONDS = 24 * 3600;

async function fetchSet(options, env) {
    if (options.set.startsWith('s3://')) {
        const loc = (0,s3/* parseS3Url */.F$)(options.set);
        const endpointEnv = options.config?.s3?.endpointEnv;
        const endpoint = options.s3Endpoint ?? (endpointEnv ? (0,load_config/* requireEnv */.tr)(endpointEnv, env) : undefined);
        const region = options.config?.s3?.region ?? env.AWS_REGION ?? 'us-east-1';
        let store;
        let setId;
        if (options.latest) {
            store = new s3/* S3Store */.sl({ bucket: loc.bucket, prefix: loc.prefix, region, endpoint });
            const sets = (await store.listSets()).filter((s) => s.hasManifest && s.createdAt).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
            if (!sets[0])
                throw new RestoreError(`no complete backup set (with a manifest) under ${options.set}`);
            setId = sets[0].setId;
        }
        else {
            const parts = loc.prefix.split('/');
            setId = parts.pop() ?? '';
            if (!setId)
                throw new errors/* ConfigError */.xL(`${options.set}: name the set (s3://bucket/prefix/<set id>) or pass --latest`);
            store = new s3/* S3Store */.sl({ bucket: loc.bucket, prefix: parts.join('/'), region, endpoint });
        }
        const work = options.workDir ?? (await (0,promises_.mkdtemp)((0,external_node_path_.join)((0,external_node_os_.tmpdir)(), 'cdc-recon-restore-')));
        const dir = (0,external_node_path_.join)(work, setId);
        await store.downloadSet(setId, dir);
        return { dir, location: store.url(setId), cleanup: () => (options.workDir ? Promise.resolve() : (0,promises_.rm)(work, { recursive: true, force: true })) };
    }
    let dir = (0,external_node_path_.resolve)(options.set);
    if (options.latest) {
        const newest = await (0,retention/* newestVerifiedLocal */.eT)(dir);
        if (!newest)
            throw new RestoreError(`no complete backup set (with a manifest) in ${dir}`);
        dir = newest;
    }
    try {
        if (!(await (0,promises_.stat)(dir)).isDirectory())
            throw new Error('not a directory');
    }
    catch {
        throw new RestoreError(`backup set ${dir} not found (a directory holding manifest.json)`);
    }
    return { dir, location: dir, cleanup: async () => undefined };
}
function chooseComponents(manifest, requested) {
    const present = ['postgres', 'mssql', 'kafka-connect'].filter((c) => manifest.components[c]);
    if (!requested || requested.length === 0)
        return [...present];
    const missing = requested.filter((c) => !present.includes(c));
    if (missing.length)
        throw new RestoreError(`the set has no ${missing.join(', ')} backup (it holds: ${present.join(', ') || 'nothing'})`);
    return present.filter((c) => requested.includes(c));
}
function connectUrl(options, env) {
    const kc = options.config?.kafkaConnect;
    if (kc?.urlEnv)
        return (0,load_config/* requireEnv */.tr)(kc.urlEnv, env);
    if (kc?.url)
        return kc.url;
    return (0,load_config/* requireEnv */.tr)(config/* DEFAULT_ENV */.Kf.kafkaConnect, env);
}
async function runRestore(options) {
    const env = options.env ?? process.env;
    const log = options.logger ?? logger/* silentLogger */.qq;
    const now = () => (options.now ? options.now() : new Date());
    const startedAt = now();
    const t0 = Date.now();
    const secrets = (0,redact/* secretsFromConfig */.A3)(options.config, env);
    const redactor = (0,redact/* createRedactor */.lY)(secrets);
    const dryRun = Boolean(options.dryRun);
    const fetched = await fetchSet(options, env);
    const fetchMs = Date.now() - t0;
    try {
        // 2. Nothing is touched before every byte of the set checks out.
        let verification;
        try {
            verification = await (0,dr_manifest/* verifySet */.mS)(fetched.dir);
        }
        catch (err) {
            throw new RestoreError(redactor((0,errors/* errorMessage */.gJ)(err)));
        }
        const manifest = verification.manifest;
        log.info('backup set verified', { set: manifest.setId, files: verification.files, bytes: verification.bytes });
        const components = chooseComponents(manifest, options.components);
        const ageSeconds = Math.max(0, (startedAt.getTime() - new Date(manifest.createdAt).getTime()) / 1000);
        const report = {
            dryRun,
            set: { id: manifest.setId, location: fetched.location, createdAt: manifest.createdAt, ageSeconds, toolVersion: manifest.tool.version },
            verification: { files: verification.files, bytes: verification.bytes, durationMs: verification.durationMs },
            components,
            timings: { fetchMs, verifyMs: verification.durationMs, totalMs: 0 },
            rto: { measuredSeconds: 0, targetSeconds: RTO_TARGET_SECONDS, met: false },
            rpo: { setAgeSeconds: ageSeconds, targetSeconds: RPO_TARGET_SECONDS, met: ageSeconds <= RPO_TARGET_SECONDS },
            nextSteps: [],
        };
        // 3. Plans (read-only).
        const pgPart = manifest.components.postgres;
        let pgPlan;
        let pgUrl;
        const pgCfg = options.config?.postgres;
        if (components.includes('postgres') && pgPart) {
            pgUrl = (0,load_config/* requireEnv */.tr)(pgCfg?.urlEnv ?? config/* DEFAULT_ENV */.Kf.postgres, env);
            const target = options.target ?? (0,pg_conn/* databaseOf */.zJ)(pgUrl);
            pgPlan = planPostgresRestore({
                manifest: pgPart,
                target,
                now: startedAt,
                promote: Boolean(options.promote),
                dropScratch: Boolean(options.dropScratch),
                force: Boolean(options.force),
                jobs: pgCfg?.jobs ?? 4,
                noOwner: Boolean(options.noOwner),
            });
            report.postgres = { plan: pgPlan };
        }
        const msPart = manifest.components.mssql;
        let msPlan;
        if (components.includes('mssql') && msPart) {
            msPlan = planMssqlRestore({ manifest: msPart, config: options.config?.mssql, target: options.mssqlTarget, force: Boolean(options.force), setDir: fetched.dir });
            report.mssql = { plan: msPlan };
        }
        const kcPart = manifest.components['kafka-connect'];
        const retentionMinutes = options.config?.mssql?.cdcRetentionMinutes ?? 4320;
        if (dryRun) {
            if (kcPart && components.includes('kafka-connect')) {
                const saved = await readSavedConnect(fetched.dir, kcPart);
                try {
                    const client = new kafka_connect/* KafkaConnectClient */.C9(connectUrl(options, env));
                    const plan = await planConnectRestore({ client, saved, offsets: Boolean(options.offsets), now: startedAt, retentionMinutes, env });
                    report.kafkaConnect = { plan: plan.connectors.map(({ secretSources: _s, ...rest }) => rest) };
                }
                catch (err) {
                    // A dry run still prints what it can: the worker is needed only to execute.
                    report.nextSteps.push(`Kafka Connect: could not plan against the worker (${redactor((0,errors/* errorMessage */.gJ)(err))}); ${Object.keys(saved.connectors).length} connector(s) in the set`);
                }
            }
            report.nextSteps.push('dry run: nothing was changed; run again without --dry-run to restore');
            return finish(report, t0);
        }
        // 4. Execute.
        if (pgPlan && pgPart && pgUrl) {
            const t = Date.now();
            const outcome = await restorePostgres({
                url: pgUrl,
                setDir: fetched.dir,
                manifest: pgPart,
                plan: pgPlan,
                force: Boolean(options.force),
                jobs: pgCfg?.jobs ?? 4,
                noOwner: Boolean(options.noOwner),
                binDir: pgCfg?.binDir,
                secrets,
            });
            const { plan: _p, ...rest } = outcome;
            report.postgres = { plan: pgPlan, outcome: rest };
            report.timings.postgresMs = Date.now() - t;
            if (outcome.promoted) {
                report.nextSteps.push(`PostgreSQL: ${pgPlan.target} now holds the data of ${manifest.createdAt}` +
                    (outcome.previousRenamedTo ? `; the previous database is kept as ${outcome.previousRenamedTo} (drop it once satisfied)` : ''), 'PostgreSQL: changes after the backup must be replayed: restore the sink connectors\' offsets (--offsets) so they re-apply from the backup point, then run `cdc-recon reconcile`');
            }
            else if (outcome.scratchKept) {
                report.nextSteps.push(`PostgreSQL: verified copy in ${pgPlan.scratch}; ${pgPlan.target} untouched. Re-run with --promote to swap it in`);
            }
        }
        let bounds;
        if (msPlan) {
            const t = Date.now();
            const conn = (0,load_config/* requireEnv */.tr)(options.config?.mssql?.urlEnv ?? config/* DEFAULT_ENV */.Kf.mssql, env);
            const runner = await (options.mssqlRunner ?? ((c) => (0,mssql_backup/* createMssqlRunner */.du)(c, { database: 'master' })))(conn);
            try {
                const r = await restoreMssql({ runner, plan: msPlan, config: options.config?.mssql, secrets });
                bounds = r.bounds;
                report.mssql = { plan: msPlan, statements: r.statements.map((s) => s.text), warnings: r.warnings, lsnBounds: r.bounds };
            }
            finally {
                await runner.close().catch(() => undefined);
            }
            report.timings.mssqlMs = Date.now() - t;
            if (msPlan.keepCdc)
                report.nextSteps.push(`SQL Server: ${msPlan.database} restored with KEEP_CDC; check the capture job runs (sys.sp_cdc_help_jobs)`);
        }
        if (kcPart && components.includes('kafka-connect')) {
            const t = Date.now();
            const saved = await readSavedConnect(fetched.dir, kcPart);
            const client = new kafka_connect/* KafkaConnectClient */.C9(connectUrl(options, env));
            const plan = await planConnectRestore({ client, saved, offsets: Boolean(options.offsets), now: now(), retentionMinutes, bounds, env });
            const outcomes = await executeConnectRestore({ client, saved, plan, offsets: Boolean(options.offsets) });
            report.kafkaConnect = { plan: plan.connectors.map(({ secretSources: _s, ...rest }) => rest), outcomes };
            report.timings.kafkaConnectMs = Date.now() - t;
            for (const o of outcomes) {
                if (o.offsets === 'resnapshot')
                    report.nextSteps.push(`Kafka Connect: ${o.name} will re-snapshot (snapshot.mode=when_needed): ${o.reason}`);
            }
        }
        return finish(report, t0);
    }
    finally {
        await fetched.cleanup();
    }
}
function finish(report, t0) {
    report.timings.totalMs = Date.now() - t0;
    report.rto = { measuredSeconds: report.timings.totalMs / 1000, targetSeconds: RTO_TARGET_SECONDS, met: report.timings.totalMs / 1000 <= RTO_TARGET_SECONDS };
    return report;
}
const secs = (ms) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(2)} s`);
/** Human-readable report (also what --dry-run prints). */
function renderRestoreText(r) {
    const lines = [
        `${r.dryRun ? 'RESTORE PLAN (dry run: nothing will be changed)' : 'RESTORE REPORT'}`,
        `set ${r.set.id} from ${r.set.location}, created ${r.set.createdAt} (${(r.set.ageSeconds / 3600).toFixed(1)} h ago)`,
        `verified ${r.verification.files} file(s), ${r.verification.bytes} bytes, sha256 OK in ${secs(r.verification.durationMs)}`,
    ];
    if (r.postgres) {
        lines.push('', `PostgreSQL -> ${r.postgres.plan.target} via scratch ${r.postgres.plan.scratch}`, ...r.postgres.plan.steps.map((s, i) => `  ${i + 1}. ${s}`));
        const o = r.postgres.outcome;
        if (o) {
            lines.push(`  restored in ${secs(o.restoreMs)}, verified ${o.comparison.checked} table(s) in ${secs(o.verifyMs)}${o.comparison.estimatedSkipped ? ` (${o.comparison.estimatedSkipped} with estimated counts not compared)` : ''}`);
            lines.push(o.promoted ? `  promoted${o.previousRenamedTo ? `; previous database kept as ${o.previousRenamedTo}` : ''}` : o.scratchKept ? '  not promoted (original untouched)' : '  scratch dropped after verification (original untouched)');
        }
    }
    if (r.mssql) {
        lines.push('', `SQL Server -> ${r.mssql.plan.database}`, ...r.mssql.plan.steps.map((s, i) => `  ${i + 1}. ${s}`));
        for (const w of r.mssql.warnings ?? [])
            lines.push(`  warning: ${w}`);
    }
    if (r.kafkaConnect) {
        lines.push('', 'Kafka Connect');
        for (const c of r.kafkaConnect.plan) {
            lines.push(`  ${c.name}: offsets ${c.assessment.action} — ${c.assessment.reason}`);
            for (const s of c.steps)
                lines.push(`    - ${s}`);
            for (const m of c.missingSecrets)
                lines.push(`    ! missing secret ${m}`);
        }
    }
    lines.push('', `timings: fetch ${secs(r.timings.fetchMs)}, verify ${secs(r.timings.verifyMs)}, postgres ${secs(r.timings.postgresMs)}, mssql ${secs(r.timings.mssqlMs)}, kafka-connect ${secs(r.timings.kafkaConnectMs)}, total ${secs(r.timings.totalMs)}`, `RTO ${r.rto.measuredSeconds.toFixed(1)} s vs target ${r.rto.targetSeconds} s: ${r.rto.met ? 'met' : 'MISSED'}; RPO (set age) ${(r.rpo.setAgeSeconds / 3600).toFixed(1)} h vs target ${r.rpo.targetSeconds / 3600} h: ${r.rpo.met ? 'met' : 'MISSED'}`);
    if (r.nextSteps.length)
        lines.push('', 'next steps:', ...r.nextSteps.map((s) => `  - ${s}`));
    return lines.join('\n');
}
/** Markdown for $GITHUB_STEP_SUMMARY (drills and restores). */
function renderRestoreMarkdown(r, title = 'Restore') {
    const row = (k, v) => `| ${k} | ${v} |`;
    const out = [
        `## ${title}${r.dryRun ? ' (dry run)' : ''}`,
        '',
        '| | |',
        '|---|---|',
        row('Set', `\`${r.set.id}\` (${r.set.createdAt})`),
        row('Verified', `${r.verification.files} files, ${r.verification.bytes} bytes, sha256 OK`),
        row('Fetch', secs(r.timings.fetchMs)),
        row('Verify hashes', secs(r.timings.verifyMs)),
    ];
    if (r.postgres?.outcome) {
        const o = r.postgres.outcome;
        out.push(row('PostgreSQL restore', secs(o.restoreMs)), row('PostgreSQL verify', `${secs(o.verifyMs)} (${o.comparison.checked} tables match the manifest)`));
    }
    if (r.timings.mssqlMs !== undefined)
        out.push(row('SQL Server restore', secs(r.timings.mssqlMs)));
    if (r.timings.kafkaConnectMs !== undefined)
        out.push(row('Kafka Connect', secs(r.timings.kafkaConnectMs)));
    out.push(row('**RTO (measured)**', `**${r.rto.measuredSeconds.toFixed(1)} s** vs target ${r.rto.targetSeconds / 3600} h — ${r.rto.met ? '✅ met' : '❌ missed'}`), row('**RPO (set age)**', `**${(r.rpo.setAgeSeconds / 3600).toFixed(1)} h** vs target ${r.rpo.targetSeconds / 3600} h — ${r.rpo.met ? '✅ met' : '❌ missed'}`));
    if (r.nextSteps.length)
        out.push('', ...r.nextSteps.map((s) => `- ${s}`));
    return `${out.join('\n')}\n`;
}


/***/ })

};
