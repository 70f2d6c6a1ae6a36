export const id = 350;
export const ids = [350];
export const modules = {

/***/ 26350:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   BackupError: () => (/* binding */ BackupError),
/* harmony export */   configuredComponents: () => (/* binding */ configuredComponents),
/* harmony export */   resolveComponents: () => (/* binding */ resolveComponents),
/* harmony export */   runBackup: () => (/* binding */ runBackup),
/* harmony export */   s3StoreFor: () => (/* binding */ s3StoreFor)
/* harmony export */ });
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(51455);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(76760);
/* harmony import */ var _observability_metrics_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(28264);
/* harmony import */ var _util_errors_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(99661);
/* harmony import */ var _util_logger_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(91634);
/* harmony import */ var _config_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(28382);
/* harmony import */ var _kafka_connect_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(31151);
/* harmony import */ var _load_config_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(62127);
/* harmony import */ var _manifest_js__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(14955);
/* harmony import */ var _mssql_backup_js__WEBPACK_IMPORTED_MODULE_9__ = __webpack_require__(33653);
/* harmony import */ var _postgres_backup_js__WEBPACK_IMPORTED_MODULE_10__ = __webpack_require__(72426);
/* harmony import */ var _redact_js__WEBPACK_IMPORTED_MODULE_11__ = __webpack_require__(16557);
/* harmony import */ var _retention_js__WEBPACK_IMPORTED_MODULE_12__ = __webpack_require__(46308);
/* harmony import */ var _s3_js__WEBPACK_IMPORTED_MODULE_13__ = __webpack_require__(89766);
/* harmony import */ var _version_js__WEBPACK_IMPORTED_MODULE_14__ = __webpack_require__(13411);
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
    return _config_js__WEBPACK_IMPORTED_MODULE_5__/* .COMPONENTS */ .$j.filter((c) => (c === 'postgres' ? config.postgres : c === 'mssql' ? config.mssql : config.kafkaConnect));
}
function resolveComponents(config, requested) {
    const configured = configuredComponents(config);
    const wanted = requested && requested.length ? requested : configured;
    const missing = wanted.filter((c) => !configured.includes(c));
    if (missing.length)
        throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .ConfigError */ .xL(`component(s) ${missing.join(', ')} requested but not configured under backup:`);
    if (wanted.length === 0)
        throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .ConfigError */ .xL('nothing to back up: configure backup.postgres, backup.mssql or backup.kafkaConnect');
    return _config_js__WEBPACK_IMPORTED_MODULE_5__/* .COMPONENTS */ .$j.filter((c) => wanted.includes(c));
}
function s3StoreFor(config, env, overrides = {}) {
    const bucket = overrides.bucket ?? config.s3?.bucket;
    if (!bucket)
        return undefined;
    const endpointEnv = config.s3?.endpointEnv;
    return new _s3_js__WEBPACK_IMPORTED_MODULE_13__/* .S3Store */ .sl({
        bucket,
        prefix: overrides.prefix ?? config.s3?.prefix ?? 'cdc-recon',
        region: config.s3?.region ?? env.AWS_REGION ?? 'us-east-1',
        endpoint: endpointEnv ? (0,_load_config_js__WEBPACK_IMPORTED_MODULE_7__/* .requireEnv */ .tr)(endpointEnv, env) : undefined,
    });
}
/** When each component last had a complete, verified set in `root` (for failure metrics). */
async function previousSuccesses(root) {
    const out = new Map();
    for (const s of (await (0,_retention_js__WEBPACK_IMPORTED_MODULE_12__/* .listLocalSets */ .UX)(root).catch(() => [])).filter((x) => x.verified)) {
        try {
            const m = await (0,_manifest_js__WEBPACK_IMPORTED_MODULE_8__/* .readManifest */ .WI)((0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(root, s.id));
            for (const c of _config_js__WEBPACK_IMPORTED_MODULE_5__/* .COMPONENTS */ .$j) {
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
    const metrics = (0,_observability_metrics_js__WEBPACK_IMPORTED_MODULE_2__/* .createMetrics */ .QG)();
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
        sinks.push(await (0,_observability_metrics_js__WEBPACK_IMPORTED_MODULE_2__/* .pushMetrics */ .U6)(metrics.registry, url, { job: 'cdc-recon-backup' }));
    if (options.metricsTextfile)
        sinks.push(await (0,_observability_metrics_js__WEBPACK_IMPORTED_MODULE_2__/* .writeTextfile */ .X1)(metrics.registry, options.metricsTextfile));
    return sinks;
}
async function runBackup(options) {
    const env = options.env ?? process.env;
    const log = options.logger ?? _util_logger_js__WEBPACK_IMPORTED_MODULE_4__/* .silentLogger */ .qq;
    const config = options.config;
    const secrets = (0,_redact_js__WEBPACK_IMPORTED_MODULE_11__/* .secretsFromConfig */ .A3)(config, env);
    const redactor = (0,_redact_js__WEBPACK_IMPORTED_MODULE_11__/* .createRedactor */ .lY)(secrets);
    const components = resolveComponents(config, options.components);
    const runStart = Date.now();
    const started = new Date((options.now ?? (() => new Date()))());
    const setId = (0,_manifest_js__WEBPACK_IMPORTED_MODULE_8__/* .setIdFor */ .pW)(started);
    // Resolve the S3 target first: a missing endpoint variable fails before any work.
    const store = s3StoreFor(config, env, { bucket: options.s3Bucket, prefix: options.s3Prefix });
    const root = (0,node_path__WEBPACK_IMPORTED_MODULE_1__.resolve)(options.outDir ?? config.dir);
    const setDir = (0,node_path__WEBPACK_IMPORTED_MODULE_1__.join)(root, setId);
    await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.mkdir)(root, { recursive: true });
    await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.mkdir)(setDir); // fails if it exists: never write into another set
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
                const r = await (0,_postgres_backup_js__WEBPACK_IMPORTED_MODULE_10__/* .backupPostgres */ .sh)({ url: (0,_load_config_js__WEBPACK_IMPORTED_MODULE_7__/* .requireEnv */ .tr)(pgCfg.urlEnv, env), config: pgCfg, setDir, secrets });
                parts.postgres = r.manifest;
                files.push(...r.files);
                outcome.bytes = r.files.reduce((n, f) => n + f.size, 0);
            }
            else if (c === 'mssql') {
                const msCfg = config.mssql;
                const runner = await (options.mssqlRunner ?? _mssql_backup_js__WEBPACK_IMPORTED_MODULE_9__/* .createMssqlRunner */ .du)((0,_load_config_js__WEBPACK_IMPORTED_MODULE_7__/* .requireEnv */ .tr)(msCfg.urlEnv, env));
                try {
                    const r = await (0,_mssql_backup_js__WEBPACK_IMPORTED_MODULE_9__/* .backupMssql */ .jt)({ runner, config: msCfg, setDir, setId, secrets });
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
                const url = kc.urlEnv ? (0,_load_config_js__WEBPACK_IMPORTED_MODULE_7__/* .requireEnv */ .tr)(kc.urlEnv, env) : kc.url;
                const r = await (0,_kafka_connect_js__WEBPACK_IMPORTED_MODULE_6__/* .backupKafkaConnect */ .z2)({ client: new _kafka_connect_js__WEBPACK_IMPORTED_MODULE_6__/* .KafkaConnectClient */ .C9(url), setDir, include: kc.connectors });
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
            outcome.error = redactor((0,_util_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .errorMessage */ .gJ)(err));
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.rm)(setDir, { recursive: true, force: true });
            const metrics = await publishMetrics(outcomes, options, env, { root });
            log.error('backup failed', { component: c, error: outcome.error });
            throw new BackupError(`backup failed at ${c}: ${outcome.error} (the partial set ${setId} was removed; no manifest was written)`, outcomes, metrics);
        }
    }
    const manifest = {
        formatVersion: _manifest_js__WEBPACK_IMPORTED_MODULE_8__/* .MANIFEST_FORMAT */ .Sn,
        kind: 'cdc-recon-backup-set',
        setId,
        createdAt: started.toISOString(),
        completedAt: new Date().toISOString(),
        tool: { name: 'cdc-recon', version: _version_js__WEBPACK_IMPORTED_MODULE_14__/* .TOOL_VERSION */ .w },
        verified: true,
        components: parts,
        files,
    };
    await (0,_manifest_js__WEBPACK_IMPORTED_MODULE_8__/* .writeManifest */ .HN)(setDir, manifest);
    log.info('backup set complete', { setId, files: files.length });
    const retentionDays = options.retentionDays ?? config.retentionDays;
    const retention = await (0,_retention_js__WEBPACK_IMPORTED_MODULE_12__/* .applyLocalRetention */ .Kk)(root, { retentionDays, now: started });
    let s3;
    if (store) {
        try {
            const up = await store.uploadSet(setDir, setId);
            const r = await (0,_retention_js__WEBPACK_IMPORTED_MODULE_12__/* .applyS3Retention */ .BA)(store, { retentionDays, now: started });
            s3 = { url: store.url(setId), files: up.files, retention: r };
        }
        catch (err) {
            const metrics = await publishMetrics(outcomes, options, env);
            throw new BackupError(`backup set ${setId} is complete locally at ${setDir}, but the S3 upload to ${store.url(setId)} failed: ${redactor((0,_util_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .errorMessage */ .gJ)(err))}`, outcomes, metrics);
        }
    }
    const metrics = await publishMetrics(outcomes, options, env);
    return { setId, setDir, manifest, durationMs: Date.now() - runStart, components: outcomes, retention, s3, metrics };
}


/***/ })

};
