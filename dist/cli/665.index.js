export const id = 665;
export const ids = [665];
export const modules = {

/***/ 9665:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  runDiagnostics: () => (/* binding */ runDiagnostics)
});

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(51455);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(48161);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(76760);
// EXTERNAL MODULE: ./node_modules/pg/esm/index.mjs
var esm = __webpack_require__(83849);
// EXTERNAL MODULE: ./node_modules/tar/dist/esm/index.min.js
var index_min = __webpack_require__(98697);
// EXTERNAL MODULE: ./lib/util/errors.js
var errors = __webpack_require__(99661);
// EXTERNAL MODULE: ./lib/util/logger.js
var logger = __webpack_require__(91634);
// EXTERNAL MODULE: ./lib/dr/config.js
var config = __webpack_require__(28382);
// EXTERNAL MODULE: ./lib/dr/mssql-backup.js
var mssql_backup = __webpack_require__(33653);
;// CONCATENATED MODULE: ./lib/dr/diagnostics-queries.js
/**
 * Read-only health queries for the diagnostics bundle. PostgreSQL: the CDC
 * target side (replication slots and their lag, long transactions, sizes).
 * SQL Server: the CDC source side (capture/cleanup jobs, CDC errors, log scan
 * latency, capture instances).
 */

function postgresHealthQueries(longTxSeconds) {
    const secs = Math.max(1, Math.floor(longTxSeconds));
    return [
        { name: 'version', text: "SELECT version() AS version, current_setting('server_version') AS server_version, pg_postmaster_start_time() AS started_at, now() AS now" },
        {
            name: 'settings',
            text: "SELECT name, setting, unit FROM pg_settings WHERE name IN ('wal_level','max_replication_slots','max_wal_senders','max_slot_wal_keep_size','max_connections','statement_timeout','idle_in_transaction_session_timeout','shared_buffers','work_mem') ORDER BY name",
        },
        {
            name: 'replication-slots',
            text: 'SELECT slot_name, plugin, slot_type, database, active, active_pid, restart_lsn, confirmed_flush_lsn, ' +
                "CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) END AS restart_lag_bytes, " +
                "CASE WHEN pg_is_in_recovery() OR confirmed_flush_lsn IS NULL THEN NULL ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn) END AS flush_lag_bytes, " +
                'wal_status, safe_wal_size FROM pg_replication_slots ORDER BY slot_name',
        },
        {
            name: 'replication',
            text: 'SELECT pid, application_name, client_addr, state, sync_state, write_lag, flush_lag, replay_lag FROM pg_stat_replication ORDER BY pid',
        },
        {
            name: 'long-transactions',
            text: 'SELECT pid, datname, usename, application_name, state, xact_start, now() - xact_start AS xact_age, wait_event_type, wait_event, left(query, 500) AS query ' +
                `FROM pg_stat_activity WHERE xact_start IS NOT NULL AND now() - xact_start > interval '${secs} seconds' AND pid <> pg_backend_pid() ORDER BY xact_start`,
        },
        {
            name: 'connections',
            text: "SELECT datname, state, count(*) AS sessions FROM pg_stat_activity WHERE backend_type = 'client backend' GROUP BY datname, state ORDER BY datname, state",
        },
        { name: 'database-sizes', text: 'SELECT datname, pg_database_size(datname) AS bytes FROM pg_database WHERE datallowconn ORDER BY bytes DESC' },
        {
            name: 'largest-tables',
            text: 'SELECT n.nspname AS schema, c.relname AS name, c.reltuples::int8 AS estimated_rows, pg_total_relation_size(c.oid) AS total_bytes, s.n_dead_tup, s.last_autovacuum, s.last_autoanalyze ' +
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.relkind IN ('r','p') AND n.nspname NOT IN ('pg_catalog','information_schema') " +
                'ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 50',
        },
        { name: 'locks-waiting', text: 'SELECT pid, locktype, mode, relation::regclass::text AS relation, granted FROM pg_locks WHERE NOT granted' },
    ];
}
/** SELECTs the T-SQL parser can check. */
function mssqlHealthSelects(database) {
    return [
        { name: 'version', statement: {
                text: "SELECT CAST(SERVERPROPERTY('ProductVersion') AS NVARCHAR(128)) AS product_version, CAST(SERVERPROPERTY('ProductLevel') AS NVARCHAR(128)) AS product_level, " +
                    "CAST(SERVERPROPERTY('Edition') AS NVARCHAR(128)) AS edition, CAST(SERVERPROPERTY('EngineEdition') AS INT) AS engine_edition, SYSUTCDATETIME() AS now_utc",
                params: {},
            } },
        { name: 'database', statement: { text: 'SELECT name, is_cdc_enabled, state_desc, recovery_model_desc, log_reuse_wait_desc FROM sys.databases WHERE name = @db', params: { db: database } } },
        {
            name: 'cdc-jobs',
            statement: {
                text: 'SELECT j.job_type, j.job_id, j.maxtrans, j.maxscans, j.continuous, j.pollinginterval, j.retention, j.threshold FROM msdb.dbo.cdc_jobs AS j WHERE j.database_id = DB_ID(@db)',
                params: { db: database },
            },
        },
        {
            name: 'cdc-job-activity',
            statement: {
                text: 'SELECT s.name AS job_name, s.enabled, a.start_execution_date, a.stop_execution_date, a.last_executed_step_id ' +
                    'FROM msdb.dbo.sysjobs AS s LEFT JOIN msdb.dbo.sysjobactivity AS a ON a.job_id = s.job_id ' +
                    "WHERE s.name LIKE 'cdc.%' ORDER BY s.name, a.start_execution_date DESC",
                params: {},
            },
        },
        {
            name: 'cdc-errors',
            statement: { text: 'SELECT TOP (100) session_id, phase_number, entry_time, error_number, error_severity, error_state, error_message FROM sys.dm_cdc_errors ORDER BY entry_time DESC', params: {} },
        },
        {
            name: 'cdc-log-scan-sessions',
            statement: {
                text: 'SELECT TOP (50) session_id, start_time, end_time, duration, scan_phase, error_count, tran_count, command_count, latency, empty_scan_count, failed_sessions_count ' +
                    'FROM sys.dm_cdc_log_scan_sessions ORDER BY start_time DESC',
                params: {},
            },
        },
    ];
}
/** Statements that must run inside the database (sp_executesql there): not parseable as plain SELECT. */
function mssqlInDatabaseQueries(database) {
    const db = (0,mssql_backup/* quoteMssqlIdent */.tu)(database);
    return [
        {
            name: 'capture-instances',
            statement: {
                text: `EXEC ${db}.sys.sp_executesql N'SELECT capture_instance, OBJECT_SCHEMA_NAME(source_object_id) AS source_schema, OBJECT_NAME(source_object_id) AS source_table, ` +
                    `create_date, CONVERT(VARCHAR(22), start_lsn, 1) AS start_lsn, CONVERT(VARCHAR(22), sys.fn_cdc_get_min_lsn(capture_instance), 1) AS min_lsn FROM cdc.change_tables'`,
                params: {},
            },
        },
        {
            name: 'max-lsn',
            statement: {
                text: `EXEC ${db}.sys.sp_executesql N'SELECT CONVERT(VARCHAR(22), sys.fn_cdc_get_max_lsn(), 1) AS max_lsn, sys.fn_cdc_map_lsn_to_time(sys.fn_cdc_get_max_lsn()) AS max_lsn_time'`,
                params: {},
            },
        },
    ];
}

// EXTERNAL MODULE: ./lib/dr/kafka-connect.js
var kafka_connect = __webpack_require__(31151);
// EXTERNAL MODULE: ./lib/dr/redact.js
var redact = __webpack_require__(16557);
// EXTERNAL MODULE: ./lib/dr/proc.js
var proc = __webpack_require__(12772);
// EXTERNAL MODULE: ./lib/version.js
var version = __webpack_require__(13411);
;// CONCATENATED MODULE: ./lib/dr/diagnostics.js
/**
 * Collects everything support needs into one tar.gz: container status and the
 * last N log lines (docker or kubectl, when present), Kafka Connect connector
 * and task states with failure traces, Pushgateway and Prometheus metric
 * dumps, PostgreSQL health (replication slots and lag, long transactions,
 * sizes), SQL Server CDC health. Every file passes through the redactor
 * before it is written. A part that cannot be reached is recorded in
 * summary.json and errors/<section>.txt; it never fails the collection.
 */














function stamp(d) {
    return d.toISOString().slice(0, 19).replace(/[-:]/g, '');
}
class Bundle {
    root;
    redactor;
    files = [];
    constructor(root, redactor) {
        this.root = root;
        this.redactor = redactor;
    }
    async put(rel, content) {
        const text = typeof content === 'string' ? content : JSON.stringify(content, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2);
        const path = (0,external_node_path_.join)(this.root, ...rel.split('/'));
        await (0,promises_.mkdir)((0,external_node_path_.dirname)(path), { recursive: true });
        await (0,promises_.writeFile)(path, this.redactor(text.endsWith('\n') ? text : `${text}\n`));
        this.files.push(rel);
        return rel;
    }
}
function safeName(s) {
    return s.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 100) || '_';
}
async function runDiagnostics(options = {}) {
    const env = options.env ?? process.env;
    const log = options.logger ?? logger/* silentLogger */.qq;
    const now = options.now ? options.now() : new Date();
    const cfg = options.config;
    const redactor = (0,redact/* createRedactor */.lY)((0,redact/* secretsFromConfig */.A3)(cfg, env));
    const timeoutMs = options.timeoutMs ?? 15_000;
    const lines = cfg?.diagnostics?.logLines ?? 1000;
    const pathEnv = options.path ?? env.PATH ?? '';
    const cmdEnv = { ...process.env, ...env, PATH: pathEnv };
    const name = `cdc-recon-diagnostics-${stamp(now)}`;
    const out = (0,external_node_path_.resolve)(options.out ?? `${name}.tar.gz`);
    const work = await (0,promises_.mkdtemp)((0,external_node_path_.join)((0,external_node_os_.tmpdir)(), 'cdc-recon-diag-'));
    const bundle = new Bundle((0,external_node_path_.join)(work, name), redactor);
    const fetchText = async (url) => {
        const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
        const body = await res.text();
        if (!res.ok)
            throw new Error(`HTTP ${res.status} from ${redactor(url)}`);
        return body;
    };
    const exe = (bin, args) => (0,proc/* run */.eF)(bin, args, { env: cmdEnv, timeoutMs, maxStdout: 16 * 1024 * 1024 });
    const collectors = [
        [
            'system',
            async (b) => {
                const relevant = ['PATH', 'NODE_OPTIONS', config/* DEFAULT_ENV */.Kf.postgres, config/* DEFAULT_ENV */.Kf.mssql, config/* DEFAULT_ENV */.Kf.kafkaConnect, 'PUSHGATEWAY_URL', 'AWS_REGION', 'GITHUB_ACTIONS', 'CI'];
                await b.put('system/info.json', {
                    collectedAt: now.toISOString(),
                    tool: { name: 'cdc-recon', version: version/* TOOL_VERSION */.w },
                    node: process.version,
                    platform: `${(0,external_node_os_.platform)()} ${(0,external_node_os_.release)()} ${(0,external_node_os_.arch)()}`,
                    hostname: (0,external_node_os_.hostname)(),
                    // Names only: which variables are set, never their values.
                    envSet: relevant.filter((k) => Boolean(env[k])),
                });
                if (cfg)
                    await b.put('system/backup-config.json', cfg);
            },
        ],
        [
            'containers',
            async (b, r) => {
                const docker = await (0,proc/* which */.K7)('docker', undefined, { PATH: pathEnv });
                const kubectl = await (0,proc/* which */.K7)('kubectl', undefined, { PATH: pathEnv });
                if (!docker && !kubectl) {
                    r.status = 'skipped';
                    r.notes.push('neither docker nor kubectl is on PATH');
                    return;
                }
                const wanted = cfg?.diagnostics?.containers;
                if (docker) {
                    try {
                        const ps = await exe(docker, ['ps', '-a', '--no-trunc', '--format', '{{json .}}']);
                        r.files.push(await b.put('containers/docker-ps.jsonl', ps.stdout));
                        const names = ps.stdout
                            .split('\n')
                            .filter(Boolean)
                            .map((l) => JSON.parse(l).Names ?? '')
                            .filter((n) => n && (!wanted || wanted.includes(n)));
                        for (const n of names) {
                            try {
                                const logs = await (0,proc/* run */.eF)(docker, ['logs', '--tail', String(lines), '--timestamps', n], { env: cmdEnv, timeoutMs, allowFailure: true });
                                r.files.push(await b.put(`containers/docker/${safeName(n)}.log`, `${logs.stdout}${logs.stderr}`));
                                const st = await exe(docker, ['inspect', '--format', '{{json .State}}', n]);
                                r.files.push(await b.put(`containers/docker/${safeName(n)}.state.json`, st.stdout));
                            }
                            catch (err) {
                                r.status = 'partial';
                                r.notes.push(`docker logs ${n}: ${(0,errors/* errorMessage */.gJ)(err)}`);
                            }
                        }
                    }
                    catch (err) {
                        r.status = 'partial';
                        r.notes.push(`docker: ${(0,errors/* errorMessage */.gJ)(err)}`);
                    }
                }
                if (kubectl) {
                    const ns = cfg?.diagnostics?.kubernetesNamespace;
                    const nsArgs = ns ? ['-n', ns] : [];
                    try {
                        const wide = await exe(kubectl, ['get', 'pods', '-o', 'wide', ...nsArgs]);
                        r.files.push(await b.put('containers/kubectl-pods.txt', wide.stdout));
                        const json = await exe(kubectl, ['get', 'pods', '-o', 'json', ...nsArgs]);
                        const pods = (JSON.parse(json.stdout).items ?? [])
                            .map((p) => p.metadata?.name ?? '')
                            .filter((n) => n && (!wanted || wanted.some((w) => n.startsWith(w))));
                        for (const p of pods) {
                            try {
                                const logs = await exe(kubectl, ['logs', `--tail=${lines}`, '--all-containers=true', '--timestamps', ...nsArgs, p]);
                                r.files.push(await b.put(`containers/kubectl/${safeName(p)}.log`, logs.stdout));
                            }
                            catch (err) {
                                r.status = 'partial';
                                r.notes.push(`kubectl logs ${p}: ${(0,errors/* errorMessage */.gJ)(err)}`);
                            }
                        }
                    }
                    catch (err) {
                        r.status = 'partial';
                        r.notes.push(`kubectl: ${(0,errors/* errorMessage */.gJ)(err)}`);
                    }
                }
            },
        ],
        [
            'kafka-connect',
            async (b, r) => {
                const kc = cfg?.kafkaConnect;
                const url = kc?.urlEnv ? env[kc.urlEnv] : (kc?.url ?? env[config/* DEFAULT_ENV */.Kf.kafkaConnect]);
                if (!url) {
                    r.status = 'skipped';
                    r.notes.push('no Kafka Connect URL configured');
                    return;
                }
                const client = new kafka_connect/* KafkaConnectClient */.C9(url, { timeoutMs });
                r.files.push(await b.put('kafka-connect/worker.json', await client.worker()));
                const all = await client.listExpanded();
                const failed = [];
                const states = {};
                for (const [n, e] of Object.entries(all)) {
                    states[n] = {
                        type: e.info?.type,
                        config: e.info ? (0,kafka_connect/* redactConnectorConfig */.Ht)(e.info.config).config : undefined,
                        status: e.status,
                    };
                    const s = e.status;
                    if (s?.connector.state === 'FAILED')
                        failed.push(`connector ${n} FAILED on ${s.connector.worker_id ?? '?'}\n${s.connector.trace ?? '(no trace)'}\n`);
                    for (const t of s?.tasks ?? []) {
                        if (t.state === 'FAILED')
                            failed.push(`task ${n}/${t.id} FAILED on ${t.worker_id ?? '?'}\n${t.trace ?? '(no trace)'}\n`);
                    }
                    try {
                        const o = await client.offsets(n);
                        if (o)
                            r.files.push(await b.put(`kafka-connect/offsets/${safeName(n)}.json`, o));
                    }
                    catch (err) {
                        r.status = 'partial';
                        r.notes.push(`offsets of ${n}: ${(0,errors/* errorMessage */.gJ)(err)}`);
                    }
                }
                r.files.push(await b.put('kafka-connect/connectors.json', states));
                r.files.push(await b.put('kafka-connect/failures.txt', failed.length ? failed.join('\n') : 'no FAILED connector or task'));
                r.notes.push(`${Object.keys(all).length} connector(s), ${failed.length} failure(s)`);
            },
        ],
        [
            'metrics',
            async (b, r) => {
                const d = cfg?.diagnostics;
                const pgw = d?.pushgatewayUrl ?? env.PUSHGATEWAY_URL;
                const prom = d?.prometheusUrl ?? env.PROMETHEUS_URL;
                if (!pgw && !prom) {
                    r.status = 'skipped';
                    r.notes.push('no Pushgateway or Prometheus URL configured');
                    return;
                }
                let ok = 0;
                let tried = 0;
                const grab = async (rel, url) => {
                    tried++;
                    try {
                        r.files.push(await b.put(rel, await fetchText(url)));
                        ok++;
                    }
                    catch (err) {
                        r.notes.push(`${rel}: ${(0,errors/* errorMessage */.gJ)(err)}`);
                    }
                };
                if (pgw)
                    await grab('metrics/pushgateway.prom', `${pgw.replace(/\/+$/, '')}/metrics`);
                if (prom) {
                    const base = prom.replace(/\/+$/, '');
                    const match = encodeURIComponent('{__name__=~"reconciliation_.*|backup_.*|cdc_.*|retry_.*|up"}');
                    await grab('metrics/prometheus-federate.prom', `${base}/federate?match[]=${match}`);
                    await grab('metrics/prometheus-alerts.json', `${base}/api/v1/alerts`);
                    await grab('metrics/prometheus-targets.json', `${base}/api/v1/targets`);
                }
                if (ok === 0)
                    r.status = 'unreachable';
                else if (ok < tried)
                    r.status = 'partial';
            },
        ],
        [
            'postgres',
            async (b, r) => {
                const envName = cfg?.postgres?.urlEnv ?? config/* DEFAULT_ENV */.Kf.postgres;
                const url = env[envName];
                if (!url) {
                    r.status = 'skipped';
                    r.notes.push(`${envName} is not set`);
                    return;
                }
                const client = new esm["default"].Client({ connectionString: url, application_name: 'cdc-recon-diagnostics', connectionTimeoutMillis: timeoutMs, statement_timeout: timeoutMs });
                client.on('error', () => undefined);
                await client.connect();
                try {
                    for (const q of postgresHealthQueries(cfg?.diagnostics?.longTransactionSeconds ?? 300)) {
                        try {
                            const res = await client.query(q.text);
                            r.files.push(await b.put(`postgres/${q.name}.json`, res.rows));
                        }
                        catch (err) {
                            r.status = 'partial';
                            r.notes.push(`${q.name}: ${(0,errors/* errorMessage */.gJ)(err)}`);
                        }
                    }
                }
                finally {
                    await client.end().catch(() => undefined);
                }
            },
        ],
        [
            'mssql',
            async (b, r) => {
                const ms = cfg?.mssql;
                const url = env[ms?.urlEnv ?? config/* DEFAULT_ENV */.Kf.mssql];
                if (!url || !ms) {
                    r.status = 'skipped';
                    r.notes.push(ms ? `${ms.urlEnv} is not set` : 'no backup.mssql section');
                    return;
                }
                const runner = await (options.mssqlRunner ?? mssql_backup/* createMssqlRunner */.du)(url);
                try {
                    for (const q of [...mssqlHealthSelects(ms.database), ...mssqlInDatabaseQueries(ms.database)]) {
                        try {
                            r.files.push(await b.put(`mssql/${q.name}.json`, await runner.query(q.statement, { timeoutMs })));
                        }
                        catch (err) {
                            r.status = 'partial';
                            r.notes.push(`${q.name}: ${(0,errors/* errorMessage */.gJ)(err)}`);
                        }
                    }
                }
                finally {
                    await runner.close().catch(() => undefined);
                }
            },
        ],
    ];
    const sections = [];
    try {
        for (const [section, collect] of collectors) {
            const r = { section, status: 'ok', files: [], notes: [] };
            try {
                await collect(bundle, r);
            }
            catch (err) {
                r.status = 'unreachable';
                r.notes.push((0,errors/* errorMessage */.gJ)(err));
            }
            if (r.status !== 'ok' && r.notes.length) {
                r.files.push(await bundle.put(`errors/${section}.txt`, r.notes.join('\n')));
            }
            r.notes = r.notes.map(redactor);
            log.info('diagnostics section', { section, status: r.status });
            sections.push(r);
        }
        await bundle.put('summary.json', { collectedAt: now.toISOString(), sections });
        await (0,promises_.mkdir)((0,external_node_path_.dirname)(out), { recursive: true });
        await index_min.c({ gzip: true, file: out, cwd: work, portable: true }, [name]);
        return { bundle: out, sections, files: bundle.files.length };
    }
    finally {
        await (0,promises_.rm)(work, { recursive: true, force: true });
    }
}


/***/ }),

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


/***/ })

};
