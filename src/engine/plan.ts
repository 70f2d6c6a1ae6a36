/**
 * Plan: read both catalogs, map tables and columns, choose the key and the
 * canonical type of every column pair. Anything the catalog does not have is
 * an error for that table, found before any data query.
 */
import type { CanonicalFamily, CanonicalSpec } from '../canonical/types.js';
import { DEFAULT_FRACTIONAL_DIGITS, DOUBLE_DIGITS } from '../canonical/types.js';
import type { TableSpec } from '../config/load.js';
import { formatTableName } from '../config/table-name.js';
import type { CatalogColumn, CatalogTable, Dialect, Endpoint, SideColumn, SideTable } from '../dialects/types.js';
import { TableError } from '../util/errors.js';

export interface ColumnPair {
  source: CatalogColumn;
  target: CatalogColumn;
  canonical: CanonicalSpec;
}

export interface TablePlan {
  spec: TableSpec;
  source: SideTable;
  target: SideTable;
  sourceCatalog: CatalogTable;
  targetCatalog: CatalogTable;
  pairs: ColumnPair[];
  /** Number of leading pairs that form the key. */
  keyCount: number;
  segmentation: 'range' | 'hash';
  hash: 'server' | 'client';
  warnings: string[];
}

type Family = CanonicalFamily | { unsupported: string };

function isUnsupported(f: Family): f is { unsupported: string } {
  return 'unsupported' in f;
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

/** Align two canonical families into one spec both sides render, or say why they cannot be compared. */
export function alignFamilies(
  s: CanonicalFamily,
  t: CanonicalFamily,
  tuning: { floatDigits?: number; timestampDigits?: number },
): CanonicalSpec | { reason: string } {
  const pair = new Set([s.type, t.type]);
  if (s.type === t.type) {
    switch (s.type) {
      case 'decimal': {
        const scale = minDefined(s.scale, t.scale);
        return { type: 'decimal', scale };
      }
      case 'float':
        return { type: 'float', floatDigits: Math.min(s.floatDigits ?? DOUBLE_DIGITS, t.floatDigits ?? DOUBLE_DIGITS, tuning.floatDigits ?? DOUBLE_DIGITS) };
      case 'time':
      case 'timestamp':
      case 'timestamptz':
        return {
          type: s.type,
          fractionalDigits: Math.min(
            s.fractionalDigits ?? DEFAULT_FRACTIONAL_DIGITS,
            t.fractionalDigits ?? DEFAULT_FRACTIONAL_DIGITS,
            tuning.timestampDigits ?? DEFAULT_FRACTIONAL_DIGITS,
          ),
        };
      case 'text':
        return { type: 'text', rtrim: Boolean(s.fixedWidth || t.fixedWidth) };
      default:
        return { type: s.type };
    }
  }
  if (pair.has('int') && pair.has('decimal')) {
    const dec = s.type === 'decimal' ? s : t;
    if (!dec.scale) return { type: 'decimal', scale: 0 };
    return { reason: `integer vs decimal with scale ${dec.scale}` };
  }
  return { reason: `${s.type} vs ${t.type} cannot be compared` };
}

export function findColumn(table: CatalogTable, name: string): CatalogColumn | undefined {
  const exact = table.columns.find((c) => c.name === name);
  if (exact) return exact;
  // Case-insensitive fallback only when unambiguous (SQL Server names are case-insensitive).
  const folded = table.columns.filter((c) => c.name.toLowerCase() === name.toLowerCase());
  return folded.length === 1 ? folded[0] : undefined;
}

export interface PlanInput {
  spec: TableSpec;
  source: { dialect: Dialect; endpoint: Endpoint };
  target: { dialect: Dialect; endpoint: Endpoint };
}

export async function planTable(input: PlanInput): Promise<TablePlan> {
  const { spec } = input;
  const [srcCat, tgtCat] = await Promise.all([
    input.source.dialect.readTable(input.source.endpoint, spec.source),
    input.target.dialect.readTable(input.target.endpoint, spec.target),
  ]);
  if (!srcCat) throw new TableError(`source table ${formatTableName(spec.source)} not found in the source catalog`, spec.id, 'plan');
  if (!tgtCat) throw new TableError(`target table ${formatTableName(spec.target)} not found in the target catalog`, spec.id, 'plan');
  return buildPlan(spec, srcCat, tgtCat, input.source.dialect, input.target.dialect);
}

/** Pure part of planning, given both catalogs. */
export function buildPlan(spec: TableSpec, src: CatalogTable, tgt: CatalogTable, sd: Dialect, td: Dialect): TablePlan {
  const warnings: string[] = [];
  const fail = (msg: string) => new TableError(msg, spec.id, 'plan');

  for (const name of [...(spec.include ?? []), ...spec.exclude, ...Object.keys(spec.rename), ...(spec.key ?? [])]) {
    // An excluded name may be a target-only column (a sink's metadata column, a column dropped at the source).
    if (!findColumn(src, name) && !(spec.exclude.includes(name) && findColumn(tgt, name))) {
      throw fail(`column ${JSON.stringify(name)} named in the config is not a column of source table ${src.schema}.${src.name}`);
    }
  }

  const keyNames = spec.key ?? src.primaryKey;
  if (!keyNames || keyNames.length === 0) {
    throw fail(`source table ${src.schema}.${src.name} has no primary key or unique NOT NULL index; set "key:" for it in the config`);
  }

  const targetNameOf = (c: CatalogColumn) => spec.rename[c.name] ?? c.name;
  // Computed source columns are not captured by SQL Server CDC: left out unless the config includes them by name.
  const computed = src.columns.filter((c) => c.computed && !spec.include?.includes(c.name) && !keyNames.includes(c.name) && !spec.exclude.includes(c.name));
  const selected = src.columns.filter(
    (c) => (!spec.include || spec.include.includes(c.name) || keyNames.includes(c.name)) && !spec.exclude.includes(c.name) && !computed.includes(c),
  );
  for (const c of computed) warnings.push(`column ${c.name} not compared: computed at the source (SQL Server CDC does not capture computed columns)`);

  const pairs: ColumnPair[] = [];
  const used = new Set<string>();
  const keyPairs: ColumnPair[] = [];
  for (const keyName of keyNames) {
    const sc = findColumn(src, keyName)!;
    const tc = findColumn(tgt, targetNameOf(sc));
    if (!tc) throw fail(`key column ${JSON.stringify(sc.name)} has no counterpart ${JSON.stringify(targetNameOf(sc))} in target ${tgt.schema}.${tgt.name}`);
    const spec2 = pairSpec(sc, tc);
    if ('reason' in spec2) throw fail(`key column ${sc.name}: ${spec2.reason}`);
    keyPairs.push({ source: sc, target: tc, canonical: spec2 });
    used.add(sc.name);
  }

  function pairSpec(sc: CatalogColumn, tc: CatalogColumn): CanonicalSpec | { reason: string } {
    const sf: Family = sd.canonicalFamily(sc);
    const tf: Family = td.canonicalFamily(tc);
    if (isUnsupported(sf)) return { reason: `source type ${sc.dataType}: ${sf.unsupported}` };
    if (isUnsupported(tf)) return { reason: `target type ${tc.dataType}: ${tf.unsupported}` };
    return alignFamilies(sf, tf, spec);
  }

  for (const sc of selected) {
    if (used.has(sc.name)) continue;
    const tc = findColumn(tgt, targetNameOf(sc));
    if (!tc) {
      const msg = `column ${JSON.stringify(targetNameOf(sc))} is not in target ${tgt.schema}.${tgt.name}`;
      if (spec.include?.includes(sc.name) || spec.rename[sc.name]) throw fail(msg);
      warnings.push(`schema drift: ${msg}; compared the common columns only`);
      continue;
    }
    const s = pairSpec(sc, tc);
    if ('reason' in s) {
      if (spec.include?.includes(sc.name)) throw fail(`column ${sc.name}: ${s.reason}`);
      warnings.push(`column ${sc.name} not compared: ${s.reason}`);
      continue;
    }
    pairs.push({ source: sc, target: tc, canonical: s });
    used.add(sc.name);
  }
  const mappedTargets = new Set([...keyPairs, ...pairs].map((p) => p.target.name));
  for (const c of computed) {
    const tc = findColumn(tgt, targetNameOf(c));
    if (tc) mappedTargets.add(tc.name);
  }
  for (const tc of tgt.columns) {
    if (!mappedTargets.has(tc.name) && !spec.include && !spec.exclude.some((e) => e.toLowerCase() === tc.name.toLowerCase())) {
      warnings.push(`schema drift: target column ${JSON.stringify(tc.name)} has no source counterpart; not compared`);
    }
  }

  const all = [...keyPairs, ...pairs];
  const sideOf = (which: 'source' | 'target'): SideColumn[] =>
    all.map((p) => fixNative({ column: p[which], canonical: p.canonical }, which === 'source' ? sd : td));

  const sourceColumns = sideOf('source');
  const targetColumns = sideOf('target');
  // Why each side cannot hash a column in the database: the column's type, or the server itself (version).
  const reasons = new Map<string, string[]>();
  const noteReason = (d: Dialect, side: 'source' | 'target', c: CatalogColumn, s: CanonicalSpec) => {
    if (d.serverSideSupported(c, s)) return;
    const reason = `${side} ${d.serverSideUnsupportedReason?.(c, s) ?? `${c.dataType} has no exact in-database canonical form`}`;
    reasons.set(reason, [...(reasons.get(reason) ?? []), c.name]);
  };
  all.forEach((p, i) => {
    noteReason(sd, 'source', p.source, sourceColumns[i]!.canonical);
    noteReason(td, 'target', p.target, targetColumns[i]!.canonical);
  });
  let hash = spec.hash;
  if (hash === 'server' && reasons.size > 0) {
    hash = 'client';
    const why = [...reasons].map(([reason, cols]) => `${reason} (column${cols.length > 1 ? 's' : ''} ${cols.join(', ')})`);
    warnings.push(`this table is hashed client-side: ${why.join('; ')}`);
  }
  const segmentation = keyPairs.length === 1 && keyPairs[0]!.canonical.type === 'int' ? 'range' : 'hash';
  return {
    spec,
    source: { table: { schema: src.schema, name: src.name }, columns: sourceColumns, keys: sourceColumns.slice(0, keyPairs.length), where: spec.sourceWhere },
    target: { table: { schema: tgt.schema, name: tgt.name }, columns: targetColumns, keys: targetColumns.slice(0, keyPairs.length), where: spec.targetWhere },
    sourceCatalog: src,
    targetCatalog: tgt,
    pairs: all,
    keyCount: keyPairs.length,
    segmentation,
    hash,
    warnings,
  };
}

/** Float columns render from their own type's digits first (15 for double, 6 for real). */
function fixNative(c: SideColumn, d: Dialect): SideColumn {
  if (c.canonical.type !== 'float') return c;
  const fam = d.canonicalFamily(c.column);
  const native = isUnsupported(fam) ? DOUBLE_DIGITS : (fam.floatDigits ?? DOUBLE_DIGITS);
  return { column: c.column, canonical: { ...c.canonical, floatNativeDigits: native } };
}

export function describeCanonical(s: CanonicalSpec): string {
  const parts: string[] = [s.type];
  if (s.scale !== undefined) parts.push(`scale=${s.scale}`);
  if (s.fractionalDigits !== undefined) parts.push(`digits=${s.fractionalDigits}`);
  if (s.floatDigits !== undefined) parts.push(`significant=${s.floatDigits}`);
  if (s.rtrim) parts.push('rtrim');
  return parts.join(' ');
}
