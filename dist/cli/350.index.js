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


/***/ }),

/***/ 28264:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   QG: () => (/* binding */ createMetrics),
/* harmony export */   R$: () => (/* binding */ recordRunReport),
/* harmony export */   U6: () => (/* binding */ pushMetrics),
/* harmony export */   X1: () => (/* binding */ writeTextfile)
/* harmony export */ });
/* unused harmony exports METRIC_NAMES, DRIFT_SEVERITIES, safeLabelValue, encodeGrouping */
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(77598);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(51455);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(76760);
/* harmony import */ var prom_client__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(95222);
/* harmony import */ var _util_redact_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(45171);
/**
 * Every Prometheus metric cdc-recon emits, in one registry per run (never
 * prom-client's global default registry), with a small typed API for the
 * engine, the action and the backup code, and two sinks: a Pushgateway push
 * and a node_exporter textfile. Neither sink throws: a failure is a warning.
 *
 * How the values behave (this is what the alert rules in monitoring/alerts.yml
 * are written against):
 *
 * - One registry describes ONE run (a reconcile, or a backup). It is pushed
 *   with `pushAdd` (HTTP POST) under the grouping key {job, shard}. The
 *   Pushgateway then replaces, inside that group only, every metric family the
 *   push contains; other groups (other shards, the backup job) are untouched.
 *   So every value in the Pushgateway is "as of the latest run of that group",
 *   and it stays there (no staleness) until the group pushes again.
 * - Counters (`*_total`) therefore count within one run. Across runs the
 *   Pushgateway shows 1, 1, 1 ... for a table that errors every night, and
 *   `increase()` over that is 0: alert on the value (`> 0`), not on
 *   `increase()`. Every table / endpoint / component a run touches gets a
 *   series (0 when nothing happened), so a push always overwrites yesterday's
 *   non-zero value and alerts resolve on the next good run.
 * - `reconciliation_duration_seconds` is a GAUGE, not a histogram: each table
 *   is measured once per run and the push replaces the previous value, so a
 *   histogram would hold one observation per push and its buckets could never
 *   be aggregated over time (`rate()`/`histogram_quantile()` over per-run
 *   resets is meaningless). A gauge plots the latest duration per table
 *   directly and can be alerted on with a plain comparison.
 * - Measurements that a run could not make (an errored table has no row
 *   counts) are NaN, not left out: a family that is pushed must cover every
 *   table of the run, or yesterday's value of a table that errored today
 *   would survive in some pushes and not in others. NaN compares false, so
 *   threshold alerts resolve; ReconciliationFailed covers the table instead.
 * - Success timestamps are the exception: a failed table or component does
 *   not get one (unless the caller carries the previous one forward with
 *   `previousSuccessAt`), so the age alerts keep measuring the last real
 *   success.
 * - Connection pool gauges hold the PEAK seen during the run (a value sampled
 *   at push time, after the pools have drained, would always be 0).
 *
 * Label values never carry secrets: each one goes through redact(), anything
 * that looks like a URL is replaced, and values are length-capped.
 */





/** Every metric name the product registers, in registration order. */
const METRIC_NAMES = (/* unused pure expression or super */ null && ([
    'reconciliation_runs_total',
    'reconciliation_duration_seconds',
    'reconciliation_row_count_mismatch_total',
    'reconciliation_checksum_mismatch_total',
    'reconciliation_rows_missing',
    'reconciliation_rows_extra',
    'reconciliation_rows_changed',
    'reconciliation_rows_in_flight',
    'reconciliation_row_count_difference',
    'reconciliation_last_success_timestamp_seconds',
    'reconciliation_last_run_timestamp_seconds',
    'retry_attempts_total',
    'reconciliation_pool_size',
    'reconciliation_pool_in_use',
    'reconciliation_pool_waiting',
    'reconciliation_pool_exhausted_total',
    'reconciliation_schema_drift',
    'cdc_lag_seconds',
    'backup_last_success_timestamp_seconds',
    'backup_duration_seconds',
    'backup_size_bytes',
    'backup_runs_total',
]));
const DRIFT_SEVERITIES = ['error', 'warning', 'info'];
const MAX_LABEL_LENGTH = 200;
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;
/** A label value that cannot leak a secret. */
function safeLabelValue(value) {
    const text = String(value);
    if (URL_LIKE.test(text.trim()))
        return '[redacted-url]';
    if ((0,_util_redact_js__WEBPACK_IMPORTED_MODULE_4__/* .redact */ .E$)(text) !== text)
        return '[redacted]';
    return text.length > MAX_LABEL_LENGTH ? `${text.slice(0, MAX_LABEL_LENGTH)}...` : text;
}
const seconds = (d) => d.getTime() / 1000;
const num = (v) => v === null || v === undefined ? undefined : Number(v);
const finiteOrNaN = (v) => (v === undefined || !Number.isFinite(v) ? Number.NaN : v);
/** Creates a fresh registry with every metric registered, and the API that records into it. */
function createMetrics() {
    const registry = new prom_client__WEBPACK_IMPORTED_MODULE_3__.Registry();
    const registers = [registry];
    const counter = (name, help, labelNames) => new prom_client__WEBPACK_IMPORTED_MODULE_3__.Counter({ name, help, labelNames, registers });
    const gauge = (name, help, labelNames) => new prom_client__WEBPACK_IMPORTED_MODULE_3__.Gauge({ name, help, labelNames, registers });
    const runs = counter('reconciliation_runs_total', 'Tables reconciled in the latest run, by outcome (match, mismatch, error).', ['table_name', 'status']);
    const duration = gauge('reconciliation_duration_seconds', 'Wall-clock time the latest run spent on the table, seconds.', ['table_name']);
    const rowCountMismatch = counter('reconciliation_row_count_mismatch_total', 'Row count mismatches (source count != target count) found in the latest run.', ['table_name']);
    const checksumMismatch = counter('reconciliation_checksum_mismatch_total', 'Checksum mismatches (some segment hash differs) found in the latest run.', ['table_name']);
    const rowsMissing = gauge('reconciliation_rows_missing', 'Rows in the source but not in the target after recheck (NaN when the table errored).', ['table_name']);
    const rowsExtra = gauge('reconciliation_rows_extra', 'Rows in the target but not in the source after recheck (NaN when the table errored).', ['table_name']);
    const rowsChanged = gauge('reconciliation_rows_changed', 'Rows present on both sides with different values after recheck (NaN when the table errored).', ['table_name']);
    const rowsInFlight = gauge('reconciliation_rows_in_flight', 'Rows that differed at first and matched on recheck: replication lag, not drift (NaN when the table errored).', ['table_name']);
    const rowCountDiff = gauge('reconciliation_row_count_difference', 'Absolute difference between source and target row counts (NaN when unknown).', ['table_name']);
    const lastSuccess = gauge('reconciliation_last_success_timestamp_seconds', 'Unix time the table was last reconciled to completion (status match or mismatch).', ['table_name']);
    const lastRun = gauge('reconciliation_last_run_timestamp_seconds', 'Unix time the latest reconcile run finished, whatever its outcome.', []);
    const retries = counter('retry_attempts_total', 'Retries of transient errors in the latest run, by endpoint.', ['endpoint']);
    const poolSize = gauge('reconciliation_pool_size', 'Connection pool size, by endpoint.', ['endpoint']);
    const poolInUse = gauge('reconciliation_pool_in_use', 'Peak connections in use during the latest run, by endpoint.', ['endpoint']);
    const poolWaiting = gauge('reconciliation_pool_waiting', 'Peak requests waiting for a connection during the latest run, by endpoint.', ['endpoint']);
    const poolExhausted = counter('reconciliation_pool_exhausted_total', 'Times a request had to wait because every pooled connection was busy, in the latest run.', ['endpoint']);
    const schemaDrift = gauge('reconciliation_schema_drift', 'Schema findings (source vs CDC capture instance vs target) of the latest run, by severity.', ['table_name', 'severity']);
    const cdcLag = gauge('cdc_lag_seconds', 'CDC pipeline lag measured by the latest run, seconds.', ['table_name']);
    const backupLastSuccess = gauge('backup_last_success_timestamp_seconds', 'Unix time of the last successful backup, by component.', ['component']);
    const backupDuration = gauge('backup_duration_seconds', 'Duration of the latest backup, by component, seconds.', ['component']);
    const backupSize = gauge('backup_size_bytes', 'Size of the latest backup, by component, bytes (NaN when it failed).', ['component']);
    const backupRuns = counter('backup_runs_total', 'Backups in the latest backup run, by component and outcome (success, failure).', ['component', 'status']);
    const peaks = new Map();
    const touchEndpoint = (endpoint) => {
        retries.inc({ endpoint }, 0);
        poolExhausted.inc({ endpoint }, 0);
    };
    return {
        registry,
        recordTable(r) {
            const table_name = safeLabelValue(r.table);
            const t = { table_name };
            // A table recorded twice keeps only its last outcome.
            for (const status of ['match', 'mismatch', 'error'])
                runs.remove({ table_name, status });
            rowCountMismatch.remove(t);
            checksumMismatch.remove(t);
            runs.inc({ table_name, status: r.status });
            duration.set(t, Math.max(0, finiteOrNaN(r.durationSeconds)));
            const src = num(r.sourceRows);
            const tgt = num(r.targetRows);
            const countsKnown = src !== undefined && tgt !== undefined;
            rowCountDiff.set(t, countsKnown ? Math.abs(src - tgt) : Number.NaN);
            rowCountMismatch.inc(t, countsKnown && src !== tgt ? 1 : 0);
            checksumMismatch.inc(t, r.checksumMismatch ? 1 : 0);
            const completed = r.status !== 'error';
            const drift = (v) => (completed ? finiteOrNaN(v ?? 0) : Number.NaN);
            rowsMissing.set(t, drift(r.rowsMissing));
            rowsExtra.set(t, drift(r.rowsExtra));
            rowsChanged.set(t, drift(r.rowsChanged));
            rowsInFlight.set(t, drift(r.rowsInFlight));
            if (completed)
                lastSuccess.set(t, seconds(r.finishedAt ?? new Date()));
            else if (r.previousSuccessAt)
                lastSuccess.set(t, seconds(r.previousSuccessAt));
            else
                lastSuccess.remove(t);
        },
        recordRetry(endpoint, count = 1) {
            const e = safeLabelValue(endpoint);
            touchEndpoint(e);
            retries.inc({ endpoint: e }, count);
        },
        observePool(endpoint, stats) {
            const e = safeLabelValue(endpoint);
            touchEndpoint(e);
            const peak = peaks.get(e) ?? { inUse: 0, waiting: 0 };
            peak.inUse = Math.max(peak.inUse, stats.inUse);
            peak.waiting = Math.max(peak.waiting, stats.waiting);
            peaks.set(e, peak);
            poolSize.set({ endpoint: e }, stats.size);
            poolInUse.set({ endpoint: e }, peak.inUse);
            poolWaiting.set({ endpoint: e }, peak.waiting);
        },
        recordPoolExhausted(endpoint, count = 1) {
            const e = safeLabelValue(endpoint);
            touchEndpoint(e);
            poolExhausted.inc({ endpoint: e }, count);
        },
        recordSchemaDrift(table, counts) {
            const table_name = safeLabelValue(table);
            for (const severity of DRIFT_SEVERITIES)
                schemaDrift.set({ table_name, severity }, counts[severity] ?? 0);
        },
        recordCdcLag(table, value) {
            cdcLag.set({ table_name: safeLabelValue(table) }, finiteOrNaN(value));
        },
        recordRunFinished(at = new Date()) {
            lastRun.set(seconds(at));
        },
        recordBackup(b) {
            const component = safeLabelValue(b.component);
            for (const status of ['success', 'failure'])
                backupRuns.remove({ component, status });
            backupRuns.inc({ component, status: b.status });
            backupDuration.set({ component }, Math.max(0, finiteOrNaN(b.durationSeconds)));
            const ok = b.status === 'success';
            backupSize.set({ component }, ok ? finiteOrNaN(num(b.sizeBytes) ?? Number.NaN) : Number.NaN);
            if (ok)
                backupLastSuccess.set({ component }, seconds(b.finishedAt ?? new Date()));
            else if (b.previousSuccessAt)
                backupLastSuccess.set({ component }, seconds(b.previousSuccessAt));
            else
                backupLastSuccess.remove({ component });
        },
    };
}
/**
 * Records every table of a finished run report, and the run's end time.
 * Endpoint metrics (retries, pools) come from the engine's hooks instead.
 * `previousSuccessAt` (table -> time, for example from the cached previous
 * report) carries an errored table's last success forward.
 */
function recordRunReport(metrics, report, previousSuccessAt = {}) {
    const finishedAt = new Date(report.finishedAt);
    for (const t of report.tables) {
        metrics.recordTable({
            table: t.table,
            status: t.status,
            durationSeconds: t.durationMs / 1000,
            sourceRows: t.counts.source,
            targetRows: t.counts.target,
            checksumMismatch: t.segments.mismatched > 0,
            rowsMissing: t.drift.missing,
            rowsExtra: t.drift.extra,
            rowsChanged: t.drift.changed,
            rowsInFlight: t.inFlight,
            finishedAt,
            previousSuccessAt: previousSuccessAt[t.table],
        });
    }
    metrics.recordRunFinished(finishedAt);
}
/**
 * The families worth exporting: those with at least one sample. An unlabelled
 * metric that was never set is left out too (prom-client reports it as 0,
 * which for a timestamp would read as 1970 and fire every age alert).
 */
async function exportable(registry) {
    const out = new prom_client__WEBPACK_IMPORTED_MODULE_3__.Registry();
    for (const { name } of registry.getMetricsAsArray()) {
        const metric = registry.getSingleMetric(name);
        if (!metric)
            continue;
        const data = await metric.get();
        const values = data.values ?? [];
        if (values.length === 0)
            continue;
        const unsetUnlabelled = values.length === 1 && Object.keys(values[0]?.labels ?? {}).length === 0 && values[0]?.value === 0;
        if (unsetUnlabelled)
            continue;
        out.registerMetric(metric);
    }
    return out;
}
/** The URL without credentials, for messages. */
function displayUrl(raw) {
    try {
        const u = new URL(raw);
        u.username = '';
        u.password = '';
        u.search = '';
        return u.toString();
    }
    catch {
        return '[invalid URL]';
    }
}
/**
 * Pushgateway path segments cannot hold "/" (nor be empty): such values go
 * base64url-encoded with the `@base64` suffix on the label name.
 */
function encodeGrouping(grouping) {
    const out = {};
    for (const [key, raw] of Object.entries(grouping)) {
        const value = safeLabelValue(raw);
        if (value === '' || value.includes('/')) {
            out[`${key}@base64`] = value === '' ? '=' : Buffer.from(value, 'utf8').toString('base64url');
        }
        else {
            out[key] = value;
        }
    }
    return out;
}
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/**
 * Adds this run's metrics to the Pushgateway with `pushAdd` (POST) under
 * {job, shard, ...grouping}. Never throws: a Pushgateway that is down, slow
 * or refusing is a warning in the result, and the run goes on.
 */
async function pushMetrics(registry, url, options) {
    const target = displayUrl(url);
    const fail = (reason) => ({
        ok: false,
        target,
        warning: (0,_util_redact_js__WEBPACK_IMPORTED_MODULE_4__/* .redact */ .E$)(`metrics not pushed to the Pushgateway at ${target}: ${reason}`),
    });
    try {
        let parsed;
        try {
            parsed = new URL(url);
        }
        catch {
            return fail('the Pushgateway URL is not a valid URL');
        }
        if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
            return fail(`unsupported protocol ${parsed.protocol} (use http or https)`);
        }
        const job = options.job.trim();
        if (!job || job.includes('/'))
            return fail(`invalid job name ${JSON.stringify(safeLabelValue(options.job))} (non-empty, no "/")`);
        const grouping = { shard: '1/1', ...options.grouping };
        for (const key of Object.keys(grouping)) {
            if (!LABEL_NAME.test(key) || key === 'job')
                return fail(`invalid grouping label name ${JSON.stringify(key)}`);
        }
        const timeoutMs = options.timeoutMs ?? 10_000;
        const toPush = await exportable(registry);
        const count = toPush.getMetricsAsArray().length;
        if (count === 0)
            return fail('nothing was recorded');
        const gateway = new prom_client__WEBPACK_IMPORTED_MODULE_3__.Pushgateway(url, { timeout: timeoutMs }, toPush);
        let timer;
        const deadline = new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs + 1000);
            timer.unref();
        });
        try {
            await Promise.race([gateway.pushAdd({ jobName: job, groupings: encodeGrouping(grouping) }), deadline]);
        }
        finally {
            clearTimeout(timer);
        }
        return { ok: true, target, metrics: count };
    }
    catch (err) {
        const e = err;
        const reason = [e.code, e.message].filter(Boolean).join(': ') || String(err);
        return fail(reason);
    }
}
/**
 * Writes the registry to `path` for node_exporter's textfile collector
 * (`--collector.textfile.directory`; the file name must end in `.prom`).
 * Atomic: written to a hidden temp file in the same directory, then renamed,
 * so the collector never reads half a file. Never throws.
 */
async function writeTextfile(registry, path) {
    const dir = (0,node_path__WEBPACK_IMPORTED_MODULE_2__.dirname)(path);
    const tmp = (0,node_path__WEBPACK_IMPORTED_MODULE_2__.join)(dir, `.${(0,node_path__WEBPACK_IMPORTED_MODULE_2__.basename)(path)}.${process.pid}.${(0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.randomBytes)(4).toString('hex')}.tmp`);
    try {
        const toWrite = await exportable(registry);
        const text = await toWrite.metrics();
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.mkdir)(dir, { recursive: true });
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.writeFile)(tmp, text, { mode: 0o644 });
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.rename)(tmp, path);
        return { ok: true, target: path, metrics: toWrite.getMetricsAsArray().length };
    }
    catch (err) {
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.rm)(tmp, { force: true }).catch(() => undefined);
        const e = err;
        return { ok: false, target: path, warning: (0,_util_redact_js__WEBPACK_IMPORTED_MODULE_4__/* .redact */ .E$)(`metrics textfile not written to ${path}: ${e.message ?? String(err)}`) };
    }
}


/***/ })

};
