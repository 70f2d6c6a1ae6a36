export const id = 85;
export const ids = [85];
export const modules = {

/***/ 53085:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   describeTarget: () => (/* binding */ describeTarget),
/* harmony export */   parseMssqlUrl: () => (/* binding */ parseMssqlUrl)
/* harmony export */ });
/* harmony import */ var mssql__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(66271);
/* harmony import */ var _util_redact_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(45171);
/**
 * Connection strings for SQL Server, in either form:
 *  - URL: mssql://user:password@host[:port]/database?encrypt=true&trustServerCertificate=true
 *    (also sqlserver://; instanceName, language, dateFormat, domain, authentication query parameters)
 *  - ADO.NET: Server=host,1433;Database=db;User Id=...;Password=...;Encrypt=true;TrustServerCertificate=true
 * The result is an mssql config; the password never appears in errors.
 */


const BOOL = /^(1|true|yes|on)$/i;
const BOOL_FALSE = /^(0|false|no|off)$/i;
function bool(v, name) {
    if (BOOL.test(v))
        return true;
    if (BOOL_FALSE.test(v))
        return false;
    throw new Error(`SQL Server URL parameter ${name} must be true or false`);
}
/** Parse without ever echoing the input (it holds a password). */
function parseMssqlUrl(url) {
    (0,_util_redact_js__WEBPACK_IMPORTED_MODULE_1__/* .registerSecret */ .cl)(url);
    const trimmed = url.trim();
    if (/^(mssql|sqlserver):\/\//i.test(trimmed))
        return parseUrlForm(trimmed);
    if (/[=;]/.test(trimmed)) {
        let parsed;
        try {
            parsed = mssql__WEBPACK_IMPORTED_MODULE_0__.ConnectionPool.parseConnectionString(trimmed);
        }
        catch {
            throw new Error('cannot parse the SQL Server connection string (expected mssql://user:password@host:port/database or Server=...;Database=...)');
        }
        if (parsed.password)
            (0,_util_redact_js__WEBPACK_IMPORTED_MODULE_1__/* .registerSecret */ .cl)(parsed.password);
        if (!parsed.server)
            throw new Error('the SQL Server connection string names no server');
        return parsed;
    }
    throw new Error('not a SQL Server connection string (expected mssql://user:password@host:port/database or Server=...;Database=...)');
}
function parseUrlForm(text) {
    let u;
    try {
        u = new URL(text.replace(/^sqlserver:/i, 'mssql:'));
    }
    catch {
        throw new Error('cannot parse the SQL Server URL (expected mssql://user:password@host:port/database)');
    }
    if (!u.hostname)
        throw new Error('the SQL Server URL names no host');
    const password = decodeURIComponent(u.password);
    if (password)
        (0,_util_redact_js__WEBPACK_IMPORTED_MODULE_1__/* .registerSecret */ .cl)(password);
    const options = {};
    const config = { server: u.hostname.replace(/^\[|\]$/g, ''), options };
    if (u.port)
        config.port = Number(u.port);
    const db = decodeURIComponent(u.pathname.replace(/^\//, ''));
    if (db)
        config.database = db;
    if (u.username)
        config.user = decodeURIComponent(u.username);
    if (password)
        config.password = password;
    for (const [key, value] of u.searchParams) {
        switch (key.toLowerCase()) {
            case 'encrypt':
                options.encrypt = bool(value, key);
                break;
            case 'trustservercertificate':
                options.trustServerCertificate = bool(value, key);
                break;
            case 'instancename':
                options.instanceName = value;
                break;
            case 'language':
                options.language = value;
                break;
            case 'dateformat':
                options.dateFormat = value;
                break;
            case 'domain':
                config.domain = value;
                break;
            case 'database':
                config.database = value;
                break;
            case 'applicationintent':
                // Always ReadOnly (set by connect); accepted for compatibility with ADO-style settings.
                break;
            default:
                throw new Error(`unknown SQL Server URL parameter ${JSON.stringify(key)}`);
        }
    }
    return config;
}
/** Where a config points, for messages (never the password). */
function describeTarget(c) {
    const port = c.options?.instanceName ? `\\${c.options.instanceName}` : c.port ? `:${c.port}` : '';
    return `${c.server}${port}/${c.database ?? '(default database)'}${c.user ? ` as ${c.user}` : ''}`;
}


/***/ })

};
