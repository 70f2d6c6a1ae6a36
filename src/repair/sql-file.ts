/**
 * `repair: sql`: a reviewed SQL file for the PostgreSQL target, written and
 * never run. Missing and changed rows become upserts
 * (INSERT ... ON CONFLICT (key) DO UPDATE) with the values the engine read
 * from the source, extra rows become DELETEs by key; all of it inside one
 * transaction, behind a header that says what it is.
 *
 * Values come from the source's canonical form (what was compared), so a
 * datetime2(7), a decimal or a Unicode string arrive exactly as compared,
 * never through a lossy JavaScript type. Every literal is validated against
 * its canonical shape; strings are E'...' literals with every control
 * character escaped (src/repair/keys.ts), so the file has no raw newline or
 * backslash inside a value for psql or a reviewer's editor to misread.
 * Names are quoted from the target catalog; comments carry no raw control
 * characters either.
 */
import type { CanonicalSpec } from '../canonical/types.js';
import type { LeafRow } from '../dialects/types.js';
import { quoteIdent, quoteTable } from '../dialects/postgres/quote.js';
import type { RowDiff } from '../engine/diff.js';
import type { TablePlan } from '../engine/plan.js';
import { decodeKeyValue, KeyEncodingError, pgLiteral, pgString } from './keys.js';

const NUMBER_RE = /^-?\d+(\.\d+)?$/;
const SPECIAL_FLOAT = /^(NaN|-?Infinity)$/;
const PLAIN_RE = /^[0-9a-fA-FTZ:.-]+$/;
/** A date, time or time stamp as PostgreSQL prints it (canonical form 2), which it also reads. */
const TEMPORAL_RE = /^(?:-?infinity|[0-9]{2}[0-9:. +-]*(?: BC)?)$/;

/** PostgreSQL literal of one canonical column value (NULL stays NULL). */
export function valueLiteral(canonical: string | null, spec: CanonicalSpec): string {
  if (canonical === null) return 'NULL';
  const bad = () => new KeyEncodingError(`unexpected canonical ${spec.type} value ${JSON.stringify(canonical.slice(0, 80))}`);
  switch (spec.type) {
    case 'int':
    case 'decimal':
    case 'float':
      if (NUMBER_RE.test(canonical)) return canonical;
      if (SPECIAL_FLOAT.test(canonical)) return `'${canonical}'`;
      throw bad();
    case 'bool':
      if (canonical === '1') return 'TRUE';
      if (canonical === '0') return 'FALSE';
      throw bad();
    case 'binary':
      if (!/^(?:[0-9a-f]{2})*$/.test(canonical)) throw bad();
      return `decode('${canonical}', 'hex')`;
    case 'text': {
      const colon = canonical.indexOf(':');
      if (colon <= 0 || !/^\d+$/.test(canonical.slice(0, colon))) throw bad();
      return pgString(canonical.slice(colon + 1));
    }
    case 'date':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      if (!TEMPORAL_RE.test(canonical)) throw bad();
      return `'${canonical}'`;
    default:
      if (!PLAIN_RE.test(canonical)) throw bad();
      return `'${canonical}'`;
  }
}

/** Comment text without anything that could end the comment line or start a psql meta-command. */
export function commentText(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029\\]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export interface TableSqlInput {
  plan: TablePlan;
  /** The drift found (after the engine's recheck). */
  drift: readonly RowDiff[];
  /** Source rows of the missing and changed keys, read after the run (by key text). */
  sourceRows: ReadonlyMap<string, LeafRow>;
}

export interface TableSql {
  table: string;
  statements: string[];
  upserts: number;
  deletes: number;
  /** Keys left out, with why (one comment line each). */
  skipped: string[];
  notes: string[];
}

function lossyColumns(plan: TablePlan): string[] {
  const out: string[] = [];
  for (const p of plan.pairs) {
    const s = p.canonical;
    // Floats are compared (and so written) at 15 significant digits at most: a double may differ in its last bits.
    if (s.type === 'float') out.push(p.target.name);
    else if (s.type === 'decimal' && s.scale !== undefined && p.source.scale !== null && s.scale < p.source.scale) out.push(p.target.name);
    else if ((s.type === 'timestamp' || s.type === 'timestamptz' || s.type === 'time') && (s.fractionalDigits ?? 6) < Math.min(p.source.datetimePrecision ?? 6, 6)) {
      out.push(p.target.name);
    }
  }
  return out;
}

/** The statements repairing one table: deletes first (they free unique values), then upserts. */
export function tableRepairSql(input: TableSqlInput): TableSql {
  const { plan } = input;
  const target = plan.target;
  const table = quoteTable(target.table);
  const keyCols = target.keys.map((k) => quoteIdent(k.column.name));
  const allCols = target.columns.map((c) => quoteIdent(c.column.name));
  const nonKey = allCols.slice(plan.keyCount);
  const out: TableSql = { table: `${target.table.schema}.${target.table.name}`, statements: [], upserts: 0, deletes: 0, skipped: [], notes: [] };

  const deleteOf = (values: ReadonlyArray<string | null>): string => {
    const preds = target.keys.map((k, i) => `${quoteIdent(k.column.name)} = ${pgLiteral(decodeKeyValue(values[i] ?? '', k.canonical, k.column, 'postgres'))}`);
    return `DELETE FROM ${table} WHERE ${preds.join(' AND ')};`;
  };
  const deletes: string[] = [];
  const upserts: string[] = [];
  for (const d of input.drift) {
    const keyNote = `key ${commentText(d.keyText)}`;
    try {
      if (d.kind === 'extra') {
        deletes.push(deleteOf(d.target!.columns));
        continue;
      }
      const row = input.sourceRows.get(d.keyText);
      if (!row) {
        // Gone from the source since the run: a changed row must go from the target too; a missing one needs nothing.
        if (d.kind === 'changed') deletes.push(`${deleteOf(d.target!.columns)} -- deleted on the source since the run`);
        else out.skipped.push(`${keyNote}: missing on the target, and no longer on the source`);
        continue;
      }
      const values = target.columns.map((c, i) => valueLiteral(row.columns[i] ?? null, c.canonical));
      const conflict = nonKey.length > 0 ? `DO UPDATE SET ${nonKey.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}` : 'DO NOTHING';
      upserts.push(`INSERT INTO ${table} (${allCols.join(', ')}) VALUES (${values.join(', ')}) ON CONFLICT (${keyCols.join(', ')}) ${conflict};`);
    } catch (err) {
      if (!(err instanceof KeyEncodingError)) throw err;
      out.skipped.push(`${keyNote}: ${commentText(err.message)}`);
    }
  }
  out.statements = [...deletes, ...upserts];
  out.deletes = deletes.length;
  out.upserts = upserts.length;
  const pk = plan.targetCatalog.primaryKey;
  const keyNames = target.keys.map((k) => k.column.name);
  if (upserts.length > 0 && (!pk || pk.length !== keyNames.length || !keyNames.every((k) => pk.includes(k)))) {
    out.notes.push(`the target has no primary key or unique index on (${keyNames.join(', ')}): ON CONFLICT needs one, the upserts fail (and nothing is applied) without it`);
  }
  const lossy = lossyColumns(plan);
  if (lossy.length > 0) out.notes.push(`values of ${lossy.join(', ')} are written as compared (rounded to the compared digits), not at the source's full precision`);
  const excluded = plan.targetCatalog.columns.length - target.columns.length;
  if (excluded > 0 && upserts.length > 0) out.notes.push(`${excluded} target column(s) are not compared and not written (inserted rows get their defaults)`);
  return out;
}

export interface RepairSqlFile {
  runId: string;
  generatedAt: Date;
  source: string;
  target: string;
  tables: TableSql[];
}

/** The whole file: header, then one transaction with every table's statements. */
export function renderRepairSql(file: RepairSqlFile): string {
  const lines: string[] = [
    '-- cdc-recon repair SQL for the PostgreSQL target. REVIEW BEFORE APPLYING: cdc-recon never runs this file.',
    `-- run ${commentText(file.runId)}, written ${file.generatedAt.toISOString()}, ${commentText(file.source)} -> ${commentText(file.target)}`,
    '-- Missing and changed rows: upserts with the values read from the source after the run; extra rows: deletes by key.',
    '-- Rows written on either side after that read are not reflected: reconcile again after applying.',
    '-- Apply with: psql -v ON_ERROR_STOP=1 -f <this file>   (one transaction: all of it or nothing)',
  ];
  for (const t of file.tables) {
    lines.push(`-- ${commentText(t.table)}: ${t.upserts} upsert(s), ${t.deletes} delete(s)${t.skipped.length ? `, ${t.skipped.length} key(s) left out` : ''}`);
    for (const n of t.notes) lines.push(`--   note: ${commentText(n)}`);
  }
  lines.push('', "SET client_encoding = 'UTF8';", 'BEGIN;', 'SET CONSTRAINTS ALL DEFERRED;');
  for (const t of file.tables) {
    lines.push('', `-- ${commentText(t.table)}`);
    for (const s of t.skipped) lines.push(`-- left out: ${s}`);
    lines.push(...t.statements);
  }
  lines.push('', 'COMMIT;', '');
  return lines.join('\n');
}
