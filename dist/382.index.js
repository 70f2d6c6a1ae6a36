export const id = 382;
export const ids = [382];
export const modules = {

/***/ 28382:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   COMPONENTS: () => (/* binding */ COMPONENTS),
/* harmony export */   DEFAULT_ENV: () => (/* binding */ DEFAULT_ENV),
/* harmony export */   backupConfigSchema: () => (/* binding */ backupConfigSchema),
/* harmony export */   secretEnvNames: () => (/* binding */ secretEnvNames)
/* harmony export */ });
/* harmony import */ var zod__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(92857);
/**
 * The `backup:` section of the project's YAML config (mounted by the lead
 * under the top-level config). Connections are named by environment variable
 * only: a URL or password written in the file is a validation error.
 */

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const envName = zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().regex(ENV_NAME, 'must be an environment variable name (the secret itself never goes in the file)');
const COMPONENTS = ['postgres', 'mssql', 'kafka-connect'];
const postgresSchema = zod__WEBPACK_IMPORTED_MODULE_0__/* .strictObject */ .rej({
    urlEnv: envName,
    /** `custom` = one pg_dump -Fc file; `directory` = -Fd with `jobs` parallel workers (large databases). */
    format: zod__WEBPACK_IMPORTED_MODULE_0__/* ["enum"] */ .k5n(['custom', 'directory']).default('custom'),
    jobs: zod__WEBPACK_IMPORTED_MODULE_0__/* .number */ .aig().int().min(1).max(64).default(4),
    /** `checksum` also stores an order-independent content hash per table and checks it on restore. */
    verify: zod__WEBPACK_IMPORTED_MODULE_0__/* ["enum"] */ .k5n(['count', 'checksum']).default('checksum'),
    /** Tables above this many (estimated) rows get an estimated count instead of an exact one. */
    exactCountLimit: zod__WEBPACK_IMPORTED_MODULE_0__/* .number */ .aig().int().min(0).default(50_000_000),
    /** Where pg_dump / pg_restore live, when not on PATH (e.g. /usr/lib/postgresql/16/bin). */
    binDir: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().min(1).optional(),
});
const mssqlSchema = zod__WEBPACK_IMPORTED_MODULE_0__/* .strictObject */ .rej({
    urlEnv: envName,
    database: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().min(1).max(128),
    /** Directory on the SQL Server host where BACKUP writes (and RESTORE reads) the .bak file. */
    serverBackupDir: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().min(1),
    /**
     * Argv (no shell) that brings the .bak from the server's disk into the set,
     * e.g. ["docker", "cp", "mssql:{serverPath}", "{localPath}"]; or ["none"] when
     * serverBackupDir is a shared volume seen locally at `localBackupDir`.
     */
    copyCommand: zod__WEBPACK_IMPORTED_MODULE_0__/* .array */ .YOg(zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().min(1)).min(1),
    /** Argv that puts a .bak from the set onto the server's disk for a restore (placeholders as copyCommand). */
    uploadCommand: zod__WEBPACK_IMPORTED_MODULE_0__/* .array */ .YOg(zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().min(1)).min(1).optional(),
    /** Where the server puts restored data / log files (MOVE targets); default: the server's defaults. */
    restoreDataDir: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().min(1).optional(),
    restoreLogDir: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().min(1).optional(),
    /** CDC change-table retention on the restored database, minutes (SQL Server default 4320 = 72 h). */
    cdcRetentionMinutes: zod__WEBPACK_IMPORTED_MODULE_0__/* .number */ .aig().int().min(1).default(4320),
});
const kafkaConnectSchema = zod__WEBPACK_IMPORTED_MODULE_0__/* .strictObject */ .rej({
    /** The worker's REST URL when it holds no credentials. */
    url: zod__WEBPACK_IMPORTED_MODULE_0__/* .url */ .OZ5().optional(),
    /** Env var holding the URL when it carries credentials (http://user:pass@host:8083). */
    urlEnv: envName.optional(),
    /** Connector names to include (default all). */
    connectors: zod__WEBPACK_IMPORTED_MODULE_0__/* .array */ .YOg(zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().min(1)).optional(),
})
    .superRefine((k, ctx) => {
    if (!k.url && !k.urlEnv)
        ctx.addIssue({ code: 'custom', message: 'needs "url" or "urlEnv"' });
    if (k.url) {
        const u = new URL(k.url);
        if (u.password)
            ctx.addIssue({ code: 'custom', path: ['url'], message: 'holds a password: put the URL in an env var and name it in "urlEnv"' });
    }
});
const s3Schema = zod__WEBPACK_IMPORTED_MODULE_0__/* .strictObject */ .rej({
    bucket: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().min(3).max(63),
    prefix: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().default('cdc-recon'),
    region: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().min(1).default('us-east-1'),
    /** Env var holding a custom endpoint (MinIO, s3rver, ...); path-style addressing is used then. */
    endpointEnv: envName.optional(),
});
const diagnosticsSchema = zod__WEBPACK_IMPORTED_MODULE_0__/* .strictObject */ .rej({
    pushgatewayUrl: zod__WEBPACK_IMPORTED_MODULE_0__/* .url */ .OZ5().optional(),
    prometheusUrl: zod__WEBPACK_IMPORTED_MODULE_0__/* .url */ .OZ5().optional(),
    /** Container (docker) or pod (kubectl) names whose logs are collected; default all listed ones. */
    containers: zod__WEBPACK_IMPORTED_MODULE_0__/* .array */ .YOg(zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().min(1)).optional(),
    kubernetesNamespace: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().min(1).optional(),
    logLines: zod__WEBPACK_IMPORTED_MODULE_0__/* .number */ .aig().int().min(1).max(100_000).default(1000),
    /** Transactions open longer than this many seconds are reported as long. */
    longTransactionSeconds: zod__WEBPACK_IMPORTED_MODULE_0__/* .number */ .aig().int().min(1).default(300),
});
const backupConfigSchema = zod__WEBPACK_IMPORTED_MODULE_0__/* .strictObject */ .rej({
    /** Local directory holding the backup sets. */
    dir: zod__WEBPACK_IMPORTED_MODULE_0__/* .string */ .YjP().min(1).default('./backups'),
    retentionDays: zod__WEBPACK_IMPORTED_MODULE_0__/* .number */ .aig().int().min(1).max(3650).default(7),
    postgres: postgresSchema.optional(),
    mssql: mssqlSchema.optional(),
    kafkaConnect: kafkaConnectSchema.optional(),
    s3: s3Schema.optional(),
    diagnostics: diagnosticsSchema.optional(),
});
/** Env var names used when no config names them. */
const DEFAULT_ENV = { postgres: 'TARGET_URL', mssql: 'SOURCE_URL', kafkaConnect: 'KAFKA_CONNECT_URL' };
/** Env var names the config points at: their values are secrets everywhere. */
function secretEnvNames(cfg) {
    return [cfg.postgres?.urlEnv, cfg.mssql?.urlEnv, cfg.kafkaConnect?.urlEnv, cfg.s3?.endpointEnv].filter((v) => typeof v === 'string');
}


/***/ })

};
