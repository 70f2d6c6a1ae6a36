export const id = 127;
export const ids = [127];
export const modules = {

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
