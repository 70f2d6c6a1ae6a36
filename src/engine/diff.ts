/**
 * Row-level diff of one leaf segment: keys only on the source (missing),
 * only on the target (extra), or on both with different row hashes (changed,
 * with the columns that differ). Matching is by canonical key text, never by
 * either database's sort order.
 */
import type { LeafRow } from '../dialects/types.js';
import type { DiffRow, DriftKind } from '../report/model.js';

export interface RowDiff {
  kind: DriftKind;
  keyText: string;
  /** The row on each side that has it; a missing or extra row found by its key alone holds the key column only. */
  source?: LeafRow;
  target?: LeafRow;
  /** Its report form, made when found so that the column texts can go (a row kept until the recheck). */
  listed?: DiffRow;
}

export function diffLeaf(sourceRows: LeafRow[], targetRows: LeafRow[]): RowDiff[] {
  const bySource = new Map<string, LeafRow>();
  for (const r of sourceRows) bySource.set(r.keyText, r);
  const out: RowDiff[] = [];
  for (const t of targetRows) {
    const s = bySource.get(t.keyText);
    if (!s) out.push({ kind: 'extra', keyText: t.keyText, target: t });
    else {
      if (s.rowHash !== t.rowHash) out.push({ kind: 'changed', keyText: t.keyText, source: s, target: t });
      bySource.delete(t.keyText);
    }
  }
  for (const s of bySource.values()) out.push({ kind: 'missing', keyText: s.keyText, source: s });
  return out;
}

/**
 * A row one side lacks, known by its single key (canonical text) without reading its columns: what the listed
 * form and a repair take from it (the key columns lead a LeafRow). No row hash: it is never compared.
 */
export function keyOnlyDiff(kind: 'missing' | 'extra', keyText: string): RowDiff {
  const row: LeafRow = { keyText, rowHash: '', columns: [keyText] };
  return kind === 'missing' ? { kind, keyText, source: row } : { kind, keyText, target: row };
}

/** Human form of a canonical field: text loses its length prefix. */
export function displayValue(canonical: string | null, isText: boolean): string {
  if (canonical === null) return 'NULL';
  if (!isText) return canonical;
  const colon = canonical.indexOf(':');
  return colon >= 0 ? canonical.slice(colon + 1) : canonical;
}

export interface DiffContext {
  keyNames: string[];
  columnNames: string[];
  textColumns: boolean[];
}

/**
 * Characters one side's decoding produces where the other's produced another of them: C1 controls (SQL Server
 * maps cp1252's undefined bytes 0x81, 0x8D, 0x8F, 0x90, 0x9D to U+0081...), U+FFFD (Java's decoder), '?'
 * (a lone surrogate converted to UTF-8 by SQL Server or Java) and lone surrogates themselves (a JS string).
 */
const UNDECODABLE = /[\u0080-\u009f\ufffd?]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Whether two different texts are the same text once the characters above are treated as one unknown character. */
export function differsOnlyInDecoding(a: string, b: string): boolean {
  if (a === b) return false;
  const norm = (s: string) => s.replace(UNDECODABLE, '\u0000');
  const has = new RegExp(UNDECODABLE.source);
  return norm(a) === norm(b) && (has.test(a) || has.test(b));
}

export function toDiffRow(d: RowDiff, ctx: DiffContext): DiffRow {
  const row = d.source ?? d.target!;
  const key: Record<string, string> = {};
  ctx.keyNames.forEach((name, i) => {
    key[name] = displayValue(row.columns[i] ?? null, ctx.textColumns[i] ?? false);
  });
  const out: DiffRow = { kind: d.kind, key };
  if (d.kind === 'changed' && d.source && d.target) {
    const changed = ctx.columnNames.map((_, i) => i).filter((i) => d.source!.columns[i] !== d.target!.columns[i]);
    out.columns = changed.map((i) => ctx.columnNames[i]!);
    const decoding = changed.filter((i) => {
      const [s, t] = [d.source!.columns[i], d.target!.columns[i]];
      return ctx.textColumns[i] === true && s != null && t != null && differsOnlyInDecoding(displayValue(s, true), displayValue(t, true));
    });
    if (decoding.length > 0) out.decoding = decoding.map((i) => ctx.columnNames[i]!);
  }
  return out;
}
