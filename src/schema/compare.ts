/**
 * Source table vs target table, from the two catalogs alone (pure: no query).
 * Uses the plan's own column mapping (config include / exclude / rename, the
 * same case-insensitive fallback) and the same type-pair table
 * (`canonicalFamily` + `alignFamilies`), so a finding here is exactly a column
 * the row comparison leaves out or compares with loss.
 *
 * Direction: data flows source -> target, so "narrower" always means the
 * target holds less than the source.
 */
import type { CanonicalFamily } from '../canonical/types.js';
import type { TableSpec } from '../config/load.js';
import type { CatalogColumn, CatalogTable, Dialect, DialectName } from '../dialects/types.js';
import { alignFamilies, findColumn } from '../engine/plan.js';
import { ddlFor } from './ddl.js';
import { q, type SchemaFinding, type SchemaSeverity, sortFindings } from './findings.js';
import { maxLength, targetTypeFor, typeText } from './types.js';

export interface CompareInput {
  spec: TableSpec;
  source: CatalogTable;
  target: CatalogTable;
  sourceDialect: Dialect;
  targetDialect: Dialect;
}

/** Finding codes of columns the row comparison leaves out. */
export const UNCOMPARED_CODES: ReadonlySet<string> = new Set([
  'column-missing-in-target',
  'column-missing-in-source',
  'column-renamed',
  'type-mismatch',
  'type-not-compared',
  'computed-column-not-compared',
]);

/** Fractional-second digits each dialect can store at most. */
const MAX_FRACTIONAL_DIGITS: Record<DialectName, number> = { postgres: 6, mssql: 7 };

const INT_RANGE: Record<string, readonly [number, number]> = {
  tinyint: [0, 255],
  smallint: [-32768, 32767],
  int: [-2147483648, 2147483647],
  integer: [-2147483648, 2147483647],
  bigint: [-9223372036854775808, 9223372036854775807],
};

type Family = CanonicalFamily | { unsupported: string };
const unsupported = (f: Family): f is { unsupported: string } => 'unsupported' in f;

/** The key the plan uses: the config's, else the source catalog's. */
export function keyNamesOf(spec: TableSpec, src: CatalogTable): string[] {
  return spec.key ?? src.primaryKey ?? [];
}

/** Source columns the row comparison selects (the plan's rule: include / exclude, keys always). */
export function selectedSourceColumns(spec: TableSpec, src: CatalogTable): CatalogColumn[] {
  const keys = keyNamesOf(spec, src);
  const computed = new Set(computedNotCompared(spec, src));
  return src.columns.filter(
    (c) => (!spec.include || spec.include.includes(c.name) || keys.includes(c.name)) && !spec.exclude.includes(c.name) && !computed.has(c),
  );
}

/**
 * Computed source columns left out of the comparison: SQL Server CDC does not capture them (NULL in the
 * change table), so the target never holds their values. Compared only when the config includes them by name.
 */
export function computedNotCompared(spec: TableSpec, src: CatalogTable): CatalogColumn[] {
  const keys = keyNamesOf(spec, src);
  return src.columns.filter((c) => c.computed && !spec.include?.includes(c.name) && !keys.includes(c.name) && !spec.exclude.includes(c.name));
}

/** Smallest and largest value a numeric column holds; null when not numeric. */
function valueRange(c: CatalogColumn, f: CanonicalFamily): readonly [number, number] | null {
  const ints = INT_RANGE[c.dataType];
  if (ints) return ints;
  if (f.type !== 'decimal') return null;
  if (c.precision === null) return [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
  const scale = c.scale ?? 0;
  const max = 10 ** (c.precision - scale) - 10 ** -scale;
  return [-max, max];
}

/** Fractional digits of a numeric column; Infinity for an unconstrained PostgreSQL numeric. */
function scaleOf(c: CatalogColumn, f: CanonicalFamily): number {
  if (f.type === 'int') return 0;
  if (c.precision === null && c.scale === null) return Number.POSITIVE_INFINITY;
  return c.scale ?? 0;
}

function fractionalDigits(c: CatalogColumn, f: CanonicalFamily): number {
  return c.datetimePrecision ?? f.fractionalDigits ?? 6;
}

const digitsText = (n: number) => (Number.isFinite(n) ? String(n) : 'any number of');

export function compareSchemas(input: CompareInput): SchemaFinding[] {
  const { spec, source: src, target: tgt, sourceDialect: sd, targetDialect: td } = input;
  const out: SchemaFinding[] = [];
  const add = (severity: SchemaSeverity, code: string, message: string, fix?: string, column?: string) => {
    out.push({ table: spec.id, severity, code, message, ...(fix ? { fix } : {}), ...(column !== undefined ? { column } : {}) });
  };
  const srcName = `${src.schema}.${src.name}`;
  const tgtName = `${tgt.schema}.${tgt.name}`;
  const tddl = ddlFor(td, tgt);
  const sameDialect = sd.name === td.name;
  const targetNameOf = (c: CatalogColumn) => spec.rename[c.name] ?? c.name;
  const excludeHint = (name: string) => `columns: { exclude: [${q(name)}] }`;

  // Columns the config names must exist in the source (the plan refuses to run otherwise).
  const named: Array<[string, string]> = [
    ...(spec.include ?? []).map((n): [string, string] => ['columns.include', n]),
    ...spec.exclude.map((n): [string, string] => ['columns.exclude', n]),
    ...Object.keys(spec.rename).map((n): [string, string] => ['columns.rename', n]),
    ...(spec.key ?? []).map((n): [string, string] => ['key', n]),
  ];
  for (const [where, name] of named) {
    if (!findColumn(src, name) && !(where === 'columns.exclude' && findColumn(tgt, name))) {
      add('error', 'config-column-missing', `column ${q(name)} named in the config (${where}) is not a column of source ${srcName} (dropped or renamed at the source?)`, `remove ${q(name)} from ${where} of table ${spec.id} in the config, or use its new name`, name);
    }
  }

  // ---- keys
  const mapKey = (names: string[]) => names.map((n) => findColumn(tgt, spec.rename[n] ?? n)?.name ?? spec.rename[n] ?? n);
  if (!src.primaryKey) {
    if (spec.key) {
      add('error', 'key-missing-in-source', `source ${srcName} has no primary key or unique NOT NULL index: rows are matched by the configured key (${spec.key.join(', ')}), but Debezium sends changes without a key, so the sink cannot update or delete rows by key`, ddlFor(sd, src).addPrimaryKey(spec.key));
    } else {
      add('error', 'key-missing-in-source', `source ${srcName} has no primary key or unique NOT NULL index: rows cannot be matched`, `add a primary key to ${srcName}, or set "key:" for table ${spec.id} in the config`);
    }
  }
  if (!tgt.primaryKey) {
    const want = src.primaryKey ?? spec.key;
    add('error', 'key-missing-in-target', `target ${tgtName} has no primary key or unique NOT NULL index: the sink cannot upsert or delete by key, so updates and deletes do not land (or become duplicate rows)`, want ? tddl.addPrimaryKey(mapKey(want)) : undefined);
  }
  if (src.primaryKey && tgt.primaryKey) {
    const expected = mapKey(src.primaryKey);
    const lower = (xs: string[]) => new Set(xs.map((x) => x.toLowerCase()));
    const a = lower(expected);
    const b = lower(tgt.primaryKey);
    if (a.size !== b.size || [...a].some((x) => !b.has(x))) {
      add(
        'error',
        'key-mismatch',
        `primary keys differ: source ${srcName} (${src.primaryKey.join(', ')}), target ${tgtName} (${tgt.primaryKey.join(', ')}): the sink matches rows by a different key, so updates and deletes reach the wrong rows or none`,
        `give the target the source's key: drop the target's primary key (or unique index) on (${tgt.primaryKey.join(', ')}), then\n${tddl.addPrimaryKey(expected)}`,
      );
    }
  }

  // ---- columns
  const keyNames = keyNamesOf(spec, src);
  const sourceOnly: CatalogColumn[] = [];
  const matchedTargets = new Set<string>();
  for (const sc of computedNotCompared(spec, src)) {
    const tc = findColumn(tgt, targetNameOf(sc));
    if (tc) matchedTargets.add(tc.name);
    add(
      'info',
      'computed-column-not-compared',
      `column ${q(sc.name)} of source ${srcName} is computed: SQL Server CDC does not capture computed columns (NULL in the change table), so the target never receives its values${tc ? ` (target column ${q(tc.name)} is not compared either)` : ''}; it is not compared`,
      `nothing to capture; to compare it anyway (the target computes it itself), name it in the config: columns: { include: [...] }`,
      sc.name,
    );
  }
  for (const sc of selectedSourceColumns(spec, src)) {
    const tc = findColumn(tgt, targetNameOf(sc));
    if (!tc) {
      sourceOnly.push(sc);
      continue;
    }
    matchedTargets.add(tc.name);
    comparePair(sc, tc, keyNames.includes(sc.name));
  }
  const targetOnly = spec.include
    ? []
    : tgt.columns.filter((tc) => !matchedTargets.has(tc.name) && !spec.exclude.some((e) => e.toLowerCase() === tc.name.toLowerCase()));

  for (const [sc, tc] of likelyRenames(sourceOnly, targetOnly)) {
    sourceOnly.splice(sourceOnly.indexOf(sc), 1);
    targetOnly.splice(targetOnly.indexOf(tc), 1);
    add(
      'error',
      'column-renamed',
      `source column ${q(sc.name)} has no counterpart in target ${tgtName} and target column ${q(tc.name)} none in source ${srcName}; both are ${typeText(sc)}${sameDialect ? '' : ` / ${typeText(tc)}`}: probably one column renamed on one side. Neither is compared`,
      `if the target column was renamed, rename it back:\n${tddl.renameColumn(tc.name, targetNameOf(sc))}\nor map the names in the config: columns: { rename: { ${q(sc.name)}: ${q(tc.name)} } }`,
      sc.name,
    );
  }
  for (const sc of sourceOnly) {
    const type = targetTypeFor(sc, sd.name, td.name);
    const ddl = type ? `${tddl.addColumn(targetNameOf(sc), type)}\n` : '';
    add(
      'error',
      'column-missing-in-target',
      `source column ${q(sc.name)} (${typeText(sc)}) has no counterpart ${q(targetNameOf(sc))} in target ${tgtName}: its values never reach the target; rows are compared on the common columns only`,
      `add the column to the target and backfill it (an incremental snapshot of the table), or let the sink's schema evolution add it once the pipeline carries it:\n${ddl}or leave it out of the comparison: ${excludeHint(sc.name)}`,
      sc.name,
    );
  }
  for (const tc of targetOnly) {
    add(
      'error',
      'column-missing-in-source',
      `target column ${q(tc.name)} (${typeText(tc)}) has no counterpart in source ${srcName} (dropped at the source, or added by the sink): it is not compared${tc.nullable ? ', and new rows get NULL in it' : ', and it is NOT NULL, so rows the pipeline inserts without it fail unless it has a default'}`,
      `drop it from the target once nothing reads it:\n${tddl.dropColumn(tc.name)}\nor, if the sink maintains it (metadata column), leave it out of the comparison: ${excludeHint(tc.name)}`,
      tc.name,
    );
  }
  return sortFindings(out);

  function comparePair(sc: CatalogColumn, tc: CatalogColumn, isKey: boolean): void {
    const sf: Family = sd.canonicalFamily(sc);
    const tf: Family = td.canonicalFamily(tc);
    const pair = `source ${typeText(sc)} -> target ${typeText(tc)}`;
    if (unsupported(sf) || unsupported(tf)) {
      const reason = unsupported(sf) ? `source type ${sc.dataType}: ${sf.unsupported}` : `target type ${tc.dataType}: ${(tf as { unsupported: string }).unsupported}`;
      add('info', 'type-not-compared', `column ${q(sc.name)} (${pair}) is not compared: ${reason}`, `nothing to fix in the schema; to silence this, leave it out of the comparison: ${excludeHint(sc.name)}`, sc.name);
      return;
    }
    const wanted = targetTypeFor(sc, sd.name, td.name);
    const widen = wanted ? tddl.alterType(tc.name, wanted, tc.nullable) : undefined;
    const aligned = alignFamilies(sf, tf, spec);
    if ('reason' in aligned) {
      add('error', 'type-mismatch', `column ${q(sc.name)}: ${pair} do not map (${aligned.reason}); the column is not compared`, widen ? `give the target column the source's type:\n${widen}` : `give target column ${q(tc.name)} a type that holds ${typeText(sc)}`, sc.name);
      return;
    }
    const lossy = (code: string, message: string) =>
      add('warning', code, `column ${q(sc.name)}: ${pair}: ${message}`, widen ? `widen the target column:\n${widen}` : `widen target column ${q(tc.name)} to hold ${typeText(sc)}`, sc.name);
    let lost = false;

    const sr = valueRange(sc, sf);
    const tr = valueRange(tc, tf);
    if (sr && tr && (tr[0] > sr[0] || tr[1] < sr[1])) {
      lossy('precision-narrower', 'the target holds a smaller range of values; larger values fail to replicate');
      lost = true;
    }
    if (sf.type === 'decimal' || tf.type === 'decimal') {
      const ss = scaleOf(sc, sf);
      const ts = scaleOf(tc, tf);
      if (ts < ss) {
        lossy('scale-narrower', `the target keeps ${ts} decimal digit(s) instead of ${digitsText(ss)}; values are rounded`);
        lost = true;
      }
    }
    if (sf.type === 'float' && tf.type === 'float' && (tf.floatDigits ?? 15) < (sf.floatDigits ?? 15)) {
      lossy('precision-narrower', `the target keeps ${tf.floatDigits} significant digits instead of ${sf.floatDigits}; values are rounded`);
      lost = true;
    }
    if ((sf.type === 'text' && tf.type === 'text') || (sf.type === 'binary' && tf.type === 'binary')) {
      const sl = maxLength(sc);
      const tl = maxLength(tc);
      if (tl < sl) {
        lossy('length-narrower', `the target holds at most ${tl} ${sf.type === 'text' ? 'characters' : 'bytes'} instead of ${Number.isFinite(sl) ? sl : 'any number'}; longer values are cut or rejected`);
        lost = true;
      }
    }
    if (sf.type === 'time' || sf.type === 'timestamp' || sf.type === 'timestamptz') {
      const sdg = fractionalDigits(sc, sf);
      const tdg = fractionalDigits(tc, tf);
      if (tdg < sdg) {
        const ceiling = MAX_FRACTIONAL_DIGITS[td.name];
        const message = `the target keeps ${tdg} fractional second digit(s) instead of ${sdg}; the extra digits are lost`;
        if (tdg >= ceiling) {
          add('info', 'time-precision-narrower', `column ${q(sc.name)}: ${pair}: ${message} (the most ${td.name === 'postgres' ? 'PostgreSQL' : 'the target'} stores; the comparison uses ${tdg} digits)`, undefined, sc.name);
        } else {
          lossy('time-precision-narrower', message);
          lost = true;
        }
      }
    }
    if (!isKey && sc.nullable !== tc.nullable) {
      const fix = tddl.setNullable(tc.name, typeText(tc), sc.nullable);
      if (sc.nullable) {
        add('warning', 'nullability-differs', `column ${q(sc.name)}: source allows NULL, target is NOT NULL: a NULL from the source cannot be written, so the sink fails on that row`, `allow NULL in the target:\n${fix}`, sc.name);
      } else {
        add('warning', 'nullability-differs', `column ${q(sc.name)}: source is NOT NULL, target allows NULL: the target accepts NULLs the source never has, so a value the pipeline drops arrives as NULL unnoticed`, `make the target column NOT NULL (after checking it holds no NULL):\n${fix}`, sc.name);
      }
    }
    if (!lost && sameDialect && typeText(sc) !== typeText(tc)) {
      add('info', 'type-widened', `column ${q(sc.name)}: ${pair}: a different type that holds every source value; compared as ${aligned.type}`, undefined, sc.name);
    }
  }

  /** Source-only and target-only columns of the same type, matched one to one. */
  function likelyRenames(srcOnly: CatalogColumn[], tgtOnly: CatalogColumn[]): Array<[CatalogColumn, CatalogColumn]> {
    const sameType = (s: CatalogColumn, t: CatalogColumn): boolean => {
      const sf: Family = sd.canonicalFamily(s);
      const tf: Family = td.canonicalFamily(t);
      if (sameDialect) return typeText(s) === typeText(t);
      if (unsupported(sf) || unsupported(tf) || sf.type !== tf.type) return false;
      return !('reason' in alignFamilies(sf, tf, {}));
    };
    const out: Array<[CatalogColumn, CatalogColumn]> = [];
    const used = new Set<CatalogColumn>();
    for (const s of srcOnly) {
      const candidates = tgtOnly.filter((t) => !used.has(t) && sameType(s, t));
      const back = (t: CatalogColumn) => srcOnly.filter((s2) => sameType(s2, t));
      let pick: CatalogColumn | undefined;
      if (candidates.length === 1 && back(candidates[0]!).length === 1) pick = candidates[0];
      else {
        // Several of the same type: only a column at the same position counts.
        const same = candidates.filter((t) => t.ordinal === s.ordinal);
        if (same.length === 1 && back(same[0]!).filter((s2) => s2.ordinal === s.ordinal).length === 1) pick = same[0];
      }
      if (pick) {
        used.add(pick);
        out.push([s, pick]);
      }
    }
    return out;
  }
}
