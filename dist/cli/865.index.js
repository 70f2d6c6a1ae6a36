export const id = 865;
export const ids = [865,85,150];
export const modules = {

/***/ 99578:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Ti: () => (/* binding */ mssqlServerSideSupported),
/* harmony export */   XC: () => (/* binding */ mssqlCanonicalFamily),
/* harmony export */   rz: () => (/* binding */ mssqlRawExpression),
/* harmony export */   sU: () => (/* binding */ mssqlRowText),
/* harmony export */   vB: () => (/* binding */ mssqlRowHash),
/* harmony export */   vx: () => (/* binding */ mssqlCanonicalExpression),
/* harmony export */   w9: () => (/* binding */ MONEY_PRECISION),
/* harmony export */   yh: () => (/* binding */ mssqlKeyHash)
/* harmony export */ });
/* unused harmony exports INT_TYPES, DECIMAL_TYPES, FIXED_CHAR_TYPES, VAR_CHAR_TYPES, BINARY_TYPES, DATETIME_TYPES, mssqlUnsupportedReason, sqlString, utf8Text */
/* harmony import */ var _canonical_types_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(17747);
/* harmony import */ var _capabilities_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(89456);
/* harmony import */ var _quote_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(50344);
/**
 * T-SQL expressions for the canonical form. Each must produce text
 * byte-identical to src/canonical/render.ts (the contract suite proves it on a
 * real server when MSSQL_URL is set; test/unit/mssql-canonical.test.ts pins the
 * exact renderings). Rules kept everywhere:
 *  - CONVERT with an explicit length and an explicit style; never FORMAT()
 *    (culture-dependent), never a style that depends on LANGUAGE / DATEFORMAT;
 *  - every canonical field is VARCHAR (never CHAR: a CHAR(n) pads, and ISNULL
 *    would cut '\N' to the first argument's length; COALESCE is used instead);
 *  - text is hashed as UTF-8: NVARCHAR -> VARCHAR under a `_UTF8` collation;
 *  - the row text starts with a VARCHAR(MAX) so `+` never truncates at 8000
 *    bytes, and uses `+` (not CONCAT / CONCAT_WS, which skip or blank NULLs).
 * Type pairs with no exact T-SQL form are reported by `mssqlUnsupportedReason`;
 * the engine then hashes that table client-side.
 */



const INT_TYPES = new Set(['tinyint', 'smallint', 'int', 'bigint']);
const DECIMAL_TYPES = new Set(['decimal', 'numeric']);
/** money and smallmoney are scaled integers: exactly DECIMAL(19,4) / DECIMAL(10,4). */
const MONEY_PRECISION = { money: 19, smallmoney: 10 };
const FIXED_CHAR_TYPES = new Set(['char', 'nchar']);
const VAR_CHAR_TYPES = new Set(['varchar', 'nvarchar', 'text', 'ntext', 'sysname']);
const BINARY_TYPES = new Set(['binary', 'varbinary', 'image', 'timestamp', 'rowversion']);
/** Types holding a date and a time of day, no offset. */
const DATETIME_TYPES = new Set(['datetime2', 'datetime', 'smalldatetime']);
const UNSUPPORTED = {
    xml: 'xml is re-serialised by the server (attribute quotes, whitespace); exclude it or compare a computed hash column',
    sql_variant: 'sql_variant has no single canonical type',
    geography: 'spatial types have no canonical text form',
    geometry: 'spatial types have no canonical text form',
    hierarchyid: 'hierarchyid has no canonical text form',
};
function clampDigits(n, fallback) {
    return Math.min(n ?? fallback, _canonical_types_js__WEBPACK_IMPORTED_MODULE_1__/* .DEFAULT_FRACTIONAL_DIGITS */ .nG);
}
function mssqlCanonicalFamily(c) {
    const t = c.dataType;
    if (t === 'bit')
        return { type: 'bool' };
    if (INT_TYPES.has(t))
        return { type: 'int' };
    if (DECIMAL_TYPES.has(t))
        return { type: 'decimal', scale: c.scale ?? 0 };
    if (t in MONEY_PRECISION)
        return { type: 'decimal', scale: 4 };
    if (t === 'float')
        return { type: 'float', floatDigits: _canonical_types_js__WEBPACK_IMPORTED_MODULE_1__/* .DOUBLE_DIGITS */ .V9 };
    if (t === 'real')
        return { type: 'float', floatDigits: _canonical_types_js__WEBPACK_IMPORTED_MODULE_1__/* .REAL_DIGITS */ .WO };
    if (t === 'date')
        return { type: 'date' };
    if (t === 'time')
        return { type: 'time', fractionalDigits: clampDigits(c.datetimePrecision, 7) };
    if (t === 'datetime2')
        return { type: 'timestamp', fractionalDigits: clampDigits(c.datetimePrecision, 7) };
    if (t === 'datetime')
        return { type: 'timestamp', fractionalDigits: 3 };
    if (t === 'smalldatetime')
        return { type: 'timestamp', fractionalDigits: 0 };
    if (t === 'datetimeoffset')
        return { type: 'timestamptz', fractionalDigits: clampDigits(c.datetimePrecision, 7) };
    if (t === 'uniqueidentifier')
        return { type: 'uuid' };
    if (FIXED_CHAR_TYPES.has(t))
        return { type: 'text', fixedWidth: true };
    if (VAR_CHAR_TYPES.has(t))
        return { type: 'text' };
    if (BINARY_TYPES.has(t))
        return { type: 'binary' };
    return { unsupported: UNSUPPORTED[t] ?? `type ${t} has no canonical form` };
}
/**
 * Why `spec` cannot be rendered inside SQL Server for `column`, byte-identical
 * to the reference; null when it can.
 */
function mssqlUnsupportedReason(column, spec, caps = (0,_capabilities_js__WEBPACK_IMPORTED_MODULE_0__/* .capabilitiesOf */ .SF)(column)) {
    const t = column.dataType;
    if (!caps.unlimitedHashbytes) {
        return `SQL Server ${caps.productVersion} limits HASHBYTES to 8000 bytes (2016 or later needed for server-side hashing)`;
    }
    switch (spec.type) {
        case 'int':
            if (INT_TYPES.has(t) || t === 'bit')
                return null;
            if (DECIMAL_TYPES.has(t) && (column.scale ?? 0) === 0)
                return null;
            break;
        case 'decimal':
            if (INT_TYPES.has(t) || DECIMAL_TYPES.has(t) || t in MONEY_PRECISION)
                return null;
            break;
        case 'float':
            // CONVERT(float) styles give 6, 8, 16 or 17 digits already rounded, and STR() rounds through
            // float arithmetic: none rounds the exact binary value to N significant digits (what
            // PostgreSQL's float -> numeric and the reference do), so double rounding can differ.
            return 'float/real have no exact T-SQL rendering to N significant digits (client-side hashing)';
        case 'bool':
            if (t === 'bit' || INT_TYPES.has(t))
                return null;
            break;
        case 'date':
            if (t === 'date' || DATETIME_TYPES.has(t))
                return null;
            break;
        case 'time':
            if (t === 'time')
                return null;
            break;
        case 'timestamp':
            if (t === 'date' || DATETIME_TYPES.has(t))
                return null;
            break;
        case 'timestamptz':
            if (t === 'datetimeoffset' || t === 'date' || DATETIME_TYPES.has(t))
                return null;
            break;
        case 'uuid':
            if (t === 'uniqueidentifier')
                return null;
            break;
        case 'text':
            if (t === 'uniqueidentifier')
                return null;
            if (FIXED_CHAR_TYPES.has(t) || VAR_CHAR_TYPES.has(t)) {
                return caps.utf8
                    ? null
                    : `SQL Server ${caps.productVersion} has no _UTF8 collation (2019 or later): text cannot be hashed as UTF-8 in the database`;
            }
            break;
        case 'binary':
            if (BINARY_TYPES.has(t))
                return null;
            break;
    }
    return `no T-SQL rendering of ${t} as canonical ${spec.type}`;
}
function mssqlServerSideSupported(column, spec) {
    return mssqlUnsupportedReason(column, spec) === null;
}
// ---------------------------------------------------------------------------------------------
// Building blocks
/** A T-SQL string literal ('' doubling); only used for constants generated here. */
function sqlString(s) {
    return `'${s.replace(/'/g, "''")}'`;
}
const zeros = (n) => '0'.repeat(Math.max(0, n));
function nullGuard(c, body) {
    return `CASE WHEN ${c} IS NULL THEN NULL ELSE ${body} END`;
}
/** Nine-digit fraction of a second (nanoseconds) of a time / datetime2 / datetimeoffset value. */
function nanos9(v) {
    return `RIGHT('00000000' + CONVERT(VARCHAR(9), DATEPART(NANOSECOND, ${v})), 9)`;
}
/** Three-digit milliseconds of a datetime, as SQL Server rounds its 1/300 s ticks (.997, .003, .007). */
function millis3(v) {
    return `RIGHT('00' + CONVERT(VARCHAR(3), DATEPART(MILLISECOND, ${v})), 3)`;
}
/** ".fff" truncated to `digits` (empty for 0), like the reference's fraction(). */
function fraction(nativeType, v, digits) {
    if (digits <= 0)
        return '';
    if (nativeType === 'datetime') {
        if (digits < 3)
            return ` + '.' + LEFT(${millis3(v)}, ${digits})`;
        return ` + '.' + ${millis3(v)}${digits > 3 ? ` + '${zeros(digits - 3)}'` : ''}`;
    }
    if (nativeType === 'smalldatetime' || nativeType === 'date')
        return ` + '.${zeros(digits)}'`;
    return ` + '.' + LEFT(${nanos9(v)}, ${digits})`;
}
/** ISO date + 'T' + time of a date/datetime value (style 23 = yyyy-mm-dd, 108 = hh:mi:ss, both culture-free). */
function isoTimestamp(nativeType, v, digits) {
    if (nativeType === 'date')
        return `CONVERT(VARCHAR(10), ${v}, 23) + 'T00:00:00'${fraction('date', v, digits)}`;
    return `CONVERT(VARCHAR(10), ${v}, 23) + 'T' + CONVERT(VARCHAR(8), ${v}, 108)${fraction(nativeType, v, digits)}`;
}
/**
 * Decimal text of `v` (a DECIMAL(p, s) expression): plain notation, a leading
 * zero even when p = s (where SQL Server may print ".5"), never "-0.00".
 */
function decimalText(v, precision, scale) {
    const t = `CONVERT(VARCHAR(48), ${v})`;
    if (scale === 0 || precision > scale)
        return t;
    return `(CASE WHEN LEFT(${t}, 1) = '.' THEN '0' + ${t} WHEN LEFT(${t}, 2) = '-.' THEN '-0' + SUBSTRING(${t}, 2, 48) ELSE ${t} END)`;
}
function decimalExpression(c, column, scale) {
    const t = column.dataType;
    if (INT_TYPES.has(t)) {
        const text = `CONVERT(VARCHAR(20), ${c})`;
        return scale === undefined || scale === 0 ? text : nullGuard(c, `${text} + '.${zeros(scale)}'`);
    }
    let p;
    let cs;
    let v;
    const money = MONEY_PRECISION[t];
    if (money !== undefined) {
        p = money;
        cs = 4;
        v = `CONVERT(DECIMAL(${p}, 4), ${c})`;
    }
    else {
        p = column.precision ?? 38;
        cs = column.scale ?? 0;
        v = c;
    }
    if (scale === undefined)
        return trimmedDecimal(c, v, p, cs);
    if (cs > scale) {
        // Round half away from zero to the lower scale (what DECIMAL conversion does, like numeric round()).
        const p2 = Math.min(38, p - cs + scale + 1);
        v = `CONVERT(DECIMAL(${p2}, ${scale}), ${v})`;
        p = p2;
        cs = scale;
    }
    const zero = scale > 0 ? `0.${zeros(scale)}` : '0';
    const pad = scale > cs ? (cs === 0 ? `.${zeros(scale)}` : zeros(scale - cs)) : '';
    const text = decimalText(v, p, cs) + (pad ? ` + '${pad}'` : '');
    return `CASE WHEN ${c} IS NULL THEN NULL WHEN ${v} = 0 THEN '${zero}' ELSE ${text} END`;
}
/** Trailing fractional zeros and a bare '.' removed (PostgreSQL trim_scale). */
function trimmedDecimal(c, v, p, cs) {
    const t = decimalText(v, p, cs);
    if (cs === 0)
        return `CASE WHEN ${c} IS NULL THEN NULL WHEN ${v} = 0 THEN '0' ELSE ${t} END`;
    const z = `LEFT(${t}, LEN(${t}) - PATINDEX('%[^0]%', REVERSE(${t})) + 1)`;
    return `CASE WHEN ${c} IS NULL THEN NULL WHEN ${v} = 0 THEN '0' WHEN RIGHT(${z}, 1) = '.' THEN LEFT(${z}, LEN(${z}) - 1) ELSE ${z} END`;
}
/** The text as UTF-8 bytes: VARCHAR(MAX) under a _UTF8 collation (from NVARCHAR, so VARCHAR code pages are decoded first). */
function utf8Text(c, rtrim) {
    const n = `CONVERT(NVARCHAR(MAX), ${c})`;
    return `CONVERT(VARCHAR(MAX), ${rtrim ? `RTRIM(${n})` : n} COLLATE ${_capabilities_js__WEBPACK_IMPORTED_MODULE_0__/* .UTF8_COLLATION */ .C$})`;
}
// ---------------------------------------------------------------------------------------------
/** Canonical text of one column as T-SQL (VARCHAR; NULL when the value is NULL). Throws for unsupported pairs. */
function mssqlCanonicalExpression(side, sqlName = (0,_quote_js__WEBPACK_IMPORTED_MODULE_2__/* .quoteIdent */ .v4)(side.column.name)) {
    const reason = mssqlUnsupportedReason(side.column, side.canonical);
    if (reason)
        throw new Error(`column ${side.column.name}: ${reason}`);
    const c = sqlName;
    const t = side.column.dataType;
    const spec = side.canonical;
    const digits = Math.min(spec.fractionalDigits ?? _canonical_types_js__WEBPACK_IMPORTED_MODULE_1__/* .DEFAULT_FRACTIONAL_DIGITS */ .nG, _canonical_types_js__WEBPACK_IMPORTED_MODULE_1__/* .DEFAULT_FRACTIONAL_DIGITS */ .nG);
    switch (spec.type) {
        case 'int':
            if (t === 'bit')
                return `CONVERT(VARCHAR(1), ${c})`;
            if (DECIMAL_TYPES.has(t))
                return `CASE WHEN ${c} IS NULL THEN NULL WHEN ${c} = 0 THEN '0' ELSE CONVERT(VARCHAR(48), ${c}) END`;
            return `CONVERT(VARCHAR(20), ${c})`;
        case 'decimal':
            return decimalExpression(c, side.column, spec.scale);
        case 'bool':
            return `CASE WHEN ${c} IS NULL THEN NULL WHEN ${c} <> 0 THEN '1' ELSE '0' END`;
        case 'date':
            return `CONVERT(VARCHAR(10), ${c}, 23)`;
        case 'time':
            return nullGuard(c, `CONVERT(VARCHAR(8), ${c}, 108)${fraction('time', c, digits)}`);
        case 'timestamp':
            return nullGuard(c, isoTimestamp(t, c, digits));
        case 'timestamptz': {
            if (t === 'datetimeoffset') {
                // The instant in UTC; SWITCHOFFSET never leaves the 0001..9999 range (values are stored as UTC).
                const utc = `CONVERT(DATETIME2(7), SWITCHOFFSET(${c}, '+00:00'))`;
                return nullGuard(c, `${isoTimestamp('datetime2', utc, digits)} + 'Z'`);
            }
            // A value without offset is taken as UTC, as the reference does with offset-less text.
            return nullGuard(c, `${isoTimestamp(t, c, digits)} + 'Z'`);
        }
        case 'uuid':
            return `LOWER(CONVERT(VARCHAR(36), ${c}))`;
        case 'text': {
            if (t === 'uniqueidentifier')
                return nullGuard(c, `'36:' + CONVERT(VARCHAR(36), ${c})`);
            const u = utf8Text(c, spec.rtrim ?? false);
            return nullGuard(c, `CONVERT(VARCHAR(20), DATALENGTH(${u})) + ':' + ${u}`);
        }
        case 'binary':
            return `LOWER(CONVERT(VARCHAR(MAX), CONVERT(VARBINARY(MAX), ${c}), 2))`;
        case 'float':
            throw new Error(`column ${side.column.name}: float has no exact T-SQL form`);
    }
}
/** The canonical fields joined with '|', NULL as \N: the UTF-8 text both sides hash. */
function mssqlRowText(expressions) {
    if (expressions.length === 0)
        throw new Error('a row text needs at least one column');
    const nullToken = sqlString(_canonical_types_js__WEBPACK_IMPORTED_MODULE_1__/* .NULL_TOKEN */ .Eo);
    const parts = expressions.map((e) => `COALESCE(${e}, ${nullToken})`);
    // VARCHAR(MAX) first: every later `+` then yields VARCHAR(MAX), never cut at 8000 bytes.
    parts[0] = `CONVERT(VARCHAR(MAX), ${parts[0]})`;
    return parts.join(` + ${sqlString(_canonical_types_js__WEBPACK_IMPORTED_MODULE_1__/* .FIELD_SEPARATOR */ .Zh)} + `);
}
/** Signed 64-bit integer of the first 8 bytes of MD5(row text), big-endian (as PostgreSQL's bit(64)::bigint). */
function mssqlRowHash(rowText) {
    return `CONVERT(BIGINT, SUBSTRING(HASHBYTES('MD5', ${rowText}), 1, 8))`;
}
/** First 31 bits of MD5(key text): 4 bytes zero-extended to BIGINT, modulo 2^31 (= & 0x7fffffff). */
function mssqlKeyHash(keyText) {
    return `(CONVERT(BIGINT, SUBSTRING(HASHBYTES('MD5', ${keyText}), 1, 4)) % 2147483648)`;
}
/**
 * The raw value of a column for client-side hashing. Types the driver would
 * turn lossy (decimals and money to JS numbers, sub-millisecond times to JS
 * Dates) travel as exact culture-free text; the rest as the driver gives them.
 */
function mssqlRawExpression(column, sqlName = (0,_quote_js__WEBPACK_IMPORTED_MODULE_2__/* .quoteIdent */ .v4)(column.name)) {
    const c = sqlName;
    const t = column.dataType;
    if (DECIMAL_TYPES.has(t))
        return `CONVERT(VARCHAR(48), ${c})`;
    const money = MONEY_PRECISION[t];
    if (money !== undefined)
        return `CONVERT(VARCHAR(48), CONVERT(DECIMAL(${money}, 4), ${c}))`;
    const date = `CONVERT(VARCHAR(10), ${c}, 23)`;
    const time = `CONVERT(VARCHAR(8), ${c}, 108)`;
    switch (t) {
        case 'date':
            return date;
        case 'time':
            return nullGuard(c, `${time} + '.' + ${nanos9(c)}`);
        case 'datetime2':
            return nullGuard(c, `${date} + ' ' + ${time} + '.' + ${nanos9(c)}`);
        case 'datetime':
            return nullGuard(c, `${date} + ' ' + ${time} + '.' + ${millis3(c)}`);
        case 'smalldatetime':
            return nullGuard(c, `${date} + ' ' + ${time}`);
        case 'datetimeoffset':
            // Local date and time with the value's own offset ("+05:30"): the reference converts to UTC.
            return nullGuard(c, `${date} + ' ' + ${time} + '.' + ${nanos9(c)} + ' ' + CONVERT(VARCHAR(6), DATENAME(TZOFFSET, ${c}))`);
        default:
            return c;
    }
}


/***/ }),

/***/ 89456:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   C$: () => (/* binding */ UTF8_COLLATION),
/* harmony export */   IB: () => (/* binding */ rememberCapabilities),
/* harmony export */   SF: () => (/* binding */ capabilitiesOf),
/* harmony export */   r_: () => (/* binding */ capabilitiesFromProbe)
/* harmony export */ });
/* unused harmony export MODERN_SERVER */
/** The collation that makes VARCHAR hold UTF-8: binary, so nothing is folded or compared linguistically. */
const UTF8_COLLATION = 'Latin1_General_100_BIN2_UTF8';
function capabilitiesFromProbe(row) {
    const productVersion = row.product_version ?? '0';
    const majorVersion = Number.parseInt(productVersion.split('.')[0] ?? '0', 10) || 0;
    const engineEdition = row.engine_edition ?? 0;
    const azure = engineEdition === 5 || engineEdition === 8;
    const level = row.product_level ? ` ${row.product_level}` : '';
    const edition = row.edition ? `, ${row.edition}` : '';
    return {
        productVersion,
        description: `SQL Server ${productVersion}${level}${edition}`,
        majorVersion,
        engineEdition,
        utf8: row.utf8_code_page === 65001,
        unlimitedHashbytes: majorVersion >= 13 || azure,
        // sys.databases.snapshot_isolation_state: 1 = ON
        snapshotIsolation: row.snapshot_state === 1,
        readCommittedSnapshot: row.rcsi === true || row.rcsi === 1,
        compatibilityLevel: row.compat ?? null,
    };
}
/** Assumed for columns that did not come from readTable (a fresh SQL Server 2019+); a wrong guess fails loudly (unknown collation), never silently. */
const MODERN_SERVER = {
    productVersion: 'unknown',
    description: 'SQL Server (version unknown)',
    majorVersion: 15,
    engineEdition: 0,
    utf8: true,
    unlimitedHashbytes: true,
    snapshotIsolation: false,
    readCommittedSnapshot: false,
    compatibilityLevel: null,
};
const byColumn = new WeakMap();
function rememberCapabilities(columns, caps) {
    for (const c of columns)
        byColumn.set(c, caps);
}
function capabilitiesOf(column) {
    return byColumn.get(column) ?? MODERN_SERVER;
}


/***/ }),

/***/ 56971:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   EE: () => (/* binding */ PROBE_SQL),
/* harmony export */   PL: () => (/* binding */ readMssqlTable)
/* harmony export */ });
/* unused harmony exports TABLE_SQL, COLUMNS_SQL, KEY_SQL, toCatalogColumn, chooseKey, capabilitiesFor */
/* harmony import */ var _capabilities_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(89456);
/* harmony import */ var _canonical_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(99578);


/** Server version, editions and what the database allows (run once per endpoint). */
const PROBE_SQL = "SELECT CONVERT(NVARCHAR(128), SERVERPROPERTY('ProductVersion')) AS product_version, " +
    "CONVERT(INT, SERVERPROPERTY('EngineEdition')) AS engine_edition, " +
    `CONVERT(INT, COLLATIONPROPERTY('${_capabilities_js__WEBPACK_IMPORTED_MODULE_0__/* .UTF8_COLLATION */ .C$}', 'CodePage')) AS utf8_code_page, ` +
    'd.snapshot_isolation_state AS snapshot_state, d.is_read_committed_snapshot_on AS rcsi, d.compatibility_level AS compat, ' +
    "CONVERT(NVARCHAR(128), SERVERPROPERTY('Edition')) AS edition, CONVERT(NVARCHAR(128), SERVERPROPERTY('ProductLevel')) AS product_level " +
    'FROM sys.databases AS d WHERE d.database_id = DB_ID()';
/** @p1 schema (NULL = the login's default schema), @p2 table name; matched under the catalog's own collation. */
const TABLE_SQL = 'SELECT s.name AS schema_name, t.name AS table_name, t.object_id AS object_id, ' +
    '(SELECT SUM(p.rows) FROM sys.partitions AS p WHERE p.object_id = t.object_id AND p.index_id IN (0, 1)) AS est ' +
    'FROM sys.tables AS t JOIN sys.schemas AS s ON s.schema_id = t.schema_id ' +
    'WHERE s.name = COALESCE(@p1, SCHEMA_NAME()) AND t.name = @p2';
/** Alias types resolve to their base type; CLR types (geography, hierarchyid...) keep their own name. */
const COLUMNS_SQL = 'SELECT c.name AS column_name, ' +
    'CASE WHEN ty.is_user_defined = 1 AND ty.is_assembly_type = 0 THEN TYPE_NAME(ty.system_type_id) ELSE ty.name END AS type_name, ' +
    'c.precision AS num_precision, c.scale AS num_scale, c.max_length AS max_length, c.is_nullable AS is_nullable, ' +
    'c.collation_name AS collation_name, c.column_id AS column_id ' +
    'FROM sys.columns AS c JOIN sys.types AS ty ON ty.user_type_id = c.user_type_id ' +
    'WHERE c.object_id = @p1 ORDER BY c.column_id';
/** Primary key first, then unique, unfiltered, enabled indexes; key columns in key order. */
const KEY_SQL = 'SELECT i.index_id AS index_id, i.is_primary_key AS is_primary_key, c.name AS column_name, ic.key_ordinal AS key_ordinal, ' +
    'c.is_nullable AS is_nullable ' +
    'FROM sys.indexes AS i ' +
    'JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id ' +
    'JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id ' +
    'WHERE i.object_id = @p1 AND i.is_unique = 1 AND i.has_filter = 0 AND i.is_disabled = 0 AND i.is_hypothetical = 0 AND ic.key_ordinal > 0 ' +
    'ORDER BY i.is_primary_key DESC, i.index_id, ic.key_ordinal';
const NUMERIC_TYPES = new Set(['tinyint', 'smallint', 'int', 'bigint', 'decimal', 'numeric', 'float', 'real', 'money', 'smallmoney', 'bit']);
const TIME_TYPES = new Set(['time', 'datetime2', 'datetimeoffset', 'datetime', 'smalldatetime']);
const UNICODE_TYPES = new Set(['nchar', 'nvarchar', 'ntext']);
const LENGTH_TYPES = new Set(['char', 'varchar', 'nchar', 'nvarchar', 'binary', 'varbinary', 'text', 'ntext', 'image']);
/** sys.columns row -> CatalogColumn (lengths in characters for Unicode types, -1 for MAX). */
function toCatalogColumn(r) {
    let dataType = r.type_name.toLowerCase();
    let maxLength = r.max_length;
    if (dataType === 'sysname') {
        dataType = 'nvarchar';
        maxLength = 256;
    }
    const money = _canonical_js__WEBPACK_IMPORTED_MODULE_1__/* .MONEY_PRECISION */ .w9[dataType];
    let length = null;
    if (LENGTH_TYPES.has(dataType) && maxLength !== null) {
        length = maxLength === -1 ? -1 : UNICODE_TYPES.has(dataType) ? maxLength / 2 : maxLength;
    }
    return {
        name: r.column_name,
        dataType,
        precision: money ?? (NUMERIC_TYPES.has(dataType) ? r.num_precision : null),
        scale: money !== undefined ? 4 : dataType === 'decimal' || dataType === 'numeric' ? r.num_scale : null,
        length,
        // sys.columns.scale holds the fractional-second digits of time types (3 for datetime, 0 for smalldatetime).
        datetimePrecision: TIME_TYPES.has(dataType) ? r.num_scale : null,
        nullable: r.is_nullable === true || r.is_nullable === 1,
        collation: r.collation_name,
        ordinal: r.column_id,
    };
}
/** The primary key, else the first unique index whose key columns are all NOT NULL. */
function chooseKey(rows) {
    const indexes = new Map();
    for (const r of rows) {
        let ix = indexes.get(r.index_id);
        if (!ix) {
            ix = { primary: r.is_primary_key === true || r.is_primary_key === 1, cols: [], notNull: true };
            indexes.set(r.index_id, ix);
        }
        ix.cols.push(r.column_name);
        if (r.is_nullable === true || r.is_nullable === 1)
            ix.notNull = false;
    }
    const all = [...indexes.values()];
    const key = all.find((k) => k.primary) ?? all.find((k) => k.notNull);
    return key ? key.cols : null;
}
/** The endpoint's capabilities when it is ours, else asked from the server. */
async function capabilitiesFor(endpoint) {
    const known = endpoint.capabilities;
    if (known)
        return known;
    const rows = await endpoint.query({ text: PROBE_SQL, values: [], label: 'server-probe' });
    if (!rows[0])
        throw new Error('cannot read sys.databases for the current database');
    return (0,_capabilities_js__WEBPACK_IMPORTED_MODULE_0__/* .capabilitiesFromProbe */ .r_)(rows[0]);
}
async function readMssqlTable(endpoint, ref) {
    const tables = await endpoint.query({ text: TABLE_SQL, values: [ref.schema ?? null, ref.name], label: 'catalog-table' });
    const table = tables[0];
    if (!table)
        return null;
    const [columnRows, keyRows, caps] = await Promise.all([
        endpoint.query({ text: COLUMNS_SQL, values: [table.object_id], label: 'catalog-columns' }),
        endpoint.query({ text: KEY_SQL, values: [table.object_id], label: 'catalog-key' }),
        capabilitiesFor(endpoint),
    ]);
    const columns = columnRows.map(toCatalogColumn);
    (0,_capabilities_js__WEBPACK_IMPORTED_MODULE_0__/* .rememberCapabilities */ .IB)(columns, caps);
    return {
        schema: table.schema_name,
        name: table.table_name,
        estimatedRows: table.est === null ? null : Number(table.est),
        primaryKey: chooseKey(keyRows),
        columns,
    };
}


/***/ }),

/***/ 66150:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   MssqlEndpoint: () => (/* binding */ MssqlEndpoint),
/* harmony export */   bindParameters: () => (/* binding */ bindParameters),
/* harmony export */   connectMssql: () => (/* binding */ connectMssql),
/* harmony export */   poolConfig: () => (/* binding */ poolConfig)
/* harmony export */ });
/* harmony import */ var mssql__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(66271);
/* harmony import */ var _util_errors_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(99661);
/* harmony import */ var _util_redact_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(45171);
/* harmony import */ var _capabilities_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(89456);
/* harmony import */ var _catalog_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(56971);
/* harmony import */ var _url_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(53085);
/**
 * The SQL Server driver boundary: an mssql (tedious) ConnectionPool per
 * endpoint, sized to the concurrency, ApplicationIntent=ReadOnly, a request
 * timeout, and SNAPSHOT isolation when the database allows it (READ COMMITTED
 * otherwise). Nothing else in the code base talks to `mssql` directly.
 */






/** The pool config for one endpoint: the caller's URL plus everything this tool insists on. */
function poolConfig(base, options, isolation, poolSize = options.poolSize) {
    return {
        ...base,
        connectionTimeout: options.connectTimeoutMs,
        requestTimeout: options.statementTimeoutMs,
        pool: { max: poolSize, min: 0, idleTimeoutMillis: 30_000 },
        options: {
            ...base.options,
            appName: options.applicationName,
            // Routed to a readable secondary in an availability group; the tool never writes anyway.
            readOnlyIntent: true,
            useUTC: true,
            enableArithAbort: true,
            connectionIsolationLevel: isolation === 'SNAPSHOT' ? mssql__WEBPACK_IMPORTED_MODULE_0__.ISOLATION_LEVEL.SNAPSHOT : mssql__WEBPACK_IMPORTED_MODULE_0__.ISOLATION_LEVEL.READ_COMMITTED,
        },
    };
}
/** Bind @p1..@pN with explicit driver types (never let the driver guess a type from a JS value). */
function bindParameters(request, values) {
    values.forEach((v, i) => {
        const name = `p${i + 1}`;
        if (v === null || v === undefined)
            request.input(name, mssql__WEBPACK_IMPORTED_MODULE_0__.NVarChar(1), null);
        else if (typeof v === 'bigint')
            request.input(name, mssql__WEBPACK_IMPORTED_MODULE_0__.BigInt, v);
        else if (typeof v === 'number' && Number.isInteger(v))
            request.input(name, Math.abs(v) <= 2_147_483_647 ? mssql__WEBPACK_IMPORTED_MODULE_0__.Int : mssql__WEBPACK_IMPORTED_MODULE_0__.BigInt, v);
        else if (typeof v === 'string')
            request.input(name, v.length <= 4000 ? mssql__WEBPACK_IMPORTED_MODULE_0__.NVarChar(4000) : mssql__WEBPACK_IMPORTED_MODULE_0__.NVarChar(mssql__WEBPACK_IMPORTED_MODULE_0__.MAX), v);
        else if (v instanceof Uint8Array)
            request.input(name, mssql__WEBPACK_IMPORTED_MODULE_0__.VarBinary(mssql__WEBPACK_IMPORTED_MODULE_0__.MAX), Buffer.from(v));
        else
            throw new Error(`cannot bind parameter @${name} of type ${typeof v}`);
    });
}
/** Cannot connect at all: critical (the run cannot go on), with where it tried and why, never the password. */
function connectError(role, base, err) {
    const code = err?.code;
    return new _util_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ClassifiedError */ .IP((0,_util_redact_js__WEBPACK_IMPORTED_MODULE_2__/* .redact */ .E$)(`cannot connect to ${role} SQL Server ${(0,_url_js__WEBPACK_IMPORTED_MODULE_5__.describeTarget)(base)}: ${(0,_util_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .errorMessage */ .gJ)(err)}`), 'critical', typeof code === 'string' ? code : undefined, err);
}
async function openPool(config) {
    const pool = new mssql__WEBPACK_IMPORTED_MODULE_0__.ConnectionPool(config);
    // An idle connection dying must not crash the process; the next request gets a fresh one.
    pool.on('error', () => undefined);
    try {
        await pool.connect();
    }
    catch (err) {
        await pool.close().catch(() => undefined);
        throw err;
    }
    return pool;
}
async function connectMssql(dialect, url, role, options) {
    const base = (0,_url_js__WEBPACK_IMPORTED_MODULE_5__.parseMssqlUrl)(url);
    // One probe connection learns the version and whether SNAPSHOT is allowed, before the pool picks its isolation.
    let probe;
    try {
        const probePool = await openPool(poolConfig(base, options, 'READ COMMITTED', 1));
        try {
            const res = await probePool.request().query(_catalog_js__WEBPACK_IMPORTED_MODULE_4__/* .PROBE_SQL */ .EE);
            probe = res.recordset[0];
        }
        finally {
            await probePool.close().catch(() => undefined);
        }
    }
    catch (err) {
        throw connectError(role, base, err);
    }
    if (!probe)
        throw new _util_errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ClassifiedError */ .IP(`${role}: cannot read sys.databases for the current database`, 'critical');
    const caps = (0,_capabilities_js__WEBPACK_IMPORTED_MODULE_3__/* .capabilitiesFromProbe */ .r_)(probe);
    const isolation = caps.snapshotIsolation ? 'SNAPSHOT' : 'READ COMMITTED';
    const counter = { opened: 0 };
    // beforeConnect runs for every new driver connection: the count shows what pooling saves.
    const config = { ...poolConfig(base, options, isolation), beforeConnect: () => { counter.opened += 1; } };
    let pool;
    try {
        pool = await openPool(config);
    }
    catch (err) {
        throw connectError(role, base, err);
    }
    return new MssqlEndpoint(dialect, role, pool, options, caps, isolation, config, counter);
}
class MssqlEndpoint {
    dialect;
    role;
    pool;
    options;
    capabilities;
    isolation;
    config;
    counter;
    closed = false;
    constructor(dialect, role, pool, options, 
    /** What the server can hash exactly (read by readTable / serverSideSupported). */
    capabilities, 
    /** Isolation every read runs under, for the plan and the report. */
    isolation, config, counter) {
        this.dialect = dialect;
        this.role = role;
        this.pool = pool;
        this.options = options;
        this.capabilities = capabilities;
        this.isolation = isolation;
        this.config = config;
        this.counter = counter;
    }
    /** The shared pool, or (reuseConnections: false, to measure pooling) a one-statement connection. */
    async lease() {
        if (this.options.reuseConnections === false) {
            const pool = await openPool({ ...this.config, pool: { max: 1, min: 0 } });
            return { pool, release: () => pool.close().catch(() => undefined) };
        }
        if (this.pool.connected && this.pool.borrowed >= this.options.poolSize && this.pool.available === 0)
            this.options.onPoolExhausted?.();
        return { pool: this.pool, release: async () => undefined };
    }
    static request(pool, stmt) {
        const request = pool.request();
        bindParameters(request, stmt.values);
        return request;
    }
    async query(stmt) {
        const { pool, release } = await this.lease();
        try {
            const res = await MssqlEndpoint.request(pool, stmt).query(stmt.text);
            return res.recordset ?? [];
        }
        finally {
            await release();
        }
    }
    async *stream(stmt, batchSize) {
        const { pool, release } = await this.lease();
        const request = MssqlEndpoint.request(pool, stmt);
        const rows = request.toReadableStream({ highWaterMark: batchSize });
        // In stream mode errors arrive on the stream; the promise itself always resolves.
        void request.query(stmt.text).catch(() => undefined);
        let finished = false;
        try {
            let batch = [];
            for await (const row of rows) {
                batch.push(row);
                if (batch.length >= batchSize) {
                    yield batch;
                    batch = [];
                }
            }
            finished = true;
            if (batch.length > 0)
                yield batch;
        }
        finally {
            if (!finished) {
                // The consumer stopped early or failed: stop the server sending the rest.
                request.cancel();
                rows.destroy();
            }
            await release();
        }
    }
    poolStats() {
        // A closed (or never opened) pool has no tarn pool behind it to ask.
        if (!this.pool.connected)
            return { size: 0, inUse: 0, idle: 0, waiting: 0, opened: this.counter.opened };
        return { size: this.pool.size, inUse: this.pool.borrowed, idle: this.pool.available, waiting: this.pool.pending, opened: this.counter.opened };
    }
    async serverVersion() {
        return `${this.capabilities.description} (reads under ${this.isolation} isolation)`;
    }
    async close() {
        if (this.closed)
            return;
        this.closed = true;
        await this.pool.close();
    }
}


/***/ }),

/***/ 21865:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  mssqlDialect: () => (/* binding */ mssqlDialect)
});

// EXTERNAL MODULE: ./lib/dialects/mssql/canonical.js
var canonical = __webpack_require__(99578);
// EXTERNAL MODULE: ./lib/dialects/mssql/catalog.js
var catalog = __webpack_require__(56971);
// EXTERNAL MODULE: ./lib/dialects/mssql/connect.js
var connect = __webpack_require__(66150);
// EXTERNAL MODULE: ./lib/dialects/mssql/errors.js
var errors = __webpack_require__(84917);
// EXTERNAL MODULE: ./lib/dialects/mssql/quote.js
var quote = __webpack_require__(50344);
// EXTERNAL MODULE: ./lib/util/ranges.js
var util_ranges = __webpack_require__(3268);
;// CONCATENATED MODULE: ./lib/dialects/mssql/statements.js



/**
 * SQL Server accepts at most 2100 parameters per request. Up to this many
 * ranges (two values each) or residues are bound; beyond it they are written
 * as integer literals, produced here from JS bigint / safe integers only.
 */
const MAX_BOUND_LIST = 1000;
class Params {
    values = [];
    add(v) {
        this.values.push(v);
        return `@p${this.values.length}`;
    }
}
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
function bigintLiteral(v) {
    if (typeof v !== 'bigint' || v < INT64_MIN || v > INT64_MAX)
        throw new Error(`not a 64-bit integer: ${String(v)}`);
    return v.toString();
}
function intLiteral(v) {
    if (!Number.isSafeInteger(v))
        throw new Error(`not an integer: ${String(v)}`);
    return String(v);
}
function keyText(t) {
    return (0,canonical/* mssqlRowText */.sU)(t.keys.map((k) => (0,canonical/* mssqlCanonicalExpression */.vx)(k)));
}
function rowText(t) {
    return (0,canonical/* mssqlRowText */.sU)(t.columns.map((c) => (0,canonical/* mssqlCanonicalExpression */.vx)(c)));
}
function singleKey(t) {
    const key = t.keys[0];
    if (!key || t.keys.length !== 1)
        throw new Error('range segmentation needs exactly one integer key column');
    return (0,quote/* quoteIdent */.v4)(key.column.name);
}
/** WHERE clause for a filter plus the trusted per-side filter from the config. */
function whereClause(t, filter, p) {
    const parts = [];
    if (filter.kind === 'ranges') {
        const k = singleKey(t);
        const ranges = (0,util_ranges/* mergeRanges */.$)(filter.ranges);
        if (ranges.length === 0) {
            parts.push('1 = 0');
        }
        else {
            const bind = ranges.length <= MAX_BOUND_LIST;
            const preds = ranges.map(([lo, hi]) => bind ? `${k} BETWEEN ${p.add(lo)} AND ${p.add(hi)}` : `${k} BETWEEN ${bigintLiteral(lo)} AND ${bigintLiteral(hi)}`);
            parts.push(preds.length === 1 ? preds[0] : `(${preds.join(' OR ')})`);
        }
    }
    else if (filter.kind === 'residues') {
        const m = p.add(filter.modulus);
        if (filter.residues.length === 0) {
            parts.push('1 = 0');
        }
        else {
            const bind = filter.residues.length <= MAX_BOUND_LIST;
            const list = filter.residues.map((r) => (bind ? p.add(r) : intLiteral(r)));
            parts.push(`(${(0,canonical/* mssqlKeyHash */.yh)(keyText(t))} % ${m}) IN (${list.join(', ')})`);
        }
    }
    if (t.where)
        parts.push(`(${t.where})`);
    return parts.length ? ` WHERE ${parts.join(' AND ')}` : '';
}
function bucketExpression(t, b, p) {
    if (b.kind === 'range') {
        // BIGINT division truncates toward zero, like PostgreSQL's bigint division.
        return `(CONVERT(BIGINT, ${singleKey(t)}) - ${p.add(b.base)}) / ${p.add(b.width)}`;
    }
    return `${(0,canonical/* mssqlKeyHash */.yh)(keyText(t))} % ${p.add(b.modulus)}`;
}
function countStatement(t) {
    const p = new Params();
    return {
        text: `SELECT CONVERT(VARCHAR(20), COUNT_BIG(*)) AS n FROM ${(0,quote/* quoteTable */.Z8)(t.table)}${whereClause(t, { kind: 'all' }, p)}`,
        values: p.values,
        label: 'count',
    };
}
function keyBoundsStatement(t) {
    const p = new Params();
    const k = singleKey(t);
    return {
        // MIN and MAX alone: answered from the ends of the key index, no scan.
        text: `SELECT CONVERT(VARCHAR(48), MIN(${k})) AS lo, CONVERT(VARCHAR(48), MAX(${k})) AS hi FROM ${(0,quote/* quoteTable */.Z8)(t.table)}${whereClause(t, { kind: 'all' }, p)}`,
        values: p.values,
        label: 'key-bounds',
    };
}
/** One scan: rows grouped by bucket, count and exact DECIMAL(38,0) sum of the 64-bit row hashes (no overflow). */
function segmentChecksumStatement(t, filter, bucketing) {
    const p = new Params();
    const bucket = bucketExpression(t, bucketing, p);
    const where = whereClause(t, filter, p);
    const inner = `SELECT ${bucket} AS bucket, ${(0,canonical/* mssqlRowHash */.vB)(rowText(t))} AS h FROM ${(0,quote/* quoteTable */.Z8)(t.table)}${where}`;
    return {
        text: 'SELECT CONVERT(VARCHAR(20), __cdc_s.bucket) AS bucket, CONVERT(VARCHAR(20), COUNT_BIG(*)) AS cnt, ' +
            `CONVERT(VARCHAR(48), SUM(CONVERT(DECIMAL(38, 0), __cdc_s.h))) AS [sum] FROM (${inner}) AS __cdc_s GROUP BY __cdc_s.bucket`,
        values: p.values,
        label: 'segment-checksum',
    };
}
/** Canonical key text, row hash and every column's canonical text (sent as NVARCHAR, whatever the database code page). */
function leafRowsStatement(t, filter) {
    const p = new Params();
    const cols = t.columns.map((c, i) => `CONVERT(NVARCHAR(MAX), ${(0,canonical/* mssqlCanonicalExpression */.vx)(c)}) AS c${i}`);
    const where = whereClause(t, filter, p);
    return {
        text: `SELECT CONVERT(NVARCHAR(MAX), ${keyText(t)}) AS key_text, CONVERT(VARCHAR(20), ${(0,canonical/* mssqlRowHash */.vB)(rowText(t))}) AS row_hash, ${cols.join(', ')} FROM ${(0,quote/* quoteTable */.Z8)(t.table)}${where}`,
        values: p.values,
        label: 'leaf-rows',
    };
}
/** Raw values for client-side hashing (exact text for types the driver would round). */
function rowStreamStatement(t, filter) {
    const p = new Params();
    const cols = t.columns.map((c, i) => `${(0,canonical/* mssqlRawExpression */.rz)(c.column)} AS c${i}`);
    const where = whereClause(t, filter, p);
    return { text: `SELECT ${cols.join(', ')} FROM ${(0,quote/* quoteTable */.Z8)(t.table)}${where}`, values: p.values, label: 'row-stream' };
}

;// CONCATENATED MODULE: ./lib/dialects/mssql/index.js






function mssql_text(v) {
    if (v === null || v === undefined)
        throw new Error('unexpected NULL in a SQL Server result');
    return String(v);
}
const mssqlDialect = {
    name: 'mssql',
    connect: (url, role, options) => (0,connect.connectMssql)(mssqlDialect, url, role, options),
    quoteIdent: quote/* quoteIdent */.v4,
    quoteTable: quote/* quoteTable */.Z8,
    readTable: catalog/* readMssqlTable */.PL,
    canonicalFamily: canonical/* mssqlCanonicalFamily */.XC,
    serverSideSupported: canonical/* mssqlServerSideSupported */.Ti,
    canonicalExpression: (side) => (0,canonical/* mssqlCanonicalExpression */.vx)(side),
    countStatement: countStatement,
    keyBoundsStatement: keyBoundsStatement,
    segmentChecksumStatement: segmentChecksumStatement,
    leafRowsStatement: leafRowsStatement,
    rowStreamStatement: rowStreamStatement,
    toSegmentChecksumRow: (row) => ({
        bucket: BigInt(mssql_text(row.bucket)),
        count: BigInt(mssql_text(row.cnt)),
        sum: mssql_text(row.sum),
    }),
    toLeafRow: (row, columnCount) => ({
        keyText: mssql_text(row.key_text),
        rowHash: mssql_text(row.row_hash),
        columns: Array.from({ length: columnCount }, (_, i) => (row[`c${i}`] ?? null)),
    }),
    classifyError: errors.classifyMssqlError,
};


/***/ }),

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
